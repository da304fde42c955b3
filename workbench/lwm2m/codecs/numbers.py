"""Binary integer and float encodings shared by the formats that carry numbers as raw bytes.

TLV writes numbers as big-endian bytes of a few allowed widths; other formats (LwM2M CBOR
decisions about float width, simulators writing TLV by hand) need the same rules, so they live
here once. Every helper raises only :class:`~workbench.lwm2m.errors.CodecError`, with the
``fmt`` and ``position`` its caller gives, so a caller never has to translate errors.
"""

from __future__ import annotations

import math
import struct

from workbench.lwm2m.errors import CodecError
from workbench.lwm2m.values import INT64_MAX, INT64_MIN, UINT64_MAX

#: The widths (in bytes) the LwM2M TLV format allows for Integer, Unsigned Integer and Time.
INTEGER_WIDTHS = (1, 2, 4, 8)
#: The widths (in bytes) the LwM2M TLV format allows for Float.
FLOAT_WIDTHS = (4, 8)


def encode_integer(value: int, *, unsigned: bool = False, fmt: str | None = None) -> bytes:
    """The shortest of 1, 2, 4 or 8 big-endian bytes holding ``value`` as two's complement.

    Unsigned values up to ``INT64_MAX`` use the same signed-compatible widths, so a peer that
    reads them as signed (every LwM2M 1.0 peer) still gets the right number; only values
    above ``INT64_MAX`` need all 8 bytes read as unsigned, as LwM2M 1.1 specifies for the
    Unsigned Integer type.
    """
    if unsigned:
        if not 0 <= value <= UINT64_MAX:
            raise CodecError(f"{value} does not fit an unsigned 64-bit integer", None, fmt)
        if value > INT64_MAX:
            return value.to_bytes(8, "big", signed=False)
    elif not INT64_MIN <= value <= INT64_MAX:
        raise CodecError(f"{value} does not fit a signed 64-bit integer", None, fmt)
    for width in INTEGER_WIDTHS:
        bound = 1 << (8 * width - 1)
        if -bound <= value < bound:
            return value.to_bytes(width, "big", signed=True)
    raise AssertionError("unreachable: 8 bytes hold every int64")  # pragma: no cover


def decode_integer(
    data: bytes, *, unsigned: bool = False, fmt: str | None = None, position: int | None = None
) -> int:
    """Read a 1, 2, 4 or 8 byte big-endian integer (two's complement unless ``unsigned``)."""
    if len(data) not in INTEGER_WIDTHS:
        raise CodecError(f"an integer has 1, 2, 4 or 8 bytes, got {len(data)}", position, fmt)
    return int.from_bytes(data, "big", signed=not unsigned)


def fits_float32(value: float) -> bool:
    """True when ``value`` survives a round trip through IEEE 754 single precision exactly."""
    try:
        packed = struct.pack(">f", value)
    except OverflowError:
        return False
    (back,) = struct.unpack(">f", packed)
    return bool(back == value) or (math.isnan(value) and math.isnan(back))


def encode_float(value: float, *, fmt: str | None = None) -> bytes:
    """4 bytes when single precision is lossless, else 8: the value decodes back exactly."""
    if not math.isfinite(value):
        raise CodecError(f"{value} is not a finite number", None, fmt)
    if fits_float32(value):
        return struct.pack(">f", value)
    return struct.pack(">d", value)


def decode_float(data: bytes, *, fmt: str | None = None, position: int | None = None) -> float:
    """Read a 4 or 8 byte big-endian IEEE 754 float; NaN and infinities are refused.

    The value model holds finite numbers only (a Float resource cannot be NaN in any other
    format), so a non-finite float is reported where it is found instead of travelling on.
    """
    if len(data) == 4:
        (value,) = struct.unpack(">f", data)
    elif len(data) == 8:
        (value,) = struct.unpack(">d", data)
    else:
        raise CodecError(f"a float has 4 or 8 bytes, got {len(data)}", position, fmt)
    result = float(value)
    if not math.isfinite(result):
        raise CodecError(f"float {result} is not a finite number", position, fmt)
    return result
