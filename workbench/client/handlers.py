"""Answers to server requests: the device-management and bootstrap interfaces.

One aiocoap resource at the root of the client's CoAP site takes every request and maps
method + path to an operation:

====================  ===========================  =======================================
request               device management            bootstrap (while bootstrapping)
====================  ===========================  =======================================
GET                   Read (Observe=0: Observe)    Bootstrap-Read (objects 1 and 2 only)
GET Accept: 40        Discover                     Bootstrap-Discover
PUT with payload      Write (replace)              Bootstrap-Write (any path, any resource)
PUT, query only       Write-Attributes             4.05
POST /o/i/r           Execute (or partial write)   4.05
POST /o/i             Write (partial update)       Bootstrap-Write
POST /o               Create                       4.05
POST /bs              4.04                         Bootstrap-Finish
DELETE /o/i           Delete                       Bootstrap-Delete (also /o and /)
====================  ===========================  =======================================

Response codes: 4.04 missing path, 4.05 operation not allowed on the target (write to a
read-only resource, execute a readable one, delete a resource), 4.00 bad payload or
attributes, 4.06 unsupported Accept, 4.15 unsupported Content-Format, 4.01 for the Security
object outside bootstrap. Every answered request is reported as a ``request`` event.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any, Protocol

from aiocoap import Message
from aiocoap import interfaces as coap_interfaces
from aiocoap.numbers.codes import Code

from workbench.client import composite
from workbench.client import content as content_formats
from workbench.client.attributes import AttributeStore, parse_query
from workbench.client.defaults import DEVICE, SECURITY, SERVER
from workbench.client.errors import (
    OperationError,
    bad_request,
    not_allowed,
    not_found,
    unauthorized,
)
from workbench.client.events import EventHub
from workbench.client.observe import Observation, ObserveManager
from workbench.client.store import ObjectStore
from workbench.lwm2m.codecs.base import ContentFormat
from workbench.lwm2m.errors import PathError
from workbench.lwm2m.paths import Path

log = logging.getLogger(__name__)


class HandlerOwner(Protocol):
    """What the handler needs from the engine."""

    @property
    def lwm2m_version(self) -> str: ...

    @property
    def bootstrapping(self) -> bool: ...

    def bootstrap_finished(self) -> None: ...

    def request_seen(self) -> None: ...


class Answer:
    """An operation's result before it becomes a CoAP message."""

    def __init__(self, code: Code, payload: bytes = b"", content_format: int | None = None) -> None:
        self.code = code
        self.payload = payload
        self.content_format = content_format
        self.location: tuple[str, ...] = ()

    def message(self) -> Message:
        message = Message(code=self.code, payload=self.payload)
        if self.content_format is not None:
            message.opt.content_format = self.content_format
        if self.location:
            message.opt.location_path = self.location
        return message


def parse_uri_path(segments: tuple[str, ...]) -> Path | None:
    """``None`` for the root; :class:`OperationError` 4.04 for anything not numeric."""
    if not segments or segments == ("",):
        return None
    try:
        return Path.parse("/" + "/".join(segments))
    except PathError as exc:
        raise not_found(str(exc)) from None


class ClientSite(coap_interfaces.ObservableResource):  # type: ignore[misc]
    """The whole CoAP site of a client: every path is rendered here."""

    def __init__(
        self,
        owner: HandlerOwner,
        store: ObjectStore,
        attributes: AttributeStore,
        observations: ObserveManager,
        events: EventHub,
    ) -> None:
        super().__init__()
        self.owner = owner
        self.store = store
        self.attributes = attributes
        self.observations = observations
        self.events = events
        self._first: dict[int, Observation] = {}
        #: Uri-Path -> a receiver that takes Block1 requests one block at a time (FOTA push).
        self.block1_receivers: dict[tuple[str, ...], Callable[[Message], Message]] = {}

    # -- aiocoap interface --------------------------------------------------------------------

    async def render_to_pipe(self, pipe: Any) -> None:
        await coap_interfaces.ObservableResource._render_to_pipe(self, pipe)

    async def needs_blockwise_assembly(self, request: Message) -> bool:
        return self._block1_receiver(request) is None

    def _block1_receiver(self, request: Message) -> Callable[[Message], Message] | None:
        if request.opt.block1 is None or request.code not in (Code.PUT, Code.POST):
            return None
        if self.owner.bootstrapping:
            return None
        return self.block1_receivers.get(tuple(request.opt.uri_path))

    def _receive_block(self, request: Message, receiver: Callable[[Message], Message]) -> Message:
        try:
            response = receiver(request)
        except OperationError as exc:
            response = Answer(exc.code, exc.reason.encode()[:200]).message()
        if response.code != Code.CONTINUE:
            # One event per transfer (its last block or its refusal), not one per block.
            self.events.emit(
                "request",
                op="write",
                path="/" + "/".join(request.opt.uri_path),
                code=response.code.dotted,
                format=request.opt.content_format,
                block=request.opt.block1.block_number if request.opt.block1 else None,
            )
        return response

    async def add_observation(self, request: Message, serverobservation: Any) -> None:
        if self.owner.bootstrapping:
            return
        try:
            path = parse_uri_path(request.opt.uri_path)
        except OperationError:
            return
        if path is None and request.code == Code.FETCH and self.owner.lwm2m_version != "1.0":
            self._add_composite_observation(request, serverobservation)
            return
        if path is None or path.object_id == SECURITY or not self.store.exists(path):
            return
        if request.opt.accept == ContentFormat.LINK_FORMAT:
            return
        observation = Observation(path, request.opt.accept, serverobservation, request.token.hex())
        self.observations.add(observation)
        self._first[id(request)] = observation
        serverobservation.accept(lambda: self.observations.remove(observation))

    def _add_composite_observation(self, request: Message, serverobservation: Any) -> None:
        """Observe-Composite: a FETCH on the root with Observe=0 and a SenML list of paths."""
        try:
            paths = composite.requested_paths(request.payload, request.opt.content_format)
        except OperationError:
            return  # the FETCH itself answers the error; nothing is observed
        accept = request.opt.accept
        fmt = accept if accept is not None else request.opt.content_format
        observation = Observation(
            paths[0], fmt, serverobservation, request.token.hex(), composite=tuple(paths)
        )
        self.observations.add(observation)
        self._first[id(request)] = observation
        serverobservation.accept(lambda: self.observations.remove(observation))

    async def render(self, request: Message) -> Message:
        self.owner.request_seen()
        receiver = self._block1_receiver(request)
        if receiver is not None:
            return self._receive_block(request, receiver)
        op = "unknown"
        path: Path | None = None
        try:
            if tuple(request.opt.uri_path) != ("bs",):
                path = parse_uri_path(request.opt.uri_path)
            op, handler = self._route(request, path)
            answer = await handler(request, path)
        except OperationError as exc:
            answer = Answer(exc.code, exc.reason.encode()[:200])
        except Exception:
            log.exception("request %s %s failed", request.code, request.opt.uri_path)
            answer = Answer(Code.INTERNAL_SERVER_ERROR)
        observation = self._first.pop(id(request), None)
        if observation is not None:
            if answer.code.is_successful():
                op = "observe_composite" if observation.composite else "observe"
                values = getattr(answer, "values", {})
                self.observations.started(observation, values, int(answer.content_format or 0))
            else:
                self.observations.remove(observation)
        elif request.opt.observe == 1 and op == "read":
            op = "cancel_observe"
        self.events.emit(
            "request",
            op=op,
            path=str(path) if path is not None else "/" + "/".join(request.opt.uri_path),
            code=answer.code.dotted,
            format=int(answer.content_format) if answer.content_format is not None else None,
        )
        return answer.message()

    # -- routing ------------------------------------------------------------------------------

    def _route(
        self, request: Message, path: Path | None
    ) -> tuple[str, Callable[[Message, Path | None], Awaitable[Answer]]]:
        method = request.code
        bootstrap = self.owner.bootstrapping
        if tuple(request.opt.uri_path) == ("bs",):
            if not bootstrap:
                raise not_found("not bootstrapping")
            if method != Code.POST:
                raise not_allowed("only POST /bs")
            return "bootstrap_finish", self._bootstrap_finish
        if method == Code.GET:
            if request.opt.accept == ContentFormat.LINK_FORMAT:
                return ("bootstrap_discover" if bootstrap else "discover"), self._discover
            return ("bootstrap_read" if bootstrap else "read"), self._read
        if method == Code.PUT:
            if bootstrap:
                return "bootstrap_write", self._write
            if not request.payload and request.opt.uri_query:
                return "write_attributes", self._write_attributes
            return "write", self._write
        if method == Code.POST:
            if path is None:
                raise not_allowed("POST on the root")
            if bootstrap:
                if path.is_instance:
                    return "bootstrap_write", self._write
                raise not_allowed("bootstrap allows PUT, DELETE, GET and POST /bs")
            if path.is_object:
                return "create", self._create
            if path.is_instance:
                return "write", self._write
            if path.is_resource:
                definition = self.store.resource_definition(path)
                if not definition.executable and request.opt.content_format is not None:
                    return "write", self._write
                return "execute", self._execute
            raise not_allowed("POST on a resource instance")
        if method == Code.DELETE:
            return ("bootstrap_delete" if bootstrap else "delete"), self._delete
        if method in (Code.FETCH, Code.iPATCH) and path is None and not bootstrap:
            if self.owner.lwm2m_version == "1.0":
                raise not_allowed(f"{method}: composite operations are LwM2M 1.1 (this is 1.0)")
            if method == Code.FETCH:
                return "read_composite", self._read_composite
            return "write_composite", self._write_composite
        raise not_allowed(f"method {method} is not supported")

    def _require(self, path: Path | None) -> Path:
        if path is None:
            raise not_allowed("operation not allowed on the root")
        return path

    def _check_access(self, path: Path) -> None:
        if path.object_id == SECURITY and not self.owner.bootstrapping:
            raise unauthorized("the Security object is for the bootstrap server only")

    # -- operations ---------------------------------------------------------------------------

    async def _read(self, request: Message, path: Path | None) -> Answer:
        path = self._require(path)
        if self.owner.bootstrapping and path.object_id not in (SERVER, 2):
            raise unauthorized("Bootstrap-Read is allowed on objects 1 and 2 only")
        self._check_access(path)
        values = await self.store.read(path)
        fmt, payload = content_formats.encode(
            path, values, self.store.registry, request.opt.accept, self.owner.lwm2m_version
        )
        answer = Answer(Code.CONTENT, payload, fmt)
        answer.values = values  # type: ignore[attr-defined]
        return answer

    async def _write(self, request: Message, path: Path | None) -> Answer:
        path = self._require(path)
        self._check_access(path)
        bootstrap = self.owner.bootstrapping
        replace = request.code == Code.PUT
        if not bootstrap:
            # Refusals that do not depend on the payload come first, as a server expects.
            if path.instance_id is None:
                raise not_allowed(f"{path}: write on an object needs the bootstrap interface")
            if not self.store.exists(path):
                raise not_found(f"{path} does not exist")
            if path.resource_id is not None:
                definition = self.store.resource_definition(path)
                if not definition.writable:
                    raise not_allowed(f"{path} ({definition.name}) is not writable")
        content = content_formats.decode(
            path, request.payload, self.store.registry, request.opt.content_format
        )
        await self.store.write(path, content, replace=replace, bootstrap=bootstrap)
        return Answer(Code.CHANGED)

    async def _read_composite(self, request: Message, path: Path | None) -> Answer:
        paths = composite.requested_paths(request.payload, request.opt.content_format)
        values = await composite.read_composite(self.store, paths)
        accept = request.opt.accept
        fmt, codec = composite.codec_of(
            accept if accept is not None else request.opt.content_format
        )
        answer = Answer(Code.CONTENT, codec.encode_composite(values, self.store.registry), fmt)
        answer.values = values  # type: ignore[attr-defined]
        return answer

    async def _write_composite(self, request: Message, path: Path | None) -> Answer:
        _fmt, codec = composite.codec_of(request.opt.content_format)
        try:
            content = codec.decode_composite(request.payload, self.store.registry)
        except (ValueError, LookupError) as exc:
            raise bad_request(f"Write-Composite: {exc}") from None
        await composite.write_composite(self.store, content)
        return Answer(Code.CHANGED)

    async def _write_attributes(self, request: Message, path: Path | None) -> Answer:
        path = self._require(path)
        self._check_access(path)
        if not self.store.exists(path):
            raise not_found(f"{path} does not exist")
        updates = parse_query(request.opt.uri_query)
        rtype = None
        if path.resource_id is not None:
            rtype = self.store.resource_definition(path).type
        self.attributes.write(path, updates, rtype)
        self.observations.refresh()
        return Answer(Code.CHANGED)

    async def _discover(self, request: Message, path: Path | None) -> Answer:
        if self.owner.bootstrapping:
            return Answer(
                Code.CONTENT, self.bootstrap_links(path).encode(), ContentFormat.LINK_FORMAT
            )
        path = self._require(path)
        self._check_access(path)
        if not self.store.exists(path):
            raise not_found(f"{path} does not exist")
        links = self.discover_links(path)
        return Answer(Code.CONTENT, links.encode(), ContentFormat.LINK_FORMAT)

    async def _execute(self, request: Message, path: Path | None) -> Answer:
        path = self._require(path)
        self._check_access(path)
        try:
            arguments = request.payload.decode("utf-8")
        except UnicodeDecodeError:
            raise bad_request("execute arguments are not text") from None
        await self.store.execute(path, arguments)
        self.events.emit("execute", path=str(path), arguments=arguments)
        return Answer(Code.CHANGED)

    async def _create(self, request: Message, path: Path | None) -> Answer:
        path = self._require(path)
        self._check_access(path)
        definition = self.store.definition(path.object_id)
        content = content_formats.decode(
            path, request.payload, self.store.registry, request.opt.content_format
        )
        if not definition.multiple and self.store.instance_ids(path.object_id):
            raise bad_request(f"object {path.object_id} is single-instance")
        instance_id = self.store.create(path.object_id, content)
        answer = Answer(Code.CREATED)
        answer.location = (str(path.object_id), str(instance_id))
        return answer

    async def _delete(self, request: Message, path: Path | None) -> Answer:
        if self.owner.bootstrapping:
            self._bootstrap_delete(path)
            return Answer(Code.DELETED)
        path = self._require(path)
        self._check_access(path)
        if not path.is_instance:
            raise not_allowed("delete needs an object instance path")
        assert path.instance_id is not None
        definition = self.store.definition(path.object_id)
        if path.object_id in (SERVER, DEVICE) or (definition.mandatory and not definition.multiple):
            raise not_allowed(f"instances of object {path.object_id} cannot be deleted")
        self.store.delete_instance(path.object_id, path.instance_id)
        self.attributes.drop_below(path)
        return Answer(Code.DELETED)

    async def _bootstrap_finish(self, request: Message, path: Path | None) -> Answer:
        self.owner.bootstrap_finished()
        return Answer(Code.CHANGED)

    # -- bootstrap helpers ----------------------------------------------------------------------

    def _bootstrap_delete(self, path: Path | None) -> None:
        """Delete everything at ``path`` but the bootstrap account and the Device object."""
        if path is not None and path.depth > 2:
            raise bad_request("Bootstrap-Delete takes /, an object or an instance")
        objects = [path.object_id] if path is not None else self.store.object_ids()
        for oid in objects:
            if oid == DEVICE:
                continue
            instances = self.store.instance_ids(oid)
            if path is not None and path.instance_id is not None:
                if path.instance_id not in instances:
                    raise not_found(f"{path} does not exist")
                instances = [path.instance_id]
            for iid in instances:
                if oid == SECURITY and self.store.get_or(Path.of(SECURITY, iid, 1)) is True:
                    continue
                self.store.delete_instance(oid, iid)
                self.attributes.drop_below(Path.of(oid, iid))

    def bootstrap_links(self, path: Path | None) -> str:
        """Bootstrap-Discover: objects and instances, ``ssid``/``uri`` on accounts."""
        version = self.owner.lwm2m_version
        links = [f'lwm2m="{version}"']
        for oid in self.store.object_ids():
            if path is not None and oid != path.object_id:
                continue
            definition = self.store.registry.get(oid)
            ver = f";ver={definition.version}" if definition and definition.version != "1.0" else ""
            links.append(f"</{oid}>{ver}")
            for iid in self.store.instance_ids(oid):
                params = ""
                if oid in (SECURITY, SERVER):
                    ssid = self.store.get_or(Path.of(oid, iid, 10 if oid == SECURITY else 0))
                    if isinstance(ssid, int) and ssid:
                        params += f";ssid={ssid}"
                    if oid == SECURITY:
                        uri = self.store.get_or(Path.of(oid, iid, 0))
                        if isinstance(uri, str) and uri:
                            params += f';uri="{uri}"'
                links.append(f"</{oid}/{iid}>{params}")
        return ",".join(links)

    def discover_links(self, path: Path) -> str:
        """Discover: the target, its instances/resources with attributes and ``dim``."""
        links: list[str] = []
        definition = self.store.definition(path.object_id)
        if path.is_object:
            ver = f";ver={definition.version}" if definition.version != "1.0" else ""
            links.append(f"</{path.object_id}>{ver}{self.attributes.link_params(path)}")
        instance_ids = (
            [path.instance_id]
            if path.instance_id is not None
            else self.store.instance_ids(path.object_id)
        )
        for iid in instance_ids:
            ipath = Path.of(path.object_id, iid)
            if path.depth <= 2:
                links.append(f"<{ipath}>{self.attributes.link_params(ipath)}")
            for rid in self.store.resource_ids(path.object_id, iid):
                rpath = ipath.child(rid)
                if path.depth >= 3 and rpath != Path.of(*path.ids[:3]):
                    continue
                params = self.attributes.link_params(rpath)
                value = self.store.get_or(rpath)
                if isinstance(value, dict):
                    params = f";dim={len(value)}" + params
                links.append(f"<{rpath}>{params}")
                if path.depth >= 3 and isinstance(value, dict):
                    for ri in sorted(value):
                        ripath = rpath.child(ri)
                        links.append(f"<{ripath}>{self.attributes.link_params(ripath)}")
        return ",".join(links)
