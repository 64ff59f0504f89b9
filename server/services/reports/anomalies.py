"""异常用量 (anomalies): the readings of a period flagged at entry (lower than the previous
reading, a surge, a rollover) or held for review, one row each, with who read them.

Flags are set by `readings.record_reading` when a reading is entered (`usage_rules.assess`), so
this is a list of what the readers and the review desk saw, not a recomputation.
"""

from __future__ import annotations

from collections.abc import Iterator
from itertools import chain
from typing import Any

from sqlalchemy import text
from sqlalchemy.orm import Session

from reports.tables import DATE, QUANTITY, TEXT, TOTAL, Column, Row, TableReport
from server.services.core.audit import Actor
from server.services.core.calendar import BUSINESS_TZ, Period
from server.services.core.calendar import now as business_now
from server.services.metering.meter_picker import KIND_LABELS
from server.services.metering.readings import READING_STATUS_LABELS
from server.services.metering.review_desk import SOURCE_LABELS
from server.services.metering.usage_rules import describe_flags
from server.services.reports.common import (
    campus_id,
    check_access,
    fetch,
    filters_text,
    month_range,
    period_text,
    source_notes,
)

NAME = "anomalies"
TITLE = "异常用量"
COLUMNS = (
    Column("校区", TEXT, 9),
    Column("楼宇", TEXT, 14),
    Column("表号", TEXT, 12),
    Column("类型", TEXT, 6),
    Column("户号", TEXT, 12),
    Column("户名", TEXT, 12),
    Column("抄表时间", DATE, 15),
    Column("上次读数", QUANTITY, 11),
    Column("读数", QUANTITY, 11),
    Column("用量", QUANTITY, 11),
    Column("异常", TEXT, 14),
    Column("状态", TEXT, 8),
    Column("来源", TEXT, 7),
    Column("抄表员", TEXT, 9),
)

_FROM = """
from reading r
join meter m on m.id = r.meter_id
left join account a on a.id = m.account_id
left join building bd on bd.id = coalesce(m.building_id, a.building_id)
"""
_WHERE = """
where r.read_at >= :start and r.read_at < :stop
  and (r.flags <> '{}' or r.status in ('held', 'rejected'))
  and (cast(:campus as integer) is null or coalesce(bd.campus_id, a.campus_id) = :campus)
"""
_SQL = f"""
select c.name as campus, bd.name as building, m.meter_no, m.kind, a.account_no,
       a.holder_name, r.read_at, p.value as previous, r.value, r.usage, r.flags, r.status,
       r.source, st.name as reader
{_FROM}
left join campus c on c.id = coalesce(bd.campus_id, a.campus_id)
left join reading p on p.id = r.previous_id
left join staff st on st.id = r.staff_id
{_WHERE}
order by c.name, bd.name, m.meter_no, r.read_at, r.id
"""
_COUNT_SQL = f"select count(*) {_FROM} {_WHERE}"


def _row(r: Any) -> Row:
    return Row(
        (
            r.campus or "",
            r.building or "",
            r.meter_no,
            KIND_LABELS.get(r.kind, r.kind),
            r.account_no or "",
            r.holder_name or "",
            r.read_at.astimezone(BUSINESS_TZ),
            r.previous,
            r.value,
            r.usage,
            describe_flags(r.flags) or "—",
            READING_STATUS_LABELS.get(r.status, r.status),
            SOURCE_LABELS.get(r.source, r.source),
            r.reader or "",
        )
    )


def anomalies_report(
    session: Session,
    actor: Actor,
    first: Period,
    last: Period | None = None,
    *,
    campus: str | None = None,
    stream: bool = False,
) -> TableReport:
    """异常用量 of the periods `first`…`last`: every reading dated in them that was flagged or
    is held/rejected, by campus, building and meter; the totals row counts them."""
    check_access(session, actor)
    first, last = month_range(first, last or first)
    params = {"start": first.start, "stop": last.end, "campus": campus_id(session, campus)}
    count = session.scalar(text(_COUNT_SQL), params)
    total = Row(("合计", "", f"{count} 条", *([None] * (len(COLUMNS) - 3))), TOTAL)
    found = fetch(session, _SQL, params, _row, stream=stream)
    rows: tuple[Row, ...] | Iterator[Row] = chain(found, [total]) if stream else (*found, total)
    return TableReport(
        name=NAME,
        title=TITLE,
        filters=filters_text(period_text(first, last), campus and f"校区 {campus.strip()}"),
        columns=COLUMNS,
        rows=rows,
        generated_at=business_now(),
        notes=source_notes(session),
    )
