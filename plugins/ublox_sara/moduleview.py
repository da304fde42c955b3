"""The module's own view over AT (``Plugin.module_view``) for SARA-R4/R5 and LEXI-R4 (§4).

``+ULWM2MLIST`` lists objects and instances, ``+ULWM2MREAD`` reads an instance or resource as
the OMA JSON of §5.1.1, ``+ULWM2MWRITE``/``+ULWM2MCREATE`` take that JSON quoted as an AT string
and ``+ULWM2MDELETE`` removes an instance. The module refuses to read Security (object 0).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from workbench.plugin_api import (
    ModuleDialect,
    ObjectRegistry,
    Path,
    Value,
    encode_ublox_json,
    quote_at_json,
)


def _path(path: Path | str) -> Path:
    return path if isinstance(path, Path) else Path.parse(path)


@dataclass(frozen=True, slots=True)
class UbloxModuleView(ModuleDialect):
    """List/read/write/create/delete through the ``+ULWM2M*`` commands."""

    def write_command(self, path: Path | str, value: Value, registry: ObjectRegistry) -> str:
        target = _path(path)
        if not self.can_write or target.resource_id is None:
            return ""
        text = encode_ublox_json(target, {target: value}, registry)
        return f"AT+ULWM2MWRITE={quote_at_json(text)}"

    def create_command(
        self, instance: Path | str, values: Mapping[Path, Value], registry: ObjectRegistry,
        owner: int = 0,
    ) -> str:  # fmt: skip
        if not self.can_create:
            return ""
        text = encode_ublox_json(_path(instance), dict(values), registry)
        return f"AT+ULWM2MCREATE={quote_at_json(text)},{owner}"

    def delete_command(self, instance: Path | str) -> str:
        if not self.can_delete:
            return ""
        return f'AT+ULWM2MDELETE="{_path(instance)}"'


MODULE_VIEW = UbloxModuleView(
    "ublox",
    'AT+ULWM2MLIST="/"',
    'AT+ULWM2MREAD="{path}"',
    'AT+ULWM2MREAD="{path}"',
    can_write=True,
    can_create=True,
    can_delete=True,
    note="+ULWM2MLIST / +ULWM2MREAD / +ULWM2MWRITE / +ULWM2MCREATE / +ULWM2MDELETE (u-blox §4)",
)
