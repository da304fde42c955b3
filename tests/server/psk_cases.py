"""One table of PSK inputs and the verdict every entry point must give (issue 14).

The CLI (``--psk``, ``--psk-file``), the Server panel's fields and the bootstrap file all parse
keys with :func:`workbench.server.security.psk_entry`; the tests feed this table through each of
them and expect the same answer: the same identity, key and endpoint, or a refusal whose message
contains the given words (and never the key).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class PskCase:
    identity: str
    key: str
    endpoint: str | None
    #: The key's bytes when accepted; None when refused.
    accepted: bytes | None
    #: Words the refusal names (what is wrong); "" for any refusal.
    words: str = ""

    @property
    def cli_text(self) -> str:
        """The same entry as ``--psk`` takes it."""
        at = "" if self.endpoint is None else f"@{self.endpoint}"
        return f"{self.identity}:{self.key}{at}"


CASES: list[PskCase] = [
    PskCase("bench-01", "0011223344556677", None, bytes.fromhex("0011223344556677")),
    PskCase("bench-01", "AABBccdd", None, bytes.fromhex("aabbccdd")),
    # The window took colons; the old CLI read this as identity "bench-01:00:11:22" + key 33.
    PskCase("bench-01", "00:11:22:33", None, bytes.fromhex("00112233")),
    PskCase("urn:imei:35", "cafe", None, b"\xca\xfe"),
    PskCase("dev", "cafe", "urn:imei:35", b"\xca\xfe"),
    # The window took these and the CLI refused them; now every entry point refuses them.
    PskCase("dev", "0x0011", None, None, "without 0x"),
    PskCase("dev", "00 11 22", None, None, "contains spaces"),
    # (``--psk dev:0:011`` is refused for the odd "011" after the last colon: same verdict.)
    PskCase("dev", "0:011", None, None),
    # Refused everywhere before too, with these reasons.
    PskCase("dev", "abc", None, None, "odd number of hex digits"),
    PskCase("dev", "", None, None, "key must not be empty"),
    PskCase("dev", "secretnothex", None, None, "not hexadecimal"),
    PskCase("", "0011", None, None),
    PskCase("my dev", "0011", None, None, "identity 'my dev' contains a space"),
    PskCase("dev\x07", "0011", None, None, "control character"),
    PskCase("dev", "0011", "urn imei", None, "endpoint 'urn imei' contains a space"),
]


def case_id(case: PskCase) -> str:
    return case.cli_text.encode("unicode_escape").decode() or "empty"
