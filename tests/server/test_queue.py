"""A module that restarts between two requests: queued until it registers again, not lost.

A restarting module (``AT+CFUN=16``, an Execute on /3/0/4) closes its UDP socket without
deregistering and registers again from a new port. The server's next request to the old port
is refused (ICMP port unreachable, aiocoap's ``NetworkError``). These tests restart a real
device over real UDP: the old one's socket closes, a new one with the same endpoint name
registers from another port. :class:`ResettingModule` is a module caught in its reset: it
registered, then neither acknowledges nor answers anything until its socket closes.
"""

from __future__ import annotations

import asyncio
import errno
import socket
from typing import Any

import pytest
from aiocoap import CON, Message
from aiocoap import error as coap_error
from aiocoap.numbers.codes import Code

from tests.server.conftest import run, serving
from tests.server.device import FakeDevice
from workbench.lwm2m.codecs.base import ContentFormat
from workbench.lwm2m.model import ObjectRegistry
from workbench.lwm2m.paths import Path
from workbench.server import LwM2MServer, ServerConfig
from workbench.server.queue import ChannelClosedError, ClientChannel, port_closed, resendable
from workbench.server.requests import RequestFailedError, RequestTimeoutError
from workbench.server.transport import TRANSPORTS


class ResettingModule:
    """Registers over a plain UDP socket, then stays silent (no ACK) until :meth:`close`."""

    def __init__(self, endpoint: str = "dev-1") -> None:
        self.endpoint = endpoint
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.setblocking(False)
        self.address = f"127.0.0.1:{self.sock.getsockname()[1]}"
        self.received: list[Message] = []

    async def register(self, server: tuple[str, int]) -> None:
        loop = asyncio.get_running_loop()
        query = (f"ep={self.endpoint}", "lt=60", "lwm2m=1.1", "b=U")
        msg = Message(code=Code.POST, uri_path=("rd",), uri_query=query, payload=b"</3/0>")
        msg.opt.content_format = ContentFormat.LINK_FORMAT
        msg.mtype, msg.mid, msg.token = CON, 1, b"\x01"
        await loop.sock_sendto(self.sock, msg.encode(), server)
        answer = Message.decode(await asyncio.wait_for(loop.sock_recv(self.sock, 2048), 5))
        assert answer.code == Code.CREATED, answer

    async def take(self, count: int, timeout: float = 5.0) -> None:
        """Receive (and ignore) ``count`` datagrams: the module is busy resetting."""
        loop = asyncio.get_running_loop()
        for _ in range(count):
            data = await asyncio.wait_for(loop.sock_recv(self.sock, 2048), timeout)
            self.received.append(Message.decode(data))

    def close(self) -> None:
        self.sock.close()


async def _restarted(registry: ObjectRegistry, server: LwM2MServer) -> FakeDevice:
    """The module after its restart: same endpoint name, a new socket, registered again."""
    device = FakeDevice(registry)
    await device.start()
    await device.register(server.address)
    return device


def _events(server: LwM2MServer) -> list[dict[str, Any]]:
    log: list[dict[str, Any]] = []
    server.events.subscribe(lambda e: log.append({"kind": e.kind, **e.data}))
    return log


async def _until(check: Any, timeout: float, what: str) -> None:
    try:
        async with asyncio.timeout(timeout):
            while not check():
                await asyncio.sleep(0.01)
    except TimeoutError:
        raise AssertionError(f"timed out waiting for {what}") from None


def test_a_request_refused_by_a_restarted_module_goes_to_its_new_registration(
    registry: ObjectRegistry,
) -> None:
    async def scenario() -> None:
        old = FakeDevice(registry)
        async with serving(registry, old) as server:
            log = _events(server)
            await old.register(server.address)
            old_address = f"127.0.0.1:{old.port}"
            await old.stop()  # the module resets: its socket is gone, no De-register

            write = asyncio.create_task(server.write("dev-1", "/3/0/14", "+01:00"))
            await _until(lambda: any(e["kind"] == "unreachable" for e in log), 5, "refusal")
            queued = [e for e in log if e["kind"] == "request" and e.get("waiting")]
            assert queued and old_address in queued[-1]["waiting"]
            assert "register again" in queued[-1]["waiting"]
            unreachable = next(e for e in log if e["kind"] == "unreachable")
            assert unreachable["address"] == old_address and unreachable["path"] == "/3/0/14"
            await asyncio.sleep(0.1)
            assert not write.done()

            new = await _restarted(registry, server)
            try:
                result = await asyncio.wait_for(write, 5)
                assert result.code == "2.04"
                assert new.values[Path.of(3, 0, 14)] == "+01:00"
                states = [e["state"] for e in log if e["kind"] == "request" and e["id"] == 1]
                assert states == ["queued", "sent", "queued", "sent", "done"]
                assert result.request is not None and result.request.waiting is None
            finally:
                await new.stop()

    run(scenario())


def test_requests_caught_in_a_reset_follow_the_new_registration(
    registry: ObjectRegistry,
) -> None:
    """One waiting for its turn goes to the new registration; a GET the old port refused on
    its retransmission goes again too."""

    async def scenario() -> None:
        config = ServerConfig(request_timeout=10, expiry_grace=0)
        async with serving(registry, config=config) as server:
            old = ResettingModule()
            await old.register(server.address)
            read = asyncio.create_task(server.read("dev-1", "/3/0/0"))
            await old.take(1)  # the read arrives while the module resets: no ACK
            write = asyncio.create_task(server.write("dev-1", "/3/0/14", "+02:00"))
            await asyncio.sleep(0.05)
            assert not write.done()  # waits behind the read (one exchange at a time)

            new = await _restarted(registry, server)
            try:
                old.close()  # the read's retransmission is refused; a GET may go again
                written = await asyncio.wait_for(write, 5)
                assert written.code == "2.04" and new.values[Path.of(3, 0, 14)] == "+02:00"
                result = await asyncio.wait_for(read, 8)
                assert result.code == "2.05" and result.values == {Path.of(3, 0, 0): "Acme"}
                assert [m.code for m in old.received] == [Code.GET]
            finally:
                await new.stop()

    run(scenario())


def test_an_execute_is_resent_only_when_the_module_cannot_have_seen_it(
    registry: ObjectRegistry,
) -> None:
    """A POST refused on its first transmission never reached the module; one refused on a
    retransmission, or still out when the module registers again, may have been carried out:
    it fails rather than run twice."""

    async def scenario() -> None:
        first = FakeDevice(registry)
        async with serving(registry, first) as server:
            await first.register(server.address)
            await first.stop()
            execute = asyncio.create_task(server.execute("dev-1", "/3/0/4"))
            await asyncio.sleep(0.2)
            second = await _restarted(registry, server)
            try:
                assert (await asyncio.wait_for(execute, 5)).code == "2.04"
                assert second.executed == [("/3/0/4", b"")]
            finally:
                await second.stop()

            # Received, then the module resets; the retransmission meets the closed port.
            resetting = ResettingModule()
            await resetting.register(server.address)
            execute = asyncio.create_task(server.execute("dev-1", "/3/0/4"))
            await resetting.take(1)
            resetting.close()
            with pytest.raises(RequestFailedError) as failed:
                await asyncio.wait_for(execute, 10)
            assert f"port {resetting.address} is closed" in str(failed.value)

            # Received, then the module resets and registers again before any refusal.
            resetting = ResettingModule()
            await resetting.register(server.address)
            execute = asyncio.create_task(server.execute("dev-1", "/3/0/4"))
            await resetting.take(1)
            third = await _restarted(registry, server)
            try:
                with pytest.raises(RequestFailedError) as failed:
                    await asyncio.wait_for(execute, 5)
                text = str(failed.value)
                assert "registered again from a new port while the execute was out" in text
                assert "not sent again" in text
                assert third.executed == []
            finally:
                resetting.close()
                await third.stop()

    run(scenario())


@pytest.mark.parametrize("transport", TRANSPORTS)
def test_a_read_still_out_when_the_module_registers_again_goes_to_it_at_once(
    registry: ObjectRegistry, transport: str
) -> None:
    """No refusal needed (none arrives over a NAT, nor on the plain socket transport)."""

    async def scenario() -> None:
        config = ServerConfig(request_timeout=20, expiry_grace=0)
        async with serving(registry, config=config, transport=transport) as server:
            log = _events(server)
            old = ResettingModule()
            await old.register(server.address)
            read = asyncio.create_task(server.read("dev-1", "/3/0/0"))
            await old.take(1)
            new = await _restarted(registry, server)
            try:
                result = await asyncio.wait_for(read, 5)  # long before the request timeout
                assert result.code == "2.05" and result.values == {Path.of(3, 0, 0): "Acme"}
                waiting = [e["waiting"] for e in log if e["kind"] == "request" and e.get("waiting")]
                assert waiting and "registered again from a new port" in waiting[0]
                assert old.address in waiting[0]
            finally:
                old.close()
                await new.stop()

    run(scenario())


def test_a_refused_request_fails_clearly_when_the_module_does_not_come_back(
    registry: ObjectRegistry,
) -> None:
    async def scenario() -> None:
        dev = FakeDevice(registry)
        config = ServerConfig(request_timeout=3, queue_timeout=0.5, expiry_grace=0)
        async with serving(registry, dev, config=config) as server:
            await dev.register(server.address)
            address = f"127.0.0.1:{dev.port}"
            await dev.stop()
            with pytest.raises(RequestTimeoutError) as timed_out:
                await server.read("dev-1", "/3/0")
            text = str(timed_out.value)
            assert f"port {address} is closed" in text and "queue timeout" in text
            assert timed_out.value.request is not None
            assert timed_out.value.request.state.value == "timeout"

    run(scenario())


def test_a_refused_request_fails_when_the_registration_ends_meanwhile(
    registry: ObjectRegistry,
) -> None:
    async def scenario() -> None:
        dev = FakeDevice(registry)
        async with serving(registry, dev) as server:
            log = _events(server)
            await dev.register(server.address)
            await dev.stop()
            read = asyncio.create_task(server.read("dev-1", "/3/0"))
            await _until(lambda: any(e["kind"] == "unreachable" for e in log), 5, "refusal")
            await server.stop()
            with pytest.raises(RequestFailedError, match="then server stopped"):
                await asyncio.wait_for(read, 5)

    run(scenario())


def test_port_closed_and_resendable() -> None:
    refused = coap_error.NetworkError("x")
    refused.__cause__ = OSError(errno.ECONNREFUSED, "Connection refused")
    assert port_closed(refused)
    assert port_closed(ConnectionRefusedError(errno.ECONNREFUSED, "refused"))
    other = coap_error.NetworkError("x")
    other.__cause__ = OSError(errno.EHOSTUNREACH, "No route to host")
    assert not port_closed(other) and not port_closed(TimeoutError())
    for code in (Code.GET, Code.PUT, Code.DELETE, Code.FETCH, Code.iPATCH):
        assert resendable(code, 60.0, 2.0)
    assert resendable(Code.POST, 0.1, 2.0)
    assert not resendable(Code.POST, 2.5, 2.0)


def test_a_channel_lets_its_events_go_once_nobody_waits() -> None:
    """Each wait made a "closed" event (~0.7 KB with its waiter deque) that every client the
    server ever asked something kept; it now goes with its last waiter, and a request that
    is still waiting still hears of the close."""

    async def scenario() -> None:
        channel = ClientChannel(queue_mode=False, awake_window=1.0)
        for _ in range(3):
            await channel.acquire()
            channel.release()
        assert channel._closed_event is None and channel._awake_event is None
        await channel.acquire()
        waiting = asyncio.ensure_future(channel.acquire())
        await asyncio.sleep(0.01)
        assert channel._closed_event is not None  # the waiter's
        channel.close("the client deregistered")
        with pytest.raises(ChannelClosedError, match="deregistered"):
            await waiting

    asyncio.run(scenario())
