"""应收实收 (collection): billed, collected, outstanding and recovery rate (回收率) per
period, campus and customer class.

应收 is what the period's bills came to net of corrections: a bill cancelled by a credit note
(红字冲销) by the end of `as_of` is left out and its replacement, if any, counts in its stead,
so 应收 = billed − credit notes; deposits (押金) are held, not billed, and stay out. 实收 is
the principal paid on those same bills by the end of `as_of` (allocations and balance drawn,
the rule of `bills.paid_on_bill`; a prepaid bill is paid by its draw, a replacement by what
its credit note gave back); 欠收 = 应收 − 实收; 回收率 = 实收 ÷ 应收. Late fees are not
billed amounts and stay out. A subtotal row per period follows its rows, the totals row is
last.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from sqlalchemy.orm import Session

from reports.tables import COUNT, MONEY, PERCENT, SUBTOTAL, TEXT, TOTAL, Column, Row, TableReport
from server.services.core.audit import Actor
from server.services.core.calendar import Period, business_datetime
from server.services.core.calendar import now as business_now
from server.services.reports.common import (
    REPORT_WORK_MEM,
    STANDING_BILL,
    campus_id,
    check_access,
    fetch,
    filters_text,
    month_range,
    period_text,
    ratio,
    source_notes,
)

NAME = "collection"
TITLE = "应收实收"
COLUMNS = (
    Column("账期", TEXT, 9),
    Column("校区", TEXT, 10),
    Column("用户类别", TEXT, 10),
    Column("账单数", COUNT, 8),
    Column("应收", MONEY, 14),
    Column("实收", MONEY, 14),
    Column("欠收", MONEY, 14),
    Column("回收率", PERCENT, 9),
)

_SQL = f"""
with bills as (
    select b.id, b.account_id, b.period, b.total, a.campus_id, a.customer_class_id
    from bill b join account a on a.id = b.account_id
    where {STANDING_BILL} and b.kind <> 'deposit' and b.period between :p0 and :p1
      and b.created_at < :cut
      and (cast(:campus as integer) is null or a.campus_id = :campus)
), amounts as (
    -- each bill with its total, then each principal allocation and balance draw on it with
    -- what it paid (the rule of bills.paid_on_bill), summed per group below as they come:
    -- no per-bill sums to build and join back at a million bills
    select period, campus_id, customer_class_id, 1 as bills, total as billed, 0 as collected
    from bills
    union all
    select b.period, b.campus_id, b.customer_class_id, 0, 0, x.amount
    from allocation x join bills b on b.id = x.bill_id
    where not x.late_fee and x.created_at < :cut
    union all
    select b.period, b.campus_id, b.customer_class_id, 0, 0, -e.amount
    from account_ledger e join bills b on b.id = e.bill_id and b.account_id = e.account_id
    where e.created_at < :cut
), per_group as (
    select period, campus_id, customer_class_id, sum(bills) as bills, sum(billed) as billed,
           sum(collected) as collected
    from amounts group by period, campus_id, customer_class_id
)
select grouping(g.period) as g_period, grouping(c.name) as g_campus,
       g.period, c.name as campus, cc.name as class_name,
       coalesce(sum(g.bills), 0)::bigint as bills, coalesce(sum(g.billed), 0) as billed,
       coalesce(sum(g.collected), 0) as collected
from per_group g
join campus c on c.id = g.campus_id
join customer_class cc on cc.id = g.customer_class_id
group by grouping sets ((g.period, c.name, cc.name), (g.period), ())
order by grouping(g.period), g.period, grouping(c.name), c.name, cc.name
"""


def _row(r: Any) -> Row:
    figures = (r.bills, r.billed, r.collected, r.billed - r.collected, ratio(r.collected, r.billed))
    if r.g_period:
        return Row(("合计", "", "", *figures), TOTAL)
    if r.g_campus:
        return Row((r.period, "小计", "", *figures), SUBTOTAL)
    return Row((r.period, r.campus, r.class_name, *figures))


def collection_report(
    session: Session,
    actor: Actor,
    first: Period,
    last: Period | None = None,
    *,
    as_of: date | None = None,
    campus: str | None = None,
) -> TableReport:
    """应收实收 of the periods `first`…`last` (default `first` alone), money collected up to
    the end of `as_of` (default today). Rows per period, campus and customer class."""
    check_access(session, actor)
    first, last = month_range(first, last or first)
    day = as_of or business_now().date()
    params = {
        "p0": str(first),
        "p1": str(last),
        "cut": business_datetime(day + timedelta(days=1)),
        "campus": campus_id(session, campus),
    }
    rows = fetch(session, _SQL, params, _row, stream=False, settings=REPORT_WORK_MEM)
    return TableReport(
        name=NAME,
        title=TITLE,
        filters=filters_text(
            period_text(first, last),
            f"实收截至 {day.isoformat()}",
            campus and f"校区 {campus.strip()}",
        ),
        columns=COLUMNS,
        rows=rows,
        generated_at=business_now(),
        notes=(
            *source_notes(session),
            "应收为本期账单净额（已红字冲销的账单不计，不含押金）；"
            "实收为本期账单已收本金（含预收费扣款），不含滞纳金；回收率 = 实收 ÷ 应收。",
        ),
    )
