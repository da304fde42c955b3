"""The host's answers to ``#LWNTY*`` requests, and the module's own view over AT.

Host answering (``Plugin.host_answers``; the workbench's host-answer service calls it):

=================  ======================================================================
request URC        answer
=================  ======================================================================
``#LWNTYRDOBJ``    ``AT#LWNTYRDOBJ=<sid>,<obj>,<inst>,<n>,<res>,D,<len>,<hex>...``
``#LWNTYWROBJ``    ``AT#LWNTYWROBJ=<sid>,<obj>,<inst>,<n>,<res>...``
``#LWNTYEXEOBJ``   ``AT#LWNTYEXEOBJ=<sid>,<obj>,<inst>,1,<res>``
=================  ======================================================================

The layout follows the single example of §6.5.3 (see ``nty.py``: inferred); every value is
answered as hex data (``D``), the type the host-defined objects have. One URC naming several
resources is one answer with all of them.

Module view (``Plugin.module_view``): ``#LWLISTOBJ`` / ``#LWDUMPOBJ`` / ``#LWREADRSCVAL`` /
``#LWCHGRSCVAL`` (§6.1; the response shapes are inferred, see README). ``#LWDUMPOBJ`` dumps a
whole object, so a refresh reads objects, not instances.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from workbench.plugin_api import (
    Below,
    HostAnswer,
    HostDemo,
    Lookup,
    ModuleDialect,
    ObjectRegistry,
    Path,
    PendingHostRequest,
    Value,
    format_text_value,
    request_args,
)

from .session import custom_definition


def opaque_hex(value: Any) -> str:
    """ST data is hex: bytes as they are, anything else as its text form's UTF-8."""
    if value is None:
        return ""
    if isinstance(value, bytes | bytearray):
        return bytes(value).hex().upper()
    if isinstance(value, bool):
        return "01" if value else "00"
    return format_text_value(value).encode("utf-8").hex().upper()


class St87HostAnswers:
    """:class:`~workbench.plugin_api.HostAnswerStyle` of the ST87MXX (module docstring)."""

    def answer(
        self, group: Sequence[PendingHostRequest], lookup: Lookup, below: Below | None
    ) -> HostAnswer:
        del below  # a #LWNTYRDOBJ always names its resources
        first = group[0]
        args = request_args(first.raw)
        if len(args) < 5:
            raise ValueError(f"cannot read the request {first.raw!r}")
        sid, obj, inst = args[0].strip(), args[1].strip(), args[2].strip()
        op = first.op
        paths = [r.path for r in group]
        resources = [p.rsplit("/", 1)[1] for p in paths]
        head = f"{sid},{obj},{inst}"
        written: dict[str, Any] = {}
        problem = ""
        if op == "read":
            parts = [head, str(len(resources))]
            missing = []
            for path, rid in zip(paths, resources, strict=True):
                value = lookup(path)
                if value is None:
                    missing.append(path)
                data = opaque_hex(value)
                parts += [rid, "D", str(len(data)), data]
            if missing:
                problem = f"no value in the tree for {', '.join(missing)}: answered empty"
            command = "AT#LWNTYRDOBJ=" + ",".join(parts)
        elif op == "write":
            for request in group:
                try:
                    written[request.path] = bytes.fromhex(str(request.value or ""))
                except ValueError:
                    written[request.path] = request.value
            command = f"AT#LWNTYWROBJ={head},{len(resources)}," + ",".join(resources)
        elif op == "execute":
            command = f"AT#LWNTYEXEOBJ={head},1,{resources[0]}"
        else:
            raise ValueError(f"unknown host request {op!r}")
        return HostAnswer([command], tuple({r.line for r in group}), op, paths, written, problem)


@dataclass(frozen=True, slots=True)
class St87ModuleView(ModuleDialect):
    """The ST87MXX's own view: list, dump an object, read and change one resource."""

    def write_command(self, path: Path | str, value: Value, registry: ObjectRegistry) -> str:
        target = path if isinstance(path, Path) else Path.parse(path)
        if not self.can_write or target.resource_id is None:
            return ""
        return f"AT#LWCHGRSCVAL={target},{format_text_value(value)}"


HOST_ANSWERS = St87HostAnswers()

MODULE_VIEW = St87ModuleView(
    "st87mxx",
    "AT#LWLISTOBJ",
    "AT#LWDUMPOBJ={object_id}",
    "AT#LWREADRSCVAL={path}",
    can_write=True,
    read_whole_objects=True,
    note="#LWLISTOBJ / #LWDUMPOBJ / #LWREADRSCVAL / #LWCHGRSCVAL (ST87MXX §6.1; shapes inferred)",
)

#: A host-defined object 3443 with three opaque resources (§6.5.1's example object), one of
#: them read by the server and answered from the host's values.
HOST_DEMO = HostDemo(
    commands=("AT#LWADDOBJ=3443,0,3,0,1,2",),
    values={"/3443/0/1": b"\xca\xfe", "/3443/0/2": b"\x01"},
    read="/3443/0/1",
    definitions=(custom_definition(3443, [0, 1, 2]),),
)
