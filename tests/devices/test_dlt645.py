"""DL/T 645-2007 and -1997 frames: known bytes, round trips, every kind of bad frame.

Known frames are built by hand from the standard's frame layout (DL/T 645-2007 §4,
DL/T 645-1997 §4) and checked against the read-address frame "68 AA AA AA AA AA AA 68
13 00 DF 16" that vendors' manuals and public dlt645 libraries print as their example.
"""

from datetime import date, datetime, time
from decimal import Decimal

import pytest

from devices import dlt645
from devices.bcd import (
    address_from_wire,
    address_to_wire,
    bcd_to_int,
    decode_decimal,
    encode_decimal,
    int_to_bcd,
    int_to_signed_bcd,
    signed_bcd_to_int,
)
from devices.errors import FrameError
from devices.registers import DATA_ITEMS, Edition, parse_di

V7, V97 = Edition.V2007, Edition.V1997
ADDR = "000000000001"


def h(text: str) -> bytes:
    return bytes.fromhex(text)


# 2007 read of 00010000 (forward active total) from meter 000000000001:
# DI 00 01 00 00 goes low byte first (00 00 01 00) and +33H each: 33 33 34 33.
# CS = 68+01+00·5+68+11+04+33+33+34+33 = 104+1+104+17+4+51+51+52+51 = 435 = 1B3H → B3H.
READ_2007 = h("68 01 00 00 00 00 00 68 11 04 33 33 34 33 B3 16")
# Its reply, 12345.67 kWh = BCD 67 45 23 01 (+33H: 9A 78 56 34), C=91H, L=08H.
# CS = 1B3H + (91H−11H) + (08H−04H) + 9A+78+56+34 = 435+128+4+412 = 979 = 3D3H → D3H.
REPLY_2007 = h("68 01 00 00 00 00 00 68 91 08 33 33 34 33 9A 78 56 34 D3 16")
# 1997: DI 9010 low byte first (10 90) +33H = 43 C3; C=01H, L=02H.
# CS = 68+01+68+01+02+43+C3 = 104+1+104+1+2+67+195 = 474 = 1DAH → DAH.
READ_1997 = h("68 01 00 00 00 00 00 68 01 02 43 C3 DA 16")
REPLY_1997 = h("68 01 00 00 00 00 00 68 81 06 43 C3 9A 78 56 34 FA 16")


# --- BCD ----------------------------------------------------------------------------


def test_bcd_low_byte_first_and_signed():
    assert int_to_bcd(1234567, 4) == h("67 45 23 01")
    assert bcd_to_int(h("67 45 23 01")) == 1234567
    assert int_to_signed_bcd(-1234, 4) == h("34 12 00 80")
    assert signed_bcd_to_int(h("34 12 00 80")) == -1234
    assert decode_decimal(h("23 51 80"), 3, signed=True) == Decimal("-5.123")
    assert encode_decimal(Decimal("220.1"), 2, 1) == h("01 22")
    assert decode_decimal(h("FF FF FF FF"), 2) is None
    assert encode_decimal(None, 4, 2) == h("FF FF FF FF")
    with pytest.raises(ValueError, match="超出"):
        int_to_bcd(100, 1)
    with pytest.raises(ValueError, match="小数位"):
        encode_decimal(Decimal("1.234"), 4, 2)


def test_non_bcd_nibble_names_its_byte():
    with pytest.raises(FrameError, match="非 BCD 数字 1AH（第 12 字节）") as caught:
        bcd_to_int(h("00 1A 00"), offset=11)
    assert caught.value.offset == 12


def test_addresses_are_printed_high_first_and_padded():
    assert address_to_wire("1", 6) == h("01 00 00 00 00 00")
    assert address_from_wire(h("56 34 12 00 00 00")) == "000000123456"
    with pytest.raises(ValueError, match="表地址"):
        address_to_wire("1234567890123", 6)


# --- known frames -------------------------------------------------------------------


def test_2007_read_request_known_bytes():
    assert dlt645.read_request(ADDR, 0x00010000) == READ_2007
    request = dlt645.parse_request(READ_2007)
    assert (request.edition, request.kind, request.di, request.address) == (
        V7,
        "read",
        0x00010000,
        ADDR,
    )


def test_2007_reply_12345_67_kwh():
    assert dlt645.data_reply(ADDR, 0x00010000, [Decimal("12345.67")]) == REPLY_2007
    reply = dlt645.parse_reply(REPLY_2007)
    assert isinstance(reply, dlt645.DataReply)
    assert (reply.address, reply.di_text, reply.follow_up) == (ADDR, "00010000", False)
    (value,) = reply.values
    assert (value.name, value.value, value.unit, value.text()) == (
        "正向有功总电能",
        Decimal("12345.67"),
        "kWh",
        "12345.67",
    )


def test_1997_equivalent_with_9010():
    assert dlt645.read_request(ADDR, 0x9010, V97) == READ_1997
    assert dlt645.data_reply(ADDR, 0x9010, [Decimal("12345.67")], V97) == REPLY_1997
    reply = dlt645.parse_reply(REPLY_1997)
    assert reply.edition is V97 and reply.di_text == "9010"
    assert reply.values[0].value == Decimal("12345.67")


def test_read_address_request_matches_the_published_example():
    # CS = 68 + AA·6 + 68 + 13 + 00 = 104+1020+104+19 = 1247 = 4DFH → DFH.
    assert dlt645.read_address_request() == h("68 AA AA AA AA AA AA 68 13 00 DF 16")
    reply = dlt645.parse_reply(dlt645.address_reply("123456789012"))
    assert reply == dlt645.AddressReply(V7, "123456789012")


def test_broadcast_time_sync_frame():
    raw = dlt645.time_sync_request(datetime(2026, 11, 23, 14, 5, 9))
    # ss mm hh DD MM YY = 09 05 14 23 11 26, each +33H.
    assert raw[:10] == h("68 99 99 99 99 99 99 68 08 06")
    assert raw[10:16] == h("3C 38 47 56 44 59")
    request = dlt645.parse_request(raw)
    assert request.kind == "time_sync" and request.when == datetime(2026, 11, 23, 14, 5, 9)


def test_any_number_of_wakeup_bytes_is_skipped():
    for count in (0, 1, 4, 9):
        assert dlt645.parse_reply(b"\xfe" * count + REPLY_2007).values[0].value == Decimal(
            "12345.67"
        )
    assert dlt645.encode_frame(dlt645.decode_frame(READ_2007), wakeup=4) == b"\xfe" * 4 + READ_2007


@pytest.mark.parametrize(
    ("edition", "control", "code", "reasons"),
    [
        (V7, 0xD1, 0x02, ("无请求数据",)),
        (V7, 0xD1, 0x06, ("无请求数据", "密码错/未授权")),
        (V7, 0xD1, 0x41, ("其他错误", "费率数超")),
        (V97, 0xC1, 0x02, ("数据标识错",)),
        (V97, 0xC1, 0x05, ("非法数据", "密码错")),
    ],
)
def test_abnormal_replies_decode_the_error_bits(edition, control, code, reasons):
    raw = dlt645.abnormal_reply(ADDR, code, edition)
    assert raw[8] == control
    reply = dlt645.parse_reply(raw)
    assert isinstance(reply, dlt645.AbnormalReply)
    assert reply.edition is edition and reply.code == code and reply.reasons == reasons
    assert reply.message.startswith(f"表 {ADDR} 异常应答（错误字 {code:02X}H）")


def test_echoed_request_is_dropped():
    reply = dlt645.parse_reply(b"\xfe\xfe" + READ_2007 + b"\xfe\xfe\xfe" + REPLY_2007)
    assert reply.values[0].value == Decimal("12345.67")
    with pytest.raises(FrameError, match="只有请求（回显），没有应答帧"):
        dlt645.parse_reply(READ_2007)


def test_follow_up_flag():
    raw = dlt645.data_reply(ADDR, 0x00010000, [Decimal("1")], follow_up=True)
    assert raw[8] == 0xB1
    assert dlt645.parse_reply(raw).follow_up is True


# --- 16H where a naive reader would stop -----------------------------------------------


def test_16h_inside_the_address_and_as_the_length():
    # Address bytes 16H, and a 1997 901F block of five values has L = 2 + 5·4 = 22 = 16H.
    address = "161616161616"
    values = [Decimal("16.16"), Decimal("1.16"), Decimal("2.16"), Decimal("3.16"), Decimal("4.16")]
    raw = dlt645.data_reply(address, 0x901F, values, V97)
    assert raw[1:7] == b"\x16" * 6 and raw[9] == 0x16
    assert raw.index(0x16) == 1  # the first 16H is far from the end
    reply = dlt645.parse_reply(raw)
    assert reply.address == address
    assert [v.value for v in reply.values] == values
    assert reply.values[0].name == "正向有功总电能"
    assert reply.values[4].name == "正向有功费率4（谷）电能"


def test_16h_as_the_checksum_and_inside_the_data():
    # 0001FF00 DI byte FFH goes on the wire as FF+33 = 32H; pick a value making CS = 16H.
    for cents in range(0, 100_000):
        value = Decimal(cents).scaleb(-2)
        raw = dlt645.data_reply(ADDR, 0x00010000, [value])
        if raw[-2] == 0x16:
            break
    else:  # pragma: no cover - the search space has one for sure
        pytest.fail("no value with CS = 16H")
    assert dlt645.parse_reply(raw).values[0].value == value
    # A raw data byte E3H goes on the wire as 16H; in an unknown DI it is still read by L.
    raw = dlt645.encode_frame(dlt645.Frame(ADDR, 0x91, h("E3 E3 E3 E3 00 00 00 00")))
    reply = dlt645.parse_reply(raw)
    assert (reply.di, reply.known, reply.raw) == (0xE3E3E3E3, False, h("00 00 00 00"))


# --- values -------------------------------------------------------------------------


def test_signed_combined_energy_and_current():
    raw = dlt645.data_reply(ADDR, 0x00000000, [Decimal("-12.34")])
    assert raw[14:18] == h("67 45 33 B3")  # 34 12 00 80 + 33H
    assert dlt645.parse_reply(raw).values[0].value == Decimal("-12.34")
    raw = dlt645.data_reply(ADDR, 0x02020100, [Decimal("-5.123")])
    reply = dlt645.parse_reply(raw)
    assert (reply.values[0].value, reply.values[0].unit) == (Decimal("-5.123"), "A")


def test_voltage_and_1997_formats():
    v = dlt645.parse_reply(dlt645.data_reply(ADDR, 0x02010100, [Decimal("220.1")])).values[0]
    assert (v.name, v.value, v.unit) == ("A 相电压", Decimal("220.1"), "V")
    v = dlt645.parse_reply(dlt645.data_reply(ADDR, 0xB611, [Decimal("220")], V97)).values[0]
    assert v.value == Decimal("220")
    i = dlt645.parse_reply(dlt645.data_reply(ADDR, 0xB621, [Decimal("5.12")], V97)).values[0]
    assert (i.value, i.unit) == (Decimal("5.12"), "A")


def test_date_and_time():
    raw = dlt645.data_reply(ADDR, 0x04000101, [date(2026, 11, 23)])
    # YYMMDDWW low first: WW=01 (Monday) DD=23 MM=11 YY=26, +33H.
    assert raw[14:18] == h("34 56 44 59")
    assert dlt645.parse_reply(raw).values[0].value == date(2026, 11, 23)
    raw = dlt645.data_reply(ADDR, 0xC011, [time(14, 5, 9)], V97)
    value = dlt645.parse_reply(raw).values[0]
    assert (value.value, value.text()) == (time(14, 5, 9), "14:05:09")


def test_all_ff_is_no_data():
    raw = dlt645.data_reply(ADDR, 0x00010000, [None])
    assert raw[14:18] == h("32 32 32 32")  # FF + 33H
    value = dlt645.parse_reply(raw).values[0]
    assert value.value is None and value.text() is None


def test_every_identifier_round_trips():
    # Samples that fit every layout in the table (1997 voltage has no decimals, 2-byte
    # power factors stop at 7.999, 1997 status words are one byte).
    samples = {
        "date": date(2027, 2, 28),
        "time": time(23, 59, 58),
        "word": 0x50,
    }
    for (edition, di), item in DATA_ITEMS.items():
        if item.kind == "block":
            values = [Decimal("1"), Decimal("2"), None]
        elif item.kind == "number":
            values = [Decimal("1.2") if item.decimals else Decimal("12")]
        elif item.kind == "demand":
            values = [Decimal("1.2345"), datetime(2026, 11, 23, 10, 15)]
        else:
            values = [samples[item.kind]]
        reply = dlt645.parse_reply(dlt645.data_reply("1", di, values, edition))
        assert [v.value for v in reply.values] == values, item.di_text
        request = dlt645.parse_request(dlt645.read_request("1", di, edition))
        assert (request.edition, request.di) == (edition, di)


def test_parse_di():
    assert parse_di("0001 0000", V7) == 0x00010000
    assert parse_di("9010", V97) == 0x9010
    with pytest.raises(ValueError, match="应为 8 位十六进制"):
        parse_di("9010", V7)


# --- bad frames ---------------------------------------------------------------------


def corrupt(raw: bytes, index: int, value: int) -> bytes:
    out = bytearray(raw)
    out[index] = value
    return bytes(out)


@pytest.mark.parametrize(
    ("raw", "message", "offset"),
    [
        (b"", "帧为空", None),
        (b"\xfe\xfe", "只有唤醒字节 FEH，没有帧", 2),
        (corrupt(REPLY_2007, -2, 0xD4), "校验和错误：应为 D3H，实为 D4H", 18),
        (REPLY_2007[:12], "帧不完整：长度 L=08H 需 20 字节，只有 12 字节", 12),
        (REPLY_2007[:6], "帧不完整：帧头需 10 字节，只有 6 字节", 0),
        (REPLY_2007[:-1], "帧不完整：长度 L=08H 需 20 字节，只有 19 字节", 19),
        (REPLY_2007[:-1] + b"\x17", "缺少帧结束符：按长度 L=08H 此处应为 16H，实为 17H", 19),
        (b"\x00" + REPLY_2007[1:], "缺少帧起始符：应为 68H，实为 00H", 0),
        (corrupt(REPLY_2007, 7, 0x00), "缺少第二个帧起始符：应为 68H，实为 00H", 7),
        (REPLY_2007 + b"\x00\x01", "帧后有多余字节 00H", 20),
    ],
    ids=[
        "empty",
        "only-wakeup",
        "bad-checksum",
        "truncated-data",
        "truncated-header",
        "no-end",
        "wrong-end",
        "foreign-start",
        "no-second-start",
        "trailing-bytes",
    ],
)
def test_corrupt_frames(raw, message, offset):
    with pytest.raises(FrameError) as caught:
        dlt645.parse_reply(raw)
    assert caught.value.reason == message
    assert caught.value.offset == offset
    where = f"（第 {offset} 字节）" if offset is not None else ""
    assert str(caught.value) == message + where


def test_wrong_length_byte():
    # L says 7 where 8 bytes follow: the byte at the checksum's place is the last data byte.
    shorter = corrupt(REPLY_2007, 9, 0x07)
    with pytest.raises(FrameError, match="校验和错误"):
        dlt645.parse_reply(shorter)
    # L says 7, the sender summed 7 data bytes but sent 8: 16H is not where L puts it.
    body = bytearray(shorter[:17])
    body.append(sum(body) & 0xFF)
    with pytest.raises(FrameError, match="缺少帧结束符：按长度 L=07H 此处应为 16H，实为 34H") as e:
        dlt645.parse_reply(bytes(body) + b"\x34\x16")
    assert e.value.offset == 18


def test_non_bcd_value_and_unknown_identifier():
    bad_value = dlt645.encode_frame(dlt645.Frame(ADDR, 0x91, h("00 00 01 00 67 45 2A 01")))
    with pytest.raises(FrameError, match="数据标识 00010000 含非 BCD 数字 2AH（第 16 字节）"):
        dlt645.parse_reply(bad_value)
    unknown = dlt645.encode_frame(dlt645.Frame(ADDR, 0x91, h("01 02 03 04 00 00 00 00")))
    reply = dlt645.parse_reply(unknown)
    assert (reply.di_text, reply.values, reply.raw, reply.known) == (
        "04030201",
        (),
        h("00 00 00 00"),
        False,
    )
    # The builder still refuses what it cannot lay out.
    with pytest.raises(FrameError, match="未知数据标识 1234（dlt645-1997）"):
        dlt645.data_reply(ADDR, 0x1234, [Decimal(1)], V97)


def test_wrong_data_length_for_the_identifier():
    raw = dlt645.encode_frame(dlt645.Frame(ADDR, 0x91, h("00 01 01 02 01 22 00")))
    with pytest.raises(FrameError, match="数据标识 02010100 的数据应为 2 字节，实为 3 字节"):
        dlt645.parse_reply(raw)


def test_invalid_date_is_a_frame_error():
    raw = dlt645.encode_frame(dlt645.Frame(ADDR, 0x91, h("01 01 00 04 01 31 02 26")))
    with pytest.raises(FrameError, match="日期无效：26-02-31"):
        dlt645.parse_reply(raw)


def test_request_is_not_a_reply_and_back():
    with pytest.raises(FrameError, match="这是应答帧"):
        dlt645.parse_request(REPLY_2007)
    with pytest.raises(FrameError, match="应为一帧，实为 2 帧"):
        dlt645.decode_frame(READ_2007 + REPLY_2007)
