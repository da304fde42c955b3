"""Registration-interface messages: Register, Update and De-register, and their payload.

Pure functions of the store and the parameters, kept apart from the engine's timers so they
can be tested without a network. Every Register carries ``lwm2m=`` (Wakaama's server answers
4.00 without it) and a CoRE link-format list of objects with their versions and instances;
the Security object (0) and OSCORE (21) are never listed, as the specification requires.
"""

from __future__ import annotations

from dataclasses import dataclass

from workbench.client.defaults import SECURITY
from workbench.client.store import ObjectStore

#: Objects never listed in Register/Update payloads.
HIDDEN_OBJECTS = frozenset({SECURITY, 21})

#: Content formats announced on the root link, per LwM2M version.
ANNOUNCED_FORMATS = {
    "1.0": "11542 11543",
    "1.1": "60 110 112 11542 11543",
    "1.2": "60 110 112 11542 11543 11544",
}


@dataclass(frozen=True, slots=True)
class ServerAccount:
    """The LwM2M server the client registers with, as the Security/Server objects say."""

    uri: str
    short_server_id: int
    lifetime: int
    binding: str
    security_instance: int
    server_instance: int

    @property
    def queue_mode(self) -> bool:
        return "Q" in self.binding


def object_links(store: ObjectStore, version: str) -> str:
    """The Register/Update payload: ``</>;rt="oma.lwm2m";ct=..,</1/0>,</3>;ver=1.1,</3/0>``."""
    formats = ANNOUNCED_FORMATS.get(version, ANNOUNCED_FORMATS["1.1"])
    ct = f'"{formats}"' if " " in formats else formats
    links = [f'</>;rt="oma.lwm2m";ct={ct}']
    for oid in store.object_ids():
        if oid in HIDDEN_OBJECTS:
            continue
        definition = store.registry.get(oid)
        instances = store.instance_ids(oid)
        if definition is not None and definition.version not in ("", "1.0"):
            links.append(f"</{oid}>;ver={definition.version}")
        elif not instances:
            links.append(f"</{oid}>")
        links.extend(f"</{oid}/{iid}>" for iid in instances)
    return ",".join(links)


def register_query(endpoint: str, lifetime: int, version: str, binding: str) -> list[str]:
    return [f"ep={endpoint}", f"lt={lifetime}", f"lwm2m={version}", f"b={binding}"]


def update_query(lifetime: int | None, binding: str | None) -> list[str]:
    """Update carries only what changed since the last Register/Update."""
    query = []
    if lifetime is not None:
        query.append(f"lt={lifetime}")
    if binding is not None:
        query.append(f"b={binding}")
    return query
