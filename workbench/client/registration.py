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
from workbench.lwm2m.model import ObjectDefinition
from workbench.lwm2m.versionrules import VERSIONS, root_ct, version_newer

#: Objects never listed in Register/Update payloads.
HIDDEN_OBJECTS = frozenset({SECURITY, 21})

#: Multi-value content formats this client reads and writes; what it announces on the root
#: link is the subset (and the order) the version's rules table allows.
SUPPORTED_FORMATS = (60, 110, 112, 11542, 11543, 11544)


def root_link(version: str) -> str:
    """``</>;rt="oma.lwm2m"`` plus the ``ct`` the version allows (one value before 1.2)."""
    ct = root_ct(version, SUPPORTED_FORMATS)
    return '</>;rt="oma.lwm2m"' + (f";ct={ct}" if ct is not None else "")


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
    """The Register/Update payload: ``</>;rt="oma.lwm2m";ct=..,</1/0>,</3>;ver=1.1,</3/0>``.

    Only what ``version`` allows (:mod:`workbench.lwm2m.versionrules`): a single ``ct``
    before 1.2, and ``ver`` only for object versions that exist in ``version``.
    """
    links = [root_link(version if version in VERSIONS else "1.1")]
    for oid in store.object_ids():
        if oid in HIDDEN_OBJECTS:
            continue
        definition = store.registry.get(oid)
        instances = store.instance_ids(oid)
        if definition is not None and announced_version(definition, version):
            links.append(f"</{oid}>;ver={definition.version}")
        elif not instances:
            links.append(f"</{oid}>")
        links.extend(f"</{oid}/{iid}>" for iid in instances)
    return ",".join(links)


def announced_version(definition: ObjectDefinition, version: str) -> bool:
    """Whether ``</oid>;ver=..`` goes out: the object is not 1.0, and its definition belongs to
    ``version`` or an earlier one. A definition from a newer enabler (Server 1.2 needs LwM2M
    1.2) is not what a client of ``version`` implements; its older version is not in the
    registry, so no ``ver`` is claimed (the server assumes 1.0, a subset)."""
    if definition.version in ("", "1.0"):
        return False
    return not version_newer(definition.lwm2m_version, version)


def wire_binding(binding: str, version: str) -> tuple[str, bool]:
    """The ``b=`` value and whether to send ``Q``: 1.0 writes queue mode into the binding
    (``UQ``), 1.1 and later send the letters without ``Q`` and a separate ``Q`` parameter."""
    if version == "1.0":
        return binding, False
    letters = binding.replace("Q", "")
    return letters or "U", "Q" in binding


def register_query(endpoint: str, lifetime: int, version: str, binding: str) -> list[str]:
    letters, queue = wire_binding(binding, version)
    query = [f"ep={endpoint}", f"lt={lifetime}", f"lwm2m={version}", f"b={letters}"]
    return [*query, "Q"] if queue else query


def update_query(lifetime: int | None, binding: str | None, version: str = "1.1") -> list[str]:
    """Update carries only what changed since the last Register/Update.

    From 1.1 queue mode is not an Update parameter, so only the binding letters go out.
    """
    query = []
    if lifetime is not None:
        query.append(f"lt={lifetime}")
    if binding is not None:
        query.append(f"b={wire_binding(binding, version)[0]}")
    return query
