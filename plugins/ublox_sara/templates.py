"""Command templates of the u-blox LwM2M application note, each with its section.

Parameter names are the note's own (``<activation_mode>``, ``<verbosity_mask>``,
``<server_disabled>``...). Where the note gives no name (the middle fields of +ULWM2MCONFIG and
+ULWM2MCONFIGEXT, which it only shows as numbers in examples), the name is ours and the help says
"inferred". Product-specific commands carry their variants.
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

from .profiles import DOC, GPIO_LEXI_R4, GPIO_SARA_R4

R5_ALL = ("00B-00", "00B-01", "01B", "61B", "71B", "R520")
R5_CONFIG_EXT = ("00B-01", "01B", "61B", "71B", "R520")
R4_ALL = ("02B", "63B", "73B", "83B", "R422-00B", "R422-01B", "R422")
MASK_VARIANTS = ("R422-00B", "R422-01B", "R422", *R5_CONFIG_EXT)

#: Audit M6: the SARA note names +ULWM2MCONFIG's fields 6-11 without positions; the LEXI-R10
#: document defines the same 12-field command with the same example values.
_SIBLING = "name, position and range inferred from the LEXI-R10 document"
_SSID = Param("server_id", ParamType.INT, min=0, max=65535, default=721, help="Short server ID")
_URI = Param("uri", ParamType.PATH, default="/3/0", help="Object, instance or resource URI")


def _ref(section: str) -> DocRef:
    return DocRef(DOC, section)


def _t(
    id: str,
    command: str,
    form: CommandForm,
    section: str,
    summary: str,
    params: tuple[Param, ...] = (),
    *,
    variants: tuple[str, ...] = (),
    group: str = "LwM2M",
    timeout: float = 5.0,
    help: str = "",
    payload_size_param: str | None = None,
) -> CommandTemplate:
    return CommandTemplate(
        id,
        command,
        form,
        params,
        summary=summary,
        help=help,
        doc=_ref(section),
        variants=variants,
        group=group,
        timeout=timeout,
        payload_size_param=payload_size_param,
    )


def _forms(
    base: str,
    command: str,
    section: str,
    what: str,
    *,
    variants: tuple[str, ...] = (),
    group: str = "LwM2M",
) -> list[CommandTemplate]:
    """Read and test forms of ``command`` (every LwM2M command has them)."""
    return [
        _t(
            f"{base}_read",
            command,
            CommandForm.READ,
            section,
            f"{what} (read)",
            variants=variants,
            group=group,
        ),
        _t(
            f"{base}_test",
            command,
            CommandForm.TEST,
            section,
            f"{what} (test)",
            variants=variants,
            group=group,
        ),
    ]


_ACTIVATION = Param(
    "activation_mode",
    ParamType.ENUM,
    choices=(
        Choice(0, "enable"),
        Choice(1, "disable / shut down"),
        Choice(2, "restore factory settings (erase LwM2M DB)"),
        Choice(3, "disable NTT DoCoMo server (SARA-R410M-63B)"),
        Choice(4, "enable NTT DoCoMo server (SARA-R410M-63B)"),
    ),
    default=0,
)

LWM2M_TEMPLATES: tuple[CommandTemplate, ...] = (
    # §4.1, §3.7, Appendix D: client on/off/restore.
    _t(
        "ulwm2m",
        "+ULWM2M",
        CommandForm.SET,
        "4.1",
        "Enable, disable or restore the LwM2M client",
        (
            _ACTIVATION,
            Param(
                "persistent",
                ParamType.BOOL,
                optional=True,
                help="1: disable persistently (SARA-R410M/R412M-02B-04, Appendix D)",
            ),
        ),
        help="SARA-R5/R422/LEXI: 0/1 saved in NVM, effective after reboot; 2 resets the client.",
    ),
    *_forms("ulwm2m", "+ULWM2M", "3.7", "LwM2M client activation mode"),
    # §4.1, §4.1.1, §4.1.2, §4.3.2, Appendix C: status URCs.
    _t(
        "ulwm2mstat",
        "+ULWM2MSTAT",
        CommandForm.SET,
        "4.3.2",
        "Turn the +ULWM2MSTAT URCs on/off",
        (Param("enable", ParamType.BOOL, default=True),),
    ),
    _t(
        "ulwm2mstat_mask",
        "+ULWM2MSTAT",
        CommandForm.SET,
        "4.1.1",
        "Turn the +ULWM2MSTAT URCs on with a verbosity mask",
        (
            Param("enable", ParamType.BOOL, default=True),
            Param(
                "verbosity_mask",
                ParamType.INT,
                min=1,
                max=7,
                default=7,
                help="1 activity, 2 client initialisation (event 5), 4 server connection (event 6)"
                " — bit meanings inferred from §4.1.1/§4.1.2 examples",
            ),
        ),
        variants=MASK_VARIANTS,
    ),
    *_forms("ulwm2mstat", "+ULWM2MSTAT", "4.3.2", "Status URC setting"),
    # §4.2, §5.3.1
    _t(
        "ulwm2mlist",
        "+ULWM2MLIST",
        CommandForm.SET,
        "4.2",
        "List objects and object instances",
        (Param("uri", ParamType.STR, default="/", help='"/" lists everything'),),
    ),
    *_forms("ulwm2mlist", "+ULWM2MLIST", "4.2", "Object list"),
    # §4.3.1, §4.3.3
    _t(
        "ulwm2mreg",
        "+ULWM2MREG",
        CommandForm.SET,
        "4.3.1",
        "Force a registration (0: bootstrap and register on all servers)",
        (Param("server_id", ParamType.INT, min=0, max=65535, default=0),),
        timeout=30.0,
    ),
    _t(
        "ulwm2mreg_read",
        "+ULWM2MREG",
        CommandForm.READ,
        "4.3.1",
        "Registration status and time to the next registration, per server",
    ),
    _t("ulwm2mreg_test", "+ULWM2MREG", CommandForm.TEST, "4.3.1", "Registration (test)"),
    _t(
        "ulwm2mdereg",
        "+ULWM2MDEREG",
        CommandForm.SET,
        "4.3.3",
        "Force a de-registration (0: from all servers)",
        (Param("server_id", ParamType.INT, min=0, max=65535, default=0),),
        timeout=30.0,
    ),
    _t("ulwm2mdereg_test", "+ULWM2MDEREG", CommandForm.TEST, "4.3.3", "De-registration (test)"),
    # §3.5.2, §3.7, §4.4, §5.1.4, Appendix E
    _t(
        "ulwm2mconfig",
        "+ULWM2MCONFIG",
        CommandForm.SET,
        "5.1.4",
        "Server connection preferences",
        (
            _SSID,
            Param("bootstrap_on_failure", ParamType.BOOL, default=False),
            Param(
                "pdn_type",
                ParamType.INT,
                min=1,
                max=3,
                default=1,
                help="1: IPv4 (§5.1.4); " + _SIBLING,
            ),
            Param(
                "cid",
                ParamType.INT,
                min=0,
                max=255,
                default=1,
                help="PDP context; 255: use +ULWM2MCONFIGEXT's general data CID (§3.5.2)",
            ),
            Param("usec_psk", ParamType.INT, min=0, max=1, default=0, help=_SIBLING),
            Param("reg_update_boot", ParamType.BOOL, optional=True, help=_SIBLING),
            Param("dtls_session_resumption", ParamType.BOOL, optional=True, help=_SIBLING),
            Param("full_registration_after_fota", ParamType.BOOL, optional=True, help=_SIBLING),
            Param(
                "DTLS_NAT_timer",
                ParamType.INT,
                min=0,
                max=86400,
                optional=True,
                help="seconds; 40 in the examples. " + _SIBLING,
            ),
            Param("reg_upd_at_PSM_exit", ParamType.BOOL, optional=True, help=_SIBLING),
            Param(
                "reg_upd_after_DTLS_handshake",
                ParamType.INT,
                min=0,
                max=2,
                optional=True,
                help=_SIBLING,
            ),
            Param(
                "server_disabled",
                ParamType.ENUM,
                optional=True,
                choices=(
                    Choice(0, "always enabled"),
                    Choice(1, "always disabled"),
                    Choice(2, "disabled when roaming"),
                ),
                help="§3.5.3: the last parameter",
            ),
        ),
        help="Reboot (AT+CFUN=16, SARA-R41: 15) to apply.",
    ),
    *_forms("ulwm2mconfig", "+ULWM2MCONFIG", "3.5.2", "Server configuration"),
    _t(
        "ulwm2mconfigext",
        "+ULWM2MCONFIGEXT",
        CommandForm.SET,
        "3.2",
        "General data CID and production mode (SARA-R5)",
        (
            Param(
                "mno",
                ParamType.INT,
                min=0,
                max=255,
                default=90,
                help="90 in the example: MNO profile (inferred)",
            ),
            Param("param2", ParamType.INT, min=0, max=65535, default=20, help="meaning unknown"),
            Param("param3", ParamType.INT, min=0, max=65535, default=30, help="meaning unknown"),
            Param("param4", ParamType.INT, min=0, max=65535, default=4, help="meaning unknown"),
            Param("general_data_cid", ParamType.INT, min=1, max=255, default=1, help="§3.5.2.1"),
            Param("production_mode", ParamType.BOOL, default=False, help="§3.2"),
            Param(
                "production_sim",
                ParamType.STR,
                default="",
                max_length=6,
                help='5 or 6 digits of IMSI prefix, "" disables (§3.2)',
            ),
            *(
                Param(
                    f"param{n}",
                    ParamType.INT,
                    min=0,
                    max=65535,
                    default=0,
                    optional=True,
                    help="0 in §3.5.2's read example; meaning unknown",
                )
                for n in range(8, 12)
            ),
        ),
        variants=R5_ALL,
        help="Positions 1-4 and 8-11 inferred from §3.5.2's read example (11 fields, audit M14).",
    ),
    *_forms(
        "ulwm2mconfigext", "+ULWM2MCONFIGEXT", "3.5.2", "Extended configuration", variants=R5_ALL
    ),
    # §4.5, §4.4, §5.6
    _t(
        "ulwm2mread",
        "+ULWM2MREAD",
        CommandForm.SET,
        "4.5",
        "Read an object/instance/resource",
        (_URI,),
    ),
    _t("ulwm2mread_test", "+ULWM2MREAD", CommandForm.TEST, "4.5", "Read (test)"),
    _t(
        "ulwm2mwrite",
        "+ULWM2MWRITE",
        CommandForm.SET,
        "4.5",
        'Write resources ({"bn":..,"e":[..]} OMA JSON)',
        (
            Param(
                "json",
                ParamType.JSON,
                default='{"bn":"/3300/0/","e":[{"n":"5700","v":100.5}]}',
                help='OMA LwM2M JSON; "" commits to NVM (SARA-R5 only)',
            ),
        ),
    ),
    _t(
        "ulwm2mwrite_commit",
        "+ULWM2MWRITE",
        CommandForm.SET,
        "4.5",
        "Save written values in NVM",
        (Param("empty", ParamType.STR, default=""),),
        variants=R5_CONFIG_EXT,
    ),
    _t("ulwm2mwrite_test", "+ULWM2MWRITE", CommandForm.TEST, "4.5", "Write (test)"),
    _t(
        "ulwm2mcreate",
        "+ULWM2MCREATE",
        CommandForm.SET,
        "5.1.1",
        "Create an object instance owned by a server",
        (
            Param(
                "json",
                ParamType.JSON,
                default='{"bn":"/3300/0/","e":[{"n":"5750","sv":"Temperature"}]}',
            ),
            Param(
                "server_id",
                ParamType.INT,
                min=0,
                max=65535,
                default=123,
                help="Owner in the ACL object",
            ),
        ),
    ),
    _t("ulwm2mcreate_test", "+ULWM2MCREATE", CommandForm.TEST, "5.1.1", "Create (test)"),
    _t(
        "ulwm2mdelete",
        "+ULWM2MDELETE",
        CommandForm.SET,
        "5.1.3",
        "Delete an object instance",
        (Param("uri", ParamType.PATH, default="/1/2"),),
    ),
    _t("ulwm2mdelete_test", "+ULWM2MDELETE", CommandForm.TEST, "5.1.3", "Delete (test)"),
    # §5.3.1, §5.3.2
    _t(
        "ulwm2mremove",
        "+ULWM2MREMOVE",
        CommandForm.SET,
        "5.3.1",
        "Remove an object from the object table",
        (Param("uri", ParamType.PATH, default="/3300"),),
    ),
    _t(
        "ulwm2madd",
        "+ULWM2MADD",
        CommandForm.SET,
        "5.3.2",
        "Add a Lua object file (tag XLWM2M) to the object table",
        (Param("filename", ParamType.STR, default="object_generic_sensor.lua"),),
    ),
    # §5.5
    _t(
        "ulwm2mpulse",
        "+ULWM2MPULSE",
        CommandForm.SET,
        "5.5",
        "GPIO pulse for lua_send_pulse",
        (
            Param(
                "gpio_id",
                ParamType.ENUM,
                default=16,
                choices=tuple(Choice(g, "SARA-R4") for g in GPIO_SARA_R4)
                + tuple(Choice(g, "LEXI-R4") for g in GPIO_LEXI_R4 if g not in GPIO_SARA_R4),
            ),
            Param(
                "level", ParamType.ENUM, default=1, choices=(Choice(0, "low"), Choice(1, "high"))
            ),
            Param(
                "time", ParamType.INT, min=0, max=10000, default=3000, help="ms; 0: left asserted"
            ),
            Param("persist", ParamType.BOOL, default=True),
        ),
        variants=R4_ALL,
    ),
    _t(
        "ulwm2mpulse_test",
        "+ULWM2MPULSE",
        CommandForm.TEST,
        "5.5",
        "GPIO pulse setting (the note's example answers with the current setting)",
        variants=R4_ALL,
    ),
    # §4.6
    _t(
        "odis",
        "+ODIS",
        CommandForm.SET,
        "4.6",
        "Host device information (AT&T profile only)",
        (
            Param("host_device_id", ParamType.STR, default="TestID1", help="not readable back"),
            Param("host_manufacturer", ParamType.STR, default="TestMAN1"),
            Param("host_model", ParamType.STR, default="TestMOD1"),
            Param("host_sw_version", ParamType.STR, default="TestSW1"),
        ),
        group="AT&T",
    ),
    *_forms("odis", "+ODIS", "4.6", "Host device information", group="AT&T"),
)

_FILE_TAG = Param("tag", ParamType.STR, default="XLWM2M", help="File tag for Lua objects")

OTHER_TEMPLATES: tuple[CommandTemplate, ...] = (
    _t(
        "umnoprof",
        "+UMNOPROF",
        CommandForm.SET,
        "3.1",
        "Mobile network operator profile (set it offline: +CFUN=0/4 or +COPS=2)",
        (
            Param(
                "mno",
                ParamType.ENUM,
                default=90,
                choices=(
                    Choice(0, "undefined / regulatory"),
                    Choice(2, "AT&T"),
                    Choice(3, "Verizon"),
                    Choice(4, "Telstra"),
                    Choice(5, "T-Mobile"),
                    Choice(19, "Vodafone"),
                    Choice(20, "NTT DoCoMo"),
                    Choice(21, "Telus"),
                    Choice(28, "SoftBank"),
                    Choice(31, "Deutsche Telekom"),
                    Choice(33, "VIVO"),
                    Choice(39, "SKT"),
                    Choice(43, "Rogers"),
                    Choice(44, "Claro Brasil"),
                    Choice(45, "TIM Brasil"),
                    Choice(46, "Orange France"),
                    Choice(90, "Global"),
                    Choice(100, "Standard EU"),
                    Choice(101, "Standard EU"),
                    Choice(102, "Standard JP"),
                    Choice(198, "AT&T 2-4-12"),
                    Choice(201, "GCF-PTCRB"),
                    Choice(206, "AT&T FirstNet"),
                ),
            ),
        ),
        group="Module",
    ),
    *_forms("umnoprof", "+UMNOPROF", "3.1", "MNO profile", group="Module"),
    _t(
        "cfun_set",
        "+CFUN",
        CommandForm.SET,
        "3.7",
        "Functionality: 0 minimum, 1 full, 4 airplane, 15/16 reset",
        (
            Param(
                "fun",
                ParamType.ENUM,
                default=16,
                choices=(
                    Choice(0, "minimum"),
                    Choice(1, "full"),
                    Choice(4, "airplane"),
                    Choice(15, "reset (SARA-R41)"),
                    Choice(16, "reset"),
                ),
            ),
        ),
        group="Module",
    ),
    _t("cgdcont_read", "+CGDCONT", CommandForm.READ, "5.1.4", "PDP contexts", group="Module"),
    _t(
        "cops_set",
        "+COPS",
        CommandForm.SET,
        "3.3",
        "Operator selection (2: deregister = offline for +UMNOPROF)",
        (
            Param(
                "mode",
                ParamType.ENUM,
                default=0,
                choices=(Choice(0, "automatic"), Choice(2, "deregister")),
            ),
        ),
        group="Module",
    ),
    _t(
        "ugpioc",
        "+UGPIOC",
        CommandForm.SET,
        "5.5",
        "GPIO function (25: LwM2M pulse)",
        (
            Param("gpio_id", ParamType.INT, min=0, max=255, default=16),
            Param("gpio_mode", ParamType.INT, min=0, max=255, default=25),
        ),
        group="Module",
    ),
    _t(
        "ulstfile_list",
        "+ULSTFILE",
        CommandForm.SET,
        "4.2",
        "List the files of a tag",
        (
            Param("op_code", ParamType.ENUM, default=0, choices=(Choice(0, "list files"),)),
            _FILE_TAG,
        ),
        group="Files",
    ),
    _t(
        "ulstfile_free",
        "+ULSTFILE",
        CommandForm.SET,
        "4.2",
        "Free space of a tag",
        (
            Param("op_code", ParamType.ENUM, default=1, choices=(Choice(1, "free space"),)),
            _FILE_TAG,
        ),
        group="Files",
    ),
    _t(
        "ulstfile_size",
        "+ULSTFILE",
        CommandForm.SET,
        "4.2",
        "Size of a file",
        (
            Param("op_code", ParamType.ENUM, default=2, choices=(Choice(2, "file size"),)),
            Param("filename", ParamType.STR, default="object_generic_sensor.lua"),
            _FILE_TAG,
        ),
        group="Files",
    ),
    _t(
        "urdfile",
        "+URDFILE",
        CommandForm.SET,
        "4.2",
        "Read a file",
        (Param("filename", ParamType.STR, default="object_generic_sensor.lua"), _FILE_TAG),
        group="Files",
    ),
    _t(
        "urdblock",
        "+URDBLOCK",
        CommandForm.SET,
        "4.2",
        "Read part of a file",
        (
            Param("filename", ParamType.STR, default="object_generic_sensor.lua"),
            Param("offset", ParamType.INT, min=0, default=0),
            Param("size", ParamType.INT, min=1, default=186),
            _FILE_TAG,
        ),
        group="Files",
    ),
    _t(
        "udwnfile",
        "+UDWNFILE",
        CommandForm.SET,
        "5.3.2",
        "Store a file: the module prompts '>' and takes <size> bytes",
        (
            Param("filename", ParamType.STR, default="object_generic_sensor.lua"),
            Param("size", ParamType.INT, min=1, max=10_000_000, default=11668),
            _FILE_TAG,
        ),
        group="Files",
        timeout=60.0,
        payload_size_param="size",
    ),
    _t(
        "udelfile",
        "+UDELFILE",
        CommandForm.SET,
        "5.3.1",
        "Delete a file",
        (Param("filename", ParamType.STR, default="object_generic_sensor.lua"), _FILE_TAG),
        group="Files",
        help="The note spells it +UDELFILFILE in §5.3.1; the simulator accepts both.",
    ),
)

TEMPLATES: tuple[CommandTemplate, ...] = (
    *(t for t in COMMON_TEMPLATES if t.id not in {"cfun_read"}),
    _t("cfun_read", "+CFUN", CommandForm.READ, "Appendix D", "Functionality", group="Module"),
    *LWM2M_TEMPLATES,
    *OTHER_TEMPLATES,
)
