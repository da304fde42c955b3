"""TaskSet: background tasks are kept, their failures reported, and cancelled on close."""

from __future__ import annotations

import asyncio
import gc
import logging

import pytest

from workbench.lwm2m.tasks import TaskSet


async def _fail(text: str) -> None:
    await asyncio.sleep(0)
    raise RuntimeError(text)


def test_a_failing_task_is_reported_to_on_error() -> None:
    reported: list[tuple[str, BaseException]] = []

    async def main() -> None:
        tasks = TaskSet(lambda name, exc: reported.append((name, exc)))
        task = tasks.spawn(_fail("boom"), "doomed")
        await asyncio.gather(task, return_exceptions=True)
        await asyncio.sleep(0)  # done callbacks run on the next turn
        assert len(tasks) == 0

    asyncio.run(main())
    assert [(name, str(exc)) for name, exc in reported] == [("doomed", "boom")]
    assert isinstance(reported[0][1], RuntimeError)


def test_without_on_error_the_failure_is_logged_with_its_traceback(
    caplog: pytest.LogCaptureFixture,
) -> None:
    async def main() -> None:
        tasks = TaskSet(owner="unit")
        tasks.spawn(_fail("logged"), "noisy")
        for _ in range(3):
            await asyncio.sleep(0)

    with caplog.at_level(logging.ERROR, logger="workbench.lwm2m.tasks"):
        asyncio.run(main())
    records = [r for r in caplog.records if "unit task noisy failed" in r.getMessage()]
    assert len(records) == 1
    assert records[0].exc_info is not None and str(records[0].exc_info[1]) == "logged"


def test_a_reporter_that_fails_does_not_hide_the_failure(caplog: pytest.LogCaptureFixture) -> None:
    def broken(_name: str, _exc: BaseException) -> None:
        raise ValueError("reporter bug")

    async def main() -> None:
        TaskSet(broken, owner="unit").spawn(_fail("original"), "t")
        for _ in range(3):
            await asyncio.sleep(0)

    with caplog.at_level(logging.ERROR, logger="workbench.lwm2m.tasks"):
        asyncio.run(main())
    shown = [r.exc_info[1] for r in caplog.records if r.exc_info is not None]
    assert {str(exc) for exc in shown} == {"reporter bug", "original"}


def test_a_spawned_task_is_kept_until_it_ends() -> None:
    """The loop holds tasks weakly; the set must hold them, or gc may drop a running task."""
    finished = []

    async def work(gate: asyncio.Event) -> None:
        await gate.wait()
        finished.append(True)

    async def main() -> None:
        tasks = TaskSet()
        gate = asyncio.Event()
        tasks.spawn(work(gate))  # result deliberately dropped: the set keeps it
        gc.collect()
        await asyncio.sleep(0)
        assert len(tasks) == 1
        gate.set()
        for _ in range(3):
            await asyncio.sleep(0)
        assert len(tasks) == 0

    asyncio.run(main())
    assert finished == [True]


def test_close_cancels_what_runs_and_cancellation_is_not_an_error() -> None:
    reported: list[str] = []

    async def main() -> list[asyncio.Task[None]]:
        tasks = TaskSet(lambda name, exc: reported.append(name))
        running = [tasks.spawn(asyncio.sleep(60), f"sleeper {i}") for i in range(3)]
        await asyncio.sleep(0)
        await tasks.close()
        assert len(tasks) == 0
        return running

    running = asyncio.run(main())
    assert all(task.cancelled() for task in running)
    assert reported == []
