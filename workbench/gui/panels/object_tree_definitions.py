"""The object tree's *Definitions…* button: OMA DDF files the user adds on top of the shipped ones.

A folder or a single file is remembered and everything is parsed again, off the GUI thread
(:func:`~workbench.app.definitions.load_definitions_async`); the running server's registry is
swapped (:func:`~workbench.app.definitions.use_definitions`) so its reads decode with the new
types, and ``loaded(registry)`` lets the panel re-type its trees. Broken files are reported in the
banner and the rest is used. Split out of
:class:`~workbench.gui.panels.object_tree.ObjectTreePanel`, which composes it.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from pathlib import Path as FsPath

from PySide6.QtWidgets import QFileDialog, QMenu, QToolButton, QWidget

from workbench.app.definitions import load_definitions_async, use_definitions
from workbench.gui.context import WorkbenchContext
from workbench.lwm2m.errors import DefinitionError
from workbench.lwm2m.model import ObjectRegistry


def report_definition_errors(context: WorkbenchContext, errors: list[DefinitionError]) -> None:
    """The first three broken definition files in the banner (and how many more)."""
    if not errors:
        return
    shown = "; ".join(str(e) for e in errors[:3])
    more = f" (and {len(errors) - 3} more)" if len(errors) > 3 else ""
    context.notify("warning", f"Broken definition files: {shown}{more}")


class DefinitionsButton(QToolButton):
    """See the module docstring."""

    def __init__(
        self,
        context: WorkbenchContext,
        loaded: Callable[[ObjectRegistry], None],
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.context = context
        self._loaded = loaded
        self.extra_folders: list[FsPath] = []
        self.extra_files: list[FsPath] = []
        self.setText("Definitions…")
        self.setToolTip("Add OMA DDF definition files (a folder or one file)")
        self.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        menu = QMenu(self)
        menu.addAction("Add a folder…", self.add_definitions_folder_dialog)
        menu.addAction("Add a file…", self.add_definitions_file_dialog)
        self.setMenu(menu)

    @property
    def extra(self) -> bool:
        """Whether the user added definitions (then they win over a new server's registry)."""
        return bool(self.extra_folders or self.extra_files)

    def add_definitions_folder_dialog(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, "Folder of object definitions (DDF XML)")
        if folder:
            self.add_definitions(FsPath(folder))

    def add_definitions_file_dialog(self) -> None:
        path, _ = QFileDialog.getOpenFileName(
            self, "Object definition file", "", "OMA DDF (*.xml);;All files (*)"
        )
        if path:
            self.add_definitions(FsPath(path))

    def add_definitions(self, path: FsPath) -> asyncio.Task[ObjectRegistry]:
        """Load a folder or a file on top of what is loaded (parsed off the GUI thread); the
        tree re-types when the returned task is done."""
        if path.is_dir():
            self.extra_folders.append(path)
        else:
            self.extra_files.append(path)
        return self.context.run_soon(self._load_definitions(path))

    async def _load_definitions(self, path: FsPath) -> ObjectRegistry:
        result = await load_definitions_async(self.extra_folders, self.extra_files)
        registry, errors = result.registry, result.errors
        use_definitions(self.context.server, registry)  # reads decode with the new types too
        self._loaded(registry)
        report_definition_errors(self.context, errors)
        loaded = len(list(registry))
        self.context.notify(
            "info" if not errors else "warning",
            f"Definitions from {path.name}: {loaded} objects known"
            + (f", {len(errors)} file(s) broken" if errors else ""),
        )
        return registry


__all__ = ["DefinitionsButton", "report_definition_errors"]
