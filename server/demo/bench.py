"""Meters on the demo's bench: `meterdesk demo` serves two simulated meters so a demo user
can try 台架读表 at once.

One DL/T 645-2007 electricity meter and one CJ/T 188 water meter answer at the hardware
numbers of two demo meters, their registers showing those meters' latest readings, so a
bench read matches what the rest of the desktop shows (and recording it flags nothing).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import ROUND_DOWN, Decimal

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from devices import cjt188, dlt645
from devices.registers import Edition
from devices.simulators import (
    SimulatedElectricityMeter,
    SimulatedMeter,
    SimulatedWaterMeter,
    SimulatorServer,
)
from server.db.models import Meter
from server.db.models.metering import ELECTRICITY, METER_ACTIVE, WATER
from server.services.core.calendar import BUSINESS_TZ
from server.services.metering.ingest import latest_accepted_before

# The address widths on the wire: DL/T 645 6 BCD bytes, CJ/T 188 7.
ADDRESS_DIGITS = {ELECTRICITY: 12, WATER: 14}
# Both registers hold XXXXXX.XX: 4 BCD bytes, 2 decimals.
REGISTER_LIMIT = Decimal("999999.99")
CENTS = Decimal("0.01")
# How the demo meter's total splits over tariffs 尖/峰/平 (谷 takes the rest).
TARIFF_SHARES = (Decimal("0.1"), Decimal("0.3"), Decimal("0.3"))
CANDIDATES = 50


@dataclass(frozen=True)
class BenchMeter:
    """A demo meter as the bench simulator plays it."""

    kind: str
    meter_no: str
    address: str  # the hardware number, zero-padded to the protocol's width
    value: Decimal  # its latest accepted reading, to the register's 2 decimals
    settlement: Decimal  # the latest before this month began (the settlement-day flow)


def _register(value: Decimal) -> Decimal:
    # A register shows what has been counted: the thousandths of a reading are not yet.
    return value.quantize(CENTS, rounding=ROUND_DOWN)


def demo_bench_meters(session: Session, *, now: datetime | None = None) -> tuple[BenchMeter, ...]:
    """The first active electricity and water meter (by meter number) whose hardware number
    fits its protocol's address and whose latest reading fits the register; one of each
    kind that has such a meter."""
    now = now or datetime.now(BUSINESS_TZ)
    month_start = now.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    found = []
    for kind in (ELECTRICITY, WATER):
        digits = ADDRESS_DIGITS[kind]
        meters = session.execute(
            select(Meter.id, Meter.meter_no, Meter.hardware_no)
            .where(
                Meter.kind == kind,
                Meter.status == METER_ACTIVE,
                Meter.account_id.is_not(None),
                func.length(Meter.hardware_no) <= digits,
                Meter.hardware_no.regexp_match("^[0-9]+$"),
            )
            .order_by(Meter.meter_no)
            .limit(CANDIDATES)
        ).all()
        for meter_id, meter_no, hardware_no in meters:
            latest = latest_accepted_before(session, meter_id, now)
            if latest is None or latest.value > REGISTER_LIMIT:
                continue
            before = latest_accepted_before(session, meter_id, month_start)
            settlement = before.value if before is not None else latest.value
            assert hardware_no is not None  # the query keeps numbers only
            found.append(
                BenchMeter(
                    kind,
                    meter_no,
                    hardware_no.zfill(digits),
                    _register(latest.value),
                    _register(settlement),
                )
            )
            break
    return tuple(found)


def simulated(meter: BenchMeter) -> SimulatedMeter:
    """The simulated meter answering as `meter` does on the bench."""
    if meter.kind == WATER:
        return SimulatedWaterMeter(
            meter.address, flow=meter.value, settlement_flow=meter.settlement
        )
    total = meter.value
    tariffs = [_register(total * share) for share in TARIFF_SHARES]
    tariffs.append(total - sum(tariffs))
    registers: dict[int, Decimal | list[Decimal]] = {
        0x00000000: total,
        0x00010000: total,
        **{0x00010000 | n << 8: t for n, t in enumerate(tariffs, start=1)},
        0x0001FF00: [total, *tariffs],
        0x02010100: Decimal("220.0"),
        0x02020100: Decimal("1.500"),
    }
    return SimulatedElectricityMeter(meter.address, Edition.V2007, registers)


class MixedBusServer(SimulatorServer):
    """A SimulatorServer whose bus carries DL/T 645 and CJ/T 188 meters together, as a data
    collector with meters of both kinds does: each request is framed by the protocol it
    looks like, and every meter ignores frames of the other (they do not decode for it)."""

    def __init__(self, meters: Sequence[SimulatedMeter]) -> None:
        # The base class refuses a mixed bus only because it frames with one codec; this
        # class frames per request, so it hands the base one family and keeps them all.
        super().__init__(meters[:1])
        self.meters = list(meters)

    def _frames(self, buffer: bytearray) -> list[bytes]:
        frames: list[bytes] = []
        while True:
            pos = 0
            while pos < len(buffer) and buffer[pos] != dlt645.START:
                pos += 1
            del buffer[:pos]  # wake-up bytes and noise
            if len(buffer) < dlt645.HEADER_LEN:
                return frames  # too little to tell the two apart yet
            # DL/T 645 repeats 68H after its 6-byte address; CJ/T 188 puts a type there.
            codec = dlt645 if buffer[7] == dlt645.START else cjt188
            skip, end = codec.frame_extent(bytes(buffer))
            if skip:
                del buffer[:1]  # a 68H that starts neither: noise
                continue
            if end is None or len(buffer) < end:
                return frames
            frames.append(bytes(buffer[:end]))
            del buffer[:end]


def start_bench_simulator(meters: Sequence[BenchMeter]) -> MixedBusServer:
    """Serve `meters` on one local bus (`server.url`, socket://127.0.0.1:PORT), started;
    the caller stops it."""
    if not meters:
        raise ValueError("没有可用于台架读表的演示表计")
    server = MixedBusServer([simulated(m) for m in meters])
    server.start()
    return server
