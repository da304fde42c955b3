"""u-blox SARA-R4, SARA-R5 and LEXI-R4: the +ULWM2M* AT family with OMA JSON objects.

Three plugins share one decoder, one simulator and one set of templates; a :class:`Profile` per
product version (``profiles.py``) holds every behaviour difference the application note names.
"""

from __future__ import annotations

from typing import Any

from workbench.plugin_api import ConnectSequence, Decoder, Plugin, Simulator, Variant

from .decoder import SaraDecoder
from .moduleview import MODULE_VIEW
from .profiles import DOC, VARIANTS_LEXI, VARIANTS_R4, VARIANTS_R5, profile_for
from .templates import TEMPLATES

URC_PREFIXES = ("+ULWM2MSTAT:", "+ULWM2MNOTIFY:")


def _decoder_factory(plugin_id: str) -> Any:
    def make(variant: str) -> Decoder:
        return SaraDecoder(variant, profile_for(plugin_id, variant))

    return make


def _simulator_factory(plugin_id: str) -> Any:
    def make(variant: str, server_url: str = "", **options: Any) -> Simulator:
        from .simulator import SaraSimulator  # the client engine is only loaded when simulating

        return SaraSimulator(profile_for(plugin_id, variant), server_url, **options)

    return make


def _connect_sequence(plugin_id: str, variant: str) -> ConnectSequence:
    """Enable the LwM2M client on the factory server 721 (§3.2, §4.1) and watch it register.

    The module's factory server is the operator's; on the bench its address is the
    simulator's ``server_url`` (the built-in server), so the sequence itself needs no URL:
    status URCs on, client enabled (``+ULWM2M=0``), reboot (``+CFUN=16``). Where the variant
    takes the ``<verbosity_mask>`` of ``+ULWM2MSTAT`` (§4.1.1/§4.1.2: SARA-R5 except 00B-00,
    SARA-R422) the sequence asks for every event (``1,7``: events 5 and 6 too); SARA-R5 00B-00
    refuses the mask ("not supported"), SARA-R4/LEXI-R4 have none: they get ``1``.
    """

    mask = profile_for(plugin_id, variant).verbosity_mask
    stat = "AT+ULWM2MSTAT=1,7" if mask else "AT+ULWM2MSTAT=1"

    def sequence(server_url: str, *, psk_identity: str = "", psk_key: str = "") -> tuple[str, ...]:
        del server_url, psk_identity, psk_key  # 721 is preconfigured; no key is set here
        return ("AT+CMEE=2", stat, "AT+ULWM2M=0", "AT+CFUN=16")

    return sequence


def _plugin(
    plugin_id: str,
    name: str,
    description: str,
    modules: tuple[str, ...],
    variants: tuple[Variant, ...],
    default: str,
    identify: tuple[str, ...],
) -> Plugin:
    return Plugin(
        id=plugin_id,
        name=name,
        description=description,
        vendor="u-blox",
        decoder_factory=_decoder_factory(plugin_id),
        modules=modules,
        variants=variants,
        default_variant=default,
        identify=identify,
        templates=TEMPLATES,
        urc_prefixes=URC_PREFIXES,
        simulator_factory=_simulator_factory(plugin_id),
        documents=(DOC,),
        init_commands=("AT+CMEE=2", "AT+ULWM2MSTAT=1"),
        connect_sequence=_connect_sequence(plugin_id, default),
        variant_connect_sequence=lambda variant: _connect_sequence(plugin_id, variant),
        # §5.3.2: +UDWNFILE prints a bare ">" before it reads the file's bytes.
        prompts=(">",),
        module_view=MODULE_VIEW,
    )


PLUGINS: list[Plugin] = [
    _plugin(
        "ublox-sara-r4",
        "u-blox SARA-R4",
        "SARA-R410M/R412M (02B, 63B/73B/83B) and SARA-R422 LwM2M client (+ULWM2M*)",
        ("SARA-R410M", "SARA-R412M", "SARA-R422", "SARA-R422S", "SARA-R422M8S", "SARA-R422M10S"),
        VARIANTS_R4,
        "02B",
        (r"SARA-R41[02]M", r"SARA-R422"),
    ),
    _plugin(
        "ublox-sara-r5",
        "u-blox SARA-R5",
        "SARA-R500S/R510S/R510M8S/R520 LwM2M client (+ULWM2M*, +ULWM2MCONFIGEXT)",
        ("SARA-R500S", "SARA-R510S", "SARA-R510M8S", "SARA-R520"),
        VARIANTS_R5,
        "01B",
        (r"SARA-R5\d\d",),
    ),
    _plugin(
        "ublox-lexi-r4",
        "u-blox LEXI-R4",
        "LEXI-R422 LwM2M client (+ULWM2M*)",
        ("LEXI-R422",),
        VARIANTS_LEXI,
        "R422",
        (r"LEXI-R4",),
    ),
]

__all__ = ["PLUGINS"]
