"""Observations held by the client, and when they notify.

aiocoap carries the CoAP side (tokens, Observe numbers, reactive cancel by RST, proactive
cancel by a GET with Observe=1 on the same token, which replaces the running request); this
module decides *when* a notification goes out:

* a change notifies when the conditions hold: with ``gt``/``lt`` the value crossed a
  threshold since the last notification, with ``st`` it moved by at least ``st``; without
  them any change notifies;
* never sooner than ``pmin`` after the last notification (a change inside ``pmin`` is sent
  when ``pmin`` expires);
* at the latest ``pmax`` after the last notification, changed or not (``pmax`` is ignored
  when not larger than ``pmin``, as the specification asks).

While the client sleeps (queue mode) notifications are held back and sent on wake-up.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable, Coroutine
from dataclasses import dataclass, field
from typing import Any

from aiocoap import Message
from aiocoap.numbers.codes import Code

from workbench.client import composite
from workbench.client import content as content_formats
from workbench.client.attributes import Attributes, AttributeStore
from workbench.client.errors import OperationError
from workbench.client.events import EventHub
from workbench.client.store import ObjectStore
from workbench.lwm2m.paths import Path
from workbench.lwm2m.tasks import TaskSet
from workbench.lwm2m.values import Value, is_finite_number

log = logging.getLogger(__name__)


@dataclass(eq=False)
class Observation:
    """One observation of ``path`` by the server (aiocoap's ServerObservation inside)."""

    path: Path
    accept: int | None
    server_observation: Any
    token: str
    last_time: float = 0.0
    last_values: dict[Path, Value] = field(default_factory=dict)
    active: bool = False
    pending: bool = False
    pmin_handle: asyncio.TimerHandle | None = None
    pmax_handle: asyncio.TimerHandle | None = None
    #: Observe-Composite (LwM2M 1.1): every observed path (``path`` is the first of them).
    composite: tuple[Path, ...] = ()

    @property
    def paths(self) -> tuple[Path, ...]:
        return self.composite or (self.path,)


class ObserveManager:
    """All observations of one client."""

    def __init__(
        self,
        store: ObjectStore,
        attributes: AttributeStore,
        events: EventHub,
        version: Callable[[], str],
        default_periods: Callable[[], tuple[float, float]],
        on_pending: Callable[[], None] = lambda: None,
    ) -> None:
        self.store = store
        self.attributes = attributes
        self.events = events
        self._version = version
        self._default_periods = default_periods
        self._on_pending = on_pending
        self._observations: list[Observation] = []
        self._tasks = TaskSet(owner="observe")
        #: While paused (client asleep) notifications are only marked pending.
        self.paused = False
        store.on_change(self.changed)

    @property
    def observations(self) -> list[Observation]:
        return [obs for obs in self._observations if obs.active]

    def add(self, observation: Observation) -> None:
        self._observations.append(observation)

    def started(self, observation: Observation, values: dict[Path, Value], fmt: int) -> None:
        """The first response went out: the observation is live."""
        observation.active = True
        observation.last_values = values
        observation.last_time = time.monotonic()
        self._arm_pmax(observation)
        self.events.emit(
            "observe", path=str(observation.path), active=True, format=fmt, token=observation.token
        )

    def remove(self, observation: Observation) -> None:
        if observation in self._observations:
            self._observations.remove(observation)
        self._disarm(observation)
        if observation.active:
            observation.active = False
            self.events.emit(
                "observe", path=str(observation.path), active=False, token=observation.token
            )

    def attributes_for(self, observation: Observation) -> Attributes:
        pmin, pmax = self._default_periods()
        return self.attributes.effective(observation.path, pmin, pmax)

    # -- change handling ----------------------------------------------------------------------

    def changed(self, paths: list[Path]) -> None:
        for obs in self.observations:
            if any(o.contains(p) or p.contains(o) for o in obs.paths for p in paths):
                self._consider(obs)

    def refresh(self) -> None:
        """Attributes changed: re-arm timers with the new periods."""
        for obs in self.observations:
            self._arm_pmax(obs)

    def _consider(self, obs: Observation) -> None:
        attrs = self.attributes_for(obs)
        if not self.store.is_host_object(obs.path.object_id) and not self._conditions_met(
            obs, attrs
        ):
            return
        pmin = attrs.get("pmin", 0.0)
        wait = obs.last_time + pmin - time.monotonic()
        if wait <= 0:
            self.notify(obs)
        elif obs.pmin_handle is None:
            loop = asyncio.get_running_loop()
            obs.pmin_handle = loop.call_later(wait, self._pmin_expired, obs)

    def _pmin_expired(self, obs: Observation) -> None:
        obs.pmin_handle = None
        if obs.active:
            self.notify(obs)

    def _conditions_met(self, obs: Observation, attrs: Attributes) -> bool:
        try:
            new_values: dict[Path, Value] = {}
            for path in obs.paths:
                new_values.update(self.store.content(path))
        except OperationError:
            return True  # the path went away: the notification carries the error
        if new_values == obs.last_values:
            return False
        if obs.composite:
            return True  # thresholds are attributes of one resource, not of a composite
        gt, lt, st = attrs.get("gt"), attrs.get("lt"), attrs.get("st")
        if gt is None and lt is None and st is None:
            return True
        old = obs.last_values.get(obs.path)
        new = new_values.get(obs.path)
        if not (is_finite_number(old) and is_finite_number(new)):
            return True
        assert isinstance(old, int | float) and isinstance(new, int | float)
        if gt is not None and (old > gt) != (new > gt):
            return True
        if lt is not None and (old < lt) != (new < lt):
            return True
        return st is not None and abs(new - old) >= st

    # -- sending ------------------------------------------------------------------------------

    def notify(self, obs: Observation) -> None:
        """Send a notification for ``obs`` now (or on wake-up when asleep)."""
        if self.paused:
            if not obs.pending:
                obs.pending = True
                self._on_pending()
            return
        obs.pending = False
        self._spawn(self._send(obs))

    def resume(self) -> None:
        """Woken up: send what was held back."""
        self.paused = False
        for obs in self.observations:
            if obs.pending:
                self.notify(obs)

    def has_pending(self) -> bool:
        return any(obs.pending for obs in self.observations)

    async def _send(self, obs: Observation) -> None:
        self._disarm(obs)
        try:
            if obs.composite:
                values = await composite.read_composite(self.store, list(obs.composite))
                fmt, codec = composite.codec_of(obs.accept)
                payload = codec.encode_composite(values, self.store.registry)
            else:
                values = await self.store.read(obs.path)
                fmt, payload = content_formats.encode(
                    obs.path, values, self.store.registry, obs.accept, self._version()
                )
            message = Message(code=Code.CONTENT, payload=payload, content_format=fmt)
            code = Code.CONTENT
        except OperationError as exc:
            values = {}
            code = exc.code
            message = Message(code=exc.code, payload=exc.reason.encode()[:200])
        if not obs.active:
            return
        obs.last_time = time.monotonic()
        obs.last_values = values
        obs.server_observation.trigger(message)
        self.events.emit("notify", path=str(obs.path), code=code.dotted)
        if code.is_successful():
            self._arm_pmax(obs)

    def _arm_pmax(self, obs: Observation) -> None:
        if obs.pmax_handle is not None:
            obs.pmax_handle.cancel()
            obs.pmax_handle = None
        attrs = self.attributes_for(obs)
        pmax = attrs.get("pmax", 0.0)
        if pmax <= 0 or pmax <= attrs.get("pmin", 0.0):
            return
        wait = max(0.0, obs.last_time + pmax - time.monotonic())
        obs.pmax_handle = asyncio.get_running_loop().call_later(wait, self._pmax_expired, obs)

    def _pmax_expired(self, obs: Observation) -> None:
        obs.pmax_handle = None
        if obs.active:
            self.notify(obs)

    def _disarm(self, obs: Observation) -> None:
        for name in ("pmin_handle", "pmax_handle"):
            handle: asyncio.TimerHandle | None = getattr(obs, name)
            if handle is not None:
                handle.cancel()
                setattr(obs, name, None)

    def _spawn(self, coro: Coroutine[Any, Any, None]) -> None:
        self._tasks.spawn(coro)

    async def close(self) -> None:
        """Stop timers and running sends; observations end with the CoAP context."""
        for obs in list(self._observations):
            self._disarm(obs)
        await self._tasks.close()
        self._observations.clear()
