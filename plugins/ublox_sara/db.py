"""The simulated module's LwM2M database: factory objects, snapshots for NVM, host operations.

The note's "LwM2M DB" (§3.1) is the object table the Lua objects populate. Here it is an
:class:`ObjectStore` typed by the built-in definitions, filled per product with the objects of
Tables 1-4 and the u-blox server (SSID 721) at the instance id §4.4 gives. The host's JSON
commands (+ULWM2MREAD/WRITE/CREATE/DELETE) act on it through :class:`ModuleDb`; a snapshot of it
lives in the simulator's non-volatile settings (the note persists the DB across reboots).
"""

from __future__ import annotations

import copy
import json
from collections.abc import Iterable, Mapping
from typing import Any

from workbench.plugin_api import (
    AtError,
    ObjectRegistry,
    ObjectStore,
    OperationError,
    Path,
    default_registry,
    encode_ublox_json,
    invalid_param,
    not_allowed,
)

from .profiles import Profile

UBLOX_SSID = 721
#: Objects without instances on a fresh module, per family (Tables 1-4; §4.2 lists them bare).
_EMPTY_R4 = (6, 7, 10, 15, 16, 10241, 10262)
_EMPTY_R5 = (7, 16)
#: Snapshot: object id → instance id → resource id → value; plus the object ids.
Snapshot = dict[str, Any]


def factory_snapshot(profile: Profile, server_url: str, imei: str, mno: int = 90) -> Snapshot:
    """The DB of a module fresh from the factory (or after ``AT+ULWM2M=2``).

    In the Verizon profile (``mno`` 3) /0/0 is the operator's bootstrap server (Appendix C
    shows it as server 100); the simulator never contacts it (these machines reach no
    internet), it is there to be rewritten as Appendix C does.
    """
    fi = profile.factory_instance
    objects: dict[int, dict[int, dict[int, Any]]] = {
        0: {},
        1: {},
        2: {},
        3: {0: _device(profile, imei)},
        4: {0: {0: 7, 1: {0: 7}, 2: -90, 3: 20, 4: {0: "10.0.0.2"}, 7: {0: "internet"}}},
        5: {0: {3: 0, 5: 0, 9: 0}},
        11: {0: {0: "internet", 1: "internet", 3: True}},
        14: {},
    }
    if server_url:
        objects[0][fi] = {
            0: server_url,
            1: False,
            2: 3,
            3: b"",
            4: b"",
            5: b"",
            10: UBLOX_SSID,
            11: 0,
        }
        objects[1][fi] = {
            0: UBLOX_SSID, 1: 86400, 2: 0, 3: 0, 4: None, 5: 86400, 6: False, 7: "U", 8: None,
        }  # fmt: skip
    if mno == 3:
        objects[0][0] = {0: "coaps://bootstrap.vzw.invalid:5684", 1: True, 2: 0, 10: 100}
    acl_targets = [
        (1, fi),
        (3, 0),  # §5.6: /2/1 is the ACL of /3/0
        (4, 0),
        (5, 0),
        (11, 0),
    ]
    for index, (oid, iid) in enumerate(acl_targets):
        objects[2][index] = {0: oid, 1: iid, 2: {UBLOX_SSID: 15}, 3: UBLOX_SSID}
    for oid in _EMPTY_R5 if profile.is_r5 else _EMPTY_R4:
        objects.setdefault(oid, {})
    if not profile.is_r5:
        objects.setdefault(3300, {})  # Tables 1-3; §5.3: already present on 63B/73B/83B
    return {"objects": objects, "removed": []}


def _device(profile: Profile, imei: str) -> dict[int, Any]:
    return {
        0: "u-blox",
        1: profile.model,
        2: imei,
        3: profile.revision,
        4: None,
        5: None,
        6: {0: 1},
        7: {0: 3800},
        8: {0: 50},
        9: 100,
        10: 1024,
        11: {0: 0},
        12: None,
        13: 0,
        14: "+00:00",
        15: "UTC",
        16: "UQ",
        17: "Module",
        18: "1.0",
        19: profile.revision,
    }


class ModuleDb:
    """The object table the host edits with AT commands (one per simulator)."""

    def __init__(self, snapshot: Snapshot, registry: ObjectRegistry | None = None) -> None:
        self.registry = registry or default_registry()
        self.store = ObjectStore(self.registry)
        #: Objects taken out of the table with +ULWM2MREMOVE (hidden until the next boot).
        self.removed: set[int] = set(snapshot.get("removed", ()))
        for oid, instances in sorted(snapshot["objects"].items()):
            if oid in self.removed or oid not in self.registry:
                continue
            self.store.add_object(oid)
            for iid, values in sorted(instances.items()):
                self.store.create_instance(oid, iid, values)

    def snapshot(self) -> Snapshot:
        """Deep copy of the values (what the NVM keeps)."""
        objects: dict[int, dict[int, dict[int, Any]]] = {}
        for oid in self.object_ids():
            objects[oid] = {}
            for iid in self.store.instance_ids(oid):
                objects[oid][iid] = {
                    rid: copy.deepcopy(self.store.get(Path.of(oid, iid, rid)))
                    for rid in self.store.resource_ids(oid, iid)
                }
        return {"objects": objects, "removed": []}

    def object_ids(self) -> list[int]:
        return [oid for oid in self.store.object_ids() if oid not in self.removed]

    # -- the AT operations ----------------------------------------------------------------
    def list_uris(self, base: str) -> list[str]:
        """``+ULWM2MLIST`` entries under ``base`` ("/" for everything, §4.2)."""
        target = None if base.strip() in ("", "/") else _path(base)
        out: list[str] = []
        for oid in self.object_ids():
            if target is not None and target.object_id != oid:
                continue
            instances = self.store.instance_ids(oid)
            if not instances:
                out.append(f"/{oid}")
            out.extend(f"/{oid}/{iid}" for iid in instances)
        return out

    def read_json(self, uri: str) -> str:
        """The JSON of ``+ULWM2MREAD`` (§4.5); the Security object cannot be read (§5.1.1)."""
        path = _path(uri)
        if path.object_id == 0:
            raise not_allowed("the Security object cannot be read")
        self._check_present(path)
        try:
            content = self.store.content(path)
        except OperationError as exc:
            raise invalid_param(str(exc)) from None
        if path.resource_id is None:
            return encode_ublox_json(path, content, self.registry)
        # §4.5: a resource read names the resource in "bn" and repeats it (or gives the
        # resource instance) in "n": {"bn":"/3300/0/5601/","e":[{"n":"5601","v":0}]}.
        instance = Path.of(path.object_id, path.instance_id or 0)
        document = json.loads(encode_ublox_json(instance, content, self.registry))
        prefix = f"{path.resource_id}/"
        for entry in document.get("e", []):
            name = str(entry.get("n", ""))
            entry["n"] = name[len(prefix) :] if name.startswith(prefix) else name
        document["bn"] = f"{path}/"
        return json.dumps(document, separators=(",", ":"), ensure_ascii=False)

    def write(self, content: Mapping[Path, Any]) -> list[Path]:
        """Host write (+ULWM2MWRITE): every target instance must exist; values validated."""
        changed: list[Path] = []
        checked = self._validated(content)
        for path in checked:
            self._check_present(path)
            if not self.store.exists(Path.of(path.object_id, path.instance_id or 0)):
                raise invalid_param(f"{path.parent} does not exist")
        for path, value in checked.items():
            try:
                self.store.set(path, value)
            except OperationError as exc:
                raise invalid_param(str(exc)) from None
            changed.append(path)
        return changed

    def create(self, content: Mapping[Path, Any], owner: int) -> Path:
        """Host create (+ULWM2MCREATE) plus the owner's ACL instance (§5.1.1)."""
        paths = list(content)
        if not paths:
            raise invalid_param("no resources to create")
        first = paths[0]
        if first.instance_id is None or any(
            (p.object_id, p.instance_id) != (first.object_id, first.instance_id) for p in paths
        ):
            raise invalid_param("all resources must be in one object instance")
        oid, iid = first.object_id, first.instance_id
        self._check_present(Path.of(oid))
        if self.store.exists(Path.of(oid, iid)):
            raise not_allowed(f"/{oid}/{iid} already exists")
        values: dict[int, Any] = dict(_defaults(oid))
        for path, value in self._validated(content).items():
            assert path.resource_id is not None
            if path.resource_instance_id is None:
                values[path.resource_id] = value
            else:
                values.setdefault(path.resource_id, {})[path.resource_instance_id] = value
        try:
            self.store.create_instance(oid, iid, values)
        except OperationError as exc:
            raise invalid_param(str(exc)) from None
        if oid not in (0, 2) and 2 in self.object_ids():  # Security has no ACL (OMA range)
            self.store.create_instance(2, None, {0: oid, 1: iid, 2: {owner: 15}, 3: owner})
        return Path.of(oid, iid)

    def delete(self, uri: str) -> Path:
        """Host delete (+ULWM2MDELETE) of an instance, with its ACL instance."""
        path = _path(uri)
        if path.instance_id is None or path.resource_id is not None:
            raise invalid_param("an object instance URI is needed")
        self._check_present(path)
        try:
            self.store.delete_instance(path.object_id, path.instance_id)
        except OperationError as exc:
            raise invalid_param(str(exc)) from None
        for acl in self.store.instance_ids(2):
            target = (
                self.store.get_or(Path.of(2, acl, 0)),
                self.store.get_or(Path.of(2, acl, 1)),
            )
            if target == (path.object_id, path.instance_id):
                self.store.delete_instance(2, acl)
        return path

    def remove_object(self, uri: str) -> int:
        """+ULWM2MREMOVE: instances dropped, object hidden from the table (§5.3.1)."""
        path = _path(uri)
        if path.instance_id is not None:
            raise invalid_param("an object URI is needed")
        self._check_present(path)
        for iid in self.store.instance_ids(path.object_id):
            self.store.delete_instance(path.object_id, iid)
        self.removed.add(path.object_id)
        return path.object_id

    def add_object(self, object_id: int) -> None:
        """+ULWM2MADD: put an object (back) into the table."""
        if object_id not in self.registry:
            raise invalid_param(f"object {object_id} has no definition")
        self.removed.discard(object_id)
        self.store.add_object(object_id)

    def servers(self) -> list[tuple[int, int, int, str]]:
        """(ssid, security instance, server instance, uri) of every non-bootstrap account."""
        out: list[tuple[int, int, int, str]] = []
        for sec in self.store.instance_ids(0):
            if self.store.get_or(Path.of(0, sec, 1), False) is True:
                continue
            uri = self.store.get_or(Path.of(0, sec, 0))
            ssid = self.store.get_or(Path.of(0, sec, 10))
            if not isinstance(uri, str) or not uri or not isinstance(ssid, int):
                continue
            for srv in self.store.instance_ids(1):
                if self.store.get_or(Path.of(1, srv, 0)) == ssid:
                    out.append((ssid, sec, srv, uri))
                    break
        return out

    # -- helpers ---------------------------------------------------------------------------
    def _check_present(self, path: Path) -> None:
        if path.object_id in self.removed or not self.store.exists(Path.of(path.object_id)):
            raise invalid_param(f"object {path.object_id} is not in the object table")

    def _validated(self, content: Mapping[Path, Any]) -> dict[Path, Any]:
        out: dict[Path, Any] = {}
        for path, value in content.items():
            if path.resource_id is None:
                raise invalid_param(f"{path} is not a resource")
            definition = self.registry.get(path.object_id)
            res = definition.resource(path.resource_id) if definition is not None else None
            if res is None:
                raise invalid_param(f"{path}: unknown resource")
            out[path] = value
        return out


def _defaults(object_id: int) -> dict[int, Any]:
    """Values a generated Lua object starts with (§5.3.4 reads them back after a create)."""
    if object_id == 3300:
        return {
            5601: 0.0,
            5602: 0.0,
            5603: 0.0,
            5604: 0.0,
            5605: None,
            5700: 0.0,
            5701: "",
            5750: "",
            5751: "",
        }
    return {}


def _path(uri: str) -> Path:
    text = uri.strip()
    if not text.startswith("/"):
        text = "/" + text
    try:
        return Path.parse(text.rstrip("/") or "/")
    except ValueError:
        raise invalid_param(f"{uri!r} is not a URI") from None


def sync_paths(source: ObjectStore, target: ObjectStore, paths: Iterable[Path]) -> None:
    """Copy what changed at ``paths`` (resources, created/deleted instances) into ``target``."""
    for path in paths:
        if path.object_id not in target.object_ids():
            continue
        try:
            if path.resource_id is not None:
                if source.exists(path) and target.exists(Path.of(*path.ids[:2])):
                    target.set(path, copy.deepcopy(source.get(path)))
                continue
            assert path.instance_id is not None
            here = source.exists(path)
            there = target.exists(path)
            if here and not there:
                values = {
                    rid: copy.deepcopy(source.get(Path.of(*path.ids[:2], rid)))
                    for rid in source.resource_ids(path.object_id, path.instance_id)
                }
                target.create_instance(path.object_id, path.instance_id, values)
            elif there and not here:
                target.delete_instance(path.object_id, path.instance_id)
            elif here:
                for rid in source.resource_ids(path.object_id, path.instance_id):
                    target.set(
                        Path.of(*path.ids[:2], rid),
                        copy.deepcopy(source.get(Path.of(*path.ids[:2], rid))),
                    )
        except (OperationError, AtError, ValueError):
            continue
