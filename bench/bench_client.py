"""How much do N simulated clients cost in one process? (``python bench/bench_client.py 1000``)

Each client owns an aiocoap server context with its own UDP socket on 127.0.0.1, as a real
device has its own source port. Prints registration throughput, resident memory and file
descriptors before/after, and de-registration time, against a plain aiocoap registration
server from the test suite running in the same process (so the figures include both ends).
"""

from __future__ import annotations

import asyncio
import os
import resource
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.client.mini_server import MiniServer
from workbench.client import ClientConfig, LwM2MClient
from workbench.client.defaults import default_registry


def rss_mb() -> float:
    try:
        with open("/proc/self/statm") as handle:
            pages = int(handle.read().split()[1])
        return pages * os.sysconf("SC_PAGE_SIZE") / 2**20
    except OSError:
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def open_fds() -> int:
    try:
        return len(os.listdir("/proc/self/fd"))
    except OSError:
        return -1


async def main(count: int, batch: int) -> None:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < count + 100:
        resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, count + 200), hard))
    async with MiniServer() as server:
        base_rss, base_fds = rss_mb(), open_fds()
        registry = default_registry()  # shared, as the CLI does
        clients = [
            LwM2MClient(f"bench-{i:05d}", server.url, registry, config=ClientConfig(lifetime=600))
            for i in range(count)
        ]
        built = rss_mb()
        started = time.perf_counter()
        for offset in range(0, count, batch):
            await asyncio.gather(*(c.start(timeout=60) for c in clients[offset : offset + batch]))
        register_s = time.perf_counter() - started
        loaded_rss, loaded_fds = rss_mb(), open_fds()
        started = time.perf_counter()
        await asyncio.gather(*(c.stop() for c in clients))
        stop_s = time.perf_counter() - started
        print(f"clients            {count} (started {batch} at a time)")
        print(
            f"registered         {count - len([c for c in clients if c.registered])}"
            f" de-registered; server saw {server.ops().count('register')} registers"
        )
        print(f"register time      {register_s:.2f} s ({count / register_s:.0f} reg/s)")
        print(f"stop time          {stop_s:.2f} s")
        print(
            f"RSS                {base_rss:.1f} MB -> objects {built:.1f} MB"
            f" -> registered {loaded_rss:.1f} MB"
            f" ({(loaded_rss - base_rss) * 1024 / count:.0f} KiB per client)"
        )
        print(f"file descriptors   {base_fds} -> {loaded_fds}")


if __name__ == "__main__":
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 1000
    size = int(sys.argv[2]) if len(sys.argv) > 2 else 100
    asyncio.run(main(n, size))
