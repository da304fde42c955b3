"""The simulated module's LwM2M configuration, kept in its non-volatile store.

§3.2.1: "The configurations are saved automatically", so every ``AT+QLWCFG`` setting lives in
the simulator's :class:`SettingsStore` (which survives ``AT+CFUN=1,1``) under ``qlwcfg.*``
keys. Defaults come from the document: parameter defaults of §3.2.1 and, where §3.2.1 has
none, the ``lwm2m_cfg`` defaults of Table 5 (endpoint names 7/4, retry 60/2/480, version 1.0).
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from typing import Any

from workbench.plugin_api import BootstrapFile, Path, SettingsStore


@dataclass(slots=True)
class SecurityEntry:
    """One ``AT+QLWCFG="security"`` entry (a Security object instance)."""

    index: int
    short_id: int
    uri: str
    bootstrap: bool
    mode: int
    psk_id: str = ""
    psk_key: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {
            "short_id": self.short_id,
            "uri": self.uri,
            "bootstrap": self.bootstrap,
            "mode": self.mode,
            "psk_id": self.psk_id,
            "psk_key": self.psk_key,
        }


@dataclass(slots=True)
class ServerEntry:
    """One ``AT+QLWCFG="server"`` entry (a Server object instance)."""

    index: int
    lifetime: int = 86400
    pmin: int = 0
    pmax: int = 0
    disable_time: int = 86400
    storing: int = 0
    binding: str = "U"

    def to_dict(self) -> dict[str, Any]:
        return {
            "lifetime": self.lifetime,
            "pmin": self.pmin,
            "pmax": self.pmax,
            "disable_time": self.disable_time,
            "storing": self.storing,
            "binding": self.binding,
        }


DEFAULTS: dict[str, Any] = {
    "autostart": 0,
    "pdpcid": {0: [1, 2]},
    "security": {},
    "server": {},
    "epns": [1, "7", "4"],
    "transcfg": [60, 2, 480],
    "version": 0,
    "select": [0, 0],
    "host": {},
    "device": ["Quectel", "", "", "", "", ""],
    "session": [0, 86400],
    "mbsps": ["", "", "", "", "", ""],
    "reg_mode": 0,
}


class QlwConfig:
    """Typed access to the ``qlwcfg.*`` keys of the settings store."""

    def __init__(self, settings: SettingsStore, model: str, revision: str) -> None:
        self.settings = settings
        self._device_defaults = ["Quectel", model, "", "", revision, model]

    def get(self, item: str) -> Any:
        key = f"qlwcfg.{item}"
        if key not in self.settings:
            value = copy.deepcopy(DEFAULTS[item])
            if item == "device":
                value = list(self._device_defaults)
            return value
        return copy.deepcopy(self.settings[key])

    def put(self, item: str, value: Any) -> None:
        self.settings[f"qlwcfg.{item}"] = copy.deepcopy(value)

    def factory_reset(self) -> None:
        """Everything back to the defaults (``"select",0`` and ``"dereg",1``)."""
        for key in [k for k in self.settings if k.startswith("qlwcfg.")]:
            del self.settings[key]

    # -- objects ---------------------------------------------------------------------------
    def security(self) -> dict[int, SecurityEntry]:
        raw: dict[int, dict[str, Any]] = self.get("security")
        return {int(i): SecurityEntry(int(i), **v) for i, v in sorted(raw.items())}

    def put_security(self, entry: SecurityEntry) -> None:
        raw = self.get("security")
        raw[entry.index] = entry.to_dict()
        self.put("security", raw)

    def delete_security(self, index: int) -> None:
        raw = self.get("security")
        raw.pop(index, None)
        self.put("security", raw)

    def servers(self) -> dict[int, ServerEntry]:
        raw: dict[int, dict[str, Any]] = self.get("server")
        return {int(i): ServerEntry(int(i), **v) for i, v in sorted(raw.items())}

    def put_server(self, entry: ServerEntry) -> None:
        raw = self.get("server")
        raw[entry.index] = entry.to_dict()
        self.put("server", raw)

    def delete_server(self, index: int) -> None:
        raw = self.get("server")
        raw.pop(index, None)
        self.put("server", raw)

    def configured(self) -> bool:
        return bool(self.get("security"))


def entries_from_bootstrap(
    bootstrap: BootstrapFile,
) -> tuple[list[SecurityEntry], list[ServerEntry]]:
    """Security/Server entries from a parsed ``bootstrap.ini`` (§2.5.1.1, §4.1).

    Server instances are paired with Security instances by short server ID (/0/x/10 =
    /1/y/0), as the LwM2M specification pairs them; the pair gets the Security instance id.
    """
    instances = bootstrap.instances()
    securities: list[SecurityEntry] = []
    by_ssid: dict[int, int] = {}
    for inst, values in sorted(instances.items(), key=lambda kv: kv[0].ids):
        if inst.object_id != 0 or inst.instance_id is None:
            continue
        iid = inst.instance_id

        def val(rid: int, default: Any, _iid: int = iid, _values: Any = values) -> Any:
            return _values.get(Path.of(0, _iid, rid), default)

        ssid = val(10, 0)
        entry = SecurityEntry(
            iid,
            int(ssid) if isinstance(ssid, int | float) else 0,
            str(val(0, "")),
            bool(val(1, False)),
            int(val(2, 3)),
        )
        securities.append(entry)
        by_ssid[entry.short_id] = iid
    servers: list[ServerEntry] = []
    for inst, values in sorted(instances.items(), key=lambda kv: kv[0].ids):
        if inst.object_id != 1 or inst.instance_id is None:
            continue
        iid = inst.instance_id

        def sval(rid: int, default: Any, _iid: int = iid, _values: Any = values) -> Any:
            return _values.get(Path.of(1, _iid, rid), default)

        ssid = int(sval(0, 0))
        if ssid not in by_ssid:
            continue
        servers.append(
            ServerEntry(
                by_ssid[ssid],
                int(sval(1, 86400)),
                int(sval(2, 0)),
                int(sval(3, 0)),
                int(sval(5, 86400)),
                0 if bool(sval(6, True)) else 1,
                str(sval(7, "U")),
            )
        )
    return securities, servers
