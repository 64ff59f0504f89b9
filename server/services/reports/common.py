"""What the reports share: reading their filters, the campus filter, streaming a query.

The filters come from a person (the CLI, the desktop page's boxes), so each is checked
here with a one-line Chinese message naming the bad value: a month 'YYYY-MM', a day
'YYYY-MM-DD', a range whose start is not after its end, a campus that exists.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Mapping
from datetime import date
from decimal import Decimal, InvalidOperation
from itertools import chain
from typing import Any

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from reports.clock import moment_text
from reports.tables import Row
from server.db.models import Campus
from server.db.replica import data_time
from server.db.transaction_settings import set_for_transaction
from server.services.core import permissions
from server.services.core.audit import Actor
from server.services.core.calendar import Period
from server.services.core.errors import DomainError, InvalidInput, NotFound

MODULE = "reports"
DATA_TIME_FORMAT = "%Y-%m-%d %H:%M:%S"
_DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")
# Rows fetched per round trip when a report streams (server-side cursor).
YIELD_PER = 2000
# Memory per sort or hash for the reports that sum a million bills (arrears, collection):
# at the server's 16MB their hash aggregates and sorts spill to disk.
REPORT_WORK_MEM = {"work_mem": "64MB"}
# Longest month range a report accepts: ten years is a typo guard, not a limit of SQL.
MAX_MONTHS = 120
# A bill `b` as it stood at :cut: not void, or voided later (its credit note, 红字冲销, written
# at or after :cut), so a list as of last month reads the same after this month's cancel.
STANDING_BILL = """(b.status <> 'void' or exists (
    select 1 from credit_note cn where cn.bill_id = b.id and cn.created_at >= :cut))"""
# What was collected on each bill of a `bills` CTE (id, account_id) up to :cut: its
# allocations, late fees apart, and the prepaid balance drawn for it. Two CTEs, `paid` and
# `drawn` (bill_id, amount), to follow `with bills as (…),` in a report's query.
COLLECTED_ON_BILLS = """paid as (
    select x.bill_id, sum(x.amount) as amount
    from allocation x join bills b on b.id = x.bill_id
    where not x.late_fee and x.created_at < :cut group by x.bill_id
), drawn as (
    select e.bill_id, -sum(e.amount) as amount
    from account_ledger e join bills b on b.id = e.bill_id and b.account_id = e.account_id
    where e.created_at < :cut group by e.bill_id
)"""


def check_access(session: Session, actor: Actor) -> None:
    """Reports are the 报表 module: staff need it; scripts and the operator pass."""
    permissions.require(session, actor, MODULE)


def source_notes(session: Session) -> tuple[str, ...]:
    """A report read from the replica says how old its data is (server.db.replica)."""
    moment = data_time(session)
    return (f"数据截至 {moment_text(moment, DATA_TIME_FORMAT)}（只读副本）",) if moment else ()


def parse_day(value: str | date, what: str = "日期") -> date:
    if isinstance(value, date):
        return value
    text_ = value.strip()
    try:
        return date.fromisoformat(text_)
    except ValueError:
        # Well formed but no such day (2026-02-30): say so, rather than blame the format.
        if _DAY.match(text_):
            raise InvalidInput(f"日期无效：{text_}（该月没有这一天）") from None
        raise InvalidInput(f"{what}格式应为 YYYY-MM-DD，收到「{text_}」") from None


def parse_month(value: str, what: str = "账期") -> Period:
    """'2026-09', or a day '2026-09-15' meaning its month."""
    text_ = value.strip()
    if len(text_) == 10:
        return Period.of(parse_day(text_, what))
    return Period.parse(text_, what)


def month_range(first: Period, last: Period) -> tuple[Period, Period]:
    if last < first:
        raise DomainError(f"结束账期 {last} 早于开始账期 {first}")
    if (last.year - first.year) * 12 + last.month - first.month >= MAX_MONTHS:
        raise DomainError(f"账期范围最多 {MAX_MONTHS} 个月：{first} 至 {last}")
    return first, last


def day_range(start: date, end: date) -> tuple[date, date]:
    if end < start:
        raise DomainError(f"结束日期 {end} 早于开始日期 {start}")
    return start, end


def parse_rate(value: str | Decimal, what: str = "损耗率阈值") -> Decimal:
    """A rate as 0.05, 5% or 5 (read as percent when above 1)."""
    raw = str(value).strip()
    percent = raw.endswith("%")
    try:
        rate = Decimal(raw.rstrip("%").strip())
    except InvalidOperation:
        raise InvalidInput(f"{what}应为小数或百分数（如 0.05 或 5%），收到「{value}」") from None
    if not rate.is_finite() or rate < 0:
        raise InvalidInput(f"{what}应为不小于 0 的数，收到「{value}」")
    if percent or rate > 1:
        rate /= 100
    if rate >= 1:
        raise DomainError(f"{what}应小于 100%，收到「{value}」")
    return rate


def campus_id(session: Session, campus: str | None) -> int | None:
    """The id of the campus named `campus` (None: every campus)."""
    if not campus or not campus.strip():
        return None
    found = session.scalar(
        select(Campus.id).where((Campus.name == campus.strip()) | (Campus.code == campus.strip()))
    )
    if found is None:
        raise NotFound(f"校区 {campus.strip()} 不存在")
    return found


def period_text(first: Period, last: Period) -> str:
    return f"账期 {first}" if first == last else f"账期 {first} 至 {last}"


def filters_text(*parts: str | None) -> str:
    return "，".join(p for p in parts if p)


def fetch(
    session: Session,
    sql: str,
    params: Mapping[str, Any],
    to_row: Callable[[Any], Row],
    *,
    stream: bool,
    settings: Mapping[str, str] | None = None,
) -> tuple[Row, ...] | Iterator[Row]:
    """Rows of `sql` through `to_row`: a tuple, or with `stream` a one-shot iterator over a
    server-side cursor (YIELD_PER rows a round trip), for exports of 50,000+ rows.

    `settings` ({'work_mem': '64MB'}) are server settings for this query only: the
    session's own values are back when the rows are (or, streamed, the first of them is)
    fetched, since the session may go on."""
    statement = text(sql)
    restore = set_for_transaction(session, settings) if settings else None
    if not stream:
        # fetched at once (all()): through the session's result row by row, the arrears list
        # of 278,000 rows took 3 s in the driver's fetchone alone, 1 s so
        rows = tuple(map(to_row, session.execute(statement, params).all()))
        if restore:
            restore()
        return rows
    # PostgreSQL plans a cursor for its first 10 % of rows (cursor_tuple_fraction), which
    # picks nested loops that make a whole export of a GROUP BY many times slower; an export
    # reads every row, so plan for all of them (for this transaction only).
    session.execute(text("set local cursor_tuple_fraction = 1"))
    result = session.execute(
        statement.execution_options(stream_results=True, yield_per=YIELD_PER), params
    )
    if not restore:
        return (to_row(r) for r in result)
    # The first fetch runs the sorts and hashes under an ORDER BY: once it is in, the rest of
    # the stream reads their output and the session's value can come back.
    first = result.fetchmany(YIELD_PER)
    restore()
    return (to_row(r) for r in chain(first, result))


def ratio(part: Decimal | None, whole: Decimal | None) -> Decimal | None:
    """part / whole to 4 places (a percent with 2), None when whole is 0 or unknown."""
    if part is None or not whole:
        return None
    return (Decimal(part) / Decimal(whole)).quantize(Decimal("0.0001"))
