r"""Every JSON example of the u-blox LwM2M documents, as printed, with the content it means.

Source: the SARA-R4/R5/LEXI-R4 LwM2M application note (``ublox-sara-r4-r5-lexi-r4-lwm2m-appnote``;
sections named per fixture). The LEXI-R10 AT commands manual has no JSON example: its LwM2M
commands (+ULWM2M, +ULWM2MSTAT, +ULWM2MREG, +ULWM2MCONFIG) carry no objects.

Read responses are typed in after ``+ULWM2MREAD: `` and commands after ``=``, exactly as the
note prints them (including the ``OK`` its tables put on the same row). Placeholders the note
uses in §4.4 (``<uri>``, ``<lifetime value>``) are filled with the values its description
suggests (``/1/10``, and 86400 for the lifetime).
"""

from __future__ import annotations

import pytest

from tests.lwm2m.codecs.oma_objects import oma_registry
from workbench.lwm2m.codecs.ublox_json import (
    decode_ublox_json,
    encode_ublox_json,
    quote_at_json,
    split_at_json_argument,
)
from workbench.lwm2m.errors import CodecError
from workbench.lwm2m.model import ObjectRegistry
from workbench.lwm2m.paths import Path
from workbench.lwm2m.values import Value

P = Path.parse


@pytest.fixture
def registry() -> ObjectRegistry:
    return oma_registry()


# -- +ULWM2MREAD responses (the text after "+ULWM2MREAD: ") -----------------------------------

READS: list[tuple[str, str, dict[Path, Value]]] = [
    (
        "4.4 lifetime read (placeholders filled; the closing brace is missing in the note)",
        '{"bn": "/1/10", "e": [{"n": "0", "v": 721}, {"n": "1", "v": 86400}]',
        {P("/1/10/0"): 721, P("/1/10/1"): 86400},
    ),
    (
        "4.4 lifetime read after the write",
        '{"bn": "/1/10", "e": [{"n": "0", "v": 721}, {"n": "1", "v": 2592000}]}',
        {P("/1/10/0"): 721, P("/1/10/1"): 2592000},
    ),
    (
        "4.5 reading an instance (Float values printed as strings)",
        '{"bn": "/3300/0", "e": [{"n": "5700", "sv": "25"}, {"n": "5701", "sv": "Celsius"}, '
        '{"n": "5601", "sv": "25"}, {"n": "5602", "sv": "25"}, '
        '{"n": "5750", "sv": "Temperature"}]}',
        {
            P("/3300/0/5700"): 25.0,
            P("/3300/0/5701"): "Celsius",
            P("/3300/0/5601"): 25.0,
            P("/3300/0/5602"): 25.0,
            P("/3300/0/5750"): "Temperature",
        },
    ),
    (
        "4.5 reading a resource (bn names the resource, n repeats its id)",
        '{"bn": "/3300/0/5601/", "e": [{"n": "5601", "v": 0}]}',
        {P("/3300/0/5601"): 0.0},
    ),
    (
        "4.5 example 1: portfolio instance (object 16 unknown: untyped)",
        '{"bn":"/16/0/", "e":[{"n":"0/1", "sv":"test2"}, {"n":"0/0", "sv":"test"}, '
        '{"n":"3", "v":0}]} OK',
        {P("/16/0/0/1"): "test2", P("/16/0/0/0"): "test", P("/16/0/3"): 0},
    ),
    (
        "4.5 example 2: portfolio resource",
        '{"bn":"/16/0/0/", "e":[{"n":"1", "sv":"test2"}, {"n":"0", "sv":"test"}]} OK',
        {P("/16/0/0/1"): "test2", P("/16/0/0/0"): "test"},
    ),
    (
        "4.5 example 3: custom object, multi-instance resource",
        '{"bn":"/33056/0/1/", "e":[{"n":"1", "v":0}]} OK',
        {P("/33056/0/1/1"): 0},
    ),
    (
        "5.3.4 read all resources of the instance",
        '{"bn": "/3300/0", "e": [{"n": "5601", "v": 100.5}, {"n": "5602", "v": 100.5}, '
        '{"n": "5603", "v": 0}, {"n": "5700", "v": 100.5}, {"n": "5701", "sv": ""}, '
        '{"n": "5750", "sv": "Temperature"}, {"n": "5751", "sv": ""}, {"n": "5604", "v": 0}]}',
        {
            P("/3300/0/5601"): 100.5,
            P("/3300/0/5602"): 100.5,
            P("/3300/0/5603"): 0.0,
            P("/3300/0/5700"): 100.5,
            P("/3300/0/5701"): "",
            P("/3300/0/5750"): "Temperature",
            P("/3300/0/5751"): "",
            P("/3300/0/5604"): 0.0,
        },
    ),
    (
        "5.6 ACL read",
        '{"bn":"/2/1/", "e": [{"n": "0", "v": 3}, {"n": "1", "v": 0}, {"n": "2/721", "v": 15}, '
        '{"n": "3", "v": 721}]} OK',
        {P("/2/1/0"): 3, P("/2/1/1"): 0, P("/2/1/2/721"): 15, P("/2/1/3"): 721},
    ),
    (
        "5.6 ACL read after the write",
        '{"bn":"/2/1/", "e": [{"n": "0", "v": 3}, {"n": "1", "v": 0}, {"n": "2/123", "v": 15}, '
        '{"n": "2/721", "v": 15}, {"n": "3", "v": 721}]} OK',
        {
            P("/2/1/0"): 3,
            P("/2/1/1"): 0,
            P("/2/1/2/123"): 15,
            P("/2/1/2/721"): 15,
            P("/2/1/3"): 721,
        },
    ),
]


@pytest.mark.parametrize(("section", "text", "expected"), READS, ids=[r[0] for r in READS])
def test_read_responses(
    registry: ObjectRegistry, section: str, text: str, expected: dict[Path, Value]
) -> None:
    decoded = decode_ublox_json(text, registry)
    assert decoded == expected
    assert [type(v) for v in decoded.values()] == [type(expected[p]) for p in decoded]


# -- +ULWM2MWRITE / +ULWM2MCREATE arguments (the text after "=") ------------------------------

COMMANDS: list[tuple[str, str, dict[Path, Value], str]] = [
    (
        "4.4 lifetime write (placeholder filled; a space inside bn)",
        r'"{\"bn\": \"/1/10 \", \"e\": [{\"n\": \"1\", \"v\": 2592000}]}"',
        {P("/1/10/1"): 2592000},
        "",
    ),
    (
        "4.5 write a sensor value (bn without trailing slash)",
        r'"{\"bn\":\"/3300/0\", \"e\": [{\"n\": \"5700\", \"v\": 100.5}]}"',
        {P("/3300/0/5700"): 100.5},
        "",
    ),
    (
        "5.1.1 security instance for CoAP (bn without leading slash, no closing quote)",
        r'"{\"bn\": \"0/2/\", \"e\": [{\"n\": \"0\", \"sv\": \"coap://54.193.4.219:5683\"}, '
        r"{\"n\": \"1\", \"bv\": false}, {\"n\": \"2\", \"v\": 3}, {\"n\": \"10\", \"v\": 123}]}, "
        "123",
        {
            P("/0/2/0"): "coap://54.193.4.219:5683",
            P("/0/2/1"): False,
            P("/0/2/2"): 3,
            P("/0/2/10"): 123,
        },
        "123",
    ),
    (
        "5.1.1 security instance for CoAPS (Opaque keys in base64)",
        r'"{\"bn\": \"0/2/\", \"e\": [{\"n\": \"0\", \"sv\": \"coaps://54.193.4.219:5684\"}, '
        r"{\"n\": \"1\", \"bv\": false}, {\"n\": \"2\", \"v\": 0}, "
        r"{\"n\": \"3\", \"sv\": \"MzUyNzUzMDk1Nzg3NjE4\"}, {\"n\": \"10\", \"v\": 123}, "
        r"{\"n\": \"5\", \"sv\": \"q83v\"}]}, 123",
        {
            P("/0/2/0"): "coaps://54.193.4.219:5684",
            P("/0/2/1"): False,
            P("/0/2/2"): 0,
            P("/0/2/3"): b"352753095787618",
            P("/0/2/10"): 123,
            P("/0/2/5"): b"\xab\xcd\xef",
        },
        "123",
    ),
    (
        "5.1.2 server instance (the closing brace is missing)",
        r'"{\"bn\": \"1/2/\", \"e\": [{\"n\": \"0\", \"v\": 123}, {\"n\": \"1\", \"v\": 300}, '
        r"{\"n\": \"2\", \"v\": 10}, {\"n\": \"3\", \"v\": 60}, {\"n\": \"5\", \"v\": 86400}, "
        r'{\"n\": \"6\", \"bv\": false}, {\"n\": \"7\", \"sv\": \"UQ\"}]", 123',
        {
            P("/1/2/0"): 123,
            P("/1/2/1"): 300,
            P("/1/2/2"): 10,
            P("/1/2/3"): 60,
            P("/1/2/5"): 86400,
            P("/1/2/6"): False,
            P("/1/2/7"): "UQ",
        },
        "123",
    ),
    (
        "5.3.3 create a generic sensor instance",
        r'"{\"bn\": \"/3300/0\", \"e\": [{\"n\": \"5750\", \"sv\": \"Temperature\"}]}", 123',
        {P("/3300/0/5750"): "Temperature"},
        "123",
    ),
    (
        "5.3.4 write a value to one of the resources",
        r'"{\"bn\":\"/3300/0\", \"e\": [{\"n\": \"5700\", \"v\": 100.5}]}"',
        {P("/3300/0/5700"): 100.5},
        "",
    ),
    (
        "5.6 give server 123 permissions (ACL resource instance)",
        r'"{\"bn\": \"2/1/\", \"e\": [{\"n\": \"2/123\", \"v\": 15}]}"',
        {P("/2/1/2/123"): 15},
        "",
    ),
    (
        'Appendix C: Motive bootstrap URL (closing quote escaped as \\")',
        r'"{\"bn\":\"/0/0/\" ,\"e\": [{\"n\": \"0\", '
        r"\"sv\": \"coaps://ddocdpboot.do.motive.com:5684\"}]}\"",
        {P("/0/0/0"): "coaps://ddocdpboot.do.motive.com:5684"},
        "",
    ),
]


@pytest.mark.parametrize(
    ("section", "argument", "expected", "rest"), COMMANDS, ids=[c[0] for c in COMMANDS]
)
def test_command_arguments(
    registry: ObjectRegistry,
    section: str,
    argument: str,
    expected: dict[Path, Value],
    rest: str,
) -> None:
    text, remaining = split_at_json_argument(argument)
    assert remaining == rest
    assert decode_ublox_json(text, registry) == expected


#: Rows where the note's table layout garbled the command (an "OK" response cell merged into
#: it, quotes lost). The note's description says what was meant; the text itself is refused.
GARBLED: list[tuple[str, str, str, dict[Path, Value]]] = [
    (
        "5.2 registration timer 180 s",
        r'"{\"bn\":\"/1/2/\" OK ,\"e\":[{\n\": \"1\", \"v\":180}]}',
        '{"bn":"/1/2/","e":[{"n": "1", "v":180}]}',
        {P("/1/2/1"): 180},
    ),
    (
        "5.4 application type (quotes lost)",
        r'"{\"bn\":\"/3300/0\", \"e\":[{\n\":\5750\", \"sv\":\Temperature\}]}",123',
        '{"bn":"/3300/0", "e":[{"n":"5750", "sv":"Temperature"}]}',
        {P("/3300/0/5750"): "Temperature"},
    ),
    (
        "5.5 GPIO trigger (OK inside bn, number split)",
        r'"{\"bn\":\"/3300/0 OK \", \"e\": [{\"n\": \"5700\", \"v\": 1 00.5}]]\"',
        '{"bn":"/3300/0", "e": [{"n": "5700", "v": 100.5}]}',
        {P("/3300/0/5700"): 100.5},
    ),
]


@pytest.mark.parametrize(
    ("section", "argument", "meant", "expected"), GARBLED, ids=[g[0] for g in GARBLED]
)
def test_garbled_rows_are_refused_and_their_meaning_decodes(
    registry: ObjectRegistry,
    section: str,
    argument: str,
    meant: str,
    expected: dict[Path, Value],
) -> None:
    text, _ = split_at_json_argument(argument)
    with pytest.raises(CodecError) as info:
        decode_ublox_json(text, registry)
    assert info.value.position is not None
    assert decode_ublox_json(meant, registry) == expected


# -- leniency, strictness and the encoder ---------------------------------------------------


def test_known_portfolio_object_types_the_same_values(registry: ObjectRegistry) -> None:
    from workbench.lwm2m.model import (
        ObjectDefinition,
        Operations,
        ResourceDefinition,
        ResourceType,
    )

    rw = Operations.READ | Operations.WRITE
    registry.add(
        ObjectDefinition(
            16,
            "Portfolio",
            multiple=True,
            resources={
                0: ResourceDefinition(0, "Identity", ResourceType.STRING, rw, multiple=True),
                3: ResourceDefinition(3, "AuthStatus", ResourceType.INTEGER, rw),
            },
        )
    )
    text = READS[4][1]
    assert decode_ublox_json(text, registry) == READS[4][2]


def test_strict_mode_refuses_the_quirks(registry: ObjectRegistry) -> None:
    with pytest.raises(CodecError, match="expected value field 'v'"):
        decode_ublox_json(READS[2][1], registry, lenient=False)  # numbers as strings
    with pytest.raises(CodecError, match="invalid JSON"):
        decode_ublox_json(READS[0][1], registry, lenient=False)  # missing brace
    with pytest.raises(CodecError, match="unknown object 16"):
        decode_ublox_json(READS[5][1].removesuffix(" OK"), registry, lenient=False)
    assert decode_ublox_json(READS[1][1], registry, lenient=False) == READS[1][2]


def test_lenient_errors_stay_codec_errors(registry: ObjectRegistry) -> None:
    with pytest.raises(CodecError, match="not a valid Float"):
        decode_ublox_json('{"bn":"/3300/0/","e":[{"n":"5700","sv":"warm"}]}', registry)
    with pytest.raises(CodecError, match="names no resource"):
        decode_ublox_json('{"bn":"/16/","e":[{"n":"0","v":1}]}', registry)
    with pytest.raises(CodecError, match="twice"):
        decode_ublox_json('{"e":[{"n":"/16/0/3","v":1},{"n":"16/0/3","v":1}]}', registry)
    with pytest.raises(CodecError, match="not a finite number"):
        decode_ublox_json('{"e":[{"n":"/16/0/3","v":1e999}]}', registry)


def test_encoder_writes_what_the_note_sends(registry: ObjectRegistry) -> None:
    text = encode_ublox_json(P("/3300/0"), {P("/3300/0/5700"): 100.5}, registry)
    assert text == '{"bn":"/3300/0/","e":[{"n":"5700","v":100.5}]}'
    assert quote_at_json(text) == r'"{\"bn\":\"/3300/0/\",\"e\":[{\"n\":\"5700\",\"v\":100.5}]}"'
    assert split_at_json_argument(quote_at_json(text) + ",123") == (text, "123")
    create = encode_ublox_json(
        P("/0/2"), {P("/0/2/5"): b"\xab\xcd\xef", P("/0/2/1"): False}, registry
    )
    assert create == '{"bn":"/0/2/","e":[{"n":"1","bv":false},{"n":"5","sv":"q83v"}]}'


def test_split_refuses_an_unquoted_argument() -> None:
    with pytest.raises(CodecError, match="quoted"):
        split_at_json_argument("{}")
    with pytest.raises(CodecError, match="closing quote"):
        split_at_json_argument('"abc')
