"""12-month trends for the manager's dashboard charts: billed usage and amount per period and
kind, and billed against collected per period, as small frozen points (one GROUP BY each).

The tables behind a chart are the reports themselves: a click on a point opens
`usage_report` or `collection_report` for that period.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from sqlalchemy import text
from sqlalchemy.orm import Session

from server.services.core.audit import Actor
from server.services.core.calendar import Period, business_datetime
from server.services.core.calendar import now as business_now
from server.services.reports.common import (
    COLLECTED_ON_BILLS,
    STANDING_BILL,
    campus_id,
    check_access,
)


@dataclass(frozen=True)
class UsagePoint:
    period: str
    kind: str  # electricity / water
    usage: Decimal  # kWh or m³ (usage_rules.KIND_UNITS)
    amount: Decimal  # yuan billed for the kind


@dataclass(frozen=True)
class CollectionPoint:
    period: str
    billed: Decimal
    collected: Decimal  # principal paid on the period's bills by the as-of day

    @property
    def outstanding(self) -> Decimal:
        return self.billed - self.collected


_USAGE = """
with bills as (
    select b.id, b.period from bill b
    where b.status <> 'void' and b.kind in ('regular', 'final') and b.period between :p0 and :p1
      and (cast(:campus as integer) is null
           or b.account_id in (select id from account where campus_id = :campus))
), facts as (
    select b.period, l.kind, 0::numeric as usage, l.amount
    from bills b join bill_line l on l.bill_id = b.id
    union all
    select b.period, m.kind, m.usage, 0::numeric
    from bills b join bill_meter m on m.bill_id = b.id
)
select period, kind, sum(usage) as usage, sum(amount) as amount
from facts group by period, kind order by period, kind
"""

_COLLECTION = f"""
with bills as (
    select b.id, b.account_id, b.period, b.total from bill b
    where {STANDING_BILL} and b.kind <> 'deposit' and b.period between :p0 and :p1
      and b.created_at < :cut
      and (cast(:campus as integer) is null
           or b.account_id in (select id from account where campus_id = :campus))
), {COLLECTED_ON_BILLS}
select b.period, sum(b.total) as billed,
       sum(coalesce(p.amount, 0) + coalesce(d.amount, 0)) as collected
from bills b left join paid p on p.bill_id = b.id left join drawn d on d.bill_id = b.id
group by b.period order by b.period
"""


def usage_trend(
    session: Session, actor: Actor, last: Period, months: int = 12, *, campus: str | None = None
) -> tuple[UsagePoint, ...]:
    """Billed usage and amount per period and kind for the `months` periods ending `last`
    (periods without bills are absent)."""
    check_access(session, actor)
    params = {"p0": str(last.shift(1 - months)), "p1": str(last),
              "campus": campus_id(session, campus)}  # fmt: skip
    return tuple(
        UsagePoint(period, kind, usage, amount)
        for period, kind, usage, amount in session.execute(text(_USAGE), params)
    )


def collection_trend(
    session: Session,
    actor: Actor,
    last: Period,
    months: int = 12,
    *,
    as_of: date | None = None,
    campus: str | None = None,
) -> tuple[CollectionPoint, ...]:
    """Billed and collected per period for the `months` periods ending `last`: the
    dashboard's 应收/实收 bars, and what each month still owes (its arrears trend)."""
    check_access(session, actor)
    day = as_of or business_now().date()
    params = {"p0": str(last.shift(1 - months)), "p1": str(last),
              "cut": business_datetime(day + timedelta(days=1)),
              "campus": campus_id(session, campus)}  # fmt: skip
    return tuple(
        CollectionPoint(period, billed, collected)
        for period, billed, collected in session.execute(text(_COLLECTION), params)
    )
