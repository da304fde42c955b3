"""The timeline's event store: decoded module events and CoAP messages on one clock.

The timeline panel draws lanes (client, registration, notifications, host requests, errors,
CoAP in/out) of things that happened, and must stay fluid with a million of them. So the store
is columnar — per lane, numpy arrays of time, tone (colour class), label id and reference —
kept sorted by time, and answers the two questions a frame needs in O(log n + visible):

* :meth:`TimelineStore.decimate` — which events to draw for a time range at a given pixel
  width: one representative per (pixel column, tone), so a frame never draws more than
  ``columns × tones`` marks per lane whatever the zoom (level of detail);
* :meth:`TimelineStore.nearest` — the event under the mouse, at full resolution.

Rows come from two sources that share the wall clock (``time.time()``):
:func:`rows_from_lines` turns terminal lines (their decoded events; the reference is the
line's ``seq``, so a click can show the line) and :func:`row_from_coap` turns one entry of the
built-in server's CoAP log (the reference is the entry's index in the panel's list).

Labels repeat a lot ("registered", "POST /rd"): they are interned once and stored as ids, which
keeps a million events at a few tens of bytes each. Pure: no Qt, no I/O.
"""

from __future__ import annotations

import enum
import math
from collections import OrderedDict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

import numpy as np
import numpy.typing as npt

from workbench.module.events import Event, Kind
from workbench.module.words import plain


class Lane(enum.IntEnum):
    """Timeline lanes, top to bottom."""

    CLIENT = 0
    REGISTRATION = 1
    NOTIFY = 2
    HOST = 3
    ERRORS = 4
    COAP_IN = 5
    COAP_OUT = 6
    FOTA = 7


LANE_TITLES: dict[Lane, str] = {
    Lane.CLIENT: "Client",
    Lane.REGISTRATION: "Registration",
    Lane.NOTIFY: "Notify / observe",
    Lane.HOST: "Host requests",
    Lane.ERRORS: "Errors",
    Lane.COAP_IN: "CoAP ← module",
    Lane.COAP_OUT: "CoAP → module",
    Lane.FOTA: "FOTA",
}

#: Lanes whose reference is an index into the CoAP log (the others hold a terminal ``seq``).
COAP_LANES = frozenset({Lane.COAP_IN, Lane.COAP_OUT})


class Tone(enum.IntEnum):
    """What an event means for the user, which picks its colour."""

    INFO = 0
    GOOD = 1
    BAD = 2
    PENDING = 3


TONES = len(Tone)

_GOOD = frozenset({"registered", "updated", "ready", "finished", "created", "resumed"})
_BAD = frozenset(
    {"failed", "update_failed", "deregistered", "disabled", "stopped", "closed", "holdoff"}
)
_PENDING = frozenset(
    {
        "pending",
        "update_pending",
        "retrying",
        "deregistering",
        "initialising",
        "bootstrapping",
        "registering",
        "started",
        "suspended",
    }
)

#: Event kinds per lane (other kinds, e.g. the generic AT ones, are not on the timeline).
_LANE_OF_KIND: dict[str, Lane] = {
    Kind.CLIENT: Lane.CLIENT,
    Kind.CONNECTION: Lane.CLIENT,
    Kind.REGISTRATION: Lane.REGISTRATION,
    Kind.BOOTSTRAP: Lane.REGISTRATION,
    Kind.UPDATE_TIMER: Lane.REGISTRATION,
    Kind.NOTIFY: Lane.NOTIFY,
    Kind.OBSERVE: Lane.NOTIFY,
    Kind.HOST_REQUEST: Lane.HOST,
    Kind.DOWNLINK: Lane.HOST,
    Kind.ERROR: Lane.ERRORS,
    # The module's own restart (reboot/boot URCs) sits on the FOTA lane beside the server's
    # update steps, so the reboot an Update caused shows next to it.
    Kind.BOOT: Lane.FOTA,
}

Row = tuple[float, int, int, str, int]
"""``(time, lane, tone, label, reference)`` — one timeline event before it is stored."""


def _tone_of_state(state: str) -> Tone:
    if state in _GOOD:
        return Tone.GOOD
    if state in _BAD:
        return Tone.BAD
    if state in _PENDING:
        return Tone.PENDING
    return Tone.INFO


def _server_suffix(event: Event) -> str:
    server = event.get("server")
    return f" · srv {server}" if server not in (None, "") else ""


def classify_event(event: Event) -> tuple[Lane, Tone, str] | None:
    """Lane, tone and short label of a decoded event, or None when it is not on the timeline."""
    lane = _LANE_OF_KIND.get(event.kind)
    if lane is None:
        return None
    kind = event.kind
    state = str(event.get("state") or "")
    if kind == Kind.CLIENT:
        return lane, _tone_of_state(state), f"client {plain(state) or '?'}"
    if kind == Kind.CONNECTION:
        words = plain(state) or "?"
        return lane, _tone_of_state(state), f"connection {words}{_server_suffix(event)}"
    if kind == Kind.REGISTRATION:
        words = plain(state) or "registration"
        return lane, _tone_of_state(state), f"{words}{_server_suffix(event)}"
    if kind == Kind.BOOTSTRAP:
        words = plain(state) or "?"
        return lane, _tone_of_state(state), f"bootstrap {words}{_server_suffix(event)}"
    if kind == Kind.UPDATE_TIMER:
        return lane, Tone.INFO, f"update in {event.get('seconds', '?')} s{_server_suffix(event)}"
    if kind == Kind.NOTIFY:
        return lane, Tone.INFO, f"notify {event.get('path') or ''}".rstrip()
    if kind == Kind.OBSERVE:
        active = event.get("active", True)
        verb = "observe" if active else "cancel observe"
        return lane, Tone.GOOD if active else Tone.PENDING, f"{verb} {event.get('path') or ''}"
    if kind == Kind.HOST_REQUEST:
        return lane, Tone.PENDING, f"{event.get('op') or 'request'} {event.get('path') or ''}"
    if kind == Kind.DOWNLINK:
        return lane, Tone.INFO, f"downlink {event.get('path') or ''}".rstrip()
    if kind == Kind.BOOT:
        return lane, Tone.PENDING, f"boot {event.get('text') or event.raw or ''}".rstrip()[:60]
    text = str(event.get("text") or event.raw or "error")
    code = event.get("code")
    if code is not None and str(code) not in text:
        text = f"{text} ({code})"
    return lane, Tone.BAD, text[:60]


class LineLike(Protocol):
    """What :func:`rows_from_lines` needs of a terminal line (``workbench.app.connection``)."""

    @property
    def seq(self) -> int: ...

    @property
    def host_time(self) -> float: ...

    @property
    def events(self) -> tuple[Event, ...]: ...


def rows_from_lines(lines: Iterable[LineLike]) -> list[Row]:
    """Timeline rows for the decoded events of terminal lines (reference: the line's seq)."""
    rows: list[Row] = []
    for line in lines:
        for event in line.events:
            found = classify_event(event)
            if found is not None:
                lane, tone, label = found
                rows.append((line.host_time, int(lane), int(tone), label, line.seq))
    return rows


#: Names of the response codes an LwM2M exchange shows (others print as numbers only).
RESPONSE_NAMES: dict[str, str] = {
    "2.01": "Created",
    "2.02": "Deleted",
    "2.03": "Valid",
    "2.04": "Changed",
    "2.05": "Content",
    "2.31": "Continue",
    "4.00": "Bad Request",
    "4.01": "Unauthorized",
    "4.02": "Bad Option",
    "4.03": "Forbidden",
    "4.04": "Not Found",
    "4.05": "Method Not Allowed",
    "4.06": "Not Acceptable",
    "4.08": "Incomplete",
    "4.12": "Precondition Failed",
    "4.13": "Too Large",
    "4.15": "Unsupported Format",
    "5.00": "Internal Error",
    "5.01": "Not Implemented",
    "5.03": "Unavailable",
}


def coap_label(entry: Any, request_path: str | None = None) -> tuple[Tone, str]:
    """Tone and label of one CoAP log entry (``POST /rd``, ``2.01 Created /rd``, ``ACK``...).

    ``request_path`` names the path of the request a response answers when the entry itself
    does not know it (responses to the module's own requests).
    """
    msg = entry.message
    if msg is None:
        return Tone.BAD, f"malformed ({entry.problem or 'unparsable'})"[:60]
    path = entry.path or request_path or ""
    code = int(msg.code)
    from workbench.server.coapwire import REQUEST_NAMES, code_text

    if 1 <= code <= 31:
        name = REQUEST_NAMES.get(code) or code_text(code)
        observe = msg.uint_option(6)
        if observe is not None and code == 1:
            name += " observe" if observe == 0 else " cancel"
        if getattr(entry, "conformance", None):
            # Accepted here, but a strict server of the client's version would refuse it.
            return Tone.BAD, f"{name} {path} ⚠ strict".lstrip()
        tone = Tone.BAD if entry.problem else Tone.INFO
        return tone, f"{name} {path}".rstrip()
    if code == 0:
        kind = msg.mtype.name
        return (Tone.BAD if kind == "RST" else Tone.INFO), kind
    klass = code >> 5
    number = code_text(code)
    text = f"{number} {RESPONSE_NAMES.get(number, '')}".rstrip()
    if msg.uint_option(6) is not None and klass == 2:
        text += " notify"
    tone = Tone.GOOD if klass == 2 else Tone.BAD
    if getattr(entry, "conformance", None):
        return Tone.BAD, f"{text} {path} ⚠ strict"
    return tone, f"{text} {path}".rstrip()


class CoapRows:
    """Turns CoAP log entries into rows, pairing responses with their request's path.

    The server's log knows the path of requests and of answers to its own requests; an answer
    the server sends to the module (``2.01`` to ``POST /rd``) only has the token. Remembering
    ``(peer, token) → path`` of recent requests lets the label say ``2.01 Created /rd``.
    """

    def __init__(self, remember: int = 4096) -> None:
        self._paths: OrderedDict[tuple[str, bytes], str] = OrderedDict()
        self._remember = remember

    def row(self, entry: Any, index: int) -> Row:
        """The timeline row of CoAP log entry ``index`` (a :class:`CoapLogEntry`)."""
        msg = entry.message
        request_path: str | None = None
        if msg is not None and msg.token:
            key = (str(entry.peer), bytes(msg.token))
            if msg.is_request and entry.path:
                self._paths[key] = entry.path
                if len(self._paths) > self._remember:
                    self._paths.popitem(last=False)
            elif not msg.is_request:
                request_path = self._paths.get(key)
        lane = Lane.COAP_IN if entry.direction == "in" else Lane.COAP_OUT
        tone, label = coap_label(entry, request_path)
        return (float(entry.time), int(lane), int(tone), label, index)

    def path_of(self, entry: Any) -> str | None:
        """The request path an entry belongs to, as far as this pairing knows."""
        msg = entry.message
        if entry.path or msg is None:
            return entry.path  # type: ignore[no-any-return]
        return self._paths.get((str(entry.peer), bytes(msg.token)))


def describe_coap(entry: Any, payload_chars: int = 160) -> str:
    """Multi-line details of a CoAP log entry for a tooltip or a selection (secrets masked).

    Built from :meth:`CoapLogEntry.to_dict`, which already masks key material.
    """
    data = entry.to_dict()
    arrow = "module → server" if data.get("direction") == "in" else "server → module"
    head = " ".join(
        str(x)
        for x in (data.get("type"), data.get("method") or data.get("code"), data.get("path"))
        if x
    )
    lines = [f"CoAP {arrow} · {data.get('peer', '?')} · {data.get('size', 0)} bytes"]
    if head:
        lines.append(head)
    ids = []
    if "code" in data:
        ids.append(f"code {data['code']}")
    if "mid" in data:
        ids.append(f"mid {data['mid']}")
    if data.get("token"):
        ids.append(f"token {data['token']}")
    if ids:
        lines.append(" · ".join(ids))
    options = data.get("options") or []
    shown = [
        f"{o['name']}={o['value']}"
        for o in options
        if o.get("name") not in ("Uri-Path",)  # already in the path
    ]
    if shown:
        lines.append("options: " + ", ".join(str(x) for x in shown))
    payload = data.get("payload")
    if payload is None and data.get("payload_hex"):
        payload = data["payload_hex"]
    if payload is not None:
        text = payload if isinstance(payload, str) else _compact(payload)
        if len(text) > payload_chars:
            text = text[: payload_chars - 1] + "…"
        lines.append(f"payload: {text}")
    for key in ("problem", "action"):
        if data.get(key):
            lines.append(f"{key}: {data[key]}")
    for finding in data.get("conformance") or ():
        lines.append(f"⚠ {finding['plain']} ({finding['fragment']}; {finding['section']})")
    return "\n".join(lines)


def _compact(value: Any) -> str:
    import json

    try:
        return json.dumps(value, ensure_ascii=False, separators=(",", ":"), default=str)
    except (TypeError, ValueError):
        return str(value)


#: FOTA steps that are only bookkeeping (progress has its own bar; no mark per block).
_FOTA_QUIET = frozenset({"progress"})


def row_from_fota(time_: float, endpoint: str | None, data: dict[str, Any], ref: int) -> Row | None:
    """The FOTA-lane row of a server ``fota`` event (None for progress ticks).

    ``ref`` is negative (``-1 - index`` into the panel's list of FOTA events) so it is never
    taken for a terminal line.
    """
    step = str(data.get("step") or "")
    if step in _FOTA_QUIET:
        return None
    result = data.get("result")
    if step == "failed":
        tone = Tone.BAD
    elif step in ("finished", "downloaded", "reregistered"):
        tone = Tone.GOOD
    else:
        tone = Tone.PENDING
    label = f"fota {step}"
    if step == "state":
        label = f"fota {data.get('state') or '?'}"
    if step in ("failed", "finished") and isinstance(result, int):
        label += f" · result {result}"
    if endpoint:
        label += f" · {endpoint}"
    return (float(time_), int(Lane.FOTA), int(tone), label[:60], ref)


def row_from_coap(entry: Any, index: int) -> Row:
    """The row of one CoAP log entry without pairing (see :class:`CoapRows`)."""
    return CoapRows().row(entry, index)


@dataclass(frozen=True, slots=True)
class TimelineItem:
    """One stored event, as a hit test or a selection returns it."""

    lane: Lane
    index: int
    time: float
    tone: Tone
    label: str
    ref: int

    @property
    def is_coap(self) -> bool:
        return self.lane in COAP_LANES


FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]


#: Ranges with more than this many events per (pixel column, tone) are drawn from a level of
#: detail (:meth:`_Column.level`) instead of every event.
LOD_FACTOR = 8


def _last_per_bin(
    t: FloatArray, tone: npt.NDArray[np.uint8], lo: int, hi: int, width: float
) -> IntArray:
    """Indices (``lo``…``hi``, time-sorted) of the last event per (bin of ``width``, tone)."""
    return _last_of_bins(t[lo:hi], tone[lo:hi], width) + lo


def _last_of_bins(times: FloatArray, tones: npt.NDArray[np.uint8], width: float) -> IntArray:
    """Positions in ``times`` (sorted) of the last event per (bin of ``width``, tone), sorted."""
    parts: list[IntArray] = []
    for value in np.flatnonzero(np.bincount(tones, minlength=TONES)):
        sel = np.flatnonzero(tones == value)
        bins = np.floor(times[sel] / width)
        last = np.ones(len(sel), bool)
        last[:-1] = bins[1:] != bins[:-1]
        parts.append(sel[last])
    if not parts:
        return np.empty(0, np.int64)
    return np.sort(np.concatenate(parts)).astype(np.int64)


class _Column:
    """Growable, time-sorted arrays of one lane."""

    __slots__ = ("epoch", "label", "lod", "n", "ref", "sorted", "t", "tone")

    def __init__(self, capacity: int = 1024) -> None:
        self.t: FloatArray = np.empty(capacity, np.float64)
        self.tone = np.empty(capacity, np.uint8)
        self.label = np.empty(capacity, np.uint32)
        self.ref: IntArray = np.empty(capacity, np.int64)
        self.n = 0
        self.sorted = True
        #: Level-of-detail cache: level → (epoch, events when built, representatives).
        self.lod: dict[int, tuple[int, int, IntArray]] = {}
        #: Bumped when indices move (oldest dropped, re-sorted): the cache is then stale.
        self.epoch = 0

    def has_level(self, k: int) -> bool:
        """Whether level ``k`` is built for the current indices (maybe short of appends)."""
        cached = self.lod.get(k)
        return cached is not None and cached[0] == self.epoch

    def level(self, k: int) -> IntArray:
        """Indices of the last event per (bin of 2**k seconds, tone), in time order.

        Bins are anchored at time 0, so a coarser level's bins nest in a finer one's. Built
        on first use; after appends only the last bin of the build and the new events are
        looked at again, so a live feed keeps a level current at the cost of what it adds.
        """
        width = 2.0**k
        n = self.n
        cached = self.lod.get(k)
        if cached is not None and cached[0] == self.epoch and 0 < cached[1] <= n:
            _, built, reps = cached
            if built == n:
                return reps
            cut = float(np.floor(self.t[built - 1] / width) * width)
            lo = int(np.searchsorted(self.t[:n], cut, "left"))
            keep = reps[: int(np.searchsorted(reps, lo, "left"))]
            reps = np.concatenate([keep, _last_per_bin(self.t, self.tone, lo, n, width)])
        else:
            finer = [j for j, (epoch, _b, _r) in self.lod.items() if j < k and epoch == self.epoch]
            if not finer:
                base = self.base_level(k)
                if base < k:  # the pass over every event builds the finest level worth it
                    reps = _last_per_bin(self.t, self.tone, 0, n, 2.0**base)
                    self.lod[base] = (self.epoch, n, reps)
                    finer = [base]
            if finer:
                # Bins nest: the last per coarse bin is the last of the finer level's ones.
                source = self.level(max(finer))  # brought up to date with appends first
                reps = source[_last_of_bins(self.t[source], self.tone[source], width)]
            else:
                reps = _last_per_bin(self.t, self.tone, 0, n, width)
        self.lod[k] = (self.epoch, n, reps)
        return reps

    def base_level(self, k: int) -> int:
        """The level to build when a pass over every event is due for level ``k``.

        A pass costs the same whatever the bin width, so it builds the finest level with at
        most ~n/16 representatives: coarser levels then derive from it (a pass over those
        only), and views too narrow to build a level of their own draw from it instead of
        every event they show (:meth:`TimelineStore.decimate`).
        """
        n = self.n
        span = float(self.t[n - 1] - self.t[0]) if n > 1 else 0.0
        if span <= 0:
            return k
        return min(k, math.ceil(math.log2(span * TONES * 16 / n)))

    def finest_level(self, at_most: int) -> int | None:
        """The finest level built for the current indices with bins of at most 2**at_most s."""
        built = [
            j for j, (epoch, _b, _r) in self.lod.items() if j <= at_most and epoch == self.epoch
        ]
        return min(built) if built else None

    def _reserve(self, extra: int) -> None:
        need = self.n + extra
        if need <= len(self.t):
            return
        capacity = max(need, len(self.t) * 2)
        for name in ("t", "tone", "label", "ref"):
            old = getattr(self, name)
            new = np.empty(capacity, old.dtype)
            new[: self.n] = old[: self.n]
            setattr(self, name, new)

    def extend(
        self,
        t: FloatArray,
        tone: npt.NDArray[np.uint8],
        label: npt.NDArray[np.uint32],
        ref: IntArray,
    ) -> None:
        count = len(t)
        if count == 0:
            return
        self._reserve(count)
        start, stop = self.n, self.n + count
        self.t[start:stop] = t
        self.tone[start:stop] = tone
        self.label[start:stop] = label
        self.ref[start:stop] = ref
        if self.sorted and (
            (start > 0 and t[0] < self.t[start - 1]) or (count > 1 and bool(np.any(np.diff(t) < 0)))
        ):
            self.sorted = False
        self.n = stop

    def ensure_sorted(self) -> None:
        """Restore time order after out-of-order arrivals (stable: equal times keep order)."""
        if self.sorted:
            return
        n = self.n
        order = np.argsort(self.t[:n], kind="stable")
        self.t[:n] = self.t[:n][order]
        self.tone[:n] = self.tone[:n][order]
        self.label[:n] = self.label[:n][order]
        self.ref[:n] = self.ref[:n][order]
        self.sorted = True
        self.epoch += 1

    def nbytes(self) -> int:
        return int(self.t.nbytes + self.tone.nbytes + self.label.nbytes + self.ref.nbytes)

    def drop_oldest(self, count: int) -> None:
        """Forget the ``count`` earliest events (the column must be sorted).

        The levels of detail stay: a representative is the last event of its bin and tone,
        so one at or after the cut still is (its bin lost only earlier events), and one
        before it stood for events that are all gone. Rebuilding them instead cost the next
        zoomed-out frame a pass over every event, each time a full store dropped its oldest.
        """
        count = min(count, self.n)
        if count <= 0:
            return
        keep = self.n - count
        for name in ("t", "tone", "label", "ref"):
            array = getattr(self, name)
            array[:keep] = array[count : self.n]
        self.n = keep
        for k, (epoch, built, reps) in list(self.lod.items()):
            if epoch != self.epoch or built < count:
                del self.lod[k]
                continue
            kept = reps[int(np.searchsorted(reps, count, "left")) :] - count
            self.lod[k] = (epoch, built - count, kept)


def kth_smallest(arrays: Sequence[FloatArray], k: int) -> float:
    """The ``k``-th smallest value (1-based) over sorted ``arrays``, without merging them.

    A full timeline store drops its oldest events by the time of the ``excess``-th earliest;
    concatenating every lane's times to find it moved ~80 MB at 10M events (seconds of page
    faults on a busy machine). Here each round takes the middle of the widest remaining
    window, counts what lies at or below it in every lane (``searchsorted``) and keeps the
    side that holds rank ``k``: O(lanes × log² n), then a small partition of what is left.
    """
    total = sum(len(a) for a in arrays)
    if not 1 <= k <= total:
        raise ValueError(f"rank {k} of {total} values")
    lo = [0] * len(arrays)
    hi = [len(a) for a in arrays]
    while sum(h - low for low, h in zip(lo, hi, strict=True)) > 64:
        widest = max(range(len(arrays)), key=lambda i: hi[i] - lo[i])
        value = arrays[widest][(lo[widest] + hi[widest]) // 2]
        below = [
            min(max(int(np.searchsorted(a, value, "left")), low), h)
            for a, low, h in zip(arrays, lo, hi, strict=True)
        ]
        upto = [
            min(max(int(np.searchsorted(a, value, "right")), low), h)
            for a, low, h in zip(arrays, lo, hi, strict=True)
        ]
        if sum(upto) < k:
            lo = upto  # rank k lies above value
        elif sum(below) >= k:
            hi = below  # rank k lies below value
        else:
            return float(value)
    rest = np.concatenate([a[low:h] for a, low, h in zip(arrays, lo, hi, strict=True)])
    rank = k - sum(lo) - 1
    return float(np.partition(rest, rank)[rank])


class TimelineStore:
    """Columnar, time-sorted timeline events per lane (see the module docstring)."""

    def __init__(self, lanes: int = len(Lane), *, max_events: int | None = None) -> None:
        self._columns = [_Column() for _ in range(lanes)]
        self._labels: list[str] = []
        self._label_ids: dict[str, int] = {}
        #: Incremented on every change, so views can tell whether to redraw.
        self.version = 0
        #: At most this many events over all lanes (None: no limit); the earliest go first.
        self.max_events = max_events
        #: Events forgotten because of :attr:`max_events` since the last full clear.
        self.dropped = 0

    def set_max_events(self, max_events: int | None) -> None:
        """Change the limit; applies at once (events beyond it are dropped, oldest first)."""
        if max_events is not None and max_events < 1:
            raise ValueError("the timeline must be allowed at least one event")
        self.max_events = max_events
        self._enforce_limit()

    def _enforce_limit(self) -> None:
        """Drop the earliest events over all lanes when more than :attr:`max_events` are held.

        Drops a further 5 % of the limit at once, so that a full store moves its arrays once
        per that many new events rather than on every batch.
        """
        limit = self.max_events
        total = len(self)
        if limit is None or total <= limit:
            return
        excess = min(total, total - limit + limit // 20)
        columns = [self._column(lane) for lane in range(len(self._columns))]
        cut = kth_smallest([c.t[: c.n] for c in columns], excess)
        # Everything before the cut time goes, then as many at the cut time as still needed
        # (lane by lane): exactly ``excess`` events, the earliest.
        below = [int(np.searchsorted(c.t[: c.n], cut, "left")) for c in columns]
        at_cut = [
            int(np.searchsorted(c.t[: c.n], cut, "right")) - b
            for c, b in zip(columns, below, strict=True)
        ]
        still = excess - sum(below)
        for column, before, ties in zip(columns, below, at_cut, strict=True):
            extra = min(ties, still)
            still -= extra
            column.drop_oldest(before + extra)
        self.dropped += excess
        self.version += 1

    # -- filling ---------------------------------------------------------------------------
    def intern(self, label: str) -> int:
        """The id of ``label`` (added to the label table on first use)."""
        found = self._label_ids.get(label)
        if found is None:
            found = len(self._labels)
            self._labels.append(label)
            self._label_ids[label] = found
        return found

    def label(self, label_id: int) -> str:
        return self._labels[label_id]

    def extend(self, rows: Iterable[Row]) -> int:
        """Add rows ``(time, lane, tone, label, ref)`` (one batch; any order); returns count."""
        per_lane: dict[int, list[tuple[float, int, int, int]]] = {}
        intern = self.intern
        count = 0
        for t, lane, tone, label, ref in rows:
            per_lane.setdefault(lane, []).append((t, tone, intern(label), ref))
            count += 1
        for lane, items in per_lane.items():
            t_col, tone_col, label_col, ref_col = zip(*items, strict=True)
            self._columns[lane].extend(
                np.asarray(t_col, np.float64),
                np.asarray(tone_col, np.uint8),
                np.asarray(label_col, np.uint32),
                np.asarray(ref_col, np.int64),
            )
        if count:
            self.version += 1
            self._enforce_limit()
        return count

    def extend_arrays(
        self,
        lane: int,
        t: Sequence[float] | FloatArray,
        tone: Sequence[int] | npt.NDArray[Any],
        label_ids: Sequence[int] | npt.NDArray[Any],
        ref: Sequence[int] | npt.NDArray[Any],
    ) -> None:
        """Bulk load of one lane (session import, benchmarks): labels already interned."""
        self._columns[lane].extend(
            np.asarray(t, np.float64),
            np.asarray(tone, np.uint8),
            np.asarray(label_ids, np.uint32),
            np.asarray(ref, np.int64),
        )
        self.version += 1
        self._enforce_limit()

    def clear(self, lanes: Iterable[int] | None = None) -> None:
        """Forget the events of ``lanes`` (all lanes by default)."""
        targets = range(len(self._columns)) if lanes is None else lanes
        for lane in targets:
            self._columns[lane] = _Column()
        if lanes is None:
            self._labels.clear()
            self._label_ids.clear()
            self.dropped = 0
        self.version += 1

    # -- questions ---------------------------------------------------------------------------
    @property
    def lanes(self) -> int:
        return len(self._columns)

    def __len__(self) -> int:
        return sum(c.n for c in self._columns)

    def count(self, lane: int) -> int:
        return self._columns[lane].n

    def nbytes(self) -> int:
        """Memory held by the arrays (capacity included), for the benchmark."""
        return sum(c.nbytes() for c in self._columns)

    def _column(self, lane: int) -> _Column:
        column = self._columns[lane]
        column.ensure_sorted()
        return column

    def span(self) -> tuple[float, float] | None:
        """Earliest and latest time over all lanes, or None when empty."""
        lows: list[float] = []
        highs: list[float] = []
        for lane in range(len(self._columns)):
            column = self._column(lane)
            if column.n:
                lows.append(float(column.t[0]))
                highs.append(float(column.t[column.n - 1]))
        if not lows:
            return None
        return min(lows), max(highs)

    def range(self, lane: int, t0: float, t1: float) -> tuple[int, int]:
        """Index range ``[start, stop)`` of the events of ``lane`` with ``t0 <= t <= t1``."""
        column = self._column(lane)
        times = column.t[: column.n]
        start = int(np.searchsorted(times, t0, "left"))
        stop = int(np.searchsorted(times, t1, "right"))
        return start, max(start, stop)

    def times(self, lane: int) -> FloatArray:
        """Sorted times of ``lane`` (a view: do not modify)."""
        column = self._column(lane)
        return column.t[: column.n]

    def tones(self, lane: int) -> npt.NDArray[np.uint8]:
        column = self._column(lane)
        return column.tone[: column.n]

    def label_ids(self, lane: int) -> npt.NDArray[np.uint32]:
        column = self._column(lane)
        return column.label[: column.n]

    def decimate(self, lane: int, t0: float, t1: float, columns: int) -> IntArray:
        """Indices of the events of ``lane`` to draw for ``[t0, t1]`` over ``columns`` pixels.

        At most one event per (pixel column, tone), chosen on a grid anchored at time 0 so the
        same events stay chosen while the user pans. When the range holds fewer events than
        columns, all of them come back (nothing is hidden when zoomed in).
        """
        start, stop = self.range(lane, t0, t1)
        count = stop - start
        if count == 0:
            return np.empty(0, np.int64)
        if count <= columns or t1 <= t0:
            return np.arange(start, stop, dtype=np.int64)
        column = self._column(lane)
        width = (t1 - t0) / max(1, columns)
        level = math.floor(math.log2(width / 2)) if width > 0 else 0
        source: int | None = None
        if count > LOD_FACTOR * (columns + 1) * TONES:
            if column.has_level(level) or 2 * count >= column.n:
                source = level
            else:
                source = column.finest_level(level)
        if source is not None:
            # Level of detail: the last event per (bin, tone) of a level whose bins are at
            # most half a column wide stands for its bin, so a frame looks at about
            # 2 × columns × tones events per lane instead of all of them (10M at full zoom
            # out). A bin that straddles t1 is drawn by its last event, beyond the range.
            # A level is built (a pass over the lane) only for a view of half the lane or
            # more; a narrower view draws from a finer level already built (the pass builds
            # a fine base level, see _Column.base_level), else scans just its range.
            reps = column.level(source)
            chosen = reps[int(np.searchsorted(reps, start)) : int(np.searchsorted(reps, stop))]
            times, tones = column.t[chosen], column.tone[chosen]
        else:
            # Every event in range: slices, not an index array (no gathering copies).
            chosen = np.arange(start, stop, dtype=np.int64)
            times, tones = column.t[start:stop], column.tone[start:stop]
        first = int(np.floor(t0 / width))
        keys = np.floor(times / width).astype(np.int64)
        keys -= first
        np.clip(keys, 0, columns, out=keys)
        keys *= TONES
        keys += tones
        slots = np.full((columns + 1) * TONES, -1, np.int64)
        slots[keys] = chosen
        return slots[slots >= 0]

    def nearest(self, lane: int, t: float, tolerance: float) -> int | None:
        """Index of the event of ``lane`` closest to ``t`` within ``tolerance`` seconds."""
        column = self._column(lane)
        if column.n == 0:
            return None
        times = column.t[: column.n]
        i = int(np.searchsorted(times, t))
        best: int | None = None
        best_gap = tolerance
        for j in (i - 1, i):
            if 0 <= j < column.n:
                gap = abs(float(times[j]) - t)
                if gap <= best_gap:
                    best, best_gap = j, gap
        return best

    def item(self, lane: int, index: int) -> TimelineItem:
        column = self._column(lane)
        if not 0 <= index < column.n:
            raise IndexError(index)
        return TimelineItem(
            Lane(lane),
            index,
            float(column.t[index]),
            Tone(int(column.tone[index])),
            self._labels[int(column.label[index])],
            int(column.ref[index]),
        )

    def items(self, lane: int) -> list[TimelineItem]:
        """Every event of ``lane`` as objects (tests and small lanes only)."""
        return [self.item(lane, i) for i in range(self.count(lane))]

    def find_ref(self, lane: int, ref: int) -> int | None:
        """Index of the first event of ``lane`` with reference ``ref`` (selection from outside)."""
        column = self._column(lane)
        hits = np.flatnonzero(column.ref[: column.n] == ref)
        return int(hits[0]) if len(hits) else None


__all__ = [
    "COAP_LANES",
    "LANE_TITLES",
    "RESPONSE_NAMES",
    "TONES",
    "CoapRows",
    "Lane",
    "Row",
    "TimelineItem",
    "TimelineStore",
    "Tone",
    "classify_event",
    "coap_label",
    "describe_coap",
    "row_from_coap",
    "rows_from_lines",
]
