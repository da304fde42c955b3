"""The LwM2M lines of a scenario: every verb parses, formats back, and every error names the
file and the line."""

from __future__ import annotations

import pytest

from workbench.app.scenario_steps import (
    LWM2M_VERBS,
    CancelStep,
    ConnectStep,
    ExecuteStep,
    NotifyStep,
    ObserveStep,
    ReadStep,
    StateStep,
    WriteStep,
)
from workbench.app.sequences import CommandSequence, SendStep, SequenceError, format_step
from workbench.lwm2m.paths import Path


def one(line: str) -> object:
    sequence = CommandSequence.parse(line, source="x.atseq")
    assert len(sequence.steps) == 1
    return sequence.steps[0]


@pytest.mark.parametrize(
    ("line", "step"),
    [
        ("connect", ConnectStep(60.0)),
        ("connect timeout=5", ConnectStep(5.0)),
        ("state registration=registered", StateStep("registration", "registered", 30.0)),
        ("state client=ready timeout=2s", StateStep("client", "ready", 2.0)),
        ("read /3/0", ReadStep(Path.parse("/3/0"))),
        ("read /3/0/0 == Quectel", ReadStep(Path.parse("/3/0/0"), "Quectel")),
        (
            "read /3/0/0 == Quectel BG95 timeout=3",
            ReadStep(Path.parse("/3/0/0"), "Quectel BG95", 3),
        ),
        ("write /1/0/1 300", WriteStep(Path.parse("/1/0/1"), "300")),
        ("write /3/0/0 x expect=4.05", WriteStep(Path.parse("/3/0/0"), "x", "4.05")),
        ("write /3/0/15 Europe/Berlin", WriteStep(Path.parse("/3/0/15"), "Europe/Berlin")),
        ("execute /3/0/4", ExecuteStep(Path.parse("/3/0/4"))),
        ("execute /5/0/2 0='a' expect=4.05", ExecuteStep(Path.parse("/5/0/2"), "0='a'", "4.05")),
        ("observe /3/0/13", ObserveStep(Path.parse("/3/0/13"))),
        ("observe /3/0/13 timeout=500ms", ObserveStep(Path.parse("/3/0/13"), 0.5)),
        ("notify /3/0/13", NotifyStep(Path.parse("/3/0/13"))),
        ("notify /3/0/20 == 70 timeout=1m", NotifyStep(Path.parse("/3/0/20"), "70", 60.0)),
        ("cancel /3/0/13", CancelStep(Path.parse("/3/0/13"))),
        ("CONNECT", ConnectStep(60.0)),
    ],
)
def test_every_verb_parses_and_formats_back(line: str, step: object) -> None:
    parsed = one(line)
    assert parsed == step
    assert one(format_step(parsed)) == parsed  # type: ignore[arg-type]


def test_every_verb_is_covered_above() -> None:
    assert set(LWM2M_VERBS) == {
        "connect", "state", "read", "write", "execute", "observe", "notify", "cancel"
    }  # fmt: skip


def test_plain_at_lists_and_old_steps_stay_valid_beside_lwm2m_steps() -> None:
    text = "# bring-up\nAT+CMEE=2\nsend AT+CFUN=1 timeout=5\nwait \\+CEREG: 1\ndelay 1\nconnect\n"
    sequence = CommandSequence.parse(text, source="bring-up.atseq")
    assert [type(s).__name__ for s in sequence.steps] == [
        "CommentStep", "SendStep", "SendStep", "WaitStep", "DelayStep", "ConnectStep",
    ]  # fmt: skip
    assert sequence.steps[1] == SendStep("AT+CMEE=2")
    assert sequence.lines == [1, 2, 3, 4, 5, 6]
    assert sequence.uses_lwm2m
    assert not CommandSequence.parse("AT\nAT+CGMI\n").uses_lwm2m


def test_lines_are_file_lines_with_blank_lines_between() -> None:
    sequence = CommandSequence.parse("\n\nconnect\n\nread /3/0/0\n", source="s.atseq")
    assert sequence.lines == [3, 5]
    assert sequence.line_of(1) == 5
    sequence.steps.insert(0, SendStep("AT"))  # edited: positions from now on
    assert sequence.line_of(1) == 2


def test_a_value_is_the_rest_of_the_line_unquoted() -> None:
    step = one('write /3/0/15 "Europe/Paris" with spaces')
    assert isinstance(step, WriteStep)
    assert step.value == '"Europe/Paris" with spaces'


@pytest.mark.parametrize(
    ("line", "words"),
    [
        # unknown verb
        ("reed /3/0/0", ["unknown step 'reed'", "connect", "notify", "cancel"]),
        # bad path
        ("read 3/0/0", ["bad path", "starts with '/'"]),
        ("read /3/x/0", ["bad path", "not a decimal id"]),
        ("observe /3/0/0/0/0", ["bad path", "at most 4 levels"]),
        ("execute /3/0", ["execute needs a resource path"]),
        ("write /3/0 1", ["write needs a resource path"]),
        ("read /3/0 == x", ["compares one resource"]),
        ("read", ["read needs a path"]),
        ("cancel", ["cancel needs a path"]),
        # missing value
        ("write /1/0/1", ["write /1/0/1 needs a value"]),
        ("read /3/0/0 ==", ["needs a value after '=='"]),
        ("notify /3/0/0 == timeout=5", ["needs a value after '=='"]),
        ("state registration", ["state needs <field>=<value>"]),
        ("state registration=", ["needs a value"]),
        ("state", ["state needs <field>=<value>"]),
        # bad timeout
        ("connect timeout=soon", ["timeout:", "'soon' is not a time"]),
        ("read /3/0/0 timeout=0", ["timeout must be > 0"]),
        ("notify /3/0/0 timeout=-1", ["'-1' is not a time"]),
        ("state client=ready timeout=5x", ["'5x' is not a time"]),
        # other misuse
        ("state colour=red", ["unknown state field 'colour'", "registration"]),
        ("connect now", ["connect takes no argument"]),
        ("observe /3/0/0 please", ["observe takes only a path"]),
        ("read /3/0/0 = 5", ["takes '== <value>'"]),
        ("write /1/0/1 5 expect=ok", ["not a CoAP response code"]),
        ("read /3/0/0 expect=2.05", ["expect= belongs to write and execute"]),
    ],
)
def test_errors_name_the_file_and_line(line: str, words: list[str]) -> None:
    text = f"# header\nAT\n{line}\n"
    with pytest.raises(SequenceError) as caught:
        CommandSequence.parse(text, source="flows/check.atseq")
    message = str(caught.value)
    assert message.startswith("flows/check.atseq:3: "), message
    assert caught.value.line == 3
    for word in words:
        assert word in message, (word, message)
