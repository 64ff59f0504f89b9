"""Reports (报表): what managers read, computed set-based in SQL, returned as `TableReport`.

One module per report, each with one function returning a frozen `reports.tables.
TableReport` (title, filters text, typed columns, rows with subtotal/total/flagged styles):

    usage_report        用能查询   usage and amount, same months last year beside them
    arrears_report      欠费清单   unpaid principal per account, aged; late fees apart
    collection_report   应收实收   billed, collected, outstanding, 回收率
    cash_report         收费日报/月报  per branch, clerk and channel; voids; 长短款
    unread_report       未抄表计   per period and building
    anomalies_report    异常用量   flagged readings
    loss_report         总分表平衡  master meter vs its sub-meters, flagged over a rate
    meters_report       表计台账   the meter inventory

and for the dashboard's charts `trend.usage_trend` and `trend.collection_trend` (12 months
of small frozen points), `loss.flagged_losses` (the largest losses first).

Every function checks the 报表 permission of a staff actor, reads only, and never commits.
`reports.tables` renders any of them to .xlsx and PDF. `build_report` runs one by name from
the loosely typed filters a person gives (the CLI, a page's filter boxes), checking them
with one-line Chinese messages.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy.orm import Session

from reports.tables import TableReport
from server.services.core.audit import Actor
from server.services.core.calendar import Period
from server.services.core.calendar import now as business_now
from server.services.core.errors import DomainError
from server.services.reports.anomalies import anomalies_report
from server.services.reports.arrears import arrears_report
from server.services.reports.cash import cash_report
from server.services.reports.collection import collection_report
from server.services.reports.common import parse_day, parse_month, parse_rate
from server.services.reports.loss import loss_report
from server.services.reports.meters import meters_report
from server.services.reports.unread import unread_report
from server.services.reports.usage import usage_report

__all__ = [
    "REPORTS",
    "ReportRequest",
    "anomalies_report",
    "arrears_report",
    "build_report",
    "cash_report",
    "collection_report",
    "loss_report",
    "meters_report",
    "unread_report",
    "usage_report",
]

REPORTS: dict[str, str] = {
    "usage": "用能查询",
    "arrears": "欠费清单",
    "collection": "应收实收",
    "cash": "收费日报/月报",
    "unread": "未抄表计",
    "anomalies": "异常用量",
    "loss": "总分表平衡",
    "meters": "表计台账",
}
_MONTHLY = ("usage", "collection", "unread", "anomalies", "loss")
_KIND_NAMES = {"电": "electricity", "水": "water", "electricity": "electricity", "water": "water"}


@dataclass(frozen=True)
class ReportRequest:
    """A report asked for by name with filters as typed: `period` 'YYYY-MM', or `start` and
    `end` (days 'YYYY-MM-DD'; month reports take months too); `as_of` a day; `threshold`
    a rate ('0.05' or '5%', loss only); `by` and `kind` for usage."""

    name: str
    period: str | None = None
    start: str | None = None
    end: str | None = None
    campus: str | None = None
    as_of: str | None = None
    threshold: str | None = None
    by: str | None = None
    kind: str | None = None


def _months(request: ReportRequest) -> tuple[Period, Period]:
    if request.period:
        month = parse_month(request.period)
        return month, month
    if not request.start:
        raise DomainError(f"{REPORTS[request.name]}需要账期：--period YYYY-MM 或 --from/--to")
    first = parse_month(request.start, "开始账期")
    last = parse_month(request.end, "结束账期") if request.end else first
    return first, last


def _days(request: ReportRequest) -> tuple[date, date]:
    if request.period:
        month = parse_month(request.period)
        return month.first_day, month.shift(1).first_day - timedelta(days=1)
    if not request.start:
        today = business_now().date()
        return today, today
    start = parse_day(request.start, "开始日期")
    return start, parse_day(request.end, "结束日期") if request.end else start


def _check_options(request: ReportRequest) -> None:
    if request.name not in REPORTS:
        raise DomainError(f"未知报表「{request.name}」，可选：{'、'.join(REPORTS)}")
    if request.period and (request.start or request.end):
        raise DomainError("--period 与 --from/--to 只能选一种")
    if request.end and not request.start:
        raise DomainError("给出 --to 时也须给出 --from")
    if request.threshold is not None and request.name != "loss":
        raise DomainError("--threshold 只适用于 loss（总分表平衡）")
    if (request.by or request.kind) and request.name != "usage":
        raise DomainError("--by 与 --kind 只适用于 usage（用能查询）")
    if request.as_of and request.name not in ("arrears", "collection"):
        raise DomainError("--as-of 只适用于 arrears 与 collection")
    if request.name in ("arrears", "meters") and (request.period or request.start):
        raise DomainError(f"{REPORTS[request.name]}不按账期查询（arrears 用 --as-of 指定截至日期）")


def build_report(
    session: Session, actor: Actor, request: ReportRequest, *, stream: bool = False
) -> TableReport:
    """Run the report `request.name` with its filters checked; `stream` makes the rows of
    the long reports (usage, arrears, anomalies, meters) a one-shot iterator for export."""
    _check_options(request)
    name, campus = request.name, request.campus
    as_of = parse_day(request.as_of, "截至日期") if request.as_of else None
    if name == "arrears":
        return arrears_report(session, actor, as_of, campus=campus, stream=stream)
    if name == "meters":
        return meters_report(session, actor, campus=campus, stream=stream)
    if name == "cash":
        start, end = _days(request)
        return cash_report(session, actor, start, end, campus=campus)
    assert name in _MONTHLY
    first, last = _months(request)
    if name == "usage":
        return usage_report(
            session, actor, first, last, by=request.by or "account", campus=campus,
            kind=_KIND_NAMES.get(request.kind.strip(), request.kind) if request.kind else None,
            stream=stream,
        )  # fmt: skip
    if name == "collection":
        return collection_report(session, actor, first, last, as_of=as_of, campus=campus)
    if name == "unread":
        return unread_report(session, actor, first, last, campus=campus)
    if name == "anomalies":
        return anomalies_report(session, actor, first, last, campus=campus, stream=stream)
    threshold = None if request.threshold is None else parse_rate(request.threshold)
    return loss_report(session, actor, first, last, campus=campus, threshold=threshold)
