"""The ``sim://`` URL handler: parsing, errors a user sees, and a real round trip."""

from __future__ import annotations

import pytest
import serial

from workbench.transport import register_url_handlers
from workbench.transport.protocol_sim import parse_sim_url


def test_parse_sim_url() -> None:
    assert parse_sim_url("sim://quectel-bg95") == ("quectel-bg95", {})
    assert parse_sim_url("sim://ublox-sara-r4?variant=63B&server=coap://127.0.0.1:5683") == (
        "ublox-sara-r4",
        {"variant": "63B", "server": "coap://127.0.0.1:5683"},
    )


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("sim://", "no module id"),
        ("sim://x?baud=3", "unknown option 'baud'"),
        ("loop://", "expected a sim://ID URL"),
    ],
)
def test_bad_sim_urls_are_explained(url: str, message: str) -> None:
    with pytest.raises(serial.SerialException, match=message):
        parse_sim_url(url)


def test_unknown_module_lists_the_known_ones() -> None:
    register_url_handlers()
    register_url_handlers()  # idempotent
    assert serial.protocol_handler_packages.count("workbench.transport") == 1
    with pytest.raises(serial.SerialException, match=r"cannot simulate 'no-such-module'.*modules:"):
        serial.serial_for_url("sim://no-such-module", timeout=0.1)
