"""Object and resource definitions: what the OMA DDF XML files describe.

The loader in :mod:`workbench.lwm2m.ddf` builds these from XML; the codecs, server, client and
GUI only ever see these classes. Validation of a value against its definition lives here so
every layer rejects the same things with the same words.
"""

from __future__ import annotations

import enum
import math
import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field

from workbench.lwm2m.errors import PathError, ValueValidationError
from workbench.lwm2m.paths import Path
from workbench.lwm2m.values import (
    INT64_MAX,
    INT64_MIN,
    UINT64_MAX,
    ObjectLink,
    Value,
    is_finite_number,
)


class ResourceType(enum.Enum):
    """Resource data types, valued by the spelling the DDF XML uses."""

    STRING = "String"
    INTEGER = "Integer"
    UNSIGNED_INTEGER = "Unsigned Integer"
    FLOAT = "Float"
    BOOLEAN = "Boolean"
    OPAQUE = "Opaque"
    TIME = "Time"
    OBJLNK = "Objlnk"
    CORELNK = "Corelnk"
    NONE = ""  # executable resources

    @classmethod
    def from_ddf(cls, text: str | None) -> ResourceType:
        """Map a DDF ``<Type>`` text (case and spacing as found in the wild) to a type."""
        key = re.sub(r"[\s_]+", "", (text or "")).lower()
        aliases = {
            "": cls.NONE,
            "none": cls.NONE,
            "string": cls.STRING,
            "integer": cls.INTEGER,
            "int": cls.INTEGER,
            "unsignedinteger": cls.UNSIGNED_INTEGER,
            "unsignedint": cls.UNSIGNED_INTEGER,
            "float": cls.FLOAT,
            "boolean": cls.BOOLEAN,
            "bool": cls.BOOLEAN,
            "opaque": cls.OPAQUE,
            "time": cls.TIME,
            "objlnk": cls.OBJLNK,
            "objectlink": cls.OBJLNK,
            "corelnk": cls.CORELNK,
        }
        try:
            return aliases[key]
        except KeyError:
            raise ValueError(f"unknown resource type {text!r}") from None

    @property
    def label(self) -> str:
        return self.value or "none"


class Operations(enum.Flag):
    """Allowed operations on a resource: ``R``, ``W``, ``RW``, ``E`` or none (``""``)."""

    NONE = 0
    READ = enum.auto()
    WRITE = enum.auto()
    EXECUTE = enum.auto()

    @classmethod
    def parse(cls, text: str | None) -> Operations:
        ops = cls.NONE
        for char in (text or "").strip().upper():
            if char == "R":
                ops |= cls.READ
            elif char == "W":
                ops |= cls.WRITE
            elif char == "E":
                ops |= cls.EXECUTE
            elif char in " ,":
                continue
            else:
                raise ValueError(f"unknown operation letter {char!r} in {text!r}")
        return ops

    @property
    def letters(self) -> str:
        out = ""
        if self & Operations.READ:
            out += "R"
        if self & Operations.WRITE:
            out += "W"
        if self & Operations.EXECUTE:
            out += "E"
        return out


@dataclass(frozen=True, slots=True)
class ValueRange:
    """A numeric range (``0..100``, ``-40..85``) or a length range for strings/opaque."""

    low: float | None = None
    high: float | None = None

    def __contains__(self, number: object) -> bool:
        if not isinstance(number, int | float) or isinstance(number, bool):
            return False
        if self.low is not None and number < self.low:
            return False
        return not (self.high is not None and number > self.high)

    def __str__(self) -> str:
        def fmt(x: float | None) -> str:
            if x is None:
                return ""
            return str(int(x)) if float(x).is_integer() else str(x)

        return f"{fmt(self.low)}..{fmt(self.high)}"


@dataclass(frozen=True, slots=True)
class ResourceDefinition:
    """One ``<Item>`` of a DDF file."""

    id: int
    name: str
    type: ResourceType
    operations: Operations = Operations.NONE
    multiple: bool = False
    mandatory: bool = False
    units: str = ""
    description: str = ""
    #: Numeric range for numbers, length range for String/Opaque; ``None`` when not given.
    range: ValueRange | None = None
    #: Allowed values (numbers or strings) when the definition enumerates them.
    enumeration: tuple[int | float | str, ...] = ()
    #: The raw ``<RangeEnumeration>`` text, kept for display.
    range_text: str = ""

    @property
    def readable(self) -> bool:
        return bool(self.operations & Operations.READ)

    @property
    def writable(self) -> bool:
        return bool(self.operations & Operations.WRITE)

    @property
    def executable(self) -> bool:
        return bool(self.operations & Operations.EXECUTE)

    def validate(self, value: Value) -> Value:
        """Check ``value`` against this definition and return it (ints widened to floats).

        Raises :class:`ValueValidationError` with a message a user can act on.
        """
        rtype = self.type
        where = f"resource {self.id} ({self.name})"
        if rtype is ResourceType.NONE:
            if value not in (None, "", b""):
                raise ValueValidationError(f"{where} is executable and carries no value")
            return None
        checked = check_type(rtype, value, where)
        if self.range is not None:
            if rtype in (ResourceType.STRING, ResourceType.OPAQUE, ResourceType.CORELNK):
                length = len(checked)  # type: ignore[arg-type]
                if length not in self.range:
                    raise ValueValidationError(f"{where}: length {length} is outside {self.range}")
            elif is_finite_number(checked) and checked not in self.range:
                raise ValueValidationError(f"{where}: {checked!r} is outside {self.range}")
        if self.enumeration and checked not in self.enumeration:
            allowed = ", ".join(str(x) for x in self.enumeration)
            raise ValueValidationError(f"{where}: {checked!r} is not one of {allowed}")
        return checked


def check_type(rtype: ResourceType, value: Value, where: str = "value") -> Value:
    """Check that ``value`` has the Python type of ``rtype`` (see :mod:`.values`)."""
    bad = ValueValidationError(f"{where}: {value!r} is not a valid {rtype.label}")
    if rtype in (ResourceType.STRING, ResourceType.CORELNK):
        if not isinstance(value, str):
            raise bad
        return value
    if rtype is ResourceType.BOOLEAN:
        if not isinstance(value, bool):
            raise bad
        return value
    if rtype is ResourceType.OPAQUE:
        if not isinstance(value, bytes | bytearray):
            raise bad
        return bytes(value)
    if rtype is ResourceType.OBJLNK:
        if not isinstance(value, ObjectLink):
            raise bad
        try:
            value.check()
        except ValueValidationError as exc:
            raise ValueValidationError(f"{where}: {exc}") from None
        return value
    if rtype is ResourceType.FLOAT:
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise bad
        try:
            return float(value)
        except OverflowError:  # an int beyond the double range
            raise bad from None
    if rtype in (ResourceType.INTEGER, ResourceType.TIME, ResourceType.UNSIGNED_INTEGER):
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        if isinstance(value, bool) or not isinstance(value, int):
            raise bad
        unsigned = rtype is ResourceType.UNSIGNED_INTEGER
        low, high = (0, UINT64_MAX) if unsigned else (INT64_MIN, INT64_MAX)
        if not low <= value <= high:
            raise ValueValidationError(f"{where}: {value} does not fit a 64-bit {rtype.label}")
        return value
    if rtype is ResourceType.NONE:
        return None
    raise bad  # pragma: no cover - every type is handled above


_DECIMAL = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")


def parse_text_value(rtype: ResourceType, text: str) -> Value:
    """Parse the plain-text representation (content format 0, CLI arguments, AT parameters)."""
    stripped = text.strip()
    try:
        if rtype in (ResourceType.STRING, ResourceType.CORELNK):
            return text
        if rtype in (ResourceType.INTEGER, ResourceType.TIME, ResourceType.UNSIGNED_INTEGER):
            # [0-9], not \d: int() would also accept other scripts' digits ("١٢").
            if not re.fullmatch(r"[+-]?[0-9]+", stripped):
                raise ValueError
            return check_type(rtype, int(stripped))
        if rtype is ResourceType.FLOAT:
            # float() also accepts "1_000", "inf" and non-ASCII digits; the wire form does not.
            if not _DECIMAL.fullmatch(stripped):
                raise ValueError
            number = float(stripped)
            if not math.isfinite(number):
                raise ValueError
            return number
        if rtype is ResourceType.BOOLEAN:
            lowered = stripped.lower()
            if lowered in ("1", "true"):
                return True
            if lowered in ("0", "false"):
                return False
            raise ValueError
        if rtype is ResourceType.OBJLNK:
            return ObjectLink.parse(stripped)
        if rtype is ResourceType.OPAQUE:
            return bytes.fromhex(stripped)
        if rtype is ResourceType.NONE:
            return None
    except ValueValidationError:
        raise
    except ValueError:
        pass
    raise ValueValidationError(f"{text!r} is not a valid {rtype.label}")


def format_text_value(value: Value) -> str:
    """The plain-text representation of a value (inverse of :func:`parse_text_value`)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, float):
        return repr(value)  # shortest text that parses back to the same double
    if isinstance(value, bytes):
        return value.hex().upper()
    return str(value)


@dataclass(frozen=True, slots=True)
class ObjectDefinition:
    """One ``<Object>`` of a DDF file."""

    id: int
    name: str
    multiple: bool = False
    mandatory: bool = False
    version: str = "1.0"
    lwm2m_version: str = "1.0"
    urn: str = ""
    description: str = ""
    resources: Mapping[int, ResourceDefinition] = field(default_factory=dict)
    #: Where the definition came from (file name, "builtin"), for messages and the GUI.
    source: str = ""

    def resource(self, resource_id: int) -> ResourceDefinition | None:
        return self.resources.get(resource_id)


class ObjectRegistry:
    """A set of object definitions, looked up by object id.

    Later additions replace earlier ones with the same id (a user's own file overrides the
    shipped one), and the replaced definition is remembered in :attr:`overridden`.
    """

    def __init__(self, definitions: Iterable[ObjectDefinition] = ()) -> None:
        self._objects: dict[int, ObjectDefinition] = {}
        self.overridden: list[ObjectDefinition] = []
        for definition in definitions:
            self.add(definition)

    def add(self, definition: ObjectDefinition) -> None:
        old = self._objects.get(definition.id)
        if old is not None:
            self.overridden.append(old)
        self._objects[definition.id] = definition

    def get(self, object_id: int) -> ObjectDefinition | None:
        return self._objects.get(object_id)

    def __contains__(self, object_id: object) -> bool:
        return object_id in self._objects

    def __iter__(self) -> Iterator[ObjectDefinition]:
        return iter(sorted(self._objects.values(), key=lambda d: d.id))

    def __len__(self) -> int:
        return len(self._objects)

    def resource(self, path: Path) -> ResourceDefinition | None:
        """The definition of the resource ``path`` points at (or below), if known."""
        if path.resource_id is None:
            raise PathError(f"{path} does not name a resource")
        obj = self._objects.get(path.object_id)
        return None if obj is None else obj.resource(path.resource_id)

    def resource_type(self, path: Path) -> ResourceType | None:
        res = self.resource(path)
        return None if res is None else res.type
