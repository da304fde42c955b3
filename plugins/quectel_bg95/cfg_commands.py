"""``AT+QLWCFG`` (application note §3.2.1): one method per sub-command.

The document's response for a bad parameter is a bare ``ERROR`` (not ``+CME ERROR``), so
every failure here is raised as ``AtError(..., plain=True)`` by :func:`fail`. The "write
command with optional parameters omitted" is the query form; "index only" deletes
(``"security"`` / ``"server"``).
"""

from __future__ import annotations

import re
from collections.abc import Callable

from plugins.quectel_bg95.codes import (
    APN_CLASSES,
    BINDINGS,
    MAX_INT,
    SECURITY_MODES,
)
from plugins.quectel_bg95.config import QlwConfig, SecurityEntry, ServerEntry
from workbench.plugin_api import AtCall, AtError, CommandForm, Reply

_HEX = re.compile(r"([0-9A-Fa-f]{2})+")

TEST_LINES = (
    '+QLWCFG: "autostart",(0,1)',
    '+QLWCFG: "pdpcid",(0-5),(1-16),(0,2,3,6,7,10,11)',
    '+QLWCFG: "security",(0-5),(1-65534),<server_addr>,(0,1),(0,2,3),<PSK_ID>,<PSK_key>',
    '+QLWCFG: "server",(0-5),(0-2147483647),(0-2147483647),(0-2147483647),(60-2147483647),'
    "(0,1),<binding>",
    '+QLWCFG: "epns",(0,1),<bs_epname>,<reg_epname>',
    '+QLWCFG: "transcfg",(0-2147483647),(0-2147483647),(0-2147483647)',
    '+QLWCFG: "version",(0,1)',
    '+QLWCFG: "select",(0-6),(0,1)',
    '+QLWCFG: "host",(0,1),(0-3),<host_value>',
    '+QLWCFG: "device",<manufacturer>,<model_no>,<hw_version>,<sw_version>,<fw_version>,'
    "<device_type>",
    '+QLWCFG: "session",(0-2147483647),(0-86400)',
    '+QLWCFG: "mbsps",<service_code>,<IMEI>,<MSISDN>,<CCID>,<model>,<MAC>',
)


def fail(text: str = "invalid parameter") -> AtError:
    """The ``ERROR`` the document shows for any refused ``+QLWCFG``/``+QLWSVC``."""
    return AtError(50, text, plain=True)


def int_at(call: AtCall, index: int, lo: int, hi: int, choices: tuple[int, ...] = ()) -> int:
    """Argument ``index`` as an unquoted integer within range, else ``ERROR``."""
    if not call.has(index) or call.arg_details[index].quoted:
        raise fail(f"parameter {index + 1} must be an integer")
    text = call.arg_details[index].value.strip()
    if not re.fullmatch(r"-?\d+", text):
        raise fail(f"parameter {index + 1} must be an integer")
    value = int(text)
    if value < lo or value > hi or (choices and value not in choices):
        raise fail(f"parameter {index + 1} out of range")
    return value


def str_at(call: AtCall, index: int, max_len: int = 255, *, allow_empty: bool = True) -> str:
    """Argument ``index`` as a string (quotes expected, tolerated if missing)."""
    if index >= len(call.arg_details):
        raise fail(f"parameter {index + 1} missing")
    value = call.arg_details[index].value
    if len(value.encode("utf-8")) > max_len or (not allow_empty and not value):
        raise fail(f"parameter {index + 1} has a bad length")
    return value


def q(text: str) -> str:
    return f'"{text}"'


class CfgCommands:
    """Handler of ``AT+QLWCFG`` bound to one simulator's configuration.

    ``running`` tells whether the LwM2M client runs (Security/Server objects cannot change
    under it); ``factory_url`` is the simulator's ``server_url`` option, the address of the
    carrier servers of ``"select"``; ``on_device`` pushes ``"device"`` values to a running
    client.
    """

    def __init__(
        self,
        config: QlwConfig,
        running: Callable[[], bool],
        factory_url: str,
        on_device: Callable[[list[str]], None],
    ) -> None:
        self.config = config
        self.running = running
        self.factory_url = factory_url
        self.on_device = on_device
        self._items: dict[str, Callable[[AtCall, str], Reply]] = {
            "autostart": self._autostart,
            "pdpcid": self._pdpcid,
            "security": self._security,
            "server": self._server,
            "epns": self._epns,
            "transcfg": self._transcfg,
            "version": self._version,
            "select": self._select,
            "host": self._host,
            "device": self._device,
            "session": self._session,
            "mbsps": self._mbsps,
            "mbps": self._mbsps,
        }

    def handle(self, call: AtCall) -> Reply:
        if call.form is CommandForm.TEST:
            return list(TEST_LINES)
        if call.form is not CommandForm.SET or not call.arg_details:
            raise fail("use AT+QLWCFG=<item>[,...]")
        item = call.arg_details[0].value
        handler = self._items.get(item.lower())
        if handler is None:
            raise fail(f"unknown item {item!r}")
        return handler(call, item)

    # -- items ----------------------------------------------------------------------------
    def _autostart(self, call: AtCall, item: str) -> Reply:
        if len(call) == 1:
            return f'+QLWCFG: "autostart",{self.config.get("autostart")}'
        if len(call) != 2:
            raise fail()
        self.config.put("autostart", int_at(call, 1, 0, 1))
        return None

    def _pdpcid(self, call: AtCall, item: str) -> Reply:
        table: dict[int, list[int]] = self.config.get("pdpcid")
        if len(call) == 1:
            return [f'+QLWCFG: "pdpcid",{ci},{v[0]},{v[1]}' for ci, v in sorted(table.items())]
        if len(call) not in (3, 4):
            raise fail()
        ci = int_at(call, 1, 0, 5)
        cid = int_at(call, 2, 1, 16)
        apn_class = (
            int_at(call, 3, 0, 11, APN_CLASSES) if len(call) == 4 else table.get(ci, [1, 2])[1]
        )
        table[ci] = [cid, apn_class]
        self.config.put("pdpcid", table)
        return None

    def _security(self, call: AtCall, item: str) -> Reply:
        if len(call) == 1:
            return [
                f'+QLWCFG: "security",{e.index},{e.short_id},{q(e.uri)},{int(e.bootstrap)},{e.mode}'
                for e in self.config.security().values()
            ]
        ci = int_at(call, 1, 0, 5)
        if self.running():
            raise fail("the LwM2M client is running")
        if len(call) == 2:
            self.config.delete_security(ci)
            self.config.delete_server(ci)
            return None
        if len(call) not in (6, 8):
            raise fail()
        short_id = int_at(call, 2, 1, 65534)
        uri = str_at(call, 3, 255, allow_empty=False)
        if not re.match(r"^coaps?://", uri, re.IGNORECASE):
            raise fail("server_addr must be a coap:// or coaps:// URI")
        bootstrap = int_at(call, 4, 0, 1)
        mode = int_at(call, 5, 0, 3, tuple(SECURITY_MODES))
        psk_id = psk_key = ""
        if len(call) == 8:
            psk_id = str_at(call, 6, 255)
            psk_key = str_at(call, 7, 255)
            if mode == 0 and (not psk_id or not _HEX.fullmatch(psk_key)):
                raise fail("PSK mode needs an identity and a hexadecimal key")
        elif mode == 0:
            raise fail("PSK mode needs <PSK_ID>,<PSK_key>")
        entry = SecurityEntry(ci, short_id, uri, bootstrap == 1, mode, psk_id, psk_key)
        self.config.put_security(entry)
        return None

    def _server(self, call: AtCall, item: str) -> Reply:
        if len(call) == 1:
            return [
                f'+QLWCFG: "server",{e.index},{e.lifetime},{e.pmin},{e.pmax},'
                f"{e.disable_time},{e.storing},{q(e.binding)}"
                for e in self.config.servers().values()
            ]
        ci = int_at(call, 1, 0, 5)
        if self.running():
            raise fail("the LwM2M client is running")
        if len(call) == 2:
            self.config.delete_server(ci)
            return None
        if len(call) != 8:
            raise fail()
        if ci not in self.config.security():
            raise fail('configure AT+QLWCFG="security" first (§3.2.1 note 1)')
        binding = str_at(call, 7, 3).upper()
        if binding not in BINDINGS:
            raise fail("unknown binding")
        if binding == "N" and self.config.get("version") != 1:
            raise fail('binding "N" needs LwM2M 1.1')
        entry = ServerEntry(
            ci,
            int_at(call, 2, 0, MAX_INT),
            int_at(call, 3, 0, MAX_INT),
            int_at(call, 4, 0, MAX_INT),
            int_at(call, 5, 60, MAX_INT),
            int_at(call, 6, 0, 1),
            binding,
        )
        self.config.put_server(entry)
        return None

    def _epns(self, call: AtCall, item: str) -> Reply:
        if len(call) == 1:
            kind, bs, reg = self.config.get("epns")
            if kind == 0:
                return f'+QLWCFG: "epns",0,{q(bs)},{q(reg)}'
            return f'+QLWCFG: "epns",1,{bs},{reg}'
        if len(call) != 4:
            raise fail()
        kind = int_at(call, 1, 0, 1)
        if kind == 1:
            bs = str(int_at(call, 2, 4, 9))
            reg = str(int_at(call, 3, 4, 9))
        else:
            bs = str_at(call, 2, 128, allow_empty=False)
            reg = str_at(call, 3, 128, allow_empty=False)
        self.config.put("epns", [kind, bs, reg])
        return None

    def _ints(self, call: AtCall, item: str, ranges: tuple[tuple[int, int], ...]) -> Reply:
        if len(call) == 1:
            values = self.config.get(item)
            return f'+QLWCFG: "{item}",' + ",".join(str(v) for v in values)
        if len(call) != len(ranges) + 1:
            raise fail()
        values = [int_at(call, i + 1, lo, hi) for i, (lo, hi) in enumerate(ranges)]
        self.config.put(item, values)
        return None

    def _transcfg(self, call: AtCall, item: str) -> Reply:
        return self._ints(call, "transcfg", ((0, MAX_INT), (0, MAX_INT), (0, MAX_INT)))

    def _session(self, call: AtCall, item: str) -> Reply:
        return self._ints(call, "session", ((0, MAX_INT), (0, 86400)))

    def _version(self, call: AtCall, item: str) -> Reply:
        if len(call) == 1:
            return f'+QLWCFG: "version",{self.config.get("version")}'
        if len(call) != 2:
            raise fail()
        version = int_at(call, 1, 0, 1)
        if self.running():
            raise fail("the LwM2M client is running")
        self.config.put("version", version)
        return None

    def _select(self, call: AtCall, item: str) -> Reply:
        if len(call) == 1:
            kind, commercial = self.config.get("select")
            return f'+QLWCFG: "select",{kind},{commercial}'
        if len(call) not in (2, 3):
            raise fail()
        kind = int_at(call, 1, 0, 6)
        commercial = int_at(call, 2, 0, 1) if len(call) == 3 else self.config.get("select")[1]
        if self.running():
            raise fail("the LwM2M client is running")
        if kind == 0:
            self.config.factory_reset()
            return None
        if not self.factory_url:
            raise fail("no built-in server address (simulator option server_url)")
        # The carrier's built-in server, played by whatever server_url the simulator was given.
        self.config.put_security(SecurityEntry(0, 100 + kind, self.factory_url, False, 3))
        self.config.put_server(ServerEntry(0))
        self.config.put("select", [kind, commercial])
        return None

    def _host(self, call: AtCall, item: str) -> Reply:
        if len(call) < 2 or len(call) > 4:
            raise fail()
        index = int_at(call, 1, 0, 1)
        table: dict[int, dict[int, str]] = self.config.get("host")
        values = table.get(index, {})
        if len(call) == 2:
            return [f'+QLWCFG: "host",{index},{hid},{q(v)}' for hid, v in sorted(values.items())]
        host_id = int_at(call, 2, 0, 3)
        if len(call) == 3:
            if host_id not in values:
                return None
            return f'+QLWCFG: "host",{index},{host_id},{q(values[host_id])}'
        values[host_id] = str_at(call, 3, 255)
        table[index] = values
        self.config.put("host", table)
        return None

    def _device(self, call: AtCall, item: str) -> Reply:
        values: list[str] = self.config.get("device")
        if len(call) == 1:
            return '+QLWCFG: "device",' + ",".join(q(v) for v in values)
        if len(call) > 7:
            raise fail()
        for i in range(1, len(call)):
            values[i - 1] = str_at(call, i, 255)
        self.config.put("device", values)
        self.on_device(values)
        return None

    def _mbsps(self, call: AtCall, item: str) -> Reply:
        if len(call) == 1:
            values = self.config.get("mbsps")
            return f'+QLWCFG: "{item}",' + ",".join(q(v) for v in values)
        if len(call) != 7:
            raise fail()
        self.config.put("mbsps", [str_at(call, i, 64) for i in range(1, 7)])
        return None
