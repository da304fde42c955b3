"""Masking secrets before anything reaches a session file.

A session file is made to be shared (attached to a bug report, sent to a vendor), so keys
must never be in it, not even in a record that is later found to be damaged. What counts as
secret follows the CoAP log's policy (:data:`workbench.server.coaplog.SECRET_RESOURCES`: the
Security object's identity, server public key and secret key /0/x/3..5 and OSCORE's master
secret and salt), plus:

* values the application knows are secret (the PSKs it configured on the built-in server, a
  key typed into a command form) — registered with :meth:`Redactor.add_secret` or the
  session metadata; they are masked wherever they appear, raw or as hex or base64;
* AT commands and responses that carry keys in the clear: Quectel's
  ``+QLWCFG="security",..,<PSK_ID>,<PSK_key>``, u-blox's ``+ULWM2MCREATE``/``+ULWM2MWRITE``
  JSON for object 0, and any ``/0/x/3..5,value`` argument pair (ST87MXX-style);
* event and server-event fields named like a secret (``psk``, ``secret_key``, ``password``...)
  or addressed to a secret path (``path``/``values`` of ``/0/x/5``).

Serial data arrives in arbitrary chunks, so a key can be split across two reads.
:class:`StreamRedactor` therefore holds back the unfinished line when it may carry a secret
(it contains a trigger such as ``QLWCFG``, or its tail could be the start of a known secret)
and releases it, masked, when the line ends. Everything else passes through at once, so the
hold-back costs nothing for ordinary traffic.
"""

from __future__ import annotations

import base64
import functools
import re
from collections.abc import Iterable, Mapping
from typing import Any, Final

from workbench.lwm2m.paths import Path
from workbench.server.coaplog import REDACTED, is_secret, touches_secrets

#: What a masked secret reads as in text and serial bytes.
MASK: Final = REDACTED
MASK_BYTES: Final = MASK.encode("ascii")

#: Field names whose value is always masked (lower case, compared after removing ``-``).
SECRET_NAMES: Final = frozenset(
    {
        "psk",
        "psk_key",
        "pskkey",
        "psk_identity",
        "psk_id",
        "secret",
        "secret_key",
        "secretkey",
        "private_key",
        "server_public_key",
        "password",
        "passwd",
        "master_secret",
        "master_salt",
        "key",
    }
)
#: Fields holding the value of a sibling ``path``/``name``.
_VALUE_KEYS: Final = frozenset({"value", "values", "payload", "raw_hex", "data", "args"})
#: Keys that name a setting whose value sits in a sibling ``value`` field.
_NAME_KEYS: Final = ("name", "param", "setting", "parameter")

#: Shortest secret value worth matching as a substring (shorter ones would mask noise).
MIN_SECRET_LEN: Final = 4
#: A held-back line is released (masked as far as possible) once it grows this long.
MAX_HOLD: Final = 64 * 1024

#: Substrings (upper-cased) that make a line worth holding back until it is complete.
_TRIGGERS: Final = (b"QLWCFG", b"ULWM2MCREATE", b"ULWM2MWRITE", b"/0/")

#: Every proper prefix of a trigger: a partial line ending in one of these may become one.
_TRIGGER_PREFIXES: Final = tuple(
    {trigger[:size] for trigger in _TRIGGERS for size in range(1, len(trigger))}
)
_HAS_TRIGGER: Final = re.compile(b"|".join(re.escape(t) for t in _TRIGGERS), re.IGNORECASE)
#: The same test on text, to skip encoding a string no rule can touch: the triggers are ASCII
#: and UTF-8 (with surrogate escapes) encodes only ASCII characters to ASCII bytes, so a string
#: this misses has no trigger in its bytes either.
_HAS_TRIGGER_TEXT: Final = re.compile(
    "|".join(re.escape(t.decode("ascii")) for t in _TRIGGERS), re.IGNORECASE | re.ASCII
)

# The rules below never look before their trigger word: a held-back line starts at most at the
# trigger (what came before it in the same line may already have been released).
_QUECTEL_SECURITY = re.compile(rb'QLWCFG\s*[=:]\s*"security"', re.IGNORECASE)
#: One AT argument: a quoted string (with backslash escapes) or bare text up to a comma.
_AT_ARG = re.compile(rb'\s*(?:"(?:[^"\\]|\\.)*"?|[^,\r\n]*)')
_UBLOX_JSON = re.compile(rb"ULWM2M(?:CREATE|WRITE)", re.IGNORECASE)
_UBLOX_BN = re.compile(rb'bn\\?"\s*:\s*\\?"\s*/?(\d+)(?:/(\d+))?(?:/(\d+))?', re.IGNORECASE)
_UBLOX_ENTRY = re.compile(rb"\{[^{}]*\}?")
_UBLOX_N = re.compile(rb'\bn\\?"\s*:\s*\\?"\s*/?(?:\d+/)?(\d+)')
_UBLOX_VALUE = re.compile(rb'(\b(?:sv|v|ov|vd)\\?"\s*:\s*\\?")((?:[^"\\]|\\[^"])*)')
_PATH_VALUE = re.compile(rb'(/(\d+)/\d+/(\d+)(?:/\d+)?\s*"?\s*,\s*)("(?:[^"\\]|\\.)*"?|[^,\r\n]*)')


def _secret_object_resource(object_id: int, resource_id: int) -> bool:
    try:
        return is_secret(Path(object_id, 0, resource_id))
    except ValueError:
        return False


def _mask_at_args(line: bytes, start: int, indexes: frozenset[int]) -> bytes:
    """Mask the comma-separated AT arguments ``indexes`` (0-based) that begin at ``start``."""
    out = bytearray(line[:start])
    pos = start
    index = 0
    while pos <= len(line):
        match = _AT_ARG.match(line, pos)
        assert match is not None  # the pattern can match the empty string
        arg = match.group(0)
        if index in indexes and arg.strip():
            quoted = arg.strip().startswith(b'"')
            out += b'"' + MASK_BYTES + b'"' if quoted else MASK_BYTES
        else:
            out += arg
        pos = match.end()
        if pos < len(line) and line[pos : pos + 1] == b",":
            out += b","
            pos += 1
            index += 1
            continue
        out += line[pos:]
        break
    return bytes(out)


#: Arguments of ``+QLWCFG="security"`` after the keyword: client_index, shortID, server_addr,
#: bootstrap, security_mode, PSK_ID (/0/x/3), PSK_key (/0/x/5); index 0 is "security" itself.
_QLW_SECRET: Final = frozenset({6, 7})


def _mask_quectel(line: bytes) -> bytes:
    match = _QUECTEL_SECURITY.search(line)
    if match is None:
        return line
    return _mask_at_args(line, match.start() + line[match.start() :].index(b'"'), _QLW_SECRET)


def _mask_ublox(line: bytes) -> bytes:
    if _UBLOX_JSON.search(line) is None:
        return line
    bn = _UBLOX_BN.search(line)
    if bn is None:
        return line
    object_id = int(bn.group(1))
    if object_id not in (0, 21):
        return line
    if bn.group(3) is not None:
        if not _secret_object_resource(object_id, int(bn.group(3))):
            return line
        return _UBLOX_VALUE.sub(lambda m: m.group(1) + MASK_BYTES, line)

    def entry(match: re.Match[bytes]) -> bytes:
        text = match.group(0)
        n = _UBLOX_N.search(text)
        if n is None or not _secret_object_resource(object_id, int(n.group(1))):
            return text
        return _UBLOX_VALUE.sub(lambda m: m.group(1) + MASK_BYTES, text)

    return _UBLOX_ENTRY.sub(entry, line)


def _mask_path_values(line: bytes) -> bytes:
    def repl(match: re.Match[bytes]) -> bytes:
        if not _secret_object_resource(int(match.group(2)), int(match.group(3))):
            return match.group(0)
        value = match.group(4)
        if not value.strip():
            return match.group(0)
        quoted = value.lstrip().startswith(b'"')
        return match.group(1) + (b'"' + MASK_BYTES + b'"' if quoted else MASK_BYTES)

    return _PATH_VALUE.sub(repl, line)


def _encodings(secret: bytes) -> set[bytes]:
    """The forms a secret takes in AT traffic and logs: raw, hex (both cases), base64."""
    forms = {secret, secret.hex().encode(), secret.hex().upper().encode()}
    forms.add(base64.b64encode(secret))
    forms.add(base64.b64encode(secret).rstrip(b"="))
    return {form for form in forms if len(form) >= MIN_SECRET_LEN}


class Redactor:
    """The masking rules of one session (known secret values plus the fixed rules above).

    Thread-safety: :meth:`add_secret` may race with masking; the compiled pattern is replaced,
    never mutated in place, so a concurrent caller sees either the old or the new set.
    """

    def __init__(self, secrets: Iterable[str | bytes] = ()) -> None:
        self._forms: frozenset[bytes] = frozenset()
        self._pattern: re.Pattern[bytes] | None = None
        self._longest = 0
        for secret in secrets:
            self.add_secret(secret)

    def add_secret(self, secret: str | bytes) -> None:
        """Mask this value (and its hex/base64 forms) from now on; short values are ignored."""
        raw = secret.encode("utf-8") if isinstance(secret, str) else bytes(secret)
        forms = set(self._forms) | _encodings(raw)
        if isinstance(secret, str):
            # A PSK typed as hex text: also mask the bytes it stands for.
            try:
                forms |= _encodings(bytes.fromhex(secret))
            except ValueError:
                pass
        ordered = sorted(forms, key=len, reverse=True)
        self._pattern = re.compile(b"|".join(re.escape(f) for f in ordered)) if ordered else None
        self._longest = max((len(f) for f in ordered), default=0)
        self._forms = frozenset(forms)

    @property
    def longest(self) -> int:
        """Length of the longest known secret form (how much a stream may need to hold)."""
        return self._longest

    def known_prefix_at_end(self, data: bytes) -> int:
        """Length of the longest tail of ``data`` that is a proper prefix of a known secret."""
        best = 0
        for form in self._forms:
            for size in range(min(len(form) - 1, len(data)), best, -1):
                if data.endswith(form[:size]):
                    best = size
                    break
        return best

    # -- bytes and text ---------------------------------------------------------------------

    def bytes_(self, data: bytes) -> bytes:
        """Mask known secret values anywhere in ``data`` (no AT rules)."""
        pattern = self._pattern
        return data if pattern is None else pattern.sub(MASK_BYTES, data)

    def bytes_fixed(self, data: bytes) -> bytes:
        """Mask known secret values with ``*`` of the same length (datagrams keep their size)."""
        pattern = self._pattern
        return data if pattern is None else pattern.sub(lambda m: b"*" * len(m.group(0)), data)

    def line(self, line: bytes) -> bytes:
        """Mask one complete AT line (known values and the AT rules)."""
        out = self.bytes_(line)
        if _HAS_TRIGGER.search(out):
            out = _mask_path_values(_mask_ublox(_mask_quectel(out)))
        return out

    def text(self, text: str) -> str:
        """:meth:`line` for text (decoded with surrogate escapes, so nothing is lost)."""
        if self._pattern is None and not _HAS_TRIGGER_TEXT.search(text):
            return text  # no known secret, no rule's trigger word (most event fields)
        data = text.encode("utf-8", "surrogateescape")
        masked = self.line(data)
        return text if masked == data else masked.decode("utf-8", "surrogateescape")

    # -- structured data --------------------------------------------------------------------

    def value(self, value: Any, *, secret: bool = False) -> Any:
        """Mask a JSON-like value: whole if ``secret``, else its secret-named/secret-path parts."""
        if secret:
            return MASK if value not in (None, "", [], {}) else value
        if isinstance(value, str):
            return self.text(value)
        if isinstance(value, Mapping):
            return self.mapping(value)
        if isinstance(value, list | tuple):
            return [self.value(item) for item in value]
        return value

    def mapping(self, data: Mapping[str, Any]) -> dict[str, Any]:
        """Mask a dict: secret-named keys, path-keyed secrets, ``path``+``value`` pairs."""
        path = data.get("path")
        secret_value = _names_secret(data) or (isinstance(path, str) and _path_secret(path))
        out: dict[str, Any] = {}
        for key, item in data.items():
            name = key if type(key) is str else str(key)
            if _is_secret_key(name):
                out[name] = self.value(item, secret=True)
            elif secret_value and name in _VALUE_KEYS and not _path_keyed(item):
                # A path-keyed mapping is masked per key below; anything else is one value.
                out[name] = self.value(item, secret=True)
            elif type(item) in _PLAIN:  # most event fields: nothing to mask in a number
                out[name] = item
            elif type(item) is str:
                out[name] = self.text(item)
            else:
                out[name] = self.value(item)
        return out


#: Values :meth:`Redactor.value` returns as they are (exact types: a subclass goes the long way).
_PLAIN: Final = frozenset({int, float, bool, type(None)})


def _path_keyed(item: Any) -> bool:
    return isinstance(item, Mapping) and all(str(key).startswith("/") for key in item)


# Memoised (pure functions of a string): an event's field names repeat on every event, and
# checking them was a third of masking one, on the session writer's thread (issue 17).
@functools.lru_cache(maxsize=4096)
def _is_secret_key(name: str) -> bool:
    """A key whose value is masked whole: a secret name or the path of a secret resource."""
    return _is_secret_name(name) or _is_secret_path(name)


@functools.lru_cache(maxsize=4096)
def _is_secret_name(name: str) -> bool:
    return name.lower().replace("-", "_") in SECRET_NAMES


def _is_secret_path(text: str) -> bool:
    if not text.startswith("/"):
        return False
    try:
        return is_secret(Path.parse(text))
    except ValueError:
        return False


@functools.lru_cache(maxsize=4096)
def _path_secret(path: str) -> bool:
    """A ``path`` field naming a secret resource, or an instance/object that holds some."""
    if not path.startswith("/"):
        return False
    try:
        parsed = Path.parse(path)
    except ValueError:
        return False
    return is_secret(parsed) or (touches_secrets(parsed) and parsed.resource_id is None)


def _names_secret(data: Mapping[str, Any]) -> bool:
    for key in _NAME_KEYS:
        name = data.get(key)
        if isinstance(name, str) and _is_secret_name(name):
            return True
    return False


class StreamRedactor:
    """Masks one direction of a serial stream, holding back lines that may carry a secret.

    :meth:`feed` returns the bytes that are safe to write now (possibly none); :meth:`flush`
    releases what is held (masked as far as the bytes allow). Not thread-safe: one instance per
    direction, called under the caller's lock.
    """

    def __init__(self, redactor: Redactor) -> None:
        self._redactor = redactor
        self._held = bytearray()
        self.redacted = False

    @property
    def holding(self) -> int:
        """Bytes currently held back."""
        return len(self._held)

    def feed(self, data: bytes) -> bytes:
        """Add a chunk; return the masked bytes that can be written now."""
        self.redacted = False
        buf = bytes(self._held) + data if self._held else data
        self._held.clear()
        last = max(buf.rfind(b"\r"), buf.rfind(b"\n")) + 1
        out = self._mask(buf[:last]) if last else b""
        rest = buf[last:]
        if not rest:
            return out
        if len(rest) >= MAX_HOLD:
            return out + self._mask(rest)
        if _HAS_TRIGGER.search(rest) or rest.upper().endswith(_TRIGGER_PREFIXES):
            self._held += rest
            return out
        keep = self._redactor.known_prefix_at_end(rest)
        safe = rest[: len(rest) - keep]
        masked = self._redactor.bytes_(safe)
        if masked != safe:
            # A known secret in the middle of a partial line: its end is certain, the rest of
            # the line is not; releasing the masked part keeps the terminal responsive.
            self.redacted = True
        if keep:
            self._held += rest[len(rest) - keep :]
        return out + masked

    def flush(self) -> bytes:
        """Release held bytes (end of session): masked with every rule that can apply."""
        self.redacted = False
        held = bytes(self._held)
        self._held.clear()
        return self._mask(held) if held else b""

    def _mask(self, block: bytes) -> bytes:
        """Mask complete lines: known values over the whole block, the AT rules per line
        (only when a trigger word occurs at all, which keeps ordinary traffic cheap)."""
        if _HAS_TRIGGER.search(block):
            masked = b"".join(self._redactor.line(line) for line in _split_lines(block))
        else:
            masked = self._redactor.bytes_(block)
        if masked != block:
            self.redacted = True
        return masked


def _split_lines(block: bytes) -> list[bytes]:
    """Lines of ``block`` each with its own line-ending bytes (CR and LF each end a line)."""
    return [part for part in _LINE_SPLIT.split(block) if part]


_LINE_SPLIT: Final = re.compile(rb"(?<=[\r\n])")
