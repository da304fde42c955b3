"""LwM2M paths: parsing, formatting, validation and ordering."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from workbench.lwm2m.errors import PathError
from workbench.lwm2m.paths import MAX_ID, MAX_OBJECT_ID, Path

ids = st.integers(min_value=0, max_value=MAX_ID)
object_ids = st.integers(min_value=0, max_value=MAX_OBJECT_ID)
paths = st.builds(
    lambda obj, rest: Path.of(obj, *rest),
    object_ids,
    st.lists(ids, max_size=3),
)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("/3", (3,)),
        ("/3/0", (3, 0)),
        ("/3/0/1", (3, 0, 1)),
        ("/3/0/11/2", (3, 0, 11, 2)),
        ("/0", (0,)),
        ("/65534/65534/65534/65534", (65534, 65534, 65534, 65534)),
        ("/3/0/", (3, 0)),  # one trailing slash is tolerated
    ],
)
def test_parse_valid(text: str, expected: tuple[int, ...]) -> None:
    path = Path.parse(text)
    assert path.ids == expected
    assert path.depth == len(expected)


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("/3//1", "empty segment"),
        ("/70000", "out of range"),
        ("/65535", "out of range"),
        ("/3/65535", "out of range"),
        ("3/0", "starts with '/'"),
        ("", "empty path"),
        ("   ", "empty path"),
        ("/", "no object id"),
        ("/a", "not a decimal id"),
        ("/-1", "not a decimal id"),
        ("/+1", "not a decimal id"),
        ("/3/0/1/2/3", "at most 4 levels"),
        ("/03", "leading zero"),
        ("/3/00", "leading zero"),
        ("/3/0/01", "leading zero"),
        ("/３", "not a decimal id"),  # full-width digit
        ("/²", "not a decimal id"),
        ("/3 /0", "not a decimal id"),
        ("//3", "empty segment"),
        ("/3//", "empty segment"),
    ],
)
def test_parse_invalid_says_why(text: str, words: str) -> None:
    with pytest.raises(PathError, match=words.replace("(", r"\(")):
        Path.parse(text)


def test_parse_rejects_non_string() -> None:
    with pytest.raises(PathError, match="must be a string"):
        Path.parse(3)  # type: ignore[arg-type]


def test_path_error_is_a_value_error() -> None:
    with pytest.raises(ValueError):
        Path.parse("/x")


def test_format() -> None:
    assert str(Path.of(3, 0, 1)) == "/3/0/1"
    assert str(Path(5)) == "/5"
    assert str(Path.parse("/3/0/")) == "/3/0"


@pytest.mark.parametrize(
    "args",
    [
        (70000,),
        (-1,),
        (3, -1),
        (3, MAX_ID + 1),
        (True,),
    ],
)
def test_constructor_validates(args: tuple[int, ...]) -> None:
    with pytest.raises(PathError):
        Path.of(*args)


def test_constructor_rejects_gaps_and_bad_arity() -> None:
    with pytest.raises(PathError, match="level"):
        Path(3, None, 1)
    with pytest.raises(PathError):
        Path.of()
    with pytest.raises(PathError):
        Path.of(1, 2, 3, 4, 5)


def test_navigation() -> None:
    res = Path.of(3, 0, 1)
    assert res.is_resource and not res.is_instance
    assert res.parent == Path.of(3, 0)
    assert Path(3).parent is None
    assert Path(3).child(0) == Path.of(3, 0)
    assert Path.of(3, 0).contains(res)
    assert not Path.of(3, 1).contains(res)
    assert res.relative_to(Path(3)) == (0, 1)
    with pytest.raises(PathError):
        res.relative_to(Path(4))
    with pytest.raises(PathError):
        Path.of(3, 0, 1, 0).child(1)


def test_order_is_numeric_and_parents_first() -> None:
    texts = ["/3/0/10", "/3/0/2", "/3", "/3/1", "/3/0", "/10", "/3/0/2/0", "/2"]
    ordered = sorted(Path.parse(t) for t in texts)
    assert [str(p) for p in ordered] == [
        "/2",
        "/3",
        "/3/0",
        "/3/0/2",
        "/3/0/2/0",
        "/3/0/10",
        "/3/1",
        "/10",
    ]


def test_hashable_and_comparable_only_to_paths() -> None:
    assert len({Path.parse("/3/0"), Path.of(3, 0)}) == 1
    with pytest.raises(TypeError):
        _ = Path(3) < "/4"  # type: ignore[operator]


@settings(max_examples=200)
@given(paths)
def test_round_trip_str_parse(path: Path) -> None:
    text = str(path)
    assert Path.parse(text) == path
    assert str(Path.parse(text)) == text


@settings(max_examples=200)
@given(paths, paths)
def test_order_matches_id_tuples(a: Path, b: Path) -> None:
    assert (a < b) == (a.ids < b.ids)
    assert (a == b) == (a.ids == b.ids)


@settings(max_examples=200)
@given(st.text(max_size=12))
def test_parse_never_raises_anything_but_path_error(text: str) -> None:
    try:
        path = Path.parse(text)
    except PathError:
        return
    assert str(path) == text.rstrip("/") or str(path) + "/" == text
