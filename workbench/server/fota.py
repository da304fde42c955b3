"""Firmware update over the air (object 5) from the built-in server: push, pull and the flow.

The Firmware Update object (OMA-TS-LightweightM2M Core, Appendix E.6; state machine E.6.1)
gives a server two ways to deliver a package:

* **pull** — the server writes a URI to Package URI (/5/0/1) and the client downloads it.
  :class:`PackageHost` serves packages on the server's own CoAP socket under
  ``/fw/<name>``, block-wise (RFC 7959 Block2 at the size the client asks for) with an ETag
  (first 8 bytes of the SHA-256, so a changed package is a changed tag) and Size2. An
  external ``coap://`` or ``http(s)://`` URI can be given instead; it is written as given.
* **push** — the server writes the bytes to Package (/5/0/0) with Block1, one CoAP request per
  block so that progress is visible, the block size follows the client's 2.31 answers
  (RFC 7959 §2.5 size negotiation), a block that times out is sent again (resume: the
  client keeps what it has) and a 4.08 restarts from block 0 once.

:class:`FotaJob` runs the flow: read Delivery Method (/5/0/9) and Protocol Support (/5/0/8)
to pick the method, observe State (/5/0/3) and Update Result (/5/0/5), deliver, execute
Update (/5/0/2) once State is Downloaded (2) — at once, or when :meth:`FotaJob.confirm` is
called — then wait for the client's re-registration and read Firmware Version (/3/0/3) and
Update Result for the verdict. Every transition is published as a ``fota`` server event with
endpoint, method, state, result (and the TS's words), bytes, blocks and rate.

Errors during the process are reported by the client only through Update Result (E.6.1),
so a non-zero, non-success result while downloading ends the job with that result.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import hashlib
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path as FilePath
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from aiocoap import Message
from aiocoap.numbers.codes import Code
from aiocoap.optiontypes import BlockOption

from workbench.lwm2m import firmware as fw
from workbench.lwm2m.codecs.base import ContentFormat
from workbench.lwm2m.paths import Path
from workbench.server.requests import (
    RequestFailedError,
    RequestTimeoutError,
    UnknownClientError,
)

if TYPE_CHECKING:
    from workbench.server.coaplog import ServerEvent
    from workbench.server.registration import ClientRecord
    from workbench.server.server import LwM2MServer

#: The first path segment packages are served under.
ROUTE = "fw"
METHODS = ("auto", "pull", "push")


def szx_of(block_size: int) -> int:
    """RFC 7959 SZX for a block size of 16..1024 bytes (a power of two)."""
    if block_size not in (16, 32, 64, 128, 256, 512, 1024):
        raise ValueError(f"block size must be a power of two from 16 to 1024, not {block_size}")
    return block_size.bit_length() - 5


class FotaError(Exception):
    """The FOTA flow cannot start or continue (no client, method not supported...)."""


@dataclass(frozen=True)
class FirmwarePackage:
    """A firmware image: its name (the last URI segment) and its bytes."""

    name: str
    data: bytes

    @classmethod
    def from_file(cls, path: str | FilePath, name: str | None = None) -> FirmwarePackage:
        file = FilePath(path)
        return cls(name or file.name, file.read_bytes())

    @property
    def size(self) -> int:
        return len(self.data)

    @functools.cached_property
    def sha256(self) -> str:
        return hashlib.sha256(self.data).hexdigest()

    @functools.cached_property
    def etag(self) -> bytes:
        """8 bytes of the SHA-256: any change of content is a change of ETag (RFC 7252 5.10.6)."""
        return hashlib.sha256(self.data).digest()[:8]

    @property
    def tag(self) -> str:
        return self.sha256[:8]


#: ``(package name, peer address, offset, length)`` for each block served.
BlockListener = Callable[[str, str, int, int], None]


class PackageHost:
    """Packages served block-wise under ``/fw/<name>`` on the server's own socket."""

    def __init__(self) -> None:
        self.packages: dict[str, FirmwarePackage] = {}
        self._listeners: list[BlockListener] = []

    def add(self, package: FirmwarePackage) -> None:
        self.packages[package.name] = package

    def remove(self, name: str) -> None:
        self.packages.pop(name, None)

    def listen(self, listener: BlockListener) -> Callable[[], None]:
        self._listeners.append(listener)

        def stop() -> None:
            if listener in self._listeners:
                self._listeners.remove(listener)

        return stop

    def handle(self, request: Any, peer: str) -> Any:
        """Answer one GET of ``/fw/<name>`` (Block2 as asked; 1024-byte blocks otherwise)."""
        segments = tuple(request.opt.uri_path)
        if request.code != Code.GET:
            return Message(code=Code.METHOD_NOT_ALLOWED, payload=b"packages are read-only")
        name = "/".join(segments[1:])
        package = self.packages.get(name)
        if package is None:
            return Message(code=Code.NOT_FOUND, payload=f"no package {name!r}".encode())
        asked = request.opt.block2
        szx = asked.size_exponent if asked is not None else 6
        size = 1 << (szx + 4)
        number = asked.block_number if asked is not None else 0
        offset = number * size
        if offset >= max(package.size, 1) and not (offset == 0 and package.size == 0):
            return Message(code=Code.BAD_OPTION, payload=b"block beyond the end of the package")
        chunk = package.data[offset : offset + size]
        more = offset + len(chunk) < package.size
        response = Message(code=Code.CONTENT, payload=chunk)
        response.opt.content_format = ContentFormat.OPAQUE
        response.opt.etag = package.etag
        response.opt.size2 = package.size
        if asked is not None or more:
            response.opt.block2 = BlockOption.BlockwiseTuple(number, more, szx)
        for listener in list(self._listeners):
            listener(name, peer, offset, len(chunk))
        return response


@dataclass
class FotaOutcome:
    """How a FOTA job ended: ``ok`` when Update Result is 1 after the re-registration."""

    endpoint: str
    method: str
    ok: bool
    result: int | None
    result_text: str
    bytes: int
    blocks: int
    seconds: float
    firmware_version: str | None = None
    hash_match: bool | None = None
    error: str | None = None
    package: str = ""
    sha256: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {
            "endpoint": self.endpoint,
            "method": self.method,
            "ok": self.ok,
            "result": self.result,
            "result_text": self.result_text,
            "bytes": self.bytes,
            "blocks": self.blocks,
            "seconds": round(self.seconds, 3),
            "firmware_version": self.firmware_version,
            "hash_match": self.hash_match,
            "error": self.error,
            "package": self.package,
            "sha256": self.sha256,
        }


@dataclass
class FotaOptions:
    """Tunables of one job (seconds, bytes)."""

    #: "auto" picks pull when the client allows it (and speaks CoAP), else push.
    method: str = "auto"
    #: Execute Update as soon as State is Downloaded; else wait for :meth:`FotaJob.confirm`.
    auto_update: bool = True
    #: Push block size (the client may ask for smaller ones).
    block_size: int = 1024
    #: An external Package URI to write instead of hosting the package ourselves.
    uri: str | None = None
    #: Host name in the URI of a hosted package (default: the server's bound address).
    uri_host: str | None = None
    download_timeout: float = 600.0
    update_timeout: float = 120.0
    #: Times one push block is sent again after a timeout before the job fails.
    block_retries: int = 4
    #: Per-block request timeout for push.
    block_timeout: float = 10.0
    #: Seconds between reads of State/Update Result (in case a notification is lost).
    poll_interval: float = 2.0
    #: Seconds between two progress events; one also goes out at each tenth of the package,
    #: so a transfer shorter than this still shows its progress on the way.
    progress_interval: float = 0.25


@dataclass
class _Progress:
    total: int = 0
    bytes: int = 0
    blocks: int = 0
    started: float | None = None
    ended: float | None = None
    highest: int = 0

    def add(self, offset: int, length: int) -> None:
        now = time.monotonic()
        if self.started is None:
            self.started = now
        self.blocks += 1
        self.highest = max(self.highest, offset + length)
        self.bytes = self.highest
        if self.total and self.bytes >= self.total and self.ended is None:
            self.ended = now  # the rate stays the transfer's, not diluted by the update

    @property
    def rate(self) -> float:
        """Bytes per second since the first block."""
        if self.started is None:
            return 0.0
        elapsed = (self.ended or time.monotonic()) - self.started
        return self.bytes / elapsed if elapsed > 0 else 0.0


@dataclass
class FotaJob:
    """One update of one endpoint; :meth:`run` drives it to a :class:`FotaOutcome`."""

    service: FotaService
    endpoint: str
    package: FirmwarePackage
    options: FotaOptions = field(default_factory=FotaOptions)
    method: str = ""
    state: int | None = None
    result: int | None = None
    history: list[dict[str, Any]] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.progress = _Progress(total=self.package.size)
        self._changed = asyncio.Event()
        self._confirmed = asyncio.Event()
        self._cancelled = False
        self._last_progress = 0.0
        self._started = time.monotonic()
        self._observations: list[Any] = []
        self._stage = "idle"

    # -- control ------------------------------------------------------------------------------

    @property
    def cancelled(self) -> bool:
        return self._cancelled

    def confirm(self) -> None:
        """The user's click: execute Update now that State is Downloaded."""
        self._confirmed.set()

    async def cancel(self) -> None:
        """Stop the update: execute Cancel (/5/0/10) when the client has it, else clear the URI.

        Writing an empty Package URI (or an empty Package) takes the client back to Idle
        (TS E.6.1); object 1.2's Cancel does the same and sets Update Result 10.
        """
        self._cancelled = True
        self._changed.set()
        self._confirmed.set()
        server = self.service.server
        with contextlib.suppress(RequestFailedError, RequestTimeoutError):
            answer = await server.execute(self.endpoint, "/5/0/10", timeout=5.0)
            if answer.code == "2.04":
                return
        with contextlib.suppress(RequestFailedError, RequestTimeoutError):
            if self.method == "push":
                await server.write(self.endpoint, "/5/0/0", b"", timeout=5.0)
            else:
                await server.write(self.endpoint, "/5/0/1", "", timeout=5.0)

    # -- events -------------------------------------------------------------------------------

    def _emit(self, step: str, **extra: Any) -> None:
        data: dict[str, Any] = {
            "step": step,
            "method": self.method,
            "state": fw.state_name(self.state) if self.state is not None else self._stage,
            "result": self.result,
            "result_text": fw.result_text(self.result) if self.result is not None else "",
            "bytes": self.progress.bytes,
            "total": self.package.size,
            "blocks": self.progress.blocks,
            "rate": round(self.progress.rate, 1),
            "package": self.package.name,
        }
        data.update(extra)
        if step != "progress":
            self.history.append(data)
        self.service.server._event("fota", self.endpoint, data)

    def _block(self, offset: int, length: int) -> None:
        before = self.progress.bytes
        self.progress.add(offset, length)
        now = time.monotonic()
        size = self.package.size
        tenth = max(1, size // 10)
        if (
            now - self._last_progress >= self.options.progress_interval
            or self.progress.bytes >= size
            or self.progress.bytes // tenth > before // tenth
        ):
            self._last_progress = now
            self._emit("progress")

    def _values(self, values: dict[Path, Any]) -> None:
        changed = False
        state = values.get(Path.of(5, 0, fw.STATE))
        result = values.get(Path.of(5, 0, fw.UPDATE_RESULT))
        if isinstance(state, int) and state != self.state:
            self.state = state
            changed = True
        if isinstance(result, int) and result != self.result:
            self.result = result
            changed = True
        if changed:
            self._emit("state")
            self._changed.set()

    # -- the flow -----------------------------------------------------------------------------

    async def run(self) -> FotaOutcome:
        server = self.service.server
        registrations = server.events.stream()
        try:
            self.running = True
            return await self._run(registrations)
        except FotaError as exc:
            return self._outcome(False, error=str(exc))
        except (RequestFailedError, RequestTimeoutError, UnknownClientError) as exc:
            return self._outcome(False, error=str(exc))
        finally:
            self.running = False
            self.done = True
            registrations.close()
            for obs in self._observations:
                with contextlib.suppress(Exception):
                    await obs.cancel(active=False)
            if self._hosted:
                self.service.host.remove(self._hosted_name)

    _hosted = False
    _hosted_name = ""
    running = False
    #: Set when :meth:`run` returned (a job runs once).
    done = False

    async def _run(self, registrations: Any) -> FotaOutcome:
        server = self.service.server
        server.client(self.endpoint)  # raises UnknownClientError early
        self.method = await self._choose_method()
        self._stage = "idle"
        self._emit("started", sha256=self.package.sha256)
        await self._observe()
        await self._refresh()
        if self.state not in (None, fw.IDLE):
            raise FotaError(
                f"the client is not Idle (State {self.state}, {fw.state_name(self.state)})"
            )
        if self.method == "pull":
            await self._pull()
        else:
            await self._push()
            # Read after the last block's answer: a result left from an earlier attempt must
            # not be taken for this one's.
            await self._refresh()
        if self._cancelled:
            return self._outcome(False, error="cancelled")
        await self._wait_downloaded()
        if self.state != fw.DOWNLOADED:
            return self._outcome(False, error="download failed")
        self._emit("downloaded")
        if not self.options.auto_update:
            self._emit("awaiting_confirmation")
            await self._wait(self._confirmed.wait(), self.options.update_timeout * 10)
            if self.cancelled:
                return self._outcome(False, error="cancelled")
        self._emit("executing")
        with contextlib.suppress(RequestTimeoutError):
            # A module may reboot before it answers (ST87MXX note, section 3.3).
            answer = await server.execute(self.endpoint, "/5/0/2", timeout=10.0)
            if not answer.code.startswith("2."):
                raise FotaError(f"Update was refused ({answer.code})")
        if not await self._wait_reregistration(registrations):
            return self._outcome(False, error="update failed")
        self._emit("reregistered")
        version = await server.read(self.endpoint, "/3/0/3")
        result = await server.read(self.endpoint, "/5/0/5")
        firmware_version = version.values.get(Path.of(3, 0, 3))
        verdict = result.values.get(Path.of(5, 0, 5))
        if isinstance(verdict, int):
            self.result = verdict
        state = await server.read(self.endpoint, "/5/0/3")
        value = state.values.get(Path.of(5, 0, 3))
        if isinstance(value, int):
            self.state = value
        text = firmware_version if isinstance(firmware_version, str) else None
        return self._outcome(
            self.result == fw.SUCCESS,
            firmware_version=text,
            hash_match=(text or "").endswith("+" + self.package.tag),
        )

    def _outcome(self, ok: bool, **extra: Any) -> FotaOutcome:
        outcome = FotaOutcome(
            endpoint=self.endpoint,
            method=self.method,
            ok=ok,
            result=self.result,
            result_text=fw.result_text(self.result) if self.result is not None else "",
            bytes=self.progress.bytes,
            blocks=self.progress.blocks,
            seconds=time.monotonic() - self._started,
            package=self.package.name,
            sha256=self.package.sha256,
            **extra,
        )
        self._emit("finished" if ok else "failed", **{k: v for k, v in extra.items()})
        return outcome

    async def _choose_method(self) -> str:
        """Read /5/0/9 and /5/0/8; the method asked for must be one the client allows."""
        server = self.service.server
        asked = self.options.method
        if asked not in METHODS:
            raise FotaError(f"method must be one of {', '.join(METHODS)}, not {asked!r}")
        delivery_read = await server.read(self.endpoint, "/5/0/9")
        delivery = delivery_read.values.get(Path.of(5, 0, 9))
        protocols_read = await server.read(self.endpoint, "/5/0/8")
        protocols = {v for v in protocols_read.values.values() if isinstance(v, int)}
        if not delivery_read.code.startswith("2.") or not isinstance(delivery, int):
            delivery = None  # Optional resource absent: try what was asked.
        if asked == "auto":
            if delivery is None or fw.supports(delivery, "pull"):
                return "pull"
            return "push"
        if delivery is not None and not fw.supports(delivery, asked):
            raise FotaError(
                f"the client's Delivery Method is {delivery} "
                f"({fw.DELIVERY_NAMES.get(delivery, '?')}), it does not allow {asked}"
            )
        if asked == "pull" and protocols and self.options.uri is None and 0 not in protocols:
            raise FotaError("the client's Protocol Support does not list CoAP (0)")
        return asked

    async def _observe(self) -> None:
        server = self.service.server
        for path in ("/5/0/3", "/5/0/5"):
            try:
                obs = await server.observe(
                    self.endpoint, path, callback=lambda n: self._values(n.result.values)
                )
            except (RequestFailedError, RequestTimeoutError):
                continue  # Polling (poll_interval) covers a client that refuses to observe.
            self._observations.append(obs)
            self._values(obs.initial.values)

    async def _refresh(self) -> None:
        server = self.service.server
        for path in ("/5/0/3", "/5/0/5"):
            answer = await server.read(self.endpoint, path)
            self._values(answer.values)

    async def _wait(self, awaitable: Any, timeout: float) -> None:
        try:
            async with asyncio.timeout(timeout):
                await awaitable
        except TimeoutError:
            raise FotaError("timed out") from None

    async def _wait_downloaded(self) -> None:
        deadline = time.monotonic() + self.options.download_timeout
        while not self._cancelled:
            if self.state == fw.DOWNLOADED:
                return
            if self.result not in (None, fw.INITIAL, fw.SUCCESS):
                return  # a failure: Update Result says which (E.6.1)
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise FotaError("State did not reach Downloaded in time")
            self._changed.clear()
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(min(self.options.poll_interval, remaining)):
                    await self._changed.wait()
                    continue
            with contextlib.suppress(RequestFailedError, RequestTimeoutError):
                await self._refresh()

    async def _wait_reregistration(self, registrations: Any) -> bool:
        """``True`` once the client registered again; ``False`` when Update failed instead.

        A failed update (Update Result 8, State back to Downloaded, E.6.1) needs no reboot,
        so the wait also ends on a failure result.
        """

        async def registered() -> None:
            async for event in registrations:
                if event.kind == "registered" and event.endpoint == self.endpoint:
                    self._emit("rebooted", address=event.data.get("address"))
                    return
            raise FotaError("the server stopped")

        async def failed() -> None:
            while self.result in (None, fw.INITIAL, fw.SUCCESS):
                self._changed.clear()
                await self._changed.wait()

        waiters = [asyncio.ensure_future(registered()), asyncio.ensure_future(failed())]
        try:
            done, _pending = await asyncio.wait(
                waiters, timeout=self.options.update_timeout, return_when=asyncio.FIRST_COMPLETED
            )
        finally:
            for waiter in waiters:
                waiter.cancel()
            await asyncio.gather(*waiters, return_exceptions=True)
        if not done:
            raise FotaError("the client did not register again after Update")
        if waiters[0] in done:
            waiters[0].result()
            return True
        return False

    # -- delivery -----------------------------------------------------------------------------

    def _package_uri(self) -> str:
        if self.options.uri is not None:
            return self.options.uri
        server = self.service.server
        host, port = server.address
        host = self.options.uri_host or host
        if ":" in host:
            host = f"[{host}]"
        self._hosted_name = self.package.name
        self._hosted = True
        self.service.host.add(self.package)
        return f"coap://{host}:{port}/{ROUTE}/{quote(self.package.name)}"

    async def _pull(self) -> None:
        server = self.service.server
        uri = self._package_uri()
        address = server.client(self.endpoint).address

        def served(name: str, peer: str, offset: int, length: int) -> None:
            if name == self.package.name and peer == address:
                self._block(offset, length)

        stop = self.service.host.listen(served)
        self._stop_listening = stop
        self._stage = "downloading"
        self._emit("uri_written", uri=uri)
        answer = await server.write(self.endpoint, "/5/0/1", uri)
        if not answer.code.startswith("2."):
            stop()
            raise FotaError(f"writing Package URI was refused ({answer.code})")
        # The client answered the write after resetting (or failing) its Update Result;
        # reading now replaces any result an earlier attempt left behind.
        await self._refresh()
        try:
            await self._wait_downloaded()
        finally:
            stop()

    async def _push(self) -> None:
        """Block1 writes of /5/0/0 (RFC 7959 §2.5), one request per block."""
        data = self.package.data
        szx = szx_of(self.options.block_size)
        offset = 0
        restarted = False
        self._stage = "downloading"
        self._emit("push_started", block_size=1 << (szx + 4))
        while True:
            size = 1 << (szx + 4)
            number = offset // size
            chunk = data[offset : offset + size]
            more = offset + len(chunk) < len(data)
            response = await self._send_block(number, more, szx, chunk, first=offset == 0)
            code = response.code
            if code == Code.REQUEST_ENTITY_INCOMPLETE and not restarted:
                restarted, offset = True, 0
                self._emit("push_restarted")
                continue
            if not code.is_successful():
                # The client says why in Update Result (E.6.1); read it, the flow reports it.
                text = response.payload.decode("utf-8", "replace")[:100]
                self._emit("push_refused", block=number, code=code.dotted, reason=text)
                with contextlib.suppress(RequestFailedError, RequestTimeoutError):
                    await self._refresh()
                if self.result in (None, fw.INITIAL, fw.SUCCESS):
                    raise FotaError(f"block {number} refused: {code.dotted} {text}".strip())
                return
            self._block(offset, len(chunk))
            answered = response.opt.block1
            if not more:
                return
            offset += len(chunk)
            if answered is not None and answered.size_exponent < szx:
                szx = answered.size_exponent  # the client asks for smaller blocks
            if self._cancelled:
                return

    async def _send_block(
        self, number: int, more: bool, szx: int, chunk: bytes, first: bool
    ) -> Any:
        server = self.service.server
        total = len(self.package.data)

        def build(rec: ClientRecord) -> Any:
            message = Message(
                code=Code.PUT,
                uri_path=rec.uri_path((5, 0, 0)),
                content_format=ContentFormat.OPAQUE,
                payload=chunk,
            )
            message.opt.block1 = BlockOption.BlockwiseTuple(number, more, szx)
            if first:
                message.opt.size1 = total
            return message

        attempt = 0
        while True:
            try:
                _pending, response = await server.exchanger.exchange(
                    self.endpoint,
                    "write-block",
                    "/5/0/0",
                    build,
                    timeout=self.options.block_timeout,
                    blockwise=False,
                )
                return response
            except RequestTimeoutError:
                attempt += 1
                if attempt > self.options.block_retries:
                    raise
                self._emit("block_retry", block=number, attempt=attempt)


class FotaService:
    """The server's FOTA: one :class:`PackageHost` and the jobs that use it."""

    def __init__(self, server: LwM2MServer) -> None:
        self.server = server
        self.host = PackageHost()
        self.jobs: dict[str, FotaJob] = {}

    def handle(self, request: Any, peer: str) -> Any:
        return self.host.handle(request, peer)

    def job(
        self, endpoint: str, package: FirmwarePackage, options: FotaOptions | None = None
    ) -> FotaJob:
        """A job for ``endpoint`` (not started; ``await job.run()`` or :meth:`start`)."""
        running = self.jobs.get(endpoint)
        if running is not None and not running.done:
            raise FotaError(f"{endpoint}: an update is already running")
        created = FotaJob(self, endpoint, package, options or FotaOptions())
        self.jobs[endpoint] = created
        return created

    async def update(
        self, endpoint: str, package: FirmwarePackage, options: FotaOptions | None = None
    ) -> FotaOutcome:
        """Run a whole update and return its outcome (never raises for a failed update)."""
        return await self.job(endpoint, package, options).run()


def is_fota_event(event: ServerEvent) -> bool:
    return event.kind == "fota"


#: Package URI schemes a user may type for a package hosted elsewhere (Protocol Support, /5/0/8).
EXTERNAL_SCHEMES = ("coap://", "coaps://", "http://", "https://")


async def cli_fota(
    server: LwM2MServer, endpoint: str, file: str, method: str = "auto", uri: str | None = None
) -> dict[str, Any]:
    """The ``fota EP FILE [pull|push|auto] [URI]`` server command: runs to the end.

    With ``URI`` the package is pulled from where the user put it (written to /5/0/1 as
    typed) instead of from this server; ``FILE`` is still read, because the verdict checks the
    firmware version against that file's hash and size.
    """
    if method not in METHODS:
        raise ValueError(f"method must be one of {', '.join(METHODS)}")
    if uri is not None:
        if not uri.startswith(EXTERNAL_SCHEMES):
            raise ValueError(f"the package URI must start with {', '.join(EXTERNAL_SCHEMES)}")
        if method == "push":
            raise ValueError("a package URI is for pull; push sends the file itself")
        method = "pull"
    try:
        package = FirmwarePackage.from_file(file)
    except OSError as exc:
        raise ValueError(f"cannot read {file}: {exc.strerror or exc}") from None
    outcome = await server.fota.update(endpoint, package, FotaOptions(method=method, uri=uri))
    return outcome.to_dict()
