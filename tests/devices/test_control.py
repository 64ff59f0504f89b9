"""Remote switching (费控): the DL/T 645-2007 control command, CJ/T 188 valve control,
the simulated meters' relay and valve, and `switch_meter` over a real TCP socket.

Frames are computed by hand from DL/T 645-2007 §7.11 (C=1CH, L=10H: PA P0 P1 P2, C0…C3,
N1 N2 N3…N8, each +33H; replies 9CH and DCH) and CJ/T 188-2004 (写阀门控制: C=04H,
DI A017, SER, 55H open / 99H close). The valve requests are checked against the frames a
public water-meter gateway prints in its source (GitHub, Java class
com.gdiot.ssm.util.WMUdpSendCmdsUtils, comments "强制开阀 / 强制关阀"):
    FE FE FE 68 10 01 13 12 19 00 00 00 04 04 A0 17 01 55 CC 16
    FE FE FE 68 10 01 13 12 19 00 00 00 04 04 A0 17 01 99 10 16
"""

import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest

from devices import cjt188, dlt645
from devices.dlt645 import ControlAction
from devices.errors import FrameError
from devices.simulators import SimulatedElectricityMeter, SimulatedWaterMeter, SimulatorServer
from devices.switching import SwitchResult, read_switch_state, switch_meter

ADDR = "000000000001"
NOW = datetime(2026, 12, 7, 9, 30, 0)
UNTIL = datetime(2026, 12, 7, 14, 0, 0)


def h(text: str) -> bytes:
    return bytes.fromhex(text)


# Trip to 000000000001, password 02123456, operator 12345678, valid until 2026-12-07 14:00:00.
# Data: 02 56 34 12 | 78 56 34 12 | 1A 00 | 00 00 14 07 12 26, +33H each:
#       35 89 67 45 | AB 89 67 45 | 4D 33 | 33 33 47 3A 45 59.
# CS = (68+01+68+1C+10 = 253) + (35+89+67+45 = 362) + (AB+89+67+45 = 480) + (4D+33 = 128)
#    + (33+33+47+3A+45+59 = 389) = 1612 = 64CH → 4CH.
TRIP = h("68 01 00 00 00 00 00 68 1C 10 35 89 67 45 AB 89 67 45 4D 33 33 33 47 3A 45 59 4C 16")
# 9CH, L=00: CS = 68+01+68+9C+00 = 365 = 16DH → 6DH.
ACCEPTED = h("68 01 00 00 00 00 00 68 9C 00 6D 16")
# DCH, L=01, ERR 04H (+33H = 37H): CS = 68+01+68+DC+01+37 = 485 = 1E5H → E5H.
REFUSED = h("68 01 00 00 00 00 00 68 DC 01 37 E5 16")
# 04000503 = 1010H (relay open, 保电): DI 03 05 00 04 +33H = 36 38 33 37, word 10 10 → 43 43;
# CS = 68+01+68+91+06 (360) + 216 + 134 = 710 = 2C6H → C6H.
STATUS_HELD_OPEN = h("68 01 00 00 00 00 00 68 91 06 36 38 33 37 43 43 C6 16")
VALVE_OPEN = h("68 10 01 13 12 19 00 00 00 04 04 A0 17 01 55 CC 16")
VALVE_CLOSE = h("68 10 01 13 12 19 00 00 00 04 04 A0 17 01 99 10 16")


# --- DL/T 645-2007 control ----------------------------------------------------------


def test_trip_frame_by_hand():
    raw = dlt645.control_request(
        ADDR, ControlAction.TRIP, password="02123456", operator="12345678", until=UNTIL
    )
    assert raw == TRIP


@pytest.mark.parametrize(
    ("action", "code"),
    [
        (ControlAction.TRIP, 0x1A),
        (ControlAction.CLOSE_ALLOW, 0x1B),
        (ControlAction.CLOSE, 0x1C),
        (ControlAction.ALARM, 0x2A),
        (ControlAction.ALARM_OFF, 0x2B),
        (ControlAction.HOLD, 0x3A),
        (ControlAction.HOLD_OFF, 0x3B),
    ],
)
def test_every_action_code_and_its_parse(action, code):
    raw = dlt645.control_request(ADDR, action, password="04000000", operator="1", until=UNTIL)
    assert (raw[8], raw[9]) == (0x1C, 0x10)
    assert raw[10 + 8] == (code + 0x33) & 0xFF  # N1
    request = dlt645.parse_request(b"\xfe" * 4 + raw)
    assert (request.kind, request.action, request.when) == ("control", action, UNTIL)
    assert (request.password, request.operator) == ("04000000", "00000001")


def test_bad_password_and_operator_are_refused_before_sending():
    with pytest.raises(ValueError, match="8 位十六进制"):
        dlt645.control_request(ADDR, "trip", password="123456", operator="", until=UNTIL)
    with pytest.raises(ValueError, match="操作者代码"):
        dlt645.control_request(ADDR, "trip", password="02123456", operator="123456789", until=UNTIL)


class FakeEsam:
    """A vendor module stand-in: what it returns goes out verbatim (+33H)."""

    def __init__(self) -> None:
        self.seen: tuple[str, str, str, bytes] | None = None

    def seal(self, address: str, password: str, operator: str, command: bytes) -> bytes:
        self.seen = (address, password, operator, command)
        return b"\x98" + b"\x00" * 27


def test_auth_plug_in_gets_the_plain_command_and_writes_the_data():
    module = FakeEsam()
    raw = dlt645.control_request(
        ADDR, "close", password="98000000", operator="12", until=UNTIL, auth=module
    )
    assert module.seen == (ADDR, "98000000", "12", h("1C 00 00 00 14 07 12 26"))
    frame = dlt645.decode_frame(raw)
    assert (frame.control, frame.data) == (0x1C, b"\x98" + b"\x00" * 27)
    request = dlt645.request_of(frame)
    assert (request.kind, request.action, request.when) == ("control", None, None)


def test_replies_9c_and_dc():
    assert dlt645.control_accepted(ADDR) == ACCEPTED
    assert dlt645.control_refused(ADDR, 0x04) == REFUSED
    assert dlt645.parse_control_reply(TRIP + ACCEPTED) == dlt645.ControlAccepted(ADDR)
    refused = dlt645.parse_control_reply(b"\xfe\xfe" + REFUSED)
    assert isinstance(refused, dlt645.ControlRefused)
    assert (refused.code, refused.errors) == (4, ("密码错/未授权",))
    both = dlt645.parse_control_reply(dlt645.control_refused(ADDR, 0x05))
    assert both.errors == ("其他错误", "密码错/未授权")
    assert both.message == f"表 {ADDR} 拒绝控制命令（错误字 05H）：其他错误、密码错/未授权"


def test_control_reply_errors():
    with pytest.raises(FrameError, match="不是控制命令的应答"):
        dlt645.parse_control_reply(dlt645.address_reply(ADDR))
    with pytest.raises(FrameError, match="只有请求"):
        dlt645.parse_control_reply(TRIP)
    with pytest.raises(FrameError, match="不应有数据"):
        dlt645.parse_control_reply(dlt645.encode_frame(dlt645.Frame(ADDR, 0x9C, b"\x00")))


def test_relay_state_from_status_word_3():
    reply = dlt645.parse_reply(STATUS_HELD_OPEN)
    assert (reply.di, reply.values[0].value, reply.values[0].text()) == (
        dlt645.RELAY_STATUS_DI,
        0x1010,
        "1010",
    )
    state = dlt645.relay_state(reply)
    assert (state.closed, state.held, state.commanded_open, state.state) == (
        False,
        True,
        False,
        "off",
    )
    # 00C0H: bit 6 (command: open) and bit 7 (pre-trip alarm), relay still closed.
    assert dlt645.relay_state(0x00C0) == dlt645.RelayState(0x00C0, True, False, True, True)
    with pytest.raises(FrameError, match="不是电表运行状态字3"):
        dlt645.relay_state(dlt645.parse_reply(dlt645.data_reply(ADDR, 0x00010000, [Decimal(1)])))


# --- CJ/T 188 valve -----------------------------------------------------------------


def test_valve_requests_match_public_frames():
    address = "00000019121301"  # wire 01 13 12 19 00 00 00, low byte first
    assert cjt188.valve_request(address, 0x10, open=True, serial=1) == VALVE_OPEN
    assert cjt188.valve_request(address, 0x10, open=False, serial=1) == VALVE_CLOSE
    # 68+10+01+13+12+19+04+04+A0+17+01+55 = 460 = 1CCH → CCH, as published.
    assert sum(VALVE_OPEN[:-2]) & 0xFF == 0xCC
    little = cjt188.valve_request(address, 0x10, open=False, di_order="little")
    assert little[11:15] == h("17 A0 00 99")
    for raw, order, act in ((VALVE_OPEN, "big", True), (little, "little", False)):
        request = cjt188.parse_request(b"\xfe\xfe\xfe" + raw)
        assert (request.kind, request.di, request.di_order, request.open_valve) == (
            "valve",
            cjt188.DI_VALVE,
            order,
            act,
        )


def test_valve_replies():
    # 84H, L=05: A0 17, SER 01, ST 01 00 (closed). CS = 68+10+01+84+05+A0+17+01+01
    # = 104+16+1+132+5+160+23+1+1 = 443 = 1BBH → BBH.
    raw = h("68 10 01 00 00 00 00 00 00 84 05 A0 17 01 01 00 BB 16")
    assert cjt188.valve_reply("00000000000001", ser=1, status=b"\x01\x00") == raw
    reply = cjt188.parse_valve_reply(raw)
    assert isinstance(reply, cjt188.ValveAccepted)
    assert (reply.ser, reply.status, reply.valve, reply.battery_low) == (
        1,
        b"\x01\x00",
        "closed",
        False,
    )
    refused = cjt188.parse_valve_reply(
        cjt188.abnormal_reply("1", ser=2, status=b"\x03\x00", function=cjt188.WRITE_DATA)
    )
    assert isinstance(refused, cjt188.AbnormalReply) and refused.control == 0xC4
    with pytest.raises(FrameError, match="不是阀门控制的应答"):
        cjt188.parse_valve_reply(cjt188.address_reply("1"))


@pytest.mark.parametrize(
    ("st", "valve", "battery"),
    [
        (b"\x00\x00", "open", False),
        (b"\x01\x00", "closed", False),
        (b"\x03\x00", "abnormal", False),
        (b"\x02\x00", "abnormal", False),
        (b"\x05\x80", "closed", True),
        (b"\xff\xff", "unknown", None),
    ],
)
def test_status_bytes_in_every_read(st, valve, battery):
    raw = cjt188.meter_data_reply(
        "1", flow=Decimal("1"), settlement_flow=None, clock=None, status=st
    )
    reply = cjt188.parse_reply(raw)
    assert (reply.valve, reply.battery_low) == (valve, battery)


# --- simulators ---------------------------------------------------------------------


def control(meter, action, password="02123456", until=UNTIL, operator="1"):
    raw = dlt645.control_request(
        meter.address, action, password=password, operator=operator, until=until
    )
    return dlt645.parse_control_reply(meter.respond(raw))


def test_simulated_meter_relay_and_hold():
    meter = SimulatedElectricityMeter(ADDR, clock=lambda: NOW)
    assert (meter.relay_closed, meter.status_word()) == (True, 0)
    assert control(meter, "trip") == dlt645.ControlAccepted(ADDR)
    assert (meter.relay_closed, meter.status_word()) == (False, 0x0050)  # bits 4 and 6
    assert control(meter, "hold") == dlt645.ControlAccepted(ADDR)
    assert (meter.relay_closed, meter.held, meter.status_word()) == (True, True, 0x1000)
    refused = control(meter, "trip")
    assert (refused.errors, meter.relay_closed) == (("其他错误",), True)
    control(meter, "hold-off")
    control(meter, "alarm")
    assert meter.status_word() == 0x0080
    control(meter, "alarm-off")
    assert control(meter, "trip") == dlt645.ControlAccepted(ADDR)
    assert meter.status_word() == 0x0050


def test_simulated_meter_close_allow_waits_for_the_button():
    meter = SimulatedElectricityMeter(ADDR, clock=lambda: NOW, relay_closed=False)
    control(meter, "close-allow")
    assert (meter.relay_closed, meter.status_word()) == (False, 0x0010)
    meter.press_button()
    assert (meter.relay_closed, meter.status_word()) == (True, 0)


def test_simulated_meter_refusals():
    meter = SimulatedElectricityMeter(ADDR, clock=lambda: NOW, operator="12345678")
    assert control(meter, "trip", password="02123457", operator="12345678").code == 0x04
    assert control(meter, "trip", password="04123456", operator="12345678").code == 0x04
    assert control(meter, "trip", operator="87654321").code == 0x04
    past = NOW - timedelta(seconds=1)
    assert control(meter, "trip", until=past, operator="12345678").code == 0x01
    assert meter.relay_closed
    assert len(meter.controls) == 4
    # Another meter's address: silence.
    other = dlt645.control_request(
        "000000000002", "trip", password="02123456", operator="12345678", until=UNTIL
    )
    assert meter.respond(other) is None


def test_simulated_water_meter_valve():
    meter = SimulatedWaterMeter("00000019121301", clock=lambda: NOW, status=b"\x04\x00")
    reply = cjt188.parse_valve_reply(meter.respond(VALVE_CLOSE))
    assert (reply.ser, reply.status, reply.valve, reply.battery_low) == (
        1,
        b"\x05\x00",
        "closed",
        True,
    )
    data = cjt188.parse_reply(meter.respond(cjt188.read_request("00000019121301")))
    assert (data.status, data.valve) == (b"\x05\x00", "closed")
    assert cjt188.parse_valve_reply(meter.respond(VALVE_OPEN)).valve == "open"
    faulty = SimulatedWaterMeter("00000019121301", fault=b"\x03\x00")
    assert cjt188.parse_valve_reply(faulty.respond(VALVE_OPEN)).control == 0xC4


# --- switch_meter over a real socket -----------------------------------------------


@contextmanager
def served(*meters) -> Iterator[SimulatorServer]:
    with SimulatorServer(list(meters)) as server:
        yield server


def switch(url, action, *, protocol="dlt645-2007", address=ADDR, **kw) -> SwitchResult:
    kw.setdefault("password", "02123456")
    kw.setdefault("operator", "00000001")
    return switch_meter(url, protocol, address, action, timeout=0.5, retries=1, until=UNTIL, **kw)


def test_trip_and_close_over_tcp():
    meter = SimulatedElectricityMeter(ADDR, clock=lambda: NOW)
    with served(meter) as server:
        off = switch(server.url, "trip")
        assert off == SwitchResult(
            ok=True,
            state="off",
            request_hex=dlt645.control_request(
                ADDR, "trip", password="02123456", operator="00000001", until=UNTIL
            )
            .hex(" ")
            .upper(),
            reply_hex="68 01 00 00 00 00 00 68 9C 00 6D 16",
            error=None,
            attempts=1,
            held=False,
        )
        assert meter.relay_closed is False
        assert read_switch_state(server.url, "dlt645-2007", ADDR, timeout=0.5) == "off"
        on = switch(server.url, "close")
        assert (on.ok, on.state, on.error) == (True, "on", None)
        # The wire saw: trip, its read-back, a state read, close, its read-back.
        kinds = [dlt645.parse_request(r).kind for r in server.requests]
        assert kinds == ["control", "read", "read", "control", "read"]


def test_wrong_password_over_tcp():
    meter = SimulatedElectricityMeter(ADDR, clock=lambda: NOW)
    with served(meter) as server:
        result = switch(server.url, "trip", password="02000000")
    assert (result.ok, result.state, result.reply_hex, result.attempts) == (
        False,
        "on",
        REFUSED.hex(" ").upper(),
        1,
    )
    assert result.error == f"表 {ADDR} 拒绝控制命令（错误字 04H）：密码错/未授权"


def test_trip_refused_under_hold_over_tcp():
    meter = SimulatedElectricityMeter(ADDR, clock=lambda: NOW, held=True)
    with served(meter) as server:
        result = switch(server.url, "trip")
    assert (result.ok, result.state, result.held) == (False, "on", True)
    assert result.error.endswith("其他错误")


def test_hold_and_hold_off_read_the_hold_back_over_tcp():
    meter = SimulatedElectricityMeter(ADDR, clock=lambda: NOW)
    with served(meter) as server:
        held = switch(server.url, "hold")
        refused = switch(server.url, "trip")
        lifted = switch(server.url, "hold-off")
        tripped = switch(server.url, "trip")
    assert (held.ok, held.state, held.held, held.error) == (True, "on", True, None)
    # 3AH on the wire, and the DCH refusal of the trip while it holds (error byte 01H).
    assert held.request_hex.split(" ")[10 + 8] == f"{0x3A + 0x33:02X}"
    # Checksum: 68+01+68+DC+01+34 = 1E2H → E2H.
    assert refused.reply_hex == "68 01 00 00 00 00 00 68 DC 01 34 E2 16"
    assert (refused.ok, refused.state, refused.held) == (False, "on", True)
    assert (lifted.ok, lifted.held, tripped.ok, tripped.state) == (True, False, True, "off")


def test_a_hold_the_meter_does_not_keep_fails():
    # A meter that accepts 保电 but whose status word still says it does not hold.
    meter = SimulatedElectricityMeter(ADDR, clock=lambda: NOW)
    meter.status_word = lambda: dlt645.relay_status_word(  # type: ignore[method-assign]
        closed=True, held=False, commanded_open=False, alarm=False
    )
    with served(meter) as server:
        result = switch(server.url, "hold")
    assert (result.ok, result.held) == (False, False)
    assert result.error == "表已接受命令，但回读保电状态为 未保电（应为 保电）"


def test_close_allow_is_accepted_but_leaves_the_relay_open():
    meter = SimulatedElectricityMeter(ADDR, clock=lambda: NOW, relay_closed=False)
    with served(meter) as server:
        result = switch(server.url, "close-allow")
        assert (result.ok, result.state) == (True, "off")
        meter.press_button()
        assert read_switch_state(server.url, "dlt645-2007", ADDR, timeout=0.5) == "on"


def test_silent_meter_spends_every_attempt():
    meter = SimulatedElectricityMeter(ADDR, clock=lambda: NOW, silent=True)
    with served(meter) as server:
        result = switch(server.url, "trip")
    assert (result.ok, result.state, result.reply_hex, result.attempts) == (
        False,
        "unknown",
        "",
        2,
    )
    assert result.error == "无应答：等待 0.5 秒，共试 2 次"


def test_unreachable_gateway():
    result = switch("socket://127.0.0.1:1", "trip")
    assert (result.ok, result.state, result.attempts) == (False, "unknown", 0)
    assert result.error.startswith("端口 socket://127.0.0.1:1：")
    assert read_switch_state("socket://127.0.0.1:1", "dlt645-2007", ADDR, timeout=0.2) == "unknown"


def test_valve_over_tcp():
    meter = SimulatedWaterMeter("00000019121301", clock=lambda: NOW)
    with served(meter) as server:
        closed = switch(server.url, "valve-close", protocol="cjt188", address="00000019121301")
        assert (closed.ok, closed.state, closed.error) == (True, "off", None)
        assert closed.request_hex == "68 10 01 13 12 19 00 00 00 04 04 A0 17 00 99 0F 16"
        assert meter.valve_open is False
        assert read_switch_state(server.url, "cjt188", "00000019121301", timeout=0.5) == "off"
        opened = switch(server.url, "valve-open", protocol="cjt188", address="00000019121301")
        assert (opened.ok, opened.state) == (True, "on")


def test_actions_the_protocol_does_not_have():
    with pytest.raises(ValueError, match="只能开阀或关阀"):
        switch("loop://", "trip", protocol="cjt188")
    with pytest.raises(ValueError, match="未知控制命令"):
        switch("loop://", "valve-open")
    with pytest.raises(ValueError, match="只支持 dlt645-2007 与 cjt188"):
        switch("loop://", "trip", protocol="dlt645-1997")


class OtherMeterAnswers:
    """A bus where another meter's 9CH comes back (a wrong address wired to the port)."""

    family = "dlt645"

    def respond(self, request: bytes) -> bytes | None:
        if dlt645.parse_request(request).kind == "control":
            return dlt645.control_accepted("000000000099")
        return None


def test_an_acceptance_from_another_meter_is_no_acceptance():
    with served(OtherMeterAnswers()) as server:
        result = switch(server.url, "trip")
    assert (result.ok, result.state) == (False, "unknown")
    assert result.error == f"应答来自表 000000000099，不是所控的表 {ADDR}"


def test_simulator_command_line_takes_the_control_password():
    command = [sys.executable, "-m", "devices.simulators", "--password", "04000001"]
    process = subprocess.Popen(
        command, cwd=Path(__file__).resolve().parents[2], stdout=subprocess.PIPE, text=True
    )
    try:
        banner = process.stdout.readline()
        assert "（控制密码 04000001，Ctrl-C 结束）" in banner
        url = banner.split(" 在 ")[1].split("（")[0]
        wrong = switch(url, "trip")
        assert (wrong.ok, wrong.state) == (False, "on")
        # The validity end must lie ahead of this process's real clock.
        right = switch_meter(
            url,
            "dlt645-2007",
            ADDR,
            "trip",
            password="04000001",
            until=datetime(2099, 1, 1),
            timeout=1.0,
            retries=0,
        )
        assert (right.ok, right.state) == (True, "off")
    finally:
        process.terminate()
        process.wait(timeout=5)


# Holley's public DL/T 645-2007 helper (GitHub, Java class
# com.holley.emcpshare.dcs.util.ProtocolMeter645_2007Util) prints a trip to meter
# 111111111111 and the meter's acceptance (its string is written back to front:
# "16D2009C6811111111111168…"):
HOLLEY_TRIP = h(
    "68 11 11 11 11 11 11 68 1C 10 33 33 33 33 33 33 33 33 4D 33 57 74 48 45 38 4B 55 16"
)
HOLLEY_ACCEPTED = h("68 11 11 11 11 11 11 68 9C 00 D2 16")


def test_a_vendors_published_trip_and_acceptance():
    # Data −33H: PA P0 P1 P2 = 00 00 00 00, C0…C3 = 00 00 00 00, N1 1AH, N2 00H, and
    # ss mm hh DD MM YY = 24 41 15 12 05 18. CS: 68+11·6+68+1C+10 = 354, 33H·8 = 408,
    # 4D+33+57+74+48+45+38+4B = 603; 1365 = 555H → 55H.
    request = dlt645.parse_request(HOLLEY_TRIP)
    assert (request.address, request.action, request.when) == (
        "111111111111",
        ControlAction.TRIP,
        datetime(2018, 5, 12, 15, 41, 24),
    )
    assert (request.password, request.operator) == ("00000000", "00000000")
    ours = dlt645.control_request(
        "111111111111",
        ControlAction.TRIP,
        password="00000000",
        operator="00000000",
        until=datetime(2018, 5, 12, 15, 41, 24),
    )
    assert ours == HOLLEY_TRIP
    # 68+11·6+68+9C = 104+102+104+156 = 466 = 1D2H → D2H.
    assert dlt645.control_accepted("111111111111") == HOLLEY_ACCEPTED
    assert dlt645.parse_control_reply(HOLLEY_ACCEPTED) == dlt645.ControlAccepted("111111111111")
