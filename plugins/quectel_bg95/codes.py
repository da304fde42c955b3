"""The numbers and words of the Quectel LwM2M application note, in one place.

Decoder, simulator and templates all speak about the same ``<state_code>``s, ``<err>``s and
``<cme_err>``s; keeping the tables here means the three cannot drift apart. Section numbers
refer to ``../shared/specs/quectel-bg95-bg77-bg600l-lwm2m-appnote.txt``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

DOCUMENT: Final = "quectel-bg95-bg77-bg600l-lwm2m-appnote.txt"


@dataclass(frozen=True, slots=True)
class StateCode:
    """One row of Table 9 (§3.3.1) and the contract event it becomes.

    ``kind``/``state`` are the decoded-event contract values; ``extra`` adds fields that keep
    what the contract state alone would lose (e.g. that a retry is a data-call retry).
    ``inferred`` marks rows whose meaning the document leaves open or contradicts.
    """

    code: int
    name: str
    kind: str
    state: str
    description: str
    extra: tuple[tuple[str, str], ...] = ()
    inferred: bool = False


#: Table 9 — ``<state_code>`` / ``<state_string>`` of ``+QLWURC: "event"``.
STATE_CODES: Final[dict[int, StateCode]] = {
    row.code: row
    for row in (
        StateCode(
            0,
            "INITIAL",
            "client",
            "initialising",
            "LwM2M Client not registered or bootstrap not started.",
        ),
        StateCode(1, "REG_PENDING", "registration", "pending", "Registration pending."),
        StateCode(
            2, "REG_READY", "registration", "registered", "Register with LwM2M Server successfully."
        ),
        StateCode(3, "REG_FAILED", "registration", "failed", "Last registration failed."),
        StateCode(
            4,
            "UPDATE_PENDING",
            "registration",
            "update_pending",
            "Registration update pending due to LwM2M Client in sleep state.",
        ),
        # The table describes 5 as "bootstrapping state due to hold-off timer is running", which
        # contradicts its own name and the §4.2.2 example (printed right after a factory reset
        # with shortID 0). We follow the name and the example: the client is back to its
        # factory configuration.
        StateCode(
            5,
            "FACTORY_RESET",
            "client",
            "initialising",
            "Factory reset (the table's description speaks of a bootstrap hold-off timer).",
            (("reset", "factory"),),
            inferred=True,
        ),
        StateCode(
            6, "BS_START", "bootstrap", "started", "LwM2M Client initiates bootstrap request."
        ),
        StateCode(7, "BS_PENDING", "bootstrap", "pending", "Bootstrap on going."),
        StateCode(
            8,
            "BS_HOLDOFF",
            "bootstrap",
            "holdoff",
            "Waiting for the pass-through object initialization; no bootstrap request sent yet.",
        ),
        StateCode(9, "BS_FINISH", "bootstrap", "finished", "Bootstrap finish."),
        StateCode(10, "BS_FAILED", "bootstrap", "failed", "Bootstrap failed."),
        StateCode(
            11,
            "REG_CONN_RETRY",
            "registration",
            "retrying",
            "Data call connection retrying on failure during registration phase.",
            (("reason", "data_call"),),
        ),
        StateCode(
            12,
            "REG_RETRY",
            "registration",
            "retrying",
            "Registration retrying on failure.",
            (("reason", "registration"),),
        ),
        StateCode(
            13,
            "BS_CONN_RETRY",
            "bootstrap",
            "retrying",
            "Data call connection retrying on failure during bootstrapping phase.",
            (("reason", "data_call"),),
        ),
        StateCode(
            14,
            "BS_RETRY",
            "bootstrap",
            "retrying",
            "Bootstrap retrying on failure.",
            (("reason", "bootstrap"),),
        ),
        StateCode(
            15,
            "GENERIC_FAILED",
            "client",
            "failed",
            "Generic error (invalid parameters, endpoint name or data call failure).",
        ),
        StateCode(
            16, "REG_UPDATE", "registration", "updated", "Send registration update successfully."
        ),
        StateCode(
            17, "UPDATE_FAILED", "registration", "update_failed", "Send registration update failed."
        ),
        StateCode(
            18,
            "Dereg_Start",
            "registration",
            "deregistering",
            "Trigger deregister from LwM2M server.",
        ),
        StateCode(
            19,
            "Dereg_Finish",
            "registration",
            "deregistered",
            "Deregister from LwM2M server successfully.",
        ),
    )
}

#: ``<state_string>`` (upper-cased: the §4.2.2 example prints ``DEREG_FINISH`` where Table 9
#: says ``Dereg_Finish``) → code.
STATE_BY_NAME: Final[dict[str, int]] = {row.name.upper(): code for code, row in STATE_CODES.items()}

#: ``+QLWREG: <err>`` / ``+QLWDEREG: <err>`` (§3.2.2).
ERR_TEXTS: Final[dict[int, str]] = {
    0: "Operation success",
    1: "Operation failure",
    2: "Invalid parameter",
    3: "No memory",
    4: "Failure as another parallel operation started",
    5: "Operation is not allowed",
}

#: ``+CME ERROR: <cme_err>`` of ``AT+QLWSVC="reg"`` (§3.2.2).
CME_TEXTS: Final[dict[int, str]] = {
    701: "Unknown error",
    702: "The command has been executed",
    703: "Invalid parameter",
    704: "LwM2M task is not initiated yet",
    705: "The operation is not allowed",
    706: "No memory",
}

#: ``<response_code>`` of ``+QLWURC: "uldata"`` (§3.3.3).
ULDATA_RESULTS: Final[dict[int, str]] = {
    0: "acknowledged",
    -1: "error_response",
    -2: "no_response",
    -3: "invalid_response",
}

#: ``<data_type>`` of ``+QLWURC: "recv"`` (§3.3.4).
RECV_TYPES: Final[dict[int, str]] = {4: "string", 5: "opaque"}

#: Table 7 — ``<binding>``.
BINDINGS: Final[tuple[str, ...]] = ("U", "UQ", "S", "SQ", "US", "UQS", "N")

#: ``<APN_class>`` values (§3.2.1).
APN_CLASSES: Final[tuple[int, ...]] = (0, 2, 3, 6, 7, 10, 11)

#: ``<security_mode>`` values (§3.2.1).
SECURITY_MODES: Final[dict[int, str]] = {0: "Pre-Shared Key", 2: "Certificate", 3: "No security"}

#: ``<server_type>`` of ``"select"`` (§3.2.1).
SERVER_TYPES: Final[dict[int, str]] = {
    0: "Factory mode (reset all settings)",
    1: "Verizon",
    2: "AT&T",
    3: "T-Mobile",
    4: "Telstra",
    5: "LG U+",
    6: "NTT DoCoMo",
}

#: Table 8 — endpoint name enumeration when ``<type>`` = 1.
EP_NAME_TYPES: Final[dict[int, str]] = {
    4: "urn:imei:<IMEI>",
    5: "urn:esn:<ESN>",
    6: "urn:meid:<MEID>",
    7: "urn:imei-msisdn:<IMEI>-<MSISDN>",
    8: "urn:imei-imsi:<IMEI>-<IMSI>",
    9: "imei-imsi:<IMEI>-<IMSI>",
}

#: ``<hostID>`` of ``"host"`` (§3.2.1): resource instances of the portfolio Identity resource.
HOST_IDS: Final[dict[int, str]] = {
    0: "Host device ID",
    1: "Host device manufacturer",
    2: "Host device model number",
    3: "Host device software version",
}

MAX_INT: Final = 2147483647
