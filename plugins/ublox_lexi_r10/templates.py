"""Command templates of the LEXI-R10 LwM2M AT commands document (set, read and test forms).

Ranges are the document's: the ``+ULWM2MCONFIG`` test answer for every configuration value,
the "Allowed values" of LEXI-R10401D-00B for enumerations (``<activation_mode>`` 0-3,
``<server_disabled>`` 0-1, ``<server_id>`` 0 not supported by ``+ULWM2MREG``).
"""

from __future__ import annotations

from workbench.plugin_api import (
    COMMON_TEMPLATES,
    Choice,
    CommandForm,
    CommandTemplate,
    DocRef,
    Param,
    ParamType,
)

from .codes import CONFIG_PARAMS, DOCUMENT

_STAT = DocRef(DOCUMENT, "LwM2M URCs configuration +ULWM2MSTAT")
_ACT = DocRef(DOCUMENT, "Activate/deactivate LwM2M client +ULWM2M")
_REG = DocRef(DOCUMENT, "Initiate LwM2M server registration +ULWM2MREG")
_CFG = DocRef(DOCUMENT, "LwM2M server configuration +ULWM2MCONFIG")
_GROUP = "LwM2M"

_ON_OFF = (Choice(0, "disabled"), Choice(1, "enabled"))
_CONFIG_DEFAULTS = {
    "bootstrap_on_failure": 0,
    "pdn_ip_type": 2,
    "cid": 1,
    "usec_psk": 1,
    "reg_update_boot": 0,
    "dtls_session_resumption": 0,
    "full_registration_after_fota": 0,
    "DTLS_NAT_timer": 40,
    "reg_upd_at_PSM_exit": 0,
    "reg_upd_after_DTLS_handshake": 0,
    "server_disabled": 0,
}
_CONFIG_CHOICES: dict[str, tuple[Choice, ...]] = {
    "pdn_ip_type": (Choice(1, "IPv4"), Choice(2, "IPv6"), Choice(3, "IPv4v6")),
    "reg_upd_after_DTLS_handshake": (
        Choice(0, "always disabled"),
        Choice(1, "always enabled"),
        Choice(2, "enabled only during FOTA"),
    ),
    "server_disabled": (Choice(0, "always enabled"), Choice(1, "always disabled")),
}


def _config_param(name: str, low: int, high: int) -> Param:
    default = _CONFIG_DEFAULTS[name]
    choices = _CONFIG_CHOICES.get(name)
    if choices is not None:
        return Param(name, ParamType.ENUM, choices=choices, default=default)
    if (low, high) == (0, 1):
        return Param(name, ParamType.ENUM, choices=_ON_OFF, default=default)
    return Param(name, ParamType.INT, min=low, max=high, default=default)


def _forms(tid: str, command: str, doc: DocRef, what: str) -> tuple[CommandTemplate, ...]:
    return (
        CommandTemplate(
            f"{tid}_read", command, CommandForm.READ, summary=f"Read {what}", doc=doc, group=_GROUP
        ),
        CommandTemplate(
            f"{tid}_test", command, CommandForm.TEST, summary=f"Ranges of {what}", doc=doc,
            group=_GROUP,
        ),
    )  # fmt: skip


LWM2M_TEMPLATES: tuple[CommandTemplate, ...] = (
    CommandTemplate(
        "ulwm2mstat",
        "+ULWM2MSTAT",
        CommandForm.SET,
        (
            Param("n", ParamType.ENUM, choices=_ON_OFF, default=1, help="+ULWM2MSTAT URCs"),
            Param(
                "verbosity_mask",
                ParamType.INT,
                min=1,
                max=7,
                default=7,
                optional=True,
                help="bit 0: events 0-4, bit 1: event 5, bit 2: event 6",
            ),
        ),
        summary="Configure the +ULWM2MSTAT URCs",
        doc=_STAT,
        group=_GROUP,
    ),
    *_forms("ulwm2mstat", "+ULWM2MSTAT", _STAT, "the URC configuration"),
    CommandTemplate(
        "ulwm2m",
        "+ULWM2M",
        CommandForm.SET,
        (
            Param(
                "activation_mode",
                ParamType.ENUM,
                choices=(
                    Choice(0, "enable / restore communication"),
                    Choice(1, "stop and disable"),
                    Choice(2, "reset (erase the object database)"),
                    Choice(3, "inhibit communication"),
                ),
                default=0,
            ),
            Param(
                "nvm_saved",
                ParamType.ENUM,
                choices=(Choice(0, "do not store mode 1"), Choice(1, "store mode 1 in NVM")),
                optional=True,
            ),
        ),
        summary="Activate/deactivate the LwM2M client",
        help="Mode 0 after mode 1 takes effect after a reboot (AT+CFUN=16).",
        doc=_ACT,
        group=_GROUP,
    ),
    *_forms("ulwm2m", "+ULWM2M", _ACT, "the activation mode"),
    CommandTemplate(
        "ulwm2mreg",
        "+ULWM2MREG",
        CommandForm.SET,
        (
            Param(
                "server_id",
                ParamType.INT,
                min=1,
                max=65535,
                default=721,
                help="Short server id (0, bootstrap, is not supported by LEXI-R10401D-00B)",
            ),
        ),
        summary="Force the registration with a server",
        doc=_REG,
        group=_GROUP,
    ),
    *_forms("ulwm2mreg", "+ULWM2MREG", _REG, "the registration status"),
    CommandTemplate(
        "ulwm2mconfig",
        "+ULWM2MCONFIG",
        CommandForm.SET,
        (
            Param("server_id", ParamType.INT, min=1, max=65535, default=721),
            *(_config_param(name, low, high) for name, low, high in CONFIG_PARAMS),
        ),
        summary="Configure a server's connection parameters",
        help="Only <server_disabled> is effective on LEXI-R10401D-00B.",
        doc=_CFG,
        group=_GROUP,
    ),
    *_forms("ulwm2mconfig", "+ULWM2MCONFIG", _CFG, "the server configurations"),
)

#: ``AT+CFUN=16`` is how the document makes ``AT+ULWM2M=0`` effective.
CFUN_SET = CommandTemplate(
    "cfun",
    "+CFUN",
    CommandForm.SET,
    (
        Param(
            "fun",
            ParamType.ENUM,
            choices=(
                Choice(0, "minimum"),
                Choice(1, "full"),
                Choice(4, "airplane"),
                Choice(15, "silent reset"),
                Choice(16, "reset"),
            ),
            default=16,
        ),
    ),
    summary="Set functionality / reboot (16)",
    doc=_ACT,
)

TEMPLATES: tuple[CommandTemplate, ...] = (*COMMON_TEMPLATES, CFUN_SET, *LWM2M_TEMPLATES)
