"""The one stable surface module plugins import.

A plugin package imports from here and nowhere else in ``workbench``; everything it needs is
re-exported so the app's internals can move without breaking plugins.

Layout of a plugin package (bundled ones live in the top-level ``plugins/`` package, one package
per module family; third-party ones are reached through the ``lwm2m_workbench.plugins`` entry
point group or dropped into the user's plugin folder)::

    plugins/ublox_sara/
        __init__.py      # PLUGINS = [Plugin(...)]   (or def plugins() -> list[Plugin])
        templates.py     # CommandTemplate(...) list, each with a DocRef into ../shared/specs/
        decoder.py       # class SaraDecoder(Decoder): def decode_line(self, line) -> list[Event]
        simulator.py     # class SaraSimulator(SimulatorBase): register("+NAME", handler)

Decoders get every :class:`ClassifiedLine` of one connection in order (echo, info, final, URC,
prompt, continuation lines of multi-line URCs) and return :class:`Event` objects of the contract
kinds (:class:`Kind`, :data:`STATES`). Returning ``[]`` means "not mine": the base class then
tries the standard 3GPP decoders and finally emits ``unknown`` — nothing is ever dropped.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from aiocoap.numbers.codes import Code

from workbench.at.dialect import (
    STANDARD_SET_WITHOUT_INFO,
    STANDARD_URC_PREFIXES,
    AtDialect,
    FinalResultRule,
    MultiLineUrc,
)
from workbench.at.syntax import (
    AtArg,
    CommandForm,
    ParsedCommand,
    looks_like_command,
    parse_command,
    parse_command_line,
    quote_at_string,
    split_at_args,
    split_at_args_detailed,
    split_info,
    tidy_at_text,
)
from workbench.at.types import ClassifiedLine, CommandResult, Line, LineKind, ResultStatus
from workbench.client import (
    ClientConfig,
    ClientEvent,
    HostRequest,
    LwM2MClient,
    ObjectStore,
    OperationError,
)
from workbench.client.defaults import default_registry
from workbench.client.firmware import FirmwareOptions
from workbench.lwm2m.codecs.quectel_bootstrap import BootstrapFile, parse_bootstrap_ini
from workbench.lwm2m.codecs.ublox_json import (
    decode_ublox_json,
    encode_ublox_json,
    quote_at_json,
    split_at_json_argument,
)
from workbench.lwm2m.errors import CodecError
from workbench.lwm2m.model import (
    ObjectDefinition,
    ObjectRegistry,
    Operations,
    ResourceDefinition,
    ResourceType,
    format_text_value,
    parse_text_value,
)
from workbench.lwm2m.paths import Path
from workbench.lwm2m.values import ObjectLink, Value
from workbench.module.decoding import REG_STAT, Decoder, decode_standard
from workbench.module.events import HOST_OPS, STATES, Event, Kind, unknown_event
from workbench.module.hostanswer import (
    Below,
    HostAnswer,
    HostAnswerer,
    HostAnswerStyle,
    HostDemo,
    Lookup,
    request_args,
)
from workbench.module.moduleview import ModuleDialect
from workbench.module.netinfo import REFRESH_NETWORK_INFO
from workbench.module.state import HostRequest as PendingHostRequest
from workbench.module.templates import (
    Choice,
    CommandTemplate,
    DocRef,
    Param,
    ParamType,
    TemplateError,
    templates_by_id,
)
from workbench.sim.base import (
    AtCall,
    AtError,
    Handler,
    HandlerResult,
    ModuleIdentity,
    NetworkState,
    OutputCallback,
    PayloadRequest,
    Reply,
    SettingsStore,
    Simulator,
    SimulatorBase,
    invalid_param,
    not_allowed,
)
from workbench.sim.fota import FotaPersistence

#: Bumped when something here changes incompatibly; a plugin may check it.
API_VERSION = 1

DecoderFactory = Callable[[str], Decoder]
#: ``simulator_factory(variant, server_url, **options) -> Simulator``
SimulatorFactory = Callable[..., Simulator]


class ConnectSequence(Protocol):
    """A plugin's ``connect_sequence``: the AT lines that point its module at a server.

    ``server_url`` is ``coap://HOST:PORT``, or ``coaps://HOST:PORT`` when the server uses
    DTLS; then the guided connect flow also passes the PSK identity and the key (hex) as
    keywords. A sequence whose document has a command for them puts them in; one whose
    document has none returns the same lines as without them, and the flow tells the user to
    set the key on the module by hand. Declared here (rather than found by inspecting each
    function's parameters) so that mypy checks every plugin's sequence against it.
    """

    def __call__(
        self, server_url: str, /, *, psk_identity: str = "", psk_key: str = ""
    ) -> Sequence[str]: ...


@dataclass(frozen=True, slots=True)
class Variant:
    """A firmware/module variant whose behaviour differs (e.g. SARA-R410M-63B status codes)."""

    id: str
    name: str = ""
    description: str = ""


@dataclass(frozen=True, slots=True)
class Plugin:
    """Everything the app knows about one module family; a plugin package exports these.

    ``identify`` holds regexes matched (case-insensitively, ``re.search``) against the output of
    ``ATI`` / ``AT+CGMM`` to suggest the plugin for a connected module.
    """

    id: str
    name: str
    #: One line.
    description: str
    vendor: str
    decoder_factory: DecoderFactory
    modules: tuple[str, ...] = ()
    variants: tuple[Variant, ...] = (Variant("default"),)
    default_variant: str = ""
    identify: tuple[str, ...] = ()
    templates: tuple[CommandTemplate, ...] = ()
    urc_prefixes: tuple[str, ...] = ()
    multiline_urcs: tuple[MultiLineUrc, ...] = ()
    final_results: tuple[FinalResultRule, ...] = ()
    #: Lines printed after a reset (abort the command in flight).
    boot_urcs: tuple[str, ...] = ()
    #: Prompts printed before raw bytes are read (no line ending), e.g. ``(">",)`` for u-blox.
    prompts: tuple[str, ...] = ("> ",)
    #: Extra response prefixes per command, when a command answers with another prefix.
    response_prefixes: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    simulator_factory: SimulatorFactory | None = None
    #: Vendor documents (file names in ``../shared/specs/``).
    documents: tuple[str, ...] = ()
    #: Initial command sequence worth sending on connect (e.g. enable URCs).
    init_commands: tuple[str, ...] = ()
    #: ``connect_sequence(server_url) -> AT lines``: the document's own configuration sequence
    #: that points the module at an LwM2M server (``coap://H:P``) and starts registration. The
    #: demo, the guided connect flow and the end-to-end tests send exactly these lines. See
    #: :class:`ConnectSequence` for the PSK keywords.
    connect_sequence: ConnectSequence | None = None
    #: For documents whose connect commands differ by firmware variant: variant id → that
    #: variant's sequence (``connect_sequence`` stays the default variant's). SARA-R5 00B-00,
    #: for one, refuses the ``+ULWM2MSTAT`` verbosity mask the other R5 variants take.
    variant_connect_sequence: Callable[[str], ConnectSequence] | None = None
    #: Registration settings the sequence takes as keywords besides the PSK ones, out of
    #: ``endpoint``, ``lifetime`` and ``binding`` (guided connect lets the user edit these).
    connect_options: tuple[str, ...] = ()
    #: The AT commands through which the module shows its own objects (the object tree's
    #: module view), or None: the module has none.
    module_view: ModuleDialect | None = None
    #: How the host answers the module's host-managed object requests, or None: the module
    #: passes none to the host (or the workbench cannot answer them).
    host_answers: HostAnswerStyle | None = None
    #: How the demo shows host answering on this plugin's simulator (needs ``host_answers``).
    host_demo: HostDemo | None = None

    def __post_init__(self) -> None:
        if not re.fullmatch(r"[a-z0-9][a-z0-9_.-]*", self.id):
            raise ValueError(f"plugin id {self.id!r} must be lower-case [a-z0-9_.-]")
        if not self.variants:
            raise ValueError(f"plugin {self.id!r} declares no variants")
        ids = [v.id for v in self.variants]
        if len(set(ids)) != len(ids):
            raise ValueError(f"plugin {self.id!r} has duplicate variant ids")
        if self.default_variant and self.default_variant not in ids:
            raise ValueError(
                f"plugin {self.id!r}: default variant {self.default_variant!r} unknown"
            )
        templates_by_id(self.templates)  # raises on duplicate template ids

    @property
    def default(self) -> str:
        """The default variant id."""
        return self.default_variant or self.variants[0].id

    @property
    def variant_ids(self) -> list[str]:
        return [v.id for v in self.variants]

    def resolve_variant(self, variant: str | None) -> str:
        """``variant`` checked against the declared ones (None → default); ValueError if unknown."""
        if variant is None or variant == "":
            return self.default
        if variant not in self.variant_ids:
            raise ValueError(
                f"plugin {self.id!r} has no variant {variant!r} "
                f"(known: {', '.join(self.variant_ids)})"
            )
        return variant

    def connect_lines(
        self,
        server_url: str,
        *,
        variant: str | None = None,
        psk_identity: str = "",
        psk_key: str = "",
        options: Mapping[str, str | int] | None = None,
    ) -> list[str]:
        """The documented connect sequence for ``server_url`` on ``variant`` (None: default).

        ValueError when the plugin documents none or the variant is unknown. The one way the
        demo, guided connect, the Sequences panel and scenarios ask for the lines, so all of
        them send what the chosen variant accepts.
        """
        if self.connect_sequence is None:
            raise ValueError(f"{self.name} documents no connect sequence")
        resolved = self.resolve_variant(variant)
        sequence = self.connect_sequence
        if self.variant_connect_sequence is not None:
            sequence = self.variant_connect_sequence(resolved)
        # Only what was asked for is passed, so a sequence written before the PSK keywords
        # (or without connect_options) still works wherever it is not asked for them.
        keywords: dict[str, Any] = {
            k: v for k, v in (options or {}).items() if k in self.connect_options
        }
        if psk_identity:
            keywords.update(psk_identity=psk_identity, psk_key=psk_key)
        return list(sequence(server_url, **keywords))

    def dialect(self) -> AtDialect:
        """The AT engine configuration for this module family."""
        return AtDialect(
            urc_prefixes=self.urc_prefixes,
            multiline_urcs=self.multiline_urcs,
            final_results=self.final_results,
            boot_urcs=self.boot_urcs,
            prompts=tuple(p.encode() for p in self.prompts),
            response_prefixes=dict(self.response_prefixes),
        )

    def host_answerer(self) -> HostAnswerer:
        """A fresh answerer for one connection (answers nothing without ``host_answers``)."""
        return HostAnswerer(self.host_answers)

    def make_decoder(self, variant: str | None = None) -> Decoder:
        return self.decoder_factory(self.resolve_variant(variant))

    def make_simulator(
        self, variant: str | None = None, server_url: str = "", **options: Any
    ) -> Simulator:
        if self.simulator_factory is None:
            raise ValueError(f"plugin {self.id!r} has no simulator")
        return self.simulator_factory(self.resolve_variant(variant), server_url, **options)

    def matches_identity(self, text: str) -> bool:
        """Whether ``ATI``/``AT+CGMM`` output ``text`` looks like one of this plugin's modules."""
        return any(re.search(p, text, re.IGNORECASE) for p in self.identify)

    def templates_for(self, variant: str | None = None) -> list[CommandTemplate]:
        """Templates that apply to ``variant`` (all of them when the template names none)."""
        v = self.resolve_variant(variant)
        return [t for t in self.templates if not t.variants or v in t.variants]


_3GPP = DocRef("3GPP TS 27.007")

#: Templates for the commands every module answers; plugins may include them.
COMMON_TEMPLATES: tuple[CommandTemplate, ...] = (
    CommandTemplate("at", "", CommandForm.EXECUTE, summary="Attention (is the module alive?)"),
    CommandTemplate(
        "ati", "I", CommandForm.ACTION, summary="Identification", doc=DocRef("ITU-T V.250")
    ),
    CommandTemplate(
        "echo",
        "E",
        CommandForm.ACTION,
        (Param("on", ParamType.BOOL, default=True, help="Echo commands back"),),
        summary="Command echo on/off",
        doc=DocRef("ITU-T V.250"),
    ),
    CommandTemplate("cgmi", "+CGMI", CommandForm.EXECUTE, summary="Manufacturer", doc=_3GPP),
    CommandTemplate("cgmm", "+CGMM", CommandForm.EXECUTE, summary="Model", doc=_3GPP),
    CommandTemplate("cgmr", "+CGMR", CommandForm.EXECUTE, summary="Firmware revision", doc=_3GPP),
    CommandTemplate("cgsn", "+CGSN", CommandForm.EXECUTE, summary="IMEI", doc=_3GPP),
    CommandTemplate(
        "cmee",
        "+CMEE",
        CommandForm.SET,
        (
            Param(
                "n",
                ParamType.ENUM,
                choices=(Choice(0, "ERROR only"), Choice(1, "numeric"), Choice(2, "verbose")),
                default=2,
            ),
        ),
        summary="Error result format",
        doc=_3GPP,
    ),
    CommandTemplate("cfun_read", "+CFUN", CommandForm.READ, summary="Functionality", doc=_3GPP),
    CommandTemplate(
        "cereg",
        "+CEREG",
        CommandForm.SET,
        (Param("n", ParamType.INT, min=0, max=5, default=2, help="URC mode"),),
        summary="EPS registration URCs",
        doc=_3GPP,
    ),
    CommandTemplate(
        "cereg_read", "+CEREG", CommandForm.READ, summary="EPS registration", doc=_3GPP
    ),
    CommandTemplate("cesq", "+CESQ", CommandForm.EXECUTE, summary="Signal quality", doc=_3GPP),
    CommandTemplate("csq", "+CSQ", CommandForm.EXECUTE, summary="Signal quality (RSSI)", doc=_3GPP),
    CommandTemplate("cgpaddr", "+CGPADDR", CommandForm.EXECUTE, summary="PDP addresses", doc=_3GPP),
    CommandTemplate("cops_read", "+COPS", CommandForm.READ, summary="Operator", doc=_3GPP),
    CommandTemplate("cimi", "+CIMI", CommandForm.EXECUTE, summary="IMSI", doc=_3GPP),
    CommandTemplate(
        "cpsms_read", "+CPSMS", CommandForm.READ, summary="PSM timers requested", doc=_3GPP
    ),
    CommandTemplate(
        "cedrxs_read", "+CEDRXS", CommandForm.READ, summary="eDRX requested", doc=_3GPP
    ),
    CommandTemplate(
        "cedrxrdp", "+CEDRXRDP", CommandForm.EXECUTE, summary="eDRX granted", doc=_3GPP
    ),
    REFRESH_NETWORK_INFO,
)

#: ``AT+CFUN=<fun>`` for modules whose document uses the plain 3GPP form (15/16 reset the
#: module). Not in :data:`COMMON_TEMPLATES`: some vendors add parameters (Quectel ``<rst>``).
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
                Choice(4, "flight mode"),
                Choice(15, "reset"),
                Choice(16, "reset"),
            ),
            default=1,
        ),
    ),
    summary="Set phone functionality",
    doc=_3GPP,
)

__all__ = [
    "API_VERSION",
    "CFUN_SET",
    "COMMON_TEMPLATES",
    "HOST_OPS",
    "REG_STAT",
    "STANDARD_SET_WITHOUT_INFO",
    "STANDARD_URC_PREFIXES",
    "STATES",
    "AtArg",
    "AtCall",
    "AtDialect",
    "AtError",
    "Below",
    "BootstrapFile",
    "Choice",
    "ClassifiedLine",
    "ClientConfig",
    "ClientEvent",
    "Code",
    "CodecError",
    "CommandForm",
    "CommandResult",
    "CommandTemplate",
    "ConnectSequence",
    "Decoder",
    "DecoderFactory",
    "DocRef",
    "Event",
    "FinalResultRule",
    "FirmwareOptions",
    "FotaPersistence",
    "Handler",
    "HandlerResult",
    "HostAnswer",
    "HostAnswerStyle",
    "HostAnswerer",
    "HostDemo",
    "HostRequest",
    "Kind",
    "Line",
    "LineKind",
    "Lookup",
    "LwM2MClient",
    "ModuleDialect",
    "ModuleIdentity",
    "MultiLineUrc",
    "NetworkState",
    "ObjectDefinition",
    "ObjectLink",
    "ObjectRegistry",
    "ObjectStore",
    "OperationError",
    "Operations",
    "OutputCallback",
    "Param",
    "ParamType",
    "ParsedCommand",
    "Path",
    "PayloadRequest",
    "PendingHostRequest",
    "Plugin",
    "Reply",
    "ResourceDefinition",
    "ResourceType",
    "ResultStatus",
    "SettingsStore",
    "Simulator",
    "SimulatorBase",
    "SimulatorFactory",
    "TemplateError",
    "Value",
    "Variant",
    "decode_standard",
    "decode_ublox_json",
    "default_registry",
    "encode_ublox_json",
    "format_text_value",
    "invalid_param",
    "looks_like_command",
    "not_allowed",
    "parse_bootstrap_ini",
    "parse_command",
    "parse_command_line",
    "parse_text_value",
    "quote_at_json",
    "quote_at_string",
    "request_args",
    "split_at_args",
    "split_at_args_detailed",
    "split_at_json_argument",
    "split_info",
    "templates_by_id",
    "tidy_at_text",
    "unknown_event",
]
