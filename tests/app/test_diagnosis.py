"""Each rule of the guided-connect verdict on its own, then their order (pure, no I/O)."""

from __future__ import annotations

from typing import Any

import pytest

from workbench.app import diagnosis
from workbench.app.diagnosis import RULES, Case, Observations, diagnose
from workbench.app.guided import GuidedPlan, Step
from workbench.at.types import CommandResult, ResultStatus
from workbench.module.events import Event

URL = "coap://127.0.0.1:5683"


def plan(secure: bool = False) -> GuidedPlan:
    return GuidedPlan("p", "P", URL, ["AT+A", "AT+B"], secure=secure, psk_identity="bench")


def steps(*status: str, timeout: bool = False) -> list[Step]:
    out = [Step("AT+CEREG?", "AT+CEREG?", "check", status="ok")]
    for n, state in enumerate(status):
        result = None
        if state == "failed":
            kind = ResultStatus.TIMEOUT if timeout else ResultStatus.ERROR
            result = CommandResult(n, f"AT+{n}", kind)
        detail = "+CME ERROR: 3" if state == "failed" and not timeout else ""
        out.append(Step(f"AT+{n}", f"AT+{n}", "sequence", status=state, detail=detail))
        out[-1].result = result
    return out


def failed_event() -> Event:
    return Event("registration", 9, "+QLWURC: x", {"server": 1, "state": "failed"})


def seen(**values: Any) -> Observations:
    return Observations(started=100.0, **values)


def case(
    *, secure: bool = False, run: list[Step] | None = None, finished: bool = True, **values: Any
) -> Case:
    return Case(
        plan(secure), run if run is not None else steps("ok", "ok"), seen(**values), finished
    )


REGISTERED = {"server_registered": {"address": "127.0.0.1:4000"}, "server_endpoint": "ep-1"}


def test_registered() -> None:
    verdict = diagnosis.registered(case(registered_at=101.25, **REGISTERED))
    assert verdict is not None and verdict.ok and verdict.endpoint == "ep-1"
    assert verdict.seconds == 1.25
    assert "did not say “registered”" in verdict.explanation
    module = Event("registration", 4, "+X: 1", {"state": "registered"})
    said = diagnosis.registered(case(module_registered=module, **REGISTERED))
    assert said is not None and "line 4: +X: 1" in said.explanation
    assert diagnosis.registered(case()) is None


def test_server_refused() -> None:
    verdict = diagnosis.server_refused(case(server_refusal="4.04 to its Bootstrap-Request"))
    assert verdict is not None and verdict.outcome == "server_refused"
    assert f"server at {URL}, but the server answered 4.04" in verdict.explanation
    assert diagnosis.server_refused(case()) is None


def test_step_unanswered() -> None:
    verdict = diagnosis.step_unanswered(case(run=steps("ok", "failed", timeout=True)))
    assert verdict is not None and verdict.outcome == "no_answer" and verdict.step == 2
    assert verdict.title == "The module did not answer step 3"
    assert diagnosis.step_unanswered(case(run=steps("ok", "failed"))) is None  # an error
    # The module's own failure report explains it better than the step does.
    timed_out = steps("failed", timeout=True)
    assert diagnosis.step_unanswered(case(run=timed_out, module_failed=failed_event())) is None


def test_step_rejected() -> None:
    verdict = diagnosis.step_rejected(case(run=steps("ok", "failed", "skipped")))
    assert verdict is not None and verdict.outcome == "command_rejected" and verdict.step == 2
    assert "“AT+1” was answered with +CME ERROR: 3." in verdict.explanation
    assert diagnosis.step_rejected(case()) is None
    run = steps("failed")
    assert diagnosis.step_rejected(case(run=run, bootstrap_failed=failed_event())) is None


def test_no_network() -> None:
    detached = diagnosis.no_network(case(network_state="searching", network_raw="+CEREG: 0,2"))
    assert detached is not None and detached.outcome == "no_network"
    assert "not registered on a network (+CEREG: 0,2)" in detached.explanation
    no_ip = diagnosis.no_network(case(network_state="registered_home", addresses=["0.0.0.0"]))
    assert no_ip is not None and "no IP address" in no_ip.explanation
    assert (
        diagnosis.no_network(case(network_state="registered_roaming", addresses=["10.0.0.2"]))
        is None
    )
    # Still running and nothing failed yet: too early to blame the network.
    assert diagnosis.no_network(case(finished=False, network_state="searching")) is None


def test_psk_mismatch() -> None:
    verdict = diagnosis.psk_mismatch(case(secure=True, module_failed=failed_event()))
    assert verdict is not None and verdict.outcome == "psk_mismatch"
    assert "“bench”" in verdict.text() and "saw nothing from it" in verdict.explanation
    assert diagnosis.psk_mismatch(case(secure=True)) is None  # nothing failed
    assert diagnosis.psk_mismatch(case(module_failed=failed_event())) is None  # no DTLS


def test_wrong_address() -> None:
    verdict = diagnosis.wrong_address(case(module_failed=failed_event(), server_requests=2))
    assert verdict is not None and verdict.outcome == "wrong_address"
    assert verdict.explanation.startswith("The module reported failure (line 9: +QLWURC: x)")
    assert "saw no registration" in verdict.explanation
    by_step = diagnosis.wrong_address(case(run=steps("failed")))
    assert by_step is not None and "last command failed (+CME ERROR: 3)" in by_step.explanation
    assert diagnosis.wrong_address(case()) is None


def test_no_registration() -> None:
    verdict = diagnosis.no_registration(case())
    assert verdict is not None and verdict.outcome == "no_registration"
    assert diagnosis.no_registration(case(finished=False)) is None


def test_nothing_concluded_is_stopped() -> None:
    verdict = diagnose(plan(), steps("ok", "running"), seen(), finished=False)
    assert verdict.outcome == "cancelled" and verdict.title == "Stopped"


@pytest.mark.parametrize(
    ("values", "run", "secure", "outcome"),
    [
        # Everything at once: the server's registration wins.
        (
            {**REGISTERED, "server_refusal": "4.03", "module_failed": failed_event()},
            steps("failed"),
            True,
            "registered",
        ),
        (
            {"server_refusal": "4.03", "network_state": "searching"},
            steps("failed"),
            True,
            "server_refused",
        ),
        ({"existing_endpoint": "ep-1"}, steps("failed"), True, "already_registered"),
        ({"network_state": "searching"}, steps("failed"), True, "command_rejected"),
        ({"network_state": "searching", "module_failed": failed_event()}, None, True, "no_network"),
        ({"module_failed": failed_event()}, steps("failed"), True, "psk_mismatch"),
        ({"module_failed": failed_event()}, None, False, "wrong_address"),
        ({}, None, False, "no_registration"),
    ],
)
def test_the_first_rule_that_answers_wins(
    values: dict[str, Any], run: list[Step] | None, secure: bool, outcome: str
) -> None:
    judged = case(secure=secure, run=run, **values)
    assert diagnose(judged.plan, judged.steps, judged.seen).outcome == outcome
    answers = [verdict.outcome for rule in RULES if (verdict := rule(judged)) is not None]
    assert answers[0] == outcome
    # Every row but plain silence has a later rule that would also answer: the order decides.
    assert len(answers) >= (1 if outcome == "no_registration" else 2), answers


def test_the_order_of_the_rules() -> None:
    assert [rule.__name__ for rule in RULES] == [
        "registered",
        "server_refused",
        "already_registered",
        "step_unanswered",
        "step_rejected",
        "no_network",
        "psk_mismatch",
        "wrong_address",
        "no_registration",
    ]
