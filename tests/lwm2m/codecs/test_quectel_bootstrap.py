"""Quectel ``bootstrap.ini``: every example of the BG95/BG77/BG600L LwM2M application note.

The note prints its examples in code blocks that a page break sometimes splits; the fixtures
join such blocks as the file would be. Two blocks are damaged in the note (§2.5.1.1's OMA 1.1
example closes the server entry's ``e`` array before its records; §4.1's pre-shared-key
example ends with a stray fragment of records and ``}])``): those are refused with the offset
of the damage, and their evident meaning is checked too.
"""

from __future__ import annotations

import pytest

from tests.lwm2m.codecs.oma_objects import oma_registry
from workbench.lwm2m.codecs.quectel_bootstrap import (
    BootstrapEntry,
    BootstrapFile,
    format_bootstrap_ini,
    parse_bootstrap_ini,
)
from workbench.lwm2m.errors import CodecError
from workbench.lwm2m.model import ObjectRegistry
from workbench.lwm2m.paths import Path
from workbench.lwm2m.values import ObjectLink, Value

P = Path.parse


@pytest.fixture
def registry() -> ObjectRegistry:
    return oma_registry()


# §2.5.1.1, OMA 1.0 servers (two code blocks across a page break, joined).
OMA_10 = """{"bn": "/0/0/",  
 "e": [  
     {"n": "0", "sv": "coaps://10.230.20.192:1111"},  
     {"n": "1", "bv": true},
{"n":"2","v":0},
 {"n":"10","v":100
 }]}
 {"bn":"/0/1",
 "e":[
 {"n":"1","bv":false},
 {"n":"2","v":3},
 {"n":"10","v":102
 }]}
 {"bn":"/1/1",
 "e":[
 {"n":"0","v":102},
 {"n":"1","v":50000},
 {"n":"2","v":1},
 {"n":"3","v":60},
 {"n":"5","v":86400},
 {"n":"6","bv":true},
 {"n":"7","sv":"UQS"
 }]}
 {"bn":"/2/0",
 "e":[
 {"n":"0","v":1},
 {"n":"1","v":2},
 {"n":"2/102","v":15},
 {"n":"3","v":102
 }]}
"""  # noqa: W291 - the note's trailing spaces are part of the vector
OMA_10_ENTRIES: list[tuple[Path, dict[Path, Value]]] = [
    (
        P("/0/0"),
        {
            P("/0/0/0"): "coaps://10.230.20.192:1111",
            P("/0/0/1"): True,
            P("/0/0/2"): 0,
            P("/0/0/10"): 100,
        },
    ),
    (P("/0/1"), {P("/0/1/1"): False, P("/0/1/2"): 3, P("/0/1/10"): 102}),
    (
        P("/1/1"),
        {
            P("/1/1/0"): 102,
            P("/1/1/1"): 50000,
            P("/1/1/2"): 1,
            P("/1/1/3"): 60,
            P("/1/1/5"): 86400,
            P("/1/1/6"): True,
            P("/1/1/7"): "UQS",
        },
    ),
    (P("/2/0"), {P("/2/0/0"): 1, P("/2/0/1"): 2, P("/2/0/2/102"): 15, P("/2/0/3"): 102}),
]

# §2.5.1.1, OMA 1.1 servers, as printed (two blocks joined).
OMA_11_PRINTED = """{"bn":"/0/0",
 "e":[
 {"n":"0","sv":"coap://2002:c023:9c17:c007:5443:ff62:a1f5:2c:5683"},
 {"n":"1","bv":true},
 {"n":"2","v":0},
 {"n":"10","v":100
 }]}
 {"bn":"/0/1",
 "e":[
 {"n":"1","bv":false},
 {"n":"2","v":3},
 {"n":"10","v":102
 }]}
 {"bn":"/1/1",
 "e":[]}
{"n": "0", "v": 102},
{"n": "1", "v": 50000},
{"n": "2", "v": 1},
 {"n": "3", "v": 60},
 {"n": "5", "v": 86400},
 {"n": "6", "bv": true},
 {"n": "7", "sv": "UN"},
 {"n": "10", "ov": "11:65533"},
 {"n": "22", "sv": "U"
}]}
{"bn": "/2/0",
 "e": [
 {"n": "0", "v": 1},
 {"n": "1", "v": 2},
 {"n": "2/102", "v": 15},
 {"n": "3", "v": 102
}]}
"""
OMA_11_MEANT = OMA_11_PRINTED.replace('"e":[]}\n', '"e":[\n')
OMA_11_ENTRIES: list[tuple[Path, dict[Path, Value]]] = [
    (
        P("/0/0"),
        {
            P("/0/0/0"): "coap://2002:c023:9c17:c007:5443:ff62:a1f5:2c:5683",
            P("/0/0/1"): True,
            P("/0/0/2"): 0,
            P("/0/0/10"): 100,
        },
    ),
    (P("/0/1"), {P("/0/1/1"): False, P("/0/1/2"): 3, P("/0/1/10"): 102}),
    (
        P("/1/1"),
        {
            P("/1/1/0"): 102,
            P("/1/1/1"): 50000,
            P("/1/1/2"): 1,
            P("/1/1/3"): 60,
            P("/1/1/5"): 86400,
            P("/1/1/6"): True,
            P("/1/1/7"): "UN",
            P("/1/1/10"): ObjectLink(11, 65533),
            P("/1/1/22"): "U",
        },
    ),
    (P("/2/0"), {P("/2/0/0"): 1, P("/2/0/1"): 2, P("/2/0/2/102"): 15, P("/2/0/3"): 102}),
]

_SERVER_11 = {
    P("/1/1/0"): 102,
    P("/1/1/1"): 50000,
    P("/1/1/2"): 1,
    P("/1/1/3"): 60,
    P("/1/1/5"): 86400,
    P("/1/1/6"): True,
    P("/1/1/7"): "UQS",
}

# §4.1, factory bootstrap in non-secure mode.
LESHAN_NOSEC = """{"bn": "/0/1/",
 "e": [
    {"n": "0", "sv": "coap://leshan.eclipseprojects.io:5683"},
    {"n": "1", "bv": false},
    {"n": "2", "v": 3},
    {"n": "10", "v": 102
  }]
}

{"bn": "/1/1",
 "e": [
    {"n": "0", "v": 102},
    {"n": "1", "v": 50000},
    {"n": "2", "v": 1},
    {"n": "3", "v": 60},
    {"n": "5", "v": 86400},
    {"n": "6", "bv": true},
    {"n": "7", "sv": "UQS"
  }]
}
"""
LESHAN_NOSEC_ENTRIES = [
    (
        P("/0/1"),
        {
            P("/0/1/0"): "coap://leshan.eclipseprojects.io:5683",
            P("/0/1/1"): False,
            P("/0/1/2"): 3,
            P("/0/1/10"): 102,
        },
    ),
    (P("/1/1"), _SERVER_11),
]

# §4.1, factory bootstrap in pre-shared-key mode: the first block, then the stray block.
LESHAN_PSK = LESHAN_NOSEC.replace('"/0/1/"', '"/0/1"').replace(
    "coap://leshan.eclipseprojects.io:5683", "coaps://leshan.eclipseprojects.io:5684"
)
LESHAN_PSK_FRAGMENT = """{"n": "0", "v": 102},
{"n": "1", "v": 50000},
{"n": "2", "v": 1},
 {"n": "3", "v": 60},
 {"n": "5", "v": 86400},
 {"n": "6", "bv": true},
 {"n": "7", "sv": "UQS"
}])
"""
LESHAN_PSK_ENTRIES = [
    (
        P("/0/1"),
        {
            P("/0/1/0"): "coaps://leshan.eclipseprojects.io:5684",
            P("/0/1/1"): False,
            P("/0/1/2"): 3,
            P("/0/1/10"): 102,
        },
    ),
    (P("/1/1"), _SERVER_11),
]

EXAMPLES = [
    ("2.5.1.1 OMA 1.0", OMA_10, OMA_10_ENTRIES),
    ("2.5.1.1 OMA 1.1 (as meant)", OMA_11_MEANT, OMA_11_ENTRIES),
    ("4.1 non-secure", LESHAN_NOSEC, LESHAN_NOSEC_ENTRIES),
    ("4.1 pre-shared key", LESHAN_PSK, LESHAN_PSK_ENTRIES),
]


def _entries(parsed: BootstrapFile) -> list[tuple[Path | None, dict[Path, Value]]]:
    return [(entry.instance, dict(entry.values)) for entry in parsed.entries]


@pytest.mark.parametrize(("name", "text", "expected"), EXAMPLES, ids=[e[0] for e in EXAMPLES])
def test_examples(
    registry: ObjectRegistry,
    name: str,
    text: str,
    expected: list[tuple[Path, dict[Path, Value]]],
) -> None:
    parsed = parse_bootstrap_ini(text, registry)
    assert _entries(parsed) == expected
    # Without definitions the values are kept as written; here that is the same.
    assert _entries(parse_bootstrap_ini(text.encode())) == expected
    # Written back and read again: the same file.
    assert _entries(parse_bootstrap_ini(format_bootstrap_ini(parsed, registry), registry)) == (
        expected
    )
    assert _entries(parse_bootstrap_ini(format_bootstrap_ini(parsed))) == expected


def test_damaged_examples_are_refused_with_an_offset(registry: ObjectRegistry) -> None:
    with pytest.raises(CodecError) as info:
        parse_bootstrap_ini(OMA_11_PRINTED, registry)
    first_orphan = OMA_11_PRINTED.index('{"n": "0", "v": 102}')
    assert info.value.position == OMA_11_PRINTED.index("},", first_orphan) + 1
    with pytest.raises(CodecError) as info:
        parse_bootstrap_ini(LESHAN_PSK + "\n" + LESHAN_PSK_FRAGMENT, registry)
    assert info.value.position is not None and info.value.position >= len(LESHAN_PSK)


def test_format_layout_and_grouping(registry: ObjectRegistry) -> None:
    parsed = parse_bootstrap_ini(OMA_10, registry)
    text = format_bootstrap_ini(parsed, registry)
    assert text.startswith(
        '{"bn":"/0/0/",\n "e":[\n {"n":"0","sv":"coaps://10.230.20.192:1111"},\n'
    )
    assert parsed.instances()[P("/2/0")][P("/2/0/2/102")] == 15
    assert parsed.content()[P("/1/1/7")] == "UQS"
    assert parsed.entries[0].object_id == 0 and parsed.entries[0].instance_id == 0


def test_opaque_keys_are_base64(registry: ObjectRegistry) -> None:
    bootstrap = BootstrapFile([BootstrapEntry(P("/0/3"), {P("/0/3/5"): b"\xab\xcd\xef"})])
    text = format_bootstrap_ini(bootstrap, registry)
    assert '{"n":"5","sv":"q83v"}' in text
    assert parse_bootstrap_ini(text, registry).content() == {P("/0/3/5"): b"\xab\xcd\xef"}
    # Without definitions the key stays the base64 text the file holds.
    assert parse_bootstrap_ini(text).content() == {P("/0/3/5"): "q83v"}


BAD = [
    ('{"bn":"/1/1","e":[{"n":"1","v":1.5}]}', "integral"),
    ('{"bn":"/1/1","e":[{"n":"1","sv":"60"}]}', "expected value field 'v'"),
    ('{"bn":"/1/1","e":[{"n":"1","v":1},{"n":"1","v":2}]}', "twice"),
    ('{"bn":"/1/1","e":[{"n":"1","v":1}]},{"bn":"/1/2","e":[]}', "invalid JSON"),
    ('{"bn":"/1","e":[{"n":"1","v":1}]} [', "invalid JSON"),
    ('{"bn":"/1/1"}', "'e' array"),
    ("", "empty"),
    ("[" * 10_000, "nesting"),
]


@pytest.mark.parametrize(("text", "reason"), BAD)
def test_bad_files(registry: ObjectRegistry, text: str, reason: str) -> None:
    with pytest.raises(CodecError, match=reason):
        parse_bootstrap_ini(text, registry)


def test_invalid_utf8_offset() -> None:
    data = b'{"bn":"/1/1","e":[{"n":"7","sv":"U\xff"}]}'
    with pytest.raises(CodecError, match="UTF-8") as info:
        parse_bootstrap_ini(data)
    assert info.value.position == data.index(b"\xff")
