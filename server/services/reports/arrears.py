"""欠费清单 (arrears): unpaid principal per account as of a day, aged by days past due.

Figures as they stood at the end of `as_of` (business time): bills issued by then, less
what was paid on them by then (principal allocations and balance drawn, the rule of
`bills.paid_on_bill`), so a list for the end of last month reads the same next year: a bill
cancelled since (红字冲销) still counts as it stood then, and its replacement does not.
A bill is due on the last day of the month after its period (`late_fees.due_date`); its
open principal falls in one bucket by days past that date: 未到期 (not yet due), ≤ 30,
31–90, 91–180, > 180. Late fees stand apart: fees charged (less waivers) and not paid by
`as_of`. Fees not yet charged (the accrual a payment would charge today) depend on each
class's policy and are shown by the counter, not here.

One set-based query: per-bill figures of the bills that may have owed at the cut (from their
grouped allocations and ledger entries), then GROUPING SETS give the account rows, a
subtotal per building and per campus, and the totals, in display order.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta
from typing import Any

from sqlalchemy.orm import Session

from reports.tables import COUNT, MONEY, SUBTOTAL, TEXT, TOTAL, Column, Row, TableReport
from server.services.core.audit import Actor
from server.services.core.calendar import Period, business_datetime
from server.services.core.calendar import now as business_now
from server.services.reports.common import (
    COLLECTED_ON_BILLS,
    REPORT_WORK_MEM,
    STANDING_BILL,
    campus_id,
    check_access,
    fetch,
    filters_text,
    source_notes,
)

NAME = "arrears"
TITLE = "欠费清单"
BUCKETS = ("未到期", "≤30天", "31–90天", "91–180天", ">180天")

COLUMNS = (
    Column("校区", TEXT, 10),
    Column("楼宇", TEXT, 14),
    Column("户号", TEXT, 14),
    Column("户名", TEXT, 14),
    Column("欠费期数", COUNT, 8),
    Column("最早欠费账期", TEXT, 11),
    *(Column(bucket, MONEY, 11) for bucket in BUCKETS),
    Column("欠费本金合计", MONEY, 13),
    Column("滞纳金（已计未缴）", MONEY, 12),
)

_SQL = f"""
with touched as (
    select bill_id from allocation where created_at >= :cut
    union
    select bill_id from account_ledger where bill_id is not null and created_at >= :cut
), bills as materialized (
    -- The bills that may have owed at the cut; what was paid is summed for these alone, not
    -- for every bill ever paid. A bill paid in full (its status, kept by what its payments
    -- give it and checked by the database: md_bill_status) owed nothing at the cut unless a
    -- payment, draw or void since moved what it was paid; its late fee is looked at all the
    -- same.
    select b.id, b.account_id, b.period, b.total
    from bill b
    where {STANDING_BILL} and b.created_at < :cut
      and (b.status <> 'paid' or b.id in (select bill_id from touched)
           or b.id in (select bill_id from late_fee where created_at < :cut))
), {COLLECTED_ON_BILLS}, fee as (
    select bill_id, sum(amount) as amount from late_fee where created_at < :cut group by bill_id
), fee_paid as (
    select bill_id, sum(amount) as amount from allocation
    where late_fee and created_at < :cut group by bill_id
), bill_figures as (
    select o.account_id, o.period,
           o.total - coalesce(p.amount, 0) - coalesce(d.amount, 0) as open,
           coalesce(f.amount, 0) - coalesce(fp.amount, 0) as fee
    from bills o
    left join paid p on p.bill_id = o.id
    left join drawn d on d.bill_id = o.id
    left join fee f on f.bill_id = o.id
    left join fee_paid fp on fp.bill_id = o.id
    -- kept a subquery of its own (offset 0), so open and fee are computed once per bill and
    -- not again in each of the sums below that read them
    offset 0
), per_account as (
    -- summed per account on its id first: the grouping sets below then sort one row per
    -- account owing, not one per bill. A bill's aging bucket is a range of periods,
    -- compared as text (due_N: the first period due on or after N days before as_of), not a
    -- date computed per bill and per bucket.
    select o.account_id,
           count(*) filter (where o.open > 0) as bills,
           min(o.period) filter (where o.open > 0) as oldest,
           coalesce(sum(o.open) filter (where o.open > 0 and o.period >= :due_0), 0) as b0,
           coalesce(sum(o.open) filter (
               where o.open > 0 and o.period >= :due_30 and o.period < :due_0), 0) as b1,
           coalesce(sum(o.open) filter (
               where o.open > 0 and o.period >= :due_90 and o.period < :due_30), 0) as b2,
           coalesce(sum(o.open) filter (
               where o.open > 0 and o.period >= :due_180 and o.period < :due_90), 0) as b3,
           coalesce(sum(o.open) filter (where o.open > 0 and o.period < :due_180), 0) as b4,
           coalesce(sum(o.open) filter (where o.open > 0), 0) as principal,
           coalesce(sum(o.fee) filter (where o.fee > 0), 0) as fee
    from bill_figures o
    where o.open > 0 or o.fee > 0
    group by o.account_id
)
select grouping(c.name, bd.name, a.account_no) as level, count(*) as accounts,
       c.name as campus, coalesce(bd.name, '') as building, a.account_no, a.holder_name,
       coalesce(sum(p.bills), 0) as bills, min(p.oldest) as oldest,
       coalesce(sum(p.b0), 0) as b0, coalesce(sum(p.b1), 0) as b1, coalesce(sum(p.b2), 0) as b2,
       coalesce(sum(p.b3), 0) as b3, coalesce(sum(p.b4), 0) as b4,
       coalesce(sum(p.principal), 0) as principal, coalesce(sum(p.fee), 0) as fee
from per_account p
join account a on a.id = p.account_id
join campus c on c.id = a.campus_id
left join building bd on bd.id = a.building_id
where cast(:campus as integer) is null or a.campus_id = :campus
group by grouping sets (
    (c.name, bd.name, a.account_no, a.holder_name), (c.name, bd.name), (c.name), ()
)
order by grouping(c.name), c.name, grouping(bd.name), bd.name nulls first,
         grouping(a.account_no), a.account_no
"""

# grouping(c.name, bd.name, a.account_no): which rows a grouping-sets row sums.
_ACCOUNT, _BUILDING, _CAMPUS = 0, 1, 3


# Sorted rather than hashed: a hash table of numeric sums per account (and per bill) costs
# more than sorting, and at a million accounts the per-account hash spilled to disk and took
# the joins after it along (5.4 s against 3.2 s for the query, measured on the bench).
_SETTINGS = {**REPORT_WORK_MEM, "enable_hashagg": "off"}


def _due_from(day: date) -> str:
    """The first period whose bills fall due on or after `day`: a bill is due on the last
    day of the month after its period (late_fees.due_date), so on or after `day` when that
    month is `day`'s month or later."""
    return str(Period.of(day).shift(-1))


def _row(r: Any) -> Row:
    # An account row is the query's columns from 校区 on, as they come (the bulk of a long
    # list: no per-field access); a subtotal or the totals row is labelled here.
    if r[0] == _ACCOUNT:
        return Row(tuple(r[2:]))
    level, accounts, campus, building, _, _, *figures = r
    if level == _BUILDING:
        return Row((campus, building, f"楼宇小计（{accounts} 户）", "", *figures), SUBTOTAL)
    if level == _CAMPUS:
        return Row((campus, "", f"{campus} 小计（{accounts} 户）", "", *figures), SUBTOTAL)
    return Row(("合计", "", f"{accounts} 户", "", *figures), TOTAL)


def arrears_report(
    session: Session,
    actor: Actor,
    as_of: date | None = None,
    *,
    campus: str | None = None,
    stream: bool = False,
) -> TableReport:
    """欠费清单 as of the end of `as_of` (default today): one row per account owing principal
    or a charged late fee, a subtotal row per building and per campus, the totals row last.

    Money columns: the five aging buckets (their sum is 欠费本金合计) and 滞纳金. With
    `stream` the rows are a one-shot iterator over a server-side cursor (read them before
    the session ends); otherwise a tuple.
    """
    check_access(session, actor)
    day = as_of or business_now().date()
    params = {
        "cut": business_datetime(day + timedelta(days=1)),
        "campus": campus_id(session, campus),
        **{f"due_{days}": _due_from(day - timedelta(days=days)) for days in (0, 30, 90, 180)},
    }
    rows: tuple[Row, ...] | Iterator[Row] = fetch(
        session, _SQL, params, _row, stream=stream, settings=_SETTINGS
    )
    return TableReport(
        name=NAME,
        title=TITLE,
        filters=filters_text(f"截至 {day.isoformat()}", campus and f"校区 {campus.strip()}"),
        columns=COLUMNS,
        rows=rows,
        generated_at=business_now(),
        notes=(
            *source_notes(session),
            "账单到期日为账期次月末；账龄为截至日超过到期日的天数。"
            "滞纳金为已计收未缴部分，不含尚未计收的滞纳金。",
        ),
    )
