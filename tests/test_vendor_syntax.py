"""No vendor AT command syntax in the core: it belongs to the plugins.

A command such as ``+ULWM2MREAD`` or ``#LWNTYRDOBJ`` in a string literal under ``workbench/``
means the core speaks one vendor's dialect, so a third-party plugin could not take part in what
that code does. The vendor command names are not listed here: they are derived from what the
shipped plugins declare (template commands, URC prefixes, connect and init sequences, module
views, host-answer demos), so a new vendor command in a plugin is covered the day it is added.
Standard names (3GPP TS 27.007 ``+C...``, ITU-T V.250, the shared templates) are not vendor
syntax. Every string constant counts, docstrings included; comments are not seen.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterable, Iterator
from pathlib import Path

import workbench
from tests.plugin_fixtures import bundled_plugins
from workbench.at.dialect import STANDARD_SET_WITHOUT_INFO, STANDARD_URC_PREFIXES
from workbench.at.syntax import parse_command_line
from workbench.plugin.api import CFUN_SET, COMMON_TEMPLATES, Plugin

PACKAGE_DIR = Path(workbench.__file__).resolve().parent
#: Files that know vendor syntax on purpose, and why (each is a reason, not an oversight).
SHARED_ON_PURPOSE: dict[str, str] = {
    "session/redact.py": "masks keys in every session file, whichever plugin decodes the line "
    "or none (generic AT): a secret must not depend on the user having chosen a plugin",
}
#: A command name with its sigil at the start of a URC prefix or command (``+QLWURC: "recv"``).
_NAME = re.compile(r"^[+#][A-Z0-9_]+")
#: The 3GPP TS 27.007 command family: every name starts with ``+C``.
_3GPP = re.compile(r"^\+C[A-Z0-9]+$")


def _standard_names() -> set[str]:
    names = {t.command for t in (*COMMON_TEMPLATES, CFUN_SET)}
    names.update(p.rstrip(":").strip() for p in STANDARD_URC_PREFIXES)
    names.update(STANDARD_SET_WITHOUT_INFO)
    return names


def _command_names(lines: Iterable[str]) -> Iterator[str]:
    for line in lines:
        for command in parse_command_line(line):
            yield command.name


def plugin_names(plugin: Plugin) -> set[str]:
    """The command names (with sigil) a plugin's own declarations use."""
    found: set[str] = {t.command for t in plugin.templates}
    found.update(plugin.response_prefixes)
    prefixes = [*plugin.urc_prefixes, *plugin.boot_urcs]
    prefixes += [m.prefix for m in plugin.multiline_urcs]
    for prefix in prefixes:
        match = _NAME.match(prefix.strip())
        if match:
            found.add(match.group())
    lines = [*plugin.init_commands]
    if plugin.connect_sequence is not None:
        lines += plugin.connect_sequence("coap://127.0.0.1:5683")
    view = plugin.module_view
    if view is not None:
        lines += [view.list_command(), view.read_command("/3/0"), view.read_command("/3/0/1")]
        lines.append(view.delete_command("/3/0"))
    if plugin.host_demo is not None:
        lines += plugin.host_demo.commands
    found.update(_command_names(lines))
    return found


def vendor_names(plugins: Iterable[Plugin]) -> list[str]:
    """Every vendor command name of ``plugins``, longest first (the most specific match wins)."""
    standard = _standard_names()
    names: set[str] = set()
    for plugin in plugins:
        names.update(plugin_names(plugin))
    vendor = {
        n for n in names if len(n) > 2 and n[0] in "+#" and n not in standard and not _3GPP.match(n)
    }
    return sorted(vendor, key=lambda n: (-len(n), n))


def string_constants(path: Path) -> Iterator[tuple[int, str]]:
    """``(line, text)`` of every ``str`` constant in a Python file (docstrings, f-string parts)."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            yield node.lineno, node.value


def scan(root: Path, names: list[str], allowed: Iterable[str] = ()) -> list[str]:
    """``file:line: name in 'text'`` for every vendor command name in a string under ``root``
    (files in ``allowed``, relative to ``root``, are not read)."""
    pattern = re.compile(r"(" + "|".join(re.escape(n) for n in names) + r")(?![A-Z0-9_])")
    out: list[str] = []
    skip = set(allowed)
    for path in sorted(p for p in root.rglob("*.py") if "__pycache__" not in p.parts):
        if path.relative_to(root).as_posix() in skip:
            continue
        for line, text in sorted(string_constants(path)):
            for match in pattern.finditer(text):
                first = text.splitlines()[0] if text.strip() else text
                out.append(f"{path.relative_to(root)}:{line}: {match.group(1)} in {first[:60]!r}")
    return out


def test_the_names_come_from_every_vendor_plugin() -> None:
    """The derived list holds each shipped vendor's commands and no standard 3GPP ones."""
    names = vendor_names(bundled_plugins())
    for expected in ("+ULWM2MREAD", "+ULWM2MSTAT", "+QLWCFG", "+QLWURC", "#LWNTYRDOBJ"):
        assert expected in names
    for expected in ("+LWREAD", "+LWREADRSP", "#LWLISTOBJ", "+UDWNFILE"):
        assert expected in names
    assert not [n for n in names if n.startswith("+C")], names
    assert "+CEREG" not in names and "+CFUN" not in names


def test_no_vendor_command_syntax_in_string_literals_under_workbench() -> None:
    found = scan(PACKAGE_DIR, vendor_names(bundled_plugins()), SHARED_ON_PURPOSE)
    assert not found, "vendor AT syntax in the core (move it to its plugin):\n" + "\n".join(found)


def test_the_scan_fails_naming_file_and_line(tmp_path: Path) -> None:
    """A scratch package with vendor syntax put back: the scan names the file and the line."""
    package = tmp_path / "scratch"
    package.mkdir()
    (package / "__init__.py").write_text('"""Nothing vendor-specific here."""\n')
    (package / "answers.py").write_text(
        '"""Answers."""\n\n\ndef read(sid: int) -> str:\n'
        '    return f"AT#LWNTYRDOBJ={sid},3443"\n\n\nLIST = \'AT+ULWM2MLIST="/"\'\n'
        "# a comment naming +QLWCFG is not a string\n"
        'PLAIN = "+CEREG: 2 and +ULWM2M2 are not commands of ours"\n'
    )
    found = scan(package, vendor_names(bundled_plugins()))
    assert found == [
        "answers.py:5: #LWNTYRDOBJ in 'AT#LWNTYRDOBJ='",
        "answers.py:8: +ULWM2MLIST in 'AT+ULWM2MLIST=\"/\"'",
    ], found
