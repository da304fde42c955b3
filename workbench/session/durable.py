"""Making bytes durable: the platform differences in one place.

``os.fsync`` means different things per platform: on Linux it flushes the file's dirty pages
and (on ext4/xfs/btrfs with default barriers) the drive's write cache; on Windows Python maps
it to ``FlushFileBuffers``, which does the same; on macOS it only hands the data to the drive,
whose cache may still lose it on power failure — ``fcntl(F_FULLFSYNC)`` is what flushes that
cache (see ECOSYSTEM.md, "Crash-safe files"). Some file systems (network shares, FAT on
macOS) refuse F_FULLFSYNC; then plain fsync is the best there is.
"""

from __future__ import annotations

import os
import sys


def full_fsync(fd: int) -> None:
    """Flush ``fd`` to stable storage as far as the platform allows."""
    if sys.platform == "darwin":
        import fcntl

        full = getattr(fcntl, "F_FULLFSYNC", None)
        if full is not None:
            try:
                fcntl.fcntl(fd, full)
                return
            except OSError:
                pass
    os.fsync(fd)


def fsync_directory(path: str | os.PathLike[str]) -> None:
    """Make a new directory entry durable (a created file survives power loss, not just its
    data). Windows cannot open directories for this and does not need it: no-op there."""
    if os.name == "nt":
        return
    fd = os.open(os.fspath(path), os.O_RDONLY)
    try:
        full_fsync(fd)
    except OSError:
        pass  # some file systems do not support fsync on directories; nothing more to do
    finally:
        os.close(fd)
