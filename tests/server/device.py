"""A small LwM2M device for the server tests, on a raw aiocoap context over real UDP.

It is deliberately not the workbench client engine: the server must be checked against an
independent peer that does exactly what a test tells it (answer formats, observe, sleep).
"""

from __future__ import annotations

import asyncio
import functools
from collections.abc import Callable, Iterable
from typing import Any

from aiocoap import Context, Message
from aiocoap.numbers.codes import Code
from aiocoap.resource import Resource

from workbench.lwm2m.codecs import codec_for
from workbench.lwm2m.codecs.base import ContentFormat
from workbench.lwm2m.model import ObjectRegistry
from workbench.lwm2m.paths import Path
from workbench.lwm2m.values import Value

DEVICE_VALUES: dict[Path, Value] = {
    Path.of(1, 0, 0): 101,
    Path.of(1, 0, 1): 300,
    Path.of(1, 0, 6): False,
    Path.of(1, 0, 7): "U",
    Path.of(3, 0, 0): "Acme",
    Path.of(3, 0, 1): "Model 9",
    Path.of(3, 0, 2): "SN-1",
    Path.of(3, 0, 3): "1.0",
    Path.of(3, 0, 9): 87,
    Path.of(3, 0, 13): 1700000000,
    Path.of(3, 0, 16): "U",
}


class _DeviceSite(Resource):  # type: ignore[misc]
    def __init__(self, device: FakeDevice) -> None:
        super().__init__()
        self.device = device

    async def needs_blockwise_assembly(self, request: Any) -> bool:
        return False

    async def render(self, request: Any) -> Any:  # pragma: no cover
        raise NotImplementedError

    async def render_to_pipe(self, pipe: Any) -> None:
        self.device.received.append(pipe.request)
        if self.device.silent:
            return  # a vanished device: never answers
        try:
            response, keep = self.device.handle(pipe)
        except Exception as exc:  # pragma: no cover - test helper diagnostics
            response, keep = (
                Message(code=Code.INTERNAL_SERVER_ERROR, payload=repr(exc).encode()),
                False,
            )
        pipe.add_response(response, is_last=not keep)


class FakeDevice:
    """An LwM2M client good enough to exercise the server over real UDP."""

    def __init__(
        self,
        registry: ObjectRegistry,
        endpoint: str = "dev-1",
        *,
        lwm2m: str = "1.1",
        binding: str = "U",
        formats: Iterable[int] | None = None,
        values: dict[Path, Value] | None = None,
    ) -> None:
        self.registry = registry
        self.endpoint = endpoint
        self.lwm2m = lwm2m
        self.binding = binding
        self.formats = set(formats) if formats is not None else None
        self.values: dict[Path, Value] = dict(DEVICE_VALUES if values is None else values)
        self.received: list[Any] = []
        self.executed: list[tuple[str, bytes]] = []
        self.attributes: dict[str, tuple[str, ...]] = {}
        self.observers: dict[bytes, tuple[Path, Any, int | None]] = {}
        #: Observe-Composite (FETCH with Observe=0): token → (paths, pipe, content format).
        self.composite_observers: dict[bytes, tuple[list[Path], Any, int]] = {}
        self.cancels: list[bytes] = []
        self.silent = False
        self.bootstrap_finished = False
        self.ctx: Any = None
        self.location: str | None = None
        self.server: tuple[str, int] | None = None
        self._seq = 1

    async def start(self) -> None:
        self.ctx = await Context.create_server_context(
            _DeviceSite(self), bind=("127.0.0.1", 0), transports=["udp6"]
        )

    async def stop(self) -> None:
        if self.ctx is not None:
            await self.ctx.shutdown()
            self.ctx = None

    @property
    def port(self) -> int:
        tman = self.ctx.request_interfaces[0]
        sock = tman.token_interface.message_interface.transport.get_extra_info("socket")
        return int(sock.getsockname()[1])

    def links(self) -> bytes:
        objects: dict[int, list[int]] = {}
        for path in self.values:
            objects.setdefault(path.object_id, [])
            if path.instance_id not in objects[path.object_id]:
                objects[path.object_id].append(path.instance_id)  # type: ignore[arg-type]
        parts = ['</>;rt="oma.lwm2m"']
        for oid in sorted(objects):
            for inst in sorted(objects[oid]):
                parts.append(f"</{oid}/{inst}>")
        return ",".join(parts).encode()

    async def request(self, code: Any, uri: str, payload: bytes = b"", **options: Any) -> Any:
        msg = Message(code=code, uri=uri, payload=payload, **options)
        return await asyncio.wait_for(self.ctx.request(msg).response, 10)

    async def register(
        self,
        server: tuple[str, int],
        lifetime: int = 60,
        extra: str = "",
        payload: bytes | None = None,
    ) -> Any:
        self.server = server
        query = f"ep={self.endpoint}&lt={lifetime}&lwm2m={self.lwm2m}&b={self.binding}{extra}"
        response = await self.request(
            Code.POST,
            f"coap://{server[0]}:{server[1]}/rd?{query}",
            self.links() if payload is None else payload,
            content_format=ContentFormat.LINK_FORMAT,
        )
        if response.code == Code.CREATED:
            self.location = "/".join(response.opt.location_path)
        return response

    async def bootstrap(self, server: tuple[str, int]) -> Any:
        uri = f"coap://{server[0]}:{server[1]}/bs?ep={self.endpoint}"
        return await self.request(Code.POST, uri)

    async def update(self, query: str = "", payload: bytes = b"") -> Any:
        assert self.server is not None and self.location is not None
        uri = f"coap://{self.server[0]}:{self.server[1]}/{self.location}"
        if query:
            uri += "?" + query
        return await self.request(Code.POST, uri, payload)

    async def deregister(self) -> Any:
        assert self.server is not None and self.location is not None
        uri = f"coap://{self.server[0]}:{self.server[1]}/{self.location}"
        return await self.request(Code.DELETE, uri)

    async def send(self, values: dict[Path, Value], fmt: int = ContentFormat.SENML_JSON) -> Any:
        assert self.server is not None
        payload = codec_for(fmt).encode_composite(values, self.registry)  # type: ignore[attr-defined]
        uri = f"coap://{self.server[0]}:{self.server[1]}/dp"
        return await self.request(Code.POST, uri, payload, content_format=fmt)

    # -- serving ---------------------------------------------------------------------------

    def _content(self, path: Path) -> dict[Path, Value]:
        return {p: v for p, v in self.values.items() if path.contains(p)}

    def _encode(self, path: Path, accept: int | None) -> Message:
        fmt = accept if accept is not None else int(ContentFormat.TLV)
        if self.formats is not None and fmt not in self.formats:
            return Message(code=Code.NOT_ACCEPTABLE)
        content = self._content(path)
        if not content:
            return Message(code=Code.NOT_FOUND)
        payload = codec_for(fmt).encode(path, content, self.registry)
        return Message(code=Code.CONTENT, payload=payload, content_format=fmt)

    def _encode_composite(self, paths: list[Path], fmt: int) -> Message:
        content: dict[Path, Value] = {}
        for p in paths:
            content.update(self._content(p))
        payload = codec_for(fmt).encode_composite(content, self.registry)  # type: ignore[attr-defined]
        return Message(code=Code.CONTENT, payload=payload, content_format=fmt)

    def notify(self, path: Path | None = None) -> int:
        """Send a notification to every observer (of ``path``); returns how many."""
        targets: list[tuple[Any, Callable[[], Message]]] = [
            (pipe, functools.partial(self._encode, obs_path, accept))
            for obs_path, pipe, accept in self.observers.values()
            if path is None or obs_path == path
        ]
        targets += [
            (pipe, functools.partial(self._encode_composite, paths, fmt))
            for paths, pipe, fmt in self.composite_observers.values()
            if path is None or any(p.contains(path) for p in paths)
        ]
        for pipe, encode in targets:
            self._seq += 1
            response = encode()
            response.opt.observe = self._seq
            pipe.add_response(response, is_last=False)
        return len(targets)

    def handle(self, pipe: Any) -> tuple[Any, bool]:
        request = pipe.request
        segments = [s for s in request.opt.uri_path]
        path = None
        if segments and segments != ["bs"]:
            path = Path.parse("/" + "/".join(segments))
        code = request.code
        if code == Code.GET and path is not None:
            if request.opt.accept == ContentFormat.LINK_FORMAT:
                links = [f"<{p}>" for p in sorted(self._content(path))]
                return Message(
                    code=Code.CONTENT,
                    payload=",".join([f"<{path}>", *links]).encode(),
                    content_format=ContentFormat.LINK_FORMAT,
                ), False
            response = self._encode(path, request.opt.accept)
            if request.opt.observe == 0 and response.code == Code.CONTENT:
                self.observers[request.token] = (path, pipe, request.opt.accept)
                pipe.on_interest_end(lambda token=request.token: self.observers.pop(token, None))
                response.opt.observe = self._seq
                return response, True
            if request.opt.observe == 1:
                self.cancels.append(request.token)
                self.observers.pop(request.token, None)
            return response, False
        if code == Code.PUT and path is not None:
            if request.opt.uri_query:
                self.attributes[str(path)] = tuple(request.opt.uri_query)
                return Message(code=Code.CHANGED), False
            fmt = request.opt.content_format
            values = codec_for(fmt if fmt is not None else 0).decode(
                path, request.payload, self.registry
            )
            if path.depth <= 2:
                for p in [p for p in self.values if path.contains(p)]:
                    del self.values[p]
            self.values.update(values)
            return Message(code=Code.CHANGED), False
        if code == Code.POST and path is not None:
            if path.depth == 3:
                self.executed.append((str(path), request.payload))
                return Message(code=Code.CHANGED), False
            fmt = request.opt.content_format
            values = codec_for(fmt if fmt is not None else 11542).decode(
                path, request.payload, self.registry
            )
            self.values.update(values)
            if path.depth == 1:
                instances = sorted({p.instance_id for p in values if p.instance_id is not None})
                response = Message(code=Code.CREATED)
                response.opt.location_path = (str(path.object_id), str(instances[0]))
                return response, False
            return Message(code=Code.CHANGED), False
        if code == Code.DELETE and path is not None:
            removed = [p for p in self.values if path.contains(p)]
            for p in removed:
                del self.values[p]
            return Message(code=Code.DELETED if removed else Code.NOT_FOUND), False
        if code == Code.DELETE and path is None:
            self.values.clear()
            return Message(code=Code.DELETED), False
        if code == Code.POST and segments == ["bs"]:
            self.bootstrap_finished = True
            return Message(code=Code.CHANGED), False
        if code == Code.FETCH:
            fmt = int(request.opt.content_format)
            paths = codec_for(fmt).decode_paths(request.payload)  # type: ignore[attr-defined]
            response = self._encode_composite(paths, fmt)
            if request.opt.observe == 0:  # Observe-Composite
                token = request.token
                self.composite_observers[token] = (paths, pipe, fmt)
                pipe.on_interest_end(lambda: self.composite_observers.pop(token, None))
                response.opt.observe = self._seq
                return response, True
            return response, False
        if code == Code.iPATCH:
            fmt = request.opt.content_format
            values = codec_for(fmt).decode_composite(request.payload, self.registry)  # type: ignore[attr-defined]
            self.values.update(values)
            return Message(code=Code.CHANGED), False
        return Message(code=Code.METHOD_NOT_ALLOWED), False
