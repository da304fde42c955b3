"""Run-time definition loading: parsed in a worker thread, broken files collected, not fatal."""

from __future__ import annotations

import asyncio
import threading
from pathlib import Path

import pytest

from workbench.app import definitions
from workbench.app.definitions import load_definitions, load_definitions_async, use_definitions
from workbench.server import LwM2MServer

GIZMO = b"""<LWM2M><Object ObjectType="MODefinition"><Name>Gizmo</Name><ObjectID>33001</ObjectID>
<MultipleInstances>Multiple</MultipleInstances><Mandatory>Optional</Mandatory><Resources>
<Item ID="1"><Name>Speed</Name><Operations>R</Operations><MultipleInstances>Single
</MultipleInstances><Mandatory>Mandatory</Mandatory><Type>Integer</Type><Units>rpm</Units>
</Item></Resources></Object></LWM2M>"""


def test_folders_then_files_with_errors_collected(tmp_path: Path) -> None:
    folder = tmp_path / "folder"
    folder.mkdir()
    (folder / "gizmo.xml").write_bytes(GIZMO)
    (folder / "broken.xml").write_text("<LWM2M><Object>")
    single = tmp_path / "single.xml"
    single.write_bytes(GIZMO.replace(b"Gizmo", b"Widget"))
    loaded = load_definitions([folder], [single, tmp_path / "missing.xml"])
    gizmo = loaded.registry.get(33001)
    assert gizmo is not None and gizmo.name == "Widget"  # the later file wins
    assert loaded.registry.get(3) is not None  # the shipped ones stay
    texts = [str(e) for e in loaded.errors]
    assert any("broken.xml" in t for t in texts) and any("cannot read file" in t for t in texts)


def test_async_loading_parses_off_the_loop_thread(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "gizmo.xml").write_bytes(GIZMO)
    threads: list[int] = []
    real = definitions.load_definitions

    def spy(folders: list[Path], files: list[Path]) -> definitions.LoadedDefinitions:
        threads.append(threading.get_ident())
        return real(folders, files)

    monkeypatch.setattr(definitions, "load_definitions", spy)

    async def body() -> tuple[int, definitions.LoadedDefinitions]:
        return threading.get_ident(), await load_definitions_async([tmp_path])

    loop_thread, loaded = asyncio.run(body())
    assert threads and threads[0] != loop_thread
    assert loaded.registry.get(33001) is not None and not loaded.errors


def test_the_server_decodes_with_the_new_registry() -> None:
    server = LwM2MServer("127.0.0.1", 0)  # not started: only its registry is swapped
    loaded = load_definitions()
    assert server.registry is not loaded.registry
    use_definitions(server, loaded.registry)
    assert server.registry is loaded.registry
    use_definitions(None, loaded.registry)  # no server running: nothing to do
