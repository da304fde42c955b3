"""A strict checker: does a client message carry only what its LwM2M version allows?

Built from :data:`workbench.lwm2m.versionrules.TABLE` and nothing else, so the rule, the
section it comes from and the plain-words line the user sees are one thing. It is pure: a
message goes in as its CoAP parts (method or response code, Uri-Path, Uri-Query,
Content-Format, payload), a list of :class:`Finding` comes out; no finding means a strict
server of that version has nothing to object to.

Why not lean on the link-format parser alone: it is deliberately lenient (it reads what every
version allows, so the server can accept anything), while this module must see the raw text
(``ct=11543`` and ``ct="11543"`` parse to the same number, but a strict 1.1 server accepts
only the first).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from workbench.lwm2m.codecs.linkformat import parse_links
from workbench.lwm2m.errors import CodecError
from workbench.lwm2m.model import ObjectRegistry
from workbench.lwm2m.versionrules import FORMAT_NAMES, TABLE, VERSIONS, rules, version_newer

#: Operations the checker knows (the keys of a version's table entry).
OPERATIONS = ("register", "update", "deregister", "bootstrap_request", "send", "notify")

REJECT = "reject"
WARN = "warn"

_VERSION = re.compile(r"[0-9]+\.[0-9]+")
_UINT = re.compile(r"[0-9]{1,10}")


@dataclass(frozen=True, slots=True)
class ClientMessage:
    """The parts of one client → server message the rules look at.

    ``code`` is the request method (``POST``, ``DELETE``) or, for a notification, the
    response code (``2.05``); ``accept`` is the Accept option of the Observe request a
    notification answers (``None``: the server did not ask for a format).
    """

    code: str
    uri_path: tuple[str, ...] = ()
    uri_query: tuple[str, ...] = ()
    content_format: int | None = None
    payload: bytes = b""
    observe: int | None = None
    accept: int | None = None


@dataclass(frozen=True, slots=True)
class Finding:
    """One thing a strict server of ``version`` would object to."""

    version: str
    operation: str
    rule: str
    fragment: str
    section: str
    severity: str
    reason: str
    answer: str = "4.00"

    @property
    def plain(self) -> str:
        """The line shown to the user."""
        if self.severity == REJECT:
            return f"a strict {self.version} server answers {self.answer} to this: {self.reason}"
        return f"a strict {self.version} server may ignore this: {self.reason}"

    def to_dict(self) -> dict[str, Any]:
        return {
            "version": self.version,
            "operation": self.operation,
            "rule": self.rule,
            "fragment": self.fragment,
            "section": self.section,
            "severity": self.severity,
            "reason": self.reason,
            "plain": self.plain,
        }


def operation_of(message: ClientMessage) -> str | None:
    """Which client operation ``message`` is (``None``: not one the table covers)."""
    path = message.uri_path
    if message.code == "POST":
        if path == ("rd",):
            return "register"
        if len(path) == 2 and path[0] == "rd":
            return "update"
        if path == ("bs",):
            return "bootstrap_request"
        if path == ("dp",):
            return "send"
    if message.code == "DELETE" and len(path) == 2 and path[0] == "rd":
        return "deregister"
    if message.code == "2.05" and message.observe is not None:
        return "notify"
    return None


def declared_version(message: ClientMessage) -> str | None:
    """The ``lwm2m=`` value of a Register (``None`` when absent)."""
    for item in message.uri_query:
        key, sep, value = item.partition("=")
        if key == "lwm2m" and sep:
            return value
    return None


def check(
    message: ClientMessage, version: str | None = None, registry: ObjectRegistry | None = None
) -> list[Finding]:
    """Findings for ``message``; ``version`` is the registration's (ignored for Register,
    whose own ``lwm2m=`` declares it; ``None``: judged by the newest version, so only what
    no version allows is found). With ``registry``, an object ``ver`` whose definition
    belongs to a newer LwM2M version than the declared one is found too."""
    operation = operation_of(message)
    if operation is None:
        return []
    return _Check(message, operation, version, registry).run()


@dataclass(slots=True)
class _Check:
    message: ClientMessage
    operation: str
    version: str | None
    registry: ObjectRegistry | None = None
    findings: list[Finding] = field(default_factory=list)

    def add(
        self,
        rule: str,
        fragment: str,
        section: str,
        reason: str,
        severity: str = REJECT,
        answer: str = "4.00",
    ) -> None:
        version = self.version or "1.0"
        self.findings.append(
            Finding(version, self.operation, rule, fragment, section, severity, reason, answer)
        )

    def run(self) -> list[Finding]:
        if self.operation == "register":
            declared = declared_version(self.message)
            if declared is None:
                self.version = "1.0"
                self.add(
                    "lwm2m-missing",
                    "",
                    TABLE["1.0"]["register"]["query"]["lwm2m"]["section"],
                    "no lwm2m= parameter: the server must assume 1.0 (servers that require "
                    "it, such as Wakaama's, answer 4.00)",
                    WARN,
                )
            elif declared not in TABLE:
                self.version = declared
                self.add(
                    "version-unknown",
                    f"lwm2m={declared}",
                    "1.1 Core §6.2.1 (4.12 for an unsupported version)",
                    f"LwM2M {declared} is not 1.0, 1.1 or 1.2",
                    answer="4.12",
                )
                return self.findings
            else:
                self.version = declared
        if self.version is None:
            # No declared version to hold it to (a Bootstrap-Request carries none; a client
            # the server does not know): only what no version allows is a finding.
            self.version = VERSIONS[-1]
        elif self.version not in TABLE:
            self.version = "1.0"
        version = self.version
        spec = rules(version, self.operation)
        if spec is None:
            self.add(
                "operation-not-in-version",
                "/".join(self.message.uri_path),
                f"{TABLE[version]['specification']} (no {self.operation} operation)",
                f"{self.operation.replace('_', '-')} does not exist in LwM2M {version}",
            )
            return self.findings
        if self.operation == "notify":
            self.notify(spec)
        else:
            self.query(spec)
            self.payload(spec)
        return self.findings

    # -- query ------------------------------------------------------------------------------
    def query(self, spec: dict[str, Any]) -> None:
        allowed: dict[str, Any] = spec["query"]
        seen: set[str] = set()
        for item in self.message.uri_query:
            key, sep, value = item.partition("=")
            if key in seen:
                self.add("query-repeated", item, spec["section"], f"{key} is given twice")
                continue
            seen.add(key)
            param = allowed.get(key)
            if param is None:
                self.unknown_parameter(item, key, spec)
                continue
            if param.get("flag"):
                if sep:
                    self.add(
                        "query-flag-value",
                        item,
                        param["section"],
                        f"{key} is a flag without a value",
                    )
                continue
            if not sep or not value:
                self.add("query-empty", item, param["section"], f"{key}= needs a value")
                continue
            self.parameter_value(item, key, value, param)
        for key, param in allowed.items():
            if param.get("required") and key not in seen:
                self.add(
                    f"{key}-missing",
                    "",
                    param["section"],
                    f"{key}= is mandatory in {self.operation} for LwM2M {self.version}",
                )

    def unknown_parameter(self, item: str, key: str, spec: dict[str, Any]) -> None:
        version = self.version or "1.0"
        elsewhere = [
            v
            for v, entry in TABLE.items()
            if v != version
            and isinstance(entry.get(self.operation), dict)
            and key in entry[self.operation]["query"]
        ]
        if self.operation == "update" and key in ("ep", "lwm2m"):
            self.add(
                "update-parameter",
                item,
                spec["section"],
                f"{key}= belongs to Register; an Update must not carry it",
            )
        elif key == "Q" and version == "1.0":
            self.add(
                "queue-parameter-1.0",
                item,
                TABLE["1.0"]["register"]["query"]["b"]["section"],
                "the Q parameter is LwM2M 1.1; in 1.0 queue mode is the binding b=UQ "
                "(the server will not know the client sleeps)",
                WARN,
            )
        elif elsewhere:
            self.add(
                "parameter-from-other-version",
                item,
                spec["section"],
                f"{key}= is a parameter of LwM2M {', '.join(elsewhere)}, not {version}",
                WARN,
            )
        else:
            self.add(
                "parameter-unknown",
                item,
                spec["section"],
                f"{key} is not a {self.operation} parameter in LwM2M {version}",
                WARN,
            )

    def parameter_value(self, item: str, key: str, value: str, param: dict[str, Any]) -> None:
        section = param["section"]
        version = self.version or "1.0"
        if key == "lt" and (not _UINT.fullmatch(value) or int(value) > 2**32 - 1):
            self.add("lifetime-value", item, section, "lt is a number of seconds")
            return
        values = param.get("values")
        if values is not None and value not in values:
            if key == "b":
                reason = f"b={value} is not a LwM2M {version} binding ({', '.join(values)})"
                if any(c in value for c in "TN"):
                    reason += "; T and N bindings arrive with 1.1"
                self.add("binding-value", item, section, reason)
            elif key == "lwm2m":
                self.add(
                    "version-mismatch",
                    item,
                    section,
                    f"lwm2m={value} where {version} was declared",
                )
            else:
                self.add(
                    f"{key}-value",
                    item,
                    section,
                    f"{key}={value} is not one of {', '.join(values)}",
                )
            return
        letters = param.get("letters")
        if letters is not None:
            if "Q" in value and set(value) <= set(letters) | {"Q"}:
                self.add(
                    "binding-queue-letter",
                    item,
                    section,
                    f"from LwM2M 1.1 queue mode is the separate Q parameter, not a letter "
                    f"of b (b={value.replace('Q', '')}&Q)",
                    WARN,
                )
            bad = sorted({c for c in value if c not in letters and c != "Q"})
            if bad:
                self.add(
                    "binding-letter",
                    item,
                    section,
                    f"binding letter {', '.join(bad)} is not defined in LwM2M {version} "
                    f"({', '.join(letters)})",
                )
            elif len(set(value)) != len(value):
                self.add("binding-repeated", item, section, "a binding letter is repeated")

    # -- payload ----------------------------------------------------------------------------
    def payload(self, spec: dict[str, Any]) -> None:
        message = self.message
        kind = spec["payload"]
        formats: list[int] = spec["content_format"]
        cf = message.content_format
        if kind == "none":
            if message.payload:
                self.add(
                    "payload-unexpected",
                    f"{len(message.payload)} bytes",
                    spec["section"],
                    f"{self.operation.replace('_', '-')} carries no payload",
                    WARN,
                )
            return
        if not message.payload:
            if kind in ("links", "required"):
                what = "the object list" if kind == "links" else "a payload"
                self.add("payload-missing", "", spec["section"], f"{what} is mandatory")
            return
        if cf not in formats:
            names = " or ".join(f"{f} ({FORMAT_NAMES[str(f)]})" for f in formats)
            shown = "none" if cf is None else str(cf)
            self.add(
                "content-format",
                f"Content-Format: {shown}",
                spec["section"],
                f"{self.operation.replace('_', '-')} in LwM2M {self.version} takes "
                f"Content-Format {names}",
            )
            return
        if kind in ("links", "optional-links"):
            self.links(spec)

    def links(self, spec: dict[str, Any]) -> None:
        version = self.version or "1.0"
        try:
            text = self.message.payload.decode("utf-8")
            parse_links(text)
        except (UnicodeDecodeError, CodecError) as exc:
            self.add("link-syntax", _excerpt(self.message.payload), "RFC 6690 §2", str(exc))
            return
        register = TABLE[version]["register"]
        root_rules: dict[str, Any] = register["root_link"]
        object_rules: dict[str, Any] = register["object_link_attributes"]
        raw = split_raw_links(text)
        root_links = [(t, a) for t, a in raw if dict(a).get("rt") == '"oma.lwm2m"']
        root = root_links[0][0].rstrip("/") if root_links else ""
        if len(root_links) > 1:
            self.add(
                "root-repeated",
                _link_text(*root_links[1]),
                root_rules["section"],
                'only one link may carry rt="oma.lwm2m"',
            )
        for target, attributes in raw:
            fragment = _link_text(target, attributes)
            relative = target[len(root) :] if root and target.startswith(root) else target
            if target.rstrip("/") == root or relative in ("", "/"):
                self.root_link(fragment, attributes, root_rules)
                continue
            parts = relative.strip("/").split("/")
            if (
                not relative.startswith("/")
                or not 1 <= len(parts) <= 2
                or not all(p.isdigit() and int(p) <= 65535 for p in parts)
            ):
                self.add(
                    "link-target",
                    fragment,
                    spec["section"],
                    f"<{target}> is neither an object nor an object instance",
                )
                continue
            if parts[0] == "0":
                self.add(
                    "security-listed",
                    fragment,
                    spec["section"],
                    "the Security object (0) must not be listed",
                    WARN,
                )
            for key, value in attributes:
                if key == "ver":
                    if key not in object_rules["allowed"]:
                        self.add(
                            "ver-not-in-version",
                            fragment,
                            object_rules["section"],
                            f"object versions (ver) are not part of LwM2M {version}",
                            object_rules["severity"],
                        )
                    elif not _VERSION.fullmatch(value.strip('"')):
                        self.add(
                            "ver-value",
                            fragment,
                            object_rules["section"],
                            f"ver={value} is not a version like 1.1",
                        )
                    else:
                        self.object_version(fragment, int(parts[0]), value.strip('"'))

    def object_version(self, fragment: str, object_id: int, value: str) -> None:
        version = self.version or "1.0"
        definition = self.registry.get(object_id) if self.registry is not None else None
        if definition is None or definition.version != value:
            return
        if version_newer(definition.lwm2m_version, version):
            self.add(
                "object-version-newer",
                fragment,
                f"OMA registry: object {object_id} v{value} has LWM2MVersion "
                f"{definition.lwm2m_version}",
                f"object {object_id} version {value} belongs to LwM2M "
                f"{definition.lwm2m_version}, not {version}",
                WARN,
            )

    def root_link(
        self, fragment: str, attributes: list[tuple[str, str]], root_rules: dict[str, Any]
    ) -> None:
        section = root_rules["section"]
        version = self.version or "1.0"
        for key, value in attributes:
            if key == "rt" and value != f'"{root_rules["rt"]}"':
                self.add("root-rt", fragment, section, f'rt must be "{root_rules["rt"]}"')
            if key != "ct":
                continue
            allowed: list[int] = root_rules["ct_values"]
            if root_rules["ct"] == "single":
                if not _UINT.fullmatch(value):
                    self.add(
                        "ct-single",
                        f"ct={value}",
                        section,
                        f"ct must be a single content format in LwM2M {version}",
                    )
                elif int(value) not in allowed:
                    self.add(
                        "ct-value",
                        f"ct={value}",
                        section,
                        f"ct={value} is not one of {', '.join(map(str, allowed))} "
                        f"in LwM2M {version}",
                    )
                continue
            numbers = value[1:-1].split(" ") if value.startswith('"') else [value]
            if len(value) > 1 and value.startswith('"') != value.endswith('"'):
                numbers = [""]
            bad = [n for n in numbers if not _UINT.fullmatch(n) or int(n) not in allowed]
            if bad:
                self.add(
                    "ct-value",
                    f"ct={value}",
                    section,
                    f"ct lists {', '.join(b or 'nothing' for b in bad)}, not a LwM2M "
                    f"{version} content format",
                )

    # -- notify -----------------------------------------------------------------------------
    def notify(self, spec: dict[str, Any]) -> None:
        cf = self.message.content_format
        formats: list[int] = spec["content_format"]
        if not self.message.payload:
            return
        if cf is None:
            self.add(
                "notify-no-format",
                "Content-Format: none",
                spec["section"],
                "a notification with a payload names its Content-Format",
                WARN,
            )
            return
        if cf not in formats:
            self.add(
                "content-format",
                f"Content-Format: {cf}",
                spec["section"],
                f"{cf} is not a LwM2M {self.version} value format",
            )
        accept = self.message.accept
        if spec["accept"] == "must-match" and accept is not None and cf != accept:
            self.add(
                "notify-accept",
                f"Content-Format: {cf}",
                "RFC 7252 §5.10.4; " + spec["section"],
                f"the Observe asked for Accept {accept}, the notification is {cf}",
            )


# -- raw link text -------------------------------------------------------------------------


def split_raw_links(text: str) -> list[tuple[str, list[tuple[str, str]]]]:
    """``</>;rt="x";ct=1,</3/0>`` → ``[("/", [("rt", '"x"'), ("ct", "1")]), ("/3/0", [])]``.

    Values keep their quotes: whether ``ct`` was quoted is exactly what a strict 1.1 server
    judges. Only call on text :func:`parse_links` accepted (so the patterns need not reject
    anything).
    """
    return [
        (match.group(1), [(a.group(1), a.group(2) or "") for a in _ATTRIBUTE.finditer(match[2])])
        for match in _LINK.finditer(text)
    ]


_QUOTED = r'"(?:[^"\\]|\\.)*"'
_LINK = re.compile(rf"<([^>]*)>((?:\s*;\s*[^;,=\s]+(?:\s*=\s*(?:{_QUOTED}|[^;,\s]*))?)*)")
_ATTRIBUTE = re.compile(rf";\s*([^;,=\s]+)(?:\s*=\s*({_QUOTED}|[^;,\s]*))?")


def _link_text(target: str, attributes: list[tuple[str, str]]) -> str:
    return f"<{target}>" + "".join(f";{k}={v}" if v else f";{k}" for k, v in attributes)


def _excerpt(payload: bytes, limit: int = 80) -> str:
    text = payload[:limit].decode("utf-8", "replace")
    return text + ("..." if len(payload) > limit else "")
