"""Child process for the SIGKILL test: records serial data until killed.

Run as ``python -m tests.session.crash_writer PATH``. Prints ``durable N`` whenever the
writer reports its first N records durable (the parent kills it at a random moment after
that), so the parent knows exactly which records must survive.
"""

from __future__ import annotations

import sys
import time

from workbench.session import SessionMeta, SessionWriter

T0 = 1_700_000_000.0


#: Filler alphabet: module-like text without the letters that make the redactor hold a
#: partial line back (q, u, /), so every call becomes exactly one record.
_ALPHABET = b"abcdefghijklmnoprstvwxyz0123456789 ,:+\r\n"


def payload(i: int) -> bytes:
    """Record i's bytes: its number, then a deterministic filler (some records are big, so
    a kill can land in the middle of a large write)."""
    size = 300_000 if i % 97 == 96 else (i * 37) % 1500
    block = bytes(_ALPHABET[(i + k) % len(_ALPHABET)] for k in range(251))
    return b"%08d\n" % i + (block * (size // 251 + 1))[:size] + b"\n"


def main(path: str) -> None:
    def report(durable: int) -> None:
        sys.stdout.write(f"durable {durable}\n")
        sys.stdout.flush()

    writer = SessionWriter(
        path,
        SessionMeta(plugin="example", port="sim://example", started=T0),
        on_sync=report,
        sync_interval=0.05,
        write_interval=0.01,
    )
    i = 0
    while True:
        writer.record_rx(payload(i), T0 + i / 1000)
        i += 1
        if i % 20 == 0:
            time.sleep(0.001)


if __name__ == "__main__":
    main(sys.argv[1])
