"""The LEXI-R10401D code tables (``+ULWM2MSTAT``/``+ULWM2MREG``) and their contract meaning.

One table drives both the decoder (vendor code → contract state) and the simulator (engine
event → vendor code), so the two cannot drift apart.
"""

from __future__ import annotations

from typing import Final

DOCUMENT: Final = "ublox-lexi-r10-lwm2m-at-commands.txt"
VARIANT: Final = "00B"

#: ``<status>``/``<server_status>``: code → (document text, event kind, contract state).
#: Codes 0-9 are registration states, 10-19 bootstrap states.
SERVER_STATUS: Final[dict[int, tuple[str, str, str]]] = {
    0: ("deregistered", "registration", "deregistered"),
    1: ("registration hold", "registration", "retrying"),
    2: ("registration pending", "registration", "pending"),
    3: ("registration success", "registration", "registered"),
    4: ("registration failed", "registration", "failed"),
    5: ("registration update pending", "registration", "update_pending"),
    6: ("registration update needed", "registration", "update_pending"),
    7: ("registration full update needed", "registration", "update_pending"),
    8: ("deregistration needed", "registration", "deregistering"),
    9: ("deregistration pending", "registration", "deregistering"),
    10: ("bootstrap hold off", "bootstrap", "holdoff"),
    11: ("bootstrap initiated", "bootstrap", "started"),
    12: ("bootstrap pending", "bootstrap", "pending"),
    13: ("bootstrap finishing", "bootstrap", "pending"),
    14: ("bootstrap finished", "bootstrap", "finished"),
    15: ("bootstrap failing", "bootstrap", "pending"),
    16: ("bootstrap failed", "bootstrap", "failed"),
    19: ("bootstrap retrying", "bootstrap", "retrying"),
}
#: Codes whose contract state is a reading, not the document's words (audit M2, M4): 1
#: "registration hold" is what the client shows between a failed attempt and the next one (the
#: simulator prints it for the engine's ``retrying``; the SARA plugin infers the same for the
#: same vendor table); 15 "bootstrap failing" is transitional like 13 "finishing", so it is
#: ``pending`` and only 16 "bootstrap failed" is the terminal ``failed``.
INFERRED_STATUS: Final = frozenset({1, 15})
#: Codes LEXI-R10401D-00B reports (the document's "Allowed values": no 0).
REPORTED_STATUS: Final = frozenset(SERVER_STATUS) - {0}

#: ``<client_status>`` (event 4): code → (document text, contract client state).
CLIENT_STATUS: Final[dict[int, tuple[str, str]]] = {
    0: ("initial", "initialising"),
    1: ("bootstrap required", "bootstrapping"),
    2: ("bootstrapping", "bootstrapping"),
    3: ("registration required", "registering"),
    4: ("registering", "registering"),
    5: ("ready", "ready"),
    6: ("command mode only", "disabled"),
    7: ("client shut down", "stopped"),
}

#: ``<client_init_status>`` (event 5): code → (document text, contract client state or None).
#: "initialization finished" is not "ready" (audit M5): the document keeps a separate
#: ``<client_status>`` 5 "ready", and bootstrap and registration still follow. It sets no client
#: state; the state model moves the headline with bootstrap/registration instead.
INIT_STATUS: Final[dict[int, tuple[str, str | None]]] = {
    1: ("initialization started", "initialising"),
    2: ("initialization finished", None),
    3: ("client start aborted due to production mode", "disabled"),
    4: ("initialization failed", "failed"),
}

#: ``<server_connection_status>`` (event 6): code → (document text, contract state).
CONNECTION_STATUS: Final[dict[int, tuple[str, str]]] = {
    0: ("connection created", "created"),
    1: ("connection idle", "suspended"),
    2: ("connection restored", "resumed"),
    3: ("connection closed", "closed"),
}

#: Contract registration state of the client engine → the code the module prints.
ENGINE_REGISTRATION: Final[dict[str, int]] = {
    "pending": 2,
    "registered": 3,
    "failed": 4,
    "update_pending": 5,
    "updated": 3,
    "update_failed": 4,
    "retrying": 1,
    "deregistering": 9,
}
ENGINE_BOOTSTRAP: Final[dict[str, int]] = {
    "started": 11,
    "pending": 12,
    "finished": 14,
    "failed": 16,
    "retrying": 19,
}

#: ``+ULWM2MCONFIG`` parameters after ``<server_id>``: (name, low, high) from the test answer.
CONFIG_PARAMS: Final[tuple[tuple[str, int, int], ...]] = (
    ("bootstrap_on_failure", 0, 1),
    ("pdn_ip_type", 1, 3),
    ("cid", 1, 8),
    ("usec_psk", 0, 1),
    ("reg_update_boot", 0, 1),
    ("dtls_session_resumption", 0, 1),
    ("full_registration_after_fota", 0, 1),
    ("DTLS_NAT_timer", 0, 86400),
    ("reg_upd_at_PSM_exit", 0, 1),
    ("reg_upd_after_DTLS_handshake", 0, 2),
    ("server_disabled", 0, 2),
)
#: ``<server_disabled>`` values LEXI-R10401D-00B allows (2 is listed but not allowed).
SERVER_DISABLED_ALLOWED: Final = (0, 1)
