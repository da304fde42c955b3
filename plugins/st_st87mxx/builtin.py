"""The built-in resources of §3 (Tables 4-6) with the *host's* rights and sizes.

``AT#LWCHGRSCVAL`` / ``AT#LWREADRSCVAL`` are checked against this table, not against the OMA
definitions: the note gives the host rights separately from the server's (the host may write
the Manufacturer, which a server may only read). Sizes are C types: ``char[N]`` is read as at
most N-1 characters (room for the terminator) — an assumption, the note does not say.
"""

from __future__ import annotations

from dataclasses import dataclass

from workbench.plugin_api import Path

INT64 = (-(2**63), 2**63 - 1)
UINT8 = (0, 255)
UINT16 = (0, 65535)
UINT32 = (0, 2**32 - 1)
INT32_POS = (0, 2**31 - 1)


@dataclass(frozen=True, slots=True)
class BuiltinResource:
    """One row of Tables 4-6: what the host may do and what a value must look like."""

    object_id: int
    resource_id: int
    name: str
    #: Host rights: "RW", "R" or "" (none).
    host: str
    #: "str", "int", "bool", "time" or "none" (executable).
    kind: str
    #: Longest string (characters), for kind "str".
    max_length: int = 0
    #: Inclusive range, for numbers.
    bounds: tuple[int, int] = INT64
    #: Multi-instance resource (Error Code, Protocol Support).
    multiple: bool = False

    @property
    def path(self) -> Path:
        return Path.of(self.object_id, 0, self.resource_id)

    def parse(self, text: str) -> object:
        """The typed value of ``text``; ``ValueError`` with a reason when it does not fit."""
        text = text.strip()
        if len(text) >= 2 and text[0] == text[-1] == '"':
            text = text[1:-1]
        if self.kind == "str":
            if len(text) > self.max_length:
                raise ValueError(f"{self.name} takes at most {self.max_length} characters")
            return text
        if self.kind == "bool":
            if text not in ("0", "1"):
                raise ValueError(f"{self.name} is 0 or 1")
            return text == "1"
        if self.kind in ("int", "time"):
            value = int(text, 10)
            low, high = self.bounds
            if not low <= value <= high:
                raise ValueError(f"{self.name} must be within {low}..{high}")
            return value
        raise ValueError(f"{self.name} has no value")


def _rows() -> list[BuiltinResource]:
    r = BuiltinResource
    return [
        # Table 4, Device object /3/0.
        r(3, 0, "Manufacturer", "RW", "str", 19),
        r(3, 1, "Model Number", "RW", "str", 19),
        r(3, 2, "Serial Number", "RW", "str", 19),
        r(3, 3, "Firmware Version", "R", "str", 63),
        r(3, 4, "Reboot", "", "none"),
        r(3, 5, "Factory Reset", "", "none"),
        r(3, 9, "Battery Level", "RW", "int", bounds=(0, 100)),
        r(3, 10, "Memory Free", "RW", "int", bounds=INT64),
        r(3, 11, "Error Code", "RW", "int", bounds=(0, 8), multiple=True),
        r(3, 12, "Reset Error Code", "", "none"),
        r(3, 13, "Current Time", "RW", "time", bounds=INT64),
        r(3, 14, "UTC Offset", "RW", "str", 6),
        r(3, 15, "Timezone", "RW", "str", 29),
        r(3, 16, "Supported Binding and Modes", "R", "str", 9),
        r(3, 17, "Device Type", "RW", "str", 9),
        r(3, 18, "Hardware Version", "RW", "str", 19),
        r(3, 19, "Software Version", "RW", "str", 19),
        # uint8_t, not the 0-6 enumeration: §6.4.3 writes 75 and 70 here (see README).
        r(3, 20, "Battery Status", "RW", "int", bounds=UINT8),
        # Table 5, Server object /1/0.
        r(1, 0, "Short Server ID", "RW", "int", bounds=(1, 65534)),
        r(1, 1, "Lifetime", "RW", "int", bounds=(1, UINT32[1])),
        r(1, 6, "Notification Storing When Disabled or Offline", "", "bool"),
        r(1, 7, "Binding", "", "str", 9),
        r(1, 8, "Registration Update Trigger", "", "none"),
        r(1, 13, "Registration Priority Order", "RW", "int", bounds=INT32_POS),
        r(1, 14, "Initial Registration Delay Timer", "RW", "int", bounds=INT32_POS),
        r(1, 15, "Registration Failure Block", "RW", "bool"),
        r(1, 16, "Bootstrap on Registration Failure", "RW", "bool"),
        r(1, 17, "Communication Retry Count", "RW", "int", bounds=INT32_POS),
        r(1, 18, "Communication Retry Timer", "RW", "int", bounds=INT32_POS),
        r(1, 19, "Communication Sequence Delay Timer", "RW", "int", bounds=INT32_POS),
        r(1, 20, "Communication Sequence Retry Count", "RW", "int", bounds=INT32_POS),
        # Table 6, Firmware Update object /5/0.
        r(5, 0, "Package", "", "none"),
        r(5, 1, "Package URI", "R", "str", 255),
        r(5, 2, "Update", "", "none"),
        r(5, 3, "State", "R", "int", bounds=(0, 3)),
        r(5, 5, "Update Result", "R", "int", bounds=(0, 9)),
        r(5, 8, "Firmware Update Protocol Support", "R", "int", bounds=UINT8, multiple=True),
        r(5, 9, "Firmware Update Delivery Method", "R", "int", bounds=(0, 2)),
        r(5, 10, "Cancel", "", "none"),
        r(5, 11, "Severity", "RW", "int", bounds=UINT8),
        r(5, 13, "Maximum Defer Period", "RW", "int", bounds=UINT32),
    ]


class BuiltinTable:
    """Lookup of the rows above by path (``/3/0/20``; ``/3/0/11/1`` for an instance)."""

    def __init__(self) -> None:
        self._rows = {row.path: row for row in _rows()}

    def find(self, path: Path) -> BuiltinResource | None:
        if path.instance_id != 0 or path.resource_id is None:
            return None
        row = self._rows.get(Path.of(*path.ids[:3]))
        if row is None:
            return None
        if path.resource_instance_id is not None and not row.multiple:
            return None
        return row

    def readable(self) -> list[BuiltinResource]:
        return [row for row in self._rows.values() if "R" in row.host]

    def objects(self) -> list[int]:
        return sorted({row.object_id for row in self._rows.values()})


def default_values(model: str, revision: str, serial: str) -> dict[Path, object]:
    """Factory values of the host-visible built-in resources (Device, Server, Firmware)."""
    p = Path.of
    return {
        p(3, 0, 0): "STMicroelectronics",
        p(3, 0, 1): model,
        p(3, 0, 2): serial,
        p(3, 0, 3): revision,
        p(3, 0, 9): 100,
        p(3, 0, 10): 512,
        p(3, 0, 11): {0: 0},
        p(3, 0, 14): "+00:00",
        p(3, 0, 15): "Etc/UTC",
        p(3, 0, 16): "U",
        p(3, 0, 17): "NB-IoT",
        p(3, 0, 18): "1.0",
        p(3, 0, 19): "1.0",
        p(3, 0, 20): 0,
        p(5, 0, 1): "",
        p(5, 0, 3): 0,
        p(5, 0, 5): 0,
        p(5, 0, 8): {0: 0},
        p(5, 0, 9): 0,
    }


def format_value(value: object) -> str:
    """A value as the module prints it (bare text; booleans 0/1; bytes in hex)."""
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, bytes):
        return value.hex().upper()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)
