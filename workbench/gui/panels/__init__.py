"""Dockable panels of the main window, one module per panel.

Contract (see :mod:`workbench.gui.context`): a panel is a ``QWidget`` built as
``Panel(context: WorkbenchContext, parent=None)``; it learns everything through the context's
properties and signals and never talks to the window or to other panels directly. The window
lists panels in :data:`workbench.gui.mainwindow.PANELS` (a :class:`PanelSpec` each: object name
for saved layouts, title, default dock area, factory), so adding one is one line there.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QWidget

from workbench.gui.context import WorkbenchContext

PanelFactory = Callable[[WorkbenchContext], QWidget]


@dataclass(frozen=True)
class PanelSpec:
    """How the window makes and places one dock."""

    #: Stable object name: saved layouts refer to it, so never rename one.
    name: str
    title: str
    factory: PanelFactory
    area: Qt.DockWidgetArea = Qt.DockWidgetArea.RightDockWidgetArea
    #: Shortcut that shows and focuses the panel (``Ctrl+1``...), or "".
    shortcut: str = ""
    visible: bool = True
    #: Built with the window even when it defers its panels (cheap, and on screen at start).
    eager: bool = False
    #: Modules the factory imports (a deferring window imports them off the Qt thread first).
    modules: tuple[str, ...] = ()
