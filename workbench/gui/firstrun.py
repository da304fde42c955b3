"""What a plain start offers: the first-run hint, *File → New demo…* and the recent lists.

A plain start (no ``--demo``) used to show an empty terminal with nothing saying what to do
next, and the demo was reachable only from the command line. The hint sits centred above the
empty terminal (non-modal: the connection bar and menus stay usable), names the three ways in,
goes away once a port, demo or session is open, and stays away for good once dismissed
(``QSettings`` key :data:`DISMISSED_KEY`). Recent ports and sessions are kept in ``QSettings``
through :class:`workbench.viewmodel.recents.RecentList`; an entry whose device or file is gone
says so in the banner (with *Remove from list*) instead of failing silently.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QSettings
from PySide6.QtGui import QAction
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QInputDialog,
    QLabel,
    QMenu,
    QPushButton,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from workbench.viewmodel.recents import RecentList, port_problem, session_problem

if TYPE_CHECKING:
    from workbench.gui.mainwindow import MainWindow

DISMISSED_KEY = "first_run/hint_dismissed"
PORTS_KEY = "recent/ports"
SESSIONS_KEY = "recent/sessions"

HINT_TEXT = (
    "<b>No module connected yet.</b><br>"
    "Try the workbench with a simulated module and the built-in LwM2M server, open the serial "
    "port of a real module (pick it in the bar above), or open a recorded session."
)


def _settings_list(key: str) -> RecentList:
    """A recent list stored under ``key`` (a fresh ``QSettings`` each time: tests move it)."""

    def save(entries: list[str]) -> None:
        QSettings().setValue(key, entries)

    return RecentList(load=lambda: QSettings().value(key, []), save=save)


class FirstRunHint(QFrame):
    """The centred hint with its three buttons and a dismiss cross."""

    def __init__(
        self,
        on_demo: Callable[[], object],
        on_port: Callable[[], object],
        on_session: Callable[[], object],
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("first_run_hint")
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.setMaximumWidth(640)
        self.text = QLabel(HINT_TEXT, self)
        self.text.setWordWrap(True)
        self.demo_button = QPushButton("Try with a simulated module", self)
        self.demo_button.setDefault(True)
        self.port_button = QPushButton("Open a port", self)
        self.session_button = QPushButton("Open a session", self)
        self.close_button = QToolButton(self)
        self.close_button.setText("✕")
        self.close_button.setToolTip("Dismiss (not shown again)")
        self.close_button.setAutoRaise(True)
        self.demo_button.clicked.connect(lambda _checked=False: on_demo())
        self.port_button.clicked.connect(lambda _checked=False: on_port())
        self.session_button.clicked.connect(lambda _checked=False: on_session())
        self.close_button.clicked.connect(self.dismiss)
        top = QHBoxLayout()
        top.addWidget(self.text, 1)
        top.addWidget(self.close_button)
        buttons = QHBoxLayout()
        for button in (self.demo_button, self.port_button, self.session_button):
            buttons.addWidget(button)
        buttons.addStretch(1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(12, 10, 8, 10)
        layout.addLayout(top)
        layout.addLayout(buttons)
        self.setVisible(not self.dismissed())

    @staticmethod
    def dismissed() -> bool:
        return str(QSettings().value(DISMISSED_KEY, "false")).lower() == "true"

    def dismiss(self) -> None:
        """Hide for good: the user has seen it and said so."""
        QSettings().setValue(DISMISSED_KEY, True)
        self.hide()


class StartHelp:
    """The hint, *New demo…* and the recent menus of one main window."""

    def __init__(self, window: MainWindow) -> None:
        self.window = window
        self.hint = FirstRunHint(self.new_demo_dialog, self.focus_port, self.open_session, window)
        self.ports = _settings_list(PORTS_KEY)
        self.sessions = _settings_list(SESSIONS_KEY)
        self.recent_ports_menu = QMenu("Recent &ports", window)
        self.recent_sessions_menu = QMenu("Recent sess&ions", window)
        self.ports.changed.append(lambda _entries: self._fill_ports())
        self.sessions.changed.append(lambda _entries: self._fill_sessions())
        self._fill_ports()
        self._fill_sessions()

    # -- menus -------------------------------------------------------------------------------
    def add_menus(self, file: QMenu, ports_after: QAction, sessions_after: QAction) -> QAction:
        """Insert *New demo…* and the two recent menus into ``file``; returns *New demo…*."""
        actions = file.actions()
        demo = QAction("New &demo…", self.window)
        demo.setToolTip("Try the workbench with a simulated module and the built-in server")
        demo.triggered.connect(lambda _checked=False: self.new_demo_dialog())

        def after(anchor: QAction) -> QAction | None:
            index = actions.index(anchor) + 1
            return actions[index] if index < len(actions) else None

        before_ports = after(ports_after)
        before_sessions = after(sessions_after)
        file.insertAction(before_ports, demo)  # type: ignore[arg-type]
        file.insertMenu(before_ports, self.recent_ports_menu)  # type: ignore[arg-type]
        file.insertMenu(before_sessions, self.recent_sessions_menu)  # type: ignore[arg-type]
        return demo

    def _fill(
        self, menu: QMenu, entries: list[str], choose: Callable[[str], object], rl: RecentList
    ) -> None:
        menu.clear()
        for entry in entries:
            action = menu.addAction(entry)
            action.triggered.connect(lambda _checked=False, e=entry: choose(e))
        if entries:
            menu.addSeparator()
            menu.addAction("Clear list").triggered.connect(lambda _checked=False: rl.clear())
        else:
            menu.addAction("(none yet)").setEnabled(False)

    def _fill_ports(self) -> None:
        self._fill(self.recent_ports_menu, self.ports.entries(), self.reopen_port, self.ports)

    def _fill_sessions(self) -> None:
        self._fill(
            self.recent_sessions_menu, self.sessions.entries(), self.reopen_session, self.sessions
        )

    # -- what the window reports -------------------------------------------------------------
    def port_opened(self, url: str) -> None:
        self.ports.add(url)
        self.hint.hide()

    def session_opened(self, path: Path) -> None:
        self.sessions.add(str(path))
        self.hint.hide()

    # -- actions -----------------------------------------------------------------------------
    def demo_choices(self) -> list[tuple[str, str]]:
        """(label, plugin id) of every module the demo can run (simulator + connect sequence)."""
        return [
            (f"{p.name}  ({p.id})", p.id)
            for p in self.window.context.plugins.plugins
            if p.simulator_factory is not None and p.connect_sequence is not None
        ]

    def new_demo_dialog(self) -> str:
        """Ask which simulated module to run, then start the demo as ``--demo ID`` does."""
        choices = self.demo_choices()
        if not choices:
            self.window.banner.show_message(
                "warning", "No module plugin with a simulator is loaded yet; try again shortly."
            )
            return ""
        label, ok = QInputDialog.getItem(
            self.window,
            "New demo",
            "Simulated module (runs with the built-in LwM2M server):",
            [c[0] for c in choices],
            0,
            False,
        )
        if not ok:
            return ""
        plugin_id = dict(choices)[label]
        self.hint.hide()
        self.window.start_demo(plugin_id)
        return plugin_id

    def focus_port(self) -> None:
        """Point at the connection bar: choosing the port is the user's call, not a guess."""
        bar = self.window.connection_bar
        self.window.connection_toolbar.show()
        bar.port.setFocus()
        bar.port.showPopup()

    def open_session(self) -> None:
        self.window.open_session_dialog()

    def reopen_port(self, url: str) -> object:
        problem = port_problem(url, self.window.context.plugins.ids)
        if problem:
            self._missing(problem, self.ports, url)
            return None
        bar = self.window.connection_bar
        bar.url.setText(url)
        if url.startswith("sim://"):
            index = bar.module.findData(url[len("sim://") :].split("?", 1)[0])
            if index >= 0:
                bar.module.setCurrentIndex(index)
        return self.window.open_port(url, bar.port_settings())

    def reopen_session(self, path: str) -> object:
        problem = session_problem(path)
        if problem:
            self._missing(problem, self.sessions, path)
            return None
        return self.window.open_session_window(Path(path))

    def _missing(self, problem: str, recent: RecentList, entry: str) -> None:
        self.window.banner.show_message(
            "warning", problem, {"Remove from list": lambda: recent.remove(entry)}
        )
