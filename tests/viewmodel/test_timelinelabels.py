"""Timeline labels at the same instant: the newest wins the top row, older ones are merged."""

from workbench.viewmodel.timelinelabels import place_labels


def _measure(text: str) -> float:
    return 7.0 * len(text)


def test_newest_label_wins_when_events_share_an_instant() -> None:
    labels = [(100.0, 1, "pending"), (100.0, 1, "update pending"), (100.0, 1, "registered")]
    placed = place_labels(labels, _measure, rows=1)
    assert [p.text for p in placed] == ["registered (+2 earlier)"]


def test_labels_stack_in_rows_newest_on_top() -> None:
    labels = [(100.0, 1, "pending"), (101.0, 1, "registered"), (300.0, 1, "updated")]
    placed = place_labels(labels, _measure, rows=2)
    by_text = {p.text: p.row for p in placed}
    assert by_text == {"pending": 1, "registered": 0, "updated": 0}
    assert [p.text for p in placed][-1] == "updated"  # painted last


def test_other_lanes_and_free_space_are_independent() -> None:
    labels = [(0.0, 1, "a"), (0.0, 2, "b"), (500.0, 1, "c")]
    placed = place_labels(labels, _measure, rows=1)
    assert sorted(p.text for p in placed) == ["a", "b", "c"]


def test_a_count_is_shortened_before_it_runs_into_the_next_label() -> None:
    labels = [(0.0, 1, "pending"), (0.0, 1, "registered"), (100.0, 1, "updated")]
    placed = place_labels(labels, _measure, rows=1)
    first, second = sorted(placed, key=lambda p: p.x)
    assert second.text == "updated"
    assert first.text == "register… +1"  # 12 characters: 84 px, before 100 - GAP
    assert first.x + _measure(first.text) + 10 <= second.x
    # With room, the whole words; alone in its row, the count is never cut.
    roomy = place_labels([(x * 1.5, lane, t) for x, lane, t in labels], _measure, rows=1)
    assert sorted(p.text for p in roomy) == ["registered (+1)", "updated"]
    alone = place_labels(labels[:2], _measure, rows=1)
    assert [p.text for p in alone] == ["registered (+1 earlier)"]
