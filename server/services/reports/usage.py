"""用能查询 (usage): billed usage and amount over a month range, the same months a year
earlier beside them, by account, building, campus or kind.

Usage is what was billed (bill meters: (current − previous) × multiplier, replacements
included), amount the bill lines of the kind (late fees are not usage and stay out); void
bills count nowhere, nor do deposit and adjustment bills (押金, 调账: no usage, no meter
kind). Rows are per grouping and kind, since kWh and m³ do not add up: a subtotal per kind
follows the rows, and the totals row carries amounts only.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from sqlalchemy.orm import Session

from reports.tables import (
    COUNT,
    MONEY,
    PERCENT,
    QUANTITY,
    SUBTOTAL,
    TEXT,
    TOTAL,
    Column,
    Row,
    TableReport,
)
from server.db.models.metering import KINDS
from server.services.core.audit import Actor
from server.services.core.calendar import Period
from server.services.core.calendar import now as business_now
from server.services.core.errors import InvalidInput
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

NAME = "usage"
TITLE = "用能查询"
KIND_NAMES = {"electricity": "电", "water": "水"}
GROUPINGS = {"account": "按户", "building": "按楼宇", "campus": "按校区", "kind": "按类型"}

# Per grouping: the SQL columns grouped by and the report columns they fill.
_GROUP_SQL = {
    "account": ("c.name", "bd.name", "a.account_no", "a.holder_name"),
    "building": ("c.name", "bd.name"),
    "campus": ("c.name",),
    "kind": (),
}
_GROUP_COLUMNS = {
    "account": (
        Column("校区", TEXT, 10),
        Column("楼宇", TEXT, 14),
        Column("户号", TEXT, 14),
        Column("户名", TEXT, 14),
    ),
    "building": (Column("校区", TEXT, 10), Column("楼宇", TEXT, 14)),
    "campus": (Column("校区", TEXT, 10),),
    "kind": (),
}
_FIGURES = (
    Column("类型", TEXT, 6),
    Column("户数", COUNT, 8),
    Column("用量", QUANTITY, 13),
    Column("单位", TEXT, 6),
    Column("金额", MONEY, 13),
    Column("去年同期用量", QUANTITY, 13),
    Column("去年同期金额", MONEY, 13),
    Column("用量同比", PERCENT, 9),
)

_SQL = """
with bills as (
    select b.id, b.account_id, b.period >= :p0 as current
    from bill b
    where b.status <> 'void' and b.kind in ('regular', 'final')
      and (b.period between :p0 and :p1 or b.period between :q0 and :q1)
), facts as (
    select b.account_id, b.current, l.kind, l.amount, 0::numeric as usage
    from bills b join bill_line l on l.bill_id = b.id
    union all
    select b.account_id, b.current, m.kind, 0::numeric, m.usage
    from bills b join bill_meter m on m.bill_id = b.id
), per_account as (
    -- summed per account and kind on integer keys first (a hash aggregate): the grouping
    -- sets below then sort one row per account and kind, not every bill line
    select account_id, kind, bool_or(current) as billed,
           coalesce(sum(usage) filter (where current), 0) as usage,
           coalesce(sum(amount) filter (where current), 0) as amount,
           coalesce(sum(usage) filter (where not current), 0) as usage_ly,
           coalesce(sum(amount) filter (where not current), 0) as amount_ly
    from facts
    where cast(:kind as text) is null or kind = :kind
    group by account_id, kind
)
select {select_groups}
       grouping(f.kind) as g_kind, f.kind,
       count(distinct f.account_id) filter (where f.billed) as accounts,
       sum(f.usage) as usage, sum(f.amount) as amount,
       sum(f.usage_ly) as usage_ly, sum(f.amount_ly) as amount_ly
from per_account f
join account a on a.id = f.account_id
join campus c on c.id = a.campus_id
left join building bd on bd.id = a.building_id
where cast(:campus as integer) is null or a.campus_id = :campus
group by grouping sets ({sets})
order by {order}
"""


def _sql(by: str) -> str:
    groups = _GROUP_SQL[by]
    if not groups:
        return _SQL.format(
            select_groups="0 as g_group,", sets="(f.kind), ()", order="grouping(f.kind), f.kind"
        )
    listed = ", ".join(groups)
    return _SQL.format(
        select_groups=f"grouping({groups[0]}) as g_group, {listed},",
        sets=f"({listed}, f.kind), (f.kind), ()",
        order=f"grouping(f.kind), grouping({groups[0]}), {listed}, f.kind",
    )


def _to_row(by: str) -> Any:
    width = len(_GROUP_COLUMNS[by])

    def to_row(r: Any) -> Row:
        if r.g_kind:
            # kWh and m³ do not add: the totals row is money only.
            blanks = ("合计", *([""] * (width - 1))) if width else ()
            values = (*blanks, "" if width else "合计", r.accounts, None, "", r.amount,
                      None, r.amount_ly, None)  # fmt: skip
            return Row(values, TOTAL)
        figures = (
            r.accounts,
            r.usage,
            KIND_UNITS.get(r.kind, ""),
            r.amount,
            r.usage_ly,
            r.amount_ly,
            ratio(r.usage - r.usage_ly, r.usage_ly),
        )
        kind = KIND_NAMES.get(r.kind, r.kind)
        if width and r.g_group:
            label = (f"{kind} 小计", *([""] * (width - 1)))
            return Row((*label, kind, *figures), SUBTOTAL)
        groups = tuple(r[1 + i] or "" for i in range(width))
        return Row((*groups, kind, *figures))

    return to_row


def usage_report(
    session: Session,
    actor: Actor,
    first: Period,
    last: Period | None = None,
    *,
    by: str = "account",
    campus: str | None = None,
    kind: str | None = None,
    stream: bool = False,
) -> TableReport:
    """用能查询 over the periods `first`…`last` (default: `first` alone), by `by` (account,
    building, campus or kind), optionally one campus and one kind.

    Columns: the grouping columns, 类型, 户数 (accounts billed), 用量 (in the kind's unit,
    单位), 金额 (yuan), 去年同期用量/金额 (the same months a year earlier) and 用量同比
    ((this − last year) / last year; blank when last year had none). A subtotal row per
    kind follows the rows (kind first when several), the totals row (money only) is last.
    """
    check_access(session, actor)
    if by not in GROUPINGS:
        raise InvalidInput(f"用能查询的汇总方式应为 {' / '.join(GROUPINGS)}，收到「{by}」")
    if kind is not None and kind not in KINDS:
        raise InvalidInput(f"能源类型应为 electricity 或 water，收到「{kind}」")
    first, last = month_range(first, last or first)
    params = {
        "p0": str(first),
        "p1": str(last),
        "q0": str(first.shift(-12)),
        "q1": str(last.shift(-12)),
        "campus": campus_id(session, campus),
        "kind": kind,
    }
    rows: tuple[Row, ...] | Iterator[Row] = fetch(
        session, _sql(by), params, _to_row(by), stream=stream
    )
    return TableReport(
        name=NAME,
        title=TITLE,
        filters=filters_text(
            period_text(first, last),
            f"去年同期 {first.shift(-12)} 至 {last.shift(-12)}",
            GROUPINGS[by],
            campus and f"校区 {campus.strip()}",
            kind and f"类型 {KIND_NAMES[kind]}",
        ),
        columns=(*_GROUP_COLUMNS[by], *_FIGURES),
        rows=rows,
        generated_at=business_now(),
        notes=(
            *source_notes(session),
            "用量与金额取自已出账单（不含作废账单与滞纳金）；"
            "用量同比 = (本期 − 去年同期) ÷ 去年同期。",
        ),
    )
