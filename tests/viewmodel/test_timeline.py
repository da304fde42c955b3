"""The timeline's pure core: event classification, CoAP labels, the columnar store."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pytest

from workbench.module.events import Event
from workbench.server.coaplog import CoapLogEntry
from workbench.server.coapwire import MessageType, encode_message, parse_datagram
from workbench.viewmodel.timeline import (
    CoapRows,
    Lane,
    TimelineStore,
    Tone,
    classify_event,
    coap_label,
    describe_coap,
    rows_from_lines,
)


@dataclass(frozen=True)
class _Line:
    seq: int
    host_time: float
    events: tuple[Event, ...]


def _event(kind: str, **fields: object) -> Event:
    return Event(kind, 1, f"+RAW: {kind}", dict(fields))


def _coap(
    direction: str,
    code: int,
    token: bytes = b"\x01\x02",
    path: str | None = None,
    t: float = 100.0,
    mtype: MessageType = MessageType.CON,
    options: list[tuple[int, bytes]] | None = None,
    payload: bytes = b"",
) -> CoapLogEntry:
    data = encode_message(mtype, code, 0x1234, token, options, payload)
    return CoapLogEntry(
        direction, "127.0.0.1:56830", data, time=t, message=parse_datagram(data), path=path
    )


@pytest.mark.parametrize(
    ("event", "lane", "tone", "label"),
    [
        (_event("registration", server="1", state="registered"), Lane.REGISTRATION, Tone.GOOD,
         "registered · srv 1"),
        (_event("registration", server="1", state="pending"), Lane.REGISTRATION, Tone.PENDING,
         "pending · srv 1"),
        (_event("bootstrap", state="failed"), Lane.REGISTRATION, Tone.BAD, "bootstrap failed"),
        (_event("update_timer", server="1", seconds=60), Lane.REGISTRATION, Tone.INFO,
         "update in 60 s · srv 1"),
        (_event("client", state="ready"), Lane.CLIENT, Tone.GOOD, "client ready"),
        (_event("connection", state="suspended"), Lane.CLIENT, Tone.PENDING,
         "connection suspended"),
        (_event("notify", server="1", path="/3303/0/5700"), Lane.NOTIFY, Tone.INFO,
         "notify /3303/0/5700"),
        (_event("observe", path="/3/0", active=False), Lane.NOTIFY, Tone.PENDING,
         "cancel observe /3/0"),
        (_event("host_request", op="read", path="/3/0/0"), Lane.HOST, Tone.PENDING,
         "read /3/0/0"),
        (_event("error", text="+CME ERROR", code=50), Lane.ERRORS, Tone.BAD, "+CME ERROR (50)"),
    ],
)  # fmt: skip
def test_events_land_in_their_lanes(event: Event, lane: Lane, tone: Tone, label: str) -> None:
    assert classify_event(event) == (lane, tone, label)


def test_generic_at_events_are_not_on_the_timeline() -> None:
    assert classify_event(_event("signal", rssi=20)) is None
    assert classify_event(_event("result", ok=True)) is None


def test_rows_from_lines_reference_the_terminal_seq() -> None:
    lines = [
        _Line(7, 10.0, (_event("registration", server="1", state="registered"),)),
        _Line(8, 11.0, (_event("signal"),)),
        _Line(9, 12.0, (_event("notify", path="/3/0/9"), _event("error", text="ERROR"))),
    ]
    rows = rows_from_lines(lines)
    assert [(r[0], r[1], r[4]) for r in rows] == [
        (10.0, Lane.REGISTRATION, 7),
        (12.0, Lane.NOTIFY, 9),
        (12.0, Lane.ERRORS, 9),
    ]


def test_coap_labels_pair_responses_with_their_request() -> None:
    uri = [(11, b"rd")]
    request = _coap("in", 2, path="/rd", options=uri)
    answer = _coap("out", 65, mtype=MessageType.ACK)  # 2.01, no path in the log entry
    other_peer = _coap("out", 65, mtype=MessageType.ACK)
    other_peer.peer = "10.0.0.9:1"
    rows = CoapRows()
    assert rows.row(request, 0)[1:4] == (Lane.COAP_IN, Tone.INFO, "POST /rd")
    assert rows.row(answer, 1)[1:4] == (Lane.COAP_OUT, Tone.GOOD, "2.01 Created /rd")
    assert rows.row(other_peer, 2)[3] == "2.01 Created"  # another peer's token: no guess
    assert rows.path_of(answer) == "/rd"


def test_coap_labels_for_errors_observe_and_empty_messages() -> None:
    assert coap_label(_coap("in", 132, path="/3/0")) == (Tone.BAD, "4.04 Not Found /3/0")
    observe = _coap("out", 1, path="/3303/0/5700", options=[(6, b"")])
    assert coap_label(observe) == (Tone.INFO, "GET observe /3303/0/5700")
    notify = _coap("in", 69, path="/3303/0/5700", options=[(6, b"\x05")])
    assert coap_label(notify) == (Tone.GOOD, "2.05 Content notify /3303/0/5700")
    assert coap_label(_coap("in", 0, token=b"", mtype=MessageType.RST)) == (Tone.BAD, "RST")
    bad = CoapLogEntry("in", "127.0.0.1:1", b"\xff", time=1.0, problem="too short")
    assert coap_label(bad) == (Tone.BAD, "malformed (too short)")


def test_describe_coap_shows_the_message() -> None:
    entry = _coap(
        "in",
        2,
        path="/rd",
        options=[(11, b"rd"), (15, b"ep=node-1"), (12, b"\x28")],
        payload=b"</3/0>",
    )
    text = describe_coap(entry)
    assert "module → server" in text
    assert "CON POST /rd" in text
    assert "mid 4660" in text and "token 0102" in text
    assert "Uri-Query=ep=node-1" in text
    assert "Uri-Path" not in text
    assert "payload: </3/0>" in text


def test_store_ranges_and_out_of_order_batches() -> None:
    store = TimelineStore()
    store.extend([(5.0, 1, 0, "b", 2), (1.0, 1, 1, "a", 1), (9.0, 5, 2, "c", 0)])
    store.extend([(3.0, 1, 0, "b", 3)])  # arrives late
    assert [i.time for i in store.items(1)] == [1.0, 3.0, 5.0]
    assert [i.ref for i in store.items(1)] == [1, 3, 2]
    assert store.range(1, 2.0, 5.0) == (1, 3)
    assert store.range(1, 6.0, 7.0) == (3, 3)
    assert store.span() == (1.0, 9.0)
    assert len(store) == 4 and store.count(5) == 1
    assert store.item(5, 0).is_coap and not store.item(1, 0).is_coap
    assert store.find_ref(1, 3) == 1 and store.find_ref(1, 99) is None


def test_labels_are_interned_once() -> None:
    store = TimelineStore()
    store.extend([(float(i), 0, 0, "registered", i) for i in range(1000)])
    assert store.label_ids(0).max() == 0
    assert store.item(0, 999).label == "registered"


def test_nearest_respects_the_tolerance() -> None:
    store = TimelineStore()
    store.extend([(10.0, 2, 0, "x", 1), (20.0, 2, 0, "y", 2)])
    assert store.nearest(2, 11.0, 2.0) == 0
    assert store.nearest(2, 18.5, 2.0) == 1
    assert store.nearest(2, 15.0, 2.0) is None
    assert store.nearest(3, 15.0, 100.0) is None


def test_decimate_keeps_one_mark_per_pixel_and_tone() -> None:
    store = TimelineStore()
    n = 200_000
    times = np.linspace(0.0, 1000.0, n)
    tones = np.arange(n) % 3
    store.extend_arrays(0, times, tones, np.zeros(n), np.arange(n))
    idx = store.decimate(0, 0.0, 1000.0, 500)
    assert 500 * 3 <= len(idx) <= 501 * 3
    assert set(store.tones(0)[idx].tolist()) == {0, 1, 2}
    # Every pixel column keeps a mark (nothing disappears when zoomed out).
    columns = np.floor(store.times(0)[idx] / 2.0).astype(int)
    assert len(set(columns.tolist())) >= 500
    # Zoomed in: every event comes back.
    assert len(store.decimate(0, 100.0, 100.5, 500)) == len(range(*store.range(0, 100.0, 100.5)))
    # Panning keeps the same representatives where the ranges overlap.
    a = set(store.decimate(0, 0.0, 1000.0, 500).tolist())
    b = set(store.decimate(0, 100.0, 1100.0, 500).tolist())
    overlap = {i for i in a if store.times(0)[i] >= 102.0}
    assert overlap <= b


def test_clear_some_lanes_keeps_others() -> None:
    store = TimelineStore()
    store.extend([(1.0, 0, 0, "a", 1), (2.0, 5, 0, "b", 0)])
    store.clear([0])
    assert store.count(0) == 0 and store.count(5) == 1
    assert store.item(5, 0).label == "b"
    store.clear()
    assert len(store) == 0 and store.span() is None
