"""The Server panel's Observations tab: the built-in server's active observations, per client,
with what each has delivered. Qt-free.

Reads :meth:`workbench.server.LwM2MServer.observations` (live :class:`Observation` objects);
an observation leaves the list when it is cancelled, when the client deregisters or registers
again, or when the client answers a notification with a reset.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, Protocol


class ObservationLike(Protocol):
    """What the tab reads of a :class:`workbench.server.observe.Observation`."""

    endpoint: str
    path: str
    notifications: int
    initial: Any
    last: Any
    active: bool
    composite: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class ObservationRow:
    endpoint: str
    #: The observed path (composite observations: their paths joined with ", ").
    path: str
    #: Notifications received after the Observe's own response.
    notifications: int
    #: The last value(s) delivered (the Observe's response until a notification came).
    last_value: str
    #: Wall time of the last notification (None: none yet).
    last_time: float | None
    composite: bool = False
    #: What :meth:`LwM2MServer.cancel_observation` takes to cancel it.
    key: str = ""


def _value_text(values: dict[Any, Any]) -> str:
    if not values:
        return ""
    if len(values) == 1:
        (value,) = values.values()
        return value if isinstance(value, str) else json.dumps(value, default=str)
    parts = [f"{path}={value}" for path, value in sorted(values.items(), key=lambda kv: str(kv[0]))]
    text = ", ".join(parts)
    return text if len(text) <= 120 else text[:119] + "…"


def observation_rows(
    observations: Iterable[ObservationLike], endpoint: str | None = None
) -> list[ObservationRow]:
    """Active observations (of ``endpoint``, or of every client), by client then path."""
    rows = []
    for obs in observations:
        if not obs.active or (endpoint and obs.endpoint != endpoint):
            continue
        last = obs.last
        result = last.result if last is not None else obs.initial
        values = getattr(result, "values", None) or {}
        rows.append(
            ObservationRow(
                endpoint=obs.endpoint,
                path=", ".join(obs.composite) if obs.composite else obs.path,
                notifications=obs.notifications,
                last_value=_value_text(dict(values)),
                last_time=getattr(last, "time", None),
                composite=bool(obs.composite),
                key=obs.path,
            )
        )
    return sorted(rows, key=lambda r: (r.endpoint, r.path))
