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
