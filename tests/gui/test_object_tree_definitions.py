"""The object tree's *Definitions…* button on its own: DDF files added at run time.

Real files in the test's folder, parsed by the real loader off the GUI thread; a real (not
started) built-in server whose registry is swapped.
"""

from __future__ import annotations

import asyncio
from pathlib import Path as FsPath

from tests.gui.test_object_tree import GIZMO
from tests.gui.tree_helpers import context_with_messages
from tests.gui.wb_helpers import run
from workbench.gui.panels.object_tree_definitions import (
    DefinitionsButton,
    report_definition_errors,
)
from workbench.lwm2m.errors import DefinitionError
from workbench.lwm2m.model import ObjectRegistry
from workbench.server import LwM2MServer


def test_a_folder_and_a_broken_file_load_and_retype(
    wb_loop: asyncio.AbstractEventLoop, tmp_path: FsPath
) -> None:
    context, messages = context_with_messages()
    server = LwM2MServer("127.0.0.1", 0)
    context.server = server
    loaded: list[ObjectRegistry] = []
    button = DefinitionsButton(context, loaded.append)
    assert button.text() == "Definitions…" and not button.extra
    menu = button.menu()
    assert menu is not None and [a.text() for a in menu.actions()] == [
        "Add a folder…",
        "Add a file…",
    ]
    folder = tmp_path / "ddf"
    folder.mkdir()
    (folder / "gizmo.xml").write_text(GIZMO)
    registry = run(wb_loop, button.add_definitions(folder))
    assert button.extra and button.extra_folders == [folder]
    assert loaded == [registry] and registry.get(33001) is not None
    assert server.registry is registry
    assert messages[-1][0] == "info" and messages[-1][1].startswith("Definitions from ddf: ")
    broken = tmp_path / "broken.xml"
    broken.write_text("<LWM2M><Object>")
    again = run(wb_loop, button.add_definitions(broken))
    assert button.extra_files == [broken] and again.get(33001) is not None
    assert len(loaded) == 2 and server.registry is again
    assert messages[-2][0] == "warning" and "Broken definition files: " in messages[-2][1]
    assert messages[-1][0] == "warning" and messages[-1][1].endswith(", 1 file(s) broken")


def test_only_the_first_three_errors_are_spelled_out(wb_app: object) -> None:
    context, messages = context_with_messages()
    report_definition_errors(context, [])
    assert messages == []
    errors = [DefinitionError(f"bad {n}", f"f{n}.xml") for n in range(5)]
    report_definition_errors(context, errors)
    ((level, text),) = messages
    assert level == "warning" and text.endswith(" (and 2 more)")
    assert "bad 2" in text and "bad 3" not in text
