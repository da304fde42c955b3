"""SIMCom SIM7028 (NB-IoT) plugin: ``AT+LWSTART`` .. ``AT+LWEXECUTERSP`` and host-managed objects.

Document: ``../shared/specs/simcom-sim7028-lwm2m-appnote.txt`` (V1.03). See README.md for what
is covered, the inferred meanings and the document's inconsistencies.
"""

from __future__ import annotations

import urllib.parse
from typing import Any

from workbench.plugin_api import Plugin, Simulator

from .decoder import Sim7028Decoder
from .hostanswer import HOST_ANSWERS, HOST_DEMO
from .templates import TEMPLATES
from .values import DOCUMENT

PLUGIN_ID = "simcom-sim7028"


def _simulator(variant: str, server_url: str, **options: Any) -> Simulator:
    from .simulator import Sim7028Simulator  # the client engine is only loaded when simulating

    return Sim7028Simulator(variant=variant, server_url=server_url, **options)


def connect_sequence(
    server_url: str, *, psk_identity: str = "", psk_key: str = ""
) -> tuple[str, ...]:
    """§4.1 "Access to LWM2M server": start the service, configure, open (register).

    The note configures host and port separately (``+LWCNF="server"`` / ``"serverport"``), so
    the URL is split here; the endpoint name is ours (the note's example uses the IMEI).
    """
    del psk_identity, psk_key  # this sequence sets no key: the guided flow says so
    parts = urllib.parse.urlsplit(server_url)
    host = parts.hostname or "127.0.0.1"
    port = parts.port or 5683
    return (
        "AT+CMEE=1",
        "AT+LWSTART",
        f'AT+LWCNF="server","{host}"',
        f'AT+LWCNF="serverport","{port}"',
        'AT+LWCNF="endpointname","sim7028-workbench"',
        'AT+LWCNF="lifetime",300',
        "AT+LWOPEN",
    )


PLUGINS = [
    Plugin(
        id=PLUGIN_ID,
        name="SIMCom SIM7028",
        description="SIMCom SIM7028 NB-IoT module: +LWSTART/+LWOPEN, host-managed objects",
        vendor="SIMCom",
        decoder_factory=Sim7028Decoder,
        modules=("SIM7028",),
        identify=(r"SIM7028",),
        templates=TEMPLATES,
        urc_prefixes=(
            "+LWOPEN:",
            "+LMOPEN:",
            "+LWREAD:",
            "+LWWRITE:",
            "+LMWRITE:",
            "+LWEXECUTE:",
        ),
        boot_urcs=("RDY",),
        simulator_factory=_simulator,
        documents=(DOCUMENT,),
        connect_sequence=connect_sequence,
        host_answers=HOST_ANSWERS,
        host_demo=HOST_DEMO,
    )
]

__all__ = ["PLUGINS", "PLUGIN_ID"]
