"""What each LwM2M version allows a client message to carry, as one table of plain data.

The table is the single source for the client engine (what it emits), the strict checker
(:mod:`workbench.lwm2m.conformance`) and the tests. It is a literal of dicts, lists, strings
and numbers only (``json.dumps(TABLE)`` works), so it reads like the specification tables it
comes from and can be exported for review.

Sources, cited per entry as ``section`` strings:

* ``1.0``: OMA-TS-LightweightM2M-V1_0 (2017-02-08, and the 1.0.2 bug-fix release): §5.2.7.1
  Bootstrap-Request, §5.3.1 Register (its parameter table and §5.3.1.1 binding modes), §5.3.2
  Update, §5.3.3 De-register, §5.5.2 Notify, §6.4 data formats.
* ``1.1``: OMA-TS-LightweightM2M_Core-V1_1 (2018-07-10) §6.1 Bootstrap-Request (``pct`` is
  new), §6.2.1 Register (``lwm2m`` mandatory, ``Q`` as its own parameter,
  binding letters U/T/S/N), §6.2.2 Update, §6.2.3 De-register, §6.4.2 Notify, §6.4.3 Send,
  §7.4 data formats; OMA-TS-LightweightM2M_Transport-V1_1 §5-§7 for the binding letters.
* ``1.2``: OMA-TS-LightweightM2M_Core-V1_2 (2020-11-10), same sections, plus ``ct`` as a
  list of formats on the root link, LwM2M CBOR (11544), and the M and H binding letters.

Where the specification text leaves room, the stricter reading is taken and the entry says
``inferred`` with the reason, usually what Eclipse Wakaama's server (``core/registration.c``:
``prv_getParameters``, ``prv_parseLinkAttributes``) refuses, since it is the strict C
implementation many module vendors build on. ``severity`` is ``reject`` when a strict server
answers 4.00 (or 4.12) to the message, ``warn`` when the construct is outside the version
but strict servers are known to ignore it.
"""

from __future__ import annotations

from typing import Any, Final

#: Content-Format numbers (IANA CoAP registry) with the names the plain-words lines use.
FORMAT_NAMES: Final[dict[str, str]] = {
    "0": "text/plain",
    "40": "application/link-format",
    "42": "application/octet-stream",
    "60": "application/cbor",
    "110": "application/senml+json",
    "112": "application/senml+cbor",
    "11542": "application/vnd.oma.lwm2m+tlv",
    "11543": "application/vnd.oma.lwm2m+json",
    "11544": "application/vnd.oma.lwm2m+cbor",
}

_TLV_JSON: Final = [0, 42, 11542, 11543]
_V11_VALUES: Final = [0, 42, 60, 110, 112, 11542, 11543]
_V12_VALUES: Final = [0, 42, 60, 110, 112, 11542, 11543, 11544]

#: The table: version → operation → what it may carry.
TABLE: Final[dict[str, dict[str, Any]]] = {
    "1.0": {
        "specification": "OMA-TS-LightweightM2M-V1_0",
        "value_formats": {"formats": _TLV_JSON, "section": "1.0 §6.4 (Table: data formats)"},
        "register": {
            "method": "POST",
            "path": ["rd"],
            "section": "1.0 §5.3.1",
            "query": {
                "ep": {"required": True, "section": "1.0 §5.3.1"},
                "lt": {"required": False, "section": "1.0 §5.3.1 (default 86400)"},
                "lwm2m": {
                    "required": False,
                    "values": ["1.0"],
                    "section": "1.0 §5.3.1 (optional, default 1.0)",
                },
                "b": {
                    "required": False,
                    "values": ["U", "UQ", "S", "SQ", "US", "UQS"],
                    "section": "1.0 §5.3.1.1 (binding modes)",
                },
                "sms": {"required": False, "section": "1.0 §5.3.1"},
            },
            "content_format": [40],
            "payload": "links",
            "root_link": {
                "rt": "oma.lwm2m",
                "ct": "single",
                "ct_values": [11543],
                "section": "1.0 §5.3.1: ct on the root link says the client speaks JSON; "
                "TLV is mandatory and needs no announcement",
            },
            "object_link_attributes": {
                "allowed": ["ver"],
                "section": "1.0 §5.3.1 lists objects and instances; the 1.0 text has no "
                "object-version attribute, but OMA's registry publishes 1.0 objects with "
                "versions above 1.0 (Object 15 v2.0, Object 2 v1.1, LWM2MVersion 1.0) and "
                "Wakaama reads ver in its 1.0 build (inferred: ver allowed, as 1.1 §6.2.2 "
                "spells it)",
                "severity": "warn",
            },
        },
        "update": {
            "method": "POST",
            "path": ["rd", "{location}"],
            "section": "1.0 §5.3.2",
            "query": {
                "lt": {"required": False, "section": "1.0 §5.3.2"},
                "b": {
                    "required": False,
                    "values": ["U", "UQ", "S", "SQ", "US", "UQS"],
                    "section": "1.0 §5.3.2",
                },
                "sms": {"required": False, "section": "1.0 §5.3.2"},
            },
            "content_format": [40],
            "payload": "optional-links",
        },
        "deregister": {
            "method": "DELETE",
            "path": ["rd", "{location}"],
            "section": "1.0 §5.3.3",
            "query": {},
            "content_format": [],
            "payload": "none",
        },
        "bootstrap_request": {
            "method": "POST",
            "path": ["bs"],
            "section": "1.0 §5.2.7.1",
            "query": {"ep": {"required": True, "section": "1.0 §5.2.7.1"}},
            "content_format": [],
            "payload": "none",
        },
        "send": None,
        "notify": {
            "code": "2.05",
            "section": "1.0 §5.5.2; RFC 7641 §4.2",
            "content_format": _TLV_JSON,
            "accept": "must-match",
        },
    },
    "1.1": {
        "specification": "OMA-TS-LightweightM2M_Core-V1_1",
        "value_formats": {"formats": _V11_VALUES, "section": "1.1 Core §7.4"},
        "register": {
            "method": "POST",
            "path": ["rd"],
            "section": "1.1 Core §6.2.1",
            "query": {
                "ep": {"required": True, "section": "1.1 Core §6.2.1"},
                "lt": {"required": False, "section": "1.1 Core §6.2.1 (default 86400)"},
                "lwm2m": {
                    "required": True,
                    "values": ["1.1"],
                    "section": "1.1 Core §6.2.1 (mandatory from 1.1)",
                },
                "b": {
                    "required": False,
                    "letters": "UTSN",
                    "section": "1.1 Core §6.2.1; Transport §5-§7 (U, T, S, N; Q left the "
                    "binding and became its own parameter)",
                },
                "Q": {"required": False, "flag": True, "section": "1.1 Core §6.2.1"},
                "sms": {"required": False, "section": "1.1 Core §6.2.1"},
            },
            "content_format": [40],
            "payload": "links",
            "root_link": {
                "rt": "oma.lwm2m",
                "ct": "single",
                "ct_values": [110, 112, 11543],
                "section": "1.1 Core §6.2.1: one Content-Format on the root link (inferred "
                "value set: the multi-value formats a 1.1 server may be told to prefer; "
                "Wakaama's prv_parseLinkAttributes accepts exactly 11543, 110 and 112)",
            },
            "object_link_attributes": {
                "allowed": ["ver"],
                "section": "1.1 Core §6.2.2 (object versioning)",
                "severity": "warn",
            },
        },
        "update": {
            "method": "POST",
            "path": ["rd", "{location}"],
            "section": "1.1 Core §6.2.2",
            "query": {
                "lt": {"required": False, "section": "1.1 Core §6.2.2"},
                "b": {"required": False, "letters": "UTSN", "section": "1.1 Core §6.2.2"},
                "sms": {"required": False, "section": "1.1 Core §6.2.2"},
            },
            "content_format": [40],
            "payload": "optional-links",
        },
        "deregister": {
            "method": "DELETE",
            "path": ["rd", "{location}"],
            "section": "1.1 Core §6.2.3",
            "query": {},
            "content_format": [],
            "payload": "none",
        },
        "bootstrap_request": {
            "method": "POST",
            "path": ["bs"],
            "section": "1.1 Core §6.1 Bootstrap-Request",
            "query": {
                "ep": {"required": True, "section": "1.1 Core §6.1 Bootstrap-Request"},
                "pct": {
                    "required": False,
                    "values": ["60", "110", "112", "11542", "11543"],
                    "section": "1.1 Core §6.1 Bootstrap-Request (pct is new in 1.1)",
                },
            },
            "content_format": [],
            "payload": "none",
        },
        "send": {
            "method": "POST",
            "path": ["dp"],
            "section": "1.1 Core §6.4.3",
            "query": {},
            "content_format": [110, 112],
            "payload": "required",
        },
        "notify": {
            "code": "2.05",
            "section": "1.1 Core §6.4.2; RFC 7641 §4.2",
            "content_format": _V11_VALUES,
            "accept": "must-match",
        },
    },
    "1.2": {
        "specification": "OMA-TS-LightweightM2M_Core-V1_2",
        "value_formats": {"formats": _V12_VALUES, "section": "1.2 Core §7.4"},
        "register": {
            "method": "POST",
            "path": ["rd"],
            "section": "1.2 Core §6.2.1",
            "query": {
                "ep": {"required": True, "section": "1.2 Core §6.2.1"},
                "lt": {"required": False, "section": "1.2 Core §6.2.1 (default 86400)"},
                "lwm2m": {
                    "required": True,
                    "values": ["1.2"],
                    "section": "1.2 Core §6.2.1",
                },
                "b": {
                    "required": False,
                    "letters": "UMHTSN",
                    "section": "1.2 Core §6.2.1; Transport 1.2 (M: MQTT, H: HTTP added)",
                },
                "Q": {"required": False, "flag": True, "section": "1.2 Core §6.2.1"},
                "sms": {"required": False, "section": "1.2 Core §6.2.1"},
            },
            "content_format": [40],
            "payload": "links",
            "root_link": {
                "rt": "oma.lwm2m",
                "ct": "list",
                "ct_values": _V12_VALUES,
                "section": "1.2 Core §6.2.1: the root link may list every supported "
                'Content-Format, quoted and space separated (ct="60 110 112")',
            },
            "object_link_attributes": {
                "allowed": ["ver"],
                "section": "1.2 Core §6.2.2",
                "severity": "warn",
            },
        },
        "update": {
            "method": "POST",
            "path": ["rd", "{location}"],
            "section": "1.2 Core §6.2.2",
            "query": {
                "lt": {"required": False, "section": "1.2 Core §6.2.2"},
                "b": {"required": False, "letters": "UMHTSN", "section": "1.2 Core §6.2.2"},
                "sms": {"required": False, "section": "1.2 Core §6.2.2"},
            },
            "content_format": [40],
            "payload": "optional-links",
        },
        "deregister": {
            "method": "DELETE",
            "path": ["rd", "{location}"],
            "section": "1.2 Core §6.2.3",
            "query": {},
            "content_format": [],
            "payload": "none",
        },
        "bootstrap_request": {
            "method": "POST",
            "path": ["bs"],
            "section": "1.2 Core §6.1 Bootstrap-Request",
            "query": {
                "ep": {"required": True, "section": "1.2 Core §6.1 Bootstrap-Request"},
                "pct": {
                    "required": False,
                    "values": ["60", "110", "112", "11542", "11543", "11544"],
                    "section": "1.2 Core §6.1 Bootstrap-Request",
                },
            },
            "content_format": [],
            "payload": "none",
        },
        "send": {
            "method": "POST",
            "path": ["dp"],
            "section": "1.2 Core §6.4.3",
            "query": {},
            "content_format": [110, 112, 11544],
            "payload": "required",
        },
        "notify": {
            "code": "2.05",
            "section": "1.2 Core §6.4.2; RFC 7641 §4.2",
            "content_format": _V12_VALUES,
            "accept": "must-match",
        },
    },
}

VERSIONS: Final = tuple(TABLE)


def rules(version: str, operation: str) -> dict[str, Any] | None:
    """The table entry for ``operation`` in ``version`` (``None``: not in that version)."""
    entry = TABLE[version][operation]
    return entry if isinstance(entry, dict) else None


def root_ct(version: str, supported: list[int] | tuple[int, ...]) -> str | None:
    """The ``ct`` value a client of ``version`` announces on ``</>``, from what it supports.

    1.0 and 1.1 allow one value: the first of the version's allowed values the client
    speaks, in table order (so 1.0 announces JSON, 1.1 SenML JSON). 1.2 lists them all.
    ``None`` when the client supports none of them (then no ``ct`` is sent).
    """
    root = TABLE[version]["register"]["root_link"]
    allowed = [fmt for fmt in root["ct_values"] if fmt in supported]
    if not allowed:
        return None
    if root["ct"] == "single":
        return str(allowed[0])
    return str(allowed[0]) if len(allowed) == 1 else '"' + " ".join(map(str, allowed)) + '"'


def version_newer(a: str, b: str) -> bool:
    """``a`` is a later version than ``b`` (``"1.2"`` > ``"1.1"``; unparsable: not newer)."""
    try:
        return tuple(map(int, a.split("."))) > tuple(map(int, b.split(".")))
    except ValueError:
        return False
