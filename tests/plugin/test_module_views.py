"""The module views the shipped plugins declare, and u-blox's on its simulator."""

from __future__ import annotations

from typing import Any

import pytest

from tests.plugins.hosthelp import (
    module_dialect,
)
from workbench.lwm2m.definitions import builtin_registry


@pytest.fixture(scope="module")
def registry() -> Any:
    return builtin_registry()


def test_module_dialects(registry: Any) -> None:
    ublox = module_dialect("ublox-sara-r5")
    assert ublox is not None and module_dialect("ublox-lexi-r4") is ublox
    assert module_dialect("ublox-lexi-r10") is None and module_dialect("quectel-bg95") is None
    assert ublox.list_command() == 'AT+ULWM2MLIST="/"'
    assert ublox.read_command("/3/0") == 'AT+ULWM2MREAD="/3/0"'
    assert ublox.write_command("/3/0/14", "+01:00", registry) == (
        'AT+ULWM2MWRITE="{\\"bn\\":\\"/3/0/14\\",\\"e\\":[{\\"sv\\":\\"+01:00\\"}]}"'
    )
    assert ublox.delete_command("/3303/1") == 'AT+ULWM2MDELETE="/3303/1"'
    st = module_dialect("st-st87mxx")
    assert st is not None
    assert st.read_command("/3/0") == "AT#LWDUMPOBJ=3"
    assert st.read_command("/3/0/20") == "AT#LWREADRSCVAL=/3/0/20"
    assert st.write_command("/3/0/20", 75, registry) == "AT#LWCHGRSCVAL=/3/0/20,75"
    assert st.create_command("/3/1", {}, registry) == ""


def test_ublox_module_view_commands_work_on_the_simulator(registry: Any) -> None:
    """The module's own view: list, read and write through +ULWM2M* on the SARA-R5 simulator."""
    from tests.plugins.harness import ModuleBench

    dialect = module_dialect("ublox-sara-r5")
    assert dialect is not None
    with ModuleBench("ublox-sara-r5") as bench:
        listed = bench.at(dialect.list_command())
        assert listed[-1] == "OK" and '"/3/0"' in listed[-2]
        write = dialect.write_command("/3/0/14", "+05:00", registry)
        assert bench.at(write)[-1] == "OK"
        assert bench.at(dialect.read_command("/3/0"))[-1] == "OK"
        values = [e for e in bench.events() if e.kind == "values"]
        objects = [e for e in bench.events() if e.kind == "objects"]
        assert "/3/0" in objects[-1]["paths"]
        assert values[-1]["values"]["/3/0/14"] == "+05:00"
