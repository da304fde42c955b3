"""AT engine: echo on/off, finals, URCs mid-response, ownership, multi-line URCs, reboots,
timeouts, passive (log) mode, and fuzzing."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from workbench.at.dialect import AtDialect, FinalResultRule, MultiLineUrc
from workbench.at.engine import AtEngine, Step
from workbench.at.framer import LineFramer
from workbench.at.types import ClassifiedLine, Line, ResultStatus

QUECTEL_LIKE = AtDialect(
    urc_prefixes=("+QLWURC:", "+ULWM2MSTAT:"),
    multiline_urcs=(MultiLineUrc('+QLWURC: "recv"', 1),),
    final_results=(FinalResultRule("+QERR:", success=False), FinalResultRule("SEND OK2", True)),
    boot_urcs=("RDY",),
)


class Harness:
    """Feeds text lines with a controllable clock and collects everything."""

    def __init__(self, dialect: AtDialect = QUECTEL_LIKE) -> None:
        self.engine = AtEngine(dialect)
        self.number = 0
        self.now = 0.0
        self.lines: list[ClassifiedLine] = []
        self.results = []  # type: ignore[var-annotated]
        self.writes: list[bytes] = []

    def _take(self, step: Step) -> Step:
        self.lines += step.lines
        self.results += step.results
        self.writes += step.writes
        return step

    def send(self, command: str, timeout: float | None = 5.0, payload: bytes | None = None) -> int:
        cid, step = self.engine.submit(command, self.now, timeout=timeout, payload=payload)
        self._take(step)
        return cid

    def rx(self, *texts: str, prompt: bool = False) -> list[ClassifiedLine]:
        out = []
        for text in texts:
            self.number += 1
            line = Line(self.number, text, text.encode(), self.now, is_prompt=prompt)
            out += self._take(self.engine.feed_line(line)).lines
        return out

    def kinds(self, lines: list[ClassifiedLine]) -> list[str]:
        return [str(cl.kind) for cl in lines]


def test_echo_on_info_ok() -> None:
    h = Harness()
    h.send("AT+CGMI")
    assert h.writes == [b"AT+CGMI\r"]
    lines = h.rx("AT+CGMI", "Quectel", "OK")
    assert h.kinds(lines) == ["echo", "info", "final"]
    (result,) = h.results
    assert result.ok and result.texts == ["Quectel"] and result.command == "AT+CGMI"
    assert lines[2].result == result
    assert h.engine.echo is True


def test_echo_off_and_unprefixed_response() -> None:
    h = Harness()
    h.send("AT+CGSN")
    lines = h.rx("866123456789012", "OK")
    assert h.kinds(lines) == ["info", "final"]
    assert h.results[0].texts == ["866123456789012"]
    assert h.engine.echo is False


def test_ate0_teaches_echo_off() -> None:
    h = Harness()
    h.send("ATE0")
    h.rx("ATE0", "OK")
    assert h.engine.echo is False
    h.send("ATE1")
    h.rx("OK")
    assert h.engine.echo is True


def test_cme_and_cms_errors_and_standard_finals() -> None:
    h = Harness()
    for cmd, final, code, text in [
        ("AT+A", "+CME ERROR: 50", 50, None),
        ("AT+B", "+CME ERROR: operation not allowed", None, "operation not allowed"),
        ("AT+C", "+CMS ERROR: 305", 305, None),
        ("AT+D", "NO CARRIER", None, "NO CARRIER"),
        ("AT+E", "ERROR", None, "ERROR"),
    ]:
        h.send(cmd)
        h.rx(final)
        result = h.results[-1]
        assert result.status is ResultStatus.ERROR
        assert (result.error_code, result.error_text) == (code, text)


def test_vendor_finals() -> None:
    h = Harness()
    h.send("AT+QX")
    h.rx("+QERR: 4")
    assert h.results[-1].status is ResultStatus.ERROR
    h.send("AT+QY")
    h.rx("SEND OK2")
    assert h.results[-1].ok


def test_urc_in_the_middle_of_a_multiline_response() -> None:
    h = Harness()
    h.send("AT+QLWCFG?")
    lines = h.rx(
        "AT+QLWCFG?", '+QLWCFG: "a",1', "+ULWM2MSTAT: 1,3", '+QLWCFG: "b",2', "+CEREG: 5", "OK"
    )
    assert h.kinds(lines) == ["echo", "info", "urc", "info", "urc", "final"]
    assert h.results[0].texts == ['+QLWCFG: "a",1', '+QLWCFG: "b",2']
    assert lines[2].command == "AT+QLWCFG?"


def test_cereg_is_response_to_read_but_urc_otherwise() -> None:
    h = Harness()
    assert h.kinds(h.rx("+CEREG: 1")) == ["urc"]
    h.send("AT+CEREG?")
    assert h.kinds(h.rx("+CEREG: 2,1", "OK")) == ["info", "final"]
    h.send("AT+CEREG=2")
    assert h.kinds(h.rx("+CEREG: 1", "OK")) == ["urc", "final"]
    assert h.results[-1].texts == []
    h.send("AT+CGMI")
    assert h.kinds(h.rx("+CEREG: 5", "x", "OK")) == ["urc", "info", "final"]


def test_command_owns_its_own_prefix_even_if_listed_as_urc() -> None:
    h = Harness()
    h.send("AT+ULWM2MSTAT?")
    assert h.kinds(h.rx("+ULWM2MSTAT: 1,3", "OK")) == ["info", "final"]


def test_response_prefixes_extend_ownership() -> None:
    d = AtDialect(urc_prefixes=("+LMOPEN:",), response_prefixes={"+LWSTART": ("+LMOPEN:",)})
    h = Harness(d)
    h.send("AT+LWSTART")
    assert h.kinds(h.rx("+LMOPEN: 0", "OK")) == ["info", "final"]
    assert h.kinds(h.rx("+LMOPEN: 1")) == ["urc"]


def test_multiline_urc_consumes_its_data_line_even_if_it_looks_like_ok() -> None:
    h = Harness()
    h.send("AT+CGMI")
    lines = h.rx("AT+CGMI", '+QLWURC: "recv","/19/1/0",4,2', "OK", "Quectel", "OK")
    assert h.kinds(lines) == ["echo", "urc", "urc", "info", "final"]
    head, data = lines[1], lines[2]
    assert (head.parts, head.part, head.head) == (1, 0, None)
    assert (data.part, data.parts, data.head) == (1, 1, head.line)
    assert data.is_continuation
    assert h.results[0].texts == ["Quectel"]


def test_multiline_count_from_head() -> None:
    def count(text: str) -> int:
        return 0 if text.endswith(",0") else 1

    h = Harness(AtDialect(multiline_urcs=(MultiLineUrc("+R:", count_from=count),)))
    assert h.kinds(h.rx("+R: 1,0", "+R: 1,5", "data")) == ["urc", "urc", "urc"]
    assert h.lines[0].parts == 0 and h.lines[1].parts == 1 and h.lines[2].is_continuation


def test_broken_count_from_falls_back_to_count() -> None:
    def boom(text: str) -> int:
        raise ValueError("plugin bug")

    rule = MultiLineUrc("+R:", count=1, count_from=boom)
    assert rule.continuation_lines("+R: 1") == 1


def test_reboot_mid_command_aborts_and_engine_keeps_working() -> None:
    h = Harness()
    h.send("AT+QLWREG")
    h.rx("AT+QLWREG")
    lines = h.rx("RDY")
    assert h.kinds(lines) == ["urc"]
    assert h.results[0].status is ResultStatus.ABORTED
    assert "rebooted" in (h.results[0].error_text or "")
    assert h.engine.echo is None
    h.send("AT")
    h.rx("AT", "OK")
    assert h.results[-1].ok


def test_timeout_then_next_command_runs_and_late_final_is_stale() -> None:
    h = Harness()
    h.send("AT+SLOW", timeout=1.0)
    h.send("AT+CGMI")
    assert h.writes == [b"AT+SLOW\r"]
    assert h.engine.next_deadline() == 1.0
    h.rx("AT+SLOW")
    h.now = 1.5
    step = h.engine.tick(h.now)
    h._take(step)
    assert h.results[0].status is ResultStatus.TIMEOUT
    assert h.writes[-1] == b"AT+CGMI\r"
    late = h.rx("OK")  # the slow command's final arriving late, before AT+CGMI's echo
    assert late[0].stale and late[0].result is None
    h.rx("AT+CGMI", "Quectel", "OK")
    assert h.results[-1].ok and h.results[-1].texts == ["Quectel"]


def test_deadline_checked_when_lines_arrive() -> None:
    h = Harness()
    h.send("AT+SLOW", timeout=1.0)
    h.now = 2.0
    h.rx("+ULWM2MSTAT: 1,3")
    assert h.results[0].status is ResultStatus.TIMEOUT


def test_queue_keeps_one_command_in_flight() -> None:
    h = Harness()
    a = h.send("AT+A")
    b = h.send("AT+B")
    assert h.engine.busy and h.engine.queued == 1 and h.engine.current_command == "AT+A"
    h.rx("OK")
    h.rx("OK")
    assert [r.id for r in h.results] == [a, b]
    assert h.writes == [b"AT+A\r", b"AT+B\r"]


def test_prompt_sends_payload() -> None:
    h = Harness()
    h.send("AT+QSEND=5", payload=b"hello\x1a")
    lines = h.rx("> ", prompt=True)
    assert h.kinds(lines) == ["prompt"]
    assert h.writes[-1] == b"hello\x1a"
    h.rx("SEND OK")
    assert h.results[-1].ok


def test_cancel_and_reset() -> None:
    h = Harness()
    a = h.send("AT+A")
    b = h.send("AT+B")
    h._take(h.engine.cancel(b, 0.0))
    assert h.results[-1].id == b and h.results[-1].status is ResultStatus.ABORTED
    h._take(h.engine.cancel(a, 0.0))
    assert not h.engine.busy
    h.send("AT+C")
    h._take(h.engine.reset(0.0))
    assert h.results[-1].status is ResultStatus.ABORTED and not h.engine.busy


def test_passive_mode_learns_commands_from_log_lines() -> None:
    h = Harness()
    lines = h.rx("AT+CEREG?", "+CEREG: 2,1", "OK", "+CEREG: 1", "AT+CGSN", "AT+CGSN", "1234", "OK")
    assert h.kinds(lines) == ["echo", "info", "final", "urc", "echo", "echo", "info", "final"]
    assert lines[6].command == "AT+CGSN"
    assert [r.status for r in h.results] == [ResultStatus.OK, ResultStatus.OK]


def test_passive_command_without_final_is_closed_by_the_next() -> None:
    h = Harness()
    lines = h.rx("AT+X", "AT+Y", "OK")
    assert h.results[0].status is ResultStatus.NO_FINAL
    assert lines[1].notes
    assert h.results[1].command == "AT+Y"


def test_orphans_without_command() -> None:
    h = Harness()
    lines = h.rx("OK", "+UNKNOWNURC: 1", "plain text")
    assert h.kinds(lines) == ["final", "urc", "info"]
    assert lines[0].stale


def test_blank_lines() -> None:
    h = Harness()
    assert h.kinds(h.rx("", "   ")) == ["blank", "blank"]


def test_submit_rejects_bad_commands() -> None:
    h = Harness()
    for bad in ("", "AT\rAT"):
        try:
            h.send(bad)
        except ValueError:
            continue
        raise AssertionError(f"{bad!r} accepted")


# -- fuzz ------------------------------------------------------------------------------------

_tokens = st.sampled_from(
    [
        "AT+CGMI", "OK", "ERROR", "+CME ERROR: 3", "+CEREG: 1", "+CEREG: 2,1", "RDY", "> ",
        '+QLWURC: "recv","/1/0/0",4,1', "data", "", "+QERR: 1", "AT", "x\xff",
    ]
)  # fmt: skip
_actions = st.lists(
    st.one_of(
        st.tuples(st.just("rx"), _tokens),
        st.tuples(st.just("send"), st.sampled_from(["AT+CGMI", "AT+CEREG?", "AT"])),
        st.tuples(st.just("tick"), st.floats(min_value=0, max_value=3)),
    ),
    max_size=40,
)


@settings(max_examples=200, deadline=None)
@given(actions=_actions)
def test_fuzz_every_submitted_command_gets_exactly_one_result(
    actions: list[tuple[str, object]],
) -> None:
    h = Harness()
    submitted: list[int] = []
    for action, arg in actions:
        if action == "rx":
            h.rx(str(arg), prompt=arg == "> ")
        elif action == "send":
            submitted.append(h.send(str(arg), timeout=1.0))
        else:
            h.now += float(arg)  # type: ignore[arg-type]
            h._take(h.engine.tick(h.now))
    h.now += 10
    h._take(h.engine.tick(h.now))
    h._take(h.engine.tick(h.now + 10))
    for _ in submitted:
        h.now += 10
        h._take(h.engine.tick(h.now))
    ids = [r.id for r in h.results if r.id in submitted]
    assert sorted(ids) == sorted(submitted)
    numbers = [cl.number for cl in h.lines]
    assert numbers == sorted(numbers)


@settings(max_examples=200, deadline=None)
@given(data=st.binary(max_size=400))
def test_fuzz_garbage_through_framer_and_engine_never_raises(data: bytes) -> None:
    framer = LineFramer(clock=lambda: 0.0)
    engine = AtEngine(QUECTEL_LIKE)
    engine.submit("AT+CGMI", 0.0)
    count = 0
    for line in framer.feed(data) + framer.flush():
        step = engine.feed_line(line)
        assert [cl.line for cl in step.lines] == [line]
        assert step.lines[0].raw == line.raw
        count += 1
    assert framer.next_number == count + 1


def test_a_concatenated_line_owns_the_answers_of_each_of_its_commands() -> None:
    """``AT+CEREG=4;+CEREG?``: the +CEREG line is the read's answer, not a URC (V.250 §5.2.1)."""
    h = Harness(AtDialect(urc_prefixes=("+CEREG:",)))
    h.send("AT+CEREG=4;+CEREG?;+CESQ")
    lines = h.rx("+CEREG: 4,1", "+CESQ: 99,99,255,255,20,45", "OK")
    assert h.kinds(lines) == ["info", "info", "final"]
    assert h.results[0].texts == ["+CEREG: 4,1", "+CESQ: 99,99,255,255,20,45"]
    assert h.kinds(h.rx("+CEREG: 2")) == ["urc"]
    h.send("AT+CEREG=4;+CESQ")  # no read among the commands: +CEREG is still a URC
    assert h.kinds(h.rx("+CEREG: 1", "OK")) == ["urc", "final"]
