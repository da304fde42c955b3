"""The plugin API: events, templates, argument splitting, decoder frame, plugin metadata."""

from __future__ import annotations

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from workbench.plugin_api import (
    COMMON_TEMPLATES,
    Choice,
    ClassifiedLine,
    CommandForm,
    CommandTemplate,
    Decoder,
    DocRef,
    Event,
    Kind,
    Line,
    LineKind,
    Param,
    ParamType,
    Plugin,
    TemplateError,
    Variant,
    parse_command,
    parse_command_line,
    quote_at_string,
    split_at_args,
    split_at_args_detailed,
    split_info,
)


def cl(text: str, kind: LineKind = LineKind.URC, number: int = 1, **kw: object) -> ClassifiedLine:
    return ClassifiedLine(Line(number, text, text.encode(), 0.0), kind, **kw)  # type: ignore[arg-type]


# -- events ----------------------------------------------------------------------------------


def test_event_to_dict_order_and_inferred() -> None:
    event = Event.from_line(
        Kind.REGISTRATION, cl("#LWREG: 7", number=12), server="1", state="registered", code=7
    )
    assert list(event.to_dict()) == ["kind", "line", "raw", "server", "state", "code"]
    assert event.to_dict()["line"] == 12
    event.inferred = True
    assert event.to_dict()["inferred"] is True
    assert json.loads(event.to_json())["raw"] == "#LWREG: 7"
    assert event["state"] == "registered" and event["kind"] == Kind.REGISTRATION


def test_event_fields_made_json_safe_and_reserved_names_refused() -> None:
    event = Event("x", 1, "r", {"s": {"/3/0"}, "b": b"\x01", "f": float("nan"), "o": object()})
    data = json.loads(event.to_json())
    assert data["s"] == ["/3/0"] and data["b"] == "01" and data["f"] == "nan"
    with pytest.raises(ValueError):
        Event("x", 1, "r", {"kind": 1})


# -- argument splitting ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1,2,3", ["1", "2", "3"]),
        ('"a,b",2', ["a,b", "2"]),
        ("1,,3", ["1", "", "3"]),
        ("", []),
        (' 1 , "x" ', ["1", "x"]),
        ('"{\\"bn\\":\\"/3/0\\"}",5', ['{"bn":"/3/0"}', "5"]),
        ('{"e":[{"n":"1","v":2}]},7', ['{"e":[{"n":"1","v":2}]}', "7"]),
        ("(0-5),(1,2)", ["(0-5)", "(1,2)"]),
        ('"unterminated,1', ["unterminated,1"]),
        ('"recv","/19/1/0",4,5', ["recv", "/19/1/0", "4", "5"]),
        ('{"k":"a,}b"},1', ['{"k":"a,}b"}', "1"]),
    ],
)
def test_split_at_args(text: str, expected: list[str]) -> None:
    assert split_at_args(text) == expected


def test_split_detailed_keeps_quoting() -> None:
    args = split_at_args_detailed('1,"1"')
    assert [(a.value, a.quoted) for a in args] == [("1", False), ("1", True)]


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=80))
def test_split_never_raises(text: str) -> None:
    split_at_args(text)


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=10),
        min_size=1,
        max_size=6,
    )
)
def test_quoted_strings_round_trip(values: list[str]) -> None:
    text = ",".join(quote_at_string(v) for v in values)
    assert split_at_args(text) == values


def test_parse_command_forms() -> None:
    assert parse_command("AT+CEREG?") is not None
    cases = {
        "AT+CEREG?": ("+CEREG", CommandForm.READ, ""),
        "AT+CEREG=?": ("+CEREG", CommandForm.TEST, ""),
        'at+qlwcfg="autostart",1': ("+QLWCFG", CommandForm.SET, '"autostart",1'),
        "AT#LWSTART": ("#LWSTART", CommandForm.EXECUTE, ""),
        "ATE0": ("E", CommandForm.ACTION, "0"),
        "ATI": ("I", CommandForm.ACTION, ""),
        "AT": ("", CommandForm.EXECUTE, ""),
        "AT&F": ("&F", CommandForm.ACTION, ""),
    }
    for text, (name, form, args) in cases.items():
        parsed = parse_command(text)
        assert parsed is not None, text
        assert (parsed.name, parsed.form, parsed.args) == (name, form, args), text
    assert parse_command("OK") is None
    assert [p.name for p in parse_command_line('AT+CGMI;+CGMM;+X="a;b"')] == [
        "+CGMI",
        "+CGMM",
        "+X",
    ]


def test_split_info() -> None:
    assert split_info("+CEREG: 0,1") == ("+CEREG", "0,1")
    assert split_info("#lwreg:3") == ("#LWREG", "3")
    assert split_info("OK") is None


# -- templates ---------------------------------------------------------------------------------

REG = CommandTemplate(
    "reg",
    "+ULWM2MREG",
    CommandForm.SET,
    (
        Param("server", ParamType.INT, min=0, max=65534, default=1),
        Param("uri", ParamType.URL, default="coap://leshan.eclipseprojects.io:5683"),
        Param("json", ParamType.JSON, optional=True),
        Param(
            "mode", ParamType.ENUM, choices=(Choice("U", "UDP"), Choice(2, "two")), optional=True
        ),
    ),
    summary="Register",
    doc=DocRef("ublox-sara-r4-r5-lexi-r4-lwm2m-appnote.txt", "3.4"),
)


def test_render_defaults_and_values() -> None:
    assert REG.render_defaults() == 'AT+ULWM2MREG=1,"coap://leshan.eclipseprojects.io:5683"'
    assert REG.render({"server": "3", "mode": 2}) == (
        'AT+ULWM2MREG=3,"coap://leshan.eclipseprojects.io:5683",,2'
    )
    assert REG.render({"json": '{"bn":"/3/0"}', "mode": "U"}).endswith(
        ',"{\\"bn\\":\\"/3/0\\"}","U"'
    )
    assert REG.render({"json": {"a": 1}}).endswith(',"{\\"a\\":1}"')


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({"server": 70000}, "above the maximum 65534"),
        ({"server": -1}, "below the minimum 0"),
        ({"server": "x"}, "server"),
        ({"uri": "nonsense"}, "not a URL"),
        ({"json": "{bad"}, "invalid JSON"),
        ({"mode": "Q"}, "not one of"),
        ({"nope": 1}, "has no parameter"),
        ({"server": None}, "required"),
    ],
)
def test_render_errors_are_clear(values: dict[str, object], message: str) -> None:
    with pytest.raises(TemplateError, match=message):
        REG.render(values)


def test_param_types() -> None:
    assert Param("b", ParamType.BOOL).render(True) == "1"
    assert Param("b", ParamType.BOOL, true_false=("on", "off"), quoted=False).render("no") == "off"
    assert Param("h", ParamType.HEX).render("0a FF") == '"0aFF"'
    assert Param("i", ParamType.IP).render("10.0.0.1") == '"10.0.0.1"'
    assert Param("p", ParamType.PATH).render("/3/0/1") == '"/3/0/1"'
    assert Param("f", ParamType.FLOAT, max=2).render(1.5) == "1.5"
    assert Param("s", ParamType.STR, quoted=False).render("abc") == "abc"
    assert Param("x", ParamType.INT).render("0x10") == "16"
    assert Param.fixed("item", "autostart").render("autostart") == '"autostart"'
    for param, value in [
        (Param("h", ParamType.HEX), "abc"),
        (Param("i", ParamType.IP), "999.1.1.1"),
        (Param("p", ParamType.PATH), "/a/b"),
        (Param("s", ParamType.STR), "a\r\nb"),
        (Param("s", ParamType.STR, max_length=2), "abc"),
        (Param("s", ParamType.STR, escape=False), 'a"b'),
        (Param("b", ParamType.BOOL), "maybe"),
        (Param("i", ParamType.INT), 1.5),
    ]:
        with pytest.raises(TemplateError):
            param.render(value)


def test_forms_render() -> None:
    assert CommandTemplate("r", "+X", CommandForm.READ).render() == "AT+X?"
    assert CommandTemplate("t", "+X", CommandForm.TEST).render() == "AT+X=?"
    assert CommandTemplate("e", "+X", CommandForm.EXECUTE).render() == "AT+X"
    echo = CommandTemplate(
        "e", "E", CommandForm.ACTION, (Param("on", ParamType.BOOL, default=False),)
    )
    assert echo.render_defaults() == "ATE0"
    with pytest.raises(TemplateError):
        CommandTemplate("r", "+X", CommandForm.READ, (Param("a"),))
    with pytest.raises(TemplateError):
        CommandTemplate("d", "+X", CommandForm.SET, (Param("a"), Param("a")))


def test_common_templates_render() -> None:
    rendered = [t.render_defaults() for t in COMMON_TEMPLATES]
    assert "AT+CEREG=2" in rendered and "ATE1" in rendered and "AT" in rendered
    assert str(COMMON_TEMPLATES[3].doc) == "3GPP TS 27.007"


# -- decoder frame -----------------------------------------------------------------------------


class Boom(Decoder):
    def decode_line(self, line: ClassifiedLine) -> list[Event]:
        if line.text.startswith("+BOOM"):
            raise ValueError("bad")
        if line.text.startswith("+MINE:"):
            return [Event.from_line("mine", line)]
        return []


def test_decoder_never_drops_and_never_raises() -> None:
    d = Boom("v")
    assert d.decode(cl("", LineKind.BLANK)) == []
    ev, error = d.decode(cl("+BOOM: 1"))
    assert ev.kind == Kind.UNKNOWN and "ValueError" in ev.fields["reason"]
    assert error.kind == Kind.ERROR and (error.fields["source"], error.fields["count"]) == (
        "decoder",
        1,
    )
    assert d.decode(cl("+BOOM: 2"))[1].fields["count"] == d.decoder_errors == 2
    assert d.decode(cl("+MINE: 1"))[0].kind == "mine"
    assert d.decode(cl("+WHAT: 1"))[0].kind == Kind.UNKNOWN
    assert d.decode(cl("AT+X", LineKind.ECHO, command="AT+X"))[0].kind == Kind.COMMAND
    assert d.decode(cl("> ", LineKind.PROMPT))[0].kind == Kind.PROMPT


def test_standard_decoding_of_finals_and_3gpp_lines() -> None:
    d = Decoder()
    err = d.decode(cl("+CME ERROR: 50", LineKind.FINAL, command="AT+X"))[0]
    assert (err.kind, err.fields["code"], err.fields["command"]) == ("error", 50, "AT+X")
    assert (
        d.decode(cl("+CME ERROR: not allowed", LineKind.FINAL))[0].fields["text"] == "not allowed"
    )
    assert d.decode(cl("ERROR", LineKind.FINAL))[0].kind == "error"
    assert d.decode(cl("OK", LineKind.FINAL))[0].kind == "result"
    net = d.decode(cl("+CEREG: 5"))[0]
    assert (net.kind, net.fields["stat"], net.fields["state"]) == (
        "network",
        5,
        "registered_roaming",
    )
    read = d.decode(cl("+CEREG: 2,1", LineKind.INFO, command="AT+CEREG?"))[0]
    assert read.fields["mode"] == 2 and read.fields["stat"] == 1
    imei = d.decode(cl("123456", LineKind.INFO, command="AT+CGSN"))[0]
    assert imei.fields == {"imei": "123456"}
    assert d.decode(cl("RDY"))[0].kind == "boot"


def test_multiline_unknown_when_no_part_decoded() -> None:
    d = Decoder()
    head = cl('+R: "x"', LineKind.URC, parts=1)
    data = ClassifiedLine(
        Line(2, "payload", b"payload", 0.0), LineKind.URC, part=1, parts=1, head=head.line
    )
    assert d.decode(head) == []
    (ev,) = d.decode(data)
    assert ev.kind == "unknown" and ev.line == 1 and ev.raw == '+R: "x"\npayload'


# -- plugin metadata -------------------------------------------------------------------------


def test_plugin_validation_and_variants() -> None:
    plugin = Plugin(
        id="demo",
        name="Demo",
        description="d",
        vendor="v",
        decoder_factory=Decoder,
        variants=(Variant("a"), Variant("b")),
        default_variant="b",
        identify=(r"SARA-R5\d",),
        templates=(REG, CommandTemplate("only_a", "+A", CommandForm.EXECUTE, variants=("a",))),
    )
    assert plugin.default == "b" and plugin.resolve_variant(None) == "b"
    with pytest.raises(ValueError, match="known: a, b"):
        plugin.resolve_variant("c")
    assert plugin.make_decoder().variant == "b"
    assert plugin.matches_identity("u-blox SARA-R510M8S") and not plugin.matches_identity("BG95")
    assert [t.id for t in plugin.templates_for("b")] == ["reg"]
    with pytest.raises(ValueError):
        plugin.make_simulator()
    for bad in (
        {"id": "Bad Id"},
        {"variants": ()},
        {"default_variant": "zzz"},
        {"variants": (Variant("a"), Variant("a"))},
        {"templates": (REG, REG)},
    ):
        kwargs: dict[str, object] = {
            "id": "x", "name": "n", "description": "d", "vendor": "v", "decoder_factory": Decoder,
        }  # fmt: skip
        kwargs.update(bad)
        with pytest.raises(ValueError):
            Plugin(**kwargs)  # type: ignore[arg-type]
    dialect = plugin.dialect()
    assert "+CEREG:" in dialect.all_urc_prefixes()
