"""未抄表计 (unread): per period and building, the meters that should have been read, how
many were and were not, the reading rate and who read there.

The rule is the readings desk's (`review_desk.unread_meters`, which lists the meters one
by one): an active meter installed before the period ends is due; it is read when it has
an accepted reading in the period that is a visit (not a new meter's initial figure, not
an estimate). A meter's building is its own, else its account's.

`unread_list` is that desk's list with each meter's estimates (估抄), the meters a reader
must visit first.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from reports.tables import COUNT, PERCENT, SUBTOTAL, TEXT, TOTAL, Column, Row, TableReport
from server.db.models import Meter
from server.services.billing.estimates import estimated_in_a_row
from server.services.core.audit import Actor
from server.services.core.calendar import Period
from server.services.core.calendar import now as business_now
from server.services.metering.meter_picker import KIND_LABELS
from server.services.metering.review_desk import NOT_A_READ, UnreadList, unread_meters
from server.services.reports.common import (
    campus_id,
    check_access,
    fetch,
    filters_text,
    month_range,
    period_text,
    ratio,
    source_notes,
)

NAME = "unread"
TITLE = "未抄表计统计"
COLUMNS = (
    Column("账期", TEXT, 9),
    Column("校区", TEXT, 10),
    Column("楼宇", TEXT, 16),
    Column("类型", TEXT, 6),
    Column("应抄", COUNT, 8),
    Column("已抄", COUNT, 8),
    Column("未抄", COUNT, 8),
    Column("抄表率", PERCENT, 9),
    Column("抄表员", TEXT, 20),
)

_SQL = """
with months as (
    select to_char(d, 'YYYY-MM') as period,
           (d::date)::timestamp at time zone 'Asia/Shanghai' as start,
           ((d + interval '1 month')::date)::timestamp at time zone 'Asia/Shanghai' as stop,
           (d + interval '1 month')::date as next_day
    from generate_series(cast(:first_day as date), cast(:last_day as date), interval '1 month') d
), due as (
    select mo.period, m.id, m.kind,
           coalesce(m.building_id, a.building_id) as building_id,
           coalesce(bd.campus_id, a.campus_id) as campus_id
    from months mo
    join meter m on m.status = 'active' and (m.installed_on is null or m.installed_on < mo.next_day)
    left join account a on a.id = m.account_id
    left join building bd on bd.id = coalesce(m.building_id, a.building_id)
), visits as (
    select to_char(r.read_at at time zone 'Asia/Shanghai', 'YYYY-MM') as period, r.meter_id,
           min(r.staff_id) as staff_id
    from reading r
    where r.status = 'accepted' and r.source <> all(:not_a_read)
      and r.read_at >= :start and r.read_at < :stop
    group by 1, 2
)
select grouping(d.period) as g_period, grouping(c.name) as g_campus,
       grouping(bd.name) as g_building,
       d.period, c.name as campus, bd.name as building, d.kind,
       count(*) as due, count(v.meter_id) as read,
       string_agg(distinct st.name, '、') as readers
from due d
left join visits v on v.period = d.period and v.meter_id = d.id
left join staff st on st.id = v.staff_id
left join building bd on bd.id = d.building_id
left join campus c on c.id = d.campus_id
where cast(:campus as integer) is null or d.campus_id = :campus
group by grouping sets ((d.period, c.name, bd.name, d.kind), (d.period, c.name), ())
order by grouping(d.period), d.period, grouping(c.name), c.name, grouping(bd.name), bd.name,
         d.kind
"""


def _row(r: Any) -> Row:
    figures = (r.due, r.read, r.due - r.read, ratio(r.read, r.due))
    if r.g_period:
        return Row(("合计", "", "", "", *figures, ""), TOTAL)
    if r.g_building:
        return Row((r.period, r.campus or "", "小计", "", *figures, ""), SUBTOTAL)
    kind = KIND_LABELS.get(r.kind, r.kind)
    return Row(
        (r.period, r.campus or "", r.building or "（无楼宇）", kind, *figures, r.readers or "")
    )


def unread_report(
    session: Session,
    actor: Actor,
    first: Period,
    last: Period | None = None,
    *,
    campus: str | None = None,
) -> TableReport:
    """未抄表计 of the periods `first`…`last`: rows per period, campus, building and kind
    (应抄 / 已抄 / 未抄 / 抄表率 and the readers who read there), a subtotal per period and
    campus, the totals row last. The meters themselves: `review_desk.unread_meters`."""
    check_access(session, actor)
    first, last = month_range(first, last or first)
    params = {
        "first_day": first.first_day,
        "start": first.start,
        "stop": last.end,
        "last_day": last.first_day,
        "not_a_read": list(NOT_A_READ),
        "campus": campus_id(session, campus),
    }
    return TableReport(
        name=NAME,
        title=TITLE,
        filters=filters_text(period_text(first, last), campus and f"校区 {campus.strip()}"),
        columns=COLUMNS,
        rows=fetch(session, _SQL, params, _row, stream=False),
        generated_at=business_now(),
        notes=(
            *source_notes(session),
            "应抄：在用且账期结束前已安装的表计；起码与估抄不算抄表。",
        ),
    )


def unread_list(
    session: Session,
    period: str,
    campus: str | None = None,
    building: str | None = None,
    *,
    estimate_limit: int = 2,
) -> UnreadList:
    """未抄表计清单 (`review_desk.unread_meters`) with how many of each meter's latest bills
    in a row were estimated (估抄 N 个月); the meters at `estimate_limit` (the setting
    billing.estimate_limit), which the billing run estimates no more, first (需上门抄表),
    then the rest in the list's order. Counted on the bills as they stand now: what the
    next round needs, whichever period is listed."""
    unread = unread_meters(session, period, campus, building)
    numbers = select(Meter.meter_no, Meter.id).where(
        Meter.meter_no.in_([m.meter_no for m in unread.meters])
    )
    ids = {meter_no: meter_id for meter_no, meter_id in session.execute(numbers)}
    in_a_row = estimated_in_a_row(session, list(ids.values()))
    lines = []
    for line in unread.meters:
        months = in_a_row.get(ids[line.meter_no], 0)
        at_limit = months > 0 and months >= estimate_limit
        lines.append(replace(line, estimated=months, visit=at_limit))
    lines.sort(key=lambda line: not line.visit)
    return replace(unread, meters=tuple(lines))
