"""Host answers to #LWNTY* requests and the module view: offline and on the simulator."""

from __future__ import annotations

from tests.plugins.hosthelp import (
    HostAnswerer,
    _background,
    _pending,
)
from workbench.lwm2m.paths import Path
from workbench.module.state import HostRequest


def test_st_answers_offline() -> None:
    answerer = HostAnswerer("st-st87mxx")
    raw = "#LWNTYRDOBJ: 1,3443,0,2,3,4"
    group = [
        HostRequest("read", "/3443/0/3", None, 7, raw),
        HostRequest("read", "/3443/0/4", None, 7, raw),
    ]
    assert len(answerer.due(group)) == 1
    answer = answerer.answer(group, {"/3443/0/3": b"\x02\x02"}.get)
    assert answer.commands == ["AT#LWNTYRDOBJ=1,3443,0,2,3,D,4,0202,4,D,0,"]
    assert "no value" in answer.problem and "/3443/0/4" in answer.problem
    answerer.mark_answered(answer)
    assert answerer.due(group) == []
    write = HostRequest("write", "/3443/0/2", "0A0B", 9, "#LWNTYWROBJ: 1,3443,0,1,2,D,4,0A0B")
    answer = answerer.answer([write], lambda p: None)
    assert answer.commands == ["AT#LWNTYWROBJ=1,3443,0,1,2"]
    assert answer.written == {"/3443/0/2": b"\x0a\x0b"}
    exe = HostRequest("execute", "/3443/0/1", "", 11, "#LWNTYEXEOBJ: 1,3443,0,1,1")
    assert answerer.answer([exe], lambda p: None).commands == ["AT#LWNTYEXEOBJ=1,3443,0,1,1"]
    assert not HostAnswerer("quectel-bg95").supported


def test_st_answers_the_simulator() -> None:
    from plugins.st_st87mxx.session import custom_definition
    from tests.plugins.harness import ModuleBench

    ep = "ST87M01_CLIENT"
    with ModuleBench("st-st87mxx") as bench:
        bench.server.registry.add(custom_definition(3443, [0, 1, 2]))
        url = bench.server_url.upper()
        bench.at("AT#SOCKETCREATE=5,0,UDP,5683,30,30")
        bench.at("AT#LWSTART")
        bench.at(f"AT#LWPARAMS={ep},1,1,{url},U,60,0,0,1")
        bench.at("AT#LWCFG=5,0")
        assert bench.at("AT#LWADDOBJ=3443,0,3,0,1,2")[-1] == "OK"
        bench.at("AT#LWREG=1,1")
        assert bench.wait_registered() == ep
        answerer = HostAnswerer("st-st87mxx")
        tree = {"/3443/0/1": b"\xca\xfe", "/3443/0/2": b"\x01"}
        thread, out = _background(bench, lambda s: s.read(ep, "/3443/0"))
        bench.wait_line(r"^#LWNTYRDOBJ: 1,3443,0,3,0,1,2$")
        groups = answerer.due(_pending(bench, "read"))
        assert len(groups) == 1 and len(groups[0]) == 3
        answer = answerer.answer(groups[0], tree.get)
        assert bench.at(answer.commands[0])[-1] == "OK"
        thread.join(10)
        assert out[0].code == "2.05", out
        assert out[0].values[Path.parse("/3443/0/1")] == b"\xca\xfe"
        thread, out = _background(bench, lambda s: s.write(ep, "/3443/0/2", b"\x07\x08"))
        bench.wait_line(r"^#LWNTYWROBJ: ")
        (group,) = answerer.due(_pending(bench, "write"))
        answer = answerer.answer(group, tree.get)
        assert answer.written == {"/3443/0/2": b"\x07\x08"}
        assert bench.at(answer.commands[0])[-1] == "OK"
        thread.join(10)
        assert out[0].code == "2.04"
        thread, out = _background(bench, lambda s: s.execute(ep, "/3443/0/0"))
        bench.wait_line(r"^#LWNTYEXEOBJ: ")
        (group,) = answerer.due(_pending(bench, "execute"))
        assert bench.at(answerer.answer(group, tree.get).commands[0])[-1] == "OK"
        thread.join(10)
        assert out[0].code == "2.04"
