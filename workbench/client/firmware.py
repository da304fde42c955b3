"""Connectivity Monitoring defaults and a real Firmware Update (object 5) for the client engine.

Object 5 follows OMA-TS-LightweightM2M Core Appendix E.6 and its state machine (E.6.1):

* **push** — the server writes Package (/5/0/0). Block1 writes (RFC 7959) are received here
  block by block: each block is answered 2.31 Continue (with a smaller SZX when the server's
  blocks are bigger than ``max_block_size``, §2.5), the last one 2.04. A one-datagram write
  is accepted too. Size1, when given, is checked against the free storage before anything is
  kept (4.13 and Update Result 2) and against the bytes received at the end.
* **pull** — the server writes Package URI (/5/0/1); the client downloads it with block-wise
  GETs (Block2 at ``max_block_size``), checks that the ETag does not change between blocks
  and that the bytes add up to Size2. A URI that does not parse is Update Result 7, a scheme
  missing from Protocol Support (/5/0/8) is 9, an unanswered block is 4.
* State goes Idle → Downloading → Downloaded (or back to Idle with the failure's Update
  Result); Update (/5/0/2), valid only in Downloaded, goes to Updating, then the device
  reboots (it closes its socket without De-register, as a module does), comes back and
  registers again with State Idle, Update Result 1 and Firmware Version (/3/0/3) ending in
  ``+`` and the first 8 hex digits of the package's SHA-256. Cancel (/5/0/10) or writing an
  empty Package/URI returns to Idle (Update Result 10 for Cancel, object version 1.2).

:class:`FirmwareOptions` also injects failures (``fail``): ``integrity`` (5), ``unsupported``
(6), ``storage`` (2), ``connection`` (4, the link drops half way), ``uri`` (7) and
``update`` (8, the update itself fails and State goes back to Downloaded).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import urllib.parse
from collections.abc import Awaitable, Callable, Coroutine
from dataclasses import dataclass, field
from typing import Any

from aiocoap import Message
from aiocoap.numbers.codes import Code
from aiocoap.optiontypes import BlockOption

from workbench.client.defaults import CONNECTIVITY, DEVICE, FIRMWARE, connectivity_values
from workbench.client.errors import not_allowed, not_found
from workbench.client.store import ObjectStore
from workbench.lwm2m import firmware as fw
from workbench.lwm2m.paths import Path

log = logging.getLogger(__name__)

Spawn = Callable[[Coroutine[Any, Any, Any]], None]
#: Sends one CoAP request from the client's socket without block-wise handling.
Fetch = Callable[[Message], Awaitable[Message]]
#: Takes the device down for ``downtime`` seconds and brings it back (re-registration).
Reboot = Callable[[float], None]
#: Reports a step of the update (``"downloading"``, ``"rebooting"``...) to the engine's events.
Report = Callable[..., None]

FAILURES = ("integrity", "unsupported", "storage", "connection", "uri", "update")


@dataclass
class FirmwareOptions:
    """What the simulated device's firmware update can do, and what should go wrong."""

    #: Firmware Update Delivery Method (/5/0/9): 0 pull only, 1 push only, 2 both.
    delivery: int = fw.BOTH
    #: Firmware Update Protocol Support (/5/0/8): 0 CoAP (the only one downloaded here).
    protocols: tuple[int, ...] = (0,)
    #: Largest block accepted (push) and asked for (pull), 16..1024.
    max_block_size: int = 1024
    #: Free storage in bytes; a larger package is Update Result 2.
    storage: int = 4 * 1024 * 1024
    #: Injected failure, one of :data:`FAILURES` (``None``: everything works).
    fail: str | None = None
    #: Whether Cancel (/5/0/10) exists (object 1.2); older objects only reset by empty writes.
    cancel_resource: bool = True
    #: Whether Package (/5/0/0) exists; a pull-only module may not have it (ST87MXX: "Not
    #: supported"), a write to it then gets 4.04.
    package_resource: bool = True
    #: Seconds in Updating before the reboot.
    update_time: float = 0.2
    #: Seconds the device is off-line while it reboots.
    reboot_time: float = 0.2
    #: Seconds one download request may take before the connection counts as lost.
    block_timeout: float = 10.0
    #: Extra resources of /5/0 (PkgName, PkgVersion...).
    extra: dict[int, object] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.fail is not None and self.fail not in FAILURES:
            raise ValueError(f"fail must be one of {', '.join(FAILURES)}, not {self.fail!r}")
        if self.max_block_size not in (16, 32, 64, 128, 256, 512, 1024):
            raise ValueError("max_block_size must be a power of two from 16 to 1024")

    @property
    def max_szx(self) -> int:
        return self.max_block_size.bit_length() - 5


def firmware_resources(options: FirmwareOptions) -> dict[int, object]:
    """An Idle /5/0 as these options describe it."""
    values: dict[int, object] = {
        fw.PACKAGE: b"",
        fw.PACKAGE_URI: "",
        fw.UPDATE: None,
        fw.STATE: fw.IDLE,
        fw.UPDATE_RESULT: fw.INITIAL,
        fw.PKG_NAME: "",
        fw.PKG_VERSION: "",
        fw.PROTOCOL_SUPPORT: dict(enumerate(options.protocols)),
        fw.DELIVERY_METHOD: options.delivery,
    }
    values.update(options.extra)
    return values


class _Failed(Exception):
    def __init__(self, result: int, reason: str) -> None:
        super().__init__(reason)
        self.result = result


class FirmwareUpdater:
    """The device side of object 5 on one :class:`ObjectStore`."""

    def __init__(
        self,
        store: ObjectStore,
        spawn: Spawn,
        options: FirmwareOptions | None = None,
        *,
        fetch: Fetch | None = None,
        reboot: Reboot | None = None,
        report: Report | None = None,
    ) -> None:
        self.store = store
        self.spawn = spawn
        self.options = options or FirmwareOptions()
        self.fetch = fetch
        self.reboot = reboot
        self.report = report or (lambda step, **fields: None)
        self.package = b""
        self._buffer = bytearray()
        self._expected: int | None = None
        self._download: asyncio.Future[Any] | None = None
        self._generation = 0

    # -- store plumbing -----------------------------------------------------------------------

    def _path(self, rid: int) -> Path:
        return Path.of(FIRMWARE, 0, rid)

    @property
    def delivery(self) -> int:
        """Delivery Method as the device shows it (a simulator may have set /5/0/9 itself)."""
        value = self.store.get_or(self._path(fw.DELIVERY_METHOD), self.options.delivery)
        return value if isinstance(value, int) else self.options.delivery

    @property
    def protocols(self) -> tuple[int, ...]:
        value = self.store.get_or(self._path(fw.PROTOCOL_SUPPORT), None)
        if isinstance(value, dict):
            return tuple(v for v in value.values() if isinstance(v, int))
        return self.options.protocols

    @property
    def state(self) -> int:
        value = self.store.get_or(self._path(fw.STATE), fw.IDLE)
        return value if isinstance(value, int) else fw.IDLE

    def _set(self, state: int, result: int | None = None) -> None:
        # Result first: a server that sees State change reads a result that already fits.
        if result is not None:
            self.store.set(self._path(fw.UPDATE_RESULT), result)
        self.store.set(self._path(fw.STATE), state)
        self.report(
            fw.state_name(state),
            state=state,
            result=self.store.get_or(self._path(fw.UPDATE_RESULT)),
            bytes=len(self._buffer) if state == fw.DOWNLOADING else len(self.package),
        )

    def _fail(self, result: int, reason: str, state: int = fw.IDLE) -> None:
        log.info("firmware update failed: %s (%s)", fw.result_text(result), reason)
        self._buffer = bytearray()
        self._expected = None
        self._set(state, result)
        self.report("failed", result=result, result_text=fw.result_text(result), reason=reason)

    def install(self) -> None:
        """Create /5/0 and hook writes and executes."""
        values = firmware_resources(self.options)
        definition = self.store.definition(FIRMWARE)
        cancel = self.options.cancel_resource and definition.resource(fw.CANCEL) is not None
        if cancel:
            values[fw.CANCEL] = None
        if not self.options.package_resource:
            del values[fw.PACKAGE]
        self.store.create_instance(FIRMWARE, 0, values)
        self.store.on_write(self._path(fw.PACKAGE), self._package_written)
        self.store.on_write(self._path(fw.PACKAGE_URI), self._uri_written)
        self.store.on_execute(self._path(fw.UPDATE), self._execute_update)
        if cancel:
            self.store.on_execute(self._path(fw.CANCEL), self._execute_cancel)

    def _reset(self) -> None:
        self._generation += 1
        if self._download is not None:
            self._download.cancel()
            self._download = None
        self._buffer = bytearray()
        self._expected = None

    # -- push ---------------------------------------------------------------------------------

    def receive_block(self, request: Message) -> Message:
        """One Block1 request to /5/0/0 (RFC 7959 §2.5): 2.31 until the last block, then 2.04."""
        block = request.opt.block1
        assert block is not None
        if not self.store.exists(self._path(fw.PACKAGE)):
            raise not_found("this device has no Package resource (pull only)")
        if not fw.supports(self.delivery, "push"):
            raise not_allowed("this device does not accept a pushed Package (pull only)")
        number, more, szx = block.block_number, block.more, block.size_exponent
        size = 1 << (szx + 4)
        offset = number * size
        if number == 0:
            if self.state not in (fw.IDLE, fw.DOWNLOADING):
                raise not_allowed(f"State is {fw.state_name(self.state)}, not Idle")
            self._reset()
            self._expected = request.opt.size1
            if self._expected is not None and self._expected > self._free():
                self._fail(fw.NOT_ENOUGH_FLASH, f"Size1 {self._expected} > free storage")
                answer = Message(code=Code.REQUEST_ENTITY_TOO_LARGE)
                answer.opt.size1 = self._free()
                return answer
            self._set(fw.DOWNLOADING, fw.INITIAL)
        elif self.state != fw.DOWNLOADING:
            return Message(code=Code.REQUEST_ENTITY_INCOMPLETE, payload=b"no transfer in progress")
        if offset != len(self._buffer):
            if offset < len(self._buffer) and offset + len(request.payload) <= len(self._buffer):
                # A retransmitted block we already have (our answer was lost): answer again.
                return self._continue(number, more, szx)
            return Message(code=Code.REQUEST_ENTITY_INCOMPLETE, payload=b"block out of order")
        self._buffer += request.payload
        failure = self._check_progress()
        if failure is not None:
            self._fail(*failure)
            code = Code.REQUEST_ENTITY_TOO_LARGE if failure[0] == fw.NOT_ENOUGH_FLASH else None
            return Message(code=code or Code.SERVICE_UNAVAILABLE, payload=failure[1].encode())
        if more:
            return self._continue(number, more, szx)
        self._downloaded(bytes(self._buffer))
        answer = Message(code=Code.CHANGED)
        answer.opt.block1 = BlockOption.BlockwiseTuple(number, False, szx)
        return answer

    def _continue(self, number: int, more: bool, szx: int) -> Message:
        answer = Message(code=Code.CONTINUE)
        answer.opt.block1 = BlockOption.BlockwiseTuple(number, more, min(szx, self.options.max_szx))
        return answer

    def _free(self) -> int:
        return self.options.storage

    def _check_progress(self) -> tuple[int, str] | None:
        """A failure to report now that ``_buffer`` grew, or ``None``."""
        received = len(self._buffer)
        if received > self._free():
            return fw.NOT_ENOUGH_FLASH, f"{received} bytes do not fit in {self._free()}"
        fail = self.options.fail
        if fail == "storage":
            return fw.NOT_ENOUGH_FLASH, "injected: storage full"
        if fail == "unsupported":
            return fw.UNSUPPORTED_PACKAGE, "injected: package type not supported"
        total = self._expected
        if fail == "connection" and total and received * 2 >= total:
            return fw.CONNECTION_LOST, "injected: connection lost half way"
        return None

    def _package_written(self, path: Path) -> None:
        """A Package written in one piece (no Block1), or emptied (cancel)."""
        data = self.store.get_or(self._path(fw.PACKAGE), b"")
        if not isinstance(data, bytes):
            return
        # The store keeps the written value: other write hooks (a simulator relaying the
        # write to its host, as the BG95's "recv" URC does) read it after this one.
        if not data or data == b"\0":
            self._reset()
            self._set(fw.IDLE, fw.INITIAL)
            return
        if not fw.supports(self.delivery, "push"):
            self._fail(fw.UNSUPPORTED_PROTOCOL, "push is not supported")
            return
        self._reset()
        self._buffer = bytearray(data)
        failure = self._check_progress()
        if failure is not None:
            self._fail(*failure)
            return
        self._downloaded(data)

    # -- pull ---------------------------------------------------------------------------------

    def _uri_written(self, path: Path) -> None:
        uri = self.store.get_or(self._path(fw.PACKAGE_URI), "")
        if not isinstance(uri, str):
            return
        self._reset()
        if not uri:
            self._set(fw.IDLE, fw.INITIAL)
            return
        if not fw.supports(self.delivery, "pull"):
            self._fail(fw.UNSUPPORTED_PROTOCOL, "pull is not supported")
            return
        self._set(fw.DOWNLOADING, fw.INITIAL)
        generation = self._generation
        loop = asyncio.get_running_loop()
        self._download = loop.create_future()
        self.spawn(self._pull(uri, generation))

    async def _pull(self, uri: str, generation: int) -> None:
        try:
            data = await self._download_uri(uri)
        except _Failed as exc:
            if generation == self._generation:
                self._fail(exc.result, str(exc))
            return
        except asyncio.CancelledError:
            raise
        if generation == self._generation:
            self._download = None
            self._downloaded(data)

    async def _download_uri(self, uri: str) -> bytes:
        parts = urllib.parse.urlsplit(uri)
        if self.options.fail == "uri" or not parts.scheme or not parts.hostname:
            raise _Failed(fw.INVALID_URI, f"invalid URI {uri!r}")
        protocol = fw.SCHEME_PROTOCOL.get(parts.scheme.lower())
        if protocol is None or protocol not in self.protocols or protocol != 0:
            raise _Failed(fw.UNSUPPORTED_PROTOCOL, f"{parts.scheme} is not supported here")
        if self.fetch is None:
            raise _Failed(fw.CONNECTION_LOST, "the device has no network")
        szx = self.options.max_szx
        number = 0
        etag: bytes | None = None
        template = Message(code=Code.GET, uri=uri)
        peer: Any = None
        while True:
            message = Message(code=Code.GET)
            message.opt.uri_path = template.opt.uri_path
            message.opt.uri_query = template.opt.uri_query
            if peer is None:
                message = Message(code=Code.GET, uri=uri)
            else:
                # Resolve the host once: later blocks go to the address that answered.
                message.remote = peer
            message.opt.block2 = BlockOption.BlockwiseTuple(number, False, szx)
            if number == 0:
                message.opt.size2 = 0  # ask for the total size (RFC 7959 §4)
            try:
                async with asyncio.timeout(self.options.block_timeout):
                    response = await self.fetch(message)
            except (TimeoutError, OSError, ConnectionError) as exc:
                raise _Failed(fw.CONNECTION_LOST, f"block {number}: {exc or 'timeout'}") from None
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                raise _Failed(fw.CONNECTION_LOST, f"block {number}: {exc!r}") from None
            if response.code == Code.NOT_FOUND:
                raise _Failed(fw.INVALID_URI, f"{uri}: 4.04 Not Found")
            if not response.code.is_successful():
                raise _Failed(fw.CONNECTION_LOST, f"block {number}: {response.code.dotted}")
            if number == 0:
                peer = response.remote
                etag = response.opt.etag
                self._expected = response.opt.size2
                if self._expected is not None and self._expected > self._free():
                    raise _Failed(fw.NOT_ENOUGH_FLASH, f"Size2 {self._expected} > free storage")
            elif response.opt.etag != etag:
                raise _Failed(fw.INTEGRITY_FAILURE, "the package changed during the download")
            block = response.opt.block2
            self._buffer += response.payload
            failure = self._check_progress()
            if failure is not None:
                raise _Failed(*failure)
            if block is None or not block.more:
                return bytes(self._buffer)
            if block.size_exponent < szx:
                # The server chose smaller blocks: continue at the same byte offset.
                szx = block.size_exponent
            number = len(self._buffer) // (1 << (szx + 4))

    # -- downloaded, update, reboot -----------------------------------------------------------

    def _downloaded(self, data: bytes) -> None:
        if self._expected is not None and len(data) != self._expected:
            self._fail(
                fw.INTEGRITY_FAILURE, f"{len(data)} bytes received, {self._expected} announced"
            )
            return
        if self.options.fail == "integrity":
            self._fail(fw.INTEGRITY_FAILURE, "injected: integrity check failed")
            return
        self.package = data
        self._buffer = bytearray()
        self._set(fw.DOWNLOADED, fw.INITIAL)
        self.report("downloaded", bytes=len(data), tag=fw.package_tag(data))

    def _execute_update(self, path: Path, arguments: str) -> None:
        if self.state != fw.DOWNLOADED:
            raise not_allowed("Update is only valid in State Downloaded (2)")
        self._set(fw.UPDATING)
        self.spawn(self._update(self._generation))

    async def _update(self, generation: int) -> None:
        await asyncio.sleep(self.options.update_time)
        if generation != self._generation:
            return
        if self.options.fail == "update":
            self._fail(fw.UPDATE_FAILED, "injected: update failed", state=fw.DOWNLOADED)
            return
        version_path = Path.of(DEVICE, 0, 3)
        old = self.store.get_or(version_path, "")
        if self.store.exists(version_path):
            self.store.set(version_path, fw.updated_version(str(old or ""), self.package))
        self.package = b""
        self.store.set(self._path(fw.PACKAGE_URI), "")
        self._set(fw.IDLE, fw.SUCCESS)
        self.report("rebooting", downtime=self.options.reboot_time)
        if self.reboot is not None:
            self.reboot(self.options.reboot_time)

    def _execute_cancel(self, path: Path, arguments: str) -> None:
        if self.state == fw.UPDATING:
            raise not_allowed("the update is already being applied")
        self._reset()
        self.package = b""
        with contextlib.suppress(Exception):
            self.store.set(self._path(fw.PACKAGE_URI), "")
        self._set(fw.IDLE, fw.CANCELLED)


def install_defaults(
    store: ObjectStore,
    spawn: Spawn,
    options: FirmwareOptions | None = None,
    *,
    fetch: Fetch | None = None,
    reboot: Reboot | None = None,
    report: Report | None = None,
) -> FirmwareUpdater | None:
    """Create /4/0 and /5/0 (when defined and absent); the updater when /5/0 is ours."""
    if CONNECTIVITY in store.registry and not store.instance_ids(CONNECTIVITY):
        store.create_instance(CONNECTIVITY, 0, connectivity_values())
    if FIRMWARE not in store.registry or store.instance_ids(FIRMWARE):
        return None
    if store.is_host_object(FIRMWARE):
        return None
    updater = FirmwareUpdater(store, spawn, options, fetch=fetch, reboot=reboot, report=report)
    updater.install()
    return updater
