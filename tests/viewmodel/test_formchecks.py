"""Small field checks: ports and the in-use port label."""

from workbench.viewmodel.formchecks import in_use_label, port_error


def test_port_numbers() -> None:
    assert port_error("5683") == ""
    assert port_error("56830") == ""
    assert "0 to 65535" in port_error("70000")
    assert "not a number" in port_error("56a")
    assert port_error("") != ""


def test_in_use_label() -> None:
    assert in_use_label("/dev/pts/7") == "/dev/pts/7 (in use)"
    assert in_use_label("sim://quectel-bg95?server=coap://x") == "sim://quectel-bg95 (in use)"
