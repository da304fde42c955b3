"""Observations: Observe and Observe-Composite, their notifications, cancel and end.

The part of :class:`~workbench.server.server.LwM2MServer` that keeps one
:class:`~workbench.server.observe.Observation` per endpoint and path, follows its
notifications and ends it when the client, the server or the registration ends it.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from aiocoap import Message
from aiocoap import error as coap_error
from aiocoap.numbers.codes import Code

from workbench.lwm2m.aiocoap_compat import UDP6Address
from workbench.lwm2m.codecs.composite import composite_codec_for
from workbench.lwm2m.paths import Path
from workbench.lwm2m.tasks import TaskSet
from workbench.server.exchange import Exchanger
from workbench.server.host import ServerHost
from workbench.server.observe import Observation
from workbench.server.operations import Operations, PathLike, as_path
from workbench.server.registrar import Registrar, remote_address
from workbench.server.registration import ClientRecord
from workbench.server.requests import (
    Notification,
    PendingRequest,
    ReadResult,
    RequestFailedError,
    ServerRequestError,
)

#: RFC 7641 §3.4: after this many seconds any notification is fresher than the last.
OBSERVATION_RESET_TIME = 128.0


@dataclass(slots=True, eq=False)
class _Direct:
    """A detached observation: where its notifications go (see :meth:`Observer._detach`)."""

    obs: Observation
    #: ``host:port`` its notifications must come from (aiocoap matched token and remote).
    peer: str
    #: Takes a notification message: decodes it and delivers it.
    handler: Callable[[Any], None]
    #: Takes a decoded result and the Observe number.
    deliver: Callable[[ReadResult, int | None], None]
    #: Message id of the last notification handed on (a retransmission has the same).
    last_mid: int = -1
    #: Observe number and arrival time of the freshest notification (RFC 7641 §3.4).
    seq: int = 0
    seq_time: float = field(default_factory=time.time)

    def is_fresh(self, seq: int, now: float) -> bool:
        """RFC 7641 §3.4: newer by number (modulo 2^24) or after 128 s; as aiocoap checks."""
        old = self.seq
        fresh = (
            (old < seq and seq - old < 2**23)
            or (old > seq and old - seq > 2**23)
            or now > self.seq_time + OBSERVATION_RESET_TIME
        )
        if fresh:
            self.seq, self.seq_time = seq, now
        return fresh


def pending_of(response: Any) -> PendingRequest:
    """The request a (notification) response belongs to, attached by :meth:`Observer._observe`."""
    pending: PendingRequest = response.pending
    return pending


class Observer:
    """The server's observations, by (endpoint, path)."""

    def __init__(
        self, host: ServerHost, clients: Registrar, exchanger: Exchanger, ops: Operations
    ) -> None:
        self._host = host
        self._clients = clients
        self._exchanger = exchanger
        self._ops = ops
        self._observations: dict[tuple[str, str], Observation] = {}
        #: The live observations by token (the transport ACKs their notifications itself).
        self._by_token: dict[bytes, Observation] = {}
        #: How to hand on the notifications the transport gives :meth:`notification`, by token.
        self._direct: dict[bytes, _Direct] = {}
        #: The task that follows each observation's notifications (``async for``).
        self._followers: dict[Observation, asyncio.Task[None]] = {}
        self._tasks = TaskSet(self._follower_failed, owner="observer")

    @property
    def observations(self) -> list[Observation]:
        return list(self._observations.values())

    def observing(self, token: bytes) -> bool:
        """Whether ``token`` is a live observation's (its notifications are welcome)."""
        return token in self._by_token

    def notification(self, token: bytes, data: bytes, peer: str) -> bool:
        """A notification (CON already ACKed by the transport, or NON) for ``token``, as
        bytes from ``peer``; False when no detached observation takes it (aiocoap gets it).

        A copy of the one before (same message id: its ACK was lost) is not handed on twice.
        A notification cut into blocks (Block2 with more to come) is read again whole.
        """
        direct = self._direct.get(token)
        if direct is None or direct.peer != peer:
            return False
        mid = int.from_bytes(data[2:4], "big")
        if mid == direct.last_mid:
            return True
        direct.last_mid = mid
        try:
            message = Message.decode(data)
        except coap_error.UnparsableMessage:
            return True  # the gate let it through; nothing to hand on
        seq = message.opt.observe
        if seq is not None and not direct.is_fresh(seq, time.time()):
            return True  # an older notification overtaken by a newer one: dropped
        block2 = message.opt.block2
        if block2 is not None and block2.more:
            self._tasks.spawn(self._read_whole(direct, message), f"notification {token.hex()}")
            return True
        direct.handler(message)
        return True

    async def _read_whole(self, direct: _Direct, first: Any) -> None:
        """A block-wise notification: the whole value, read again (RFC 7959 §2.6 lets the
        observer fetch the rest; a fresh read gives the same or a newer value)."""
        obs = direct.obs
        fmt = first.opt.content_format
        try:
            if "," in obs.path:
                result = await self._ops.read_composite(obs.endpoint, obs.path.split(","), fmt)
            else:
                result = await self._ops.read(obs.endpoint, obs.path, fmt)
        except ServerRequestError:  # unknown client too
            return  # that notification is lost; the failed read is in the request list
        if obs.active:
            direct.deliver(result, first.opt.observe)

    def drop_for(self, record: ClientRecord, reason: str) -> None:
        """Drop the observations of a registration that ended."""
        for obs in list(self._observations.values()):
            if obs.record is record:
                self.drop_observation(obs, reason)

    def drop_all(self, reason: str) -> None:
        for obs in list(self._observations.values()):
            self.drop_observation(obs, reason)

    async def observe(
        self,
        endpoint: str,
        path: PathLike,
        fmt: int | None = None,
        *,
        callback: Callable[[Notification], object] | None = None,
        timeout: float | None = None,
    ) -> Observation:
        """Observe ``path``; the result's ``initial`` holds the first answer.

        Raises :class:`RequestFailedError` when the client refuses (no Observe in the answer).
        """
        target = as_path(path)
        record = self._clients.record(endpoint)
        accept = int(fmt) if fmt is not None else self._ops.formats_for(record, target)[0]
        return await self._observe(
            endpoint,
            str(target),
            lambda rec: Message(
                code=Code.GET, uri_path=rec.uri_path(target.ids), accept=accept, observe=0
            ),
            lambda response: self._ops.read_result(target, pending_of(response), response),
            callback,
            timeout,
        )

    async def observe_composite(
        self,
        endpoint: str,
        paths: Sequence[PathLike],
        fmt: int | None = None,
        *,
        callback: Callable[[Notification], object] | None = None,
        timeout: float | None = None,
    ) -> Observation:
        """Observe-Composite: FETCH with Observe=0 and a SenML list of paths."""
        targets = [as_path(p) for p in paths]
        record = self._clients.record(endpoint)
        cf = self._ops.senml_format(record, fmt)
        payload = composite_codec_for(cf).encode_paths(targets)
        key = ",".join(str(t) for t in targets)
        return await self._observe(
            endpoint,
            key,
            lambda rec: Message(
                code=Code.FETCH,
                uri_path=rec.uri_path(()),
                content_format=cf,
                accept=cf,
                payload=payload,
                observe=0,
            ),
            lambda response: self._ops.composite_result(pending_of(response), response, cf),
            callback,
            timeout,
        )

    async def _observe(
        self,
        endpoint: str,
        key: str,
        build: Callable[[ClientRecord], Any],
        result_of: Callable[[Any], ReadResult],
        callback: Callable[[Notification], object] | None,
        timeout: float | None,
    ) -> Observation:
        record = self._clients.record(endpoint)
        holder: dict[str, Any] = {}

        def on_request(coap_request: Any) -> None:
            # A request the module's closed port refused is sent again (see _exchange): only
            # the latest one's notifications and errors belong to this observation. Its
            # follower is started now, so it is iterating before an answer can arrive (one
            # network round trip later; aiocoap also replays the latest response to a new
            # iterator); it waits for the observation to exist before handing items on.
            old = holder.get("follower")
            if old is not None:
                old.cancel()
            started: asyncio.Future[tuple[Observation, Callable[[Any], None]]]
            started = asyncio.get_running_loop().create_future()
            holder["request"] = coap_request
            holder["started"] = started
            holder["follower"] = self._tasks.spawn(
                self._follow(coap_request.observation, started), f"observe {endpoint} {key}"
            )

        def build_for(rec: ClientRecord) -> Any:
            holder["record"] = rec
            return build(rec)

        try:
            pending, response = await self._exchanger.exchange(
                endpoint, "observe", key, build_for, timeout=timeout, on_request=on_request
            )
        except BaseException:
            follower = holder.get("follower")
            if follower is not None:  # no observation came of it: nothing to follow
                follower.cancel()
            raise
        record = holder.get("record", record)
        response.pending = pending
        initial = result_of(response)
        if not response.code.is_successful() or response.opt.observe is None:
            follower = holder.get("follower")
            if follower is not None:
                follower.cancel()
            coap_request = holder.get("request")
            if coap_request is not None and not coap_request.observation.cancelled:
                with contextlib.suppress(Exception):
                    coap_request.observation.cancel()
            raise RequestFailedError(
                f"{endpoint}: {key} was not observed (answer {initial.code})", pending
            )
        previous = self._observations.get((endpoint, key))
        if previous is not None:
            self.drop_observation(previous, "replaced by a new observation")
        obs = Observation(endpoint, key, response.token, initial, self._cancel_observation)
        obs.request = holder.get("request")
        obs.record = record
        if callback is not None:
            obs.add_callback(callback)
        self._observations[obs.key] = obs
        self._by_token[obs.token] = obs

        def deliver(result: ReadResult, observe: int | None) -> None:
            self._clients.channel(record).touch() if not record.closed else None
            obs._deliver(Notification(endpoint, key, result, observe))
            if self._host.events.has_subscribers:  # a busy server's events may go unread
                self._host.emit(
                    "notification", endpoint, {"path": key, "observe": observe, **result.to_dict()}
                )
            if observe is None:
                self.end_observation(obs, "the client ended the observation")

        def handler(notification: Any) -> None:
            if not obs.active:
                return
            notification.pending = pending
            deliver(result_of(notification), notification.opt.observe)

        self._host.emit(
            "observe_started",
            endpoint,
            {"path": key, "token": obs.token.hex(), **initial.to_dict()},
        )
        if isinstance(response.remote, UDP6Address):
            peer = remote_address(response.remote)
            direct = _Direct(obs, peer, handler, deliver, seq=response.opt.observe or 0)
            self._detach(obs, direct, response)
            follower = holder.get("follower")
            if follower is not None:
                follower.cancel()
            return obs

        def follow(notification: Any) -> None:
            # aiocoap hands a new iterator the latest response: the initial one is not news.
            if notification is not response:
                handler(notification)

        self._followers[obs] = holder["follower"]
        holder["started"].set_result((obs, follow))
        return obs

    def _detach(self, obs: Observation, direct: _Direct, initial: Any) -> None:
        """Take ``obs``'s notifications from the transport (:meth:`notification`) and let
        aiocoap forget the observation.

        aiocoap follows an observation with three tasks, a pipe and six futures, and keeps the
        request and two responses: about half of what a client cost the server in the
        10,000-client soak (issue 17). The transport already ACKs notifications itself, so
        it hands them here instead. A notification aiocoap took between the first answer and
        now is handed on (aiocoap keeps only the latest: observe is lossy, RFC 7641 §1.3);
        one that ended the observation ends it. UDP only: DTLS stays with aiocoap.
        """
        self._direct[obs.token] = direct
        coap_request, obs.request = obs.request, None
        observation = getattr(coap_request, "observation", None)
        if observation is None:
            return
        latest = observation._latest_response
        if latest is not None and latest is not initial:
            direct.handler(latest)
        if not obs.active:
            return
        if observation.cancelled:
            self.end_observation(obs, "ended by the client")
            return
        with contextlib.suppress(Exception):
            observation.cancel()
        # aiocoap's request would notice the cancel only at its next notification, which it
        # will not get now: its token leaves the token manager here, as aiocoap's own lookup
        # of a response finds it, and the request and its pipe go with the next collection.
        built = self._host.built
        if built is not None:
            built.token_manager.outgoing_requests.pop((initial.token, initial.remote), None)

    async def _follow(
        self,
        observation: Any,
        started: asyncio.Future[tuple[Observation, Callable[[Any], None]]],
    ) -> None:
        """Hand each notification to the observation's handler until the observation ends.

        ``started`` gives the observation and its handler once the client accepted it (the
        task is cancelled if it did not). aiocoap's iteration stops when the client ends
        the observation (not observable any more, or cancelled); another error ends it as
        failed. A local cancel ends it through :meth:`end_observation`, which cancels this.
        """
        reason = "ended by the client"
        try:
            async for notification in observation:
                obs, handler = await started
                handler(notification)
                if not obs.active:
                    return
        except Exception as exc:
            reason = f"failed: {type(exc).__name__}"
            if not isinstance(exc, (coap_error.Error, OSError)):
                self._follower_failed("observe follower", exc)
        obs, _handler = await started
        self.end_observation(obs, reason)

    def _follower_failed(self, name: str, exc: BaseException) -> None:
        self._host.emit("server_error", None, {"where": f"task {name}", "error": repr(exc)[:500]})

    async def close(self) -> None:
        """Wait for the follower tasks of dropped observations to end (server stop)."""
        await self._tasks.close()

    def end_observation(self, obs: Observation, reason: str) -> None:
        follower = self._followers.pop(obs, None)
        if follower is not None and follower is not asyncio.current_task():
            follower.cancel()
        if self._observations.get(obs.key) is obs:
            del self._observations[obs.key]
        if self._by_token.get(obs.token) is obs:
            del self._by_token[obs.token]
            self._direct.pop(obs.token, None)
        if obs.active:
            obs._end(reason)
            self._host.emit("observe_ended", obs.endpoint, {"path": obs.path, "reason": reason})

    def drop_observation(self, obs: Observation, reason: str) -> None:
        """Forget an observation locally (passive cancel)."""
        coap_request = obs.request
        if coap_request is not None and not coap_request.observation.cancelled:
            with contextlib.suppress(Exception):
                coap_request.observation.cancel()
        self.end_observation(obs, reason)

    def find_observation(self, endpoint: str, path: PathLike) -> Observation | None:
        key = str(as_path(path)) if isinstance(path, Path) or "," not in path else path
        return self._observations.get((endpoint, key))

    async def cancel_observation(
        self, endpoint: str, path: PathLike, *, active: bool = True
    ) -> ReadResult | None:
        """Cancel the observation of ``path``; see :meth:`Observation.cancel`."""
        obs = self.find_observation(endpoint, path)
        if obs is None:
            raise RequestFailedError(f"{endpoint}: {path} is not observed")
        return await self._cancel_observation(obs, active)

    async def _cancel_observation(self, obs: Observation, active: bool) -> ReadResult | None:
        self.drop_observation(obs, "cancelled" + (" (active)" if active else " (passive)"))
        if not active or "," in obs.path:
            return None
        target = Path.parse(obs.path)
        built = self._host.built
        if built is None:
            return None
        initial_request = obs.initial.request
        accept = initial_request.content_format if initial_request is not None else None
        if accept is None:
            accept = obs.initial.format

        def build(rec: ClientRecord) -> Any:
            msg = Message(code=Code.GET, uri_path=rec.uri_path(target.ids), observe=1)
            if accept is not None:
                msg.opt.accept = accept
            assert built is not None
            built.token_manager.force_token(msg, obs.token)
            return msg

        pending, response = await self._exchanger.exchange_unblocked(
            obs.endpoint, str(target), build
        )
        return self._ops.read_result(target, pending, response)
