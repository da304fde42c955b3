"""+ULWM2MREAD values remembered per payload: the same events, each with its own dict."""

from __future__ import annotations

from plugins.ublox_sara import decoder as sara_decoder
from workbench.app.pipeline import Pipeline, decode_log, decode_log_lines, events_of
from workbench.plugin.loader import discover_plugins

PLUGIN = discover_plugins(user=False, entry_points=False).get("ublox-sara-r5")
_READS = [
    b'+ULWM2MREAD: {"bn": "/1/10", "e": [{"n": "0", "v": 721}, {"n": "1", "v": 86400}]',
    b'+ULWM2MREAD: {"bn":"/16/0/", "e":[{"n":"0/1", "sv":"test2"}, {"n":"0/0", "sv":"test"}]} OK',
    b'+ULWM2MREAD: {"bn": "/1/10", "e": [{"n": "0", "v": 721}, {"n": "1", "v": 2592000}]}',
]


def _values(log: bytes) -> list[dict[str, object]]:
    return [e.fields["values"] for e in events_of(decode_log(log, PLUGIN)) if e.kind == "values"]


def test_a_repeated_payload_decodes_as_the_first_time() -> None:
    once = _values(b"\r\n".join(_READS))
    twice = _values(b"\r\n".join(_READS * 2))
    assert twice == once * 2
    assert once[0] == {"/1/10/0": 721, "/1/10/1": 86400}


def test_each_event_owns_its_values() -> None:
    log = b"\r\n".join([_READS[0]] * 3)
    events = [e for e in events_of(decode_log(log, PLUGIN)) if e.kind == "values"]
    # Events sharing one dict would see the change made through the one before.
    for event in events:
        assert event.fields["values"]["/1/10/0"] == 721
        event.fields["values"]["/1/10/0"] = "changed"


def test_a_full_memo_starts_again() -> None:
    pipeline = Pipeline(PLUGIN, keep_empty=True)
    assert isinstance(pipeline.decoder, sara_decoder.SaraDecoder)
    pipeline.decoder.read_memo = 1
    events = events_of(decode_log_lines(pipeline, b"\r\n".join(_READS * 3)))
    values = [e.fields["values"] for e in events if e.kind == "values"]
    assert values == _values(b"\r\n".join(_READS)) * 3
    assert len(pipeline.decoder._read_memo) == 1
