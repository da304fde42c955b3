"""The connect sequence follows the variant: only variants with a verbosity mask are sent one.

§4.1.1/§4.1.2 of the u-blox note: "On SARA-R510S-00B-00, SARA-R510M8S-00B-00, and
SARA-R500S-00B-00 the <verbosity_mask> parameter and the <event>=5 are not supported", so the
documented ``AT+ULWM2MSTAT=1,7`` is an error there; SARA-R4/LEXI-R4 have no mask at all.
"""

from __future__ import annotations

import pytest

from plugins.ublox_sara.profiles import profile_for
from workbench.app.guided import plan_for
from workbench.plugin.loader import discover_plugins

SARA_IDS = ("ublox-sara-r4", "ublox-sara-r5", "ublox-lexi-r4")


def _variants() -> list[tuple[str, str]]:
    registry = discover_plugins()
    return [(pid, v) for pid in SARA_IDS for v in registry.get(pid).variant_ids]


@pytest.mark.parametrize(("plugin_id", "variant"), _variants())
def test_the_status_command_is_one_the_variant_accepts(plugin_id: str, variant: str) -> None:
    plugin = discover_plugins().get(plugin_id)
    lines = plugin.connect_lines("coap://127.0.0.1:5683", variant=variant)
    stat = [line for line in lines if line.startswith("AT+ULWM2MSTAT=")]
    expected = (
        "AT+ULWM2MSTAT=1,7"
        if profile_for(plugin_id, variant).verbosity_mask
        else ("AT+ULWM2MSTAT=1")
    )
    assert stat == [expected]


def test_r5_00b_00_gets_no_mask_and_other_r5_variants_do() -> None:
    plugin = discover_plugins().get("ublox-sara-r5")
    assert "AT+ULWM2MSTAT=1" in plugin.connect_lines("coap://h:1", variant="00B-00")
    others = [v for v in plugin.variant_ids if v != "00B-00"]
    assert others
    for variant in others:
        assert "AT+ULWM2MSTAT=1,7" in plugin.connect_lines("coap://h:1", variant=variant)


def test_guided_connect_plans_for_the_chosen_variant() -> None:
    plugin = discover_plugins().get("ublox-sara-r5")
    plan = plan_for(plugin, "coap://127.0.0.1:5683", checks=False, variant="00B-00")
    assert "AT+ULWM2MSTAT=1" in plan.commands
    assert "AT+ULWM2MSTAT=1,7" not in plan.commands


def test_an_unknown_variant_is_refused_by_name() -> None:
    plugin = discover_plugins().get("ublox-sara-r5")
    with pytest.raises(ValueError, match="no variant 'nope'"):
        plugin.connect_lines("coap://h:1", variant="nope")
