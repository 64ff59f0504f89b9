"""Recording what a BLE water meter said (devices.ble) as a reading, source 'ble'.

The device I/O runs where the desktop runs its device jobs (a thread of its own, see
devices.ble.read_water_meter_sync); this service only takes the parsed reply, checks it
belongs to the meter, and records it through readings.record_reading with its flags.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from devices.cjt188 import MeterData
from server.db.models.metering import WATER
from server.services.core.audit import Actor
from server.services.core.calendar import BUSINESS_TZ
from server.services.core.errors import DomainError, InvalidInput
from server.services.metering.readings import ReadingResult, meter_by_no, record_reading

SOURCE = "ble"


def ble_address(session: Session, meter_no: str) -> str:
    """The CJ/T 188 address to read the meter at: its hardware number, 14 digits."""
    meter = meter_by_no(session, meter_no)
    if meter.kind != WATER:
        raise DomainError(f"表计 {meter.meter_no} 不是水表，不能用蓝牙读取")
    if not meter.hardware_no:
        raise DomainError(f"水表 {meter.meter_no} 没有硬件号（通信地址），请先在表计资料中填写")
    return meter.hardware_no.zfill(14)


def record_ble_reading(
    session: Session,
    actor: Actor,
    meter_no: str,
    data: MeterData,
    *,
    read_at: datetime | None = None,
) -> ReadingResult:
    """Record the current cumulative flow of `data` as `meter_no`'s reading.

    The reading is timed by the PC (`read_at`, default now): a meter's own clock drifts
    and is often never set, so it is kept in the note only.
    """
    expected = ble_address(session, meter_no)
    if data.address.upper() != expected.upper():
        raise DomainError(f"读到的是水表 {data.address}，不是 {meter_no}（硬件号 {expected}）")
    if data.flow is None:
        raise DomainError(f"水表 {meter_no} 没有返回当前累积流量")
    if data.flow_unit != "m³":
        raise InvalidInput(f"水表 {meter_no} 的流量单位为 {data.flow_unit or '空'}，应为 m³")
    clock = f"；表内时钟 {data.clock:%Y-%m-%d %H:%M:%S}" if data.clock else ""
    status = data.status.hex(" ").upper()
    return record_reading(
        session,
        actor,
        meter_no,
        data.flow,
        read_at or datetime.now(BUSINESS_TZ),
        SOURCE,
        note=f"蓝牙读取；状态 {status}{clock}",
    )
