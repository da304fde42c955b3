"""The CoAP log's token → path table: observation tokens live as long as their observation."""

from __future__ import annotations

from tests.server.conftest import run, serving
from tests.server.device import FakeDevice
from workbench.lwm2m.model import ObjectRegistry
from workbench.lwm2m.paths import Path
from workbench.server import ServerConfig
from workbench.server.tokenpaths import TokenPaths


def test_observation_tokens_outlive_many_plain_requests() -> None:
    live: set[bytes] = set()
    table = TokenPaths(lambda: live, recent=4)
    for n in range(100):
        token = b"o%d" % n
        live.add(token)
        table.remember(token, f"/3303/{n}/5700", observe=True)
    for n in range(1000):
        table.remember(b"r%d" % n, "/3/0/0")
    assert all(table.get(b"o%d" % n) == f"/3303/{n}/5700" for n in range(100))
    # Plain requests: only the newest ``recent`` are kept.
    assert table.get(b"r995") is None
    assert [table.get(b"r%d" % n) for n in range(996, 1000)] == ["/3/0/0"] * 4


def test_ended_observations_are_forgotten_so_the_table_stays_bounded() -> None:
    live: set[bytes] = set()
    table = TokenPaths(lambda: live, recent=8)
    largest = 0
    for n in range(10_000):
        token = n.to_bytes(4, "big")
        live.add(token)
        table.remember(token, "/3303/0/5700", observe=True)
        if n >= 50:  # 50 observations live at a time; the older ones ended
            live.discard((n - 50).to_bytes(4, "big"))
        largest = max(largest, len(table))
    # Pruned when it grows past twice what the last prune kept (live + newest) plus recent.
    assert largest <= 2 * (50 + 8) + 8 + 1
    assert all(table.get(t) == "/3303/0/5700" for t in live)
    assert table.get((0).to_bytes(4, "big")) is None


def test_an_observe_in_flight_survives_a_prune() -> None:
    # Its observation exists only once the answer came: the newest tokens are kept anyway.
    table = TokenPaths(lambda: set(), recent=3)
    for n in range(10):
        table.remember(b"%d" % n, f"/{n}", observe=True)
    assert [table.get(b"%d" % n) for n in range(7, 10)] == ["/7", "/8", "/9"]


def test_a_token_reused_for_a_plain_request_leaves_the_observation_table() -> None:
    table = TokenPaths(lambda: {b"t"}, recent=2)
    table.remember(b"t", "/3/0/9", observe=True)
    table.remember(b"t", "/3/0/9")  # the proactive cancel (GET Observe=1) reuses the token
    table.remember(b"a", "/1")
    table.remember(b"b", "/2")
    assert table.get(b"t") is None


def test_the_log_names_the_path_of_every_observation_beyond_the_token_memory(
    registry: ObjectRegistry,
) -> None:
    """More observations than ``log_tokens``, and plain reads between: notifications keep paths."""

    async def scenario() -> None:
        device = FakeDevice(registry, "many-obs")
        paths = [Path.of(3, 0, r) for r in (0, 1, 2, 3, 9, 13)]
        config = ServerConfig(request_timeout=3, expiry_grace=0, log_tokens=2)
        async with serving(registry, device, config=config) as server:
            log: list[dict[str, object]] = []
            server.coap_log.subscribe(lambda entry: log.append(entry.to_dict()))
            await device.register(server.address)
            for path in paths:
                await server.observe("many-obs", path)
            for _ in range(5):
                await server.read("many-obs", "/1/0/1")
            log.clear()
            assert device.notify() == len(paths)
            for path in paths:
                await server.find_observation("many-obs", path).next(timeout=5)  # type: ignore[union-attr]
            notifications = [e for e in log if e["direction"] == "in" and "payload_hex" in e]
            assert sorted(str(e.get("path")) for e in notifications) == sorted(map(str, paths))

    run(scenario())
