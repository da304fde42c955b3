"""CoRE link-format with LwM2M attributes: registration payloads, Discover answers, bad syntax."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from workbench.lwm2m.codecs.linkformat import (
    AttributeValue,
    Link,
    ObjectInfo,
    alternate_root,
    format_links,
    lwm2m_path,
    parse_links,
    registered_objects,
    registration_links,
)
from workbench.lwm2m.errors import CodecError
from workbench.lwm2m.paths import Path

REGISTER = '</>;rt="oma.lwm2m";ct=11543,</1/0>,</3/0>;ver=1.1,</3303/0>'
DISCOVER = "</3/0>;pmin=10;pmax=60,</3/0/1>,</3/0/7>;dim=8;gt=50;lt=42.2;st=0.5;epmin=1;epmax=3"


def test_registration_payload() -> None:
    links = parse_links(REGISTER.encode())
    assert links == [
        Link("/", {"rt": "oma.lwm2m", "ct": 11543}),
        Link("/1/0"),
        Link("/3/0", {"ver": "1.1"}),
        Link("/3303/0"),
    ]
    assert links[1].path == Path.of(1, 0)
    assert links[0].path is None
    assert format_links(links) == REGISTER
    assert alternate_root(links) == "/"
    assert registered_objects(links) == {
        1: ObjectInfo(1, None, [0]),
        3: ObjectInfo(3, "1.1", [0]),
        3303: ObjectInfo(3303, None, [0]),
    }


def test_discover_payload_attributes_are_typed() -> None:
    links = parse_links(DISCOVER)
    assert [link.target for link in links] == ["/3/0", "/3/0/1", "/3/0/7"]
    assert links[0].attributes == {"pmin": 10, "pmax": 60}
    attrs = links[2].attributes
    assert attrs == {"dim": 8, "gt": 50.0, "lt": 42.2, "st": 0.5, "epmin": 1, "epmax": 3}
    assert type(attrs["dim"]) is int and type(attrs["gt"]) is float
    assert format_links(links) == DISCOVER
    assert links[2].path == Path.of(3, 0, 7)


def test_alternate_root_and_object_without_instances() -> None:
    text = '</lwm2m>;rt="oma.lwm2m",</lwm2m/1/0>,</lwm2m/3>;ver=1.1,</lwm2m/3/0>,</lwm2m/5>'
    links = parse_links(text)
    assert alternate_root(links) == "/lwm2m"
    assert registered_objects(links) == {
        1: ObjectInfo(1, None, [0]),
        3: ObjectInfo(3, "1.1", [0]),
        5: ObjectInfo(5, None, []),
    }
    assert lwm2m_path("/lwm2m/3/0", "/lwm2m") == Path.of(3, 0)
    assert lwm2m_path("/3/0", "/lwm2m") is None
    assert lwm2m_path("/lwm2m", "/lwm2m") is None


def test_lwm2m_1_0_registration_without_root_link() -> None:
    links = parse_links("</1/0>,</1/1>,</2/0>,</3/0>,</4/0>,</5>")
    objects = registered_objects(links)
    assert objects[1].instances == [0, 1]
    assert objects[5] == ObjectInfo(5)
    assert alternate_root(links) == "/"


def test_root_rt_may_list_several_types() -> None:
    links = parse_links('</dm>;rt="core.rd oma.lwm2m",</dm/1/0>')
    assert alternate_root(links) == "/dm"


def test_registration_links_are_the_inverse_of_registered_objects() -> None:
    objects = {
        1: ObjectInfo(1, None, [0]),
        3: ObjectInfo(3, "1.1", [0]),
        5: ObjectInfo(5, None, []),
    }
    links = registration_links(objects, root="/lwm2m", content_format=11543)
    text = format_links(links)
    assert text == (
        '</lwm2m>;rt="oma.lwm2m";ct=11543,</lwm2m/1/0>,</lwm2m/3>;ver=1.1,</lwm2m/3/0>,</lwm2m/5>'
    )
    assert registered_objects(parse_links(text)) == objects
    assert format_links(registration_links({1: ObjectInfo(1, None, [0])})) == "</1/0>"


def test_registered_objects_refuses_what_a_server_cannot_interpret() -> None:
    with pytest.raises(CodecError, match="objects or object instances"):
        registered_objects(parse_links("</3/0/1>"))
    with pytest.raises(CodecError, match=r"versions 1\.1 and 1\.2"):
        registered_objects(parse_links("</3>;ver=1.1,</3/0>;ver=1.2"))
    assert registered_objects(parse_links("</rd>,</3/0>,</foo/bar>")) == {
        3: ObjectInfo(3, None, [0])
    }


def test_quoted_strings_with_separators_and_escapes() -> None:
    links = parse_links(r'</a>;title="x, y; z";if="say \"hi\"",</b>')
    assert links == [Link("/a", {"title": "x, y; z", "if": 'say "hi"'}), Link("/b")]
    assert parse_links(format_links(links)) == links


def test_whitespace_around_separators_is_tolerated() -> None:
    text = " </1/0> ,\r\n\t</3/0> ; ver = 1.1 ;\n pmin=5 \n"
    assert parse_links(text) == [Link("/1/0"), Link("/3/0", {"ver": "1.1", "pmin": 5})]


def test_empty_payload_is_an_empty_list() -> None:
    assert parse_links(b"") == []
    assert parse_links("  \n") == []
    assert format_links([]) == ""


def test_flags_quoted_numbers_and_content_format_lists() -> None:
    links = parse_links('</3/0/1>;obs;pmin="5";ct="60 110 11542";sz=1024;foo=12')
    assert links[0].attributes == {
        "obs": None,
        "pmin": 5,
        "ct": (60, 110, 11542),
        "sz": 1024,
        "foo": "12",
    }
    assert format_links(links) == '</3/0/1>;obs;pmin=5;ct="60 110 11542";sz=1024;foo=12'


@pytest.mark.parametrize(
    ("payload", "position", "words"),
    [
        ("/3/0", 0, "starts with '<'"),
        ("<", 0, "never closed"),
        ("</3/0", 0, "never closed"),
        ("</3/0>,", 7, "followed by another link"),
        ("</3/0>,,</1>", 7, "starts with '<'"),
        ("</3/0> </1/0>", 7, "expected ',' or the end"),
        ("</3/0>x", 6, "expected ',' or the end"),
        ("</3 /0>", 3, "not allowed in a link target"),
        ("</3/0>;", 7, "expected an attribute name"),
        ("</3/0>;=5", 7, "expected an attribute name"),
        ("</3/0>;pmin=", 12, "expected a value"),
        ("</3/0>;pmin=,</1>", 12, "expected a value"),
        ("</3/0>;pmin", 7, "needs an integer"),
        ("</3/0>;pmin=abc", 12, "not an integer"),
        ("</3/0>;pmin=1.5", 12, "not an integer"),
        ("</3/0>;gt=abc", 10, "not a number"),
        ("</3/0>;gt=nan", 10, "not a number"),
        ("</3/0>;lt=1e999", 10, "out of range"),
        ("</3/0>;st", 7, "not a number"),
        ('</3/0>;ct="60 x"', 10, "content-format numbers"),
        ('</3/0>;rt="oma.lwm2m', 10, "unterminated quoted string"),
        ('</3/0>;rt="abc\\', 10, "unterminated quoted string"),
        ("</3/0>;pmin=1;pmin=2", 14, "appears twice"),
        (b"</3/0>;rt=\xff", 10, "invalid UTF-8"),
    ],
)
def test_bad_syntax(payload: str | bytes, position: int, words: str) -> None:
    with pytest.raises(CodecError) as err:
        parse_links(payload)
    assert words in err.value.reason
    assert err.value.position == position
    assert err.value.fmt == "link-format"


@pytest.mark.parametrize(
    "link",
    [
        Link("/3 0"),
        Link("/3>0"),
        Link("/3/0", {"bad name": 1}),
        Link("/3/0", {"gt": float("inf")}),
        Link("/3/0", {"x": True}),
    ],
)
def test_format_refuses(link: Link) -> None:
    with pytest.raises(CodecError):
        format_links([link])


# -- round trips -------------------------------------------------------------------------------

_names = st.from_regex(r"[a-z][a-z0-9_.-]{0,8}", fullmatch=True)
_floats = st.floats(allow_nan=False, allow_infinity=False)


@st.composite
def links(draw: st.DrawFn) -> Link:
    target = draw(st.from_regex(r"(/[0-9a-z]{1,5}){0,4}", fullmatch=True)) or "/"
    attributes: dict[str, AttributeValue] = {}
    for name in draw(st.lists(st.sampled_from(["pmin", "pmax", "dim", "ct"]), unique=True)):
        attributes[name] = draw(st.integers(-(2**63), 2**64))
    for name in draw(st.lists(st.sampled_from(["gt", "lt", "st"]), unique=True)):
        attributes[name] = draw(_floats)
    if draw(st.booleans()):
        attributes["ct"] = tuple(draw(st.lists(st.integers(0, 65535), min_size=2, max_size=4)))
    for name in draw(st.lists(_names, max_size=3, unique=True)):
        if name in ("pmin", "pmax", "dim", "ct", "gt", "lt", "st", "epmin", "epmax", "ssid"):
            continue
        if name in ("sz",):
            continue
        attributes[name] = draw(st.none() | st.text(max_size=12))
    return Link(target, attributes)


@settings(max_examples=200, deadline=None)
@given(st.lists(links(), max_size=5))
def test_round_trip(values: list[Link]) -> None:
    text = format_links(values)
    assert parse_links(text) == values
    assert parse_links(text.encode()) == values


@pytest.mark.parametrize(
    "target", ["/" + "9" * 4400, "/70000", "/3/65535", "/3/0/" + "1" * 30, "/lwm2m/99999"]
)
def test_out_of_range_ids_are_a_codec_error(target: str) -> None:
    # Python's int() refuses more than 4,300 digits with a plain ValueError: it must never
    # get that far (the server answered 5.00 with a traceback).
    root = "/lwm2m" if target.startswith("/lwm2m") else "/"
    with pytest.raises(CodecError, match="out of range"):
        registered_objects(parse_links(f"<{target}>,</3/0>".encode()), root)


def test_non_lwm2m_links_are_still_ignored() -> None:
    links = parse_links(b'</03>,</3/0>,</other>,</a/1>,</>;rt="oma.lwm2m"')
    assert registered_objects(links) == {3: ObjectInfo(3, None, [0])}


class _ScanCountingList(list[int]):
    """A list that counts the elements a membership test walks (a linear scan)."""

    scanned = 0

    def __contains__(self, item: object) -> bool:
        _ScanCountingList.scanned += len(self)
        return super().__contains__(item)


def _work_for(count: int, monkeypatch: pytest.MonkeyPatch) -> tuple[int, int]:
    """Python lines executed and list elements scanned to parse ``count`` instances."""
    import sys

    import workbench.lwm2m.codecs.linkformat as linkformat

    monkeypatch.setattr(
        linkformat,
        "ObjectInfo",
        lambda oid, version=None: ObjectInfo(oid, version, _ScanCountingList()),
    )
    payload = ",".join(f"</3/{i}>" for i in range(count)).encode()
    lines = 0

    def tracer(frame: object, event: str, arg: object) -> object:
        nonlocal lines
        if event == "line":
            lines += 1
        return tracer

    _ScanCountingList.scanned = 0
    sys.settrace(tracer)
    try:
        objects = registered_objects(parse_links(payload))
    finally:
        sys.settrace(None)
    assert objects[3].instances == list(range(count))
    return lines, _ScanCountingList.scanned


def test_instance_parsing_is_linear(monkeypatch: pytest.MonkeyPatch) -> None:
    # Work is counted, never timed: 20 times the instances may cost at most 30 times the
    # Python lines (linear is 20x; quadratic would be 400x) and no element-by-element search
    # of the instances seen so far (the old code walked the list for every new instance).
    small_lines, _ = _work_for(1_000, monkeypatch)
    large_lines, large_scans = _work_for(20_000, monkeypatch)
    assert large_lines <= 30 * small_lines, (small_lines, large_lines)
    assert large_scans <= 2 * 20_000, large_scans
