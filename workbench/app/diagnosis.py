"""The verdict of a guided connect: ordered rules over what both sides said.

:func:`diagnose` asks the rules in :data:`RULES` in turn; each is a small function that looks
at one :class:`Case` and returns a :class:`Diagnosis` or None, and the first answer wins. The
order is the priority of the explanations: a registration the server saw beats everything, a
refusal the server sent beats the module's own failures, a step the module rejected beats the
network, and only when the module tried and failed does the flow blame DTLS, then the
address. A new explanation is a new function in the list, tested on its own.

Pure data in, words out: no I/O, no clock (the times are in :class:`Observations`).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING, Any, Literal

from workbench.at.types import ResultStatus
from workbench.module.events import Event

if TYPE_CHECKING:  # guided.py imports this module; the rules only read these
    from workbench.app.guided import GuidedPlan, Step

Outcome = Literal[
    "registered",
    "already_registered",
    "command_rejected",
    "server_refused",
    "no_network",
    "psk_mismatch",
    "wrong_address",
    "no_registration",
    "no_answer",
    "cancelled",
]

#: 3GPP ``+CEREG`` states that mean "attached" (home or roaming).
ATTACHED = frozenset({"registered_home", "registered_roaming", "registered"})


@dataclass(slots=True)
class Diagnosis:
    """The verdict, in plain words."""

    outcome: Outcome
    #: One short sentence (the dialog's headline).
    title: str
    #: What was seen on both sides and what it means.
    explanation: str
    hints: list[str] = field(default_factory=list)
    #: Index (in :attr:`GuidedConnect.steps`) of the step the verdict is about, if any.
    step: int | None = None
    endpoint: str = ""
    seconds: float | None = None

    @property
    def ok(self) -> bool:
        return self.outcome in ("registered", "already_registered")

    def text(self) -> str:
        """Everything as plain text (clipboard, CLI, tests)."""
        lines = [self.title, "", self.explanation]
        if self.hints:
            lines.append("")
            lines += [f"• {hint}" for hint in self.hints]
        return "\n".join(lines)


@dataclass(slots=True)
class Observations:
    """What both sides said during a run (the input of :func:`diagnose`)."""

    started: float = field(default_factory=time.monotonic)
    #: Module side.
    module_registered: Event | None = None
    module_failed: Event | None = None
    bootstrap_failed: Event | None = None
    module_errors: list[Event] = field(default_factory=list)
    network_state: str | None = None
    network_raw: str = ""
    addresses: list[str] | None = None
    #: Server side.
    server_registered: dict[str, Any] | None = None
    server_endpoint: str = ""
    server_refusal: str = ""
    server_requests: int = 0
    registered_at: float | None = None
    #: The registration the server already held when the run started ("" when none).
    existing_endpoint: str = ""
    existing_address: str = ""

    @property
    def network_down(self) -> bool:
        """The module said it has no network or no address (unknown counts as fine)."""
        if self.network_state is not None and self.network_state not in ATTACHED:
            return True
        return self.addresses is not None and not any(
            a and a not in ("0.0.0.0", "::") for a in self.addresses
        )


@dataclass
class Case:
    """One run to judge, and the facts several rules share (worked out once, on demand)."""

    plan: GuidedPlan
    steps: Sequence[Step]
    seen: Observations
    #: False while the flow still runs (a verdict now would be premature unless something
    #: already failed).
    finished: bool = True

    @property
    def where(self) -> str:
        return self.plan.server_url

    @cached_property
    def failed(self) -> list[int]:
        """Indices of the plugin's sequence steps that failed."""
        return [
            i for i, s in enumerate(self.steps) if s.status == "failed" and s.role == "sequence"
        ]

    @property
    def evidence(self) -> Event | None:
        """The module's own report of a failed registration or bootstrap."""
        return self.seen.module_failed or self.seen.bootstrap_failed

    @property
    def module_said_failed(self) -> bool:
        return self.evidence is not None

    @property
    def concluded(self) -> bool:
        """Whether the run got far enough for a verdict about the module's attempt."""
        return self.module_said_failed or bool(self.failed) or self.finished

    @property
    def tried_and_failed(self) -> bool:
        """The module reported failure or a sequence step failed."""
        return self.evidence is not None or bool(self.failed)

    @property
    def said(self) -> str:
        evidence = self.evidence
        if evidence is not None:
            return f"The module reported failure (line {evidence.line}: {evidence.raw})"
        if self.failed:
            return f"The module's last command failed ({self.steps[self.failed[0]].detail})"
        return "The module accepted every command"

    @property
    def server_saw(self) -> str:
        if self.seen.server_requests == 0:
            return f"the server at {self.where} saw nothing from it"
        return f"the server at {self.where} saw no registration"


Rule = Callable[[Case], Diagnosis | None]


def registered(case: Case) -> Diagnosis | None:
    """The server registered the module (whatever the module itself said)."""
    seen = case.seen
    if seen.server_registered is None:
        return None
    elapsed = None
    if seen.registered_at is not None:
        elapsed = round(seen.registered_at - seen.started, 3)
    ep = seen.server_endpoint
    address = seen.server_registered.get("address", "")
    if seen.module_registered is not None:
        explanation = (
            f"The server registered endpoint “{ep}” from {address}, and the module "
            f"reported the registration too (line {seen.module_registered.line}: "
            f"{seen.module_registered.raw})."
        )
    else:
        explanation = (
            f"The server registered endpoint “{ep}” from {address}. The module's own "
            "messages did not say “registered” (yet): its status URCs may be off or "
            "their meaning unknown to the plugin."
        )
    return Diagnosis("registered", f"Registered as “{ep}”", explanation, [], None, ep, elapsed)


def server_refused(case: Case) -> Diagnosis | None:
    """The server answered the module's Register/Update/Bootstrap-Request with 4.xx/5.xx."""
    if not case.seen.server_refusal:
        return None
    return Diagnosis(
        "server_refused",
        "The server refused the module",
        f"The module reached the server at {case.where}, but the server answered "
        f"{case.seen.server_refusal}.",
        [
            "A 4.04 to a Bootstrap-Request means no bootstrap configuration is loaded "
            "(Server panel → Bootstrap) or the module asks for bootstrap by mistake.",
            "A 4.00 to a Register means a malformed request (endpoint name, lifetime, "
            "binding): see the CoAP log for the exact request.",
            "A 4.03 usually means a security mismatch (the server expects DTLS).",
        ],
    )


def already_registered(case: Case) -> Diagnosis | None:
    """The module was registered before the run and nothing replaced that registration.

    Re-sending the sequence to a registered module often brings no new Register (the module
    answers its register command with an error, or keeps its session): "the server saw
    nothing" would be untrue — it holds the registration from before.
    """
    seen, steps = case.seen, case.steps
    if not seen.existing_endpoint or seen.server_registered is not None:
        return None
    if case.module_said_failed:
        return None
    ep = seen.existing_endpoint
    failed = case.failed
    refused = (
        f" It answered step {failed[0] + 1} (“{steps[failed[0]].shown}”) with "
        f"{steps[failed[0]].detail or 'an error'}: modules refuse to register twice."
        if failed
        else ""
    )
    return Diagnosis(
        "already_registered",
        f"Already registered as “{ep}”",
        f"The server held the registration of “{ep}” from {seen.existing_address or '?'} "
        f"before this run, and the module kept it.{refused}",
        [
            "To watch a fresh registration, deregister first (the module's deregister "
            "command) or restart the module, then run again.",
        ],
        failed[0] if failed else None,
        ep,
    )


def _first_failed_step(case: Case) -> int | None:
    """The first failed sequence step, unless the module itself reported a failure (which
    then explains the step better than the step's error does)."""
    if not case.failed or case.module_said_failed:
        return None
    return case.failed[0]


def step_unanswered(case: Case) -> Diagnosis | None:
    """A sequence step got no final result in time."""
    index = _first_failed_step(case)
    if index is None:
        return None
    step = case.steps[index]
    if step.result is None or step.result.status is not ResultStatus.TIMEOUT:
        return None
    return Diagnosis(
        "no_answer",
        f"The module did not answer step {index + 1}",
        f"“{step.shown}” got no final result in time. The module may be busy, "
        "asleep, or not the module the plugin expects.",
        ["Check the port and baud rate; send AT in the terminal to see if it answers."],
        index,
    )


def step_rejected(case: Case) -> Diagnosis | None:
    """A sequence step was answered with an error."""
    index = _first_failed_step(case)
    if index is None:
        return None
    step = case.steps[index]
    return Diagnosis(
        "command_rejected",
        f"The module rejected step {index + 1}",
        f"“{step.shown}” was answered with {step.detail or 'an error'}.",
        [
            "Open the command's template in the Commands panel: its documentation says "
            "which values the module accepts.",
            "Send AT+CMEE=2 first to get error texts instead of numbers.",
            "The module may be in a state where the command is not allowed (e.g. the "
            "client is already running): stop it and run the flow again.",
        ],
        index,
    )


def no_network(case: Case) -> Diagnosis | None:
    """The checks showed no network registration or no IP address."""
    if not case.concluded:
        return None
    seen = case.seen
    if seen.network_state is not None and seen.network_state not in ATTACHED:
        network_hint = f"the module is not registered on a network ({seen.network_raw})"
    elif seen.network_down:
        network_hint = "the module has no IP address (+CGPADDR shows none)"
    else:
        return None
    return Diagnosis(
        "no_network",
        "No network: the module cannot reach any server",
        f"During the checks {network_hint}, and no registration reached the server.",
        [
            "Check the SIM, the antenna and the APN; wait for AT+CEREG? to show 1 or 5.",
            "AT+COPS? shows the operator; AT+CGDCONT? the APN in use.",
        ],
    )


def psk_mismatch(case: Case) -> Diagnosis | None:
    """DTLS was meant, the module failed and the server saw nothing it could read."""
    if not (case.plan.secure and case.tried_and_failed):
        return None
    return Diagnosis(
        "psk_mismatch",
        "DTLS failed: the PSK identity or key probably differ",
        f"{case.said}, and {case.server_saw}. With DTLS a wrong identity or key looks exactly "
        "like this: the handshake fails before any CoAP message exists, so the "
        "server cannot say more.",
        [
            f"Compare the module's PSK identity with “{case.plan.psk_identity}” and its "
            "key with the one in the Server panel (hex, same length).",
            "Check the module uses security mode 0 (PSK) and the coaps:// address.",
        ],
    )


def wrong_address(case: Case) -> Diagnosis | None:
    """The module tried and failed and no registration arrived: it does not reach us."""
    if not case.tried_and_failed:
        return None
    return Diagnosis(
        "wrong_address",
        "Wrong address or server unreachable",
        f"{case.said}, and {case.server_saw}: the module's requests do not arrive. The address "
        f"it uses is wrong, or nothing listens there.",
        [
            f"The module must use {case.where}; check the address and port in the "
            "sequence (or the module's preconfigured server).",
            "A module on a cellular network cannot reach 127.0.0.1 or a LAN address: "
            "start the server on all interfaces and use an address the network can "
            "reach (firewall and NAT permitting).",
        ],
    )


def no_registration(case: Case) -> Diagnosis | None:
    """The flow ended in silence: every command accepted, no result on either side."""
    if not case.concluded:
        return None
    return Diagnosis(
        "no_registration",
        "No registration arrived",
        f"The module accepted every command but neither reported a result nor reached "
        f"the server at {case.where}.",
        [
            "Turn the module's LwM2M status URCs on to see what it is doing.",
            "Some modules register only after a reboot (AT+CFUN=1,1 or AT+CFUN=16).",
        ],
    )


#: The rules, first match wins (see the module docstring for why in this order).
RULES: tuple[Rule, ...] = (
    registered,
    server_refused,
    already_registered,
    step_unanswered,
    step_rejected,
    no_network,
    psk_mismatch,
    wrong_address,
    no_registration,
)


def diagnose(
    plan: GuidedPlan,
    steps: Sequence[Step],
    seen: Observations,
    *,
    finished: bool = True,
) -> Diagnosis:
    """The verdict for what was seen: the first of :data:`RULES` that answers, else
    "stopped" (the flow ended before anything could be concluded)."""
    case = Case(plan, steps, seen, finished)
    for rule in RULES:
        verdict = rule(case)
        if verdict is not None:
            return verdict
    return Diagnosis("cancelled", "Stopped", "The flow was stopped before a verdict.")
