"""The SIM7028 value and result vocabulary, shared by the decoder and the simulator.

``+LWWRITE`` and ``AT+LWREADRSP`` carry each resource as ``<resourceId>,<valueType>,<valueLen>,
<value>`` with the type letters of §2.2.8; ``AT+LWWRITERSP``/``AT+LWEXECUTERSP`` answer with the
numeric result codes of the "Command Result Codes" table, which are CoAP codes packed as
``class * 32 + detail`` (68 = 2.04 Changed) plus 0 "No error" and 1 "Ignore".
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from workbench.plugin_api import ResourceType, parse_text_value

DOCUMENT: Final = "simcom-sim7028-lwm2m-appnote.txt"

#: ``<valueType>`` letters (§2.2.8, §3.1).
VALUE_TYPES: Final[dict[str, str]] = {
    "I": "integer",
    "F": "float",
    "B": "boolean",
    "D": "opaque",
    "S": "string",
}

#: ``<result>`` of ``AT+LWWRITERSP``/``AT+LWEXECUTERSP`` ("Command Result Codes" table).
RESULT_CODES: Final[dict[int, str]] = {
    0: "No error",
    1: "Ignore",
    65: "Created",
    66: "Deleted",
    68: "Changed",
    69: "Content",
    95: "Continue",
    128: "Bad request",
    129: "Unauthorized",
    130: "Bad option",
    132: "Not found",
    133: "Method no allowed",
    134: "Not acceptable",
    136: "Req entity incomplete",
    140: "Precondition failed",
    141: "Entity too large",
    160: "Internal server error",
    161: "Not implemented",
    163: "Service unavailable",
}

#: Session ids (``<lwm2mId>``): "the range is from 0 to 1".
SESSION_IDS: Final = (0, 1)
#: Objects 0-7 are the module's own ("0-7 has already used", §2.2.6).
FIRST_HOST_OBJECT: Final = 8
#: ``<resourceCnt>``: "The range is from 1 to 15".
MAX_RESOURCES: Final = 15


def coap_text(result: int) -> str | None:
    """``68`` → ``"2.04"``; None for the two non-CoAP results (0 No error, 1 Ignore)."""
    if result < 32:
        return None
    return f"{result >> 5}.{result & 31:02d}"


def is_success(result: int) -> bool:
    """Whether a host ``<result>`` lets the operation succeed (0 or a 2.xx code)."""
    return result == 0 or 64 <= result < 128


@dataclass(slots=True, unsafe_hash=True, init=False)
class ResourceValue:
    """One ``<resourceId>,<valueType>,<valueLen>,<value>`` group."""

    resource_id: int
    value_type: str
    length: int | None
    text: str

    # Written out, and not frozen (treat it as immutable): compiled (workbench/compiled.py), a
    # dataclass keeps the generated ``__init__``, interpreted Python, and a frozen one sets
    # each field through ``object.__setattr__``.
    def __init__(self, resource_id: int, value_type: str, length: int | None, text: str) -> None:
        self.resource_id = resource_id
        self.value_type = value_type
        self.length = length
        self.text = text


def parse_groups(args: list[str], count: int) -> list[ResourceValue]:
    """Split ``count`` groups of four arguments; ValueError when the shape is wrong."""
    if count < 1 or len(args) != 4 * count:
        raise ValueError(f"expected {count} groups of 4 values, got {len(args)} values")
    groups = []
    for index in range(count):
        rid, vtype, vlen, text = args[4 * index : 4 * index + 4]
        length = int(vlen) if vlen.strip().lstrip("-").isdigit() else None
        groups.append(ResourceValue(int(rid), vtype.strip(), length, text))
    return groups


def typed_value(value_type: str, text: str) -> object:
    """The value as its ``<valueType>`` letter says (text kept for an unknown letter)."""
    if value_type == "I":
        return int(text.strip())
    if value_type == "F":
        return float(text.strip())
    if value_type == "B":
        lowered = text.strip().lower()
        if lowered in ("1", "true"):
            return True
        if lowered in ("0", "false"):
            return False
        return text
    if value_type == "D":
        return text.strip().upper()
    return text


def type_letter(value: object) -> str:
    """The ``<valueType>`` letter the module prints for a decoded LwM2M value."""
    if isinstance(value, bool):
        return "B"
    if isinstance(value, int):
        return "I"
    if isinstance(value, float):
        return "F"
    if isinstance(value, bytes | bytearray):
        return "D"
    return "S"


def value_text(value: object) -> str:
    """How a value is written inside the quotes of ``+LWWRITE`` (opaque as hex)."""
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, bytes | bytearray):
        return bytes(value).hex().upper()
    if isinstance(value, float):
        return repr(value)
    return str(value)


def coerce(rtype: ResourceType, value_type: str, text: str) -> object:
    """A host-supplied value converted to the resource's defined type (ValueError if not)."""
    if rtype is ResourceType.OPAQUE and value_type != "D":
        return text.encode("utf-8")
    if rtype is ResourceType.FLOAT and value_type in ("I", "F"):
        return float(text.strip())
    if rtype in (ResourceType.INTEGER, ResourceType.UNSIGNED_INTEGER, ResourceType.TIME):
        number = float(text.strip()) if value_type == "F" else None
        if number is not None and number.is_integer():
            return int(number)
    return parse_text_value(rtype, text)
