"""End to end on loopback: the built-in server's CoAP log and events recorded, then exported."""

from __future__ import annotations

import asyncio
import io
import shutil
import subprocess
from pathlib import Path

from tests.client.helpers import free_udp_port, run
from tests.session.helpers import writer
from workbench.client import ClientConfig, LwM2MClient
from workbench.server import LwM2MServer
from workbench.session import SessionMeta, SessionReader
from workbench.session.export import export_coap_pcapng
from workbench.session.pcapng import parse_ip_udp, read_pcapng


def test_record_a_real_registration(tmp_path: Path) -> None:
    path = tmp_path / "live.wbs"
    port = free_udp_port()
    meta = SessionMeta(plugin="example", server_address=f"127.0.0.1:{port}")

    async def scenario() -> None:
        server = LwM2MServer("127.0.0.1", port)
        with writer(path, meta=meta) as w:
            server.coap_log.subscribe(w.record_coap)
            server.events.subscribe(w.record_server_event)
            await server.start()
            client = LwM2MClient(
                "rec-ep", f"coap://127.0.0.1:{port}", config=ClientConfig(lifetime=60)
            )
            try:
                await client.start(timeout=5)
                for _ in range(100):
                    if "rec-ep" in server.clients:
                        break
                    await asyncio.sleep(0.02)
                result = await server.read("rec-ep", "/3/0/0", timeout=5)
                assert result.code == "2.05"
            finally:
                await client.stop()
                await server.stop()

    run(scenario())
    with SessionReader(path) as reader:
        summary = reader.summary()
        assert summary.reports == [] and summary.complete
        kinds = [e.kind for e in reader.server_events()]
        assert "registered" in kinds
        entries = list(reader.coap_log())
        register = next(e for e in entries if e.to_dict().get("path") == "/rd")
        assert register.direction == "in" and register.to_dict()["method"] == "POST"
        buffer = io.BytesIO()
        count = export_coap_pcapng(reader, buffer)
    packets = read_pcapng(buffer.getvalue()).packets
    assert count == len(entries) == len(packets) >= 4
    first = parse_ip_udp(packets[0].data)
    assert first.dport == port and first.udp_checksum_ok
    tshark = shutil.which("tshark")
    if tshark is not None:
        out = tmp_path / "live.pcapng"
        out.write_bytes(buffer.getvalue())
        result = subprocess.run(
            [tshark, "-n", "-r", str(out), "-d", f"udp.port=={port},coap", "-T", "fields",
             "-e", "coap.code", "-e", "coap.opt.uri_path"],
            capture_output=True, text=True, timeout=120, check=False,
        )  # fmt: skip
        assert result.returncode == 0, result.stderr
        assert "2\trd" in result.stdout  # POST /rd seen by Wireshark's CoAP dissector
        assert "69" in result.stdout.split()  # 2.05 Content
