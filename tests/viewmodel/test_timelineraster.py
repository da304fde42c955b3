"""The timeline's marks image: pixels where a two-pixel pen would put them, tones in order."""

from __future__ import annotations

import numpy as np

from workbench.viewmodel.timelineraster import (
    LaneMarks,
    argb,
    count_marks,
    paint_marks,
    pen_columns,
    pen_rows,
)

RED = argb(200, 0, 0)
BLUE = argb(0, 0, 200)


def test_a_mark_covers_the_two_columns_whose_centres_its_pen_covers() -> None:
    # Pen [x-1, x+1): centres c + 0.5 inside it.
    assert pen_columns(np.array([10.0]), 100).tolist() == [9, 10]
    assert pen_columns(np.array([10.4]), 100).tolist() == [9, 10]
    assert pen_columns(np.array([10.6]), 100).tolist() == [10, 11]
    assert pen_columns(np.array([10.0]), 100, pen=3).tolist() == [8, 9, 10]  # [8.5, 11.5)


def test_marks_beyond_the_image_are_clipped_not_wrapped() -> None:
    xs = np.array([-50.0, 0.2, 99.9, 1e12, -1e12])
    assert sorted(pen_columns(xs, 100).tolist()) == [0, 99]


def test_rows_reach_half_a_pen_beyond_both_ends() -> None:
    assert pen_rows(10.0, 20.0) == (9, 21)
    assert pen_rows(20.0, 10.0) == (9, 21)  # either order


def test_lanes_fill_their_rows_and_later_tones_cover_earlier_ones() -> None:
    lanes = [
        LaneMarks(2, 5, [(np.array([3.0, 20.0]), RED), (np.array([20.0]), BLUE)]),
        LaneMarks(8, 9, [(np.array([40.0]), BLUE)]),
    ]
    image = paint_marks(50, 10, lanes)
    assert image.shape == (10, 50) and image.dtype == np.uint32
    assert (image[2:5, 2:4] == RED).all()
    assert (image[2:5, 19:21] == BLUE).all()  # painted after red at the same instant
    assert (image[8, 39:41] == BLUE).all()
    marked = np.zeros_like(image, bool)
    marked[2:5, 2:4] = marked[2:5, 19:21] = marked[8, 39:41] = True
    assert (image[~marked] == 0).all()  # transparent everywhere else
    assert count_marks(lanes) == 4


def test_a_lane_partly_outside_the_image_is_cut_to_it() -> None:
    image = paint_marks(10, 4, [LaneMarks(-3, 2, [(np.array([5.0]), RED)]), LaneMarks(3, 9, [])])
    assert (image[0:2, 4:6] == RED).all()
    assert int(np.count_nonzero(image)) == 4


def test_lanes_squeezed_into_each_other_keep_the_earlier_lanes_marks() -> None:
    lanes = [
        LaneMarks(0, 4, [(np.array([2.0]), RED)]),
        LaneMarks(2, 6, [(np.array([8.0]), BLUE)]),
    ]
    image = paint_marks(12, 6, lanes)
    assert (image[0:4, 1:3] == RED).all()  # not wiped where the second lane overlaps it
    assert (image[2:6, 7:9] == BLUE).all()
    assert int(np.count_nonzero(image)) == 8 + 8
