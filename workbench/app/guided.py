"""Guided "connect this module to the server": send the plugin's sequence, watch, explain.

An engineer who brings up a module wants one button that points it at the built-in server and
either says "registered" or says *why not* in words a person can act on. This module is that
flow without any widgets (the GUI's dialog and tests drive it):

1. :func:`plan_for` builds the :class:`GuidedPlan` — two harmless checks (``AT+CEREG?``,
   ``AT+CGPADDR``: is there a network and an IP address?) and the plugin's documented
   ``connect_sequence(server_url)`` for the running server (the DTLS address and the PSK when
   one is set), with every secret masked in what is shown;
2. :class:`GuidedConnect` sends the steps one by one through an AT-client-like ``send`` and
   watches both sides at once: the module's decoded events (registration, client, network,
   errors) fed by :meth:`GuidedConnect.module_event`, and the server's events and CoAP log
   (``registered``, refusals with a 4.xx/5.xx answer to ``/rd`` or ``/bs``);
3. :func:`~workbench.app.diagnosis.diagnose` (ordered rule functions in
   :mod:`workbench.app.diagnosis`) turns what was seen into a :class:`Diagnosis` — registered,
   or: command rejected (which step, the module's own error text), server refused (its code
   and reason), no network (not registered / no IP), PSK mismatch (as far as one can tell:
   DTLS in use, the module reports failure and the server saw nothing), wrong address /
   server unreachable (the module tried and failed, the server saw nothing), or silence.

Pure Python on asyncio, no Qt. The server object only needs ``events``/``coap_log`` buses with
``subscribe(callback) -> unsubscribe`` (:class:`workbench.server.LwM2MServer`).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from workbench.app.diagnosis import Diagnosis, Observations, diagnose
from workbench.at.types import CommandResult, ResultStatus
from workbench.module.events import Event, Kind
from workbench.plugin.api import Plugin

SendFunction = Callable[[str, float], Awaitable[CommandResult]]
StepStatus = Literal["pending", "running", "ok", "failed", "skipped"]
#: Read-only checks sent before the sequence: network registration and the PDP address.
CHECK_COMMANDS: tuple[tuple[str, str], ...] = (
    ("AT+CEREG?", "Is the module registered on a network?"),
    ("AT+CGPADDR", "Does the module have an IP address?"),
)
MASK = "***"


@dataclass(slots=True)
class Step:
    """One AT command of the guided flow and how it went."""

    command: str
    #: The command as shown to people (secrets masked).
    shown: str
    #: ``check`` (read-only, may be unsupported) or ``sequence`` (the plugin's own lines).
    role: Literal["check", "sequence"]
    purpose: str = ""
    status: StepStatus = "pending"
    #: The module's answer in one line: response texts, or its error text.
    detail: str = ""
    result: CommandResult | None = None


@dataclass(slots=True)
class GuidedPlan:
    """What will be sent, to which server, and what to know beforehand."""

    plugin_id: str
    plugin_name: str
    #: The URL the module is pointed at (``coap://`` or, with a PSK, ``coaps://``).
    server_url: str
    commands: list[str]
    checks: list[tuple[str, str]] = field(default_factory=lambda: list(CHECK_COMMANDS))
    #: Plain-language remarks shown above the steps (no secret in them).
    notes: list[str] = field(default_factory=list)
    #: Values masked wherever a command is shown (PSK key, in hex and as given).
    secrets: list[str] = field(default_factory=list)
    #: True when the module is meant to use DTLS with a PSK.
    secure: bool = False
    psk_identity: str = ""

    def mask(self, text: str) -> str:
        """``text`` with every secret replaced by ``***``."""
        for secret in sorted(self.secrets, key=len, reverse=True):
            if secret:
                text = text.replace(secret, MASK)
        return text

    def steps(self) -> list[Step]:
        """Fresh steps: the checks, then the sequence."""
        out = [Step(c, self.mask(c), "check", purpose) for c, purpose in self.checks]
        out += [Step(c, self.mask(c), "sequence", "") for c in self.commands]
        return out


#: Registration settings a plugin's ``connect_sequence`` may take as keywords (the guided
#: dialog lets the user edit the ones the plugin declares in ``Plugin.connect_options``).
SEQUENCE_OPTIONS = ("endpoint", "lifetime", "binding")


def editable_options(plugin: Plugin) -> tuple[str, ...]:
    """The :data:`SEQUENCE_OPTIONS` ``plugin``'s connect sequence takes."""
    if plugin.connect_sequence is None:
        return ()
    return tuple(name for name in SEQUENCE_OPTIONS if name in plugin.connect_options)


def registered_client(server: Any) -> tuple[str, str]:
    """``(endpoint, address)`` of the one client registered with ``server`` ("" if none, or if
    several are: which one is this module cannot be told)."""
    try:
        clients = dict(server.clients)
    except Exception:  # a stopped or fake server
        return "", ""
    if len(clients) != 1:
        return "", ""
    endpoint, info = next(iter(clients.items()))
    return str(endpoint), str(getattr(info, "address", "") or "")


def plan_for(
    plugin: Plugin,
    server_url: str,
    *,
    psk: tuple[str, bytes] | None = None,
    dtls_url: str = "",
    checks: bool = True,
    variant: str | None = None,
    options: Mapping[str, str | int] | None = None,
) -> GuidedPlan:
    """The plan for pointing ``plugin``'s module at the server on ``server_url``.

    With ``psk`` (identity, key) and the server's ``dtls_url`` the module is pointed at the
    DTLS address, and the plugin's sequence (a :class:`~workbench.plugin.api.ConnectSequence`)
    gets the identity and the key as keywords; when its lines do not change with them, its
    document configures no key and the plan says the key must be set by hand. ``options``
    (:data:`SEQUENCE_OPTIONS`: endpoint, lifetime, binding) go to a sequence that declares
    them (:attr:`~workbench.plugin.api.Plugin.connect_options`); the others are noted as ignored.
    Raises :class:`ValueError` when the plugin has no documented sequence or there is no server.
    """
    if plugin.connect_sequence is None:
        raise ValueError(
            f"{plugin.name} has no documented connect sequence yet: configure the module "
            "by hand from the Commands panel."
        )
    if not server_url:
        raise ValueError("The built-in server is not running: start it in the Server panel.")
    notes: list[str] = []
    secrets: list[str] = []
    target = server_url
    secure = False
    identity = ""
    if psk is not None:
        identity, key = psk
        secrets = [key.hex(), key.hex().upper()]
        try:
            secrets.append(key.decode("ascii"))
        except UnicodeDecodeError:
            pass
        if not dtls_url:
            notes.append(
                "A PSK is set but the server has no DTLS listener: the module is pointed at "
                "the plain CoAP address."
            )
        else:
            target = dtls_url
            secure = True
    chosen = {k: v for k, v in (options or {}).items() if v not in ("", None)}
    taken = {k: v for k, v in chosen.items() if k in plugin.connect_options}
    for name in sorted(set(chosen) - set(taken)):
        notes.append(f"{plugin.name}'s documented sequence does not set the {name}: ignored.")
    commands = plugin.connect_lines(target, variant=variant, options=taken)
    if secure and psk is not None:
        try:
            keyed = plugin.connect_lines(
                target,
                variant=variant,
                psk_identity=identity,
                psk_key=psk[1].hex(),
                options=taken,
            )
        except TypeError as exc:  # a plugin written before ConnectSequence took the keywords
            raise ValueError(
                f"{plugin.name}'s connect sequence does not take the PSK identity and key "
                f"(plugin API ConnectSequence): {exc}"
            ) from None
        if keyed != commands:
            commands = keyed
            notes.append(f"DTLS with PSK identity “{identity}” (the key is masked below).")
        else:
            notes.append(
                f"DTLS with PSK identity “{identity}”: {plugin.name}'s documented sequence "
                "configures no key, so set the same identity and key on the module by hand "
                "(Commands panel) before it registers, or the handshake will fail."
            )
    host_part = target.split("://", 1)[-1]
    if not any(host_part in c or host_part.split(":")[0] in c for c in commands):
        notes.append(
            f"{plugin.name}'s sequence does not carry the server address: the module uses its "
            f"preconfigured server, which must be {target} (a simulated module uses the "
            "address it was started with)."
        )
    if "127.0.0.1" in target or "localhost" in target or "[::1]" in target:
        notes.append(
            "The server listens on this computer only (127.0.0.1): fine for a simulated "
            "module; a real module on a cellular network needs the server on all interfaces "
            "and an address it can reach."
        )
    return GuidedPlan(
        plugin_id=plugin.id,
        plugin_name=plugin.name,
        server_url=target,
        commands=commands,
        checks=list(CHECK_COMMANDS) if checks else [],
        notes=notes,
        secrets=[s for s in secrets if s],
        secure=secure,
        psk_identity=identity,
    )


def _one_line(result: CommandResult) -> str:
    if result.ok:
        return "; ".join(result.texts) or "OK"
    if result.status is ResultStatus.TIMEOUT:
        return "no answer (timed out)"
    if result.status is ResultStatus.ABORTED:
        return result.error_text or "aborted (the module restarted?)"
    text = result.final.text if result.final is not None else ""
    if result.error_text and result.error_text not in text:
        text = f"{text} ({result.error_text})" if text else result.error_text
    return text or str(result.status)


class GuidedConnect:
    """One run of the guided flow (see the module docstring).

    ``send(command, timeout)`` is an AT client's send (``ModuleConnection.send``); feed the
    module's decoded events to :meth:`module_event` (:meth:`attach` does it for a
    :class:`~workbench.app.connection.ModuleConnection`). ``on_update`` is called (on the loop)
    whenever a step or an observation changes — the GUI batches it.
    """

    def __init__(
        self,
        plan: GuidedPlan,
        send: SendFunction,
        server: Any,
        *,
        command_timeout: float = 10.0,
        register_timeout: float = 30.0,
        failure_grace: float = 2.0,
        module_report_seconds: float = 5.0,
        on_update: Callable[[GuidedConnect], None] | None = None,
    ) -> None:
        self.plan = plan
        self.steps = plan.steps()
        self.seen = Observations()
        self.diagnosis: Diagnosis | None = None
        self.phase = "ready"
        self._send = send
        self._server = server
        self.command_timeout = command_timeout
        self.register_timeout = register_timeout
        self.failure_grace = failure_grace
        self.module_report_seconds = module_report_seconds
        self._on_update = on_update
        self._changed = asyncio.Event()
        self._requests: dict[tuple[str, bytes], str] = {}
        self._unsubscribe: list[Callable[[], None]] = []
        self._running = False

    # -- wiring ------------------------------------------------------------------------------
    def attach(self, connection: Any) -> None:
        """Watch ``connection``'s decoded events during the run (ModuleConnection)."""

        def decoded(_line: Any, events: list[Event]) -> None:
            for event in events:
                self.module_event(event)

        self._unsubscribe.append(connection.subscribe_decoded(decoded))

    def _touch(self) -> None:
        self._changed.set()
        if self._on_update is not None:
            self._on_update(self)

    def module_event(self, event: Event) -> None:
        """One decoded module event (only those after the run started matter)."""
        if not self._running:
            return
        seen = self.seen
        state = event.get("state")
        if event.kind == Kind.REGISTRATION:
            if state in ("registered", "updated"):
                seen.module_registered = event
            elif state == "failed" and seen.module_registered is None:
                seen.module_failed = event
        elif event.kind == Kind.BOOTSTRAP and state == "failed":
            seen.bootstrap_failed = event
        elif event.kind == Kind.CLIENT and state == "failed" and seen.module_failed is None:
            seen.module_failed = event
        elif event.kind == Kind.ERROR:
            seen.module_errors.append(event)
        elif event.kind == Kind.NETWORK and state is not None and event.get("stat") is not None:
            seen.network_state = str(state)
            seen.network_raw = event.raw
        elif event.kind == Kind.ADDRESS:
            seen.addresses = [str(a) for a in event.get("addresses") or []]
        else:
            return
        self._touch()

    def _server_event(self, event: Any) -> None:
        if not self._running:
            return
        if event.kind == "registered" and self.seen.server_registered is None:
            self.seen.server_registered = dict(event.data)
            self.seen.server_endpoint = event.endpoint or ""
            self.seen.registered_at = time.monotonic()
            self._touch()
        elif event.kind == "registration_rejected" and not self.seen.server_refusal:
            error = event.data.get("error", "")
            self.seen.server_refusal = f"4.00 Bad Request to its Register ({error})"
            self._touch()

    def _coap(self, entry: Any) -> None:
        if not self._running:
            return
        message = getattr(entry, "message", None)
        if message is None:
            return
        if entry.direction == "in" and message.is_request:
            path = "/" + "/".join(v.decode("utf-8", "replace") for v in message.option_values(11))
            self.seen.server_requests += 1
            if path == "/rd" or path.startswith("/rd/") or path == "/bs":
                self._requests[(entry.peer, message.token)] = path
                if len(self._requests) > 256:
                    self._requests.pop(next(iter(self._requests)))
            return
        if entry.direction != "out" or message.is_request:
            return
        asked = self._requests.get((entry.peer, message.token))
        code = int(message.code)
        if asked is None or code >> 5 not in (4, 5) or self.seen.server_refusal:
            return
        reason = message.payload.decode("utf-8", "replace").strip()[:200]
        what = "Bootstrap-Request" if asked == "/bs" else "Register" if asked == "/rd" else "Update"
        from workbench.server.coapwire import code_text  # not at start-up: it loads aiocoap

        text = f"{code_text(code)} to its {what}"
        self.seen.server_refusal = text + (f" (“{reason}”)" if reason else "")
        self._touch()

    # -- running -----------------------------------------------------------------------------
    async def run(self) -> Diagnosis:
        """Send every step, watch both sides, return (and keep) the diagnosis."""
        self._running = True
        self.seen = Observations()
        server = self._server
        self.seen.existing_endpoint, self.seen.existing_address = registered_client(server)
        self._unsubscribe.append(server.events.subscribe(self._server_event))
        self._unsubscribe.append(server.coap_log.subscribe(self._coap))
        try:
            self.diagnosis = await self._run()
        except asyncio.CancelledError:
            self.diagnosis = Diagnosis("cancelled", "Stopped", "The flow was stopped.")
            self.phase = "done"
            self._touch()
            raise
        finally:
            self._running = False
            for unsubscribe in self._unsubscribe:
                unsubscribe()
            self._unsubscribe.clear()
        self.phase = "done"
        self._touch()
        return self.diagnosis

    async def _run(self) -> Diagnosis:
        self.phase = "sending"
        for step in self.steps:
            step.status = "running"
            self._touch()
            result = await self._send(step.command, self.command_timeout)
            step.result = result
            step.detail = _one_line(result)
            if result.ok:
                step.status = "ok"
            elif step.role == "check":
                step.status = "skipped"  # the module does not support it: not a problem
                step.detail = f"not supported here ({step.detail})"
            else:
                step.status = "failed"
            self._touch()
            if step.status == "failed":
                break
        failed = any(s.status == "failed" for s in self.steps)
        for step in self.steps:
            if step.status == "pending":
                step.status = "skipped"
        self.phase = "waiting"
        self._touch()
        await self._wait(failed)
        if self.seen.server_registered is not None and self.seen.module_registered is None:
            await self._wait_for(lambda: self.seen.module_registered is not None,
                                 self.module_report_seconds)  # fmt: skip
        return diagnose(self.plan, self.steps, self.seen)

    async def _wait(self, failed: bool) -> None:
        """Until registered, refused, or the module failed (plus a grace), or timeout."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + (self.failure_grace * 2 if failed else self.register_timeout)
        failed_since: float | None = loop.time() if failed else None
        while True:
            seen = self.seen
            if seen.server_registered is not None or seen.server_refusal:
                return
            module_failed = seen.module_failed is not None or seen.bootstrap_failed is not None
            if module_failed and failed_since is None:
                failed_since = loop.time()
            now = loop.time()
            if failed_since is not None and now - failed_since >= self.failure_grace:
                return
            if now >= deadline:
                return
            self._changed.clear()
            timeout = deadline - now
            if failed_since is not None:
                timeout = min(timeout, failed_since + self.failure_grace - now)
            try:
                async with asyncio.timeout(max(timeout, 0.01)):  # not wait_for: 3.11 swallows
                    await self._changed.wait()  # a cancel that meets a finishing wait
            except TimeoutError:
                pass

    async def _wait_for(self, check: Callable[[], bool], seconds: float) -> None:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + seconds
        while not check() and loop.time() < deadline:
            self._changed.clear()
            try:
                async with asyncio.timeout(deadline - loop.time()):
                    await self._changed.wait()
            except TimeoutError:
                return


__all__ = [
    "CHECK_COMMANDS",
    "Diagnosis",
    "GuidedConnect",
    "GuidedPlan",
    "Observations",
    "Step",
    "diagnose",
    "plan_for",
]
