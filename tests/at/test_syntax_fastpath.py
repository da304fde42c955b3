"""The fast paths of the AT syntax helpers agree with the general character walk.

``split_at_args_detailed`` takes ``str.split`` or a regex for plain argument lists (issue 17);
these properties feed random argument lists — shaped like module output and fully random — to
both and demand the same arguments, quoting included.
"""

from __future__ import annotations

from hypothesis import example, given, settings
from hypothesis import strategies as st

from workbench.at.syntax import (
    AtArg,
    CommandForm,
    ParsedCommand,
    _parse_line,
    parse_command,
    parse_command_line,
    split_at_args,
    split_at_args_detailed,
    split_at_args_general,
    split_info,
)

#: Characters that change how a list splits, plus ordinary ones and odd whitespace.
_ALPHABET = st.sampled_from([*'"\\,{}[]() \t\x1c\xa0\u2003ab1-:.', "\n", "\r"])

_bare = st.text(alphabet=st.sampled_from(list("0123456789abcXYZ -_.:/")), max_size=8)
_quoted = st.text(alphabet=st.sampled_from(list("abc ,;:{}[]()/.-=")), max_size=8).map(
    lambda s: f'"{s}"'
)
_spaced = st.tuples(st.sampled_from(["", " ", "  ", "\t"]), st.one_of(_bare, _quoted)).map(
    lambda pair: pair[0] + pair[1] + pair[0]
)
#: Argument lists as modules print them: numbers, words, quoted strings, empty fields.
_module_like = st.lists(st.one_of(_bare, _quoted, _spaced), max_size=8).map(",".join)


@settings(max_examples=1500, deadline=None)
@given(text=st.one_of(st.text(alphabet=_ALPHABET, max_size=24), _module_like))
@example(text="")
@example(text=" ")
@example(text="1,")
@example(text=',"a",')
@example(text='"a" ,b')
@example(text='"a"x,b')
@example(text='x"a",b')
@example(text='1,"a\\"b",2')
@example(text="(0-5),{1,2}")
@example(text='"ab')
def test_fast_path_agrees_with_the_general_walk(text: str) -> None:
    general = split_at_args_general(text)
    assert split_at_args_detailed(text) == general
    assert split_at_args(text) == [arg.value for arg in general]


def test_module_like_lists_take_the_fast_path_and_keep_quoting() -> None:
    # Not only equal to the general walk: the common shapes give the documented arguments.
    assert split_at_args_detailed('1, "a,b" ,,x') == [
        AtArg("1", False),
        AtArg("a,b", True),
        AtArg("", False),
        AtArg("x", False),
    ]
    assert split_at_args('0,1,"00C3","0A1B2C3D",7') == ["0", "1", "00C3", "0A1B2C3D", "7"]


@settings(max_examples=500, deadline=None)
@given(text=st.text(alphabet=st.sampled_from(list("AaTt+#&?=;\"', 01EeIQ")), max_size=16))
def test_cached_command_parsing_matches_a_fresh_parse(text: str) -> None:
    # parse_command is memoised per text; the memo must give what an uncached parse gives, and
    # a caller mutating a returned list must not reach the next caller.
    fresh = _parse_line(text)
    first = parse_command_line(text)
    assert first == fresh
    first.append(ParsedCommand("X", CommandForm.EXECUTE))
    assert parse_command_line(text) == fresh
    assert parse_command(text) == (fresh[0] if fresh else None)


def test_the_memo_hands_out_new_lists() -> None:
    # Callers may change what they get; the next caller must still get the split.
    text = '1,"a,b",,{"k":[1,2]}'
    first = split_at_args(text)
    first.append("changed")
    detailed = split_at_args_detailed(text)
    detailed.clear()
    assert split_at_args(text) == ["1", "a,b", "", '{"k":[1,2]}']
    assert [a.value for a in split_at_args_detailed(text)] == split_at_args(text)


def test_split_info_gives_the_same_answer_from_the_memo() -> None:
    assert split_info("+CEREG: 0,1") == split_info("+CEREG: 0,1") == ("+CEREG", "0,1")
    assert split_info("no prefix") is None
