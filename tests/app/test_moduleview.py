"""The module view's refresh sequence: list, then one read per object or instance."""

from __future__ import annotations

import asyncio

from workbench.app.moduleview import refresh_module_view
from workbench.module.moduleview import ModuleDialect

PER_INSTANCE = ModuleDialect("inst", "AT+LIST", "AT+READ={path}")
PER_OBJECT = ModuleDialect("obj", "AT+LIST", "AT+DUMP={object_id}", read_whole_objects=True)
LISTED = {3303: [1, 0], 0: [0], 3: [0], 5: []}


def _refresh(view: ModuleDialect, failing: str = "") -> tuple[list[str], list[str]]:
    sent: list[str] = []

    async def send(command: str) -> bool:
        sent.append(command)
        return command != failing

    reads = asyncio.run(refresh_module_view(view, send, lambda: LISTED))
    return sent, reads


def test_reads_each_instance_after_the_list_and_never_security() -> None:
    sent, reads = _refresh(PER_INSTANCE)
    assert sent[0] == "AT+LIST"
    assert (
        reads
        == sent[1:]
        == [
            "AT+READ=/3/0",
            "AT+READ=/5/0",  # listed without instances: instance 0
            "AT+READ=/3303/1",
            "AT+READ=/3303/0",
        ]
    )


def test_a_module_that_dumps_objects_reads_each_object_once() -> None:
    assert _refresh(PER_OBJECT)[1] == ["AT+DUMP=3", "AT+DUMP=5", "AT+DUMP=3303"]


def test_nothing_is_read_when_the_list_fails() -> None:
    assert _refresh(PER_INSTANCE, failing="AT+LIST") == (["AT+LIST"], [])
