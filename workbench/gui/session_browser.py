"""File → Open session: a list of the recorded sessions, and replay controls for its window.

The action used to be a bare file picker with truncated names. :class:`SessionBrowser` lists
the sessions folder one row per file (module, start, duration, registered, size, full name),
sortable and newest first, with what is wrong next to a broken file; "Browse…" still opens a
file elsewhere. The rows are computed by :mod:`workbench.session.browse` on a worker thread so a
large folder does not freeze the window.

:class:`ReplayBar` puts play, pause, speed and seek into the session window (they were only in
the CLI): it drives a :class:`~workbench.app.replayer.SessionPlayer` and hands the window a
connection rebuilt up to the cursor, so terminal, module state and timeline show the session as
it was then. Clicking the timeline seeks there.
"""

from __future__ import annotations

import math
import queue
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pyqtgraph as pg
from PySide6.QtCore import QSize, Qt, QTimer
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDialog,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QSlider,
    QTableWidget,
    QTableWidgetItem,
    QToolBar,
    QVBoxLayout,
    QWidget,
)

from workbench.app.replayer import SPEEDS, SessionPlayer
from workbench.session.browse import SessionEntry, iter_sessions, newest_first
from workbench.viewmodel.fotaview import human_bytes

if TYPE_CHECKING:
    from workbench.gui.mainwindow import MainWindow

COLUMNS = ("Module", "Started", "Duration", "Registered", "Size", "File")
#: Slider steps over the whole session (seek resolution).
_STEPS = 1000
#: Play timer period (ms): each tick rebuilds the view, so not faster than the eye needs.
_TICK_MS = 200


class _SortItem(QTableWidgetItem):
    """A cell that sorts by a number (start time, seconds, bytes), not by its text."""

    def __init__(self, text: str, key: float) -> None:
        super().__init__(text)
        self.key = key

    def __lt__(self, other: QTableWidgetItem) -> bool:
        if isinstance(other, _SortItem):
            return self.key < other.key
        return super().__lt__(other)


def _duration(seconds: float | None) -> str:
    if seconds is None:
        return "—"
    whole = int(seconds)
    hours, rest = divmod(whole, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02}:{secs:02}" if hours else f"{minutes}:{secs:02}"


def _registered(entry: SessionEntry) -> str:
    return {True: "yes", False: "no", None: "—"}[entry.registered]


class SessionBrowser(QDialog):
    """The list of recorded sessions; :attr:`chosen` is the file to open after ``accept``."""

    def __init__(self, folder: Path, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Open session")
        self.folder = folder
        self.chosen: Path | None = None
        self.entries: list[SessionEntry] = []
        self.table = QTableWidget(0, len(COLUMNS), self)
        self.table.setHorizontalHeaderLabels(COLUMNS)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setTextElideMode(Qt.TextElideMode.ElideMiddle)
        self.table.verticalHeader().setVisible(False)
        header = self.table.horizontalHeader()
        for column in range(len(COLUMNS) - 1):
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(len(COLUMNS) - 1, QHeaderView.ResizeMode.Stretch)
        header.setSortIndicator(1, Qt.SortOrder.DescendingOrder)  # newest first
        self.table.itemDoubleClicked.connect(lambda _item: self.open_selected())
        self.table.itemSelectionChanged.connect(self._selection_changed)
        self.status = QLabel(f"Reading {folder} …", self)
        self.status.setWordWrap(True)
        self.open_button = QPushButton("&Open", self)
        self.open_button.setEnabled(False)
        self.open_button.setDefault(True)
        self.open_button.clicked.connect(self.open_selected)
        browse = QPushButton("&Browse…", self)
        browse.clicked.connect(self.browse)
        cancel = QPushButton("Cancel", self)
        cancel.clicked.connect(self.reject)
        buttons = QHBoxLayout()
        buttons.addWidget(browse)
        buttons.addStretch(1)
        buttons.addWidget(self.open_button)
        buttons.addWidget(cancel)
        layout = QVBoxLayout(self)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.status)
        layout.addLayout(buttons)
        self.resize(QSize(900, 360))
        # Rows arrive one file at a time from a worker thread (a big folder takes seconds).
        self._arrived: queue.SimpleQueue[SessionEntry] = queue.SimpleQueue()
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="session-list")
        self._future: Future[None] = self._pool.submit(self._scan, folder)
        self._poll = QTimer(self)
        self._poll.setInterval(30)
        self._poll.timeout.connect(self._check)
        self._poll.start()

    def loaded(self) -> bool:
        return self._future.done() and not self._poll.isActive()

    def _scan(self, folder: Path) -> None:
        for entry in iter_sessions(folder):
            self._arrived.put(entry)

    def _check(self) -> None:
        done = self._future.done()  # before draining: nothing can arrive after it is done
        new: list[SessionEntry] = []
        while not self._arrived.empty():
            new.append(self._arrived.get())
        if new or done:
            self.set_entries(newest_first(self.entries + new))
        if not done:
            if new:
                self.status.setText(f"Reading {self.folder} … {len(self.entries)} so far")
            return
        self._poll.stop()
        self._pool.shutdown(wait=False)
        exc = self._future.exception()
        if exc is not None:  # the folder vanished mid-scan, permissions...
            self.status.setText(f"Cannot list {self.folder}: {exc}")

    def set_entries(self, entries: list[SessionEntry]) -> None:
        """Show ``entries``, keeping the selected file and the column the user sorted by."""
        keep = self.selected_path()
        self.entries = entries
        self.table.setSortingEnabled(False)
        self.table.setRowCount(len(entries))
        for row, entry in enumerate(entries):
            started = (
                datetime.fromtimestamp(entry.started).strftime("%Y-%m-%d %H:%M:%S")
                if entry.started is not None
                else "—"
            )
            cells = [
                QTableWidgetItem(entry.module),
                _SortItem(started, entry.started or 0.0),
                _SortItem(_duration(entry.duration), entry.duration or 0.0),
                QTableWidgetItem(_registered(entry)),
                _SortItem(human_bytes(entry.size), float(entry.size)),
                QTableWidgetItem(entry.name + (f" — {entry.problem}" if entry.problem else "")),
            ]
            tip = str(entry.path) + (f"\n{entry.problem}" if entry.problem else "")
            for column, cell in enumerate(cells):
                cell.setToolTip(tip)
                cell.setData(Qt.ItemDataRole.UserRole, str(entry.path))
                if entry.problem:
                    cell.setForeground(Qt.GlobalColor.darkRed)
                self.table.setItem(row, column, cell)
        self.table.setSortingEnabled(True)
        header = self.table.horizontalHeader()
        self.table.sortItems(header.sortIndicatorSection(), header.sortIndicatorOrder())
        broken = sum(1 for e in entries if e.problem)
        self.status.setText(
            f"{len(entries)} session(s) in {self.folder}"
            + (
                f"; {broken} with a problem (shown in red, the readable part opens)"
                if broken
                else ""
            )
            if entries
            else f"No recorded sessions in {self.folder} yet. Browse… opens a file elsewhere."
        )
        rows = [self._row_path(r) for r in range(self.table.rowCount())]
        if entries:
            self.table.selectRow(rows.index(keep) if keep in rows else 0)

    def _row_path(self, row: int) -> Path | None:
        item = self.table.item(row, 0)
        return None if item is None else Path(str(item.data(Qt.ItemDataRole.UserRole)))

    def _selection_changed(self) -> None:
        self.open_button.setEnabled(bool(self.table.selectedItems()))

    def selected_path(self) -> Path | None:
        items = self.table.selectedItems()
        if not items:
            return None
        return Path(str(items[0].data(Qt.ItemDataRole.UserRole)))

    def open_selected(self) -> None:
        path = self.selected_path()
        if path is not None:
            self.chosen = path
            self.accept()

    def browse(self) -> None:
        path, _ = QFileDialog.getOpenFileName(
            self, "Open session", str(self.folder), "Workbench sessions (*.wbs);;All files (*)"
        )
        if path:
            self.chosen = Path(path)
            self.accept()


def _speed_label(speed: float) -> str:
    return "max" if math.isinf(speed) else f"{speed:g}×"


class ReplayBar(QToolBar):
    """Play / pause / speed / seek for a session window (see the module docstring)."""

    def __init__(
        self,
        window: MainWindow,
        player: SessionPlayer,
        show: Callable[[SessionPlayer], None],
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        super().__init__("Replay", window)
        self.setObjectName("replay_bar")
        self.player = player
        self._show = show
        self._clock = clock
        self._last = clock()
        self.play_button = QPushButton("▶ Play", self)
        self.play_button.clicked.connect(self.toggle)
        self.speed = QComboBox(self)
        for speed in SPEEDS:
            self.speed.addItem(_speed_label(speed), speed)
        self.speed.currentIndexChanged.connect(
            lambda _i: self.player.set_speed(float(self.speed.currentData()))
        )
        self.slider = QSlider(Qt.Orientation.Horizontal, self)
        self.slider.setRange(0, _STEPS)
        self.slider.setMinimumWidth(260)
        self.slider.sliderMoved.connect(self._slid)
        self.slider.sliderReleased.connect(lambda: self._slid(self.slider.value()))
        self.position = QLabel(self)
        self.addWidget(self.play_button)
        self.addWidget(QLabel(" Speed ", self))
        self.addWidget(self.speed)
        self.addWidget(self.slider)
        self.addWidget(self.position)
        #: Called with the cursor's host time whenever it moves (the timeline's marker).
        self.moved: list[Callable[[float], None]] = []
        self.timer = QTimer(self)
        self.timer.setInterval(_TICK_MS)
        self.timer.timeout.connect(self.tick)
        self._sync()

    def toggle(self) -> None:
        if self.player.playing:
            self.pause()
        else:
            self.play()

    def play(self) -> None:
        self.player.play()
        self._last = self._clock()
        self._show(self.player)
        self.timer.start()
        self._sync()

    def pause(self) -> None:
        self.player.pause()
        self.timer.stop()
        self._sync()

    def seek(self, t: float) -> None:
        """Show the session as it was at host time ``t``."""
        self.player.seek(t)
        self._show(self.player)
        self._sync()

    def tick(self) -> None:
        now = self._clock()
        elapsed, self._last = now - self._last, now
        if self.player.advance(elapsed):
            self._show(self.player)
            # A step forward decodes only what it passed (SessionPlayer.view); should one
            # take long anyway (max speed over a long session), the next step waits at least
            # twice as long, so the window stays usable while playing.
            spent = self._clock() - now
            self.timer.setInterval(max(_TICK_MS, round(2000 * spent)))
        if not self.player.playing:
            self.timer.stop()
        self._sync()

    def _slid(self, value: int) -> None:
        self.seek(self.player.start + self.player.duration * value / _STEPS)

    def _sync(self) -> None:
        player = self.player
        self.play_button.setText("⏸ Pause" if player.playing else "▶ Play")
        fraction = (player.position - player.start) / player.duration if player.duration else 1
        self.slider.blockSignals(True)
        self.slider.setValue(round(fraction * _STEPS))
        self.slider.blockSignals(False)
        for moved in self.moved:
            moved(player.position)
        self.position.setText(
            f" {_duration(player.position - player.start)} / {_duration(player.duration)}"
            f" · {player.shown}/{len(player.items)} records "
        )


def seek_on_click(timeline: Any, bar: ReplayBar) -> None:
    """Clicking the timeline's empty plot seeks there (a click on an event still selects it).

    A vertical line marks the cursor: what is right of it (the recorded CoAP lanes are loaded
    whole) has not happened yet at the moment shown.
    """
    cursor = pg.InfiniteLine(angle=90, movable=False, pen=pg.mkPen("#d08000", width=2))
    cursor.setZValue(50)
    timeline.view.addItem(cursor, ignoreBounds=True)

    def moved(t: float) -> None:
        cursor.setPos(t - float(timeline.origin))

    bar.moved.append(moved)
    moved(bar.player.position)

    def clicked(event: Any) -> None:
        if event.button() != Qt.MouseButton.LeftButton or event.isAccepted():
            return
        point = timeline.view.mapSceneToView(event.scenePos())
        bar.seek(float(point.x()) + float(timeline.origin))

    timeline.plot_widget.scene().sigMouseClicked.connect(clicked)


def attach_replay(window: MainWindow, path: Path) -> ReplayBar | None:
    """Give a session window (already showing ``path`` to its end) its replay controls."""
    from workbench.gui import sessions

    conn = window.context.connection
    if conn is None:
        return None
    _meta, items = sessions.read_records(path)
    player = SessionPlayer(conn.url, conn.plugin, conn.variant, items)

    def show(player: SessionPlayer) -> None:
        view, same = player.view()
        if same:
            window.pump()  # only the lines passed since the last step
            return
        window.adopt_connection(view)
        window._session_view = view

    bar = ReplayBar(window, player, show)
    window.addToolBar(Qt.ToolBarArea.BottomToolBarArea, bar)
    timeline = window.panels.get("timeline")
    if timeline is not None:
        seek_on_click(timeline, bar)
    return bar
