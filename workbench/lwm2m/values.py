"""The typed value model shared by every codec, the server, the client and the GUI.

One Python type per LwM2M resource type, so a value decoded from TLV compares equal to the
same value decoded from SenML CBOR:

================  ==================  ==================================================
LwM2M type        Python type         notes
================  ==================  ==================================================
String            ``str``
Integer           ``int``             signed 64-bit
Unsigned Integer  ``int``             0 .. 2**64-1
Float             ``float``           64-bit IEEE 754
Boolean           ``bool``
Opaque            ``bytes``
Time              ``int``             seconds since the Unix epoch, signed 64-bit
Objlnk            :class:`ObjectLink` ``(object_id, instance_id)``
Corelnk           ``str``             CoRE link-format text
none (Execute)    ``None``            executable resources carry no value
================  ==================  ==================================================

A decoded payload is a :data:`Content`: a flat mapping from resource paths (single-instance
resources) or resource-instance paths (multi-instance resources) to values. Flat content is
what SenML carries natively; the hierarchical formats (TLV, LwM2M CBOR) are built from it.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import NamedTuple

from workbench.lwm2m.errors import ValueValidationError
from workbench.lwm2m.paths import Path


class ObjectLink(NamedTuple):
    """An Objlnk value: a reference to an object instance (``65535:65535`` means "none")."""

    object_id: int
    instance_id: int

    def __str__(self) -> str:
        return f"{self.object_id}:{self.instance_id}"

    @classmethod
    def parse(cls, text: str) -> ObjectLink:
        """Parse ``"3:0"``, the text form of the specification."""
        left, sep, right = text.strip().partition(":")
        if not sep or not _is_decimal(left) or not _is_decimal(right):
            raise ValueValidationError(f"object link {text!r} is not of the form OBJ:INST")
        link = cls(int(left), int(right))
        link.check()
        return link

    def check(self) -> None:
        for part in (self.object_id, self.instance_id):
            if isinstance(part, bool) or not isinstance(part, int) or not 0 <= part <= 0xFFFF:
                raise ValueValidationError(f"object link {self!r} has an id outside 0..65535")


def _is_decimal(text: str) -> bool:
    # str.isdigit() alone also accepts "²" and other digits int() refuses.
    return text.isascii() and text.isdigit()


Value = str | int | float | bool | bytes | ObjectLink | None
Content = Mapping[Path, Value]

INT64_MIN = -(2**63)
INT64_MAX = 2**63 - 1
UINT64_MAX = 2**64 - 1


def is_finite_number(value: object) -> bool:
    """True for ints and finite floats (not bools): what an Integer/Float resource accepts."""
    if isinstance(value, bool):
        return False
    if isinstance(value, int):
        return True
    return isinstance(value, float) and math.isfinite(value)
