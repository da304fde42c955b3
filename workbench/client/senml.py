"""Joining SenML packs: a Send of several paths is one pack with absolute names.

Each path is encoded on its own by the shared SenML codec (which may use base names); the
packs are joined after resolving ``bn`` + ``n`` into plain names, so no base name of one pack
leaks into the records of the next.
"""

from __future__ import annotations

import json
from typing import Any

import cbor2

from workbench.lwm2m.codecs.base import ContentFormat

_CBOR_BN, _CBOR_N = -2, 0


def merge_senml(packs: list[bytes], content_format: int) -> bytes:
    """One SenML JSON (110) or CBOR (112) pack from several."""
    if len(packs) == 1:
        return packs[0]
    if content_format == ContentFormat.SENML_JSON:
        records = _resolve([json.loads(p) for p in packs], "bn", "n")
        return json.dumps(records, separators=(",", ":")).encode()
    if content_format == ContentFormat.SENML_CBOR:
        records = _resolve([cbor2.loads(p) for p in packs], _CBOR_BN, _CBOR_N)
        return bytes(cbor2.dumps(records))
    raise ValueError(f"Send needs SenML JSON or CBOR, not {content_format}")


def _resolve(packs: list[Any], bn_key: object, n_key: object) -> list[dict[Any, Any]]:
    out: list[dict[Any, Any]] = []
    for pack in packs:
        base = ""
        for record in pack:
            record = dict(record)
            if bn_key in record:
                base = str(record.pop(bn_key))
            record[n_key] = base + str(record.get(n_key, ""))
            out.append(record)
    return out
