"""A minimal LwM2M server on raw aiocoap, for testing the client engine over real UDP.

It records Register/Update/De-register (and Bootstrap-Request, Send), answers them like a
server would, and issues device-management requests to a client at the address its last
Register/Update came from. Deliberately independent of workbench.server so the client is held
to the wire format, not to our own server's leniency.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
from dataclasses import dataclass, field
from typing import Any

from aiocoap import Context, Message, Unreliable
from aiocoap import interfaces as coap_interfaces
from aiocoap.numbers.codes import Code


@dataclass
class Record:
    op: str  # register, update, deregister, bootstrap, send
    path: tuple[str, ...]
    query: dict[str, str]
    payload: bytes
    content_format: int | None
    remote: Any


@dataclass
class Registration:
    ep: str
    location: str
    query: dict[str, str]
    links: str
    remote: Any
    updates: int = 0


@dataclass
class Observation:
    request: Any
    first: Message
    notifications: asyncio.Queue[Message] = field(default_factory=asyncio.Queue)


class _Site(coap_interfaces.Resource):  # type: ignore[misc]
    def __init__(self, server: MiniServer) -> None:
        super().__init__()
        self.server = server

    async def render_to_pipe(self, pipe: Any) -> None:
        await coap_interfaces.Resource._render_to_pipe(self, pipe)

    async def needs_blockwise_assembly(self, request: Message) -> bool:
        return True

    async def render(self, request: Message) -> Message:
        return await self.server.handle(request)


class MiniServer:
    """Registration + bootstrap server; ``await server.request(ep, ...)`` reaches a client."""

    def __init__(self) -> None:
        self.records: list[Record] = []
        self.registrations: dict[str, Registration] = {}
        self.by_location: dict[str, Registration] = {}
        self.bootstrap_requests: list[Record] = []
        self.arrived: asyncio.Queue[Record] = asyncio.Queue()
        #: Code to answer the next Update with (e.g. 4.04 to force a re-register).
        self.update_answer: Code | None = None
        self.register_answer: Code | None = None
        self._ids = itertools.count(1)
        self.context: Any = None
        self.port = 0

    async def start(self, port: int = 0) -> MiniServer:
        self.context = await Context.create_server_context(
            _Site(self), bind=("127.0.0.1", port), transports=["udp6"]
        )
        for interface in self.context.request_interfaces:
            transport = interface.token_interface.message_interface.transport
            self.port = int(transport.get_extra_info("socket").getsockname()[1])
        return self

    @property
    def url(self) -> str:
        return f"coap://127.0.0.1:{self.port}"

    async def stop(self) -> None:
        if self.context is not None:
            await self.context.shutdown()
            self.context = None

    async def __aenter__(self) -> MiniServer:
        return await self.start()

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    # -- incoming ------------------------------------------------------------------------------

    async def handle(self, request: Message) -> Message:
        path = tuple(request.opt.uri_path)
        query = dict(q.partition("=")[::2] for q in request.opt.uri_query)
        record = Record(
            "", path, query, request.payload, request.opt.content_format, request.remote
        )
        answer = Message(code=Code.NOT_FOUND)
        if path == ("rd",) and request.code == Code.POST:
            record.op = "register"
            if self.register_answer is not None:
                answer = Message(code=self.register_answer)
            else:
                location = f"r{next(self._ids)}"
                reg = Registration(
                    query["ep"], location, query, request.payload.decode(), request.remote
                )
                old = self.registrations.pop(reg.ep, None)
                if old is not None:
                    self.by_location.pop(old.location, None)
                self.registrations[reg.ep] = reg
                self.by_location[location] = reg
                answer = Message(code=Code.CREATED)
                answer.opt.location_path = ("rd", location)
        elif len(path) == 2 and path[0] == "rd":
            reg = self.by_location.get(path[1])
            if request.code == Code.POST:
                record.op = "update"
                if self.update_answer is not None:
                    answer = Message(code=self.update_answer)
                    self.update_answer = None
                elif reg is not None:
                    reg.updates += 1
                    reg.remote = request.remote
                    if request.payload:
                        reg.links = request.payload.decode()
                    reg.query.update(query)
                    answer = Message(code=Code.CHANGED)
            elif request.code == Code.DELETE:
                record.op = "deregister"
                if reg is not None:
                    del self.by_location[path[1]]
                    self.registrations.pop(reg.ep, None)
                    answer = Message(code=Code.DELETED)
        elif path == ("bs",) and request.code == Code.POST:
            record.op = "bootstrap"
            self.bootstrap_requests.append(record)
            answer = Message(code=Code.CHANGED)
        elif path == ("dp",) and request.code == Code.POST:
            record.op = "send"
            answer = Message(code=Code.CHANGED)
        self.records.append(record)
        self.arrived.put_nowait(record)
        return answer

    async def wait_for(self, op: str, timeout: float = 5.0) -> Record:
        """The next recorded request of kind ``op`` (earlier ones of other kinds skipped)."""

        async def find() -> Record:
            while True:
                record = await self.arrived.get()
                if record.op == op:
                    return record

        return await asyncio.wait_for(find(), timeout)

    def ops(self) -> list[str]:
        return [r.op for r in self.records]

    # -- outgoing -------------------------------------------------------------------------------

    def _message(
        self,
        remote: Any,
        code: Code,
        path: str,
        payload: bytes = b"",
        content_format: int | None = None,
        accept: int | None = None,
        query: tuple[str, ...] = (),
        observe: int | None = None,
        reliable: bool = True,
    ) -> Message:
        tuning = None if reliable else Unreliable
        message = Message(code=code, payload=payload, transport_tuning=tuning)
        message.remote = remote
        message.opt.uri_path = tuple(p for p in path.split("/") if p)
        if content_format is not None:
            message.opt.content_format = content_format
        if accept is not None:
            message.opt.accept = accept
        if query:
            message.opt.uri_query = query
        if observe is not None:
            message.opt.observe = observe
        return message

    def remote_of(self, ep: str) -> Any:
        return self.registrations[ep].remote

    async def request(
        self, ep_or_remote: str | Any, code: Code, path: str, timeout: float = 5.0, **kw: Any
    ) -> Message:
        remote = self.remote_of(ep_or_remote) if isinstance(ep_or_remote, str) else ep_or_remote
        message = self._message(remote, code, path, **kw)
        response: Message = await asyncio.wait_for(self.context.request(message).response, timeout)
        return response

    async def observe(self, ep: str, path: str, accept: int | None = None) -> Observation:
        message = self._message(self.remote_of(ep), Code.GET, path, accept=accept, observe=0)
        request = self.context.request(message)
        first = await asyncio.wait_for(request.response, 5.0)
        obs = Observation(request, first)
        if first.opt.observe is not None:

            async def pump() -> None:
                with contextlib.suppress(Exception):
                    async for notification in request.observation:
                        obs.notifications.put_nowait(notification)

            obs.pump = asyncio.ensure_future(pump())  # type: ignore[attr-defined]
        return obs
