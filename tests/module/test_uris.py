"""Server URIs typed into a template are checked before anything is sent."""

from workbench.module.uris import uri_problem


def test_good_uris() -> None:
    assert uri_problem("coap://127.0.0.1:5683") == ""
    assert uri_problem("coaps://[2001:db8::1]:5684") == ""
    assert uri_problem("http://example.com/fw.bin") == ""


def test_bad_uris_say_why() -> None:
    assert "not a URL" in uri_problem("127.0.0.1:5683")
    assert "not a URL" in uri_problem("coap:/127.0.0.1")
    assert "no host" in uri_problem("coap://:5683")
    assert "not a valid URI" in uri_problem("coap://host:99999")
    assert "space" in uri_problem("coap://my host:5683")
