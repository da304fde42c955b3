"""Level-of-detail drawing of the timeline: the same marks as the full scan where bins nest,
kept current by appends, rebuilt after drops — checked against brute force on random data."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from workbench.viewmodel.timeline import (
    LOD_FACTOR,
    TONES,
    TimelineStore,
    _last_per_bin,
    kth_smallest,
)


def _brute(store: TimelineStore, lane: int, t0: float, t1: float, columns: int) -> set[int]:
    """One index per (column, tone): the last event — the definition, one event at a time."""
    start, stop = store.range(lane, t0, t1)
    width = (t1 - t0) / columns
    first = int(np.floor(t0 / width))
    chosen: dict[tuple[int, int], int] = {}
    times, tones = store.times(lane), store.tones(lane)
    for i in range(start, stop):
        column = min(max(int(np.floor(times[i] / width)) - first, 0), columns)
        chosen[(column, int(tones[i]))] = i
    return set(chosen.values())


@settings(max_examples=40, deadline=None)
@given(
    seed=st.integers(0, 10_000),
    chunks=st.lists(st.integers(1, 3000), min_size=1, max_size=6),
    k=st.integers(-3, 4),
)
def test_levels_kept_current_by_appends_equal_a_rebuild(
    seed: int, chunks: list[int], k: int
) -> None:
    rng = np.random.default_rng(seed)
    store = TimelineStore()
    now = 0.0
    for size in chunks:
        t = now + np.cumsum(rng.exponential(0.05, size))
        now = float(t[-1])
        store.extend_arrays(1, t, rng.integers(0, TONES, size), np.zeros(size), np.arange(size))
        column = store._column(1)
        level = column.level(k)  # incremental after the first chunk
        assert level.tolist() == _last_per_bin(column.t, column.tone, 0, column.n, 2.0**k).tolist()
    # A coarser level is built from the finer one just kept current (bins nest).
    coarse = column.level(k + 2)
    assert (
        coarse.tolist()
        == _last_per_bin(column.t, column.tone, 0, column.n, 2.0 ** (k + 2)).tolist()
    )
    store.set_max_events(max(1, len(store) // 2))  # drops move indices: the levels follow
    column = store._column(1)
    assert (
        column.level(k).tolist()
        == _last_per_bin(column.t, column.tone, 0, column.n, 2.0**k).tolist()
    )


@settings(max_examples=40, deadline=None)
@given(
    seed=st.integers(0, 10_000),
    n=st.integers(1, 5000),
    drop=st.integers(0, 5000),
    k=st.integers(-3, 4),
    more=st.integers(0, 500),
)
def test_levels_shifted_by_a_drop_equal_a_rebuild(
    seed: int, n: int, drop: int, k: int, more: int
) -> None:
    rng = np.random.default_rng(seed)
    store = TimelineStore()
    t = np.cumsum(rng.exponential(0.05, n))
    store.extend_arrays(0, t, rng.integers(0, TONES, n), np.zeros(n), np.arange(n))
    column = store._column(0)
    column.level(k)
    column.drop_oldest(drop)
    if column.n:
        assert k in column.lod  # kept, not thrown away
    if more:  # and still kept current by appends after the drop
        t2 = float(t[-1]) + np.cumsum(rng.exponential(0.05, more))
        store.extend_arrays(0, t2, rng.integers(0, TONES, more), np.zeros(more), np.arange(more))
        column = store._column(0)
    assert (
        column.level(k).tolist()
        == _last_per_bin(column.t, column.tone, 0, column.n, 2.0**k).tolist()
    )


@settings(max_examples=60, deadline=None)
@given(
    lanes=st.lists(st.lists(st.integers(0, 40).map(float), max_size=300), min_size=1, max_size=8),
    data=st.data(),
)
def test_kth_smallest_over_sorted_lanes_equals_a_full_sort(
    lanes: list[list[float]], data: st.DataObject
) -> None:
    arrays = [np.sort(np.asarray(lane, np.float64)) for lane in lanes]
    merged = np.sort(np.concatenate(arrays))
    if len(merged) == 0:
        with pytest.raises(ValueError):
            kth_smallest(arrays, 1)
        return
    k = data.draw(st.integers(1, len(merged)))
    assert kth_smallest(arrays, k) == merged[k - 1]


@settings(max_examples=30, deadline=None)
@given(seed=st.integers(0, 10_000), columns=st.sampled_from([64, 100, 128, 333]))
def test_lod_decimation_matches_the_full_scan_where_bins_nest(seed: int, columns: int) -> None:
    rng = np.random.default_rng(seed)
    n = LOD_FACTOR * (columns + 1) * TONES * 12  # dense enough for the level of detail
    store = TimelineStore()
    t = np.sort(rng.uniform(0.0, 512.0, n))
    store.extend_arrays(2, t, rng.integers(0, TONES, n), np.zeros(n), np.arange(n))
    # A range of 2**j seconds per column starting on a multiple of it: level bins nest in
    # columns, so the level of detail must pick exactly what the full scan picks.
    width = 2.0 ** int(rng.integers(-1, 3))
    t0 = width * int(rng.integers(0, 8))
    t1 = t0 + width * columns
    got = store.decimate(2, t0, t1, columns)
    start, stop = store.range(2, t0, t1)
    if stop - start > LOD_FACTOR * (columns + 1) * TONES:
        assert set(got.tolist()) == _brute(store, 2, t0, t1, columns)
    # Any range: never more than one mark per (column, tone), all inside the lane.
    a, b = sorted(rng.uniform(0.0, 512.0, 2))
    if b > a:
        idx = store.decimate(2, float(a), float(b), columns)
        assert len(idx) <= (columns + 1) * TONES
        assert len(set(idx.tolist())) == len(idx)
        assert np.all((idx >= 0) & (idx < store.count(2)))


def _dense(seed: int, n: int, seconds: float) -> TimelineStore:
    """A store with ``n`` uniformly random events of all tones on lane 0."""
    rng = np.random.default_rng(seed)
    store = TimelineStore()
    t = np.sort(rng.uniform(0.0, seconds, n))
    store.extend_arrays(0, t, rng.integers(0, TONES, n), np.zeros(n), np.arange(n))
    return store


def test_whole_range_at_full_zoom_out_uses_the_level_and_matches() -> None:
    n = 400_000
    store = _dense(3, n, 512.0)
    assert n > LOD_FACTOR * (128 + 1) * TONES
    got = store.decimate(0, 0.0, 512.0, 128)
    assert set(got.tolist()) == _brute(store, 0, 0.0, 512.0, 128)
    assert store._column(0).lod  # the level was built and kept for the next frame


@settings(max_examples=40, deadline=None)
@given(seed=st.integers(0, 10_000), lanes=st.integers(1, 8), ties=st.booleans())
def test_kth_smallest_on_large_lanes_with_and_without_ties(
    seed: int, lanes: int, ties: bool
) -> None:
    rng = np.random.default_rng(seed)
    arrays = [
        np.sort(rng.integers(0, 50, size).astype(np.float64) if ties else rng.uniform(0, 1e4, size))
        for size in rng.integers(0, 4000, lanes)
    ]
    merged = np.sort(np.concatenate(arrays))
    for k in rng.integers(1, len(merged) + 1, 20) if len(merged) else []:
        assert kth_smallest(arrays, int(k)) == merged[k - 1]


def test_a_narrow_view_draws_from_the_fine_level_the_first_pass_built() -> None:
    n = 400_000
    store = _dense(5, n, 1024.0)
    store.decimate(0, 0.0, 1024.0, 128)  # zoomed out: a pass over every event
    column = store._column(0)
    base = min(column.lod)
    assert base < 2  # finer than the zoomed-out view's level (8 s columns → 4 s bins)
    assert len(column.level(base)) <= n / 16 + TONES  # few enough to derive levels from
    # A view of an eighth of the lane (no level of its own) with columns on the bins' grid:
    # drawn from the base level, exactly what the full scan picks.
    columns = 128
    width = 2.0 ** (base + 1)
    t0 = 256.0
    t1 = t0 + width * columns
    start, stop = store.range(0, t0, t1)
    assert 2 * (stop - start) < n and stop - start > LOD_FACTOR * (columns + 1) * TONES
    levels_before = set(column.lod)
    assert set(store.decimate(0, t0, t1, columns).tolist()) == _brute(store, 0, t0, t1, columns)
    assert set(column.lod) == levels_before  # no new pass over the lane for it
