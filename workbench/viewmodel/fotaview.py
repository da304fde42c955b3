"""What a FOTA view shows, folded from the server's ``fota`` events (Qt-free).

The window's FOTA panel draws one :class:`FotaProgress` per endpoint: bytes of total, rate,
ETA, State and Update Result in the TS's words (OMA-TS-LightweightM2M Core E.6), and the
history of the steps. The CLI prints the same events; tests fold them here without Qt.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any


def human_bytes(count: float) -> str:
    if count < 1024:
        return f"{int(count)} B"
    if count < 1024 * 1024:
        return f"{count / 1024:.1f} KB"
    return f"{count / 1024 / 1024:.2f} MB"


def human_seconds(seconds: float | None) -> str:
    if seconds is None:
        return "–"
    s = max(0, round(seconds))
    return f"{s // 60} min {s % 60:02d} s" if s >= 60 else f"{s} s"


@dataclass
class HistoryRow:
    time: float
    step: str
    state: str
    result: int | None
    result_text: str


@dataclass
class FotaProgress:
    """One endpoint's update as the events told it."""

    endpoint: str
    method: str = ""
    step: str = ""
    state: str = "idle"
    result: int | None = None
    result_text: str = ""
    bytes: int = 0
    total: int = 0
    blocks: int = 0
    rate: float = 0.0
    error: str | None = None
    firmware_version: str | None = None
    history: list[HistoryRow] = field(default_factory=list)

    @property
    def finished(self) -> bool:
        return self.step in ("finished", "failed")

    @property
    def ok(self) -> bool:
        return self.step == "finished"

    @property
    def percent(self) -> int:
        return int(100 * self.bytes / self.total) if self.total else 0

    @property
    def eta(self) -> float | None:
        """Seconds left of the transfer at the current rate (None before a rate is known)."""
        if self.rate <= 0 or not self.total or self.bytes >= self.total:
            return None if self.bytes < self.total else 0.0
        return (self.total - self.bytes) / self.rate

    def summary(self) -> str:
        """``102.4 KB of 200.0 KB · 85.3 KB/s · ETA 1 s · 100 blocks``."""
        parts = [f"{human_bytes(self.bytes)} of {human_bytes(self.total)}"]
        parts.append(f"{human_bytes(self.rate)}/s")
        if not self.finished:
            parts.append(f"ETA {human_seconds(self.eta)}")
        parts.append(f"{self.blocks} blocks")
        return " · ".join(parts)

    def verdict(self) -> str:
        """One line for the status label: the result in words, or what is going on."""
        if self.ok:
            version = f" — firmware {self.firmware_version}" if self.firmware_version else ""
            return f"Updated: {self.result_text}{version}"
        if self.step == "failed":
            why = self.result_text if self.result not in (None, 0, 1) else (self.error or "")
            code = f" (Update Result {self.result})" if self.result not in (None, 0, 1) else ""
            return f"Failed: {why}{code}"
        if self.step == "awaiting_confirmation":
            return "Downloaded — press Update to apply it"
        return f"{self.state}{' · ' + self.method if self.method else ''}"

    def feed(self, data: dict[str, Any], when: float | None = None) -> None:
        """Fold one ``fota`` event's data (its ``to_dict()`` or its ``data``)."""
        self.step = str(data.get("step", self.step))
        self.method = str(data.get("method") or self.method)
        self.state = str(data.get("state") or self.state)
        result = data.get("result")
        self.result = result if isinstance(result, int) else self.result
        self.result_text = str(data.get("result_text") or self.result_text)
        for name in ("bytes", "total", "blocks"):
            value = data.get(name)
            if isinstance(value, int):
                setattr(self, name, value)
        rate = data.get("rate")
        if isinstance(rate, (int, float)):
            self.rate = float(rate)
        if data.get("error"):
            self.error = str(data["error"])
        if data.get("firmware_version"):
            self.firmware_version = str(data["firmware_version"])
        if self.step != "progress":
            self.history.append(
                HistoryRow(
                    when if when is not None else time.time(),
                    self.step,
                    self.state,
                    self.result,
                    self.result_text,
                )
            )


class FotaBoard:
    """The progress of every endpoint, from a stream of server events."""

    def __init__(self) -> None:
        self.endpoints: dict[str, FotaProgress] = {}

    def feed(self, kind: str, endpoint: str | None, data: dict[str, Any], when: float) -> bool:
        """Fold a server event; ``True`` when it was a ``fota`` event."""
        if kind != "fota" or endpoint is None:
            return False
        progress = self.endpoints.get(endpoint)
        if progress is None or (data.get("step") == "started" and progress.finished):
            progress = FotaProgress(endpoint)
            self.endpoints[endpoint] = progress
        progress.feed(data, when)
        return True
