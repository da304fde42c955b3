"""The LwM2M client engine: one simulated device on its own UDP socket.

Lifecycle (each step is reported as events, see :mod:`workbench.client.events`)::

    start() ─▶ [bootstrap: POST /bs, accept writes, wait for /bs Finish]
            ─▶ Register (retries with exponential backoff while the server is unreachable)
            ─▶ Update every lifetime×update_ratio (or lifetime−update_margin) seconds, and
               when objects, lifetime or binding change; 4.04 to an Update re-registers
            ─▶ stop(): De-register, close the socket, no task left behind

Every client owns an aiocoap server context bound to its own UDP port (like a real module
behind its own NAT binding): registrations, notifications and answers to server requests all
use that one socket. Queue mode (``binding`` containing ``Q``): after ``awake_time`` seconds
without traffic the client sleeps — incoming datagrams are dropped as a module in PSM would
lose them, notifications are held back — and it wakes on its update timer, on a held-back
notification (``wake_on_notify``) or on :meth:`LwM2MClient.wake`, sending an Update first.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
import time
from collections.abc import Callable, Coroutine, Iterable, Mapping
from typing import Any

from aiocoap import Context, Message
from aiocoap.numbers.codes import Code
from aiocoap.numbers.constants import TransportTuning

from workbench.client import content as content_formats
from workbench.client.attributes import AttributeStore
from workbench.client.config import ClientConfig, config_from_keywords
from workbench.client.defaults import (
    DEVICE,
    SECURITY,
    SERVER,
    default_registry,
    device_values,
    with_core_objects,
)
from workbench.client.errors import OperationError
from workbench.client.events import ClientEvent, EventCallback, EventHub
from workbench.client.firmware import FirmwareOptions, FirmwareUpdater, install_defaults
from workbench.client.handlers import ClientSite
from workbench.client.observe import ObserveManager
from workbench.client.registration import (
    ServerAccount,
    object_links,
    register_query,
    update_query,
)
from workbench.client.senml import merge_senml
from workbench.client.store import ObjectStore
from workbench.lwm2m.aiocoap_compat import (
    context_sockets,
    filter_incoming,
    new_context,
    open_udp6_on_socket,
)
from workbench.lwm2m.codecs.base import ContentFormat
from workbench.lwm2m.model import ObjectRegistry
from workbench.lwm2m.paths import Path
from workbench.lwm2m.tasks import TaskSet
from workbench.lwm2m.values import Value
from workbench.lwm2m.versionrules import rules

log = logging.getLogger(__name__)


def default_transports() -> list[str]:
    """``udp6`` where the OS has it (Linux); ``simple6`` elsewhere (see ECOSYSTEM.md)."""
    import sys

    return ["udp6"] if sys.platform.startswith("linux") else ["simple6"]


class ExchangeError(Exception):
    """An uplink request failed: an error code from the server, or no answer at all."""

    def __init__(self, reason: str, code: Code | None = None) -> None:
        self.code = code
        super().__init__(f"{code.dotted} {reason}" if code is not None else reason)


class LwM2MClient:
    """A simulated LwM2M client.

    ``registry`` types the objects (default: the shared built-in registry, plus the core
    objects the engine needs); ``store`` holds the values (default: a new store with Security,
    Server, Device, Connectivity Monitoring and Firmware Update instances). Times are seconds.
    """

    def __init__(
        self,
        endpoint: str,
        server_url: str | None = "coap://127.0.0.1:5683",
        registry: ObjectRegistry | None = None,
        *,
        config: ClientConfig | None = None,
        store: ObjectStore | None = None,
        on_event: EventCallback | None = None,
        firmware: FirmwareOptions | None = None,
        **deprecated: Any,
    ) -> None:
        # ``deprecated``: the ClientConfig fields as keywords, as before ClientConfig existed.
        config = config_from_keywords(config, deprecated)
        config.check(server_url)
        #: The settings this client was made with (the attributes below may change later).
        self.config = config
        self.endpoint = endpoint
        self.lifetime = config.lifetime
        self._version = config.lwm2m_version
        self.binding = config.binding
        self.server_url = server_url
        self.bootstrap_url = config.bootstrap_url
        self.short_server_id = config.short_server_id
        self.local_host = config.local_host
        self.local_port = config.local_port
        self.transports = config.transports or default_transports()
        self.update_ratio = config.update_ratio
        self.update_margin = config.update_margin
        self.retry_initial = config.retry_initial
        self.retry_max = config.retry_max
        self.retry_attempts = config.retry_attempts
        self.request_timeout = config.request_timeout
        self.bootstrap_timeout = config.bootstrap_timeout
        self.awake_time = config.awake_time
        self.wake_on_notify = config.wake_on_notify
        self._tuning = _tuning(config.ack_timeout, config.max_retransmit)
        self._firmware_options = firmware
        #: The device side of object 5 (None when /5/0 is the caller's or a host object).
        self.firmware: FirmwareUpdater | None
        self._reboot_task: asyncio.Task[None] | None = None

        self.events = EventHub(endpoint)
        self._helpers = TaskSet(owner=f"client {endpoint}")
        if on_event is not None:
            self.events.subscribe(on_event)
        if store is None:
            store = ObjectStore(with_core_objects(registry or default_registry()))
        self.store = store
        self.registry = store.registry
        self.attributes = AttributeStore()
        self._populate(config.default_pmin, config.default_pmax)
        self.observations = ObserveManager(
            self.store,
            self.attributes,
            self.events,
            lambda: self._version,
            self._default_periods,
            self._notification_pending,
        )
        self.site = ClientSite(self, self.store, self.attributes, self.observations, self.events)
        if self.firmware is not None:
            self.site.block1_receivers[("5", "0", "0")] = self.firmware.receive_block

        self.state = "stopped"
        self.location: tuple[str, ...] | None = None
        self.account: ServerAccount | None = None
        self.local_address: tuple[str, int] | None = None
        self.asleep = False
        self._context: Any = None
        self._task: asyncio.Task[None] | None = None
        self._trigger = asyncio.Event()
        self._lock: asyncio.Lock | None = None
        self._objects_changed = False
        self._sent_lifetime: int | None = None
        self._sent_binding: str | None = None
        self._bootstrapping = False
        self._bootstrap_done: asyncio.Event | None = None
        self._bootstrap_requested = False
        self._sleep_handle: asyncio.TimerHandle | None = None
        self._stopping = False
        self.store.on_structure_change(self._structure_changed)
        self.store.on_write(Path.of(SERVER), self._server_object_written)
        self.store.on_execute(Path.of(SERVER, 0, 8), lambda p, a: self.request_update())
        self.store.on_execute(Path.of(SERVER, 0, 9), self._bootstrap_trigger)

    # -- HandlerOwner -------------------------------------------------------------------------

    @property
    def lwm2m_version(self) -> str:
        return self._version

    @property
    def bootstrapping(self) -> bool:
        return self._bootstrapping

    def bootstrap_finished(self) -> None:
        """Bootstrap-Finish: 4.06 unless the written configuration names a usable server."""
        if self._find_account() is None:
            raise OperationError(
                Code.NOT_ACCEPTABLE, "no LwM2M server account (Security + Server instance)"
            )
        if self._bootstrap_done is not None:
            self._bootstrap_done.set()

    def request_seen(self) -> None:
        self._touch()

    # -- public API -----------------------------------------------------------------------------

    @property
    def registered(self) -> bool:
        return self.location is not None

    def subscribe(self, callback: EventCallback) -> Callable[[], None]:
        """Call ``callback(event)`` for each event; returns the unsubscribe function."""
        return self.events.subscribe(callback)

    def stream(self) -> Any:
        """``async for event in client.stream()``: events until the client stops."""
        return self.events.stream()

    async def start(self, wait: bool = True, timeout: float | None = None) -> None:
        """Open the socket and run the lifecycle; with ``wait`` return once registered.

        ``wait`` raises :class:`TimeoutError` after ``timeout`` seconds, or
        :class:`ExchangeError` when ``retry_attempts`` ran out; the client keeps no task then.
        """
        if self._task is not None:
            raise RuntimeError("client already started")
        self._stopping = False
        self._lock = asyncio.Lock()
        self._emit_state("initialising")
        await self._open()
        registered: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._task = asyncio.create_task(
            self._run(registered), name=f"lwm2m-client {self.endpoint}"
        )
        if wait:
            try:
                async with asyncio.timeout(timeout):
                    await asyncio.shield(registered)
            except BaseException:
                await self.stop(deregister=False)
                raise

    async def stop(self, deregister: bool = True) -> None:
        """De-register (when registered), close the socket and end every task."""
        self._stopping = True
        reboot = self._reboot_task
        if reboot is not None and reboot is not asyncio.current_task():
            self._reboot_task = None
            reboot.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await reboot
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        if deregister and self.location is not None and self._context is not None:
            with contextlib.suppress(Exception):
                async with asyncio.timeout(min(self.request_timeout, 5.0)):
                    await self.deregister()
        self.location = None
        await self.observations.close()
        await self._helpers.close()
        self._cancel_sleep_timer()
        await self._close()
        if self.state != "stopped":
            self._emit_state("stopped")

    def reboot(self, downtime: float = 0.0) -> None:
        """Restart like a module does: drop the socket without De-register, come back, register.

        The object store survives (it is the device's flash); observations do not. Events:
        ``reboot`` with state ``rebooting`` then ``booted``.
        """
        if self._reboot_task is not None or self._task is None:
            return
        self._reboot_task = asyncio.get_running_loop().create_task(
            self._reboot(downtime), name=f"lwm2m-client {self.endpoint} reboot"
        )

    async def _reboot(self, downtime: float) -> None:
        try:
            self.events.emit("reboot", state="rebooting", downtime=downtime)
            await self.stop(deregister=False)
            await asyncio.sleep(downtime)
            self.events.emit("reboot", state="booted")
            await self.start(wait=False)
        finally:
            self._reboot_task = None

    async def fetch(self, message: Message) -> Message:
        """One request from this client's socket as built (no block-wise handling): FOTA pull."""
        if self._context is None:
            raise ExchangeError("client is not running")
        message.transport_tuning = self._tuning
        response: Message = await self._context.request(message, handle_blockwise=False).response
        self._touch()
        return response

    def set_value(self, path: Path | str, value: object) -> None:
        """Change a value as the device would (sensor reading...); observers are notified."""
        self.store.set(_path(path), value)

    def get_value(self, path: Path | str) -> Any:
        return self.store.get(_path(path))

    def request_update(self) -> None:
        """Send an Update soon (Registration Update Trigger, changed objects...)."""
        self._trigger.set()

    async def update(self) -> None:
        """Send an Update now and wait for its answer (raises :class:`ExchangeError`)."""
        await self._send_update()

    async def deregister(self) -> None:
        account = self.account
        location = self.location
        if account is None or location is None:
            return
        self._emit_registration("deregistering")
        self.location = None
        try:
            await self._exchange(self._message(Code.DELETE, account.uri, location))
        except ExchangeError as exc:
            self._emit_registration("deregistered", code=_code(exc), error=str(exc))
            raise
        self._emit_registration("deregistered", code="2.02")

    async def send(self, paths: Iterable[Path | str], content_format: int = 112) -> None:
        """Information-reporting Send: POST /dp with the values of ``paths`` (SenML).

        Send arrived with LwM2M 1.1 (Core §6.4.3); a 1.0 client has no way to send it, so it
        is refused here rather than put on the wire (see :mod:`workbench.lwm2m.versionrules`).
        """
        if rules(self._version, "send") is None:
            raise ExchangeError(f"Send does not exist in LwM2M {self._version}")
        account = self.account
        if account is None or self.location is None:
            raise ExchangeError("not registered")
        targets = [_path(p) for p in paths]
        packs: list[bytes] = []
        for target in targets:
            values = await self.store.read(target)
            _, payload = content_formats.encode(
                target, values, self.registry, content_format, self._version
            )
            packs.append(payload)
        payload = merge_senml(packs, content_format)
        await self._wake_if_asleep()
        message = self._message(Code.POST, account.uri, ("dp",), payload=payload)
        message.opt.content_format = content_format
        try:
            await self._exchange(message, expect=(Code.CHANGED,))
        except ExchangeError as exc:
            self.events.emit(
                "send", state="failed", paths=[str(p) for p in targets], code=_code(exc)
            )
            raise
        self.events.emit("send", state="done", paths=[str(p) for p in targets], code="2.04")

    async def wake(self) -> None:
        """Leave queue-mode sleep: send an Update, then held-back notifications."""
        await self._wake_if_asleep()

    def sleep(self) -> None:
        """Enter queue-mode sleep now (only meaningful with a ``Q`` binding)."""
        self._go_to_sleep()

    # -- lifecycle ----------------------------------------------------------------------------

    async def _run(self, registered: asyncio.Future[None]) -> None:
        try:
            while not self._stopping:
                if self._bootstrap_requested or self._find_account() is None:
                    await self._bootstrap_with_retries()
                await self._register_with_retries()
                if not registered.done():
                    registered.set_result(None)
                self._emit_state("ready")
                await self._update_loop()
        except asyncio.CancelledError:
            if not registered.done():
                registered.cancel()
            raise
        except Exception as exc:
            log.debug("client %s failed", self.endpoint, exc_info=True)
            self._emit_state("failed", error=str(exc))
            if not registered.done():
                registered.set_exception(exc)

    async def _register_with_retries(self) -> None:
        attempt = 0
        while True:
            attempt += 1
            try:
                await self._register()
                return
            except ExchangeError as exc:
                self._emit_registration("failed", code=_code(exc), error=str(exc), attempt=attempt)
                if self.retry_attempts is not None and attempt >= self.retry_attempts:
                    raise
                delay = self._backoff(attempt)
                self._emit_registration("retrying", attempt=attempt, delay=delay)
                await asyncio.sleep(delay)

    async def _register(self) -> None:
        account = self._find_account()
        if account is None:
            raise ExchangeError("no LwM2M server account")
        assert self._lock is not None
        async with self._lock:
            self.account = account
            self._emit_state("registering")
            self._emit_registration("pending", lifetime=account.lifetime)
            message = self._message(Code.POST, account.uri, ("rd",), payload=self._links())
            message.opt.uri_query = register_query(
                self.endpoint, account.lifetime, self._version, account.binding
            )
            message.opt.content_format = ContentFormat.LINK_FORMAT
            response = await self._exchange(message, expect=(Code.CREATED,))
            location = tuple(response.opt.location_path)
            if not location:
                raise ExchangeError("2.01 without Location-Path", response.code)
            self.location = location
            self._sent_lifetime = account.lifetime
            self._sent_binding = account.binding
            self._objects_changed = False
            self._trigger.clear()
            self._emit_registration(
                "registered",
                code="2.01",
                location="/" + "/".join(location),
                lifetime=account.lifetime,
            )
            self._touch()

    async def _update_loop(self) -> None:
        """Send Updates on the timer or when triggered; return to re-register."""
        while self.location is not None:
            account = self.account
            assert account is not None
            delay = self._update_delay(account.lifetime)
            self.events.emit("update_timer", server=account.short_server_id, seconds=delay)
            # asyncio.timeout, never wait_for, in this engine: on CPython 3.11 wait_for can
            # swallow a cancel that meets a finishing wait, and stop() then waits forever.
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(delay):
                    await self._trigger.wait()
            self._trigger.clear()
            if self._bootstrap_requested:
                with contextlib.suppress(ExchangeError):
                    await self.deregister()
                return
            try:
                await self._wake_if_asleep(send_update=False)
                await self._send_update()
            except ExchangeError as exc:
                if exc.code == Code.NOT_FOUND or self.location is None:
                    self.location = None
                    return
                if not await self._retry_update():
                    self.location = None
                    return

    async def _retry_update(self) -> bool:
        """Retry a failed Update with backoff until the registration would expire."""
        account = self.account
        assert account is not None
        deadline = time.monotonic() + account.lifetime * (1 - self.update_ratio) + 1
        attempt = 0
        while time.monotonic() < deadline:
            attempt += 1
            delay = min(self._backoff(attempt), max(0.0, deadline - time.monotonic()))
            self._emit_registration("retrying", attempt=attempt, delay=delay)
            await asyncio.sleep(delay)
            try:
                await self._send_update()
                return True
            except ExchangeError as exc:
                if exc.code == Code.NOT_FOUND:
                    return False
        return False

    async def _send_update(self) -> None:
        account = self._find_account() or self.account
        location = self.location
        if account is None or location is None:
            raise ExchangeError("not registered")
        assert self._lock is not None
        async with self._lock:
            self.account = account
            lifetime = account.lifetime if account.lifetime != self._sent_lifetime else None
            binding = account.binding if account.binding != self._sent_binding else None
            payload = self._links() if self._objects_changed else b""
            message = self._message(Code.POST, account.uri, location, payload=payload)
            message.opt.uri_query = update_query(lifetime, binding, self._version)
            if payload:
                message.opt.content_format = ContentFormat.LINK_FORMAT
            self._emit_registration("update_pending", objects=bool(payload))
            try:
                await self._exchange(message, expect=(Code.CHANGED,))
            except ExchangeError as exc:
                self._emit_registration("update_failed", code=_code(exc), error=str(exc))
                if exc.code == Code.NOT_FOUND:
                    self.location = None
                raise
            self._sent_lifetime = account.lifetime
            self._sent_binding = account.binding
            if payload:
                self._objects_changed = False
            self._emit_registration("updated", code="2.04", lifetime=account.lifetime)
            self._touch()

    async def _bootstrap_with_retries(self) -> None:
        attempt = 0
        while True:
            attempt += 1
            try:
                await self._bootstrap()
                return
            except ExchangeError as exc:
                self.events.emit("bootstrap", state="failed", code=_code(exc), error=str(exc))
                if self.retry_attempts is not None and attempt >= self.retry_attempts:
                    raise
                delay = self._backoff(attempt)
                self.events.emit("bootstrap", state="retrying", attempt=attempt, delay=delay)
                await asyncio.sleep(delay)

    async def _bootstrap(self) -> None:
        uri = self._bootstrap_uri()
        if uri is None:
            raise ExchangeError("no bootstrap server account and no LwM2M server account")
        self._bootstrap_requested = False
        self._emit_state("bootstrapping")
        self.events.emit("bootstrap", state="started", server=uri)
        self._bootstrap_done = asyncio.Event()
        self._bootstrapping = True
        try:
            message = self._message(Code.POST, uri, ("bs",))
            query = [f"ep={self.endpoint}"]
            if self._version != "1.0":
                query.append(f"pct={ContentFormat.SENML_CBOR.value}")
            message.opt.uri_query = query
            await self._exchange(message, expect=(Code.CHANGED,))
            self.events.emit("bootstrap", state="pending", server=uri, code="2.04")
            try:
                async with asyncio.timeout(self.bootstrap_timeout):
                    await self._bootstrap_done.wait()
            except TimeoutError:
                raise ExchangeError("no Bootstrap-Finish in time") from None
        finally:
            self._bootstrapping = False
        self.events.emit("bootstrap", state="finished", server=uri)

    def _bootstrap_trigger(self, path: Path, arguments: str) -> None:
        self._bootstrap_requested = True
        self._trigger.set()

    # -- queue mode -----------------------------------------------------------------------------

    def _touch(self) -> None:
        """Traffic happened: restart the awake timer (queue mode only)."""
        if self.account is None or not self.account.queue_mode or self.asleep:
            return
        self._cancel_sleep_timer()
        loop = asyncio.get_running_loop()
        self._sleep_handle = loop.call_later(self.awake_time, self._go_to_sleep)

    def _cancel_sleep_timer(self) -> None:
        if self._sleep_handle is not None:
            self._sleep_handle.cancel()
            self._sleep_handle = None

    def _go_to_sleep(self) -> None:
        self._sleep_handle = None
        if self.asleep or self._context is None:
            return
        self.asleep = True
        self.observations.paused = True
        self.events.emit("connection", state="suspended", address=self._address_text())
        self.events.emit("queue", state="sleeping")

    async def _wake_if_asleep(self, send_update: bool = True) -> None:
        if not self.asleep:
            return
        self.asleep = False
        self.events.emit("connection", state="resumed", address=self._address_text())
        self.events.emit("queue", state="awake")
        if send_update and self.location is not None:
            await self._send_update()
        self.observations.resume()
        self._touch()

    def _notification_pending(self) -> None:
        if self.wake_on_notify and self.asleep:
            self._spawn(self._wake_quietly())

    async def _wake_quietly(self) -> None:
        try:
            await self._wake_if_asleep()
        except ExchangeError:
            self.request_update()

    # -- socket -------------------------------------------------------------------------------

    async def _open(self) -> None:
        if self.transports == ["udp6"]:
            self._context = await self._open_udp6_exclusive()
        else:
            self._context = await Context.create_server_context(
                self.site, bind=(self.local_host, self.local_port), transports=self.transports
            )
        self._install_sleep_filter()
        self.local_address = self._socket_address()
        self.events.emit("connection", state="created", address=self._address_text())

    async def _open_udp6_exclusive(self) -> Any:
        """An aiocoap context on a socket that is this client's alone.

        aiocoap's udp6 server transport sets SO_REUSEPORT before binding; with port 0 Linux
        then hands the same ephemeral port to several such sockets and spreads datagrams
        between them (with a few hundred clients a collision is likely and a registration
        hangs). We bind the socket ourselves without SO_REUSEPORT and give it to the
        transport (aiocoap internals, in :mod:`workbench.lwm2m.aiocoap_compat`).
        """
        import socket

        loop = asyncio.get_running_loop()
        infos = await loop.getaddrinfo(
            self.local_host,
            self.local_port,
            family=socket.AF_INET6,
            type=socket.SOCK_DGRAM,
            flags=socket.AI_V4MAPPED,
        )
        sock = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
        try:
            sock.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
            sock.bind(infos[0][4])
            context = new_context(loop, self.site, "coap-client")
            await open_udp6_on_socket(context, sock, loop)
        except BaseException:
            sock.close()
            raise
        return context

    async def _close(self) -> None:
        context, self._context = self._context, None
        if context is not None:
            await context.shutdown()
            self.events.emit("connection", state="closed", address=self._address_text())
        self.asleep = False

    def _install_sleep_filter(self) -> None:
        """Drop incoming datagrams while asleep (a module in PSM never sees them)."""
        filter_incoming(self._context, lambda _message: not self.asleep)

    def _socket_address(self) -> tuple[str, int] | None:
        for sock in context_sockets(self._context):
            sockname = sock.getsockname()
            if sockname:
                host = str(sockname[0]).removeprefix("::ffff:")
                return host, int(sockname[1])
        return None

    def _address_text(self) -> str:
        if self.local_address is None:
            return ""
        host, port = self.local_address
        return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"

    # -- helpers ------------------------------------------------------------------------------

    def _message(
        self, code: Code, uri: str, path: tuple[str, ...], payload: bytes = b""
    ) -> Message:
        message = Message(code=code, uri=uri, payload=payload, transport_tuning=self._tuning)
        message.opt.uri_path = path
        return message

    async def _exchange(self, message: Message, expect: tuple[Code, ...] = ()) -> Message:
        if self._context is None:
            raise ExchangeError("client is not running")
        try:
            request = self._context.request(message)
            async with asyncio.timeout(self.request_timeout):
                response: Message = await request.response
        except TimeoutError:
            raise ExchangeError("no answer (timeout)") from None
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            raise ExchangeError(f"no answer ({type(exc).__name__}: {exc})") from None
        self._touch()
        if expect and response.code not in expect:
            raise ExchangeError(response.payload.decode("utf-8", "replace")[:100], response.code)
        return response

    def _links(self) -> bytes:
        return object_links(self.store, self._version).encode()

    def _update_delay(self, lifetime: int) -> float:
        if self.update_margin is not None:
            return max(1.0, lifetime - self.update_margin)
        return max(0.5, lifetime * self.update_ratio)

    def _backoff(self, attempt: int) -> float:
        base = min(self.retry_max, self.retry_initial * 2 ** (attempt - 1))
        return float(base) * random.uniform(0.9, 1.1)

    def _default_periods(self) -> tuple[float, float]:
        account = self.account
        iid = account.server_instance if account is not None else 0
        pmin = self.store.get_or(Path.of(SERVER, iid, 2), 0)
        pmax = self.store.get_or(Path.of(SERVER, iid, 3), 0)
        return (
            float(pmin) if isinstance(pmin, int) else 0.0,
            float(pmax) if isinstance(pmax, int) else 0.0,
        )

    def _find_account(self) -> ServerAccount | None:
        """The first non-bootstrap Security instance with a matching Server instance."""
        for sec in self.store.instance_ids(SECURITY):
            if self.store.get_or(Path.of(SECURITY, sec, 1), False) is True:
                continue
            uri = self.store.get_or(Path.of(SECURITY, sec, 0))
            ssid = self.store.get_or(Path.of(SECURITY, sec, 10))
            if not isinstance(uri, str) or not uri:
                continue
            for srv in self.store.instance_ids(SERVER):
                if self.store.get_or(Path.of(SERVER, srv, 0)) != ssid:
                    continue
                lifetime = self.store.get_or(Path.of(SERVER, srv, 1), self.lifetime)
                binding = self.store.get_or(Path.of(SERVER, srv, 7), self.binding)
                return ServerAccount(
                    uri,
                    ssid if isinstance(ssid, int) else 0,
                    lifetime if isinstance(lifetime, int) else self.lifetime,
                    binding if isinstance(binding, str) and binding else self.binding,
                    sec,
                    srv,
                )
        return None

    def _bootstrap_uri(self) -> str | None:
        for sec in self.store.instance_ids(SECURITY):
            if self.store.get_or(Path.of(SECURITY, sec, 1), False) is True:
                uri = self.store.get_or(Path.of(SECURITY, sec, 0))
                if isinstance(uri, str) and uri:
                    return uri
        return self.bootstrap_url

    def _populate(self, default_pmin: int, default_pmax: int) -> None:
        """Fill in the objects a plain client has, where the caller's store lacks them."""
        store = self.store
        if not store.instance_ids(SECURITY):
            if self.bootstrap_url is not None:
                store.create_instance(
                    SECURITY,
                    0,
                    {0: self.bootstrap_url, 1: True, 2: 3, 3: b"", 4: b"", 5: b"", 11: 0, 12: 0},
                )
            if self.server_url is not None:
                store.create_instance(
                    SECURITY,
                    None,
                    {
                        0: self.server_url,
                        1: False,
                        2: 3,
                        3: b"",
                        4: b"",
                        5: b"",
                        10: self.short_server_id,
                        11: 0,
                    },
                )
                if not store.instance_ids(SERVER):
                    store.create_instance(
                        SERVER,
                        0,
                        {
                            0: self.short_server_id,
                            1: self.lifetime,
                            2: default_pmin,
                            3: default_pmax,
                            4: None,
                            5: 86400,
                            6: True,
                            7: self.binding,
                            8: None,
                            9: None,
                        },
                    )
        store.add_object(SERVER)
        if not store.instance_ids(DEVICE):
            store.create_instance(DEVICE, 0, device_values(self.endpoint, self.binding))
        self.firmware = install_defaults(
            store,
            self._spawn,
            self._firmware_options,
            fetch=self.fetch,
            reboot=self.reboot,
            report=self._firmware_step,
        )

    def _firmware_step(self, step: str, **fields: Any) -> None:
        self.events.emit("firmware", step=step, **fields)

    def _structure_changed(self) -> None:
        self._objects_changed = True
        if self.location is not None:
            self._trigger.set()

    def _server_object_written(self, path: Path) -> None:
        if self.location is not None and not self._bootstrapping:
            self._trigger.set()

    def _spawn(self, coro: Coroutine[Any, Any, Any]) -> None:
        self._helpers.spawn(coro)

    def _emit_state(self, state: str, **fields: Any) -> None:
        self.state = state
        self.events.emit("client", state=state, **fields)

    def _emit_registration(self, state: str, **fields: Any) -> ClientEvent:
        server = self.account.short_server_id if self.account is not None else None
        return self.events.emit("registration", server=server, state=state, **fields)


def _path(path: Path | str) -> Path:
    return path if isinstance(path, Path) else Path.parse(path)


def _code(exc: ExchangeError) -> str | None:
    return exc.code.dotted if exc.code is not None else None


def _tuning(ack_timeout: float, max_retransmit: int) -> TransportTuning:
    """aiocoap transport parameters for this client's uplink requests."""

    class ClientTuning(TransportTuning):  # type: ignore[misc]
        ACK_TIMEOUT = ack_timeout
        MAX_RETRANSMIT = max_retransmit

    return ClientTuning()


def values_of(content: Mapping[Path, Value]) -> dict[str, Value]:
    """Content with string paths (for JSON event lines and tests)."""
    return {str(p): v for p, v in content.items()}
