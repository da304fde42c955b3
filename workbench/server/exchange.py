"""Exchanges: one request to a client in its turn, followed through restarts and queue mode.

The part of :class:`~workbench.server.server.LwM2MServer` that sends a request built for a
registration and returns the response, and keeps the recent requests with their states (see
:meth:`Exchanger.exchange` for what happens when a module restarts mid-request).
"""

from __future__ import annotations

import asyncio
import time
from collections import OrderedDict
from collections.abc import Callable
from typing import Any

from aiocoap import error as coap_error

from workbench.server.coapwire import code_text
from workbench.server.host import ServerHost
from workbench.server.queue import IDEMPOTENT, ChannelClosedError, port_closed, resendable
from workbench.server.registrar import Registrar
from workbench.server.registration import ClientRecord
from workbench.server.requests import (
    PendingRequest,
    RequestFailedError,
    RequestState,
    RequestTimeoutError,
    request_ids,
)


class RestartedError(Exception):
    """The module registered again (new port) while a request to its old address was out."""


class Exchanger:
    """Sends requests to registered clients (or, for bootstrap, to a bare address)."""

    def __init__(self, host: ServerHost, clients: Registrar) -> None:
        self._host = host
        self._clients = clients
        self._requests: OrderedDict[int, PendingRequest] = OrderedDict()
        self._ids = request_ids()

    @property
    def requests(self) -> list[PendingRequest]:
        """The recent requests (last 1,000) with their states."""
        return list(self._requests.values())

    def track(self, pending: PendingRequest) -> None:
        self._requests[pending.id] = pending
        while len(self._requests) > 1000:
            self._requests.popitem(last=False)
        self.publish_request(pending)

    def publish_request(self, pending: PendingRequest) -> None:
        self._host.emit("request", pending.endpoint, pending.to_dict())

    def finish(
        self,
        pending: PendingRequest,
        state: RequestState,
        code: str | None = None,
        error: str | None = None,
    ) -> None:
        pending.state = state
        pending.code = code
        pending.error = error
        pending.finished_at = time.time()
        self.publish_request(pending)

    async def exchange(
        self,
        endpoint: str,
        operation: str,
        path: str,
        build: Callable[[ClientRecord], Any],
        *,
        timeout: float | None = None,
        queue_timeout: float | None = None,
        remote: Any = None,
        on_request: Callable[[Any], None] | None = None,
        blockwise: bool = True,
    ) -> tuple[PendingRequest, Any]:
        """Send one request in the client's turn; the response (any code) or an exception.

        A module that restarts closes its socket and registers again from a new port (see
        :mod:`workbench.server.queue`). A request caught in between is not reported as a
        network error: one still waiting for its turn follows the module to its new
        registration; one the old port refused goes back to ``queued`` (the reason in
        ``waiting``) until the module registers or updates again, then goes out once more
        when :func:`resendable` says that cannot do anything twice. One still out when the
        module registers again (no refusal arrives where ICMP errors are not reported, or
        over a NAT) goes to the new registration at once when it is idempotent. The queue
        timeout bounds the whole wait.

        ``blockwise=False`` sends the message as built (FOTA push sets its own Block1).
        """
        record = self._clients.record(endpoint) if remote is None else None
        built = self._host.built
        if built is None:
            raise RequestFailedError("the server is not running")
        pending = PendingRequest(next(self._ids), endpoint, operation, path)
        self.track(pending)
        loop = asyncio.get_running_loop()
        deadline = loop.time() + (queue_timeout or self._host.config.queue_timeout)
        resent = False
        while True:
            channel = self._clients.channel(record) if record is not None else None
            if channel is not None:
                assert record is not None
                try:
                    async with asyncio.timeout_at(deadline):
                        await channel.acquire()
                except asyncio.CancelledError:  # the user cancelled it while it waited
                    self.finish(pending, RequestState.FAILED, error="cancelled before sending")
                    raise
                except TimeoutError:
                    self.finish(
                        pending, RequestState.TIMEOUT, error="client did not wake up in time"
                    )
                    raise RequestTimeoutError(
                        f"{endpoint}: not sent, the client did not talk within the queue timeout",
                        pending,
                    ) from None
                except ChannelClosedError as exc:
                    newer = self._clients.successor(record)
                    if newer is None:
                        self.finish(pending, RequestState.FAILED, error=exc.reason)
                        raise RequestFailedError(f"{endpoint}: {exc.reason}", pending) from None
                    record = newer  # not sent yet: it goes to the module's new registration
                    continue
            lost: str | None = None  # why the module's old address will not answer
            try:
                target = remote if record is None else record
                message = build(target)
                message.remote = remote if record is None else record.remote
                accept_option = message.opt.accept
                pending.content_format = None if accept_option is None else int(accept_option)
                pending.state = RequestState.SENT
                pending.sent_at = time.time()
                self.publish_request(pending)
                sent = loop.time()
                coap_request = built.context.request(message, handle_blockwise=blockwise)
                if on_request is not None:
                    on_request(coap_request)
                try:
                    async with asyncio.timeout(timeout or self._host.config.request_timeout):
                        response = await self._response_or_restart(coap_request, record)
                except TimeoutError:
                    coap_request.response.cancel()
                    self.finish(pending, RequestState.TIMEOUT, error="no response")
                    raise RequestTimeoutError(
                        f"{endpoint}: no response to {operation}", pending
                    ) from None
                except RestartedError:
                    coap_request.response.cancel()
                    assert record is not None
                    if resent or message.code not in IDEMPOTENT:
                        text = (
                            f"the module registered again from a new port while the {operation} "
                            "was out (it restarted); not sent again, it may have been carried out"
                        )
                        self.finish(pending, RequestState.FAILED, error=text)
                        raise RequestFailedError(f"{endpoint}: {text}", pending) from None
                    lost = (
                        f"the module registered again from a new port while this was out "
                        f"(it restarted; {record.address} will not answer); sending it there"
                    )
                except (coap_error.Error, OSError) as exc:
                    text = type(exc).__name__ + (f": {exc}" if str(exc) else "")
                    ack_timeout = message.transport_tuning.ACK_TIMEOUT
                    if (
                        record is None
                        or resent
                        or not port_closed(exc)
                        or not resendable(message.code, loop.time() - sent, ack_timeout)
                    ):
                        if record is not None and port_closed(exc):
                            text = f"the module's port {record.address} is closed; {text}"
                        self.finish(pending, RequestState.FAILED, error=text)
                        raise RequestFailedError(
                            f"{endpoint}: {operation} failed ({text})", pending
                        ) from None
                    lost = (
                        f"the module's port {record.address} is closed (it restarted or closed "
                        "its socket); waiting for it to register again"
                    )
            finally:
                if channel is not None:
                    channel.release()
            if lost is None:
                break
            assert record is not None
            record = await self._await_return(record, pending, deadline, lost)
            resent = True
        if record is not None:
            record.last_seen = time.time()
        self.finish(pending, RequestState.DONE, code=code_text(response.code))
        return pending, response

    async def _response_or_restart(self, coap_request: Any, record: ClientRecord | None) -> Any:
        """The response to ``coap_request``; :class:`RestartedError` when ``record`` is
        replaced by a new registration of its module first (its old address is gone)."""
        response = coap_request.response
        if record is None:
            return await response
        while not response.done():
            if self._clients.successor(record) is not None:
                raise RestartedError
            talked = asyncio.ensure_future(self._clients.returns.wait(record.endpoint))
            try:
                await asyncio.wait({response, talked}, return_when=asyncio.FIRST_COMPLETED)
            finally:
                talked.cancel()
        return response.result()

    async def _await_return(
        self, record: ClientRecord, pending: PendingRequest, deadline: float, why: str
    ) -> ClientRecord:
        """``pending`` cannot reach the module at ``record``'s address (``why``): queue it
        until the module talks again.

        Returns the registration to send it to: a new one (the module restarted and
        registered again) or the same one updated from a new address. The request fails when
        the registration ends otherwise (deregistered, expired, server stopped) or the queue
        timeout passes first.
        """
        address = record.address
        pending.state = RequestState.QUEUED
        pending.waiting = why
        self.publish_request(pending)
        self._host.emit(
            "unreachable",
            record.endpoint,
            {
                "address": address,
                "location": record.location,
                "request_id": pending.id,
                "operation": pending.operation,
                "path": pending.path,
            },
        )
        while True:
            newer = self._clients.successor(record)
            if newer is not None:
                break
            if not record.closed and record.address != address:
                newer = record  # an Update from the module's new port
                break
            if record.closed:
                reason = record.close_reason or "registration ended"
                pending.waiting = None
                self.finish(pending, RequestState.FAILED, error=f"{why}; then {reason}")
                raise RequestFailedError(f"{pending.endpoint}: {why}; then {reason}", pending)
            try:
                async with asyncio.timeout_at(deadline):
                    await self._clients.returns.wait(record.endpoint)
            except TimeoutError:
                pending.waiting = None
                error = f"{why}; it did not within the queue timeout"
                self.finish(pending, RequestState.TIMEOUT, error=error)
                raise RequestTimeoutError(f"{pending.endpoint}: {error}", pending) from None
        pending.waiting = None
        return newer

    async def exchange_unblocked(
        self, endpoint: str, path: str, build: Callable[[ClientRecord], Any]
    ) -> tuple[PendingRequest, Any]:
        """Like :meth:`_exchange` but without blockwise handling (the token must be kept)."""
        record = self._clients.record(endpoint)
        built = self._host.built
        if built is None:
            raise RequestFailedError("the server is not running")
        channel = self._clients.channel(record)
        pending = PendingRequest(next(self._ids), endpoint, "cancel-observe", path)
        self.track(pending)
        try:
            async with asyncio.timeout(self._host.config.queue_timeout):
                await channel.acquire()
        except TimeoutError:
            self.finish(pending, RequestState.TIMEOUT, error="client did not wake up in time")
            raise RequestTimeoutError(f"{endpoint}: cancel not sent", pending) from None
        except ChannelClosedError as exc:
            self.finish(pending, RequestState.FAILED, error=exc.reason)
            raise RequestFailedError(f"{endpoint}: {exc.reason}", pending) from None
        try:
            message = build(record)
            message.remote = record.remote
            pending.state = RequestState.SENT
            pending.sent_at = time.time()
            self.publish_request(pending)
            coap_request = built.context.request(message, handle_blockwise=False)
            try:
                async with asyncio.timeout(self._host.config.request_timeout):
                    response = await coap_request.response
            except TimeoutError:
                coap_request.response.cancel()
                self.finish(pending, RequestState.TIMEOUT, error="no response")
                raise RequestTimeoutError(f"{endpoint}: no response to cancel", pending) from None
            except (coap_error.Error, OSError) as exc:
                self.finish(pending, RequestState.FAILED, error=type(exc).__name__)
                raise RequestFailedError(f"{endpoint}: cancel failed", pending) from None
        finally:
            channel.release()
        self.finish(pending, RequestState.DONE, code=code_text(response.code))
        return pending, response
