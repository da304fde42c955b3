"""The Write-Composite dialog: one typed editor per resource, inline errors, typed values."""

from __future__ import annotations

from typing import Any

from tests.gui.wb_helpers import shot
from workbench.gui.panels.tree_composite import CompositeWriteDialog
from workbench.lwm2m.definitions import builtin_registry
from workbench.lwm2m.paths import Path
from workbench.lwm2m.values import Value

REGISTRY = builtin_registry()


def test_composite_write_dialog_types_each_value(qapp: Any) -> None:
    paths = [Path.parse("/1/0/1"), Path.parse("/3/0/14")]
    current: dict[Path, Value] = {paths[0]: 60, paths[1]: "+00:00"}
    dialog = CompositeWriteDialog(paths, REGISTRY.resource, lambda p: current.get(p))
    assert list(dialog.editors) == paths
    dialog.show()
    shot(dialog, "tree_composite_write_dialog")
    dialog.editors[paths[0]].edit.setText("not a number")  # type: ignore[attr-defined]
    dialog._accept()
    assert dialog.error.text() and dialog.result() == 0 and not dialog.result_values
    dialog.editors[paths[0]].edit.setText("300")  # type: ignore[attr-defined]
    dialog.editors[paths[1]].edit.setText("+02:00")  # type: ignore[attr-defined]
    dialog._accept()
    assert dialog.result() == CompositeWriteDialog.DialogCode.Accepted
    assert dialog.result_values == {paths[0]: 300, paths[1]: "+02:00"}
    dialog.close()
