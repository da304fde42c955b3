"""Host answers to +LWREAD/+LWWRITE/+LWEXECUTE: offline and on the simulator."""

from __future__ import annotations

from typing import Any

import pytest

from tests.plugins.hosthelp import (
    HostAnswerer,
    _background,
    _pending,
)
from workbench.module.state import HostRequest


def test_sim7028_answers_offline() -> None:
    answerer = HostAnswerer("simcom-sim7028")
    read = HostRequest("read", "/3303/0/5700", None, 3, "+LWREAD: 0,3303,0,1,5700")
    assert answerer.answer([read], {"/3303/0/5700": 21.5}.get).commands == [
        'AT+LWREADRSP=0,3303,0,1,5700,"F",4,"21.5"'
    ]
    whole = HostRequest("read", "/3303/0", None, 4, "+LWREAD: 0,3303,0,0")
    values = {"/3303/0/5700": 21.5, "/3303/0/5750": "kitchen"}
    answer = answerer.answer([whole], values.get, lambda base: values)
    assert answer.commands == ['AT+LWREADRSP=0,3303,0,2,5700,"F",4,"21.5",5750,"S",7,"kitchen"']
    with pytest.raises(ValueError, match="no values"):
        answerer.answer([whole], values.get, lambda base: {})
    write = HostRequest("write", "/3303/0/5750", "den", 5, '+LWWRITE: 0,3303,0,1,5750,S,3,"den"')
    answer = answerer.answer([write], values.get)
    assert answer.commands == ["AT+LWWRITERSP=0,68"] and answer.written == {"/3303/0/5750": "den"}
    exe = HostRequest("execute", "/3303/0/5605", "", 6, "+LWEXECUTE: 0,3303,0,5605")
    assert answerer.answer([exe], values.get).commands == ["AT+LWEXECUTERSP=0,68"]


def test_sim7028_answers_the_simulator() -> None:
    from tests.plugins.harness import ModuleBench

    ep = "simcom"
    with ModuleBench("simcom-sim7028", host_timeout=5.0) as bench:
        port = bench.server.address[1]
        bench.at("AT+LWSTART")
        for command in (
            'AT+LWCNF="server","127.0.0.1"',
            f'AT+LWCNF="serverport","{port}"',
            f'AT+LWCNF="endpointname","{ep}"',
        ):
            bench.at(command)
        assert bench.at("AT+LWOPEN", timeout=10)[-1] == "OK"
        assert bench.wait_registered() == ep
        assert bench.at("AT+LWADDOBJ=0,3303,0,4,5700,5701,5750,5605")[-1] == "OK"
        answerer = HostAnswerer("simcom-sim7028")
        tree: dict[str, Any] = {"/3303/0/5700": 21.5, "/3303/0/5750": "kitchen"}
        thread, out = _background(bench, lambda s: s.read(ep, "/3303/0/5700"))
        bench.wait_line(r"^\+LWREAD: 0,3303,0,1,5700$")
        (group,) = answerer.due(_pending(bench, "read"))
        assert bench.at(answerer.answer(group, tree.get).commands[0])[-1] == "OK"
        thread.join(10)
        assert out[0].code == "2.05" and list(out[0].values.values()) == [21.5]
        thread, out = _background(bench, lambda s: s.write(ep, "/3303/0/5750", "den"))
        bench.wait_line(r"^\+LWWRITE: ")
        (group,) = answerer.due(_pending(bench, "write"))
        answer = answerer.answer(group, tree.get)
        assert answer.written == {"/3303/0/5750": "den"}
        assert bench.at(answer.commands[0])[-1] == "OK"
        thread.join(10)
        assert out[0].code == "2.04"
        thread, out = _background(bench, lambda s: s.execute(ep, "/3303/0/5605"))
        bench.wait_line(r"^\+LWEXECUTE: ")
        (group,) = answerer.due(_pending(bench, "execute"))
        assert bench.at(answerer.answer(group, tree.get).commands[0])[-1] == "OK"
        thread.join(10)
        assert out[0].code == "2.04"
