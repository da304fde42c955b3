"""Device-management operations: Read, Write, Write-Attributes, Discover, Execute, Create,
Delete and the LwM2M 1.1 composites, with the content-format choices they need.

The part of :class:`~workbench.server.server.LwM2MServer` that turns an operation into a
CoAP request (through :class:`~workbench.server.exchange.Exchanger`) and its answer into a
result with decoded values.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

from aiocoap import Message
from aiocoap.numbers.codes import Code

from workbench.lwm2m.codecs import codec_for
from workbench.lwm2m.codecs.base import ContentFormat
from workbench.lwm2m.codecs.composite import composite_codec_for
from workbench.lwm2m.codecs.linkformat import parse_links
from workbench.lwm2m.errors import CodecError, PathError, ValueValidationError
from workbench.lwm2m.model import ResourceType
from workbench.lwm2m.paths import Path
from workbench.lwm2m.values import Value
from workbench.server.coapwire import code_text
from workbench.server.exchange import Exchanger
from workbench.server.host import ServerHost
from workbench.server.registrar import Registrar
from workbench.server.registration import ClientRecord, default_format
from workbench.server.requests import (
    CreateResult,
    DiscoverResult,
    OperationResult,
    PendingRequest,
    ReadResult,
    RequestFailedError,
)

PathLike = Path | str


def as_path(path: PathLike) -> Path:
    return path if isinstance(path, Path) else Path.parse(path)


def get_builder(target: Path, accept: int) -> Callable[[ClientRecord], Any]:
    """A GET with ``accept`` for ``target`` below the client's root."""

    def build(rec: ClientRecord) -> Any:
        return Message(code=Code.GET, uri_path=rec.uri_path(target.ids), accept=accept)

    return build


class Operations:
    """The device-management operations on registered clients."""

    def __init__(self, host: ServerHost, clients: Registrar, exchanger: Exchanger) -> None:
        self._host = host
        self._clients = clients
        self._exchanger = exchanger

    def single_format(self, path: Path) -> int | None:
        """Plain text (opaque for Opaque) when ``path`` is one value, else ``None``.

        Every LwM2M version makes text and opaque mandatory for single values, and some
        clients (lwm2m-node-lib's) do not answer at all to an Accept they do not know.
        """
        if path.depth < 3:
            return None
        try:
            res = self._host.registry.resource(path)
        except PathError:
            return None
        if res is None:
            return int(ContentFormat.TEXT)
        if res.multiple and path.depth == 3:
            return None
        return int(ContentFormat.OPAQUE if res.type is ResourceType.OPAQUE else ContentFormat.TEXT)

    def formats_for(self, record: ClientRecord, path: Path) -> list[int]:
        """Accept values to try in order: announced/version default, then fallbacks."""
        order: list[int] = []
        single = self.single_format(path)
        if single is not None and not record.content_formats:
            order.append(single)
        first = int(default_format(record.lwm2m_version, record.content_formats))
        for fmt in (first, int(ContentFormat.TLV), int(ContentFormat.SENML_JSON)):
            if fmt not in order:
                order.append(fmt)
        if single is not None and single not in order:
            order.append(single)
        return order

    def decode(self, path: Path, response: Any) -> tuple[dict[Path, Value], int | None, str | None]:
        cf = response.opt.content_format
        payload: bytes = response.payload
        if not payload or not response.code.is_successful():
            return {}, cf, None
        fmt = int(cf) if cf is not None else int(ContentFormat.TEXT)
        try:
            return codec_for(fmt).decode(path, payload, self._host.registry), cf, None
        except (CodecError, ValueError, PathError) as exc:
            return {}, cf, str(exc)

    def read_result(self, path: Path, pending: PendingRequest, response: Any) -> ReadResult:
        values, cf, error = self.decode(path, response)
        return ReadResult(
            code_text(response.code),
            None if cf is None else int(cf),
            response.payload,
            pending,
            error,
            values,
        )

    async def read(
        self, endpoint: str, path: PathLike, fmt: int | None = None, *, timeout: float | None = None
    ) -> ReadResult:
        """Read ``path``; ``fmt`` None asks for the client's best format (retrying on 4.06)."""
        target = as_path(path)
        record = self._clients.record(endpoint)
        formats = [int(fmt)] if fmt is not None else self.formats_for(record, target)
        for index, accept in enumerate(formats):
            pending, response = await self._exchanger.exchange(
                endpoint,
                "read",
                str(target),
                get_builder(target, accept),
                timeout=timeout,
            )
            if response.code == Code.NOT_ACCEPTABLE and index + 1 < len(formats):
                continue
            return self.read_result(target, pending, response)
        raise AssertionError("unreachable")  # pragma: no cover

    def encode(
        self, path: Path, content: Mapping[Path, Value], fmt: int | None, record: ClientRecord
    ) -> tuple[int, bytes]:
        if fmt is None:
            single = len(content) == 1 and next(iter(content)) == path and path.depth >= 3
            res = self._host.registry.resource(path) if path.depth >= 3 else None
            if single and (res is None or not res.multiple or path.depth == 4):
                value = next(iter(content.values()))
                fmt = int(ContentFormat.OPAQUE if isinstance(value, bytes) else ContentFormat.TEXT)
            else:
                fmt = int(default_format(record.lwm2m_version, record.content_formats))
        try:
            return fmt, codec_for(fmt).encode(path, content, self._host.registry)
        except (CodecError, ValueError) as exc:
            raise RequestFailedError(f"cannot encode the value: {exc}") from exc

    def content(self, path: Path, value: Value | Mapping[PathLike, Value]) -> dict[Path, Value]:
        if isinstance(value, Mapping):
            return {as_path(k): v for k, v in value.items()}
        return {path: value}

    def parse_value(self, path: PathLike, text: str) -> Value:
        """A typed value for ``path`` from its text form (CLI, GUI editors)."""
        target = as_path(path)
        rtype = self._host.registry.resource_type(target) if target.depth >= 3 else None
        if rtype is None:
            return text
        try:
            from workbench.lwm2m.model import parse_text_value

            return parse_text_value(rtype, text)
        except ValueValidationError:
            raise
        except ValueError as exc:  # pragma: no cover - parse_text_value raises the above
            raise ValueValidationError(str(exc)) from exc

    async def write(
        self,
        endpoint: str,
        path: PathLike,
        value: Value | Mapping[PathLike, Value],
        fmt: int | None = None,
        *,
        replace: bool = True,
        timeout: float | None = None,
    ) -> OperationResult:
        """Write: replace (PUT) or, with ``replace=False``, partial update (POST)."""
        target = as_path(path)
        record = self._clients.record(endpoint)
        cf, payload = self.encode(target, self.content(target, value), fmt, record)
        method = Code.PUT if replace else Code.POST
        pending, response = await self._exchanger.exchange(
            endpoint,
            "write" if replace else "write-update",
            str(target),
            lambda rec: Message(
                code=method, uri_path=rec.uri_path(target.ids), content_format=cf, payload=payload
            ),
            timeout=timeout,
        )
        return OperationResult(code_text(response.code), cf, response.payload, pending)

    async def write_attributes(
        self,
        endpoint: str,
        path: PathLike,
        attributes: Mapping[str, float | int | None],
        *,
        timeout: float | None = None,
    ) -> OperationResult:
        """Write-Attributes: ``{"pmin": 10, "gt": 20.5, "st": None}`` (None clears one)."""
        target = as_path(path)
        allowed = {"pmin", "pmax", "gt", "lt", "st", "epmin", "epmax", "edge", "con", "hqmax"}
        query = []
        for name, number in attributes.items():
            if name not in allowed:
                raise ValueError(
                    f"unknown attribute {name!r} (known: {', '.join(sorted(allowed))})"
                )
            if number is None:
                query.append(name)
            elif isinstance(number, float) and not number.is_integer():
                query.append(f"{name}={number!r}")
            else:
                query.append(f"{name}={int(number)}")
        pending, response = await self._exchanger.exchange(
            endpoint,
            "write-attributes",
            str(target),
            lambda rec: Message(code=Code.PUT, uri_path=rec.uri_path(target.ids), uri_query=query),
            timeout=timeout,
        )
        return OperationResult(code_text(response.code), None, response.payload, pending)

    async def discover(
        self, endpoint: str, path: PathLike, *, timeout: float | None = None
    ) -> DiscoverResult:
        target = as_path(path)
        pending, response = await self._exchanger.exchange(
            endpoint,
            "discover",
            str(target),
            lambda rec: Message(
                code=Code.GET, uri_path=rec.uri_path(target.ids), accept=ContentFormat.LINK_FORMAT
            ),
            timeout=timeout,
        )
        result = DiscoverResult(
            code_text(response.code), response.opt.content_format, response.payload, pending
        )
        if response.code.is_successful():
            try:
                result.links = parse_links(response.payload)
            except CodecError as exc:
                result.decode_error = str(exc)
        return result

    async def execute(
        self, endpoint: str, path: PathLike, arguments: str = "", *, timeout: float | None = None
    ) -> OperationResult:
        target = as_path(path)
        payload = arguments.encode("utf-8")

        def build(rec: ClientRecord) -> Any:
            msg = Message(code=Code.POST, uri_path=rec.uri_path(target.ids), payload=payload)
            if payload:
                msg.opt.content_format = ContentFormat.TEXT
            return msg

        pending, response = await self._exchanger.exchange(
            endpoint, "execute", str(target), build, timeout=timeout
        )
        return OperationResult(code_text(response.code), None, response.payload, pending)

    async def create(
        self,
        endpoint: str,
        path: PathLike,
        values: Mapping[PathLike, Value],
        fmt: int | None = None,
        *,
        timeout: float | None = None,
    ) -> CreateResult:
        """Create an instance of object ``path`` (values keyed by full paths with instance)."""
        target = as_path(path)
        record = self._clients.record(endpoint)
        content = {as_path(k): v for k, v in values.items()}
        cf = (
            int(fmt)
            if fmt is not None
            else int(default_format(record.lwm2m_version, record.content_formats))
        )
        try:
            payload = codec_for(cf).encode(target, content, self._host.registry)
        except (CodecError, ValueError) as exc:
            raise RequestFailedError(f"cannot encode the instance: {exc}") from exc
        pending, response = await self._exchanger.exchange(
            endpoint,
            "create",
            str(target),
            lambda rec: Message(
                code=Code.POST,
                uri_path=rec.uri_path(target.ids),
                content_format=cf,
                payload=payload,
            ),
            timeout=timeout,
        )
        location = response.opt.location_path
        prefix = tuple(seg for seg in record.root.split("/") if seg)
        if location and tuple(location[: len(prefix)]) == prefix:
            location = location[len(prefix) :]
        return CreateResult(
            code_text(response.code),
            cf,
            response.payload,
            pending,
            location=("/" + "/".join(location)) if location else None,
        )

    async def delete(
        self, endpoint: str, path: PathLike, *, timeout: float | None = None
    ) -> OperationResult:
        target = as_path(path)
        pending, response = await self._exchanger.exchange(
            endpoint,
            "delete",
            str(target),
            lambda rec: Message(code=Code.DELETE, uri_path=rec.uri_path(target.ids)),
            timeout=timeout,
        )
        return OperationResult(code_text(response.code), None, response.payload, pending)

    # -- composite (LwM2M 1.1) -----------------------------------------------------------------

    def senml_format(self, record: ClientRecord, fmt: int | None) -> int:
        if fmt is not None:
            return int(fmt)
        if int(ContentFormat.SENML_CBOR) in record.content_formats:
            return int(ContentFormat.SENML_CBOR)
        return int(ContentFormat.SENML_JSON)

    def composite_result(self, pending: PendingRequest, response: Any, cf: int) -> ReadResult:
        result = ReadResult(
            code_text(response.code), response.opt.content_format, response.payload, pending
        )
        if response.code.is_successful() and response.payload:
            try:
                rcf = response.opt.content_format
                codec = composite_codec_for(int(rcf) if rcf is not None else cf)
                result.values = codec.decode_composite(response.payload, self._host.registry)
            except (CodecError, ValueError, AttributeError) as exc:
                result.decode_error = str(exc)
        return result

    async def read_composite(
        self,
        endpoint: str,
        paths: Sequence[PathLike],
        fmt: int | None = None,
        *,
        timeout: float | None = None,
    ) -> ReadResult:
        """Read-Composite: FETCH on the root with a SenML list of paths."""
        targets = [as_path(p) for p in paths]
        record = self._clients.record(endpoint)
        cf = self.senml_format(record, fmt)
        payload = composite_codec_for(cf).encode_paths(targets)
        pending, response = await self._exchanger.exchange(
            endpoint,
            "read-composite",
            ",".join(str(t) for t in targets),
            lambda rec: Message(
                code=Code.FETCH,
                uri_path=rec.uri_path(()),
                content_format=cf,
                accept=cf,
                payload=payload,
            ),
            timeout=timeout,
        )
        return self.composite_result(pending, response, cf)

    async def write_composite(
        self,
        endpoint: str,
        values: Mapping[PathLike, Value],
        fmt: int | None = None,
        *,
        timeout: float | None = None,
    ) -> OperationResult:
        """Write-Composite: iPATCH on the root with SenML values."""
        record = self._clients.record(endpoint)
        cf = self.senml_format(record, fmt)
        content = {as_path(k): v for k, v in values.items()}
        try:
            payload = composite_codec_for(cf).encode_composite(content, self._host.registry)
        except (CodecError, ValueError) as exc:
            raise RequestFailedError(f"cannot encode the values: {exc}") from exc
        pending, response = await self._exchanger.exchange(
            endpoint,
            "write-composite",
            ",".join(str(p) for p in sorted(content)),
            lambda rec: Message(
                code=Code.iPATCH, uri_path=rec.uri_path(()), content_format=cf, payload=payload
            ),
            timeout=timeout,
        )
        return OperationResult(code_text(response.code), cf, response.payload, pending)

    def resource_type(self, path: Path) -> ResourceType | None:
        try:
            return self._host.registry.resource_type(path) if path.depth >= 3 else None
        except PathError:
            return None

    def paths_in(self, values: Iterable[PathLike]) -> list[Path]:
        return [as_path(v) for v in values]
