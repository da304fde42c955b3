"""Checks and display texts for what a user types or sees in the window's small fields.

Kept free of Qt so each rule is one plain function with a plain test: a port number with five
digits, the name of a port that is in use but not
in the list of ports found on this computer (a demo's pseudo-terminal, a socket URL).
"""

from __future__ import annotations

MAX_PORT = 65535


def port_error(text: str) -> str:
    """Why ``text`` is not a UDP port number ("" when it is one)."""
    text = text.strip()
    if not text:
        return "enter a port number (0 picks a free one)"
    if not text.isdigit():
        return f"“{text}” is not a number"
    if int(text) > MAX_PORT:
        return f"{text} is not a UDP port: ports go from 0 to {MAX_PORT}"
    return ""


def in_use_label(url: str) -> str:
    """The port combo's text for a port that is open but not among the ports found."""
    if url.startswith("sim://"):
        return f"{url.split('?')[0]} (in use)"
    return f"{url} (in use)"


__all__ = ["MAX_PORT", "in_use_label", "port_error"]
