"""ST ST87MXX (ST87M01) NB-IoT module: ``#LWSTART``..``#LWREG``, host-managed ``#LWNTY*`` objects.

Document: ../shared/specs/st-st87mxx-lwm2m-appnote.txt. See README.md for what is covered and
which meanings are inferred (notably every ``#LWREG`` status code).
"""

from __future__ import annotations

from typing import Any

from workbench.plugin_api import Plugin, Simulator, Variant

from .codes import BOOT_HEAD, DOCUMENT, URC_PREFIXES
from .decoder import St87Decoder
from .hostanswer import HOST_ANSWERS, HOST_DEMO, MODULE_VIEW
from .templates import TEMPLATES


def connect_sequence(
    server_url: str,
    *,
    psk_identity: str = "",
    psk_key: str = "",
    endpoint: str = "ST87M01_CLIENT",
    lifetime: int | str = 60,
    binding: str = "U",
) -> tuple[str, ...]:
    """§6.2.3 of the ST note: socket, client start, parameters, configuration, register.

    ``AT#LWPARAMS`` carries the endpoint name, the server URL (the note writes ``COAP://``;
    either case works), the binding and the lifetime.
    """
    del psk_identity, psk_key  # this sequence sets no key: the guided flow says so
    return (
        "AT+CMEE=1",
        "AT#SOCKETCREATE=5,0,UDP,5683,30,30",
        "AT#LWSTART",
        f"AT#LWPARAMS={endpoint},1,1,{server_url},{binding},{int(lifetime)},0,0,1",
        "AT#LWCFG=5,0",
        "AT#LWREG=1,1",
    )


def _simulator(variant: str, server_url: str, **options: Any) -> Simulator:
    from .simulator import St87Simulator

    return St87Simulator(variant, server_url, **options)


PLUGINS = [
    Plugin(
        id="st-st87mxx",
        name="ST ST87MXX",
        description="ST87M01 NB-IoT module: #LW* LwM2M commands, host-managed custom objects",
        vendor="STMicroelectronics",
        decoder_factory=St87Decoder,
        modules=("ST87M01",),
        variants=(Variant("default", "ST87M01", "Application note V1.0"),),
        identify=(r"ST87M0?1", r"ST87MXX", r"STMicroelectronics"),
        templates=TEMPLATES,
        urc_prefixes=URC_PREFIXES,
        boot_urcs=(BOOT_HEAD,),
        simulator_factory=_simulator,
        documents=(DOCUMENT,),
        init_commands=("AT+CMEE=1",),
        connect_sequence=connect_sequence,
        connect_options=("endpoint", "lifetime", "binding"),
        module_view=MODULE_VIEW,
        host_answers=HOST_ANSWERS,
        host_demo=HOST_DEMO,
    )
]
