"""A registration flood from its own process: distinct endpoint names over loopback UDP.

Run as ``python -m tests.server.flood HOST PORT PREFIX COUNT PAYLOAD``; prints one JSON list
of ``[code, max_age]`` per Register (``null`` when no answer came after five tries). Its own
process keeps the client's memory out of the server's measurements (tests/server/test_limits
and bench/bench_limits). Bounded: ``window`` requests in flight, five tries each, 2 s apart.
"""

from __future__ import annotations

import asyncio
import json
import pathlib
import socket
import sys
import time

from workbench.server.coapwire import MessageType, encode_message, parse_datagram

ROOT = pathlib.Path(__file__).resolve().parents[2]
#: A new socket before message ids wrap: the server's duplicate cache keys on (peer, mid).
MIDS_PER_SOCKET = 60_000


def flood(
    host: str, port: int, names: list[str], payload: bytes, window: int = 25
) -> list[list[int | None] | None]:
    """Register every name, ``window`` at a time; the answers' codes and Max-Age options."""
    results: dict[int, list[int | None]] = {}
    sock: socket.socket | None = None
    try:
        for start in range(0, len(names), window):
            if start % MIDS_PER_SOCKET < window or sock is None:
                if sock is not None:
                    sock.close()
                sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
                sock.settimeout(0.5)
            batch = range(start, min(start + window, len(names)))
            for _attempt in range(5):
                missing = [index for index in batch if index not in results]
                if not missing:
                    break
                for index in missing:
                    options = [(11, b"rd"), (12, b"\x28"), (15, f"ep={names[index]}".encode())]
                    mid = index % MIDS_PER_SOCKET
                    message = encode_message(MessageType.CON, 2, mid, b"fl", options, payload)
                    sock.sendto(message, (host, port))
                deadline = time.monotonic() + 2
                while any(i not in results for i in batch) and time.monotonic() < deadline:
                    try:
                        answer = parse_datagram(sock.recv(4096))
                    except TimeoutError:
                        continue
                    index = start - start % MIDS_PER_SOCKET + answer.mid
                    max_age = answer.option_values(14)
                    age = int.from_bytes(max_age[0], "big") if max_age else None
                    results[index] = [answer.code, age]
    finally:
        if sock is not None:
            sock.close()
    return [results.get(index) for index in range(len(names))]


async def run_flood(
    address: tuple[str, int], prefix: str, count: int, payload: bytes
) -> list[list[int | None] | None]:
    """:func:`flood` of ``count`` names ``PREFIX0``... from a child process (asyncio-friendly)."""
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "tests.server.flood",
        address[0],
        str(address[1]),
        prefix,
        str(count),
        payload.decode(),
        stdout=asyncio.subprocess.PIPE,
        cwd=str(ROOT),
    )
    out, _ = await proc.communicate()
    if proc.returncode != 0:
        raise RuntimeError(f"the flood client failed with exit code {proc.returncode}")
    answers: list[list[int | None] | None] = json.loads(out)
    return answers


def main(argv: list[str]) -> int:
    host, port, prefix, count, payload = argv
    names = [f"{prefix}{index}" for index in range(int(count))]
    print(json.dumps(flood(host, int(port), names, payload.encode())))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
