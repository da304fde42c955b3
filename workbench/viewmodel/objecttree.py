"""The data behind the object tree: definitions + values + observation state, without Qt.

The GUI's object tree shows LwM2M objects → instances → resources (→ resource instances),
named and typed from the :class:`~workbench.lwm2m.model.ObjectRegistry` (units, ranges,
operations), with the last value each one had and where it came from (a read, a notification, a
write the user made, the module's own AT view). Everything that is not about widgets lives here
so it is tested with plain pytest:

* :class:`ObjectTreeData` — merges what a registration announced (objects and instances), the
  values the server read or was notified of, observation flags and per-row errors; re-types
  itself when the registry changes (the user loaded more definition files);
* value text for display (:func:`display_value`) and parsing of typed editor input
  (:func:`parse_value`, :func:`parse_attributes`, :func:`parse_create_values`);
* :data:`CONTENT_FORMATS` — the per-request format choice;
* :func:`session_trees` — the server view of a *recorded* session (read-only): endpoints,
  objects and instances from the registrations, last values from recorded reads,
  notifications, Sends and acknowledged writes;
* the module's *own* view of its objects is fed from the module state
  (:meth:`ObjectTreeData.set_paths`, :meth:`ObjectTreeData.apply_values`); the AT commands
  behind it are the plugin's ``module_view`` (:class:`~workbench.module.moduleview.ModuleDialect`).
"""

from __future__ import annotations

import datetime as _dt
import math
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, NamedTuple

from workbench.lwm2m.codecs.base import ContentFormat
from workbench.lwm2m.errors import PathError, ValueValidationError
from workbench.lwm2m.model import (
    ObjectDefinition,
    ObjectRegistry,
    ResourceDefinition,
    ResourceType,
    parse_text_value,
)
from workbench.lwm2m.paths import Path
from workbench.lwm2m.values import ObjectLink, Value

if TYPE_CHECKING:
    from workbench.server.coaplog import CoapLogEntry, ServerEvent

#: (label, content-format number or None for "let the server choose"), in combo order.
CONTENT_FORMATS: tuple[tuple[str, int | None], ...] = (
    ("auto", None),
    ("text", int(ContentFormat.TEXT)),
    ("TLV", int(ContentFormat.TLV)),
    ("SenML JSON", int(ContentFormat.SENML_JSON)),
    ("SenML CBOR", int(ContentFormat.SENML_CBOR)),
    ("LwM2M JSON", int(ContentFormat.LWM2M_JSON)),
    ("LwM2M CBOR", int(ContentFormat.LWM2M_CBOR)),
)

#: Write-attribute names the tree offers (LwM2M 1.0 notification attributes).
ATTRIBUTES = ("pmin", "pmax", "gt", "lt", "st")

#: Opaque values longer than this are shortened in the tree (the editor shows everything).
OPAQUE_PREVIEW_BYTES = 24


def as_path(path: Path | str) -> Path:
    return path if isinstance(path, Path) else Path.parse(path)


# -- values as text ---------------------------------------------------------------------------
def display_value(value: Any, rtype: ResourceType | None = None) -> str:
    """How the tree shows a value: hex for opaque, ISO date for time, ``3:0`` for objlnk."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, bytes | bytearray):
        data = bytes(value)
        text = data[:OPAQUE_PREVIEW_BYTES].hex(" ").upper()
        if len(data) > OPAQUE_PREVIEW_BYTES:
            text += f" … ({len(data)} bytes)"
        return text or "(empty)"
    if rtype is ResourceType.TIME and isinstance(value, int):
        try:
            stamp = _dt.datetime.fromtimestamp(value, _dt.UTC)
        except (OverflowError, OSError, ValueError):
            return str(value)
        return f"{stamp:%Y-%m-%d %H:%M:%S} UTC"
    if isinstance(value, float):
        return repr(value)
    return str(value)


def parse_value(definition: ResourceDefinition | None, text: str) -> Value:
    """A typed, validated value from an editor's text (range and enumeration checked).

    Unknown resources take the text as a string. Raises :class:`ValueValidationError` with a
    message for the user.
    """
    if definition is None:
        return text
    value = parse_text_value(definition.type, text)
    return definition.validate(value)


def check_value(definition: ResourceDefinition | None, value: Value) -> Value:
    """Validate an already typed value (editors that produce bools, links, bytes...)."""
    if definition is None:
        return value
    return definition.validate(value)


def parse_attributes(fields: Mapping[str, str]) -> dict[str, float | int | None]:
    """Write-Attributes from the dialog's text fields; empty fields are not sent.

    ``pmin``/``pmax`` are whole non-negative seconds; ``gt``/``lt``/``st`` numbers; a field set
    to ``-`` clears the attribute (sent without a value). ``pmin`` must not exceed ``pmax`` and
    ``lt`` must be below ``gt`` when both are given.
    """
    out: dict[str, float | int | None] = {}
    for name, raw in fields.items():
        if name not in ATTRIBUTES:
            raise ValueValidationError(f"unknown attribute {name!r}")
        text = raw.strip()
        if not text:
            continue
        if text == "-":
            out[name] = None
            continue
        if name in ("pmin", "pmax"):
            if not text.isascii() or not text.isdigit():
                raise ValueValidationError(f"{name}: {text!r} is not a whole number of seconds")
            out[name] = int(text)
            continue
        try:
            number = float(text)
        except ValueError:
            raise ValueValidationError(f"{name}: {text!r} is not a number") from None
        if not math.isfinite(number):
            raise ValueValidationError(f"{name}: {text!r} is not a finite number")
        if name == "st" and number < 0:
            raise ValueValidationError("st: the step must not be negative")
        out[name] = int(number) if number.is_integer() else number
    pmin, pmax = out.get("pmin"), out.get("pmax")
    if isinstance(pmin, int) and isinstance(pmax, int) and pmin > pmax:
        raise ValueValidationError(f"pmin {pmin} is greater than pmax {pmax}")
    lt, gt = out.get("lt"), out.get("gt")
    if lt is not None and gt is not None and lt >= gt:
        raise ValueValidationError(f"lt {lt} must be below gt {gt}")
    return out


def parse_create_values(
    registry: ObjectRegistry, object_id: int, instance_id: int, text: str
) -> dict[Path, Value]:
    """``res=value`` lines (one per resource) → typed values for a Create of one instance."""
    out: dict[Path, Value] = {}
    obj = registry.get(object_id)
    for number, line in enumerate(text.splitlines(), 1):
        stripped = line.strip()
        if not stripped or stripped.startswith("#"):
            continue
        key, sep, raw = stripped.partition("=")
        key = key.strip()
        if not sep or not key.isascii() or not key.isdigit():
            raise ValueValidationError(f"line {number}: expected RESOURCE=VALUE, e.g. 5750=kitchen")
        rid = int(key)
        definition = obj.resource(rid) if obj is not None else None
        try:
            path = Path.of(object_id, instance_id, rid)
        except PathError as exc:
            raise ValueValidationError(f"line {number}: {exc}") from None
        try:
            out[path] = parse_value(definition, raw.strip())
        except ValueValidationError as exc:
            raise ValueValidationError(f"line {number}: {exc}") from None
    return out


# -- the tree data ----------------------------------------------------------------------------
@dataclass(slots=True)
class ValueInfo:
    """The last value of one path and where it came from."""

    value: Value
    source: str
    time: float = field(default_factory=time.time)


@dataclass(slots=True)
class ResourceRow:
    """One resource (or resource instance) as the tree shows it."""

    path: Path
    name: str
    definition: ResourceDefinition | None
    value: ValueInfo | None = None
    observed: bool = False
    error: str = ""
    #: Resource instances of a multi-instance resource, by id.
    instances: list[ResourceRow] = field(default_factory=list)

    @property
    def type_label(self) -> str:
        return self.definition.type.label if self.definition is not None else "?"

    @property
    def ops(self) -> str:
        return self.definition.operations.letters if self.definition is not None else "?"

    @property
    def units(self) -> str:
        return self.definition.units if self.definition is not None else ""

    @property
    def value_text(self) -> str:
        if self.value is None:
            return ""
        rtype = self.definition.type if self.definition is not None else None
        return display_value(self.value.value, rtype)

    @property
    def range_text(self) -> str:
        d = self.definition
        if d is None:
            return ""
        if d.enumeration:
            return "one of " + ", ".join(str(x) for x in d.enumeration)
        return str(d.range) if d.range is not None else d.range_text


@dataclass(slots=True)
class InstanceNode:
    path: Path
    resources: list[ResourceRow]
    observed: bool = False
    error: str = ""


@dataclass(slots=True)
class ObjectNode:
    path: Path
    name: str
    definition: ObjectDefinition | None
    version: str | None
    instances: list[InstanceNode]
    observed: bool = False
    error: str = ""

    @property
    def label(self) -> str:
        version = f" v{self.version}" if self.version else ""
        return f"{self.name}{version}"


class ObjectTreeData:
    """Objects, instances and values of one client (server view) or of the module (AT view).

    Nothing here does I/O: callers feed it what they learnt (:meth:`set_registered`,
    :meth:`apply_values`, :meth:`set_observed`, :meth:`set_error`) and read :meth:`objects`.
    ``revision`` grows on every change, so a view redraws only when something changed.
    """

    def __init__(self, registry: ObjectRegistry) -> None:
        self.registry = registry
        #: object id → (version, instance ids) as the registration announced them.
        self._announced: dict[int, tuple[str | None, list[int]]] = {}
        self._values: dict[Path, ValueInfo] = {}
        self._observed: set[Path] = set()
        self._errors: dict[Path, str] = {}
        self._deleted: set[Path] = set()
        self.revision = 0

    # -- feeding ------------------------------------------------------------------------------
    def _changed(self) -> None:
        self.revision += 1

    def set_registry(self, registry: ObjectRegistry) -> None:
        """New definitions (the user added files): names and types follow at the next read."""
        self.registry = registry
        self._changed()

    def set_registered(self, objects: Mapping[int, Any]) -> None:
        """Objects and instances from a registration (``ClientInfo.objects``: ``ObjectInfo``)."""
        announced: dict[int, tuple[str | None, list[int]]] = {}
        for oid, info in objects.items():
            announced[int(oid)] = (
                getattr(info, "version", None),
                [int(i) for i in getattr(info, "instances", [])],
            )
        if announced != self._announced:
            self._announced = announced
            # A deleted instance stays hidden while a (late) registration still lists it; once
            # the client stops announcing it, a new one with the same id may show up again.
            self._deleted = {
                p
                for p in self._deleted
                if p.instance_id in announced.get(p.object_id, (None, []))[1]
            }
            self._changed()

    def set_paths(self, paths: Iterable[str | Path]) -> None:
        """Objects/instances from a module's list (``objects`` event): ``/3/0``, ``/3303``."""
        announced: dict[int, tuple[str | None, list[int]]] = {}
        for item in paths:
            try:
                path = as_path(item)
            except PathError:
                continue
            _version, instances = announced.setdefault(path.object_id, (None, []))
            if path.instance_id is not None and path.instance_id not in instances:
                instances.append(path.instance_id)
        if announced != self._announced:
            self._announced = announced
            self._changed()

    def apply_values(
        self,
        values: Mapping[Path, Value] | Mapping[str, Value],
        source: str,
        at: float | None = None,
    ) -> int:
        """Merge read/notified values; returns how many changed. Clears errors of those rows.

        ``at`` is when the values were learnt (now by default; a recorded session's own time).
        """
        changed = 0
        for key, value in values.items():
            try:
                path = as_path(key)
            except PathError:
                continue
            self._deleted.discard(Path.of(path.object_id, path.instance_id or 0))
            old = self._values.get(path)
            if old is None or old.value != value or old.source != source:
                changed += 1
            self._values[path] = (
                ValueInfo(value, source) if at is None else ValueInfo(value, source, at)
            )
            self._errors.pop(path, None)
        if changed:
            self._changed()
        return changed

    def forget_values(self, below: Path | str) -> None:
        base = as_path(below)
        for path in [p for p in self._values if base.contains(p) or p == base]:
            del self._values[path]
        self._changed()

    def mark_deleted(self, instance: Path | str) -> None:
        """An instance the server deleted: hidden until it shows up again."""
        path = as_path(instance)
        self._deleted.add(path)
        self.forget_values(path)

    def set_observed(self, path: Path | str, observed: bool) -> None:
        target = as_path(path)
        if observed and target not in self._observed:
            self._observed.add(target)
            self._changed()
        elif not observed and target in self._observed:
            self._observed.discard(target)
            self._changed()

    def set_observed_paths(self, paths: Iterable[Path | str]) -> None:
        wanted = set()
        for item in paths:
            try:
                wanted.add(as_path(item))
            except PathError:
                continue
        if wanted != self._observed:
            self._observed = wanted
            self._changed()

    def set_error(self, path: Path | str, text: str) -> None:
        target = as_path(path)
        if text:
            self._errors[target] = text
        else:
            self._errors.pop(target, None)
        self._changed()

    # -- reading ------------------------------------------------------------------------------
    def value(self, path: Path | str) -> Value:
        info = self._values.get(as_path(path))
        return info.value if info is not None else None

    def value_info(self, path: Path | str) -> ValueInfo | None:
        return self._values.get(as_path(path))

    def values(self) -> dict[Path, Value]:
        return {p: v.value for p, v in self._values.items()}

    def is_observed(self, path: Path | str) -> bool:
        return as_path(path) in self._observed

    def error(self, path: Path | str) -> str:
        return self._errors.get(as_path(path), "")

    def definition(self, path: Path | str) -> ResourceDefinition | None:
        target = as_path(path)
        if target.resource_id is None:
            return None
        return self.registry.resource(target)

    def object_ids(self) -> list[int]:
        ids = set(self._announced)
        ids.update(p.object_id for p in self._values)
        return sorted(ids)

    def instance_ids(self, object_id: int) -> list[int]:
        ids = set(self._announced.get(object_id, (None, []))[1])
        ids.update(
            p.instance_id
            for p in self._values
            if p.object_id == object_id and p.instance_id is not None
        )
        return sorted(i for i in ids if Path.of(object_id, i) not in self._deleted)

    def objects(self) -> list[ObjectNode]:
        """The whole tree, objects and instances sorted by id, resources in definition order."""
        out: list[ObjectNode] = []
        for oid in self.object_ids():
            definition = self.registry.get(oid)
            name = definition.name if definition is not None else f"Object {oid}"
            version = self._announced.get(oid, (None, []))[0]
            obj_path = Path.of(oid)
            instances = [self._instance(oid, iid, definition) for iid in self.instance_ids(oid)]
            out.append(
                ObjectNode(
                    obj_path,
                    name,
                    definition,
                    version,
                    instances,
                    obj_path in self._observed,
                    self._errors.get(obj_path, ""),
                )
            )
        return out

    def _instance(self, oid: int, iid: int, definition: ObjectDefinition | None) -> InstanceNode:
        inst_path = Path.of(oid, iid)
        rids: set[int] = set()
        if definition is not None:
            rids.update(definition.resources)
        rids.update(
            p.resource_id
            for p in self._values
            if p.object_id == oid and p.instance_id == iid and p.resource_id is not None
        )
        rows = [self._resource(Path.of(oid, iid, rid), definition) for rid in sorted(rids)]
        return InstanceNode(
            inst_path, rows, inst_path in self._observed, self._errors.get(inst_path, "")
        )

    def _resource(self, path: Path, obj: ObjectDefinition | None) -> ResourceRow:
        assert path.resource_id is not None
        definition = obj.resource(path.resource_id) if obj is not None else None
        name = definition.name if definition is not None else f"Resource {path.resource_id}"
        row = ResourceRow(
            path,
            name,
            definition,
            self._values.get(path),
            path in self._observed,
            self._errors.get(path, ""),
        )
        children = sorted(
            p for p in self._values if p.resource_instance_id is not None and p.parent == path
        )
        for child in children:
            row.instances.append(
                ResourceRow(
                    child,
                    f"[{child.resource_instance_id}]",
                    definition,
                    self._values[child],
                    child in self._observed,
                    self._errors.get(child, ""),
                )
            )
        return row


# -- a recorded session's server view -----------------------------------------------------------
#: CoAP codes (class << 5 | detail) a recorded exchange is recognised by.
_CONTENT, _CHANGED, _DELETED = 69, 68, 66
_POST, _PUT, _DELETE = 2, 3, 4
_OPT_OBSERVE, _OPT_CONTENT_FORMAT = 6, 12


class _Announced(NamedTuple):
    """An object as a recorded registration announced it (what :meth:`set_registered` reads)."""

    version: str | None
    instances: list[int]


def recorded_value(value: Any, definition: ResourceDefinition | None) -> Value:
    """A typed value back from the JSON a session stores (``{"hex": ...}``, ``"3:0"``...)."""
    if isinstance(value, dict):
        hex_text = value.get("hex")
        if isinstance(hex_text, str):
            try:
                return bytes.fromhex(hex_text)
            except ValueError:
                return hex_text
        return str(value)
    if isinstance(value, list):
        return str(value)
    if isinstance(value, str) and definition is not None and definition.type is ResourceType.OBJLNK:
        try:
            return ObjectLink.parse(value)
        except (ValueError, TypeError):
            return value
    if value is None or isinstance(value, str | int | float | bool | bytes):
        return value
    return str(value)


def _recorded_values(values: Mapping[str, Any], registry: ObjectRegistry) -> dict[Path, Value]:
    out: dict[Path, Value] = {}
    for key, raw in values.items():
        try:
            path = as_path(key)
        except (PathError, ValueError):
            continue
        definition = registry.resource(path) if path.resource_id is not None else None
        out[path] = recorded_value(raw, definition)
    return out


def _entry_values(entry: CoapLogEntry, registry: ObjectRegistry) -> dict[Path, Value]:
    """The values a recorded datagram carried: as the server decoded them, else decoded here."""
    if entry.values is not None:
        return _recorded_values(entry.values, registry)
    msg = entry.message
    if msg is None or not msg.payload or entry.path is None or entry.secret:
        return {}  # secret payloads are zero-filled in the file: nothing to decode
    fmt = msg.uint_option(_OPT_CONTENT_FORMAT)
    if fmt is None:
        return {}
    from workbench.lwm2m.codecs import codec_for

    try:
        base = Path.parse(entry.path)
        return dict(codec_for(fmt).decode(base, msg.payload, registry))
    except Exception:  # a payload the codecs cannot read stays in the CoAP log only
        return {}


def session_trees(
    coap: Iterable[CoapLogEntry],
    events: Iterable[ServerEvent],
    registry: ObjectRegistry,
) -> dict[str, ObjectTreeData]:
    """The built-in server's view of each endpoint of a recorded session, as it ended.

    ``coap`` and ``events`` are a session's :meth:`~workbench.session.reader.SessionReader.
    coap_log` and ``server_events``. Objects and instances come from the registrations; values
    from read responses (source ``read``), notifications (``notification``), Sends (``send``)
    and writes the client acknowledged with 2.04 (``write``), each stamped with its recorded
    time; a 2.02 Delete hides its instance; observations still active at the end are marked.
    Datagrams are matched to endpoints by the peer address of the registration (a single
    endpoint takes them all).
    """
    from workbench.server.coaplog import CoapLogEntry

    items: list[tuple[float, int, CoapLogEntry | ServerEvent]] = []
    records: list[CoapLogEntry | ServerEvent] = [*events, *coap]
    for order, record in enumerate(records):
        items.append((record.time, order, record))
    items.sort(key=lambda t: (t[0], t[1]))
    trees: dict[str, ObjectTreeData] = {}
    peers: dict[str, str] = {}
    writes: dict[tuple[str, bytes], tuple[str, dict[Path, Value]]] = {}
    deletes: dict[tuple[str, bytes], tuple[str, Path]] = {}

    def tree(endpoint: str) -> ObjectTreeData:
        data = trees.get(endpoint)
        if data is None:
            data = trees[endpoint] = ObjectTreeData(registry)
        return data

    for at, _order, item in items:
        if isinstance(item, CoapLogEntry):
            _replay_coap(item, at, registry, tree, trees, peers, writes, deletes)
            continue
        ep = item.endpoint
        if ep is None:
            continue
        data = item.data
        if item.kind == "registered":
            tree(ep).set_registered(_announced(data.get("objects")))
        elif item.kind in ("notification", "observe_started", "send"):
            values = data.get("values")
            if isinstance(values, dict):
                source = "send" if item.kind == "send" else "notification"
                tree(ep).apply_values(_recorded_values(values, registry), source, at)
        observed = _path_or_none(data.get("path"))
        if item.kind == "observe_started" and observed is not None:
            tree(ep).set_observed(observed, bool(data.get("success", True)))
        elif item.kind == "observe_ended" and observed is not None:
            tree(ep).set_observed(observed, False)
        if item.kind in ("registered", "updated"):
            address = data.get("address")
            changed = data.get("changed")
            if isinstance(changed, dict) and isinstance(changed.get("address"), dict):
                address = changed["address"].get("new")
            if isinstance(address, str):
                peers[address] = ep
    return trees


def _replay_coap(
    entry: CoapLogEntry,
    at: float,
    registry: ObjectRegistry,
    tree: Any,
    trees: Mapping[str, ObjectTreeData],
    peers: Mapping[str, str],
    writes: dict[tuple[str, bytes], tuple[str, dict[Path, Value]]],
    deletes: dict[tuple[str, bytes], tuple[str, Path]],
) -> None:
    """One recorded datagram into the trees (see :func:`session_trees`)."""
    msg = entry.message
    if msg is None:
        return
    target = peers.get(entry.peer)
    if target is None and len(trees) == 1:
        target = next(iter(trees))
    if target is None:
        return
    key = (entry.peer, msg.token)
    if entry.direction == "out" and msg.is_request:
        if msg.code in (_PUT, _POST):
            values = _entry_values(entry, registry)
            if values:
                writes[key] = (target, values)
        elif msg.code == _DELETE:
            path = _path_or_none(entry.path)
            if path is not None and path.instance_id is not None and path.resource_id is None:
                deletes[key] = (target, path)
    elif entry.direction == "in" and msg.is_request:
        if msg.code == _POST and entry.path == "/dp":
            tree(target).apply_values(_entry_values(entry, registry), "send", at)
    elif entry.direction == "in" and msg.is_response:
        if msg.code == _CONTENT:
            source = "notification" if msg.uint_option(_OPT_OBSERVE) is not None else "read"
            values = _entry_values(entry, registry)
            if values:
                tree(target).apply_values(values, source, at)
        elif msg.code == _CHANGED and key in writes:
            endpoint, written = writes.pop(key)
            tree(endpoint).apply_values(written, "write", at)
        elif msg.code == _DELETED and key in deletes:
            endpoint, instance = deletes.pop(key)
            tree(endpoint).mark_deleted(instance)


def _announced(objects: Any) -> dict[int, _Announced]:
    """``{"3": {"version": null, "instances": [0]}}`` of a recorded registration."""
    out: dict[int, _Announced] = {}
    if not isinstance(objects, dict):
        return out
    for oid, info in objects.items():
        if not isinstance(info, dict):
            continue
        version = info.get("version")
        try:
            out[int(oid)] = _Announced(
                None if version is None else str(version),
                [int(i) for i in info.get("instances") or []],
            )
        except (TypeError, ValueError):
            continue
    return out


def _path_or_none(text: Any) -> Path | None:
    if not isinstance(text, str) or "," in text:
        return None
    try:
        return Path.parse(text)
    except (PathError, ValueError):
        return None
