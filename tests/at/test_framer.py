"""Line framer: endings, prompt, cut lines, invalid UTF-8, numbering, split invariance."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from workbench.at.framer import LineFramer, cut_marker
from workbench.at.types import Line


def frame(data: bytes, **kwargs: object) -> list[Line]:
    framer = LineFramer(clock=lambda: 0.0, **kwargs)  # type: ignore[arg-type]
    return framer.feed(data) + framer.flush()


def texts(lines: list[Line]) -> list[str]:
    return [line.text for line in lines]


def test_crlf_lf_cr_and_crcrlf_each_end_one_line() -> None:
    assert texts(frame(b"A\r\nB\nC\rD\r\r\nE\r\r\r\nF\r\n")) == ["A", "B", "C", "D", "E", "F"]


def test_echo_then_response_as_modules_send_it() -> None:
    assert texts(frame(b"AT+CGMI\r\r\nu-blox\r\n\r\nOK\r\n")) == ["AT+CGMI", "u-blox", "OK"]


def test_empty_lines_dropped_by_default_kept_on_request() -> None:
    assert texts(frame(b"\r\nOK\r\n\r\n")) == ["OK"]
    assert texts(frame(b"\r\nOK\r\n\r\n", keep_empty=True)) == ["", "OK", ""]


def test_lf_then_crlf_is_a_blank_line_but_cr_lf_is_not() -> None:
    assert texts(frame(b"X\n\r\nY\r\n", keep_empty=True)) == ["X", "", "Y"]
    assert texts(frame(b"X\r\nY\r\n", keep_empty=True)) == ["X", "Y"]


def test_prompt_without_line_ending_is_emitted_at_once() -> None:
    framer = LineFramer(clock=lambda: 1.5)
    lines = framer.feed(b"AT+CMGS=5\r\r\n> ")
    assert [(line.text, line.is_prompt) for line in lines] == [("AT+CMGS=5", False), ("> ", True)]
    assert lines[1].raw == b"> "
    assert lines[1].timestamp == 1.5


def test_prompt_split_across_reads() -> None:
    framer = LineFramer(clock=lambda: 0.0)
    assert framer.feed(b"\r\n>") == []
    lines = framer.feed(b" ")
    assert len(lines) == 1 and lines[0].is_prompt


def test_greater_than_inside_a_line_is_not_a_prompt() -> None:
    lines = frame(b"+X: a> b\r\n>x\r\n")
    assert texts(lines) == ["+X: a> b", ">x"]
    assert not any(line.is_prompt for line in lines)


def test_long_line_cut_with_marker_and_count() -> None:
    data = b"A" * 5000 + b"\r\nOK\r\n"
    lines = frame(data)
    assert lines[0].cut == 5000 - 4096
    assert lines[0].was_cut
    assert lines[0].raw == b"A" * 4096
    assert lines[0].text.endswith(cut_marker(904))
    assert lines[1].text == "OK"


def test_cut_limit_is_configurable_and_survives_split_reads() -> None:
    framer = LineFramer(clock=lambda: 0.0, max_line=4)
    out = []
    for chunk in (b"01", b"2345", b"67\r", b"\nok\r\n"):
        out += framer.feed(chunk)
    assert [(line.raw, line.cut) for line in out] == [(b"0123", 4), (b"ok", 0)]


def test_invalid_utf8_replaced_but_raw_kept() -> None:
    (line,) = frame(b"+X: \xff\xfe\xc3\r\n")
    assert line.raw == b"+X: \xff\xfe\xc3"
    assert line.text == "+X: \ufffd\ufffd\ufffd"


def test_numbers_and_timestamps() -> None:
    times = iter([10.0, 11.0])
    framer = LineFramer(clock=lambda: next(times), first_number=7)
    a = framer.feed(b"A\r\nB")
    b = framer.feed(b"\r\n")
    assert [(line.number, line.timestamp) for line in a + b] == [(7, 10.0), (8, 11.0)]
    assert framer.feed(b"C\r\n", now=99.0)[0].timestamp == 99.0


def test_flush_and_reset() -> None:
    framer = LineFramer(clock=lambda: 0.0)
    framer.feed(b"partial")
    assert framer.pending == b"partial"
    assert texts(framer.flush()) == ["partial"]
    assert framer.flush() == []
    framer.feed(b"junk")
    framer.reset()
    assert texts(framer.feed(b"OK\r\n")) == ["OK"]


# -- properties ------------------------------------------------------------------------------

_alphabet = st.sampled_from(
    [b"\r", b"\n", b"> ", b">", b" ", b"A", b"OK", b"\xff", b"\xc3\xa9", b"+X: 1"]
)
_streams = st.lists(_alphabet, max_size=60).map(b"".join)


def _split(data: bytes, cuts: list[int]) -> list[bytes]:
    points = sorted({c % (len(data) + 1) for c in cuts})
    chunks, last = [], 0
    for p in points:
        chunks.append(data[last:p])
        last = p
    chunks.append(data[last:])
    return chunks


@settings(max_examples=200, deadline=None)
@given(
    data=_streams,
    cuts=st.lists(st.integers(min_value=0, max_value=10_000), max_size=10),
    keep_empty=st.booleans(),
    max_line=st.integers(min_value=1, max_value=12),
)
def test_any_split_gives_the_same_lines(
    data: bytes, cuts: list[int], keep_empty: bool, max_line: int
) -> None:
    whole = LineFramer(clock=lambda: 0.0, keep_empty=keep_empty, max_line=max_line)
    expected = whole.feed(data) + whole.flush()
    pieces = LineFramer(clock=lambda: 0.0, keep_empty=keep_empty, max_line=max_line)
    got: list[Line] = []
    for chunk in _split(data, cuts):
        got += pieces.feed(chunk)
    got += pieces.flush()
    assert got == expected


@settings(max_examples=200, deadline=None)
@given(data=st.binary(max_size=600), max_line=st.integers(min_value=1, max_value=64))
def test_garbage_never_raises_numbers_monotonic_raw_preserved(data: bytes, max_line: int) -> None:
    framer = LineFramer(clock=lambda: 0.0, keep_empty=True, max_line=max_line)
    lines = framer.feed(data) + framer.flush()
    numbers = [line.number for line in lines]
    assert numbers == sorted(numbers) and len(set(numbers)) == len(numbers)
    for line in lines:
        assert len(line.raw) <= max_line
        assert line.text.startswith(line.raw.decode("utf-8", "replace")) or line.cut
        assert b"\r" not in line.raw and b"\n" not in line.raw
    # Without cuts, the kept bytes are exactly the stream minus line endings.
    if all(line.cut == 0 for line in lines):
        joined = b"".join(line.raw for line in lines)
        assert joined == data.replace(b"\r", b"").replace(b"\n", b"")
