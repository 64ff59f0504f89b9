"""Recording what a meter read on the bench (台架读表) said, source 'handheld'.

A field engineer reads a meter through the handheld terminal's USB serial link (or any
adapter on the PC) with devices.transport; the device I/O runs where the desktop runs its
device jobs. This service only takes the total read and the address it came from, finds
the meter whose hardware number (or meter number) is that address, and records the total
through readings.record_reading with its flags.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy.orm import Session

from server.db.models.metering import ELECTRICITY, WATER
from server.services.core import permissions
from server.services.core.audit import Actor
from server.services.core.calendar import BUSINESS_TZ
from server.services.core.errors import DomainError, InvalidInput

# The one place a hardware number on the wire is matched with a meter (zero-padding and
# all); the bench read matches the same way a handheld file does.
from server.services.metering.ingest import meters_for
from server.services.metering.readings import ReadingResult, record_reading

# The bench read goes through the handheld terminal's link (or an adapter standing in for
# it), so it is a handheld reading as far as metering's sources go.
SOURCE = "handheld"
KIND_OF_PROTOCOL = {"dlt645-2007": ELECTRICITY, "dlt645-1997": ELECTRICITY, "cjt188": WATER}
UNIT_OF_KIND = {ELECTRICITY: "kWh", WATER: "m³"}
KIND_NAMES = {ELECTRICITY: "电表", WATER: "水表"}


def record_bench_reading(
    session: Session,
    actor: Actor,
    protocol: str,
    address: str,
    value: Decimal,
    unit: str,
    *,
    note: str = "",
    read_at: datetime | None = None,
) -> ReadingResult:
    """Record `value` (forward active total in kWh, or cumulative flow in m³) as the reading
    of the meter at `address`.

    The reading is timed by the PC (`read_at`, default now): a meter's own clock drifts
    and is often never set, so it goes in the note only.
    """
    permissions.require(session, actor, "readings")
    kind = KIND_OF_PROTOCOL.get(protocol)
    if kind is None:
        raise DomainError(f"未知协议「{protocol}」")
    wanted = UNIT_OF_KIND[kind]
    if unit != wanted:
        raise InvalidInput(f"地址 {address} 读到的单位为 {unit or '空'}，应为 {wanted}")
    key = address.strip().upper()
    if not key:
        raise DomainError("没有表地址，不能记为读数")
    meter = meters_for(session, {key}).get(key)
    if meter is None:
        raise DomainError(f"没有硬件号或表号为 {key} 的表计，请先在表计资料中填写硬件号")
    if meter.kind != kind:
        raise DomainError(
            f"地址 {key} 对应的表计 {meter.meter_no} 是{KIND_NAMES.get(meter.kind, meter.kind)}，"
            f"不是{protocol}协议的{KIND_NAMES[kind]}"
        )
    detail = f"台架读表（{protocol}，地址 {key}）"
    return record_reading(
        session,
        actor,
        meter.meter_no,
        value,
        read_at or datetime.now(BUSINESS_TZ),
        SOURCE,
        note=f"{detail}；{note}" if note else detail,
    )
