"""The Qt-free FOTA view: folding fota events into progress, ETA, verdict and history; the
timeline's FOTA lane rows."""

from __future__ import annotations

from workbench.module.events import Event, Kind
from workbench.viewmodel.fotaview import FotaBoard, human_bytes, human_seconds
from workbench.viewmodel.timeline import Lane, Tone, classify_event, row_from_fota


def _feed(board: FotaBoard, t: float, **data: object) -> None:
    assert board.feed("fota", "ep", dict(data), t)


def test_progress_eta_verdict_and_history() -> None:
    board = FotaBoard()
    assert not board.feed("registered", "ep", {}, 0.0)
    _feed(board, 1.0, step="started", method="pull", state="idle", total=1000)
    _feed(board, 2.0, step="progress", state="downloading", bytes=250, total=1000, rate=125.0)
    progress = board.endpoints["ep"]
    assert progress.percent == 25 and progress.eta == 6.0
    assert progress.summary() == "250 B of 1000 B · 125 B/s · ETA 6 s · 0 blocks"
    assert [row.step for row in progress.history] == ["started"]  # progress is not history
    _feed(
        board,
        3.0,
        step="failed",
        state="idle",
        result=5,
        bytes=1000,
        total=1000,
        result_text="integrity check failure for new downloaded package",
    )
    assert progress.finished and not progress.ok
    assert progress.verdict() == (
        "Failed: integrity check failure for new downloaded package (Update Result 5)"
    )
    # A new job on the same endpoint starts a new progress.
    _feed(board, 4.0, step="started", method="push", state="idle", total=10)
    assert board.endpoints["ep"] is not progress and board.endpoints["ep"].method == "push"
    _feed(
        board,
        5.0,
        step="finished",
        state="idle",
        result=1,
        bytes=10,
        total=10,
        result_text="firmware updated successfully",
        firmware_version="1.0+abcd1234",
    )
    assert board.endpoints["ep"].verdict() == (
        "Updated: firmware updated successfully — firmware 1.0+abcd1234"
    )
    assert human_bytes(2048) == "2.0 KB" and human_seconds(75) == "1 min 15 s"


def test_fota_lane_rows() -> None:
    assert row_from_fota(1.0, "ep", {"step": "progress"}, -1) is None
    row = row_from_fota(2.0, "ep", {"step": "failed", "result": 4}, -3)
    assert row == (2.0, int(Lane.FOTA), int(Tone.BAD), "fota failed · result 4 · ep", -3)
    row = row_from_fota(3.0, None, {"step": "state", "state": "downloaded"}, -4)
    assert row is not None and row[3] == "fota downloaded"
    boot = Event(Kind.BOOT, 7, "#REBOOT_HOST", {"text": "#REBOOT_HOST"})
    assert classify_event(boot) == (Lane.FOTA, Tone.PENDING, "boot #REBOOT_HOST")
