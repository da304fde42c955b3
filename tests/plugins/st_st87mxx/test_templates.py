"""Templates: one per command form of the note, each with its DocRef, all known to the simulator."""

from __future__ import annotations

import asyncio

import pytest

from plugins.st_st87mxx import PLUGINS
from plugins.st_st87mxx.templates import LWM2M_TEMPLATES, MODULE_TEMPLATES
from workbench.plugin_api import CommandForm

from .simdriver import SimDriver

DOC = "st-st87mxx-lwm2m-appnote.txt"
SECTION_6_1 = {
    "#LWSTART", "#LWSTOP", "#LWCFG", "#LWPARAMS", "#LWREG", "#LWLISTSERV", "#LWCHGRSCVAL",
    "#LWREADRSCVAL", "#LWADDOBJ", "#LWRMOBJ", "#LWNTYRDOBJ", "#LWNTYWROBJ", "#LWNTYEXEOBJ",
    "#LWNTYTO", "#LWDUMPOBJ", "#LWLISTOBJ",
}  # fmt: skip


def test_every_command_of_6_1_has_set_or_execute_and_test_forms() -> None:
    by_command: dict[str, set[CommandForm]] = {}
    for template in LWM2M_TEMPLATES:
        by_command.setdefault(template.command, set()).add(template.form)
        assert template.doc is not None and template.doc.document == DOC
        assert template.doc.section
    assert set(by_command) == SECTION_6_1
    for command, forms in by_command.items():
        assert CommandForm.TEST in forms, command
        assert forms & {CommandForm.SET, CommandForm.EXECUTE}, command


def test_templates_render_like_the_note() -> None:
    templates = {t.id: t for t in PLUGINS[0].templates}
    assert (
        templates["lwparams"].render({"server_url": "COAP://23.97.187.154:5683"})
        == "AT#LWPARAMS=ST87M01_CLIENT,1,1,COAP://23.97.187.154:5683,U,60,0,0,1"
    )
    assert templates["lwaddobj"].render_defaults() == "AT#LWADDOBJ=3443,0,5,0,1,2,3,4"
    assert (
        templates["lwntyrdobj"].render({"resource_id": 3})
        == "AT#LWNTYRDOBJ=1,3443,0,1,3,D,8,02020304"
    )
    assert templates["socketcreate"].render_defaults() == "AT#SOCKETCREATE=5,0,UDP,5683,30,30"
    assert templates["lwchgrscval"].render({"value": "75"}) == "AT#LWCHGRSCVAL=/3/0/20,75"


@pytest.mark.parametrize("template", LWM2M_TEMPLATES + MODULE_TEMPLATES, ids=lambda t: t.id)
def test_simulator_knows_every_template(template: object) -> None:
    """Rendered with defaults, no command is unknown to the simulator (plain ``ERROR``)."""

    async def main() -> None:
        async with SimDriver() as drv:
            lines = await drv.at(template.render_defaults())  # type: ignore[attr-defined]
            assert lines[-1] != "ERROR", lines

    asyncio.run(main())
