"""The Firmware Update object (5) vocabulary shared by the server's FOTA service and the client.

Numbers and meanings follow the object definition in OMA-TS-LightweightM2M (V1.0.x and V1.1
Core, Appendix E.6 "LwM2M Object: Firmware Update", state machine in E.6.1: Update Result
0-9) and the newer object versions in the registry (OMA's object 5 version 1.1 adds Cancel
/5/0/10 and Update Result 10 and 11; this repository's ``resources/objects/5.xml`` carries
them as version 1.2). Both ends name them from here so an event, a CLI line and the window
use the same words.
"""

from __future__ import annotations

import hashlib

FIRMWARE = 5

#: /5/0/x resource ids.
PACKAGE, PACKAGE_URI, UPDATE, STATE, UPDATE_RESULT = 0, 1, 2, 3, 5
PKG_NAME, PKG_VERSION, PROTOCOL_SUPPORT, DELIVERY_METHOD, CANCEL = 6, 7, 8, 9, 10

#: State (/5/0/3), TS E.6.1: 0 Idle, 1 Downloading, 2 Downloaded, 3 Updating.
IDLE, DOWNLOADING, DOWNLOADED, UPDATING = 0, 1, 2, 3
STATE_NAMES = {
    IDLE: "idle",
    DOWNLOADING: "downloading",
    DOWNLOADED: "downloaded",
    UPDATING: "updating",
}

#: Update Result (/5/0/5) codes, TS E.6 (0-9 in object 1.0; 10-11 added by later versions).
INITIAL = 0
SUCCESS = 1
NOT_ENOUGH_FLASH = 2
OUT_OF_RAM = 3
CONNECTION_LOST = 4
INTEGRITY_FAILURE = 5
UNSUPPORTED_PACKAGE = 6
INVALID_URI = 7
UPDATE_FAILED = 8
UNSUPPORTED_PROTOCOL = 9
CANCELLED = 10
DEFERRED = 11

RESULT_TEXT = {
    INITIAL: "initial value",
    SUCCESS: "firmware updated successfully",
    NOT_ENOUGH_FLASH: "not enough flash memory for the new firmware package",
    OUT_OF_RAM: "out of RAM during downloading process",
    CONNECTION_LOST: "connection lost during downloading process",
    INTEGRITY_FAILURE: "integrity check failure for new downloaded package",
    UNSUPPORTED_PACKAGE: "unsupported package type",
    INVALID_URI: "invalid URI",
    UPDATE_FAILED: "firmware update failed",
    UNSUPPORTED_PROTOCOL: "unsupported protocol",
    CANCELLED: "firmware update cancelled",
    DEFERRED: "firmware update deferred",
}

#: Firmware Update Protocol Support (/5/0/8) values.
PROTOCOLS = {0: "coap", 1: "coaps", 2: "http", 3: "https", 4: "coap+tcp", 5: "coaps+tcp"}
#: URI scheme -> protocol number (the scheme a Package URI names).
SCHEME_PROTOCOL = {name: number for number, name in PROTOCOLS.items()}

#: Firmware Update Delivery Method (/5/0/9): 0 pull only, 1 push only, 2 both.
PULL_ONLY, PUSH_ONLY, BOTH = 0, 1, 2
DELIVERY_NAMES = {PULL_ONLY: "pull", PUSH_ONLY: "push", BOTH: "both"}


def state_name(state: object) -> str:
    return STATE_NAMES.get(state, f"unknown ({state})") if isinstance(state, int) else "unknown"


def result_text(result: object) -> str:
    """The TS's words for an Update Result code (``unknown (n)`` outside 0-11)."""
    if isinstance(result, int) and result in RESULT_TEXT:
        return RESULT_TEXT[result]
    return f"unknown ({result})"


def supports(delivery: object, method: str) -> bool:
    """Whether a Delivery Method value allows ``method`` ("pull" or "push")."""
    if not isinstance(delivery, int):
        return False
    if method == "pull":
        return delivery in (PULL_ONLY, BOTH)
    if method == "push":
        return delivery in (PUSH_ONLY, BOTH)
    return False


def package_tag(data: bytes) -> str:
    """The first 8 hex digits of the package's SHA-256.

    A simulated module appends ``+`` and this tag to its Firmware Version (/3/0/3) after a
    successful update, so a test (or a user) can tell that exactly these bytes arrived.
    """
    return hashlib.sha256(data).hexdigest()[:8]


def updated_version(old: str, data: bytes) -> str:
    """``old`` without any earlier ``+tag``, then ``+`` and this package's tag."""
    base = old.split("+", 1)[0] if isinstance(old, str) else ""
    return f"{base}+{package_tag(data)}"
