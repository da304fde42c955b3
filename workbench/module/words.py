"""Plain words for the state names of the decoded-event contract, one table for every view.

The contract (``workbench.module.events.STATES``) and the 3GPP decoders name states in
``snake_case`` so the JSON stays stable; a person reading the module state panel, the timeline
or the object tree should read "update pending" and "registered (roaming)", not
``update_pending`` and ``registered_roaming``. Every view calls :func:`plain` so the same state
reads the same everywhere.
"""

from __future__ import annotations

from types import MappingProxyType
from typing import Final

#: Names whose words are not just the name with spaces.
_WORDS: Final = MappingProxyType(
    {
        "registered_home": "registered (home network)",
        "registered_roaming": "registered (roaming)",
        "not_registered": "not registered",
        "emergency_only": "emergency calls only",
        "update_pending": "update pending",
        "update_failed": "update failed",
        "update_timer": "update timer",
        "holdoff": "holding off",
    }
)


def plain(value: object) -> str:
    """``value`` in words: a known state name from the table, any other ``a_b`` as ``a b``."""
    text = str(value)
    known = _WORDS.get(text)
    if known is not None:
        return known
    return text.replace("_", " ") if "_" in text and " " not in text else text


__all__ = ["plain"]
