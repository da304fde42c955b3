"""Templates: each renders with its defaults, cites the note, and the simulator knows it."""

from __future__ import annotations

import asyncio

import pytest

from plugins.ublox_sara import PLUGINS
from plugins.ublox_sara.profiles import DOC

from .simhelp import SimDriver

#: Commands whose default answer is legitimately a bare ERROR in the factory state.
PLAIN_ERROR_OK = {"odis", "odis_read", "odis_test"}  # AT&T profile only (§4.6)
SKIP = {"udwnfile", "cfun_set"}  # a data prompt / a reset: covered elsewhere


@pytest.mark.parametrize("plugin", PLUGINS, ids=lambda p: p.id)
def test_templates_render_and_cite(plugin: object) -> None:
    for template in plugin.templates_for():  # type: ignore[attr-defined]
        assert template.doc is not None or template.id == "at", template.id
        if template.command.startswith("+U") or template.command == "+ODIS":
            assert template.doc.document == DOC, template.id
        assert template.render_defaults().startswith("AT")


@pytest.mark.parametrize("plugin", PLUGINS, ids=lambda p: p.id)
def test_simulator_answers_every_template(plugin: object) -> None:
    async def run() -> list[str]:
        variant = plugin.default  # type: ignore[attr-defined]
        driver = SimDriver(plugin.id, variant, "", lwm2m_enabled=False)  # type: ignore[attr-defined]
        await driver.sim.start()
        unknown: list[str] = []
        try:
            for template in plugin.templates_for():  # type: ignore[attr-defined]
                if template.id in SKIP:
                    continue
                answer = await driver.at(template.render_defaults())
                if answer[-1] == "ERROR" and template.id not in PLAIN_ERROR_OK:
                    unknown.append(f"{template.id}: {template.render_defaults()}")
        finally:
            await driver.sim.stop()
        return unknown

    assert asyncio.run(run()) == []
