"""The timeline keeps at most ``max_events`` events, dropping the earliest and counting them."""

from __future__ import annotations

import numpy as np
import pytest

from workbench.viewmodel.timeline import Lane, TimelineStore, Tone


def _times(store: TimelineStore) -> list[float]:
    return sorted(float(t) for lane in range(store.lanes) for t in store.times(lane))


def test_the_earliest_events_over_all_lanes_go_first() -> None:
    store = TimelineStore(max_events=100)
    label = store.intern("x")
    rng = np.random.default_rng(7)
    everything: list[float] = []
    for batch in range(30):
        for lane in (Lane.CLIENT, Lane.NOTIFY, Lane.COAP_IN):
            t = np.sort(rng.uniform(batch, batch + 1, 9))
            everything.extend(float(x) for x in t)
            store.extend_arrays(lane, t, [Tone.GOOD] * 9, [label] * 9, range(9))
        assert len(store) <= 100
    kept = _times(store)
    assert store.dropped == len(everything) - len(kept)
    # What is left is exactly the latest events, whichever lane they are in.
    assert kept == sorted(everything)[-len(kept) :]
    assert len(kept) >= 95  # drops come in chunks of 5 % of the limit, never more


def test_ties_at_the_cut_drop_exactly_the_excess() -> None:
    store = TimelineStore()
    label = store.intern("x")
    for lane in range(4):
        store.extend_arrays(lane, [1.0] * 10, [0] * 10, [label] * 10, range(10))
    store.set_max_events(21)
    assert len(store) == 21 - 1  # 21 - 21 // 20 kept, 19 dropped
    assert store.dropped == 40 - 20


def test_rows_path_and_lowering_the_limit() -> None:
    store = TimelineStore()
    store.extend((float(i), int(Lane.ERRORS), int(Tone.BAD), "e", i) for i in range(1000))
    assert store.dropped == 0 and len(store) == 1000
    store.set_max_events(200)
    assert len(store) == 190 and store.dropped == 810
    assert [float(t) for t in store.times(Lane.ERRORS)] == [float(i) for i in range(810, 1000)]
    assert store.item(Lane.ERRORS, 0).ref == 810
    store.clear()
    assert store.dropped == 0
    with pytest.raises(ValueError):
        store.set_max_events(0)
