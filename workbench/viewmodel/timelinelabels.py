"""Where the timeline's event labels go when they would overlap: newest on top, older merged.

Events at the same instant (a registration URC and the ``update pending`` before it, decoded
from one burst) land on the same pixel. Drawing labels left to right and skipping any that
would overlap kept the *oldest* one — "pending" showed while the module was registered. Here
labels are placed newest first: each goes into the first free row of its lane, and one that
finds no free row is counted on the newest label it hides ("registered (+2 earlier)"), so the
latest state is always readable and nothing disappears without a trace.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

#: Pixels kept free between two labels on one row.
GAP = 10.0


@dataclass(slots=True)
class PlacedLabel:
    """One label to draw: its x (device pixels), lane, row (0 = top) and final text."""

    x: float
    lane: int
    row: int
    text: str
    hidden: int = 0


def place_labels(
    labels: Sequence[tuple[float, int, str]],
    measure: Callable[[str], float],
    rows: int = 1,
) -> list[PlacedLabel]:
    """Place ``labels`` — ``(x, lane, text)`` oldest first — in up to ``rows`` rows per lane.

    ``measure(text)`` gives a text's width in pixels. Returns the labels to draw; one that
    fits nowhere adds to ``hidden`` of the newest placed label it overlaps on the top row.
    """
    rows = max(1, rows)
    placed: list[PlacedLabel] = []
    spans: dict[tuple[int, int], list[tuple[float, float, PlacedLabel]]] = {}
    for x, lane, text in reversed(labels):
        width = measure(text)
        for row in range(rows):
            taken = spans.setdefault((lane, row), [])
            if all(x + width + GAP <= a or x >= b + GAP for a, b, _ in taken):
                label = PlacedLabel(x, lane, row, text)
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
    for label in placed:
        if label.hidden:
            label.text = f"{label.text} (+{label.hidden} earlier)"
    placed.reverse()  # oldest first again: the newest is painted last, above the others
    return placed


__all__ = ["GAP", "PlacedLabel", "place_labels"]
