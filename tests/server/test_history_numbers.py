"""BoundedHistory numbers its items: oldest dropped first and counted, numbers never shift."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from workbench.server.history import BoundedHistory


def test_numbers_survive_dropping_the_oldest() -> None:
    history: BoundedHistory[str] = BoundedHistory(3)
    assert [history.append(x) for x in "abcde"] == [0, 1, 2, 3, 4]
    assert list(history) == ["c", "d", "e"] and len(history) == 3
    assert history.dropped == 2
    assert history.get(1) is None and history.get(2) == "c" and history[4] == "e"
    with pytest.raises(IndexError, match="item 0 is not kept"):
        history[0]
    assert history.extend("fg") == 5
    assert list(history) == ["e", "f", "g"] and history.dropped == 4


def test_lowering_the_limit_drops_and_counts_raising_keeps() -> None:
    history: BoundedHistory[int] = BoundedHistory(10)
    history.extend(range(10))
    history.set_limit(4)
    assert list(history) == [6, 7, 8, 9] and history.dropped == 6 and history.limit == 4
    history.set_limit(100)
    assert list(history) == [6, 7, 8, 9] and history.dropped == 6
    history.clear()
    assert len(history) == 0 and history.dropped == 0 and history.append(1) == 0
    with pytest.raises(ValueError, match="at least one"):
        BoundedHistory(0)


@given(st.integers(1, 20), st.lists(st.lists(st.integers(), max_size=30), max_size=10))
def test_same_as_keeping_everything_and_slicing(limit: int, batches: list[list[int]]) -> None:
    history: BoundedHistory[int] = BoundedHistory(limit)
    everything: list[int] = []
    for batch in batches:
        first = history.extend(batch)
        assert first == len(everything)
        everything.extend(batch)
    kept = everything[-limit:] if everything else []
    assert list(history) == kept
    assert history.dropped == len(everything) - len(kept)
    for number, item in enumerate(everything):
        assert history.get(number) == (item if number >= history.dropped else None)
