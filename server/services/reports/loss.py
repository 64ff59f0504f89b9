"""总分表平衡 (loss): per period, each master meter's usage against the sum of its sub-meters'.

A meter with a parent (`Meter.parent_id`) is a sub-meter of that master (总表): a
building's or a floor's; a floor master may itself be a sub of the building's. Per period:
loss = master − Σ subs, loss rate = loss ÷ master; a rate over the threshold of the
master's kind (default 8 % water, 5 % electricity: pipes leak more than cables lose) is
flagged (跑冒滴漏). A loss below zero (subs over the master) is shown as it is: it points
at a stopped or misread master rather than a leak.

Usage of a meter in a period is the sum of its accepted readings' usage dated in the
period (as computed at entry: wrap and multiplier applied). A replaced meter and its
successor count as one meter (a lineage through `meter_replacement`): a replaced sub
stays a sub even though the new meter was registered without the parent, and a replaced
master keeps its subs.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from sqlalchemy.orm import Session

from reports.tables import (
    COUNT,
    FLAGGED,
    PERCENT,
    QUANTITY,
    TEXT,
    TOTAL,
    Column,
    Row,
    TableReport,
)
from server.db.models.metering import ELECTRICITY, WATER
from server.services.core.audit import Actor
from server.services.core.calendar import Period
from server.services.core.calendar import now as business_now
from server.services.metering.meter_picker import KIND_LABELS
from server.services.metering.usage_rules import KIND_UNITS
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

NAME = "loss"
TITLE = "总分表平衡"
DEFAULT_THRESHOLDS = {WATER: Decimal("0.08"), ELECTRICITY: Decimal("0.05")}
OVER = "超限"
NORMAL = "正常"
UNREAD_MASTER = "总表无读数"
COLUMNS = (
    Column("账期", TEXT, 9),
    Column("校区", TEXT, 9),
    Column("楼宇", TEXT, 14),
    Column("总表号", TEXT, 12),
    Column("类型", TEXT, 6),
    Column("位置", TEXT, 12),
    Column("分表数", COUNT, 7),
    Column("总表用量", QUANTITY, 12),
    Column("分表用量合计", QUANTITY, 12),
    Column("损耗量", QUANTITY, 11),
    Column("单位", TEXT, 6),
    Column("损耗率", PERCENT, 8),
    Column("阈值", PERCENT, 7),
    Column("结论", TEXT, 10),
)

_SQL = """
with recursive lineage as (
    -- every meter with the first meter of its line of replacements (its root)
    select m.id, m.id as root from meter m
    where not exists (select 1 from meter_replacement x where x.new_meter_id = m.id)
    union all
    select x.new_meter_id, l.root from lineage l join meter_replacement x on x.old_meter_id = l.id
), subs as (
    -- sub-meters with the root of their master; a successor takes its root's parent
    select l.id, l.root, pl.root as master
    from lineage l
    join meter m on m.id = l.id
    join meter r on r.id = l.root
    join lineage pl on pl.id = coalesce(m.parent_id, r.parent_id)
), masters as (
    select distinct on (l.root) l.root as master, m.id, m.meter_no, m.kind, m.location,
           coalesce(m.building_id, a.building_id) as building_id,
           coalesce(bd.campus_id, a.campus_id) as campus_id
    from lineage l
    join meter m on m.id = l.id
    left join account a on a.id = m.account_id
    left join building bd on bd.id = coalesce(m.building_id, a.building_id)
    where l.root in (select master from subs)
    order by l.root, (m.status = 'active') desc, m.id desc
), roles as (
    -- each meter counted for a master: in the master's own line, or as one of its subs
    select l.id as meter_id, ms.master, true as is_master
    from lineage l join masters ms on ms.master = l.root
    union all
    select id, master, false from subs
), used as (
    -- one pass over the readings of the range, summed straight into master and month
    select ro.master, date_trunc('month', r.read_at at time zone 'Asia/Shanghai') as month,
           sum(r.usage) filter (where ro.is_master) as master_usage,
           sum(r.usage) filter (where not ro.is_master) as sub_usage
    from reading r join roles ro on ro.meter_id = r.meter_id
    where r.status = 'accepted' and r.usage is not null
      and r.read_at >= :start and r.read_at < :stop
    group by 1, 2
), sub_count as (
    select master, count(distinct root) as subs from subs group by master
)
select to_char(u.month, 'YYYY-MM') as period, c.name as campus, bd.name as building,
       ms.meter_no, ms.kind, ms.location, sc.subs, u.master_usage,
       coalesce(u.sub_usage, 0) as sub_usage
from used u
join masters ms on ms.master = u.master
join sub_count sc on sc.master = ms.master
left join building bd on bd.id = ms.building_id
left join campus c on c.id = ms.campus_id
where cast(:campus as integer) is null or ms.campus_id = :campus
order by u.month, c.name, bd.name, ms.meter_no
"""


def _to_row(thresholds: dict[str, Decimal]) -> Any:
    def to_row(r: Any) -> Row:
        threshold = thresholds[r.kind]
        master = r.master_usage
        loss = None if master is None else master - r.sub_usage
        rate = ratio(loss, master)
        if master is None:
            verdict = UNREAD_MASTER
        else:
            verdict = OVER if rate is not None and rate > threshold else NORMAL
        values = (
            r.period,
            r.campus or "",
            r.building or "",
            r.meter_no,
            KIND_LABELS.get(r.kind, r.kind),
            r.location,
            r.subs,
            master,
            r.sub_usage,
            loss,
            KIND_UNITS.get(r.kind, ""),
            rate,
            threshold,
            verdict,
        )
        return Row(values, FLAGGED if verdict == OVER else "")

    return to_row


def loss_report(
    session: Session,
    actor: Actor,
    first: Period,
    last: Period | None = None,
    *,
    campus: str | None = None,
    threshold: Decimal | None = None,
) -> TableReport:
    """总分表平衡 of the periods `first`…`last`: one row per master meter and period in which
    it or its subs used anything; rows over the threshold have style FLAGGED and 结论 超限.

    `threshold` (a rate, 0.05 is 5 %) replaces the default of both kinds
    (DEFAULT_THRESHOLDS). The totals row counts rows and flagged rows.
    """
    check_access(session, actor)
    first, last = month_range(first, last or first)
    thresholds = (
        dict(DEFAULT_THRESHOLDS)
        if threshold is None
        else dict.fromkeys(DEFAULT_THRESHOLDS, threshold)
    )
    params = {
        "start": first.start,
        "stop": last.end,
        "campus": campus_id(session, campus),
    }
    rows = fetch(session, _SQL, params, _to_row(thresholds), stream=False)
    assert isinstance(rows, tuple)
    flagged = sum(1 for row in rows if row.style == FLAGGED)
    total = Row(
        ("合计", "", "", f"{len(rows)} 行", "", "", None, None, None, None, "", None, None,
         f"超限 {flagged} 行"),
        TOTAL,
    )  # fmt: skip
    limits = "、".join(
        f"{KIND_LABELS[kind][0]} {percent_text(rate)}" for kind, rate in sorted(thresholds.items())
    )
    return TableReport(
        name=NAME,
        title=TITLE,
        filters=filters_text(
            period_text(first, last), f"阈值 {limits}", campus and f"校区 {campus.strip()}"
        ),
        columns=COLUMNS,
        rows=(*rows, total),
        generated_at=business_now(),
        notes=(
            *source_notes(session),
            "损耗量 = 总表用量 − 分表用量合计；损耗率 = 损耗量 ÷ 总表用量；超过阈值标红。",
        ),
    )


def percent_text(rate: Decimal) -> str:
    """0.05 → '5%', 0.125 → '12.5%'."""
    return f"{format((rate * 100).normalize(), 'f')}%"


def flagged_losses(report: TableReport) -> tuple[Row, ...]:
    """The flagged rows of a loss report, largest loss rate first: the dashboard's list."""
    rate = report.column("损耗率")
    rows = [r for r in report.details if r.style == FLAGGED]
    return tuple(sorted(rows, key=lambda r: r.values[rate], reverse=True))
