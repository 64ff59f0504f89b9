"""Fuzzing every decoder with hypothesis: whatever the bytes, only FrameError escapes.

Two kinds of input: arbitrary bytes, and valid frames mutated (bytes replaced, inserted,
deleted, cut) — the latter with the checksum recomputed half the time, so the mutation
reaches the length, identifier and value decoders instead of stopping at the checksum.
"""

import contextlib
import tempfile
from datetime import date, datetime, time
from decimal import Decimal
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.configuration import set_hypothesis_home_dir

from devices import cjt188, dlt645
from devices.decode import describe, parse_hex
from devices.errors import FrameError
from devices.framing import take_frame
from devices.registers import DATA_ITEMS, Edition
from devices.simulators import SimulatedElectricityMeter, SimulatedWaterMeter

# Hypothesis keeps its example database and caches out of the source tree: a .hypothesis
# folder at the root trips pytest's collection (norecursedirs replaces its defaults).
set_hypothesis_home_dir(Path(tempfile.gettempdir()) / "meterdesk-hypothesis")

FUZZ = settings(
    max_examples=200,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)

V7, V97 = Edition.V2007, Edition.V1997
NOW = datetime(2026, 11, 23, 10, 0, 0)

SEEDS_645 = [
    dlt645.read_request("000000000001", 0x00010000),
    dlt645.read_request("000000000001", 0x9010, V97),
    dlt645.read_address_request(),
    dlt645.time_sync_request(NOW),
    dlt645.data_reply("000000000001", 0x00010000, [Decimal("12345.67")]),
    dlt645.data_reply("000000000001", 0x0001FF00, [Decimal("1"), Decimal("2"), None]),
    dlt645.data_reply("000000000001", 0x00000000, [Decimal("-12.34")]),
    dlt645.data_reply("000000000001", 0x04000101, [date(2026, 11, 23)]),
    dlt645.data_reply("000000000001", 0xC011, [time(1, 2, 3)], V97),
    dlt645.data_reply("000000000001", 0x901F, [Decimal("1")] * 5, V97),
    dlt645.abnormal_reply("000000000001", 0x02),
    dlt645.abnormal_reply("000000000001", 0x04, V97),
    dlt645.address_reply("123456789012"),
    dlt645.control_request("000000000001", "trip", password="02123456", operator="1", until=NOW),
    dlt645.control_accepted("000000000001"),
    dlt645.control_refused("000000000001", 0x04),
    dlt645.data_reply("000000000001", dlt645.RELAY_STATUS_DI, [0x1050]),
    dlt645.data_reply("000000000001", 0x0101FF00, [Decimal("1.2345"), NOW, None, None]),
    dlt645.encode_frame(dlt645.Frame("000000000001", 0x91, bytes.fromhex("01 04 00 04 61 01"))),
]
SEEDS_188 = [
    cjt188.read_request("00000000000001", di_order="little"),
    cjt188.read_request("00000000000001", di_order="big"),
    cjt188.read_address_request(),
    cjt188.meter_data_reply(
        "00000000000001", flow=Decimal("1.23"), settlement_flow=None, clock=NOW
    ),
    cjt188.address_reply("00000000000001"),
    cjt188.abnormal_reply("00000000000001", status=b"\x01\x00"),
    cjt188.valve_request("00000000000001", 0x10, open=False, serial=3),
    cjt188.valve_reply("00000000000001", status=b"\x01\x00", di_order="little"),
    cjt188.abnormal_reply("1", status=b"\x03\x00", function=cjt188.WRITE_DATA),
    # A meter whose clock was never set (test_field_traffic.WATER_ZERO_CLOCK).
    bytes.fromhex(
        "68 10 44 33 22 11 00 33 78 81 16 1F 90 00 00 77 66 55 2C 00 77 66 55 2C"
        " 00 00 00 00 00 00 00 21 84 74 16"
    ),
]


@st.composite
def mutated(draw: st.DrawFn, seeds: list[bytes], header: int) -> bytes:
    raw = bytearray(draw(st.sampled_from(seeds)))
    for _ in range(draw(st.integers(1, 4))):
        op = draw(st.sampled_from(["set", "insert", "delete", "cut", "wake", "noise"]))
        index = draw(st.integers(0, max(len(raw) - 1, 0)))
        byte = draw(st.integers(0, 255))
        if op == "set" and raw:
            raw[index] = byte
        elif op == "insert":
            raw.insert(index, byte)
        elif op == "delete" and raw:
            del raw[index]
        elif op == "cut":
            del raw[index:]
        elif op == "wake":
            raw[:0] = b"\xfe" * (byte % 7)
        elif op == "noise":  # line noise before the frame, sometimes with a stray 68H
            raw[:0] = draw(st.binary(max_size=12)) + b"\xfe" * (byte % 3)
    if draw(st.booleans()) and len(raw) >= header + 2:
        # Recompute CS over what L says the frame holds, so the decoders below L get hit.
        end = header + raw[header - 1]
        if end < len(raw):
            raw[end] = sum(raw[:end]) & 0xFF
    return bytes(raw)


def only_frame_errors(call, raw) -> None:
    try:
        call(raw)
    except FrameError as exc:
        assert str(exc)  # a message, always
        assert "\n" not in str(exc)


DECODERS_645 = [
    dlt645.parse_reply,
    dlt645.parse_control_reply,
    dlt645.parse_request,
    dlt645.decode_frames,
    lambda raw: dlt645.parse_reply(raw, V97),
    describe,
    lambda raw: describe(raw, "dlt645-1997"),
]
DECODERS_188 = [
    cjt188.parse_reply,
    cjt188.parse_valve_reply,
    cjt188.parse_request,
    cjt188.decode_frames,
    describe,
]


@FUZZ
@given(st.binary(max_size=80))
def test_arbitrary_bytes(raw):
    for call in DECODERS_645 + DECODERS_188:
        only_frame_errors(call, raw)
    dlt645.frame_extent(raw)
    cjt188.frame_extent(raw)


@FUZZ
@given(mutated(SEEDS_645, header=10))
def test_mutated_645_frames(raw):
    for call in DECODERS_645:
        only_frame_errors(call, raw)


@FUZZ
@given(mutated(SEEDS_188, header=11))
def test_mutated_188_frames(raw):
    for call in DECODERS_188:
        only_frame_errors(call, raw)


@FUZZ
@given(st.one_of(mutated(SEEDS_645, header=10), mutated(SEEDS_188, header=11), st.binary()))
def test_simulators_never_raise(raw):
    # A meter stays silent on garbage, it does not crash the bus.
    meters = [
        SimulatedElectricityMeter("000000000001", clock=lambda: NOW),
        SimulatedElectricityMeter("000000000001", V97, clock=lambda: NOW),
        SimulatedWaterMeter("00000000000001", clock=lambda: NOW),
    ]
    for meter in meters:
        reply = meter.respond(raw)
        assert reply is None or isinstance(reply, bytes)


@FUZZ
@given(st.text(max_size=60))
def test_hex_text(text):
    with contextlib.suppress(FrameError):
        parse_hex(text)


@FUZZ
@given(st.sampled_from(sorted(DATA_ITEMS)), st.data())
def test_numbers_round_trip(key, data):
    item = DATA_ITEMS[key]
    if item.kind not in ("number", "block"):
        return
    # Signed fields keep 7 bits of the top byte for the magnitude (DL/T 645-2007 App. A).
    limit = 8 * 10 ** (2 * item.length - 1) if item.signed else 10 ** (2 * item.length)
    low = -limit + 1 if item.signed else 0
    raw_values = data.draw(st.lists(st.integers(low, limit - 1), min_size=1, max_size=5))
    values = [Decimal(v).scaleb(-item.decimals) for v in raw_values]
    if item.kind == "number":
        values = values[:1]
    reply = dlt645.parse_reply(dlt645.data_reply("1", item.di, values, item.edition))
    assert [v.value for v in reply.values] == values


@FUZZ
@given(
    st.sampled_from([(dlt645, s) for s in SEEDS_645] + [(cjt188, s) for s in SEEDS_188]),
    st.binary(max_size=20),
    st.binary(max_size=20),
)
def test_stream_reader_finds_the_frame_behind_noise(codec_and_frame, noise, tail):
    codec, frame = codec_and_frame
    clean = noise.replace(b"\x68", b"\x00")
    buffer = bytearray(clean + b"\xfe\xfe" + frame + tail)
    taken, wanted, _ = take_frame(buffer, codec.frame_extent, codec.frame_at)
    assert (taken, wanted) == (frame, 0)
    assert bytes(buffer) == tail
    # With stray 68H in the noise anything may be taken, but only a frame that checks.
    buffer = bytearray(noise + frame + tail)
    taken, wanted, _ = take_frame(buffer, codec.frame_extent, codec.frame_at)
    assert wanted >= 0
    if taken is not None:
        codec.frame_at(taken)
