"""The bootstrap server: a JSON configuration and the session it drives per client.

Configuration file (``--bootstrap FILE``)::

    {
      "endpoints": {
        "*": {                                  # default for any endpoint name
          "delete": ["/0", "/1"],               # Bootstrap-Delete first (default: "/")
          "servers": [{"short_id": 101, "lifetime": 300, "binding": "U",
                       "uri": "coap://127.0.0.1:5683", "security_mode": 3}],
          "security": [{"instance": 0, "uri": "coap://127.0.0.1:5683",
                        "bootstrap": false, "mode": 3, "short_id": 101}],
          "acl": [{"instance": 0, "object": 3, "object_instance": 0,
                   "acl": {"101": 15}, "owner": 101}],
          "format": 11542,                      # content format of the writes
          "read": ["/0"], "discover": ["/"]     # optional Bootstrap-Read/-Discover
        }
      }
    }

Security entries may carry ``"psk_identity"`` (text) and ``"psk_key"`` (hex): they are written
to /0/x/3 and /0/x/5 and never shown in events or the log (masked as ``***``).
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

from aiocoap import Message
from aiocoap.numbers.codes import Code

from workbench.lwm2m.codecs import codec_for
from workbench.lwm2m.codecs.base import ContentFormat
from workbench.lwm2m.errors import CodecError
from workbench.lwm2m.model import ObjectRegistry
from workbench.lwm2m.paths import Path
from workbench.lwm2m.values import ObjectLink, Value
from workbench.server.coaplog import jsonable_values
from workbench.server.coapwire import code_text
from workbench.server.requests import PendingRequest, ServerRequestError
from workbench.server.security import check_psk_name, parse_psk_key


class BootstrapHost(Protocol):
    """What a bootstrap session needs of the server (so this module does not import it)."""

    registry: ObjectRegistry

    async def request_to(
        self,
        remote: Any,
        endpoint: str,
        operation: str,
        message: Any,
        *,
        timeout: float | None = None,
    ) -> tuple[PendingRequest, Any]:
        """Send ``message`` to ``remote`` (not a registered client) and return the answer."""
        ...

    def bootstrap_event(self, endpoint: str, data: dict[str, Any]) -> None:
        """Publish a ``bootstrap`` server event."""
        ...


class BootstrapConfigError(ValueError):
    """The bootstrap configuration file cannot be used; the message says where."""


@dataclass(slots=True)
class BootstrapPlan:
    """What to do for one endpoint: deletes, writes (path → content), reads, discovers."""

    delete: list[str] = field(default_factory=lambda: ["/"])
    writes: list[tuple[Path, dict[Path, Value]]] = field(default_factory=list)
    reads: list[str] = field(default_factory=list)
    discovers: list[str] = field(default_factory=list)
    content_format: int = int(ContentFormat.TLV)


def _int(entry: Mapping[str, Any], key: str, default: int | None = None) -> int:
    value = entry.get(key, default)
    if isinstance(value, bool) or not isinstance(value, int):
        raise BootstrapConfigError(f"{key!r} must be an integer, got {value!r}")
    return value


def _security(entry: Mapping[str, Any]) -> tuple[Path, dict[Path, Value]]:
    inst = _int(entry, "instance")
    base = Path.of(0, inst)
    values: dict[Path, Value] = {
        base.child(0): str(entry.get("uri", "")),
        base.child(1): bool(entry.get("bootstrap", False)),
        base.child(2): _int(entry, "mode", 3),
    }
    if "short_id" in entry:
        values[base.child(10)] = _int(entry, "short_id")
    # Keys and identities follow the server's own rules (server.security): one spelling.
    if "psk_identity" in entry:
        try:
            identity = check_psk_name(str(entry["psk_identity"]).strip(), "PSK identity")
        except ValueError as exc:
            raise BootstrapConfigError(f"security instance {inst}: psk_identity: {exc}") from None
        values[base.child(3)] = identity.encode("utf-8")
    if "psk_key" in entry:
        try:
            values[base.child(5)] = parse_psk_key(str(entry["psk_key"]))
        except ValueError as exc:
            raise BootstrapConfigError(f"security instance {inst}: psk_key: {exc}") from None
    elif values[base.child(2)] == 3:
        values[base.child(3)] = b""
        values[base.child(5)] = b""
    if "holdoff" in entry:
        values[base.child(11)] = _int(entry, "holdoff")
    return base, values


def _server(entry: Mapping[str, Any], index: int) -> tuple[Path, dict[Path, Value]]:
    inst = _int(entry, "instance", index)
    base = Path.of(1, inst)
    values: dict[Path, Value] = {
        base.child(0): _int(entry, "short_id"),
        base.child(1): _int(entry, "lifetime", 86400),
        base.child(6): bool(entry.get("notification_storing", False)),
        base.child(7): str(entry.get("binding", "U")),
    }
    if "default_pmin" in entry:
        values[base.child(2)] = _int(entry, "default_pmin")
    if "default_pmax" in entry:
        values[base.child(3)] = _int(entry, "default_pmax")
    return base, values


def _acl(entry: Mapping[str, Any]) -> tuple[Path, dict[Path, Value]]:
    inst = _int(entry, "instance")
    base = Path.of(2, inst)
    values: dict[Path, Value] = {
        base.child(0): _int(entry, "object"),
        base.child(1): _int(entry, "object_instance"),
        base.child(3): _int(entry, "owner"),
    }
    acl = entry.get("acl", {})
    if not isinstance(acl, Mapping):
        raise BootstrapConfigError("acl must map short server ids to rights")
    for server_id, rights in acl.items():
        values[Path.of(2, inst, 2, int(server_id))] = int(rights)
    return base, values


def plan_from_json(data: Mapping[str, Any]) -> BootstrapPlan:
    """Build one endpoint's plan from its JSON entry."""
    plan = BootstrapPlan()
    if "delete" in data:
        plan.delete = [str(p) for p in data["delete"]]
    plan.content_format = _int(data, "format", int(ContentFormat.TLV))
    for entry in data.get("security", []):
        plan.writes.append(_security(entry))
    for index, entry in enumerate(data.get("servers", [])):
        plan.writes.append(_server(entry, index))
    for entry in data.get("acl", []):
        plan.writes.append(_acl(entry))
    plan.reads = [str(p) for p in data.get("read", [])]
    plan.discovers = [str(p) for p in data.get("discover", [])]
    return plan


@dataclass(slots=True)
class BootstrapConfig:
    """Plans by endpoint name; ``"*"`` is the default."""

    plans: dict[str, BootstrapPlan]

    def for_endpoint(self, endpoint: str) -> BootstrapPlan | None:
        return self.plans.get(endpoint) or self.plans.get("*")

    @classmethod
    def from_json(cls, data: Any) -> BootstrapConfig:
        if not isinstance(data, Mapping) or not isinstance(data.get("endpoints"), Mapping):
            raise BootstrapConfigError('the configuration needs an "endpoints" object')
        plans: dict[str, BootstrapPlan] = {}
        for name, entry in data["endpoints"].items():
            if not isinstance(entry, Mapping):
                raise BootstrapConfigError(f"endpoint {name!r}: entry must be an object")
            try:
                plans[str(name)] = plan_from_json(entry)
            except (BootstrapConfigError, ValueError, TypeError, KeyError) as exc:
                raise BootstrapConfigError(f"endpoint {name!r}: {exc}") from None
        return cls(plans)

    @classmethod
    def load(cls, path: str | os.PathLike[str]) -> BootstrapConfig:
        try:
            with open(path, encoding="utf-8") as handle:
                data = json.load(handle)
        except OSError as exc:
            raise BootstrapConfigError(f"{path}: {exc.strerror or exc}") from None
        except json.JSONDecodeError as exc:
            raise BootstrapConfigError(f"{path}: not JSON ({exc})") from None
        return cls.from_json(data)


class BootstrapSession:
    """One client-initiated bootstrap: deletes, writes, reads, then Bootstrap-Finish."""

    def __init__(self, server: BootstrapHost, endpoint: str, remote: Any, plan: BootstrapPlan):
        self.server = server
        self.endpoint = endpoint
        self.remote = remote
        self.plan = plan
        self.steps: list[dict[str, Any]] = []

    async def _do(self, operation: str, message: Any) -> Any:
        _pending, response = await self.server.request_to(
            self.remote, self.endpoint, operation, message
        )
        code = code_text(response.code)
        self.steps.append(
            {"op": operation, "path": "/" + "/".join(message.opt.uri_path), "code": code}
        )
        return response

    async def run(self) -> None:
        server, plan = self.server, self.plan
        try:
            for path in plan.delete:
                segments = tuple(s for s in path.split("/") if s)
                await self._do("bootstrap-delete", Message(code=Code.DELETE, uri_path=segments))
            for base, values in plan.writes:
                payload = codec_for(plan.content_format).encode(base, values, server.registry)
                msg = Message(
                    code=Code.PUT,
                    uri_path=tuple(str(i) for i in base.ids),
                    content_format=plan.content_format,
                    payload=payload,
                )
                response = await self._do("bootstrap-write", msg)
                server.bootstrap_event(
                    self.endpoint,
                    {
                        "state": "write",
                        "path": str(base),
                        "code": self.steps[-1]["code"],
                        "values": jsonable_values(values),
                    },
                )
                del response
            for path in plan.reads:
                segments = tuple(s for s in path.split("/") if s)
                msg = Message(code=Code.GET, uri_path=segments, accept=plan.content_format)
                response = await self._do("bootstrap-read", msg)
                data: dict[str, Any] = {
                    "state": "read",
                    "path": path,
                    "code": self.steps[-1]["code"],
                }
                try:
                    values = codec_for(plan.content_format).decode(
                        Path.parse(path), response.payload, server.registry
                    )
                    data["values"] = jsonable_values(values)
                except (CodecError, ValueError):
                    data["raw_hex"] = "<not decoded>"
                server.bootstrap_event(self.endpoint, data)
            for path in plan.discovers:
                segments = tuple(s for s in path.split("/") if s)
                msg = Message(code=Code.GET, uri_path=segments, accept=ContentFormat.LINK_FORMAT)
                response = await self._do("bootstrap-discover", msg)
                server.bootstrap_event(
                    self.endpoint,
                    {
                        "state": "discover",
                        "path": path,
                        "code": self.steps[-1]["code"],
                        "links": response.payload.decode("utf-8", "replace"),
                    },
                )
            response = await self._do("bootstrap-finish", Message(code=Code.POST, uri_path=("bs",)))
            ok = response.code.is_successful()
            server.bootstrap_event(
                self.endpoint,
                {"state": "finished" if ok else "failed", "steps": self.steps},
            )
        except (ServerRequestError, CodecError, ValueError) as exc:
            server.bootstrap_event(
                self.endpoint, {"state": "failed", "error": str(exc), "steps": self.steps}
            )


def object_link(text: str) -> ObjectLink:
    """Helper for configurations that name object links as ``"3:0"``."""
    return ObjectLink.parse(text)
