"""Command templates for ``AT+QLWCFG`` / ``AT+QLWSVC`` (application note §3.2) and friends.

Each Quectel sub-command (``"security"``, ``"reg"``...) is its own template: the first
parameter is fixed, so the GUI shows one form per sub-command. Quectel's "write command with
the optional parameters omitted" is the query form; it gets its own ``*_query`` template
because ``AT+QLWCFG="security",0`` (index only) *deletes* an entry, which a form must never do
by accident.
"""

from __future__ import annotations

from plugins.quectel_bg95.codes import (
    APN_CLASSES,
    BINDINGS,
    DOCUMENT,
    EP_NAME_TYPES,
    HOST_IDS,
    MAX_INT,
    SECURITY_MODES,
    SERVER_TYPES,
)
from workbench.plugin_api import (
    COMMON_TEMPLATES,
    Choice,
    CommandForm,
    CommandTemplate,
    DocRef,
    Param,
    ParamType,
)

_CFG = DocRef(DOCUMENT, "3.2.1")
_SVC = DocRef(DOCUMENT, "3.2.2")
_27007 = DocRef("3GPP TS 27.007")

_SET = CommandForm.SET


def _int(name: str, lo: int, hi: int, default: int | None = None, **kw: object) -> Param:
    return Param(name, ParamType.INT, min=lo, max=hi, default=default, **kw)  # type: ignore[arg-type]


def _enum(name: str, choices: dict[int, str], default: int | None = None, **kw: object) -> Param:
    return Param(
        name,
        ParamType.ENUM,
        choices=tuple(Choice(v, label) for v, label in choices.items()),
        default=default,
        **kw,  # type: ignore[arg-type]
    )


def _str(name: str, default: str | None = None, **kw: object) -> Param:
    return Param(name, ParamType.STR, default=default, **kw)  # type: ignore[arg-type]


def _cfg(tid: str, sub: str, params: tuple[Param, ...], summary: str) -> CommandTemplate:
    return CommandTemplate(
        tid,
        "+QLWCFG",
        _SET,
        (Param.fixed("item", sub), *params),
        summary=summary,
        doc=_CFG,
        group="Configuration",
        timeout=2.0,
    )


def _svc(
    tid: str, sub: str, params: tuple[Param, ...], summary: str, timeout: float = 2.0
) -> CommandTemplate:
    return CommandTemplate(
        tid,
        "+QLWSVC",
        _SET,
        (Param.fixed("item", sub), *params),
        summary=summary,
        doc=_SVC,
        group="Session",
        timeout=timeout,
    )


_CLIENT_INDEX = _int("client_index", 0, 5, 0, help="LwM2M Client identifier")
_SHORT_ID = _int("shortID", 1, 65534, 100, help="Short server ID")
_ONOFF = {0: "Disable", 1: "Enable"}

QLWCFG_TEMPLATES: tuple[CommandTemplate, ...] = (
    CommandTemplate(
        "qlwcfg_test", "+QLWCFG", CommandForm.TEST, summary="List the supported configurations",
        doc=_CFG, group="Configuration",
    ),
    _cfg("qlwcfg_autostart_query", "autostart", (), "Query the startup mode"),
    _cfg(
        "qlwcfg_autostart", "autostart",
        (_enum("startup_mode", _ONOFF, 0, help="Start LwM2M automatically at power-on"),),
        "Set the startup mode",
    ),
    _cfg("qlwcfg_pdpcid_query", "pdpcid", (), "Query the APN profile for LwM2M"),
    _cfg(
        "qlwcfg_pdpcid", "pdpcid",
        (
            _CLIENT_INDEX,
            _int("PDP_cid", 1, 16, 1, help="PDP context ID"),
            Param(
                "APN_class", ParamType.ENUM, default=2, optional=True,
                choices=tuple(Choice(c, f"class {c}") for c in APN_CLASSES),
            ),
        ),
        "Set the APN profile for the LwM2M data connection",
    ),
    _cfg("qlwcfg_security_query", "security", (), "Query the Security object resources"),
    _cfg(
        "qlwcfg_security", "security",
        (
            _CLIENT_INDEX,
            _SHORT_ID,
            Param(
                "server_addr", ParamType.URL, default="coap://127.0.0.1:5683", max_length=255,
                help="LwM2M Server URI",
            ),
            _enum("bootstrap", {0: "Standard LwM2M Server", 1: "LwM2M Bootstrap Server"}, 0),
            _enum("security_mode", SECURITY_MODES, 3),
            _str("PSK_ID", optional=True, help="PSK identity (security_mode 0 only)"),
            Param(
                "PSK_key", ParamType.HEX, optional=True,
                help="PSK secret key as hex (security_mode 0 only)",
            ),
        ),
        "Set the Security object resources",
    ),
    _cfg(
        "qlwcfg_security_delete", "security", (_CLIENT_INDEX,),
        "Delete the Security object data of one client index",
    ),
    _cfg("qlwcfg_server_query", "server", (), "Query the Server object resources"),
    _cfg(
        "qlwcfg_server", "server",
        (
            _CLIENT_INDEX,
            _int("life_time", 0, MAX_INT, 86400, help="Registration lifetime (s)"),
            _int("period_min", 0, MAX_INT, 0, help="Default minimum observation period (s)"),
            _int("period_max", 0, MAX_INT, 0, help="Default maximum observation period (s)"),
            _int("disable_time", 60, MAX_INT, 86400, help="Disable timeout (s)"),
            _enum("storing", {0: "Store notifications", 1: "Discard notifications"}, 0),
            Param(
                "binding", ParamType.ENUM, default="U",
                choices=tuple(Choice(b, b) for b in BINDINGS),
                help='Transport binding (Table 7; "N" needs LwM2M 1.1)',
            ),
        ),
        "Set the Server object resources (configure \"security\" first)",
    ),
    _cfg(
        "qlwcfg_server_delete", "server", (_CLIENT_INDEX,),
        "Delete the Server object attributes of one client index",
    ),
    _cfg("qlwcfg_epns_query", "epns", (), "Query the endpoint client names"),
    _cfg(
        "qlwcfg_epns", "epns",
        (
            _enum("type", {0: "String", 1: "Enumeration (Table 8)"}, 1),
            _str("bs_epname", "7", quoted=False, help=f"Bootstrap name; type 1: {EP_NAME_TYPES}"),
            _str("reg_epname", "4", quoted=False, help="Registration name (as bs_epname)"),
        ),
        "Set the endpoint client names (strings must be written in quotes for type 0)",
    ),
    _cfg("qlwcfg_transcfg_query", "transcfg", (), "Query the retry parameters"),
    _cfg(
        "qlwcfg_transcfg", "transcfg",
        (
            _int("retry_timeout", 0, MAX_INT, 60, help="Seconds before the first retry"),
            _int("retry_exponent", 0, MAX_INT, 2, help="Exponential back-off factor"),
            _int("max_timeout", 0, MAX_INT, 480, help="Longest retry timeout (s)"),
        ),
        "Set the bootstrap/registration retry parameters",
    ),
    _cfg("qlwcfg_version_query", "version", (), "Query the LwM2M version"),
    _cfg(
        "qlwcfg_version", "version",
        (_enum("client_version", {0: "LwM2M 1.0", 1: "LwM2M 1.1"}, 0),),
        "Set the LwM2M protocol version",
    ),
    _cfg("qlwcfg_select_query", "select", (), "Query the built-in server selection"),
    _cfg(
        "qlwcfg_select", "select",
        (
            _enum("server_type", SERVER_TYPES, 0),
            _enum("is_commercial", {0: "Staging Server", 1: "Production Server"}, optional=True),
        ),
        "Select a carrier's built-in LwM2M server (0 resets all settings)",
    ),
    _cfg(
        "qlwcfg_host_query", "host",
        (_enum("host_index", {0: "Instance 0", 1: "Instance 1"}, 0),
         _enum("hostID", HOST_IDS, optional=True)),
        "Query the portfolio object of the host device",
    ),
    _cfg(
        "qlwcfg_host", "host",
        (
            _enum("host_index", {0: "Instance 0", 1: "Instance 1"}, 0),
            _enum("hostID", HOST_IDS, 0),
            _str("host_value", "host-1", help="Host device information"),
        ),
        "Set a resource of the portfolio object",
    ),
    _cfg("qlwcfg_device_query", "device", (), "Query the Device object resources"),
    _cfg(
        "qlwcfg_device", "device",
        (
            _str("manufacturer", "Quectel"),
            _str("model_no", "BG95-M3", optional=True),
            _str("hw_version", "R2.1", optional=True),
            _str("sw_version", "04", optional=True),
            _str("fw_version", "BG95M3LAR02A04", optional=True),
            _str("device_type", "Quectel_BG95", optional=True),
        ),
        "Set the Device object resources",
    ),
    _cfg("qlwcfg_session_query", "session", (), "Query the DTLS session lifetime"),
    _cfg(
        "qlwcfg_session", "session",
        (
            _int("DTLS_timeout", 0, MAX_INT, 0, help="DTLS session lifetime (s)"),
            _int("resume_time", 0, 86400, 86400, help="DTLS session resumption timeout (s)"),
        ),
        "Set the DTLS session lifetime",
    ),
    # Audit M11: the write command and its answer spell "mbps" (§3.2.1); only the test answer
    # prints "mbsps". The template ids keep their old spelling so saved sequences still load.
    _cfg("qlwcfg_mbsps_query", "mbps", (), "Query the LG U+ authentication parameters"),
    _cfg(
        "qlwcfg_mbsps", "mbps",
        (
            _str("service_code", "SVC"),
            _str("IMEI", "864475040090705"),
            _str("MSISDN", "01012345678"),
            _str("ICCID", "8982060000000000000"),
            _str("model", "BG95-M3"),
            _str("MAC", "00:11:22:33:44:55"),
        ),
        'Set the LG U+ authentication parameters (the test answer spells it "mbsps")',
    ),
)  # fmt: skip

QLWSVC_TEMPLATES: tuple[CommandTemplate, ...] = (
    CommandTemplate(
        "qlwsvc_test", "+QLWSVC", CommandForm.TEST, summary="List the supported operations",
        doc=_SVC, group="Session",
    ),
    _svc(
        "qlwsvc_reg", "reg",
        (_enum("mode", {0: "Register after reboot", 1: "Registration update after reboot"},
               optional=True),),
        "Start the client: bootstrap and/or register (+QLWREG: <err> follows OK)",
        timeout=5.0,
    ),
    _svc(
        "qlwsvc_dereg", "dereg",
        (_enum("method", {0: "De-registration", 1: "Factory reset"}, optional=True),),
        "De-register (+QLWDEREG: <err> follows)",
        timeout=5.0,
    ),
    _svc(
        "qlwsvc_lifetime_query", "lifetime", (_SHORT_ID,), "Query the registration lifetime",
    ),
    _svc(
        "qlwsvc_lifetime", "lifetime",
        (_SHORT_ID, _int("life_time", 0, 86400, 60, help="Lifetime (s)")),
        "Update the registration lifetime (sends a registration update)",
    ),
    _svc(
        "qlwsvc_update", "update",
        (_SHORT_ID, _enum("with_object", {0: "NULL payload", 1: "With object list"}, 0,
                          optional=True)),
        "Send a registration update (wakes a sleeping module)",
    ),
    _svc(
        "qlwsvc_state", "state",
        (Param("client_index", ParamType.INT, min=0, max=5, optional=True),),
        "Query the registration state",
    ),
    _svc(
        "qlwsvc_uldata", "uldata",
        (
            _SHORT_ID,
            Param("URI", ParamType.PATH, default="/3/0/14", help="/<Object>/<Instance>/<Resource>"),
            _int("data_len", 1, 1460, 6, help="Data length in bytes"),
            _str("data", "+02:00", max_length=2920, help="Data (string, or hex for data_type 1)"),
            _enum("data_type", {0: "String", 1: "Hexadecimal"}, 0, optional=True),
            _enum("message_type", {0: "Confirmable", 1: "Non-confirmable"}, optional=True),
        ),
        "Send application data over the LwM2M session",
    ),
)  # fmt: skip

BASIC_TEMPLATES: tuple[CommandTemplate, ...] = (
    *COMMON_TEMPLATES,
    CommandTemplate(
        "cfun",
        "+CFUN",
        _SET,
        (
            _enum("fun", {0: "Minimum", 1: "Full", 4: "Disable RF"}, 1),
            _enum("rst", {0: "No reset", 1: "Reset the module"}, optional=True),
        ),
        summary="Set functionality (AT+CFUN=1,1 reboots the module)",
        doc=_27007,
        group="Basic",
    ),
    CommandTemplate(
        "cops", "+COPS", _SET,
        (_enum("mode", {0: "Automatic", 2: "Deregister"}, 0),),
        summary="Operator selection", doc=_27007, group="Basic",
    ),
    CommandTemplate(
        "qcsq", "+QCSQ", CommandForm.EXECUTE,
        summary="Signal with SINR (RSSI, RSRP, SINR, RSRQ)",
        help="Not in the LwM2M note: the BG96 AT commands manual's +QCSQ (inferred for BG95); "
        "its SINR is the SNR line of the network card and the timeline.",
        doc=DocRef("Quectel BG96 AT Commands Manual", "QCSQ"), group="Network",
    ),
)  # fmt: skip

TEMPLATES: tuple[CommandTemplate, ...] = (*BASIC_TEMPLATES, *QLWCFG_TEMPLATES, *QLWSVC_TEMPLATES)
