"""The bootstrap configuration editor's form, without Qt: fields in, errors per field, and the
JSON that :class:`workbench.server.bootstrap.BootstrapConfig` loads out.

One form describes what the bootstrap server provisions for one endpoint name (``*``: any):
the Bootstrap-Delete paths, one LwM2M server account (Security /0 and Server /1 instances) and
the content format of the writes — what Leshan's bootstrap configuration page asks for. A
configuration loaded from a file fills the form back (:func:`form_from_json`) when it is of
that shape; anything else is reported rather than silently dropped.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from typing import Any
from urllib.parse import urlsplit

from workbench.server.bootstrap import BootstrapConfig, BootstrapConfigError

#: Security modes the editor offers (LwM2M Core §E.1, /0/x/2).
SECURITY_MODES = {3: "NoSec", 0: "Pre-shared key (PSK)"}
#: Content formats of the bootstrap writes.
FORMATS = {11542: "TLV", 112: "SenML CBOR", 110: "SenML JSON"}
#: Binding letters (LwM2M 1.0/1.1 /1/x/7).
BINDING = re.compile(r"^(U|UQ|S|SQ|US|UQS|N|NQ|T|TQ|UN|UNQ)$")
_PATH = re.compile(r"^/(\d+(/\d+)?)?$")
#: Security instance of the provisioned server (/0/0 is usually the bootstrap account).
SECURITY_INSTANCE = 1


@dataclass(slots=True)
class BootstrapForm:
    """The editor's fields, as text where the user types text."""

    endpoint: str = "*"
    server_uri: str = "coap://127.0.0.1:5683"
    short_id: str = "101"
    lifetime: str = "300"
    binding: str = "U"
    security_mode: int = 3
    psk_identity: str = ""
    psk_key: str = ""
    delete: str = "/"
    content_format: int = 11542
    #: Extra: Bootstrap-Discover of "/" before the writes (LwM2M 1.1).
    discover: bool = False
    #: Set by :func:`form_from_json` for what the form cannot show.
    notes: list[str] = field(default_factory=list)


def validate(form: BootstrapForm) -> dict[str, str]:
    """Field name → what is wrong with it (empty: the form can be saved)."""
    errors: dict[str, str] = {}
    if not form.endpoint.strip() or any(c.isspace() for c in form.endpoint.strip()):
        errors["endpoint"] = 'an endpoint name without spaces, or "*" for any endpoint'
    parts = urlsplit(form.server_uri.strip())
    if parts.scheme not in ("coap", "coaps") or not parts.hostname:
        errors["server_uri"] = "a coap:// or coaps:// URI with a host, e.g. coap://10.0.0.1:5683"
    else:
        try:
            port = parts.port
        except ValueError:
            errors["server_uri"] = "the port must be a number from 1 to 65535"
        else:
            if port == 0:
                errors["server_uri"] = "the port must be a number from 1 to 65535"
            if parts.scheme == "coaps" and form.security_mode == 3:
                errors["server_uri"] = "coaps:// needs a security mode with keys (PSK)"
            if parts.scheme == "coap" and form.security_mode != 3:
                errors["server_uri"] = "PSK needs a coaps:// URI"
    _number(errors, "short_id", form.short_id, 1, 65534, "short server ID")
    _number(errors, "lifetime", form.lifetime, 1, 2**31 - 1, "lifetime (seconds)")
    if not BINDING.match(form.binding.strip()):
        errors["binding"] = "a binding such as U, UQ, N or UQS"
    if form.security_mode not in SECURITY_MODES:
        errors["security_mode"] = "NoSec or PSK"
    if form.security_mode == 0:
        if not form.psk_identity.strip():
            errors["psk_identity"] = "PSK needs an identity"
        key = form.psk_key.strip()
        if not key or len(key) % 2 or not re.fullmatch(r"[0-9A-Fa-f]+", key):
            errors["psk_key"] = "PSK needs a key in hex, an even number of digits"
    paths = [p.strip() for p in form.delete.split(",") if p.strip()]
    bad = [p for p in paths if not _PATH.match(p)]
    if bad:
        errors["delete"] = f"paths like / or /1 or /0/1, comma-separated (not {', '.join(bad)})"
    if form.content_format not in FORMATS:
        errors["content_format"] = "TLV, SenML CBOR or SenML JSON"
    return errors


def _number(errors: dict[str, str], name: str, text: str, low: int, high: int, what: str) -> None:
    try:
        value = int(text.strip(), 10)
    except ValueError:
        errors[name] = f"the {what} is a whole number from {low} to {high}"
        return
    if not low <= value <= high:
        errors[name] = f"the {what} is a whole number from {low} to {high}"


def to_json(form: BootstrapForm) -> dict[str, Any]:
    """The configuration file's object; raises :class:`BootstrapConfigError` for a bad form
    (the message names every field), and is checked by loading it as the server will."""
    errors = validate(form)
    if errors:
        raise BootstrapConfigError("; ".join(f"{k}: {v}" for k, v in sorted(errors.items())))
    short_id = int(form.short_id)
    security: dict[str, Any] = {
        "instance": SECURITY_INSTANCE,
        "uri": form.server_uri.strip(),
        "bootstrap": False,
        "mode": form.security_mode,
        "short_id": short_id,
    }
    if form.security_mode == 0:
        security["psk_identity"] = form.psk_identity.strip()
        security["psk_key"] = form.psk_key.strip().lower()
    entry: dict[str, Any] = {
        "delete": [p.strip() for p in form.delete.split(",") if p.strip()],
        "servers": [
            {
                "instance": 0,
                "short_id": short_id,
                "lifetime": int(form.lifetime),
                "binding": form.binding.strip(),
            }
        ],
        "security": [security],
        "format": form.content_format,
    }
    if form.discover:
        entry["discover"] = ["/"]
    data = {"endpoints": {form.endpoint.strip(): entry}}
    BootstrapConfig.from_json(data)  # what the server will do with it
    return data


def dumps(form: BootstrapForm) -> str:
    """The file's text (what the editor saves)."""
    return json.dumps(to_json(form), indent=2) + "\n"


def form_from_json(data: Any) -> BootstrapForm:
    """Fill a form from a loaded configuration (its first endpoint; notes say what is left out).

    Raises :class:`BootstrapConfigError` when the data is not a configuration at all.
    """
    BootstrapConfig.from_json(data)
    endpoints: Mapping[str, Any] = data["endpoints"]
    first: tuple[str, Mapping[str, Any]] = next(iter(endpoints.items()), ("*", {}))
    name, entry = first
    form = BootstrapForm(endpoint=str(name))
    if len(endpoints) > 1:
        form.notes.append(f"{len(endpoints) - 1} more endpoint(s) in the file are not shown")
    servers = list(entry.get("servers", []))
    security = [s for s in entry.get("security", []) if not s.get("bootstrap")]
    if servers:
        server = servers[0]
        form.short_id = str(server.get("short_id", form.short_id))
        form.lifetime = str(server.get("lifetime", 86400))
        form.binding = str(server.get("binding", "U"))
    if security:
        sec = security[0]
        form.server_uri = str(sec.get("uri", form.server_uri))
        form.security_mode = int(sec.get("mode", 3))
        form.psk_identity = str(sec.get("psk_identity", ""))
        form.psk_key = str(sec.get("psk_key", ""))
    if len(servers) > 1 or len(security) > 1:
        form.notes.append("only the first server account is shown")
    if entry.get("acl"):
        form.notes.append("access control entries are not shown")
    form.delete = ", ".join(str(p) for p in entry.get("delete", ["/"]))
    form.content_format = int(entry.get("format", 11542))
    form.discover = bool(entry.get("discover"))
    return form


def form_fields() -> list[str]:
    """The names :func:`validate` may report (the editor's widgets are keyed by them)."""
    return [f.name for f in fields(BootstrapForm) if f.name != "notes"]


__all__ = [
    "FORMATS",
    "SECURITY_MODES",
    "BootstrapForm",
    "dumps",
    "form_fields",
    "form_from_json",
    "to_json",
    "validate",
]
