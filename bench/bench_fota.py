"""FOTA benchmark (not a test): pull and push throughput over loopback for each block size.

    .venv/bin/python bench/bench_fota.py [--size 1048576] [--blocks 64,128,256,512,1024]

For each block size the built-in server updates one client engine (on its own socket, same
event loop, 127.0.0.1) with a random package of ``--size`` bytes, once by pull (the client's
block-wise GETs of the server's ``/fw/`` resource) and once by push (the server's Block1
writes of /5/0/0). The time measured is the transfer only: from the server writing the
Package URI / sending the first block to the client reporting State Downloaded. Every run
must end with the package's hash in /3/0/3, or the line says FAILED.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from workbench.client import ClientConfig, LwM2MClient  # noqa: E402
from workbench.client.firmware import FirmwareOptions  # noqa: E402
from workbench.server import LwM2MServer, ServerConfig  # noqa: E402
from workbench.server.fota import FirmwarePackage, FotaOptions  # noqa: E402


async def one(method: str, block: int, package: FirmwarePackage) -> tuple[float, int, bool]:
    """Seconds of transfer, blocks and whether the update ended with the hash in /3/0/3."""
    server = LwM2MServer("127.0.0.1", 0, config=ServerConfig(request_timeout=10))
    await server.start()
    marks: dict[str, float] = {}

    def seen(event: Any) -> None:
        if event.kind != "fota":
            return
        step = event.data["step"]
        if step in ("uri_written", "push_started") and "start" not in marks:
            marks["start"] = time.perf_counter()
        if step == "downloaded" and "end" not in marks:
            marks["end"] = time.perf_counter()

    server.events.subscribe(seen)
    host, port = server.address
    options = FirmwareOptions(
        max_block_size=block, storage=64 * 1024 * 1024, update_time=0.01, reboot_time=0.01
    )
    client = LwM2MClient(
        "bench", f"coap://{host}:{port}", firmware=options, config=ClientConfig(lifetime=300)
    )
    try:
        await client.start(timeout=10)
        while "bench" not in server.clients:
            await asyncio.sleep(0.01)
        outcome = await server.fota.update(
            "bench", package, FotaOptions(method=method, block_size=block, poll_interval=5)
        )
    finally:
        await client.stop()
        await server.stop()
    ok = bool(outcome.ok and outcome.hash_match)
    return marks.get("end", 0.0) - marks.get("start", 0.0), outcome.blocks, ok


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=1024 * 1024)
    parser.add_argument("--blocks", default="64,128,256,512,1024")
    args = parser.parse_args()
    package = FirmwarePackage("bench.bin", os.urandom(args.size))
    print(f"FOTA over 127.0.0.1, package {args.size} bytes ({args.size / 1024:.0f} KB)")
    print(f"{'method':<6} {'block':>5} {'blocks':>7} {'seconds':>8} {'KB/s':>9} {'blocks/s':>9}")
    for block in (int(b) for b in args.blocks.split(",")):
        for method in ("pull", "push"):
            seconds, blocks, ok = asyncio.run(one(method, block, package))
            rate = args.size / 1024 / seconds if seconds > 0 else 0.0
            per_second = blocks / seconds if seconds > 0 else 0.0
            flag = "" if ok else "  FAILED"
            print(
                f"{method:<6} {block:>5} {blocks:>7} {seconds:>8.2f} {rate:>9.1f} "
                f"{per_second:>9.0f}{flag}",
                flush=True,
            )


if __name__ == "__main__":
    main()
