"""CJ/T 188-2004 frames: a public capture, both DI byte orders, FF filling, bad frames.

The read request below is the one a public CJ/T 188 walkthrough prints for a cold water
meter 0011223344 with manufacturer code 7833 (hftangyu.com/563.html, also on
topic.alibabacloud.com "CJ/T-188 cold heat meter protocol analysis"):
    68 10 44 33 22 11 00 33 78 01 03 1F 90 00 80 16
and its reply carries 556677.00 m³ twice and the clock 2015-05-11 22:01:31. The page
prints the reply's CS as 08H, but the byte sum of the bytes it lists is 13H (checked
below), so the test uses 13H.
"""

from datetime import datetime
from decimal import Decimal

import pytest

from devices import cjt188
from devices.errors import FrameError

ADDRESS = "78330011223344"  # A6..A0 as printed: manufacturer 7833, number 0011223344
REQUEST = bytes.fromhex("68 10 44 33 22 11 00 33 78 01 03 1F 90 00 80 16")
REPLY_BODY = bytes.fromhex(
    "68 10 44 33 22 11 00 33 78 81 16 1F 90 00"
    " 00 77 66 55 2C 00 77 66 55 2C 31 01 22 11 05 15 20 21 84"
)
REPLY = REPLY_BODY + bytes([sum(REPLY_BODY) & 0xFF, 0x16])


def test_public_capture_checksums():
    # 68+10+44+33+22+11+00+33+78+01+03+1F+90+00 = 380H → 80H, as published.
    assert sum(REQUEST[:-2]) & 0xFF == 0x80
    assert REPLY[-2] == 0x13


def test_read_request_both_di_orders():
    assert cjt188.read_request(ADDRESS, 0x10, di_order="little") == REQUEST
    big = cjt188.read_request(ADDRESS, 0x10, di_order="big")
    assert big[11:13] == bytes.fromhex("90 1F")
    for raw, order in ((REQUEST, "little"), (big, "big")):
        request = cjt188.parse_request(b"\xfe\xfe\xfe" + raw)
        assert (request.kind, request.di, request.di_order, request.address) == (
            "read",
            0x901F,
            order,
            ADDRESS,
        )


def test_public_reply():
    reply = cjt188.parse_reply(b"\xfe\xfe\xfe\xfe" + REPLY)
    assert isinstance(reply, cjt188.MeterData)
    assert (reply.meter_type, reply.address, reply.ser) == (0x10, ADDRESS, 0)
    assert (reply.flow, reply.flow_unit) == (Decimal("556677.00"), "m³")
    assert (reply.settlement_flow, reply.settlement_unit) == (Decimal("556677.00"), "m³")
    assert reply.clock == datetime(2015, 5, 11, 22, 1, 31)
    assert reply.status == bytes.fromhex("21 84")
    assert reply.di_order == "little"
    assert (reply.valve, reply.valve_text) == ("closed", "关")  # 21H: D1D0 = 01
    assert reply.battery_low is False
    assert [v.text() for v in reply.values] == ["556677.00", "556677.00"]


def test_reply_round_trip_big_order_and_status_bits():
    raw = cjt188.meter_data_reply(
        "00000000000001",
        flow=Decimal("123.45"),
        settlement_flow=Decimal("100.00"),
        clock=datetime(2026, 11, 23, 9, 30, 0),
        status=b"\x07\x00",
        ser=5,
        di_order="big",
    )
    assert raw[10] == 0x16  # L = 22
    reply = cjt188.parse_reply(raw)
    assert (reply.flow, reply.settlement_flow, reply.ser, reply.di_order) == (
        Decimal("123.45"),
        Decimal("100.00"),
        5,
        "big",
    )
    assert reply.clock == datetime(2026, 11, 23, 9, 30)
    assert (reply.valve, reply.valve_text, reply.battery_low) == ("abnormal", "异常", True)


def test_ff_filled_fields_are_no_data():
    raw = cjt188.meter_data_reply(
        "1", flow=Decimal("1.00"), settlement_flow=None, clock=None, status=b"\xff\xff"
    )
    reply = cjt188.parse_reply(raw)
    assert reply.flow == Decimal("1.00")
    assert (reply.settlement_flow, reply.settlement_unit, reply.clock) == (None, "", None)
    assert (reply.valve, reply.battery_low) == ("unknown", None)


def test_other_units_and_meter_types():
    raw = cjt188.meter_data_reply(
        "1",
        meter_type=0x30,
        unit="L",
        flow=Decimal("5.5"),
        settlement_flow=Decimal("0"),
        clock=None,
    )
    reply = cjt188.parse_reply(raw)
    assert (reply.meter_type, reply.flow_unit) == (0x30, "L")
    assert cjt188.UNITS[0x2C] == "m³" and cjt188.UNITS[0x35] == "m³/h"


def test_read_address():
    request = cjt188.read_address_request(di_order="little")
    assert request == bytes.fromhex("68 AA AA AA AA AA AA AA AA 03 03 0A 81 00") + bytes(
        [sum(request[:-2]) & 0xFF, 0x16]
    )
    parsed = cjt188.parse_request(request)
    assert (parsed.kind, parsed.di, parsed.address) == ("read_address", 0x810A, "AAAAAAAAAAAAAA")
    reply = cjt188.parse_reply(cjt188.address_reply(ADDRESS, ser=7))
    assert reply == cjt188.AddressReply(0x10, ADDRESS, 7)


def test_abnormal_reply_keeps_its_status():
    raw = cjt188.abnormal_reply(ADDRESS, ser=3, status=b"\x02\x00")
    assert raw[9] == 0xC1 and raw[10] == 0x03
    reply = cjt188.parse_reply(raw)
    assert isinstance(reply, cjt188.AbnormalReply)
    assert (reply.ser, reply.status) == (3, b"\x02\x00")
    assert reply.message == f"表 {ADDRESS} 异常应答（C=C1H，状态 02 00）"


def test_echo_is_dropped():
    assert cjt188.parse_reply(REQUEST + REPLY).flow == Decimal("556677.00")
    with pytest.raises(FrameError, match="只有请求（回显），没有应答帧"):
        cjt188.parse_reply(REQUEST)


def test_16h_inside_address_length_and_data():
    raw = cjt188.meter_data_reply(
        "16161616161616", flow=Decimal("1616.16"), settlement_flow=Decimal("16.16"), clock=None
    )
    assert raw.count(0x16) > 10
    reply = cjt188.parse_reply(raw)
    assert (reply.address, reply.flow) == ("16161616161616", Decimal("1616.16"))


def frame(control: int, data: bytes, meter_type: int = 0x10) -> bytes:
    return cjt188.encode_frame(cjt188.Frame(meter_type, ADDRESS, control, data))


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        (REPLY[:-2] + b"\x00\x16", "校验和错误：应为 13H，实为 00H（第 33 字节）"),
        (REPLY[:20], "帧不完整：长度 L=16H 需 35 字节，只有 20 字节（第 20 字节）"),
        (REPLY[:-1] + b"\x00", "缺少帧结束符：按长度 L=16H 此处应为 16H，实为 00H（第 34 字节）"),
        (b"\x55" + REPLY[1:], "缺少帧起始符：应为 68H，实为 55H（第 0 字节）"),
        (REPLY + b"\x12", "帧后有多余字节 12H（第 35 字节）"),
        (frame(0x81, bytes.fromhex("12 34 00")), "未知数据标识 12 34（CJ/T 188）（第 11 字节）"),
        (frame(0x81, bytes.fromhex("1F 90 00 00")), "计量数据长度应为 16H，实为 04H（第 10 字节）"),
        (
            frame(0x81, REPLY_BODY[11:18] + b"\x3c" + REPLY_BODY[19:]),
            "未知计量单位代号 3CH（第 18 字节）",
        ),
        (
            frame(0x81, REPLY_BODY[11:14] + b"\x0a" + REPLY_BODY[15:]),
            "当前累积流量含非 BCD 数字 0AH（第 14 字节）",
        ),
        (frame(0x81, REPLY_BODY[11:], 0x20), "暂不支持热量表（类型 20H）的计量数据（第 1 字节）"),
        (frame(0x83, bytes.fromhex("1F 90 00")), "控制码 83H 与数据标识 901F 不匹配（第 9 字节）"),
    ],
    ids=[
        "bad-checksum",
        "truncated",
        "no-end",
        "foreign-start",
        "trailing-bytes",
        "unknown-di",
        "wrong-length",
        "unknown-unit",
        "non-bcd",
        "heat-meter",
        "control-di-mismatch",
    ],
)
def test_bad_frames(raw, message):
    with pytest.raises(FrameError) as caught:
        cjt188.parse_reply(raw)
    assert str(caught.value) == message
