"""表计台账 (meters): the meter inventory with status, place, master meter, install date,
last reading and replacements, one meter a row.

The last reading is the latest accepted one (an index scan per meter on
ix_reading_accepted_latest); replacements read both ways: a replaced meter says what
replaced it and when, its successor what it replaced. A university's 100,000 meters
stream to Excel with `stream=True`.
"""

from __future__ import annotations

from collections.abc import Iterator
from itertools import chain
from typing import Any

from sqlalchemy import text
from sqlalchemy.orm import Session

from reports.tables import COUNT, DATE, QUANTITY, TEXT, TOTAL, Column, Row, TableReport
from server.services.core.audit import Actor
from server.services.core.calendar import BUSINESS_TZ
from server.services.core.calendar import now as business_now
from server.services.metering.meter_picker import KIND_LABELS
from server.services.metering.readings import METER_STATUS_LABELS
from server.services.reports.common import (
    campus_id,
    check_access,
    fetch,
    filters_text,
    source_notes,
)

NAME = "meters"
TITLE = "表计台账"
COLUMNS = (
    Column("表号", TEXT, 12),
    Column("硬件号", TEXT, 15),
    Column("类型", TEXT, 6),
    Column("型号", TEXT, 22),
    Column("位数", COUNT, 5),
    Column("倍率", QUANTITY, 6),
    Column("状态", TEXT, 7),
    Column("校区", TEXT, 9),
    Column("楼宇", TEXT, 14),
    Column("户号", TEXT, 12),
    Column("户名", TEXT, 12),
    Column("位置", TEXT, 12),
    Column("上级表号", TEXT, 12),
    Column("安装日期", DATE, 11),
    Column("最近读数", QUANTITY, 12),
    Column("最近抄表时间", DATE, 15),
    Column("换表记录", TEXT, 26),
)

_WHERE = "cast(:campus as integer) is null or coalesce(bd.campus_id, a.campus_id) = :campus"
_FROM = """
from meter m
left join account a on a.id = m.account_id
left join building bd on bd.id = coalesce(m.building_id, a.building_id)
"""
_SQL = f"""
select m.meter_no, m.hardware_no, m.kind, m.model, m.digits, m.multiplier, m.status,
       c.name as campus, bd.name as building, a.account_no, a.holder_name, m.location,
       pm.meter_no as parent_no, m.installed_on, last.value as last_value,
       last.read_at as last_read_at,
       nm.meter_no as replaced_by, ro.replaced_at as replaced_at,
       om.meter_no as replaces, rn.replaced_at as installed_at
{_FROM}
left join campus c on c.id = coalesce(bd.campus_id, a.campus_id)
left join meter pm on pm.id = m.parent_id
left join lateral (
    select r.value, r.read_at from reading r
    where r.meter_id = m.id and r.status = 'accepted'
    order by r.read_at desc, r.id desc limit 1
) last on true
left join meter_replacement ro on ro.old_meter_id = m.id
left join meter nm on nm.id = ro.new_meter_id
left join meter_replacement rn on rn.new_meter_id = m.id
left join meter om on om.id = rn.old_meter_id
where {_WHERE}
order by c.name, bd.name, m.meter_no
"""
_COUNT_SQL = f"select m.status, count(*) {_FROM} where {_WHERE} group by m.status"


def _day(moment: Any) -> str:
    return moment.astimezone(BUSINESS_TZ).date().isoformat()


def _row(r: Any) -> Row:
    history = []
    if r.replaces:
        history.append(f"替换 {r.replaces}（{_day(r.installed_at)}）")
    if r.replaced_by:
        history.append(f"换为 {r.replaced_by}（{_day(r.replaced_at)}）")
    return Row(
        (
            r.meter_no,
            r.hardware_no or "",
            KIND_LABELS.get(r.kind, r.kind),
            r.model,
            r.digits,
            r.multiplier,
            METER_STATUS_LABELS.get(r.status, r.status),
            r.campus or "",
            r.building or "",
            r.account_no or "",
            r.holder_name or "",
            r.location,
            r.parent_no or "",
            r.installed_on,
            r.last_value,
            None if r.last_read_at is None else r.last_read_at.astimezone(BUSINESS_TZ),
            "；".join(history),
        )
    )


def meters_report(
    session: Session, actor: Actor, *, campus: str | None = None, stream: bool = False
) -> TableReport:
    """表计台账 of every meter (optionally one campus's), by campus, building and number; the
    totals row counts meters by status. With `stream` the rows are a one-shot iterator."""
    check_access(session, actor)
    params = {"campus": campus_id(session, campus)}
    counts: dict[str, int] = dict(session.execute(text(_COUNT_SQL), params).all())
    labels = METER_STATUS_LABELS.items()
    summary = "，".join(f"{label} {counts[s]}" for s, label in labels if s in counts)
    total = Row(
        ("合计", "", "", f"{sum(counts.values())} 块" + (f"（{summary}）" if summary else ""),
         *([None] * (len(COLUMNS) - 4))),
        TOTAL,
    )  # fmt: skip
    rows = fetch(session, _SQL, params, _row, stream=stream)
    combined: tuple[Row, ...] | Iterator[Row] = chain(rows, [total]) if stream else (*rows, total)
    return TableReport(
        name=NAME,
        title=TITLE,
        filters=filters_text(campus and f"校区 {campus.strip()}") or "全部表计",
        columns=COLUMNS,
        rows=combined,
        generated_at=business_now(),
        notes=source_notes(session),
    )
