"""The serving process's GC policy: survivors frozen each tick, a full pass only on growth."""

from __future__ import annotations

import asyncio
import gc
import weakref

from workbench.server.gcpolicy import ServerGcPolicy


def test_a_full_collection_is_due_only_when_the_heap_grew_by_half() -> None:
    blocks = [1_000_000]
    policy = ServerGcPolicy(growth=0.5, min_growth=1000, blocks=lambda: blocks[0])
    policy._after_full = blocks[0]
    blocks[0] = 1_499_999
    assert not policy.due_full()
    blocks[0] = 1_500_000
    assert policy.due_full()


def test_a_small_heap_waits_for_the_minimum_growth() -> None:
    blocks = [0]
    policy = ServerGcPolicy(growth=0.5, min_growth=1000, blocks=lambda: blocks[0])
    blocks[0] = 999
    assert not policy.due_full()
    blocks[0] = 1000
    assert policy.due_full()


def test_ticks_freeze_survivors_find_old_cycles_on_growth_and_stop_gives_all_back() -> None:
    class Node:
        def __init__(self) -> None:
            self.me = self

    async def scenario() -> None:
        blocks = [1_000_000]
        policy = ServerGcPolicy(every=3600, min_growth=1000, blocks=lambda: blocks[0])
        policy.start()
        try:
            assert policy.running
            kept = [object() for _ in range(100)]
            cycle = Node()
            policy.tick()
            assert gc.get_freeze_count() > 0
            assert policy.full_collections == 0
            alive = weakref.ref(cycle)
            del cycle  # cyclic garbage, frozen: an ordinary collection does not find it
            gc.collect()
            policy.tick()  # not due: young generations only
            assert alive() is not None
            blocks[0] = 2_000_000  # the heap doubled
            policy.tick()  # due now: unfreeze, collect, freeze
            assert policy.full_collections == 1
            assert alive() is None
            assert kept
        finally:
            policy.stop()
        assert not policy.running
        assert gc.get_freeze_count() == 0

    asyncio.run(scenario())


def test_a_tick_never_walks_the_frozen_list(monkeypatch) -> None:
    """``gc.get_freeze_count()`` walks every frozen object: ~100 ms a second at 10,000 clients."""

    def walks(*_args: object) -> int:
        raise AssertionError("the policy walked the frozen list")

    policy = ServerGcPolicy(min_growth=10**12)
    try:
        policy.tick()
        monkeypatch.setattr(gc, "get_freeze_count", walks)
        monkeypatch.setattr(gc, "get_objects", walks)
        assert not policy.due_full()
        policy.tick()
        policy.min_growth = -(10**12)  # due whatever the heap did
        policy.tick()
        assert policy.full_collections == 1
    finally:
        monkeypatch.undo()
        policy.stop()
        gc.unfreeze()
