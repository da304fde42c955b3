"""The CoAP log decodes wire CBOR with the bounded reader, never with ``cbor2.loads``."""

from __future__ import annotations

import json
import time

import cbor2
import pytest

from workbench.lwm2m.codecs.base import ContentFormat
from workbench.server.coaplog import describe_payload

CBOR_FORMATS = (ContentFormat.CBOR, ContentFormat.SENML_CBOR, ContentFormat.LWM2M_CBOR)


def shared_fan_out(width: int, depth: int) -> bytes:
    """An array of ``depth + 1`` shareable items (tag 28), each an array of ``width``
    references (tag 29) to the one before: ``width ** depth`` leaves for a reader that
    resolves references, about ``3 * width * depth`` bytes on the wire."""
    out = bytearray([0x98, depth + 1, 0xD8, 0x1C, 0x00])
    for level in range(1, depth + 1):
        out += bytes([0xD8, 0x1C, 0x80 | width]) + bytes([0xD8, 0x1D, level - 1]) * width
    return bytes(out)


@pytest.mark.parametrize("fmt", CBOR_FORMATS)
def test_shared_references_do_not_multiply_into_the_log(fmt: ContentFormat) -> None:
    payload = shared_fan_out(width=4, depth=9)  # 4**9 = 262,144 leaves through cbor2
    assert len(payload) < 200
    started = time.monotonic()
    tree = describe_payload(fmt, payload)
    assert time.monotonic() - started < 1.0
    text = json.dumps(tree)
    assert len(text) < 40 * len(payload), len(text)
    # The tags are shown as sent, not resolved.
    assert tree[0] == {"tag": 28, "value": 0}
    assert tree[1] == {"tag": 28, "value": [{"tag": 29, "value": 0}] * 4}


def test_a_bignum_stays_bytes_the_log_can_write() -> None:
    # Tag 2 (unsigned bignum) of 4,096 bytes: cbor2 makes a 9,865-digit int, which json.dumps
    # refuses (Python's int-to-str digit limit), so the whole log entry would be lost.
    payload = b"\xc2\x59\x10\x00" + b"\xff" * 4096
    tree = describe_payload(ContentFormat.CBOR, payload)
    assert tree == {"tag": 2, "value": {"hex": "ff" * 4096}}
    json.dumps(tree)


def test_too_deep_or_broken_cbor_is_not_decoded() -> None:
    deep = b"\x81" * 10_000 + b"\x00"
    assert describe_payload(ContentFormat.CBOR, deep) is None
    assert describe_payload(ContentFormat.CBOR, b"\x9a\xff\xff\xff\xff\x00") is None  # 4 G items
    assert describe_payload(ContentFormat.CBOR, b"\x5b" + b"\xff" * 8) is None  # 16 EB string


def test_ordinary_cbor_reads_as_before() -> None:
    senml = cbor2.dumps([{0: "/3/0/0", 3: "Acme"}, {0: "/3/0/9", 2: 87, 4: b"\x01"}])
    assert describe_payload(ContentFormat.SENML_CBOR, senml) == [
        {"0": "/3/0/0", "3": "Acme"},
        {"0": "/3/0/9", "2": 87, "4": {"hex": "01"}},
    ]
    assert describe_payload(ContentFormat.CBOR, cbor2.dumps(-1.5)) == -1.5
