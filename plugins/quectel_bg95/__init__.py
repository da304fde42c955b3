"""Quectel BG95 series, BG77 and BG600L-M3: ``AT+QLWCFG`` / ``AT+QLWSVC`` / ``+QLWURC``.

One document (``../shared/specs/quectel-bg95-bg77-bg600l-lwm2m-appnote.txt``) covers all of
them and does not tell their LwM2M behaviour apart, so the three plugins share templates,
decoder and simulator; only identity (``AT+CGMM``...) differs. The BG95 plugin lists the six
BG95 models of Table 1 as variants for the same reason.
"""

from __future__ import annotations

from typing import Any

from plugins.quectel_bg95.codes import DOCUMENT
from plugins.quectel_bg95.decoder import QuectelDecoder, recv_data_lines
from plugins.quectel_bg95.simulator import MODELS, QuectelSimulator
from plugins.quectel_bg95.templates import TEMPLATES
from workbench.plugin_api import MultiLineUrc, Plugin, Simulator, Variant

URC_PREFIXES = ("+QLWURC:", "+QLWREG:", "+QLWDEREG:")
#: The engine matches the head whatever its spacing and case (audit M10), so one rule does.
MULTILINE_URCS = (MultiLineUrc('+QLWURC: "recv"', count_from=recv_data_lines),)
BOOT_URCS = ("RDY", "APP RDY")

_BG95_VARIANTS = tuple(
    Variant(f"bg95-m{n}", f"BG95-M{n}", MODELS[f"bg95-m{n}"][1]) for n in range(1, 7)
)


def _factory(default_variant: str) -> Any:
    def make(variant: str, server_url: str = "", **options: Any) -> Simulator:
        return QuectelSimulator(variant or default_variant, server_url, **options)

    return make


def connect_sequence(
    server_url: str,
    *,
    psk_identity: str = "",
    psk_key: str = "",
    endpoint: str = "",
    lifetime: int | str = 60,
    binding: str = "UQS",
) -> tuple[str, ...]:
    """§4.2.2 "Connect to an LwM2M server without bootstrap", pointed at ``server_url``.

    Short server ID 100, no security (mode 3), lifetime 60 s, queue-mode binding "UQS" as the
    document's example; registration starts with ``AT+QLWSVC="reg"``. An ``endpoint`` name
    is set with ``AT+QLWCFG="epns",0,"<bs>","<reg>"`` (§3.2, type 0 = the names as strings)
    for both the bootstrap and the registration name; without one the module keeps its own.
    """
    del psk_identity, psk_key  # this sequence sets no key: the guided flow says so
    lines = [
        "AT+CMEE=1",
        f'AT+QLWCFG="security",0,100,"{server_url}",0,3',
        f'AT+QLWCFG="server",0,{int(lifetime)},0,50,60,1,"{binding}"',
    ]
    if endpoint:
        lines.append(f'AT+QLWCFG="epns",0,"{endpoint}","{endpoint}"')
    lines.append('AT+QLWSVC="reg"')
    return tuple(lines)


def _plugin(
    pid: str, name: str, modules: tuple[str, ...], variants: tuple[Variant, ...], default: str
) -> Plugin:
    return Plugin(
        id=pid,
        name=name,
        description=f"Quectel {name}: LwM2M client via AT+QLWCFG / AT+QLWSVC",
        vendor="Quectel",
        decoder_factory=QuectelDecoder,
        modules=modules,
        variants=variants,
        default_variant=default,
        identify=tuple(rf"\b{m}\b" for m in modules),
        templates=TEMPLATES,
        urc_prefixes=URC_PREFIXES,
        multiline_urcs=MULTILINE_URCS,
        boot_urcs=BOOT_URCS,
        simulator_factory=_factory(default),
        documents=(DOCUMENT,),
        init_commands=("AT+CMEE=1",),
        connect_sequence=connect_sequence,
        connect_options=("endpoint", "lifetime", "binding"),
    )


PLUGINS: list[Plugin] = [
    _plugin(
        "quectel-bg95",
        "BG95 series",
        tuple(v.name for v in _BG95_VARIANTS),
        _BG95_VARIANTS,
        "bg95-m3",
    ),
    _plugin("quectel-bg77", "BG77", ("BG77",), (Variant("bg77", "BG77", MODELS["bg77"][1]),), ""),
    _plugin(
        "quectel-bg600l",
        "BG600L-M3",
        ("BG600L-M3",),
        (Variant("bg600l-m3", "BG600L-M3", MODELS["bg600l-m3"][1]),),
        "",
    ),
]

__all__ = ["PLUGINS"]
