"""Caps that keep the server's memory bounded under a registration flood.

Each registration costs memory for as long as its lifetime runs (about 6.7 KB, plus about
250 bytes per object or instance link), and a lifetime may be up to 2³²−1 s. Without caps
distinct endpoint names grow the client table without limit. The caps and their answers:

* **clients** (:attr:`Limits.max_clients`): a Register of a *new* endpoint name once the
  table is full is answered **5.03 Service Unavailable** with Max-Age (RFC 7252 §5.9.3.4:
  the server cannot handle it now; retry after Max-Age seconds). A re-registration of a
  known name replaces its record and is always accepted.
* **objects per registration** (:attr:`Limits.max_objects`: object and instance links) and
  **objects in all** (:attr:`Limits.max_total_objects`, so that the first cap times the
  client cap is not the real ceiling): **4.00 Bad Request** — the Register/Update responses
  LwM2M 1.1.1 lists (§6.2.1, §6.2.2) are 2.01/2.04, 4.00, 4.03 and 4.04, and 4.13 would make
  a client retry the same payload with Block1 (RFC 7959 §2.9.3); the all-clients budget
  answers 5.03 like the client cap, because room frees up as other clients leave.
* **lifetime** (:attr:`Limits.max_lifetime`): ``lt`` above it is **4.00 Bad Request** with
  the maximum in the diagnostic payload. LwM2M has no way to tell a client a shorter
  lifetime, and a silently shortened one would expire a client that updates on time.

Every refusal is a ``limit`` event; under a flood, events of one kind are rate-limited to one
per second with a count of those left out.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass, field

#: Seconds a client should wait before retrying after a 5.03 (the Max-Age of the answer).
RETRY_AFTER = 60


@dataclass(slots=True)
class Limits:
    """The caps (``None``: no cap); the defaults suit a desk full of modules and load tests."""

    max_clients: int | None = 10_000
    #: Object and instance links in one Register/Update payload.
    max_objects: int | None = 1_024
    #: Object and instance links over all registrations.
    max_total_objects: int | None = 250_000
    #: Largest accepted lifetime in seconds (30 days).
    max_lifetime: int | None = 30 * 86400


@dataclass(slots=True)
class Refusal:
    """A cap that was hit: the CoAP answer and what the ``limit`` event says."""

    limit: str
    code: str
    text: str
    value: int
    cap: int


def link_count(objects: Mapping[int, object]) -> int:
    """Object plus instance links of a registration's objects (``ObjectInfo`` values)."""
    total = 0
    for info in objects.values():
        total += 1 + len(getattr(info, "instances", ()))
    return total


@dataclass(slots=True)
class RateGate:
    """At most one event a second per key; the ones left out are counted for the next.

    A flood (of registrations over a cap, of failing DTLS handshakes) would otherwise turn
    into as many events: as many JSON lines from the CLI and notices in the window.
    """

    interval: float = 1.0
    _last: dict[str, float] = field(default_factory=dict)
    _suppressed: dict[str, int] = field(default_factory=dict)

    def allow(self, key: str, now: float | None = None) -> int | None:
        """The number left out since the last event of ``key``, or None to leave this out."""
        moment = time.monotonic() if now is None else now
        last = self._last.get(key)
        if last is not None and moment - last < self.interval:
            self._suppressed[key] = self._suppressed.get(key, 0) + 1
            return None
        if len(self._last) > 1024:  # keys come from the network: keep the table bounded
            self._last.clear()
        self._last[key] = moment
        return self._suppressed.pop(key, 0)


@dataclass(slots=True)
class LimitGuard:
    """Checks requests against :class:`Limits` and rate-limits the events of the hits."""

    limits: Limits = field(default_factory=Limits)
    #: Times each cap was hit since the server started.
    hits: dict[str, int] = field(default_factory=dict)
    gate: RateGate = field(default_factory=RateGate)

    def lifetime(self, lifetime: int | None) -> Refusal | None:
        cap = self.limits.max_lifetime
        if lifetime is None or cap is None or lifetime <= cap:
            return None
        return Refusal(
            "lifetime",
            "4.00",
            f"lt={lifetime} is above this server's maximum lifetime of {cap} s",
            lifetime,
            cap,
        )

    def objects(self, count: int, others: int) -> Refusal | None:
        """``count`` links in this payload, ``others`` held by every other registration."""
        cap = self.limits.max_objects
        if cap is not None and count > cap:
            return Refusal(
                "objects",
                "4.00",
                f"{count} object and instance links; this server takes at most {cap} per "
                "registration",
                count,
                cap,
            )
        total = self.limits.max_total_objects
        if total is not None and count + others > total:
            return Refusal(
                "total_objects",
                "5.03",
                f"the server holds {others} object links of other clients and takes at most "
                f"{total} in all; retry later",
                count + others,
                total,
            )
        return None

    def clients(self, registered: int, replacing: bool) -> Refusal | None:
        cap = self.limits.max_clients
        if cap is None or replacing or registered < cap:
            return None
        return Refusal(
            "clients",
            "5.03",
            f"{registered} clients are registered, this server's maximum; retry later",
            registered + 1,
            cap,
        )

    def should_report(self, refusal: Refusal, now: float | None = None) -> int | None:
        """Count the hit; the number of events left out since the last one, or None to skip."""
        self.hits[refusal.limit] = self.hits.get(refusal.limit, 0) + 1
        return self.gate.allow(refusal.limit, now)
