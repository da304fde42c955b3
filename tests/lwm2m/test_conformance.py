"""The strict checker: known-good and known-bad messages per LwM2M version, each cited."""

from __future__ import annotations

import json

import pytest

from workbench.lwm2m.conformance import REJECT, WARN, ClientMessage, check, operation_of
from workbench.lwm2m.versionrules import TABLE, root_ct

OBJECTS = b"</1/0>,</3/0>"


def register(query: str, payload: bytes, cf: int | None = 40) -> ClientMessage:
    return ClientMessage("POST", ("rd",), tuple(query.split("&")), cf, payload)


def update(query: str = "", payload: bytes = b"", cf: int | None = None) -> ClientMessage:
    items = tuple(query.split("&")) if query else ()
    return ClientMessage("POST", ("rd", "abc"), items, cf, payload)


def rules_of(message: ClientMessage, version: str | None = None) -> list[str]:
    return [f.rule for f in check(message, version)]


# Known-good messages: (version, message, citation)
GOOD = [
    # 1.0 §5.3.1: ep mandatory, lwm2m/lt/b/sms optional; b from §5.3.1.1; ct=11543 on </>.
    ("1.0", register("ep=a&lt=60&lwm2m=1.0&b=UQ", b'</>;rt="oma.lwm2m";ct=11543,' + OBJECTS)),
    ("1.0", register("ep=a&lwm2m=1.0&b=UQS&sms=123", OBJECTS)),
    ("1.0", register("ep=a&lwm2m=1.0", b"</1/0>,</3/0>,</5>")),
    # 1.0 §5.3.2 Update without anything, with lt only; §5.3.3 De-register.
    ("1.0", update()),
    ("1.0", update("lt=30&b=U")),
    ("1.0", ClientMessage("DELETE", ("rd", "abc"))),
    # 1.0 §5.2.7.1 Bootstrap-Request: ep only.
    ("1.0", ClientMessage("POST", ("bs",), ("ep=a",))),
    # 1.1 Core §6.2.1: lwm2m mandatory, Q separate, ct a single value, ver on objects.
    (
        "1.1",
        register(
            "ep=a&lt=60&lwm2m=1.1&b=U&Q", b'</>;rt="oma.lwm2m";ct=110,</1/0>,</3>;ver=1.1,</3/0>'
        ),
    ),
    ("1.1", register("ep=a&lwm2m=1.1&b=UT", b'</>;rt="oma.lwm2m";ct=112,' + OBJECTS)),
    ("1.1", register("ep=a&lwm2m=1.1", OBJECTS)),
    # Alternate root (1.1 Core §6.2.1): objects below /lwm2m.
    ("1.1", register("ep=a&lwm2m=1.1", b'</lwm2m>;rt="oma.lwm2m",</lwm2m/1/0>,</lwm2m/3/0>')),
    # 1.1 Core §6.1 Bootstrap-Request with pct, §6.4.3 Send in SenML CBOR.
    ("1.1", ClientMessage("POST", ("bs",), ("ep=a", "pct=112"))),
    ("1.1", ClientMessage("POST", ("dp",), (), 112, b"\x81\xa2\x00a1\x02\x01")),
    # 1.2 Core §6.2.1: ct list, b letters incl. M and H.
    (
        "1.2",
        register("ep=a&lwm2m=1.2&b=UM&Q", b'</>;rt="oma.lwm2m";ct="60 110 112 11544",' + OBJECTS),
    ),
    ("1.2", ClientMessage("POST", ("dp",), (), 11544, b"\xa0")),
]


@pytest.mark.parametrize(("version", "message"), GOOD)
def test_known_good_messages_pass(version: str, message: ClientMessage) -> None:
    assert check(message, version) == []


# Known-bad messages: (version given, message, rule, severity, citation in the table)
BAD = [
    # The case: a 1.1 Register with the ct list (1.1 Core §6.2.1: one value).
    (
        None,
        register("ep=a&lwm2m=1.1&b=U", b'</>;rt="oma.lwm2m";ct="60 110 112 11542 11543",</1/0>'),
        "ct-single",
        REJECT,
    ),
    # And the simulated BG95's: 1.0 with a list (1.0 §5.3.1).
    (
        None,
        register("ep=a&lwm2m=1.0&b=U", b'</>;rt="oma.lwm2m";ct="11542 11543",</1/0>'),
        "ct-single",
        REJECT,
    ),
    # A quoted single value is still not the token 1.1 expects (Wakaama compares text).
    (None, register("ep=a&lwm2m=1.1", b'</>;ct="110",</1/0>'), "ct-single", REJECT),
    # 1.1 ct value set (inferred from Wakaama: 110, 112, 11543 only).
    (None, register("ep=a&lwm2m=1.1", b"</>;ct=11542,</1/0>"), "ct-value", REJECT),
    # 1.0 §5.3.1.1: T and N are not 1.0 bindings.
    (None, register("ep=a&lwm2m=1.0&b=T", OBJECTS), "binding-value", REJECT),
    # 1.1 Core §6.2.1: Q is its own parameter; UQ still parses at lenient servers.
    (None, register("ep=a&lwm2m=1.1&b=UQ", OBJECTS), "binding-queue-letter", WARN),
    # 1.1 letters are U, T, S, N (M is 1.2).
    (None, register("ep=a&lwm2m=1.1&b=M", OBJECTS), "binding-letter", REJECT),
    # 1.0: the Q parameter does not exist (queue mode would be lost).
    (None, register("ep=a&lwm2m=1.0&Q", OBJECTS), "queue-parameter-1.0", WARN),
    # ver must look like a version (1.1 Core §6.2.2).
    (None, register("ep=a&lwm2m=1.1", b"</3>;ver=one,</3/0>"), "ver-value", REJECT),
    # §5.3.1 / §6.2.1: ep is mandatory, the object list is mandatory, link-format.
    (None, register("lwm2m=1.1", OBJECTS), "ep-missing", REJECT),
    (None, register("ep=a&lwm2m=1.1", b""), "payload-missing", REJECT),
    (None, register("ep=a&lwm2m=1.1", OBJECTS, cf=0), "content-format", REJECT),
    (None, register("ep=a&lwm2m=1.1", b"</1/0,</3/0>"), "link-syntax", REJECT),
    (None, register("ep=a&lwm2m=1.1", b"</1/0>,</x/y>"), "link-target", REJECT),
    # 1.1 Core §6.2.1: lwm2m= missing means 1.0; Wakaama refuses it.
    (None, register("ep=a", OBJECTS), "lwm2m-missing", WARN),
    (None, register("ep=a&lwm2m=1.3", OBJECTS), "version-unknown", REJECT),
    # 1.1 Core §6.2.2: ep is Register-only.
    ("1.1", update("ep=a"), "update-parameter", REJECT),
    # 1.0 has no Send (1.1 Core §6.4.3 is new).
    ("1.0", ClientMessage("POST", ("dp",), (), 112, b"\xa0"), "operation-not-in-version", REJECT),
    # 1.1 Core §6.4.3: Send is SenML; LwM2M CBOR arrives in 1.2.
    ("1.1", ClientMessage("POST", ("dp",), (), 11544, b"\xa0"), "content-format", REJECT),
    # 1.0 §5.2.7.1: pct is a 1.1 parameter.
    (
        "1.0",
        ClientMessage("POST", ("bs",), ("ep=a", "pct=112")),
        "parameter-from-other-version",
        WARN,
    ),
    # 1.0 §6.4: SenML is not a 1.0 format; RFC 7252 §5.10.4: the notification matches Accept.
    ("1.0", ClientMessage("2.05", (), (), 110, b"[]", observe=3), "content-format", REJECT),
    (
        "1.1",
        ClientMessage("2.05", (), (), 11542, b"\xc1\x00\x01", observe=3, accept=110),
        "notify-accept",
        REJECT,
    ),
]


@pytest.mark.parametrize(("version", "message", "rule", "severity"), BAD)
def test_known_bad_messages_are_found(
    version: str | None, message: ClientMessage, rule: str, severity: str
) -> None:
    findings = check(message, version)
    assert rule in [f.rule for f in findings]
    finding = next(f for f in findings if f.rule == rule)
    assert finding.severity == severity
    assert finding.section, "every finding cites the specification"


def test_plain_words_line_for_the_ct_list() -> None:
    (finding,) = check(
        register("ep=a&lwm2m=1.1&b=U", b'</>;rt="oma.lwm2m";ct="60 110 112 11542 11543",</1/0>')
    )
    assert finding.fragment == 'ct="60 110 112 11542 11543"'
    assert finding.plain == (
        "a strict 1.1 server answers 4.00 to this: ct must be a single content format in LwM2M 1.1"
    )
    assert finding.to_dict()["plain"] == finding.plain


def test_operations_are_told_apart() -> None:
    assert operation_of(register("ep=a", b"")) == "register"
    assert operation_of(update()) == "update"
    assert operation_of(ClientMessage("DELETE", ("rd", "x"))) == "deregister"
    assert operation_of(ClientMessage("POST", ("bs",))) == "bootstrap_request"
    assert operation_of(ClientMessage("POST", ("dp",))) == "send"
    assert operation_of(ClientMessage("2.05", observe=1)) == "notify"
    assert operation_of(ClientMessage("2.05")) is None  # a plain read answer
    assert operation_of(ClientMessage("GET", ("3", "0"))) is None


def test_table_is_plain_data_with_a_section_per_rule() -> None:
    assert json.loads(json.dumps(TABLE)) == TABLE
    for version, entry in TABLE.items():
        for operation in ("register", "update", "deregister", "bootstrap_request", "notify"):
            assert entry[operation]["section"].startswith(version)
        for param in entry["register"]["query"].values():
            assert param["section"]


def test_root_ct_follows_the_table() -> None:
    assert root_ct("1.0", [60, 110, 11542, 11543]) == "11543"
    assert root_ct("1.0", [11542]) is None
    assert root_ct("1.1", [112, 11543]) == "112"
    assert root_ct("1.2", [60, 110]) == '"60 110"'
    assert root_ct("1.2", [110]) == "110"


def test_object_version_newer_than_the_declared_lwm2m_version() -> None:
    """OMA's registry: Server object 1.2 has LWM2MVersion 1.2, so a 1.1 client cannot have it;
    Object 15 v2.0 has LWM2MVersion 1.0, so even a 1.0 client may announce it."""
    from workbench.lwm2m.definitions import builtin_registry

    registry = builtin_registry()
    too_new = register("ep=a&lwm2m=1.1", b"</1>;ver=1.2,</1/0>,</3/0>")
    (finding,) = check(too_new, None, registry)
    assert (finding.rule, finding.severity) == ("object-version-newer", WARN)
    assert finding.reason == "object 1 version 1.2 belongs to LwM2M 1.2, not 1.1"
    assert check(too_new) == []  # without the registry the checker cannot know
    fine = register("ep=a&lwm2m=1.0", b"</15>;ver=2.0,</3/0>")
    assert check(fine, None, registry) == []
