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


#: ``IDENTITY:HEXKEY[@ENDPOINT]``: the identity is the shortest prefix followed by a hex key,
#: so identities and endpoints may contain ``:`` (``urn:imei:…``) while the key is plain hex.
_ENTRY = re.compile(r"(?P<identity>.+?):(?P<key>[0-9A-Fa-f]*)(?:@(?P<endpoint>.*))?")


def parse_psk_entry(text: str, where: str = "--psk") -> PskEntry:
    """``IDENTITY:HEXKEY[@ENDPOINT]`` as a :class:`PskEntry`; errors never repeat the key."""
    match = _ENTRY.fullmatch(text.strip())
    if match is None:
        identity = text.partition(":")[0] if ":" in text else ""
        if identity:
            raise ValueError(f"{where} {identity}: the key is not hex")
        raise ValueError(f"{where} takes IDENTITY:HEXKEY[@ENDPOINT]")
    key_hex = match["key"]
    if len(key_hex) % 2:
        raise ValueError(f"{where} {match['identity']}: the key has an odd number of hex digits")
    try:
        return PskEntry(match["identity"], bytes.fromhex(key_hex), match["endpoint"])
    except ValueError as exc:
        raise ValueError(f"{where}: {exc}") from None


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
