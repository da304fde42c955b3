"""u-blox LEXI-R10 plugin: ``+ULWM2M``, ``+ULWM2MSTAT``, ``+ULWM2MREG``, ``+ULWM2MCONFIG``.

Document: ``../shared/specs/ublox-lexi-r10-lwm2m-at-commands.txt`` (LEXI-R10401D-00B). See
README.md for coverage, inferred meanings and the document's inconsistencies.
"""

from __future__ import annotations

from typing import Any

from workbench.plugin_api import Plugin, Simulator, Variant

from .codes import DOCUMENT, VARIANT
from .decoder import LexiR10Decoder
from .templates import TEMPLATES

PLUGIN_ID = "ublox-lexi-r10"


def _simulator(variant: str, server_url: str, **options: Any) -> Simulator:
    from .simulator import LexiR10Simulator  # the client engine is only loaded when simulating

    return LexiR10Simulator(variant=variant, server_url=server_url, **options)


def connect_sequence(
    server_url: str, *, psk_identity: str = "", psk_key: str = ""
) -> tuple[str, ...]:
    """Enable the factory-disabled client (``+ULWM2M=0``, takes effect after ``+CFUN=16``),
    then turn the status URCs on (they are off again after the reset).

    Server 721 is the factory server; on the bench its address is the simulator's
    ``server_url``, so the sequence needs no URL.
    """
    del server_url, psk_identity, psk_key  # this sequence sets no key: the guided flow says so
    return ("AT+CMEE=2", "AT+ULWM2M=0", "AT+CFUN=16", "AT+ULWM2MSTAT=1,7")


PLUGINS = [
    Plugin(
        id=PLUGIN_ID,
        name="u-blox LEXI-R10",
        description="u-blox LEXI-R10401D LTE Cat 1bis module: +ULWM2M, +ULWM2MSTAT URCs",
        vendor="u-blox",
        decoder_factory=LexiR10Decoder,
        modules=("LEXI-R10401D",),
        variants=(Variant(VARIANT, "LEXI-R10401D-00B", "The product version the document covers"),),
        identify=(r"LEXI-R10",),
        templates=TEMPLATES,
        urc_prefixes=("+ULWM2MSTAT:",),
        simulator_factory=_simulator,
        documents=(DOCUMENT,),
        init_commands=("AT+ULWM2MSTAT=1,7",),
        connect_sequence=connect_sequence,
    )
]

__all__ = ["PLUGINS", "PLUGIN_ID"]
