"""Templates: each renders with its defaults, cites the note, and the simulator knows it."""

from __future__ import annotations

import asyncio

import pytest

from plugins.ublox_sara import PLUGINS
from plugins.ublox_sara.profiles import CONFIG_FIELD_NAMES, DOC
from workbench.at.syntax import split_at_args

from .cases import TRANSCRIPTS
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


def _template(plugin_id: str, template_id: str) -> object:
    plugin = next(p for p in PLUGINS if p.id == plugin_id)
    return next(t for t in plugin.templates_for() if t.id == template_id)


def _golden_line(stem: str, prefix: str) -> str:
    text = (TRANSCRIPTS / f"{stem}.txt").read_text("utf-8")
    return next(line for line in text.splitlines() if line.startswith(prefix))


def test_configext_form_reproduces_the_read_answer() -> None:
    """Audit M14: §3.5.2's read answer has 11 fields; a set built from the form matches it."""
    answer = _golden_line("s3_5_2_r5_config_read", "+ULWM2MCONFIGEXT:")
    args = split_at_args(answer.split(":", 1)[1])
    template = _template("ublox-sara-r5", "ulwm2mconfigext")
    names = [p.name for p in template.params]  # type: ignore[attr-defined]
    assert len(names) == len(args) == 11
    values = {n: (a if n == "production_sim" else int(a)) for n, a in zip(names, args, strict=True)}
    rendered = template.render(values)  # type: ignore[attr-defined]
    assert rendered == "AT+ULWM2MCONFIGEXT=" + answer.split(": ", 1)[1]


def test_config_form_names_match_the_sibling_document() -> None:
    """Audit M6: fields 6-11 carry the LEXI-R10 names, the decoder names rows alike."""
    template = _template("ublox-sara-r5", "ulwm2mconfig")
    names = [p.name for p in template.params]  # type: ignore[attr-defined]
    assert tuple(names[1:]) == CONFIG_FIELD_NAMES
    assert names[6:11] == [
        "dtls_session_resumption",
        "full_registration_after_fota",
        "DTLS_NAT_timer",
        "reg_upd_at_PSM_exit",
        "reg_upd_after_DTLS_handshake",
    ]
    pdn = template.param("pdn_type")  # type: ignore[attr-defined]
    psk = template.param("usec_psk")  # type: ignore[attr-defined]
    assert (pdn.min, pdn.max, psk.min, psk.max) == (1, 3, 0, 1)
    # §3.7's read answer (blank 4th field dropped) renders back as the same set command.
    answer = _golden_line("s3_7_enable_lwm2m_ufota", "+ULWM2MCONFIG:")
    args = [a for i, a in enumerate(split_at_args(answer.split(":", 1)[1])) if i != 3]
    rendered = template.render(dict(zip(names, (int(a) for a in args), strict=True)))  # type: ignore[attr-defined]
    assert rendered == "AT+ULWM2MCONFIG=" + ",".join(args)
