"""The aiocoap resource that receives client→server requests (/rd, /bs, /dp).

It replaces aiocoap's Site so the server sees every request whole: Block1 bodies are
reassembled here (capped, see :mod:`.blockwise`), the handler returns the response plus an
optional action to run *after* the response went out (queue mode: requests waiting for a
sleeping client must follow the 2.04 to its Update, not precede it).
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any

from aiocoap import Message
from aiocoap.numbers.codes import Code
from aiocoap.resource import Resource

from workbench.server.blockwise import Block1Spool, BlockError

_log = logging.getLogger(__name__)

#: What a handler returns: the response and something to do once it is sent.
HandlerResult = tuple[Any, Callable[[], None] | None]
Handler = Callable[[Any, bytes], Awaitable[HandlerResult]]

_BLOCK_CODES = {
    "4.00": Code.BAD_REQUEST,
    "4.08": Code.REQUEST_ENTITY_INCOMPLETE,
    "4.13": Code.REQUEST_ENTITY_TOO_LARGE,
}


class ServerSite(Resource):  # type: ignore[misc]
    """Root resource: reassemble, call the handler, never let an exception escape."""

    def __init__(
        self,
        handler: Handler,
        on_error: Callable[[str, BaseException], None],
        max_body: int,
    ) -> None:
        super().__init__()
        self._handler = handler
        self._on_error = on_error
        self.spool = Block1Spool(max_size=max_body)

    async def needs_blockwise_assembly(self, request: Any) -> bool:
        return False

    async def render(self, request: Any) -> Any:  # pragma: no cover - render_to_pipe is used
        response, _after = await self._respond(request)
        return response

    async def _respond(self, request: Any) -> HandlerResult:
        block1 = request.opt.block1
        body: bytes = request.payload
        if block1 is not None:
            key = (
                request.remote.hostinfo,
                request.code,
                tuple(request.opt.uri_path),
                tuple(request.opt.uri_query),
            )
            try:
                assembled = self.spool.feed(
                    key, block1.block_number, block1.more, block1.size, request.payload
                )
            except BlockError as exc:
                response = Message(code=_BLOCK_CODES[exc.code], payload=str(exc).encode())
                if exc.code == "4.13":
                    response.opt.size1 = self.spool.max_size
                return response, None
            if assembled is None:
                response = Message(code=Code.CONTINUE)
                response.opt.block1 = block1
                return response, None
            body = assembled
        result = await self._handler(request, body)
        if block1 is not None:
            result[0].opt.block1 = block1
        return result

    async def render_to_pipe(self, pipe: Any) -> None:
        request = pipe.request
        after: Callable[[], None] | None = None
        try:
            response, after = await self._respond(request)
        except Exception as exc:
            self._on_error("request handler", exc)
            response = Message(code=Code.INTERNAL_SERVER_ERROR)
        pipe.add_response(response, is_last=True)
        if after is not None:
            try:
                after()
            except Exception as exc:
                self._on_error("after response", exc)
