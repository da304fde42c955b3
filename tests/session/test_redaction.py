"""Secrets never reach the session file: checked on the file's raw bytes."""

from __future__ import annotations

import base64
from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st

from tests.session.helpers import T0, coap_entry, meta, writer
from workbench.module.events import Event
from workbench.server.coaplog import ServerEvent
from workbench.session import Redactor, SerialData, SessionReader
from workbench.session.redact import StreamRedactor

KNOWN = bytes.fromhex("a1b2c3d4e5f60718")  # a PSK the app configured itself
QUECTEL_KEY = "DEADBEEFCAFE0123"
IDENTITY = "urn:imei:864475040090705"
QUECTEL_CMD = (
    f'AT+QLWCFG="security",0,111,"coaps://leshan.example:5784",1,0,"{IDENTITY}","{QUECTEL_KEY}"'
)
UBLOX_CMD = (
    'AT+ULWM2MCREATE="{\\"bn\\": \\"0/2/\\", \\"e\\": [{\\"n\\": \\"0\\", \\"sv\\": '
    '\\"coaps://54.193.4.219:5684\\"}, {\\"n\\": \\"3\\", \\"sv\\": \\"MzUyNzUzMDk1Nzg3NjE4\\"},'
    ' {\\"n\\": \\"10\\", \\"v\\": 123}, {\\"n\\": \\"5\\", \\"sv\\": \\"q83vzz\\"}]}", 123'
)
ST_CMD = "AT#LWCHGRSCVAL=/0/0/5,s3cr3tvalue"
TLV_SECRET = b"tlv-secret-key-bytes"


def secret_forms() -> list[bytes]:
    return [
        KNOWN,
        KNOWN.hex().encode(),
        KNOWN.hex().upper().encode(),
        base64.b64encode(KNOWN),
        QUECTEL_KEY.encode(),
        IDENTITY.encode(),
        b"MzUyNzUzMDk1Nzg3NjE4",
        b"q83vzz",
        b"s3cr3tvalue",
        TLV_SECRET,
        b"later-added-secret",
        b"meta-password",
        b"event-psk-value",
        b"server-event-psk",
    ]


def record_everything(path: Path) -> None:
    with writer(
        path,
        meta=meta(psk="meta-password", port_note="plain"),
        secrets=[KNOWN.hex()],
    ) as w:
        # TX typed in one go, RX echo arriving byte by byte: the split must not leak.
        for command in (QUECTEL_CMD, UBLOX_CMD, ST_CMD):
            w.record_tx(command.encode() + b"\r", T0)
            data = command.encode() + b"\r\r\nOK\r\n"
            for i in range(len(data)):
                w.record_rx(data[i : i + 1], T0 + 0.001 * i)
        # Known secret in every form, split across reads.
        blob = b"key " + KNOWN + b" hex " + KNOWN.hex().encode() + b" b64 "
        blob += base64.b64encode(KNOWN) + b"\r\n"
        for i in range(0, len(blob), 3):
            w.record_rx(blob[i : i + 3], T0 + 1)
        w.record_rx(b"HEX " + KNOWN.hex().upper().encode()[:5], T0 + 1.5)
        w.record_rx(KNOWN.hex().upper().encode()[5:] + b" end\r\n", T0 + 1.6)
        w.add_secret("later-added-secret")
        w.record_rx(b"+URC: later-added-secret\r\n", T0 + 2)
        w.note(f"configured {KNOWN.hex()} on the server", T0 + 2)
        # Events: by path, by values, by setting name, and the raw line they came from.
        w.record_event(
            Event("host_request", 7, "+LWWRITE: ...", {"op": "write", "path": "/0/1/5",
                                                       "value": "event-psk-value"}),
        )  # fmt: skip
        w.record_event(
            Event("values", 8, "+ULWM2MREAD: {}", {"values": {
                "/0/1/0": "coaps://visible.example:5684", "/0/1/5": "event-psk-value",
                "/0/1/3": IDENTITY}}),
        )  # fmt: skip
        w.record_event(
            Event("setting", 9, QUECTEL_CMD, {"name": "psk_key", "value": "event-psk-value"})
        )
        # CoAP: a Bootstrap-Write of /0/1 carrying the key in its payload.
        w.record_coap(
            coap_entry(
                "out",
                3,
                path="/0/1",
                payload=b"\xc8\x05\x14" + TLV_SECRET,
                content_format=11542,
                values={"/0/1/0": "coaps://visible.example:5684", "/0/1/5": "***"},
            )
        )
        w.record_server_event(
            ServerEvent("bootstrap", "ep", {"state": "write", "psk": "server-event-psk"}, T0)
        )
        w.record_server_event(
            ServerEvent("request", "ep", {"path": "/0/1/5", "value": "server-event-psk"}, T0)
        )


def test_no_secret_in_the_file_bytes(tmp_path: Path) -> None:
    path = tmp_path / "s.wbs"
    record_everything(path)
    data = path.read_bytes()
    for form in secret_forms():
        assert form not in data, form
    # What is not secret stays readable.
    assert b"coaps://leshan.example:5784" in data
    assert b"coaps://visible.example:5684" in data
    assert b"coaps://54.193.4.219:5684" in data
    assert b"/3/0/20" not in data and b"/0/0/5,***" in data


def test_masked_records_are_flagged_and_still_decodable(tmp_path: Path) -> None:
    path = tmp_path / "s.wbs"
    record_everything(path)
    with SessionReader(path) as reader:
        summary = reader.summary()
        assert summary.reports == [] and summary.redacted >= 8
        assert reader.meta["psk"] == "***" and reader.meta["port_note"] == "plain"
        tx = [r for r in reader.records(["tx"]) if isinstance(r.body, SerialData)]
        assert tx[0].redacted and tx[0].body.redacted
        assert tx[0].body.data == (
            b'AT+QLWCFG="security",0,111,"coaps://leshan.example:5784",1,0,"***","***"\r'
        )
        rx = reader.serial_bytes("rx")
        assert b"key *** hex *** b64 ***\r\n" in rx
        assert b"HEX *** end\r\n" in rx
        events = list(reader.events())
        assert events[0]["value"] == "***" and events[0]["path"] == "/0/1/5"
        assert events[1]["values"] == {
            "/0/1/0": "coaps://visible.example:5684",
            "/0/1/5": "***",
            "/0/1/3": "***",
        }
        assert events[2]["value"] == "***" and '"***","***"' in events[2].raw
        (coap,) = list(reader.coap_log())
        assert coap.data.endswith(bytes(len(TLV_SECRET)))
        assert coap.to_dict()["payload_hex"] == f"<redacted {3 + len(TLV_SECRET)} bytes>"
        server = list(reader.server_events())
        assert server[0].data["psk"] == "***" and server[1].data["value"] == "***"


def test_stream_redactor_passes_ordinary_traffic_at_once() -> None:
    stream = StreamRedactor(Redactor([KNOWN.hex()]))
    assert stream.feed(b"+CEREG: 5\r\nOK\r\n+CSQ: 20,99") == b"+CEREG: 5\r\nOK\r\n+CSQ: 20,99"
    assert stream.holding == 0
    # A line that may carry a key waits for its end, then comes out masked.
    assert stream.feed(b'AT+QLWCFG="security",0,1,"coaps://h",1,0,"id","AB') == b""
    assert stream.holding > 0
    assert stream.feed(b'CD"\r') == b'AT+QLWCFG="security",0,1,"coaps://h",1,0,"***","***"\r'
    assert stream.redacted
    # The start of a known secret at the end of a read is held until it is decided.
    assert stream.feed(b"x " + KNOWN.hex().encode()[:4]) == b"x "
    assert stream.feed(KNOWN.hex().encode()[4:] + b" y") == b"*** y"
    assert stream.flush() == b""


def test_redactor_rules_on_text() -> None:
    redactor = Redactor()
    assert redactor.text(ST_CMD) == "AT#LWCHGRSCVAL=/0/0/5,***"
    assert redactor.text("AT#LWCHGRSCVAL=/3/0/20,75") == "AT#LWCHGRSCVAL=/3/0/20,75"
    assert redactor.text('AT+QLWCFG="security",0') == 'AT+QLWCFG="security",0'
    assert redactor.text('+QLWCFG: "security",0,101,"coaps://h:5784",1,0') == (
        '+QLWCFG: "security",0,101,"coaps://h:5784",1,0'
    )
    short = Redactor(["abc"])  # too short to match safely: ignored rather than masking noise
    assert short.text("abc abc") == "abc abc"
    assert redactor.mapping({"Password": "x", "nested": [{"secret_key": "y"}]}) == {
        "Password": "***",
        "nested": [{"secret_key": "***"}],
    }


def test_every_split_point_gives_the_same_masked_line() -> None:
    redactor = Redactor([KNOWN.hex()])
    lines = [
        QUECTEL_CMD.encode() + b"\r\n",
        UBLOX_CMD.encode() + b"\r\n",
        ST_CMD.encode() + b"\r\n",
        b"+X: " + KNOWN.hex().encode() + b"," + base64.b64encode(KNOWN) + b"\r\n",
    ]
    for line in lines:
        whole = redactor.line(line)
        for a in range(len(line) + 1):
            for b in (a, min(len(line), a + 1), min(len(line), a + 7)):
                stream = StreamRedactor(redactor)
                out = stream.feed(line[:a]) + stream.feed(line[a:b]) + stream.feed(line[b:])
                out += stream.flush()
                assert out == whole, (line, a, b)
                for form in secret_forms():
                    assert form not in out


def test_text_fast_path_masks_exactly_what_the_byte_rules_mask() -> None:
    """``Redactor.text`` skips encoding a string with no trigger word (issue 17); on trigger
    words in any case, non-ASCII letters that fold to ASCII ones (the Kelvin sign, long s),
    surrogate escapes and plain text it gives what the byte rules give."""
    redactor = Redactor()
    samples = [
        'AT+QLWCFG="security",0,100,"coaps://x",0,3,"id","00112233"',
        'at+qlwcfg="SECURITY",0,100,"coaps://x",0,3,"id","psk"',
        'AT+ULWM2MWRITE="/0/0/5","secret"',
        "+ULWM2MCREATE: {bn:/0/1/}",
        "ＱLWCFG only looks like one",  # fullwidth Q: not the ASCII trigger
        "\u212a and \u017f are not k and s here",
        "bad byte \udcff kept",
        "+CESQ: 99,99,255,255,28,55",
        "/3/0/0 is not /0/ but /0/0/3 is",
        "",
    ]
    for text in samples:
        data = text.encode("utf-8", "surrogateescape")
        expected = redactor.line(data).decode("utf-8", "surrogateescape")
        assert redactor.text(text) == expected, text
    assert redactor.text("+CESQ: 99,99,255,255,28,55") == "+CESQ: 99,99,255,255,28,55"
    assert "00112233" not in redactor.text(samples[0])


_PIECES = st.sampled_from(
    ["QLWCFG", "qlwcfg", "ULWM2MWRITE", "ulwm2mcreate", "/0/", "/3/", '"security"', ",", '"',
     "=", "+", "\u212a", "\udcff", "é", " ", "bn\\\":\\\"/0/1", "00112233"]
)  # fmt: skip


@given(st.lists(st.one_of(_PIECES, st.text(max_size=4)), max_size=12).map("".join))
def test_text_fast_path_agrees_with_the_byte_rules_on_any_text(text: str) -> None:
    redactor = Redactor()
    data = text.encode("utf-8", "surrogateescape")
    assert redactor.text(text) == redactor.line(data).decode("utf-8", "surrogateescape")
