"""SimulatorBase: line assembly, echo, parsing into handlers, CMEE, 3GPP commands, reboot,
settings persistence, and never a traceback on the serial line."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

from workbench.at.framer import LineFramer
from workbench.sim.base import (
    AtCall,
    AtError,
    PayloadRequest,
    Reply,
    SettingsStore,
    Simulator,
    SimulatorBase,
)


class Sim(SimulatorBase):
    def __init__(self, settings: SettingsStore | None = None) -> None:
        super().__init__(settings=settings)
        self.calls: list[AtCall] = []
        self.register("+VCMD", self._vcmd)
        self.register("+BUG", self._bug)
        self.register("+SLOW", self._slow)
        self.register("+DATA", self._data)
        self.reboots = 0

    def boot_urcs(self) -> Sequence[str]:
        return ["RDY", "+VBOOT: 1"]

    def on_reboot(self) -> None:
        self.reboots += 1

    def _vcmd(self, call: AtCall) -> Reply:
        self.calls.append(call)
        if call.form == "set":
            self.settings["v"] = call.int_arg(0, min=0, max=9)
            return None
        return [f"+VCMD: {self.settings.get('v', 0)}"]

    def _bug(self, call: AtCall) -> Reply:
        raise KeyError("handler bug")

    async def _done_later(self) -> Reply:
        await asyncio.sleep(0.01)
        return ["+SLOW: done"]

    def _slow(self, call: AtCall) -> object:
        return self._done_later()

    def _data(self, call: AtCall) -> PayloadRequest:
        return PayloadRequest(lambda data: [f"+DATA: {data.decode()}"])


def quiet(sim: SimulatorBase, extra: bytes = b"") -> None:
    """Echo off, and whatever the module said so far discarded."""
    sim.set_output(lambda data: None)
    sim.receive(b"ATE0\r" + extra)


def lines_of(sim: SimulatorBase, *commands: bytes) -> list[str]:
    out = bytearray()
    sim.set_output(out.extend)
    for command in commands:
        sim.receive(command)
    framer = LineFramer(clock=lambda: 0.0)
    return [line.text for line in framer.feed(bytes(out)) + framer.flush()]


def test_is_a_simulator() -> None:
    assert isinstance(Sim(), Simulator)


def test_echo_and_ok_and_echo_off() -> None:
    sim = Sim()
    assert lines_of(sim, b"AT\r") == ["AT", "OK"]
    assert lines_of(sim, b"ATE0\r", b"AT\r") == ["ATE0", "OK", "OK"]
    assert not sim.echo


def test_split_bytes_backspace_and_lf_ignored() -> None:
    sim = Sim()
    quiet(sim)
    assert lines_of(sim, b"AT+C", b"GMX\x08I\r\n") == ["Workbench", "OK"]


def test_forms_reach_the_handler() -> None:
    sim = Sim()
    quiet(sim)
    assert lines_of(sim, b'AT+VCMD=5,"a,b"\r') == ["OK"]
    call = sim.calls[-1]
    assert (call.name, str(call.form), call.args) == ("+VCMD", "set", ["5", "a,b"])
    assert lines_of(sim, b"AT+VCMD?\r") == ["+VCMD: 5", "OK"]
    assert str(sim.calls[-1].form) == "read"
    lines_of(sim, b"AT+VCMD=?\r")
    assert str(sim.calls[-1].form) == "test"
    lines_of(sim, b"at+vcmd\r")
    assert str(sim.calls[-1].form) == "execute"


def test_cmee_modes() -> None:
    sim = Sim()
    quiet(sim)
    assert lines_of(sim, b"AT+VCMD=77\r") == ["ERROR"]
    assert lines_of(sim, b"AT+CMEE=1\r", b"AT+VCMD=77\r") == ["OK", "+CME ERROR: 50"]
    assert lines_of(sim, b"AT+CMEE=2\r", b"AT+VCMD=x\r") == [
        "OK",
        "+CME ERROR: parameter 1 is not an integer",
    ]
    assert lines_of(sim, b"AT+CMEE?\r") == ["+CMEE: 2", "OK"]


def test_unknown_command_and_handler_exception_give_error_not_traceback() -> None:
    sim = Sim()
    quiet(sim, b"AT+CMEE=2\r")
    out = lines_of(sim, b"AT+NOPE\r", b"AT+BUG\r", b"AT+VCMD?\r")
    assert out == ["ERROR", "ERROR", "+VCMD: 0", "OK"]
    assert not any("Traceback" in line or "KeyError" in line for line in out)


def test_not_at_lines_are_ignored_and_overlong_lines_are_errors() -> None:
    sim = Sim()
    quiet(sim)
    assert lines_of(sim, b"hello\r", b"\r") == []
    assert lines_of(sim, b"AT" + b"X" * 5000 + b"\r", b"AT\r") == ["ERROR", "OK"]


def test_concatenated_commands() -> None:
    sim = Sim()
    quiet(sim)
    assert lines_of(sim, b"AT+CGMI;+CGMM\r") == ["Workbench", "SIM-MODULE", "OK"]
    assert lines_of(sim, b"AT+CGMI;+NOPE;+CGMM\r") == ["Workbench", "ERROR"]


def test_standard_3gpp_commands() -> None:
    sim = Sim()
    quiet(sim)
    assert lines_of(sim, b"ATI\r") == ["Workbench", "SIM-MODULE", "1.0.0", "OK"]
    assert lines_of(sim, b"AT+CGSN\r") == ["490154203237518", "OK"]
    assert lines_of(sim, b"AT+CGSN=1\r") == ['+CGSN: "490154203237518"', "OK"]
    assert lines_of(sim, b"AT+CGMR\r") == ["1.0.0", "OK"]
    assert lines_of(sim, b"AT+CESQ\r") == ["+CESQ: 99,99,255,255,20,45", "OK"]
    assert lines_of(sim, b"AT+CSQ\r") == ["+CSQ: 20,99", "OK"]
    assert lines_of(sim, b"AT+CGPADDR\r") == ['+CGPADDR: 1,"10.0.0.2"', "OK"]
    assert lines_of(sim, b"AT+COPS?\r") == ['+COPS: 0,0,"Simulated",7', "OK"]
    assert lines_of(sim, b"AT+CEREG?\r") == ["+CEREG: 0,1", "OK"]
    assert lines_of(sim, b"AT+CFUN?\r") == ["+CFUN: 1", "OK"]


def test_cereg_urcs_follow_cfun() -> None:
    sim = Sim()
    quiet(sim)
    assert lines_of(sim, b"AT+CEREG=1\r", b"AT+CFUN=0\r", b"AT+CFUN=1\r") == [
        "OK",
        "+CEREG: 0",
        "OK",
        "+CEREG: 1",
        "OK",
    ]
    assert lines_of(sim, b"AT+CEREG=2\r", b"AT+CEREG?\r") == [
        "OK",
        '+CEREG: 2,1,"2B67","01A2D101",7',
        "OK",
    ]
    assert lines_of(sim, b"AT+CSQ\r", b"AT+CFUN=4\r", b"AT+CSQ\r")[-2:] == ["+CSQ: 99,99", "OK"]


def test_cfun_16_reboots_after_ok_settings_survive_volatile_reset() -> None:
    sim = Sim()
    quiet(sim, b"AT+CMEE=2\rAT+VCMD=7\r")
    out = lines_of(sim, b"AT+CFUN=16\r")
    assert out[:2] == ["OK", "RDY"] and out[2] == "+VBOOT: 1"
    assert sim.reboots == 1 and sim.boot_count == 1
    assert sim.echo and sim.cmee == 0
    assert sim.settings["v"] == 7
    assert lines_of(sim, b"AT+VCMD?\r")[-2:] == ["+VCMD: 7", "OK"]


def test_cfun_reboot_on_the_loop() -> None:
    async def scenario() -> list[str]:
        sim = Sim()
        await sim.start()
        quiet(sim)
        out = bytearray()
        sim.set_output(out.extend)
        sim.receive(b"AT+CFUN=15\r")
        await asyncio.sleep(0.01)
        await sim.stop()
        framer = LineFramer(clock=lambda: 0.0)
        return [line.text for line in framer.feed(bytes(out))]

    assert asyncio.run(scenario()) == ["OK", "RDY", "+VBOOT: 1"]


def test_settings_store_can_be_shared_across_instances() -> None:
    store = SettingsStore({"v": 3})
    Sim(store).receive(b"AT+VCMD=4\r")
    assert store.snapshot() == {"v": 4}
    assert store.writes == 1
    assert lines_of(Sim(store), b"ATE0\r", b"AT+VCMD?\r")[-2:] == ["+VCMD: 4", "OK"]
    del store["v"]
    assert len(store) == 0 and "SettingsStore" in repr(store)


def test_async_handler_and_queued_commands() -> None:
    async def scenario() -> list[str]:
        sim = Sim()
        await sim.start()
        quiet(sim)
        out = bytearray()
        sim.set_output(out.extend)
        sim.receive(b"AT+SLOW\rAT+CGMI\r")
        await asyncio.sleep(0.05)
        await sim.stop()
        framer = LineFramer(clock=lambda: 0.0)
        return [line.text for line in framer.feed(bytes(out))]

    assert asyncio.run(scenario()) == ["+SLOW: done", "OK", "Workbench", "OK"]


def test_async_handler_without_loop_is_an_error() -> None:
    sim = Sim()
    quiet(sim)
    assert lines_of(sim, b"AT+SLOW\r", b"AT\r") == ["ERROR", "OK"]


def test_payload_prompt_and_escape() -> None:
    sim = Sim()
    quiet(sim)
    out = bytearray()
    sim.set_output(out.extend)
    sim.receive(b"AT+DATA\r")
    assert out.endswith(b"> ")
    sim.receive(b"hi\x1a")
    assert out.endswith(b"+DATA: hi\r\n\r\nOK\r\n")
    sim.receive(b"AT+DATA\rxx\x1b")
    assert out.endswith(b"> \r\nOK\r\n")


def test_at_error_plain() -> None:
    class Plain(SimulatorBase):
        def __init__(self) -> None:
            super().__init__(default_cmee=1)
            self.register("+P", self._p)

        def _p(self, call: AtCall) -> Reply:
            raise AtError(3, plain=True)

    sim = Plain()
    quiet(sim)
    assert lines_of(sim, b"AT+P\r", b"AT+CFUN=9\r") == ["ERROR", "+CME ERROR: 50"]


def test_output_before_set_output_is_buffered_and_broken_output_contained() -> None:
    sim = Sim()
    sim.receive(b"AT\r")
    got = bytearray()
    sim.set_output(got.extend)
    assert got == b"AT\r\r\nOK\r\n"

    def broken(data: bytes) -> None:
        raise OSError("gone")

    sim.set_output(broken)
    sim.receive(b"AT\r")  # must not raise


def test_at_after_an_unterminated_garbage_line_gets_an_answer() -> None:
    sim = Sim()
    quiet(sim)
    assert lines_of(sim, b"\x01\xfegarbage~~", b"AT\r") == ["OK"]
    assert lines_of(sim, b"zz", b'AT+VCMD=3,"at"\r') == ["OK"]  # an "at" in quotes is data
    assert sim.calls[-1].args == ["3", "at"]
    assert lines_of(sim, b"noise AT+NOPE\r") == ["ERROR"]
    assert lines_of(sim, b"hello\r") == []  # no prefix at all: not for the interpreter


def test_echo_is_written_in_runs_not_per_byte() -> None:
    sim = Sim()
    writes: list[bytes] = []
    sim.set_output(writes.append)
    chunk = bytes(range(32, 127)) * 690  # 65,550 printable bytes
    data = chunk * 16  # about 1 MB in 16 reads, one unterminated line
    for start in range(0, len(data), len(chunk)):
        sim.receive(data[start : start + len(chunk)])
    sim.receive(b"\rAT\r")
    echoed = b"".join(writes)
    assert echoed.startswith(data + b"\r")  # every byte echoed, in order
    assert b"ERROR" in echoed and echoed.endswith(b"AT\r\r\nOK\r\n")
    assert len(writes) < 40, len(writes)  # was one write per byte: over a million


def test_after_result_actions_run_once_after_the_final_result_in_order() -> None:
    """Without a loop, actions a handler queues run after its OK, in order, and only once."""
    sim = Sim()
    quiet(sim)
    seen: list[str] = []
    out = bytearray()

    def record(name: str) -> None:
        seen.append(f"{name} after {bytes(out).count(b'OK')} OK")

    def act(call: AtCall) -> Reply:
        sim._after_final(lambda: record("first"))
        sim._after_final(lambda: record("second"))
        return None

    sim.register("+ACT", act)
    sim.set_output(out.extend)
    sim.receive(b"AT+ACT\r")
    assert seen == ["first after 1 OK", "second after 1 OK"]
    sim.receive(b"AT+VCMD?\r")
    assert len(seen) == 2
