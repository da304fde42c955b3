"""Conformance of every module plugin found (bundled, entry points, and the test example).

Each plugin must: have a unique id and import cleanly; render every template with its
defaults; have a simulator that answers every template with a final result (run in-process on
asyncio); and decode the simulator's own transcript without a single ``unknown`` event, using
only contract values for contract kinds. Parametrized over what is found, so it passes (as
skips) when no plugin exists yet.
"""

from __future__ import annotations

import asyncio
import json

import pytest

from tests.plugin_fixtures import PLUGINS_OK
from workbench.app.pipeline import Pipeline, events_of
from workbench.at.client import AtClient
from workbench.at.types import ResultStatus
from workbench.module.events import HOST_OPS, STATES, Event, Kind
from workbench.plugin.loader import PluginEntry, discover_plugins
from workbench.plugin_api import ClassifiedLine, Line, LineKind, Plugin

REGISTRY = discover_plugins(user=False, extra_dirs=[PLUGINS_OK])
ENTRIES = REGISTRY.entries
PLUGINS = REGISTRY.plugins
VARIANTS = [(p, v) for p in PLUGINS for v in p.variant_ids]
#: A port nothing listens on: simulators must cope with an unreachable server.
SERVER_URL = "coap://127.0.0.1:9"


def _entry_id(entry: PluginEntry) -> str:
    return entry.id


def _pid(item: object) -> str:
    if isinstance(item, Plugin):
        return item.id
    if isinstance(item, tuple):
        return f"{item[0].id}-{item[1]}"
    return str(item)


@pytest.mark.parametrize("entry", ENTRIES, ids=_entry_id)
def test_plugin_loads_with_a_unique_id(entry: PluginEntry) -> None:
    assert entry.available, f"{entry.source}: {entry.error}"


@pytest.mark.parametrize("plugin", PLUGINS, ids=_pid)
def test_metadata(plugin: Plugin) -> None:
    assert plugin.name and plugin.vendor
    assert plugin.description and "\n" not in plugin.description
    assert plugin.default in plugin.variant_ids
    for template in plugin.templates:
        assert template.summary, f"template {template.id} has no summary"
    for prefix in plugin.urc_prefixes:
        assert prefix == prefix.strip() and prefix, f"bad URC prefix {prefix!r}"


@pytest.mark.parametrize("plugin", PLUGINS, ids=_pid)
def test_every_template_renders_with_its_defaults(plugin: Plugin) -> None:
    for template in plugin.templates:
        line = template.render_defaults()
        assert line.upper().startswith("AT"), template.id
        assert "\r" not in line and "\n" not in line


def _check_contract(event: Event) -> None:
    data = event.to_dict()
    json.dumps(data)
    assert list(data)[:3] == ["kind", "line", "raw"]
    allowed = STATES.get(event.kind)
    if allowed is not None and "state" in event.fields:
        assert event.fields["state"] in allowed, f"{event.kind} state {event.fields['state']!r}"
    if event.kind == Kind.HOST_REQUEST:
        assert event.fields.get("op") in HOST_OPS
    if event.kind == Kind.UPDATE_TIMER:
        assert isinstance(event.fields.get("seconds"), int)
    if event.kind == Kind.OBSERVE:
        assert isinstance(event.fields.get("active"), bool)


async def _drive(plugin: Plugin, variant: str) -> tuple[list[tuple[str, ResultStatus]], bytes]:
    simulator = plugin.make_simulator(variant, SERVER_URL)
    transcript = bytearray()
    loop = asyncio.get_running_loop()
    client = AtClient(simulator.receive, dialect=plugin.dialect())

    def from_module(data: bytes) -> None:
        transcript.extend(data)
        loop.call_soon(client.feed, data)

    simulator.set_output(from_module)
    await simulator.start()
    outcomes: list[tuple[str, ResultStatus]] = []
    try:
        for template in plugin.templates_for(variant):
            command = template.render_defaults()
            payload = None
            if template.payload_size_param is not None:
                size = next(
                    p.default for p in template.params if p.name == template.payload_size_param
                )
                payload = b"-" * int(size)
            result = await client.send(command, timeout=template.timeout + 2.0, payload=payload)
            outcomes.append((command, result.status))
            if result.status is ResultStatus.ABORTED:
                await asyncio.sleep(0.2)  # the command rebooted the module: let it boot
        await asyncio.sleep(0.1)  # let trailing URCs arrive
    finally:
        await simulator.stop()
        await client.close()
    return outcomes, bytes(transcript)


@pytest.mark.parametrize(
    "plugin_variant", [pv for pv in VARIANTS if pv[0].simulator_factory], ids=_pid
)
def test_simulator_answers_every_template_and_its_transcript_decodes(
    plugin_variant: tuple[Plugin, str],
) -> None:
    plugin, variant = plugin_variant

    async def scenario() -> tuple[list[tuple[str, ResultStatus]], bytes]:
        async with asyncio.timeout(120):
            return await _drive(plugin, variant)

    outcomes, transcript = asyncio.run(scenario())
    unanswered = [(cmd, s) for cmd, s in outcomes if s not in (ResultStatus.OK, ResultStatus.ERROR)]
    assert not unanswered, f"no final result for {unanswered}"
    assert b"Traceback" not in transcript

    pipeline = Pipeline(plugin, variant)
    decoded = pipeline.feed_bytes(transcript) + pipeline.flush()
    events = list(events_of(decoded))
    unknown = [e.to_dict() for e in events if e.kind == Kind.UNKNOWN]
    assert not unknown, f"undecoded simulator lines: {unknown[:10]}"
    for event in events:
        _check_contract(event)


@pytest.mark.parametrize("plugin_variant", VARIANTS, ids=_pid)
def test_decoder_survives_odd_lines(plugin_variant: tuple[Plugin, str]) -> None:
    plugin, variant = plugin_variant
    decoder = plugin.make_decoder(variant)
    samples = [
        "", "OK", "ERROR", "+CME ERROR: 3", "\ufffd\ufffd", "+", ":", '"', "AT", "> ",
        *(p + " " for p in plugin.urc_prefixes),
        *(p + ' ,,,"",{' for p in plugin.urc_prefixes),
        *(r.prefix + "" for r in plugin.multiline_urcs),
    ]  # fmt: skip
    for number, text in enumerate(samples, start=1):
        for kind in LineKind:
            line = ClassifiedLine(Line(number, text, text.encode(), 0.0), kind, command="AT+X")
            events = decoder.decode(line)
            if kind is not LineKind.BLANK:
                assert events, f"{text!r} ({kind}) produced no event"
            for event in events:
                _check_contract(event)
