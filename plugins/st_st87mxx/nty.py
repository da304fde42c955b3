"""The argument lists of the host-managed object exchange (``#LWNTYRDOBJ`` and friends).

§6.5.3 of the note shows one exchange each way::

    #LWNTYWROBJ: 1,3443,0,1,2,D,8,02020102        (URC: the server wrote)
    AT#LWNTYWROBJ=1,3443,0,1,2                     (host: done)
    #LWNTYRDOBJ: 1,3443,0,1,3                      (URC: the server reads)
    AT#LWNTYRDOBJ=1,3443,0,1,3,D,8,02020304        (host: here is the value)

Inferred layout (the note defines none of it): ``<server_id>,<object>,<instance>,<count>``
followed by ``<count>`` resource groups — a bare ``<resource>`` where no data travels, or
``<resource>,<type>,<length>,<data>`` where it does (``D`` = hex data, length in hex digits).
An execute carries one resource and, when the server sent arguments, their text last.
Both sides (decoder and simulator) parse with this module so they agree.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from .codes import DATA_TYPES, MAX_CUSTOM_RESOURCES


@dataclass(slots=True, unsafe_hash=True, init=False)
class NtyItem:
    """One resource of an exchange; ``data`` is the hex text when the group carries data."""

    resource: int
    type: str = ""
    length: int | None = None
    data: str | None = None

    # Written out, and not frozen (treat it as immutable): compiled (workbench/compiled.py), a
    # dataclass keeps the generated ``__init__``, interpreted Python, and a frozen one sets
    # each field through ``object.__setattr__``.
    def __init__(
        self, resource: int, type: str = "", length: int | None = None, data: str | None = None
    ) -> None:
        self.resource = resource
        self.type = type
        self.length = length
        self.data = data

    def value_bytes(self) -> bytes:
        return bytes.fromhex(self.data or "")


@dataclass(slots=True, unsafe_hash=True, init=False)
class NtyMessage:
    server: int
    object_id: int
    instance_id: int
    items: tuple[NtyItem, ...] = ()
    #: Execute arguments (text after the resource), if any.
    arguments: str | None = None
    extra: tuple[str, ...] = field(default=())

    # Written out, and not frozen (treat it as immutable): compiled (workbench/compiled.py), a
    # dataclass keeps the generated ``__init__``, interpreted Python, and a frozen one sets
    # each field through ``object.__setattr__``.
    def __init__(
        self,
        server: int,
        object_id: int,
        instance_id: int,
        items: tuple[NtyItem, ...] = (),
        arguments: str | None = None,
        extra: tuple[str, ...] = (),
    ) -> None:
        self.server = server
        self.object_id = object_id
        self.instance_id = instance_id
        self.items = items
        self.arguments = arguments
        self.extra = extra

    def path(self, item: NtyItem) -> str:
        return f"/{self.object_id}/{self.instance_id}/{item.resource}"


def _int(text: str, what: str, low: int = 0, high: int = 65535) -> int:
    value = int(text.strip(), 10)
    if not low <= value <= high:
        raise ValueError(f"{what} {value} is outside {low}-{high}")
    return value


def parse(args: list[str], *, with_data: bool, execute: bool = False) -> NtyMessage:
    """Parse split arguments; ``ValueError`` with a reason when they do not fit the layout."""
    if len(args) < 5:
        raise ValueError("expected <server_id>,<object>,<instance>,<count>,<resource>...")
    server = _int(args[0], "server id", 1, 65534)
    obj = _int(args[1], "object id", 0, 65534)
    inst = _int(args[2], "instance id", 0, 65534)
    count = _int(args[3], "resource count", 1, MAX_CUSTOM_RESOURCES)
    rest = args[4:]
    if execute:
        if count != 1:
            raise ValueError("an execute names exactly one resource")
        resource = _int(rest[0], "resource id", 0, 65534)
        arguments = ",".join(rest[1:]) if len(rest) > 1 else None
        return NtyMessage(server, obj, inst, (NtyItem(resource),), arguments)
    width = 4 if with_data else 1
    if len(rest) != count * width:
        raise ValueError(f"{count} resource(s) need {count * width} more field(s), got {len(rest)}")
    items: list[NtyItem] = []
    for index in range(count):
        group = rest[index * width : (index + 1) * width]
        resource = _int(group[0], "resource id", 0, 65534)
        if not with_data:
            items.append(NtyItem(resource))
            continue
        dtype = group[1].strip().upper()
        if dtype not in DATA_TYPES:
            raise ValueError(f"data type {group[1]!r} unknown (known: {', '.join(DATA_TYPES)})")
        length = _int(group[2], "data length", 0, 2048)
        data = group[3].strip()
        if len(data) != length:
            raise ValueError(f"data has {len(data)} hex digits, length says {length}")
        bytes.fromhex(data)  # raises ValueError on a non-hex digit or an odd count
        items.append(NtyItem(resource, dtype, length, data.upper()))
    if len({item.resource for item in items}) != len(items):
        raise ValueError("a resource appears twice")
    return NtyMessage(server, obj, inst, tuple(items))


def format_message(message: NtyMessage, *, with_data: bool) -> str:
    """The argument text of a URC or an answer (without the ``#LWNTY..:`` prefix)."""
    parts = [
        str(message.server),
        str(message.object_id),
        str(message.instance_id),
        str(len(message.items)),
    ]
    for item in message.items:
        parts.append(str(item.resource))
        if with_data:
            data = item.data or ""
            parts += [item.type or "D", str(len(data)), data]
    text = ",".join(parts)
    if message.arguments:
        text += "," + message.arguments
    return text
