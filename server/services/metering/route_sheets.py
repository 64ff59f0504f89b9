"""抄表卡 per building: what a reader without a handheld carries on the round.

The expected range of this month's reading comes from the meter's history, the same 12
months of accepted usage the surge check uses (`usage_rules.mean_monthly_usage`, at least 3
months): with `mean` that monthly usage turned back into register units (÷ multiplier),

    low  = last + 0.5 × mean, rounded down to a whole unit
    high = last + 2 × mean,   rounded up to a whole unit

— half a usual month to twice one, a band wide enough for the season and narrow enough to
catch a misread digit. A bound past the register's range wraps (− 10^digits), as the meter
does. A meter with no reading or less than 3 months of usage gets no range (—).
"""

from __future__ import annotations

from datetime import datetime
from decimal import ROUND_CEILING, ROUND_FLOOR, Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from reports.route_sheet import (
    PDF,
    RouteSheet,
    RouteSheetLine,
    render_route_sheet_pdf,
    route_sheet_filename,
)
from server.db.models import Meter
from server.services.core.calendar import BUSINESS_TZ, Period
from server.services.core.errors import DomainError
from server.services.metering.ingest import latest_accepted_before, monthly_usage_history
from server.services.metering.meter_picker import meters_of_building
from server.services.metering.usage_rules import mean_monthly_usage, quantity_text

LOW_FACTOR = Decimal("0.5")
HIGH_FACTOR = Decimal(2)
RULE = (
    "本月预计范围 = 上次读数 + 0.5 × 月均用量 至 上次读数 + 2 × 月均用量"
    "（月均用量取前 12 个月已采用的用量，÷ 倍率，至少 3 个月；下限取整舍去，上限取整进一）。"
    "读数超出范围请复核后在备注中说明。"
)


def expected_range(
    last: Decimal, monthly: list[Decimal], multiplier: Decimal, digits: int
) -> tuple[Decimal, Decimal] | None:
    """The (low, high) register figures this month's reading should fall between."""
    mean = mean_monthly_usage(monthly)
    if mean is None:
        return None
    per_month = mean / multiplier
    low = (last + LOW_FACTOR * per_month).to_integral_value(ROUND_FLOOR)
    high = (last + HIGH_FACTOR * per_month).to_integral_value(ROUND_CEILING)
    span = Decimal(10) ** digits
    return low % span, high % span


def route_sheet(
    session: Session, building: str, *, kind: str | None = None, now: datetime | None = None
) -> RouteSheet:
    """The active meters of `building` ('楼名' or '校区/楼名'), ready to print."""
    now = now or datetime.now(BUSINESS_TZ)
    month = Period.of(now)
    places = meters_of_building(session, building, kind=kind, active_only=True, with_last=False)
    if not places:
        raise DomainError(f"{building} 没有在用的表计")
    meters = {
        m.id: m
        for m in session.scalars(select(Meter).where(Meter.id.in_([p.meter_id for p in places])))
    }
    lines = []
    for place in places:
        meter = meters[place.meter_id]
        last = latest_accepted_before(session, meter.id, now)
        expected = "—"
        if last is not None:
            history = monthly_usage_history(session, meter.id, now)
            bounds = expected_range(last.value, history, meter.multiplier, meter.digits)
            if bounds is not None:
                expected = f"{quantity_text(bounds[0])} ～ {quantity_text(bounds[1])}"
        account = " ".join(p for p in (place.account_no, place.holder_name) if p)
        lines.append(
            RouteSheetLine(
                meter_no=place.meter_no,
                kind_label=place.kind_label,
                place=place.room_text or place.location,
                account=account or "—",
                last_value=quantity_text(last.value) if last else "—",
                last_date=last.read_at.astimezone(BUSINESS_TZ).date() if last else None,
                expected=expected,
            )
        )
    where = f"{places[0].campus}/{places[0].building}" if places[0].campus else building
    return RouteSheet(f"抄表卡 {where} {month}", RULE, tuple(lines), now)


def route_sheet_pdf(
    session: Session, building: str, *, kind: str | None = None, now: datetime | None = None
) -> tuple[str, str, bytes]:
    """`(filename, mimetype, bytes)` of the building's route sheet."""
    sheet = route_sheet(session, building, kind=kind, now=now)
    month = sheet.title.rsplit(" ", 1)[-1]
    return route_sheet_filename(building, month), PDF, render_route_sheet_pdf(sheet)
