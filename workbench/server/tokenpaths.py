"""Which request path each of the server's tokens was sent with, for the CoAP log.

An answer or a notification carries only the token of the request it belongs to; the CoAP log
needs the path to decode its payload (and to redact secrets). A single table of the last 4,096
tokens lost the paths of observations once more than that many were held (a 10,000-client
server's notifications were logged without values). So there are two tables:

* the tokens of Observe requests (Observe=0), kept while their observation lives: the table is
  pruned to the live observations (and the newest ``recent`` tokens, whose answers may still be
  on their way) whenever it grows past twice their number plus ``recent``, so it stays bounded
  by the observations the server holds, however many come and go;
* the last ``recent`` tokens of every other request (a Read's answer comes within seconds).

The same table, keeping other values per token, holds the Accept of each Observe for the
conformance check (:class:`TokenTable`): a fixed 1,024 there judged the notifications of older
observations without the format their server asked for.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Collection
from typing import Generic, TypeVar

V = TypeVar("V")


class TokenTable(Generic[V]):
    """token → what the request with that token said (see the module docstring)."""

    def __init__(self, live: Callable[[], Collection[bytes]], recent: int = 4096) -> None:
        """``live()`` gives the tokens of the observations the server holds right now."""
        self._live = live
        self.recent = recent
        self._recent: OrderedDict[bytes, V] = OrderedDict()
        self._observed: dict[bytes, V] = {}
        #: When the observation table is pruned next (its size then).
        self._prune_at = recent

    def __len__(self) -> int:
        return len(self._recent) + len(self._observed)

    def remember(self, token: bytes, path: V, *, observe: bool = False) -> None:
        """A request with ``token`` went to ``path`` (``observe``: it starts an observation)."""
        if observe:
            self._recent.pop(token, None)
            self._observed[token] = path
            if len(self._observed) > self._prune_at:
                self._prune()
            return
        self._observed.pop(token, None)
        self._recent[token] = path
        self._recent.move_to_end(token)
        while len(self._recent) > self.recent:
            self._recent.popitem(last=False)

    def get(self, token: bytes) -> V | None:
        if token in self._observed:
            return self._observed[token]
        return self._recent.get(token)

    def _prune(self) -> None:
        live = self._live()
        newest = len(self._observed) - self.recent
        self._observed = {
            token: path
            for index, (token, path) in enumerate(self._observed.items())
            if index >= newest or token in live
        }
        self._prune_at = 2 * len(self._observed) + self.recent


class TokenPaths(TokenTable[str]):
    """token → request path, for the CoAP log."""
