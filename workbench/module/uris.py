"""Is a URI a user typed into a template one a module can connect to?

``urlsplit`` accepts almost anything (``coap:/127.0.0.1``, ``coap://host:99999``, a host with a
space), and a module given such a URI answers OK and then silently never registers. The check
here runs before a template line is built, so the form says what is wrong instead.
"""

from __future__ import annotations

from urllib.parse import urlsplit


def uri_problem(text: str) -> str:
    """Why ``text`` is not a ``scheme://host[:port][/path]`` URI ("" when it is one)."""
    text = text.strip()
    if "://" not in text:
        return f"{text!r} is not a URL (scheme://host:port)"
    if any(c.isspace() for c in text):
        return f"{text!r} contains a space"
    try:
        parts = urlsplit(text)
        port = parts.port
    except ValueError as exc:
        return f"{text!r} is not a valid URI ({exc})"
    if not parts.scheme:
        return f"{text!r} is not a URL (scheme://host:port)"
    if not parts.hostname:
        return f"{text!r} has no host (e.g. {parts.scheme}://192.0.2.1:5683)"
    if port == 0:
        return f"{text!r} has port 0"
    return ""


__all__ = ["uri_problem"]
