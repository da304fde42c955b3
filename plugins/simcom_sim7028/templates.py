"""Command templates of the SIM7028 LwM2M application note (every form it documents).

Ranges and enumerations are the document's: ``<lwm2mId>`` 0-1, ports 0-65535, ``<lifetime>`` at
most 65535, object ids from 8 (0-7 are the module's own), ``<resourceCnt>`` 1-15. The resource
id lists of ``AT+LWADDOBJ`` are fifteen optional parameters so each id is range-checked.
"""

from __future__ import annotations

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

from .values import DOCUMENT, MAX_RESOURCES, RESULT_CODES, VALUE_TYPES


def _doc(section: str) -> DocRef:
    return DocRef(DOCUMENT, section)


_START = _doc("2.2.1 AT+LWSTART")
_STOP = _doc("2.2.2 AT+LWSTOP")
_CNF = _doc("2.2.3 AT+LWCNF")
_OPEN = _doc("2.2.4 AT+LWOPEN")
_CLOSE = _doc("2.2.5 AT+LWCLOSE")
_ADD = _doc("2.2.6 AT+LWADDOBJ")
_DEL = _doc("2.2.7 AT+LWDELOBJ")
_READ = _doc("2.2.8 AT+LWREADRSP")
_WRITE = _doc("2.2.9 AT+LWWRITERSP")
_EXEC = _doc("2.2.10 AT+LWEXECUTERSP")

_GROUP = "LwM2M"


def _session(help_text: str = "Session id returned by +LWOPEN") -> Param:
    return Param("lwm2mId", ParamType.INT, min=0, max=1, default=0, help=help_text)


def _port(name: str, default: int, help_text: str) -> Param:
    return Param(name, ParamType.INT, min=0, max=65535, default=default, help=help_text)


def _result(help_text: str) -> Param:
    return Param(
        "result",
        ParamType.ENUM,
        choices=tuple(Choice(code, label) for code, label in RESULT_CODES.items()),
        default=0,
        help=help_text,
    )


def _cnf(item: str, value: Param, summary: str) -> CommandTemplate:
    return CommandTemplate(
        f"lwcnf_{item}",
        "+LWCNF",
        CommandForm.SET,
        (Param.fixed("item", item), value),
        summary=summary,
        doc=_CNF,
        group=_GROUP,
    )


def _test(tid: str, command: str, doc: DocRef, summary: str) -> CommandTemplate:
    return CommandTemplate(tid, command, CommandForm.TEST, summary=summary, doc=doc, group=_GROUP)


LWM2M_TEMPLATES: tuple[CommandTemplate, ...] = (
    _test("lwstart_test", "+LWSTART", _START, "Is +LWSTART supported?"),
    CommandTemplate(
        "lwstart",
        "+LWSTART",
        CommandForm.EXECUTE,
        summary="Start the LwM2M service (activates the PDP context)",
        help="Must come before every other LwM2M command.",
        doc=_START,
        group=_GROUP,
        timeout=9.0,
    ),
    _test("lwstop_test", "+LWSTOP", _STOP, "Is +LWSTOP supported?"),
    CommandTemplate(
        "lwstop",
        "+LWSTOP",
        CommandForm.EXECUTE,
        summary="Stop the LwM2M service (deactivates the PDP context)",
        doc=_STOP,
        group=_GROUP,
        timeout=9.0,
    ),
    _test("lwcnf_test", "+LWCNF", _CNF, "List the configuration items"),
    _cnf(
        "server",
        Param("ipaddress", ParamType.STR, default="127.0.0.1", help="Server URL or IP address"),
        "Server address",
    ),
    _cnf("serverport", _port("serverport", 5683, "Server UDP port"), "Server port"),
    _cnf(
        "endpointname",
        Param("endpointname", ParamType.STR, default="simcom", help="Client endpoint name"),
        "Endpoint name",
    ),
    _cnf(
        "connectiontype",
        Param(
            "connecttype",
            ParamType.ENUM,
            choices=(Choice(4, "IPv4"), Choice(6, "IPv6")),
            default=4,
            help="Address family of the server address",
        ),
        "IPv4 or IPv6",
    ),
    _cnf(
        "lifetime",
        Param(
            "lifetime", ParamType.INT, min=1, max=65535, default=800, help="Lifetime (s), <= 65535"
        ),
        "Registration lifetime",
    ),
    _cnf("localport", _port("localport", 56833, "Client UDP port (0: any)"), "Local port"),
    _test("lwopen_test", "+LWOPEN", _OPEN, "Is +LWOPEN supported?"),
    CommandTemplate(
        "lwopen",
        "+LWOPEN",
        CommandForm.EXECUTE,
        summary="Register to the configured server (answers +LMOPEN: <lwm2mId>)",
        doc=_OPEN,
        group=_GROUP,
        timeout=9.0,
    ),
    _test("lwclose_test", "+LWCLOSE", _CLOSE, "Syntax of +LWCLOSE"),
    CommandTemplate(
        "lwclose",
        "+LWCLOSE",
        CommandForm.SET,
        (_session(),),
        summary="Deregister a session",
        doc=_CLOSE,
        group=_GROUP,
        timeout=9.0,
    ),
    _test("lwaddobj_test", "+LWADDOBJ", _ADD, "Syntax of +LWADDOBJ"),
    CommandTemplate(
        "lwaddobj",
        "+LWADDOBJ",
        CommandForm.SET,
        (
            _session(),
            Param("objectId", ParamType.INT, min=8, max=65535, default=3303, help="0-7 are used"),
            Param("instanceId", ParamType.INT, min=0, max=65535, default=0),
            Param(
                "resourceCnt",
                ParamType.INT,
                min=1,
                max=MAX_RESOURCES,
                default=1,
                help="Number of resource ids that follow",
            ),
            Param("resourceId", ParamType.INT, min=0, max=65535, default=5700),
            *(
                Param(f"resourceId{n}", ParamType.INT, min=0, max=65535, optional=True)
                for n in range(2, MAX_RESOURCES + 1)
            ),
        ),
        summary="Add a host-managed object instance",
        help="Reads, writes and executes on it arrive as +LWREAD/+LWWRITE/+LWEXECUTE.",
        doc=_ADD,
        group=_GROUP,
        timeout=9.0,
    ),
    _test("lwdelobj_test", "+LWDELOBJ", _DEL, "Syntax of +LWDELOBJ"),
    CommandTemplate(
        "lwdelobj",
        "+LWDELOBJ",
        CommandForm.SET,
        (_session(), Param("objectId", ParamType.INT, min=0, max=65535, default=3303)),
        summary="Delete a host-managed object",
        doc=_DEL,
        group=_GROUP,
        timeout=9.0,
    ),
    _test("lwreadrsp_test", "+LWREADRSP", _READ, "Syntax of +LWREADRSP"),
    CommandTemplate(
        "lwreadrsp",
        "+LWREADRSP",
        CommandForm.SET,
        (
            _session("Session id from +LWREAD"),
            Param("objectId", ParamType.INT, min=0, max=65535, default=3303),
            Param("instanceId", ParamType.INT, min=0, max=65535, default=0),
            Param("resourceCnt", ParamType.INT, min=1, max=MAX_RESOURCES, default=1),
            Param("resourceId", ParamType.INT, min=0, max=65535, default=5700),
            Param(
                "valueType",
                ParamType.ENUM,
                choices=tuple(Choice(k, v) for k, v in VALUE_TYPES.items()),
                default="F",
                quoted=True,
            ),
            Param("valueLen", ParamType.INT, min=0, max=1024, default=4),
            Param("value", ParamType.STR, default="21.5", help="Opaque (D) as hex"),
        ),
        summary="Answer a +LWREAD (one resource; append more groups by hand)",
        help="Send after +LWREAD; resourceCnt groups of resourceId,valueType,valueLen,value.",
        doc=_READ,
        group=_GROUP,
        timeout=9.0,
    ),
    _test("lwwritersp_test", "+LWWRITERSP", _WRITE, "Syntax of +LWWRITERSP"),
    CommandTemplate(
        "lwwritersp",
        "+LWWRITERSP",
        CommandForm.SET,
        (_session("Session id from +LWWRITE"), _result("Outcome of the write")),
        summary="Answer a +LWWRITE",
        doc=_WRITE,
        group=_GROUP,
        timeout=9.0,
    ),
    _test("lwexecutersp_test", "+LWEXECUTERSP", _EXEC, "Syntax of +LWEXECUTERSP"),
    CommandTemplate(
        "lwexecutersp",
        "+LWEXECUTERSP",
        CommandForm.SET,
        (_session("Session id from +LWEXECUTE"), _result("Outcome of the execute")),
        summary="Answer a +LWEXECUTE",
        doc=_EXEC,
        group=_GROUP,
        timeout=9.0,
    ),
)


TEMPLATES: tuple[CommandTemplate, ...] = (*COMMON_TEMPLATES, CFUN_SET, *LWM2M_TEMPLATES)
