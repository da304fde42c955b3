"""Command templates for the ST87MXX LwM2M commands, from the application note.

The note (../shared/specs/st-st87mxx-lwm2m-appnote.txt) lists its commands in §6.1 and points to
the AT command manual [1] for parameters, which we do not have: the parameters below come from
§6.2.1 (``AT#LWPARAMS``) and from the terminal examples. Where a meaning or a range is not given,
the help text says so. The module writes strings bare (``ST87M01_CLIENT``, ``COAP://...``,
``/3/0/20``), so no parameter is quoted.
"""

from __future__ import annotations

from dataclasses import replace

from workbench.plugin_api import (
    CFUN_SET,
    COMMON_TEMPLATES,
    Choice,
    CommandForm,
    CommandTemplate,
    DocRef,
    Param,
    ParamType,
)

from .codes import DOCUMENT, MAX_CUSTOM_RESOURCES


def _doc(section: str) -> DocRef:
    return DocRef(DOCUMENT, section)


_SERVICE = "LwM2M service"
_SERVER = "LwM2M server"
_BUILTIN = "Built-in objects"
_CUSTOM = "Custom objects"
_MODULE = "Module"

_UNDOC = " (not defined in the note; see the AT command manual [1])"
_INT16 = 65534


def _bare(name: str, ptype: ParamType = ParamType.STR, **kw: object) -> Param:
    return Param(name, ptype, quoted=False, **kw)  # type: ignore[arg-type]


def _read(tid: str, command: str, section: str, group: str, summary: str) -> CommandTemplate:
    return CommandTemplate(
        tid, command, CommandForm.READ, summary=summary, doc=_doc(section), group=group
    )


def _test(tid: str, command: str, section: str, group: str) -> CommandTemplate:
    return CommandTemplate(
        tid,
        command,
        CommandForm.TEST,
        summary=f"Supported parameters of AT{command}",
        doc=_doc(section),
        group=group,
    )


_SERVER_ID = Param(
    "server_id", ParamType.INT, min=1, max=_INT16, default=1, help="LwM2M short server id"
)
_OBJECT = Param("object_id", ParamType.INT, min=0, max=_INT16, default=3443)
_INSTANCE = Param("instance_id", ParamType.INT, min=0, max=_INT16, default=0)
_COUNT = Param(
    "count",
    ParamType.INT,
    min=1,
    max=MAX_CUSTOM_RESOURCES,
    default=1,
    help="Number of resource groups that follow (inferred from §6.5.3)",
)
_RESOURCE = Param("resource_id", ParamType.INT, min=0, max=_INT16, default=0)

LWM2M_TEMPLATES: tuple[CommandTemplate, ...] = (
    # -- service management (§6.1) ------------------------------------------------------------
    CommandTemplate(
        "lwstart",
        "#LWSTART",
        CommandForm.EXECUTE,
        summary="Start the LwM2M stack",
        doc=_doc("6.2.3"),
        group=_SERVICE,
    ),
    _read("lwstart_read", "#LWSTART", "6.1", _SERVICE, "LwM2M stack state (inferred shape)"),
    _test("lwstart_test", "#LWSTART", "6.1", _SERVICE),
    CommandTemplate(
        "lwstop",
        "#LWSTOP",
        CommandForm.EXECUTE,
        summary="Stop the LwM2M stack",
        doc=_doc("6.1"),
        group=_SERVICE,
    ),
    _test("lwstop_test", "#LWSTOP", "6.1", _SERVICE),
    CommandTemplate(
        "lwparams",
        "#LWPARAMS",
        CommandForm.SET,
        (
            _bare(
                "client_name",
                default="ST87M01_CLIENT",
                max_length=64,
                help="LwM2M client (endpoint) name indicated to the server",
            ),
            _SERVER_ID,
            _bare(
                "server_type",
                ParamType.ENUM,
                choices=(Choice(1, "Normal"),),
                default=1,
                help="Only the Normal server type is supported",
            ),
            _bare(
                "server_url",
                ParamType.URL,
                default="coap://127.0.0.1:5683",
                max_length=255,
                help="<protocol>://<ip_address>:<port_number>, e.g. coap://23.97.187.154:5683",
            ),
            _bare(
                "binding_mode",
                ParamType.ENUM,
                choices=(Choice("U", "UDP"), Choice("UQ", "UDP, queue mode (§5.1)")),
                default="U",
                help="Only UDP is supported; UQ enables queue mode (§5.1)",
            ),
            _bare(
                "lifetime",
                ParamType.INT,
                min=1,
                max=4294967295,
                default=60,
                help="Registration lifetime in seconds, also /1/0/1 (uint32, Table 5)",
            ),
            _bare(
                "storing",
                ParamType.ENUM,
                choices=(Choice(0, "deactivated"),),
                default=0,
                help="Only 0 (deactivated) is supported",
            ),
            _bare(
                "auto_reg",
                ParamType.ENUM,
                choices=(Choice(0, "manual registration"), Choice(1, "auto registration")),
                default=0,
            ),
            _bare(
                "urc_enable",
                ParamType.ENUM,
                choices=(Choice(0, "LwM2M URCs off"), Choice(1, "LwM2M URCs on")),
                default=1,
            ),
        ),
        summary="LwM2M client parameters (saved in NVM)",
        doc=_doc("6.2.1"),
        group=_SERVICE,
    ),
    _read("lwparams_read", "#LWPARAMS", "6.2.1", _SERVICE, "LwM2M parameters (inferred shape)"),
    _test("lwparams_test", "#LWPARAMS", "6.2.1", _SERVICE),
    CommandTemplate(
        "lwcfg",
        "#LWCFG",
        CommandForm.SET,
        (
            _bare("cid", ParamType.INT, min=0, max=15, default=5, help="PDN context id" + _UNDOC),
            _bare(
                "socket_id",
                ParamType.INT,
                min=0,
                max=15,
                default=0,
                help="Socket from #SOCKETCREATE" + _UNDOC,
            ),
        ),
        summary="Bind the LwM2M stack to a PDN context and socket",
        doc=_doc("6.2.3"),
        group=_SERVICE,
    ),
    _read("lwcfg_read", "#LWCFG", "6.1", _SERVICE, "LwM2M transport binding (inferred shape)"),
    _test("lwcfg_test", "#LWCFG", "6.1", _SERVICE),
    # -- server management --------------------------------------------------------------------
    CommandTemplate(
        "lwreg",
        "#LWREG",
        CommandForm.SET,
        (
            _bare(
                "action",
                ParamType.ENUM,
                choices=(
                    Choice(0, "de-register (inferred)"),
                    Choice(1, "register"),
                    Choice(2, "registration update"),
                    Choice(3, "query status (inferred)"),
                ),
                default=1,
            ),
            _SERVER_ID,
        ),
        summary="Register / update / query the LwM2M server",
        help="Only 2 = update is stated (Table 5); 1 and 3 are read from §6.2.3 and §6.3.3.",
        doc=_doc("6.2.3"),
        group=_SERVER,
        timeout=10.0,
    ),
    _test("lwreg_test", "#LWREG", "6.1", _SERVER),
    CommandTemplate(
        "lwlistserv",
        "#LWLISTSERV",
        CommandForm.EXECUTE,
        summary="List configured LwM2M servers (inferred shape)",
        doc=_doc("6.1"),
        group=_SERVER,
    ),
    _test("lwlistserv_test", "#LWLISTSERV", "6.1", _SERVER),
    # -- built-in object management -----------------------------------------------------------
    CommandTemplate(
        "lwchgrscval",
        "#LWCHGRSCVAL",
        CommandForm.SET,
        (
            _bare("uri", ParamType.PATH, default="/3/0/20", help="Built-in resource path"),
            _bare("value", default="0", max_length=256, help="New value (host rights: Tables 4-6)"),
        ),
        summary="Change a built-in resource value",
        doc=_doc("6.4.3"),
        group=_BUILTIN,
    ),
    _test("lwchgrscval_test", "#LWCHGRSCVAL", "6.1", _BUILTIN),
    CommandTemplate(
        "lwreadrscval",
        "#LWREADRSCVAL",
        CommandForm.SET,
        (_bare("uri", ParamType.PATH, default="/3/0/20", help="Built-in resource path"),),
        summary="Read a built-in resource value",
        doc=_doc("6.1"),
        group=_BUILTIN,
    ),
    _test("lwreadrscval_test", "#LWREADRSCVAL", "6.1", _BUILTIN),
    # -- custom object management -------------------------------------------------------------
    CommandTemplate(
        "lwaddobj",
        "#LWADDOBJ",
        CommandForm.SET,
        (
            _bare("object_id", ParamType.INT, min=0, max=_INT16, default=3443),
            _bare("instance_id", ParamType.INT, min=0, max=_INT16, default=0),
            _bare(
                "count",
                ParamType.INT,
                min=1,
                max=MAX_CUSTOM_RESOURCES,
                default=5,
                help="Number of resource ids that follow (max 32, §4.1)",
            ),
            _bare(
                "resource_ids",
                default="0,1,2,3,4",
                help="Comma-separated resource ids, as many as <count>",
            ),
        ),
        summary="Add a host-managed custom object instance (max 4 instances, §4.1)",
        doc=_doc("6.5.3"),
        group=_CUSTOM,
    ),
    _test("lwaddobj_test", "#LWADDOBJ", "6.1", _CUSTOM),
    CommandTemplate(
        "lwrmobj",
        "#LWRMOBJ",
        CommandForm.SET,
        (_bare("object_id", ParamType.INT, min=0, max=_INT16, default=3443),),
        summary="Remove a custom object",
        doc=_doc("6.1"),
        group=_CUSTOM,
    ),
    _test("lwrmobj_test", "#LWRMOBJ", "6.1", _CUSTOM),
    CommandTemplate(
        "lwntyrdobj",
        "#LWNTYRDOBJ",
        CommandForm.SET,
        (
            _SERVER_ID,
            _OBJECT,
            _INSTANCE,
            _COUNT,
            _RESOURCE,
            _bare(
                "type",
                ParamType.ENUM,
                choices=(Choice("D", "hex data (inferred)"),),
                default="D",
            ),
            _bare("length", ParamType.INT, min=0, max=2048, default=8, help="Hex digits of data"),
            _bare("data", ParamType.HEX, default="02020304", max_length=1024),
        ),
        summary="Answer a server Read of a custom resource (after #LWNTYRDOBJ URC)",
        doc=_doc("6.5.3"),
        group=_CUSTOM,
    ),
    _test("lwntyrdobj_test", "#LWNTYRDOBJ", "6.1", _CUSTOM),
    CommandTemplate(
        "lwntywrobj",
        "#LWNTYWROBJ",
        CommandForm.SET,
        (_SERVER_ID, _OBJECT, _INSTANCE, _COUNT, _RESOURCE),
        summary="Acknowledge a server Write of a custom resource (after #LWNTYWROBJ URC)",
        doc=_doc("6.5.3"),
        group=_CUSTOM,
    ),
    _test("lwntywrobj_test", "#LWNTYWROBJ", "6.1", _CUSTOM),
    CommandTemplate(
        "lwntyexeobj",
        "#LWNTYEXEOBJ",
        CommandForm.SET,
        (_SERVER_ID, _OBJECT, _INSTANCE, _COUNT, _RESOURCE),
        summary="Acknowledge a server Execute of a custom resource (layout inferred)",
        doc=_doc("6.1"),
        group=_CUSTOM,
    ),
    _test("lwntyexeobj_test", "#LWNTYEXEOBJ", "6.1", _CUSTOM),
    CommandTemplate(
        "lwntyto",
        "#LWNTYTO",
        CommandForm.SET,
        (
            _bare(
                "timeout",
                ParamType.INT,
                min=1,
                max=600,
                default=10,
                help="Seconds the module waits for the host's answer" + _UNDOC,
            ),
        ),
        summary="Host answer timeout for custom object requests",
        doc=_doc("6.5.1"),
        group=_CUSTOM,
    ),
    _read("lwntyto_read", "#LWNTYTO", "6.1", _CUSTOM, "Host answer timeout"),
    _test("lwntyto_test", "#LWNTYTO", "6.1", _CUSTOM),
    # -- object management --------------------------------------------------------------------
    CommandTemplate(
        "lwdumpobj",
        "#LWDUMPOBJ",
        CommandForm.SET,
        (_bare("object_id", ParamType.INT, min=0, max=_INT16, default=3),),
        summary="Dump one object's resources (inferred shape)",
        doc=_doc("6.1"),
        group=_BUILTIN,
    ),
    CommandTemplate(
        "lwdumpobj_all",
        "#LWDUMPOBJ",
        CommandForm.EXECUTE,
        summary="Dump every object (inferred shape)",
        doc=_doc("6.1"),
        group=_BUILTIN,
    ),
    _test("lwdumpobj_test", "#LWDUMPOBJ", "6.1", _BUILTIN),
    CommandTemplate(
        "lwlistobj",
        "#LWLISTOBJ",
        CommandForm.EXECUTE,
        summary="List object instances (inferred shape)",
        doc=_doc("6.1"),
        group=_BUILTIN,
    ),
    _test("lwlistobj_test", "#LWLISTOBJ", "6.1", _BUILTIN),
)

MODULE_TEMPLATES: tuple[CommandTemplate, ...] = (
    CommandTemplate(
        "socketcreate",
        "#SOCKETCREATE",
        CommandForm.SET,
        (
            _bare("cid", ParamType.INT, min=0, max=15, default=5, help="PDN context id" + _UNDOC),
            _bare("param2", ParamType.INT, min=0, max=255, default=0, help=_UNDOC.strip()),
            _bare(
                "protocol", ParamType.ENUM, choices=(Choice("UDP"), Choice("TCP")), default="UDP"
            ),
            _bare("local_port", ParamType.INT, min=0, max=65535, default=5683),
            _bare("param5", ParamType.INT, min=0, max=65535, default=30, help=_UNDOC.strip()),
            _bare("param6", ParamType.INT, min=0, max=65535, default=30, help=_UNDOC.strip()),
            _bare(
                "security_profile_id",
                ParamType.INT,
                min=0,
                max=255,
                optional=True,
                help="DTLS security profile (§6.7.1)",
            ),
            _bare("param8", ParamType.INT, min=0, max=255, optional=True, help=_UNDOC.strip()),
        ),
        summary="Create a socket (answers #SOCKETCREATE: <socket_id>)",
        doc=_doc("6.2.3"),
        group=_MODULE,
    ),
    CommandTemplate(
        "dtlsconnect",
        "#DTLSCONNECT",
        CommandForm.SET,
        (
            _bare("cid", ParamType.INT, min=0, max=15, default=5),
            _bare("socket_id", ParamType.INT, min=0, max=15, default=0),
            _bare("address", ParamType.IP, default="127.0.0.1"),
            _bare("port", ParamType.INT, min=1, max=65535, default=5684),
        ),
        summary="Open the DTLS session on a socket",
        doc=_doc("6.7.3"),
        group=_MODULE,
        timeout=30.0,
    ),
    CommandTemplate(
        "reset",
        "#RESET",
        CommandForm.SET,
        (_bare("mode", ParamType.INT, min=0, max=1, default=1, help=_UNDOC.strip()),),
        summary="Reboot the module (boot URCs follow)",
        doc=_doc("6.3.3"),
        group=_MODULE,
    ),
    CommandTemplate(
        "rfactory",
        "#RFACTORY",
        CommandForm.EXECUTE,
        summary="Factory reset (the note spells it #RFACORY in Table 4)",
        doc=_doc("3.1"),
        group=_MODULE,
    ),
    CommandTemplate(
        "rfacory",
        "#RFACORY",
        CommandForm.EXECUTE,
        summary="Factory reset, spelled as in Table 4 of the note",
        doc=_doc("3.1"),
        group=_MODULE,
    ),
    replace(CFUN_SET, summary="Set functionality", group=_MODULE),
)

TEMPLATES: tuple[CommandTemplate, ...] = COMMON_TEMPLATES + MODULE_TEMPLATES + LWM2M_TEMPLATES
