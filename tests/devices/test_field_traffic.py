"""Decoders against real field traffic: frames printed by public walkthroughs and manuals,
meters whose clock was never set, identifiers outside our table, line noise before the
preamble, both CJ/T 188 identifier byte orders.

Sources of the captured frames (each checksum is re-added by hand below):
* DL/T 645-2007 meter 000000000161, from the public walkthrough "DLT645-2007报文解析"
  (a PC tool's log, 15:44:29 and 15:51:00): read 00010000 → 000000.26 kWh, read
  02010100 → 100.1 V;
* DL/T 645-1997 meter 000000000003, from the Heyuan Intelligence ASDU-LS manual
  (manualshive.com, "Formats of commands sent of 1997 DL/T645 protocol", p. 18):
  read B611 → 0100 V;
* CJ/T 188 cold-water meter 78330011223344, the reply of the public walkthrough cited in
  test_cjt188.py (556677.00 m³, clock 2015-05-11 22:01:31, ST 21 84).
"""

import socket
from datetime import datetime
from decimal import Decimal

import pytest

from devices import cjt188, dlt645
from devices.decode import describe
from devices.errors import FrameError
from devices.registers import DATA_ITEMS, Edition
from devices.simulators import SimulatedElectricityMeter, SimulatorServer
from devices.transport import MeterLink, PortSettings, poll_bus

V7, V97 = Edition.V2007, Edition.V1997


def h(text: str) -> bytes:
    return bytes.fromhex(text)


# 68+61+01+68+11+04+33+33+34+33 = 104+97+1+104+17+4+51+51+52+51 = 532 = 214H → 14H.
READ_161 = h("68 61 01 00 00 00 00 68 11 04 33 33 34 33 14 16")
# 104+97+1+104+145+8 + (51+51+52+51) + (89+51+51+51) = 459+205+242 = 906 = 38AH → 8AH.
ENERGY_161 = h("68 61 01 00 00 00 00 68 91 08 33 33 34 33 59 33 33 33 8A 16")
# 104+97+1+104+145+6 + (51+52+52+53) + (52+67) = 457+208+119 = 784 = 310H → 10H.
VOLTAGE_161 = h("68 61 01 00 00 00 00 68 91 06 33 34 34 35 34 43 10 16")
# 1997: 68+03+68+01+02+44+E9 = 104+3+104+1+2+68+233 = 515 = 203H → 03H.
READ_B611 = h("68 03 00 00 00 00 00 68 01 02 44 E9 03 16")
# 104+3+104+129+4+68+233+51+52 = 748 = 2ECH → ECH.
REPLY_B611 = h("68 03 00 00 00 00 00 68 81 04 44 E9 33 34 EC 16")

WATER_HEAD = "68 10 44 33 22 11 00 33 78 81 16 1F 90 00 00 77 66 55 2C 00 77 66 55 2C"
# The capture's CS is 13H with the clock 31 01 22 11 05 15 20 (sum 159); with seven 00H
# bytes it is 13H − 159 = −140 ≡ 116 = 74H.
WATER_ZERO_CLOCK = h(WATER_HEAD + " 00 00 00 00 00 00 00 21 84 74 16")
# Day 11H → 32H (+33): CS 13H + 21H = 34H; 2015-05-32 is no date.
WATER_BAD_CLOCK = h(WATER_HEAD + " 31 01 22 32 05 15 20 21 84 34 16")


# --- real captures -------------------------------------------------------------------


def test_public_2007_captures():
    assert dlt645.read_request("161", 0x00010000) == READ_161
    energy = dlt645.parse_reply(b"\xfe\xfe\xfe\xfe" + READ_161 + ENERGY_161)
    assert (energy.address, energy.di, energy.values[0].value) == (
        "000000000161",
        0x00010000,
        Decimal("0.26"),
    )
    voltage = dlt645.parse_reply(VOLTAGE_161)
    assert (voltage.values[0].name, voltage.values[0].value, voltage.values[0].unit) == (
        "A 相电压",
        Decimal("100.1"),
        "V",
    )


def test_public_1997_capture():
    assert dlt645.read_request("3", 0xB611, V97) == READ_B611
    reply = dlt645.parse_reply(REPLY_B611)
    assert (reply.edition, reply.address, reply.di_text, reply.values[0].value) == (
        V97,
        "000000000003",
        "B611",
        Decimal("100"),
    )


# --- CJ/T 188 clocks never set ---------------------------------------------------------


def test_all_zero_clock_is_absent_not_a_refusal():
    reply = cjt188.parse_reply(WATER_ZERO_CLOCK)
    assert (reply.flow, reply.settlement_flow, reply.status) == (
        Decimal("556677.00"),
        Decimal("556677.00"),
        h("21 84"),
    )
    assert reply.clock is None
    assert reply.clock_note == "表内时间全为 0（00 00 00 00 00 00 00），表钟未设置，按无时间处理"
    details = dict(describe(WATER_ZERO_CLOCK).details)
    assert details["clock"] == reply.clock_note


def test_invalid_clock_is_absent_with_a_note():
    reply = cjt188.parse_reply(WATER_BAD_CLOCK)
    assert (reply.flow, reply.clock) == (Decimal("556677.00"), None)
    assert reply.clock_note == "表内时间无效（20 15 05 32 22 01 31），按无时间处理"
    non_bcd = bytearray(WATER_BAD_CLOCK)
    non_bcd[24] = 0x3A  # seconds 3AH is not BCD; CS +09H
    non_bcd[-2] = (non_bcd[-2] + 0x09) & 0xFF
    assert cjt188.parse_reply(bytes(non_bcd)).clock_note == (
        "表内时间无效（20 15 05 32 22 01 3A），按无时间处理"
    )
    ff = cjt188.meter_data_reply("1", flow=Decimal("1"), settlement_flow=None, clock=None)
    assert (cjt188.parse_reply(ff).clock, cjt188.parse_reply(ff).clock_note) == (None, None)


def test_both_di_orders_are_reported():
    little = cjt188.parse_reply(WATER_ZERO_CLOCK)
    big = cjt188.meter_data_reply(
        "78330011223344", flow=Decimal("1"), settlement_flow=None, clock=None, di_order="big"
    )
    assert (little.di_order, cjt188.parse_reply(big).di_order) == ("little", "big")
    assert dict(describe(big).details)["di_order"] == "big"


# --- unknown identifiers and the wider tables ------------------------------------------


def test_unknown_identifier_decodes_header_and_raw_data():
    # 04000401 (通信地址) is not in the table: DI 01 04 00 04 +33 = 34 37 33 37, data
    # 61 01 00 00 00 00 +33 = 94 34 33 33 33 33; L=0A.
    # CS = 68+61+01+68+91+0A (461) + 34+37+33+37 (213) + 94+34+33·4 (148+52+204=404)
    #    = 1078 = 436H → 36H.
    raw = h("68 61 01 00 00 00 00 68 91 0A 34 37 33 37 94 34 33 33 33 33 36 16")
    reply = dlt645.parse_reply(raw)
    assert (reply.known, reply.di_text, reply.values, reply.raw) == (
        False,
        "04000401",
        (),
        h("61 01 00 00 00 00"),
    )
    decoded = describe(raw).as_json()
    assert (decoded["kind"], decoded["di"], decoded["values"]) == ("正常应答", "04000401", [])
    assert decoded["details"] == {
        "raw": "61 01 00 00 00 00",
        "note": "数据标识不在本程序的表内，未解析数值",
    }


def test_phase_b_voltage_by_hand():
    # 02010200: DI 00 02 01 02 +33 = 33 35 34 35; 222.0 V = 20 22 +33 = 53 55.
    # CS = 360 + 209 + 168 = 737 = 2E1H → E1H.
    raw = h("68 01 00 00 00 00 00 68 91 06 33 35 34 35 53 55 E1 16")
    value = dlt645.parse_reply(raw).values[0]
    assert (value.name, value.value, value.unit) == ("B 相电压", Decimal("222.0"), "V")


def test_max_demand_and_its_time_by_hand():
    # 01010000 正向有功总最大需量: 12.3456 kW = 56 34 12, at 2026-11-23 14:30 = mm hh DD MM YY
    # 30 14 23 11 26; +33: 89 67 45 63 47 56 44 59. DI 00 00 01 01 +33 = 33 33 34 34.
    # CS = (68+01+68+91+0C = 366) + 206 + 309 + 413 = 1294 = 50EH → 0EH.
    raw = h("68 01 00 00 00 00 00 68 91 0C 33 33 34 34 89 67 45 63 47 56 44 59 0E 16")
    demand, when = dlt645.parse_reply(raw).values
    assert (demand.name, demand.value, demand.unit) == (
        "正向有功总最大需量",
        Decimal("12.3456"),
        "kW",
    )
    assert (when.name, when.value) == ("正向有功总最大需量发生时间", datetime(2026, 11, 23, 14, 30))
    assert when.text() == "2026-11-23 14:30:00"
    # No demand recorded yet: the meter sends zero demand and a zero time.
    empty = dlt645.data_reply("1", 0x01010000, [Decimal("0"), None])
    assert [v.value for v in dlt645.parse_reply(empty).values] == [Decimal("0.0000"), None]
    zeros = dlt645.encode_frame(dlt645.Frame("1", 0x91, h("00 00 01 01") + bytes(8)))
    assert [v.value for v in dlt645.parse_reply(zeros).values] == [Decimal("0.0000"), None]


def test_negative_power_factor_and_signed_combined_energy():
    # 02060000 总功率因数 X.XXX signed: 50 89 → sign bit set, 0950 → −0.950.
    raw = dlt645.encode_frame(dlt645.Frame("1", 0x91, h("00 00 06 02 50 89")))
    assert dlt645.parse_reply(raw).values[0].value == Decimal("-0.950")
    # 00030000 组合无功1总电能 is signed, 00050000 第一象限无功 is not.
    assert (DATA_ITEMS[(V7, 0x00030000)].signed, DATA_ITEMS[(V7, 0x00050000)].signed) == (
        True,
        False,
    )


@pytest.mark.parametrize(
    ("edition", "di", "name", "unit"),
    [
        (V7, 0x00000000, "组合有功总电能", "kWh"),
        (V7, 0x00020300, "反向有功费率3（平）电能", "kWh"),
        (V7, 0x00040000, "组合无功2总电能", "kvarh"),
        (V7, 0x00080400, "第四象限无功费率4（谷）电能", "kvarh"),
        (V7, 0x00010001, "上1结算日正向有功总电能", "kWh"),
        (V7, 0x0001FF0C, "上12结算日正向有功电能数据块", "kWh"),
        (V7, 0x01020100, "反向有功费率1（尖）最大需量", "kW"),
        (V7, 0x02020300, "C 相电流", "A"),
        (V7, 0x02030200, "B 相有功功率", "kW"),
        (V7, 0x02040000, "瞬时总无功功率", "kvar"),
        (V7, 0x02050100, "A 相视在功率", "kVA"),
        (V7, 0x02800002, "电网频率", "Hz"),
        (V7, 0x04000503, "电表运行状态字3", ""),
        (V97, 0x9020, "反向有功总电能", "kWh"),
        (V97, 0x9110, "正向无功总电能", "kvarh"),
        (V97, 0x9133, "一象限无功费率3（平）电能", "kvarh"),
        (V97, 0x9160, "三象限无功总电能", "kvarh"),
        (V97, 0x9410, "上月正向有功总电能", "kWh"),
        (V97, 0x981F, "上上月正向有功电能数据块", "kWh"),
        (V97, 0xB613, "C 相电压", "V"),
        (V97, 0xB62F, "电流数据块", "A"),
        (V97, 0xB643, "C 相无功功率", "kvar"),
        (V97, 0xB650, "总功率因数", ""),
        (V97, 0xC020, "电表运行状态字", ""),
        (V97, 0xC032, "表号", ""),
    ],
)
def test_the_tables_name_the_standards_identifiers(edition, di, name, unit):
    item = DATA_ITEMS[(edition, di)]
    assert (item.name, item.unit) == (name, unit)


def test_1997_current_block_by_hand():
    # B62F: three XX.XX currents 5.12 A, 0.00 A, 10.05 A = 12 05 | 00 00 | 05 10.
    raw = dlt645.encode_frame(dlt645.Frame("1", 0x81, h("2F B6 12 05 00 00 05 10")))
    values = dlt645.parse_reply(raw).values
    assert [(v.name, v.value) for v in values] == [
        ("A 相电流", Decimal("5.12")),
        ("B 相电流", Decimal("0.00")),
        ("C 相电流", Decimal("10.05")),
    ]


# --- line noise ---------------------------------------------------------------------


def test_noise_before_the_preamble_is_skipped_and_reported():
    raw = h("00 FF 13") + b"\xfe" * 4 + ENERGY_161
    (frame,) = dlt645.decode_frames(raw)
    assert (frame.noise, frame.data[-4:]) == (h("00 FF 13"), h("26 00 00 00"))
    assert dlt645.parse_reply(raw).values[0].value == Decimal("0.26")
    assert dict(describe(raw).details)["noise"] == "跳过 3 字节：00 FF 13"


def test_noise_that_looks_like_a_frame_start():
    # 68H, six bytes and a second 68H, then an L of 30H the stream never delivers.
    fake = h("68 01 02 03 04 05 06 68 91 30")
    assert dlt645.parse_reply(fake + ENERGY_161).values[0].value == Decimal("0.26")
    assert cjt188.parse_reply(h("68 10 55") + WATER_ZERO_CLOCK).flow == Decimal("556677.00")
    # Between the echo and the reply, too.
    assert dlt645.parse_reply(READ_161 + h("55 AA") + ENERGY_161).di == 0x00010000


def test_bytes_with_no_valid_frame_keep_the_first_error():
    with pytest.raises(FrameError) as caught:
        dlt645.parse_reply(h("00 FF 13") + ENERGY_161[:-2] + h("00 16"))
    assert str(caught.value) == "缺少帧起始符：应为 68H，实为 00H（第 0 字节）"
    with pytest.raises(FrameError, match="帧后有多余字节 55H"):
        dlt645.parse_reply(ENERGY_161 + h("55 AA"))


class NoisyLine:
    """A meter behind a line that puts a fake frame start before every reply."""

    family = "dlt645"

    def __init__(self, meter) -> None:
        self.meter = meter

    def respond(self, request: bytes) -> bytes | None:
        reply = self.meter.respond(request)
        return h("68 01 02 03 04 05 06 68 91 30") + reply if reply else None


def test_stream_reader_skips_a_fake_frame_start_without_waiting():
    meter = SimulatedElectricityMeter("000000000161")
    with SimulatorServer([NoisyLine(meter)]) as server:
        settings = PortSettings(2400, timeout=1.0, retries=0)
        with MeterLink(server.url, settings=settings) as link:
            reply = link.read("000000000161", 0x00010000)
            assert (reply.values[0].value, link.attempts) == (Decimal("12345.67"), 1)


def test_simulator_bus_reads_requests_behind_noise():
    meter = SimulatedElectricityMeter("000000000161")
    with SimulatorServer([meter]) as server:
        host, port = server.url.removeprefix("socket://").split(":")
        with socket.create_connection((host, int(port)), timeout=2) as conn:
            conn.sendall(h("68 00 00 00 00 00 00 68 11 40 FE FE") + READ_161)
            answer = b""
            while not answer.endswith(b"\x16") or len(answer) < 20:
                answer += conn.recv(64)
    assert dlt645.parse_reply(answer).values[0].value == Decimal("12345.67")


class VendorMeter:
    """Answers every read with a vendor identifier outside the table (04000401)."""

    family = "dlt645"

    def respond(self, request: bytes) -> bytes | None:
        data = h("01 04 00 04 61 01 00 00 00 00")
        return dlt645.encode_frame(dlt645.Frame("000000000161", 0x91, data))


def test_bus_poll_records_an_unknown_identifier_and_goes_on():
    with SimulatorServer([VendorMeter()]) as server:
        settings = PortSettings(2400, timeout=0.5, retries=0)
        with MeterLink(server.url, settings=settings) as link:
            (result,) = poll_bus(link, ["000000000161"], [0x04000401, 0x00010000])
    assert result.values == ()
    # The first is recorded and the poll goes on; the second is an answer to another
    # question, a frame error that ends this meter's turn.
    assert result.errors == (
        "数据标识 04000401：数据标识不在表内，原始数据 61 01 00 00 00 00",
        "数据标识 00010000：应答的数据标识 04000401 不是所读的 00010000",
    )
