"""Background tasks that are kept, whose failures are reported, and that end on close.

``loop.create_task(coro)`` without keeping the result lets the task be garbage-collected
while it runs (the loop holds only a weak reference) and loses its exception until the task
object is collected ("Task exception was never retrieved", if anyone reads the log). Every
part of the workbench that starts work in the background (the server, the client engine and
its observations, the module connection, the window) spawns it through one :class:`TaskSet`
instead: a strong reference until the task ends, each failure handed to ``on_error`` (or
logged), and :meth:`TaskSet.close` cancelling whatever is left when its owner closes.

It lives in the lowest layer that runs code (``lwm2m``) so that every layer above may use it;
it knows nothing of LwM2M.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Coroutine, Iterator
from typing import Any, TypeVar

T = TypeVar("T")

_log = logging.getLogger(__name__)

#: ``on_error(task name, exception)``.
ErrorHandler = Callable[[str, BaseException], None]


class TaskSet:
    """Background tasks of one owner (see the module docstring).

    ``on_error`` is called once for each spawned task that ends with an exception (not for
    cancelled ones); without one the exception is logged at ERROR level with its traceback.
    """

    def __init__(self, on_error: ErrorHandler | None = None, *, owner: str = "background") -> None:
        self._on_error = on_error
        self._owner = owner
        self._tasks: set[asyncio.Task[Any]] = set()

    def spawn(
        self,
        coro: Coroutine[Any, Any, T],
        name: str | None = None,
        *,
        loop: asyncio.AbstractEventLoop | None = None,
    ) -> asyncio.Task[T]:
        """Run ``coro`` as a task of this set (on ``loop``, default: the running loop)."""
        runner = loop if loop is not None else asyncio.get_running_loop()
        task = runner.create_task(coro, name=name)
        self._tasks.add(task)
        task.add_done_callback(self._done)
        return task

    def _done(self, task: asyncio.Task[Any]) -> None:
        self._tasks.discard(task)
        if task.cancelled():
            return
        exc = task.exception()
        if exc is None:
            return
        if self._on_error is None:
            _log.error("%s task %s failed", self._owner, task.get_name(), exc_info=exc)
            return
        try:
            self._on_error(task.get_name(), exc)
        except Exception:  # the reporter itself failed: the log still gets both
            _log.exception(
                "%s task %s failed and reporting it failed", self._owner, task.get_name()
            )
            _log.error("%s task %s failed", self._owner, task.get_name(), exc_info=exc)

    def cancel(self) -> None:
        """Cancel every running task (without waiting for them to finish)."""
        for task in list(self._tasks):
            task.cancel()

    async def close(self) -> None:
        """Cancel every running task and wait until all have ended."""
        tasks = list(self._tasks)
        for task in tasks:
            task.cancel()
        if tasks:
            await asyncio.gather(*tasks, return_exceptions=True)
        self._tasks.difference_update(tasks)

    def __len__(self) -> int:
        return len(self._tasks)

    def __iter__(self) -> Iterator[asyncio.Task[Any]]:
        return iter(list(self._tasks))
