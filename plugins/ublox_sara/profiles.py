"""What differs between the products the application note covers, as data.

The note (../shared/specs/ublox-sara-r4-r5-lexi-r4-lwm2m-appnote.txt, UBX-18068860 R09) applies
to SARA-R410M/R412M "02B" and "63B/73B/83B", SARA-R422 (00B and 01B flavours), LEXI-R422 and the
SARA-R5 series, and says in notes scattered over the text where they behave differently. Both
the decoder and the simulator read those differences from one :class:`Profile` per variant so
they can never disagree.

Status codes: §4.3.2 and §5.1.5/§5.2 show that SARA-R410M-63B/73B/83B report "registered" as
``+ULWM2MSTAT: 1,<ssid>,2`` (and "failed" as 3) while SARA-R5, SARA-R410M/R412M-02B and
LEXI-R422/SARA-R422 print 3 for "registered". Only those codes and the bootstrap codes of
Appendix C (11 initiated, 12 pending, 14 finished) are documented; the other entries of the
tables below are *inferred*: they follow the ordering of the server states of the open-source
LwM2M client these firmwares derive from (an older ordering without a "hold-off" state for the
6xB products, a newer one with it for the others), which is the only ordering that fits every
documented code. Events built from them carry ``inferred: true``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Final

from workbench.plugin_api import Variant

DOC: Final = "ublox-sara-r4-r5-lexi-r4-lwm2m-appnote.txt"

#: ``(state, documented)`` per code.
CodeTable = MappingProxyType[int, tuple[str | None, bool]]

#: Registration codes (+ULWM2MSTAT event 1) of the 63B/73B/83B products: §4.3.2 documents
#: 2 = registered and 3 = failed.
REG_CODES_OLD: Final = MappingProxyType(
    {
        0: ("deregistered", False),
        1: ("pending", False),
        2: ("registered", True),
        3: ("failed", True),
        4: ("update_pending", False),
        5: ("update_pending", False),
        6: ("update_pending", False),
        7: ("deregistering", False),
    }
)
#: Registration codes of SARA-R5, 02B, SARA-R422/LEXI-R422: §5.1.5 documents 3 = registered.
#: The inferred rest follows the sibling LEXI-R10 table (same vendor, same numbering), including
#: 9 "deregistration pending" (audit M7).
REG_CODES_NEW: Final = MappingProxyType(
    {
        0: ("deregistered", False),
        1: ("retrying", False),
        2: ("pending", False),
        3: ("registered", True),
        4: ("failed", False),
        5: ("update_pending", False),
        6: ("update_pending", False),
        7: ("update_pending", False),
        8: ("deregistering", False),
        9: ("deregistering", False),
    }
)
#: Bootstrap codes (+ULWM2MSTAT event 0); Appendix C documents 11, 12 and 14. 15 "failing" is
#: transitional like 13 "finishing" (audit M4: only 16 is the terminal failure); 19 "bootstrap
#: retrying" comes from the LEXI-R10 table (audit M7). The old table shifts the same by two.
BS_CODES_NEW: Final = MappingProxyType(
    {
        10: ("holdoff", False),
        11: ("started", True),
        12: ("pending", True),
        13: ("pending", False),
        14: ("finished", True),
        15: ("pending", False),
        16: ("failed", False),
        19: ("retrying", False),
    }
)
BS_CODES_OLD: Final = MappingProxyType(
    {
        8: ("holdoff", False),
        9: ("started", False),
        10: ("pending", False),
        11: ("pending", False),
        12: ("finished", False),
        13: ("pending", False),
        14: ("failed", False),
    }
)
#: ``+ULWM2MREG?`` status: the variant's event-1 table (``Profile.reg_codes``), not one table
#: for all (audit M1). §4.3.1 shows ``721,2,86281`` "successfully registered (<status>=2)"
#: without naming a product, in the section whose URC example (§4.3.2) uses the 63B numbering
#: (2 registered, 3 failed); §5.1.5 says SARA-R5/02B/R422 print 3 for success, and the sibling
#: LEXI-R10 note gives ``+ULWM2MREG``'s status the same table as ``+ULWM2MSTAT``'s. So the
#: §4.3.1 example is read as a 63B answer, and the variant decides. The LEXI-R10 note also says
#: the interval exists "For successfully registered servers": an interval next to a status the
#: table does not call registered is kept on the registration event (``interval``) instead of
#: becoming an ``update_timer`` that would contradict it.
REGISTERED_STATES: Final = frozenset({"registered", "update_pending", "updated"})
#: Event 4 (client status), §4.1 and §5.3.2.
CLIENT_CODES: Final = MappingProxyType(
    {0: ("ready", True), 6: ("failed", True), 7: ("stopped", True)}
)
#: Event 5 (client initialisation), §4.1.1. "initialization finished" sets no client state
#: (audit M5): Appendix C prints the whole bootstrap after ``5,2``, so it is not "ready"; the
#: state model moves the headline with bootstrap and registration.
INIT_CODES: Final[CodeTable] = MappingProxyType(
    {1: ("initialising", True), 2: (None, True), 3: ("disabled", True)}
)
#: Event 6 (server connection), §4.1.2.
CONNECTION_CODES: Final = MappingProxyType(
    {0: ("created", True), 1: ("suspended", True), 2: ("resumed", True), 3: ("closed", True)}
)

#: ``+ULWM2MCONFIG`` fields after ``<server_id>`` in the 12-field form (audit M6). The SARA note
#: names only ``<reg_update_boot>`` and ``<reg_upd_at_PSM_exit>``, without positions; the
#: sibling LEXI-R10 document defines the same command with the same example values
#: (``721,0,2,1,1,0,0,0,40,0,0,0``, the 40 being ``DTLS_NAT_timer``), so its names and
#: positions are adopted, marked inferred. The 11-field rows of §3.5.2 lack one of fields 6-8
#: and the document does not say which, so they stay unnamed.
CONFIG_FIELD_NAMES: Final = (
    "bootstrap_on_failure",
    "pdn_type",
    "cid",
    "usec_psk",
    "reg_update_boot",
    "dtls_session_resumption",
    "full_registration_after_fota",
    "DTLS_NAT_timer",
    "reg_upd_at_PSM_exit",
    "reg_upd_after_DTLS_handshake",
    "server_disabled",
)

GPIO_SARA_R4: Final = (16, 19, 23, 24, 25, 42)
GPIO_LEXI_R4: Final = (14, 15, 16, 17, 18, 29)


@dataclass(frozen=True, slots=True)
class Profile:
    """Behaviour of one product version, each flag with the section that says so."""

    variant: str
    model: str
    revision: str
    reg_codes: CodeTable
    bs_codes: CodeTable
    #: The code the simulator prints for "registered" / "failed" (event 1).
    registered_code: int
    failed_code: int
    #: §4.3.2: the +ULWM2MSTAT URC is enabled by default on 63B/73B/83B.
    stat_default_on: bool = False
    #: §4.1: "On SARA-R5 series the LwM2M client status URC (<event>=4) is not supported".
    client_status_urc: bool = True
    #: §4.1.1/§4.1.2: <verbosity_mask>, events 5 and 6 (SARA-R5 but 00B-00, LEXI-R422/R422).
    verbosity_mask: bool = False
    #: §4.1.2: event 6 (not on SARA-R5 00B-00/00B-01).
    connection_urc: bool = False
    #: §4.1.2: connection suspended/resumed (1/2) are not supported on LEXI-R422/SARA-R422.
    connection_suspend: bool = False
    #: §4.5: AT+ULWM2MWRITE="" (commit to NVM) is SARA-R5 only, not 00B-00.
    write_commit: bool = False
    #: §5.5: +ULWM2MPULSE / lua_send_pulse are not supported by SARA-R5.
    pulse_gpios: tuple[int, ...] = ()
    #: §3.5.2, §3.2: +ULWM2MCONFIGEXT and the production mode are SARA-R5 (not 00B-00).
    config_ext: bool = False
    production_mode: bool = False
    #: §2.2: Lua objects (+ULWM2MADD of .lua files): SARA-R5 00B/01B/61B/71B, and SARA-R4.
    lua: bool = True
    #: §4.1: +ULWM2M=1 on SARA-R410M/R412M stops the client now, for this session (Appendix D);
    #: on SARA-R5/R422/LEXI it saves the flag in NVM, effective after reboot.
    stop_is_volatile: bool = False
    #: §4.1: <activation_mode> 3/4 (NTT DoCoMo server) only on SARA-R410M-63B.
    docomo_modes: bool = False
    #: §4.4: instance id of the u-blox server (SSID 721) in objects 0 and 1.
    factory_instance: int = 1
    #: §3.2: LwM2M client disabled by default on the factory MNO profile 90 (SARA-R5).
    enabled_by_default: bool = True
    #: Read form of +ULWM2MCONFIG: 11 fields on SARA-R5 (§3.5.2), 12 elsewhere (§4.4).
    config_fields: int = 12
    #: Extra product names for identification.
    identify: tuple[str, ...] = field(default=())

    @property
    def is_r5(self) -> bool:
        return self.model.startswith("SARA-R5")


def _r4_old(variant: str, model: str) -> Profile:
    return Profile(
        variant,
        model,
        "L0.0.00.00.05.12",
        REG_CODES_OLD,
        BS_CODES_OLD,
        registered_code=2,
        failed_code=3,
        stat_default_on=True,
        pulse_gpios=GPIO_SARA_R4,
        stop_is_volatile=True,
        docomo_modes=variant == "63B",
    )


SARA_R4: Final = MappingProxyType(
    {
        "02B": Profile(
            "02B",
            "SARA-R410M-02B",
            "L0.0.00.00.05.12",
            REG_CODES_NEW,
            BS_CODES_NEW,
            registered_code=3,
            failed_code=4,
            pulse_gpios=GPIO_SARA_R4,
            stop_is_volatile=True,
        ),
        "63B": _r4_old("63B", "SARA-R410M-63B"),
        "73B": _r4_old("73B", "SARA-R410M-73B"),
        "83B": _r4_old("83B", "SARA-R410M-83B"),
        "R422-00B": Profile(
            "R422-00B",
            "SARA-R422-00B",
            "00.12",
            REG_CODES_NEW,
            BS_CODES_NEW,
            registered_code=3,
            failed_code=4,
            verbosity_mask=True,
            connection_urc=True,
            pulse_gpios=GPIO_SARA_R4,
        ),
        "R422-01B": Profile(
            "R422-01B",
            "SARA-R422-01B",
            "01.03",
            REG_CODES_NEW,
            BS_CODES_NEW,
            registered_code=3,
            failed_code=4,
            verbosity_mask=True,
            connection_urc=True,
            pulse_gpios=GPIO_SARA_R4,
            factory_instance=10,
        ),
    }
)


def _r5(variant: str, **changes: object) -> Profile:
    values: dict[str, object] = {
        "registered_code": 3,
        "failed_code": 4,
        "client_status_urc": False,
        "verbosity_mask": True,
        "connection_urc": True,
        "connection_suspend": True,
        "write_commit": True,
        "config_ext": True,
        "production_mode": True,
        "factory_instance": 10,
        "enabled_by_default": False,
        "config_fields": 11,
    }
    values.update(changes)
    return Profile(
        variant,
        "SARA-R510M8S",
        f"{variant}.00",
        REG_CODES_NEW,
        BS_CODES_NEW,
        **values,  # type: ignore[arg-type]
    )


SARA_R5: Final = MappingProxyType(
    {
        "00B-00": _r5(
            "00B-00",
            verbosity_mask=False,
            connection_urc=False,
            write_commit=False,
            production_mode=False,
        ),
        "00B-01": _r5("00B-01", connection_urc=False),
        "01B": _r5("01B"),
        "61B": _r5("61B"),
        "71B": _r5("71B"),
        "R520": _r5("R520", lua=False),
    }
)

LEXI_R4: Final = MappingProxyType(
    {
        "R422": Profile(
            "R422",
            "LEXI-R422",
            "01.00",
            REG_CODES_NEW,
            BS_CODES_NEW,
            registered_code=3,
            failed_code=4,
            verbosity_mask=True,
            connection_urc=True,
            pulse_gpios=GPIO_LEXI_R4,
            factory_instance=10,
        ),
    }
)

VARIANTS_R4: Final = (
    Variant("02B", "SARA-R410M/R412M-02B", "status 3 = registered (§5.1.5)"),
    Variant("63B", "SARA-R410M-63B", "status 2 = registered (§4.3.2); DoCoMo modes 3/4"),
    Variant("73B", "SARA-R410M-73B", "status 2 = registered (§4.3.2)"),
    Variant("83B", "SARA-R410M-83B", "status 2 = registered (§4.3.2)"),
    Variant("R422-00B", "SARA-R422/R422S/R422M8S (00B)", "events 5/6, server /1/1 (§4.4)"),
    Variant("R422-01B", "SARA-R422-01B/R422S-01B/R422M10S", "events 5/6, server /1/10"),
)
VARIANTS_R5: Final = (
    Variant("00B-00", "SARA-R500S/R510S/R510M8S-00B-00", "no verbosity mask, events 5/6"),
    Variant("00B-01", "SARA-R500S/R510S/R510M8S-00B-01", "no event 6"),
    Variant("01B", "SARA-R5 01B", "full feature set of the note"),
    Variant("61B", "SARA-R5 61B", "as 01B"),
    Variant("71B", "SARA-R5 71B", "as 01B"),
    Variant("R520", "SARA-R520", "no Lua objects (§2.2)"),
)
VARIANTS_LEXI: Final = (Variant("R422", "LEXI-R422", "events 5/6 (no 1/2), server /1/10"),)


def profile_for(plugin_id: str, variant: str) -> Profile:
    """The profile of ``variant`` of plugin ``plugin_id`` (KeyError if unknown)."""
    table = {"ublox-sara-r4": SARA_R4, "ublox-sara-r5": SARA_R5, "ublox-lexi-r4": LEXI_R4}
    return table[plugin_id][variant]
