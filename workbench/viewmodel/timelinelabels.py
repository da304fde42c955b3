"""Where the timeline's event labels go when they would overlap: newest on top, older merged.

Events at the same instant (a registration URC and the ``update pending`` before it, decoded
from one burst) land on the same pixel. Drawing labels left to right and skipping any that
would overlap kept the *oldest* one — "pending" showed while the module was registered. Here
labels are placed newest first: each goes into the first free row of its lane, and one that
finds no free row is counted on the newest label it hides ("registered (+2 earlier)"), so the
latest state is always readable and nothing disappears without a trace. Where the count would
run into the next label of its row it is shortened ("registered (+2)", "registered +2", at
worst "regis… +2").
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

#: Pixels kept free between two labels on one row.
GAP = 10.0
#: A label that would run past the right edge goes left of its mark instead: this many
#: pixels left of where it would have started (it starts 4 px right of the mark).
FLIP = 8.0


@dataclass(slots=True)
class PlacedLabel:
    """One label to draw: its x (device pixels, where the text starts), lane, row (0 = top)
    and final text; ``flipped`` when it is drawn left of its mark (at the right edge)."""

    x: float
    lane: int
    row: int
    text: str
    hidden: int = 0
    flipped: bool = False


def place_labels(
    labels: Sequence[tuple[float, int, str]],
    measure: Callable[[str], float],
    rows: int = 1,
    right: float = float("inf"),
) -> list[PlacedLabel]:
    """Place ``labels`` — ``(x, lane, text)`` oldest first — in up to ``rows`` rows per lane.

    ``measure(text)`` gives a text's width in pixels. A label that would end past ``right``
    (the plot's edge) goes left of its mark, and is placed there: flipped only when painted,
    it overprinted the labels left of it. Returns the labels to draw; one that fits nowhere
    adds to ``hidden`` of the newest placed label it overlaps on the top row.
    """
    rows = max(1, rows)
    placed: list[PlacedLabel] = []
    spans: dict[tuple[int, int], list[tuple[float, float, PlacedLabel]]] = {}
    for x, lane, text in reversed(labels):
        width = measure(text)
        flipped = x + width > right
        if flipped:
            x = x - FLIP - width
        for row in range(rows):
            taken = spans.setdefault((lane, row), [])
            if all(x + width + GAP <= a or x >= b + GAP for a, b, _ in taken):
                label = PlacedLabel(x, lane, row, text, flipped=flipped)
                taken.append((x, x + width, label))
                placed.append(label)
                break
        else:
            top = spans.get((lane, 0), [])
            hit = next((p for a, b, p in top if x < b + GAP and x + width + GAP > a), None)
            if hit is None and top:
                hit = min(top, key=lambda s: abs(s[0] - x))[2]
            if hit is not None:
                hit.hidden += 1
    for taken in spans.values():
        # The count lengthens a label after it was placed: it must still end before the next
        # label of its row (placed first, being newer), or the two texts overprint each other.
        # A flipped label grows leftwards instead (its end stays beside its mark).
        starts = sorted(a for a, _b, _label in taken)
        ends = sorted(b for _a, b, _label in taken)
        for a, b, label in taken:
            if not label.hidden:
                continue
            if label.flipped:
                before = [end for end in ends if end < a]
                room = (b - before[-1] - GAP) if before else b
                label.text = _counted(label.text, label.hidden, room, measure)
                label.x = b - measure(label.text)
            else:
                after = [start for start in starts if start > a]
                room = (after[0] - GAP - a) if after else right - a
                label.text = _counted(label.text, label.hidden, room, measure)
    placed.reverse()  # oldest first again: the newest is painted last, above the others
    return placed


def _counted(text: str, hidden: int, room: float, measure: Callable[[str], float]) -> str:
    """``text`` with its count of hidden earlier labels, shortened to fit ``room`` pixels:
    the words first, then the text itself (elided) — the count always stays."""
    for candidate in (f"{text} (+{hidden} earlier)", f"{text} (+{hidden})", f"{text} +{hidden}"):
        if measure(candidate) <= room:
            return candidate
    for keep in range(len(text) - 1, 0, -1):
        candidate = f"{text[:keep]}… +{hidden}"
        if measure(candidate) <= room:
            return candidate
    return f"+{hidden}"


__all__ = ["FLIP", "GAP", "PlacedLabel", "place_labels"]
