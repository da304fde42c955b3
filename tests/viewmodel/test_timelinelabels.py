"""Timeline labels at the same instant: the newest wins the top row, older ones are merged."""

from workbench.viewmodel.timelinelabels import FLIP, GAP, PlacedLabel, place_labels


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


def _overlap(a: PlacedLabel, b: PlacedLabel) -> bool:
    return (
        a.lane == b.lane
        and a.row == b.row
        and a.x < b.x + _measure(b.text)
        and b.x < a.x + _measure(a.text)
    )


def test_a_label_at_the_right_edge_goes_left_of_its_mark_and_is_placed_there() -> None:
    """The newest event's label near the edge is drawn left of its mark. It used to be
    flipped only when painted, after placement, and overprinted the label left of it."""
    right = 1000.0
    labels = [(880.0, 1, "registered"), (964.0, 1, "update pending")]  # 70 px and 98 px
    placed = place_labels(labels, _measure, rows=2, right=right)
    newest = next(p for p in placed if p.text.startswith("update"))
    assert newest.flipped and newest.x + _measure(newest.text) == 964.0 - FLIP
    older = next(p for p in placed if p.text.startswith("registered"))
    assert not older.flipped
    assert not _overlap(newest, older)  # it moved to the second row instead
    assert newest.row == 0 and older.row == 1
    for label in placed:
        assert label.x + _measure(label.text) <= right


def test_a_flipped_label_grows_its_count_leftwards_and_stops_before_its_neighbour() -> None:
    right = 1000.0
    labels = [(700.0, 1, "ready"), (964.0, 1, "pending"), (964.0, 1, "registered")]
    placed = place_labels(labels, _measure, rows=1, right=right)
    flipped = next(p for p in placed if p.flipped)
    assert flipped.text == "registered (+1 earlier)"  # 161 px fit in the 211 px left of it
    assert flipped.x + _measure(flipped.text) == 964.0 - FLIP  # still ends beside its mark
    ready = next(p for p in placed if p.text == "ready")
    assert ready.x + _measure(ready.text) + GAP <= flipped.x

    # Less room on the left: the count is shortened, never running into "ready".
    crowded = [(780.0, 1, "ready"), *labels[1:]]  # 131 px left for the flipped label
    placed = place_labels(crowded, _measure, rows=1, right=right)
    flipped = next(p for p in placed if p.flipped)
    assert flipped.text == "registered (+1)"
    ready = next(p for p in placed if p.text == "ready")
    assert ready.x + _measure(ready.text) + GAP <= flipped.x
