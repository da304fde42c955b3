"""Which DTLS identity may register which endpoint: the server's security store.

Modelled on Leshan's security store: credentials belong to an endpoint, so

* an endpoint that has credentials may register (update, deregister, send) only over DTLS
  and only with its own PSK identity — a plain-CoAP Register of that name is refused 4.03
  instead of replacing the secure registration;
* a PSK identity maps to exactly one endpoint: registering another endpoint name with it is
  refused 4.03 too.

Leshan needs the endpoint name with every key. A module's endpoint name (often
``urn:imei:…`` or a vendor-built string) is rarely known before it first registers, so here
an identity may be given without one (``--psk ID:KEY``): it is then bound to the endpoint of
its first successful DTLS registration and stays bound for the life of the server (a later
deregistration does not free the name for plain CoAP). ``--psk ID:KEY@EP`` binds it up front.

Keys, identities and endpoints are parsed here for every entry point (``--psk``, key files,
the server panel's fields, the bootstrap file), so all of them accept and refuse the same text.

Pure data and rules; :class:`~workbench.server.server.LwM2MServer` asks it and reports each
refusal as a ``security`` event in words.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field


@dataclass(slots=True)
class PskEntry:
    """One pre-shared key: its identity, the key and the endpoint it is bound to (if any)."""

    identity: str
    key: bytes
    endpoint: str | None = None

    def __post_init__(self) -> None:
        if not self.identity:
            raise ValueError("a PSK identity must not be empty")
        if not self.key:
            raise ValueError(f"PSK {self.identity}: the key must not be empty")
        if self.endpoint == "":
            raise ValueError(f"PSK {self.identity}: the endpoint after @ must not be empty")


#: A key is hex digits, written together (``001122``) or with a colon between every byte
#: (``00:11:22``, as many tools print keys). Nothing else: no ``0x``, no spaces.
_HEX_KEY = re.compile(r"[0-9A-Fa-f]*")
_COLON_KEY = re.compile(r"[0-9A-Fa-f]{2}(?::[0-9A-Fa-f]{2})+")
_HEX_DIGITS = frozenset("0123456789abcdefABCDEF")


def parse_psk_key(text: str) -> bytes:
    """The bytes of a PSK key as typed anywhere (CLI, key file, window, bootstrap file).

    The one parser of keys, so a key the window takes is a key the CLI takes. Strict: the
    :class:`ValueError` says what is wrong and never repeats the key.
    """
    key = text.strip()
    if not key:
        raise ValueError("the key must not be empty")
    if _COLON_KEY.fullmatch(key):
        return bytes.fromhex(key.replace(":", ""))
    if key[:2] in ("0x", "0X"):
        raise ValueError("the key is not hexadecimal as given: write it without 0x")
    if any(c not in _HEX_DIGITS and c != ":" and not c.isspace() for c in key):
        raise ValueError("the key is not hexadecimal (0-9, a-f)")
    if any(c.isspace() for c in key):
        raise ValueError(
            "the key contains spaces: write the hex digits together (001122) "
            "or with a colon between bytes (00:11:22)"
        )
    if not _HEX_KEY.fullmatch(key):
        raise ValueError(
            "the key's colons must separate every byte (00:11:22) or be left out (001122)"
        )
    if len(key) % 2:
        raise ValueError("the key has an odd number of hex digits")
    return bytes.fromhex(key)


def check_psk_name(text: str, what: str) -> str:
    """``text`` as a PSK identity or endpoint name (``what``), or a :class:`ValueError`.

    Spaces and control characters are refused: key files and ``--psk-env`` separate entries
    with spaces, so such a name could be set in the window but never on the CLI.
    """
    if not text:
        raise ValueError(f"the {what} must not be empty")
    if any(c.isspace() or not c.isprintable() for c in text):
        raise ValueError(f"the {what} {text!r} contains a space or a control character")
    return text


def psk_entry(
    identity: str, key: str, endpoint: str | None = None, *, where: str = "PSK"
) -> PskEntry:
    """One entry from its three parts as typed (the window's fields, a bootstrap entry).

    ``endpoint`` None: bound at the first registration. Errors start with ``where`` and the
    identity, and never repeat the key.
    """
    identity = identity.strip()
    try:
        check_psk_name(identity, "PSK identity")
        secret = parse_psk_key(key)
        if endpoint is not None:
            endpoint = endpoint.strip()
            if not endpoint:
                raise ValueError("the endpoint after @ must not be empty")
            check_psk_name(endpoint, "endpoint")
    except ValueError as exc:
        raise ValueError(f"{where} {identity}: {exc}" if identity else f"{where}: {exc}") from None
    return PskEntry(identity, secret, endpoint)


def parse_psk_entry(text: str, where: str = "--psk") -> PskEntry:
    """``IDENTITY:KEY[@ENDPOINT]`` as a :class:`PskEntry`; errors never repeat the key.

    Identities and endpoints may contain ``:`` (``urn:imei:…``) and a key may too
    (``00:11:22``), so the identity is the shortest prefix before a ``:`` that is followed by
    a valid key (:func:`parse_psk_key`): ``a:b:cafe`` is identity ``a:b``, ``dev:00:11`` is
    identity ``dev`` with a two-byte key.
    """
    text = text.strip()
    splits = [i for i, c in enumerate(text) if c == ":" and i > 0]
    if not splits:
        raise ValueError(f"{where} takes IDENTITY:HEXKEY[@ENDPOINT]")
    reason: ValueError | None = None
    for at in splits:
        rest = text[at + 1 :]
        key, has_endpoint, endpoint = rest.partition("@")
        try:
            parse_psk_key(key)
        except ValueError as exc:
            reason = exc
            continue
        return psk_entry(text[:at], key, endpoint if has_endpoint else None, where=where)
    # No split gives a key. Say what is wrong with the likeliest key, the text after the last
    # colon, and name the identity only up to the first colon (never key material).
    raise ValueError(f"{where} {text[: splits[0]]}: {reason}")


def parse_psk_lines(lines: Iterable[str], source: str) -> list[PskEntry]:
    """Entries from a key file or variable: one per line or space-separated; ``#`` comments."""
    entries: list[PskEntry] = []
    for number, line in enumerate(lines, 1):
        for word in line.partition("#")[0].split():
            entries.append(parse_psk_entry(word, f"{source} line {number}:"))
    return entries


def psk_tables(entries: Iterable[PskEntry]) -> tuple[dict[str, bytes], dict[str, str | None]]:
    """identity → key and identity → endpoint for :class:`LwM2MServer`; duplicates refused."""
    keys: dict[str, bytes] = {}
    endpoints: dict[str, str | None] = {}
    for entry in entries:
        if entry.identity in keys:
            raise ValueError(f"PSK identity {entry.identity!r} is given twice")
        keys[entry.identity] = entry.key
        endpoints[entry.identity] = entry.endpoint
    return keys, endpoints


@dataclass(slots=True)
class SecurityStore:
    """Identity → endpoint bindings, given up front or learned at the first DTLS Register."""

    #: identity → endpoint given with the key.
    configured: dict[str, str] = field(default_factory=dict)
    #: identity → endpoint learned from a successful DTLS registration.
    learned: dict[str, str] = field(default_factory=dict)

    @classmethod
    def from_entries(cls, entries: Mapping[str, str | None]) -> SecurityStore:
        """A store from identity → endpoint (``None``: learn it at the first Register)."""
        store = cls()
        owners: dict[str, str] = {}
        for identity, endpoint in entries.items():
            if endpoint is None:
                continue
            if endpoint in owners:
                raise ValueError(
                    f"endpoint {endpoint!r} is bound to two PSK identities "
                    f"({owners[endpoint]!r} and {identity!r}); an endpoint has one"
                )
            owners[endpoint] = identity
            store.configured[identity] = endpoint
        return store

    def endpoint_of(self, identity: str) -> str | None:
        """The endpoint ``identity`` is bound to, if it is bound yet."""
        return self.configured.get(identity) or self.learned.get(identity)

    def identity_of(self, endpoint: str) -> str | None:
        """The identity that owns ``endpoint``'s credentials, if any."""
        for bindings in (self.configured, self.learned):
            for identity, bound in bindings.items():
                if bound == endpoint:
                    return identity
        return None

    def check(self, endpoint: str, identity: str | None) -> str | None:
        """Why ``endpoint`` may not register with ``identity`` (``None``: plain CoAP), or None."""
        owner = self.identity_of(endpoint)
        if identity is None:
            if owner is not None:
                return (
                    f"endpoint {endpoint!r} has credentials (PSK identity {owner!r}): it may "
                    "register only over DTLS with that identity, not over plain CoAP"
                )
            return None
        bound = self.endpoint_of(identity)
        if bound is not None and bound != endpoint:
            return (
                f"PSK identity {identity!r} is bound to endpoint {bound!r}; it may not "
                f"register endpoint {endpoint!r}"
            )
        if owner is not None and owner != identity:
            return (
                f"endpoint {endpoint!r} belongs to PSK identity {owner!r}; identity "
                f"{identity!r} may not register it"
            )
        return None

    def bind(self, identity: str, endpoint: str) -> bool:
        """Remember that ``identity`` registered ``endpoint``; True when newly bound."""
        if self.endpoint_of(identity) is not None:
            return False
        self.learned[identity] = endpoint
        return True
