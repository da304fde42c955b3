"""Where a session window's replay stands: a time cursor over the recorded serial traffic.

The window used to load a session all at once; replay (play, pause, speed, seek) was only in
the CLI. :class:`SessionPlayer` keeps the recording's items in time order (the same reordering
as :func:`workbench.session.replay.time_ordered`, which the records already went through when
the file was written in order) and a cursor; :meth:`connection_at` builds a port-less
:class:`ModuleConnection` holding what had happened up to the cursor, through the same
framer, engine and decoder the live window used, so terminal, module state and timeline show
the session as it was at that moment; :meth:`view` goes on with the same connection when the
cursor only moved forward. Qt-free; the GUI drives it from a timer.
"""

from __future__ import annotations

import bisect
import math
from collections.abc import Sequence
from typing import TYPE_CHECKING

from workbench.app.connection import ModuleConnection

if TYPE_CHECKING:
    from workbench.plugin.api import Plugin

#: Speeds offered by the window; ``math.inf`` plays everything at once ("max").
SPEEDS: tuple[float, ...] = (1.0, 2.0, 10.0, math.inf)

Item = tuple[str, float, bytes | str]


class SessionPlayer:
    """A cursor in session time over ``items`` (``(direction, host_time, data)``)."""

    def __init__(
        self,
        url: str,
        plugin: Plugin | None,
        variant: str | None,
        items: Sequence[Item],
    ) -> None:
        self.url = url
        self.plugin = plugin
        self.variant = variant
        #: Stable sort: equal times keep the order they were recorded in.
        self.items: list[Item] = sorted(items, key=lambda item: item[1])
        self._times = [item[1] for item in self.items]
        self.start = self._times[0] if self._times else 0.0
        self.end = self._times[-1] if self._times else 0.0
        #: Session time the window shows (everything at or before it has happened).
        self.position = self.end
        self.speed = 1.0
        self.playing = False
        self._view: ModuleConnection | None = None
        self._view_shown = 0

    @property
    def duration(self) -> float:
        return self.end - self.start

    @property
    def shown(self) -> int:
        """How many items have happened at :attr:`position`."""
        return bisect.bisect_right(self._times, self.position)

    def seek(self, t: float) -> int:
        """Move the cursor to session time ``t`` (clamped); returns :attr:`shown`."""
        self.position = min(max(t, self.start), self.end)
        return self.shown

    def set_speed(self, speed: float) -> None:
        if not speed > 0:
            raise ValueError("speed must be positive (math.inf plays at once)")
        self.speed = speed

    def play(self) -> None:
        """Start playing; from the start again when the cursor is at the end."""
        if self.position >= self.end:
            self.position = self.start
        self.playing = True

    def pause(self) -> None:
        self.playing = False

    def advance(self, wall_seconds: float) -> bool:
        """``wall_seconds`` went by while playing: move the cursor. True if items were passed."""
        if not self.playing:
            return False
        before = self.shown
        if math.isinf(self.speed):
            self.position = self.end
        else:
            self.position = min(self.end, self.position + wall_seconds * self.speed)
        if self.position >= self.end:
            self.playing = False
        return self.shown != before

    def connection_at(self) -> ModuleConnection:
        """A port-less connection holding what had happened up to :attr:`position`.

        Always a new one, built from the start of the session."""
        shown = self.shown
        conn = ModuleConnection(self.url, self.plugin, self.variant)
        conn.replay_more(self.items[:shown], final=shown == len(self.items))
        self._view, self._view_shown = conn, shown
        return conn

    def view(self) -> tuple[ModuleConnection, bool]:
        """The connection to show at :attr:`position`, and whether it is the one shown before.

        Forward from the last view (playing, or a seek ahead) the same connection goes on with
        only the items passed since, so a step costs what those items cost, not the whole
        session again (a 10,000-item session took ~2 s to rebuild at each step); its new lines
        reach the panels like live ones. Backward, the decoder cannot unsee what it saw, so the
        view is rebuilt from the start.
        """
        shown = self.shown
        view = self._view
        if view is None or shown < self._view_shown:
            return self.connection_at(), False
        if shown > self._view_shown:
            view.replay_more(self.items[self._view_shown : shown], final=shown == len(self.items))
            self._view_shown = shown
        return view, True
