"""The workbench's aiocoap context renders a request as aiocoap does, minus two costs
(``workbench/lwm2m/aiocoap_compat.py``, ``_Context``)."""

from __future__ import annotations

import asyncio
import gc
import logging
import warnings
from typing import Any

from aiocoap import Message
from aiocoap.numbers.codes import Code
from aiocoap.pipe import Pipe

from workbench.lwm2m.aiocoap_compat import new_context


class _Site:
    """A server site that answers 2.05, or fails the way a broken handler would."""

    def __init__(self, fail: bool = False) -> None:
        self.fail = fail
        self.rendered = 0

    async def render_to_pipe(self, pipe: Any) -> None:
        self.rendered += 1
        if self.fail:
            raise RuntimeError("handler broke")
        pipe.add_response(Message(code=Code.CONTENT, payload=b"ok"), is_last=True)


def _render(site: _Site, *, lose_interest: bool) -> list[Any]:
    """Render one GET through the context; the answers the requester got."""
    answers: list[Any] = []

    async def scenario() -> None:
        context = new_context(asyncio.get_running_loop(), site, "test-context")
        pipe = Pipe(Message(code=Code.GET, uri_path=("x",)), logging.getLogger("test-context"))

        def listen(event: Any) -> bool:
            answers.append(event.message)
            return not event.is_last

        stop_listening = pipe.on_event(listen)
        context.render_to_pipe(pipe)
        if lose_interest:
            stop_listening()  # e.g. the server stops in the loop pass the request came in
        for _ in range(5):
            await asyncio.sleep(0)

    asyncio.run(scenario())
    return answers


def test_a_request_dropped_before_its_rendering_starts_leaves_no_unawaited_coroutine() -> None:
    """aiocoap's own ``render_to_pipe`` makes the rendering coroutine before its task runs: a
    request dropped first leaves a coroutine never awaited, and Python's warning about it
    keeps the coroutine and its request alive as long as the warning is kept (pytest keeps
    every warning to the end of the run: a stray request surfaced in a later test's census)."""
    site = _Site()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        assert _render(site, lose_interest=True) == []
        gc.collect()
    assert site.rendered == 0
    assert [str(w.message) for w in caught if "never awaited" in str(w.message)] == []


def test_a_request_is_answered_and_a_failing_handler_answers_5_00() -> None:
    site = _Site()
    answers = _render(site, lose_interest=False)
    assert [(m.code, m.payload) for m in answers] == [(Code.CONTENT, b"ok")]
    broken = _Site(fail=True)
    logging.getLogger("test-context").disabled = True  # aiocoap logs the error it answers
    try:
        answers = _render(broken, lose_interest=False)
    finally:
        logging.getLogger("test-context").disabled = False
    assert broken.rendered == 1
    assert [m.code for m in answers] == [Code.INTERNAL_SERVER_ERROR]
