"""Payment notices (缴款通知单): the data of a period's notices per building or per account.

A notice shows the bill as it was issued (holder, address, meters, lines are the bill's own
copies), what the account still owes on earlier bills, the due date and where to pay. The
data is gathered in a few set-based queries (a building of hundreds of accounts takes a
handful of round trips) and handed to `reports.notice` as frozen snapshots, so rendering can
happen anywhere: on a desktop worker page by page with progress, or in the CLI.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from reports.notice import NoticeData, NoticeLine, NoticeMeter, Progress, render_notices
from server.db.models import Account, Bill, BillLine, BillMeter, Branch, Building, Campus
from server.services.billing.bills import OPEN_STATUSES, paid_on_bill
from server.services.billing.late_fees import due_date
from server.services.core.calendar import Period
from server.services.core.errors import DomainError, NotFound
from server.services.core.money import ZERO
from server.services.metering.meter_picker import KIND_LABELS, building_ids


@dataclass(frozen=True)
class NoticeBuilding:
    """A building with bills in the period: what "save all buildings" goes through."""

    building_id: int
    campus: str
    name: str
    bills: int

    @property
    def label(self) -> str:
        """'校区/楼名', as `building_ids` and the CLI's --building take it."""
        return f"{self.campus}/{self.name}"


def notice_buildings(session: Session, period: Period) -> tuple[NoticeBuilding, ...]:
    """The buildings whose accounts have a bill of `period`, by campus and name."""
    rows = session.execute(
        select(Building.id, Campus.name, Building.name, func.count(Bill.id))
        .join(Campus, Campus.id == Building.campus_id)
        .join(Account, Account.building_id == Building.id)
        .join(Bill, Bill.account_id == Account.id)
        .where(Bill.period == str(period), Bill.status != "void")
        .group_by(Building.id, Campus.name, Building.name)
        .order_by(Campus.name, Building.name)
    ).all()
    return tuple(NoticeBuilding(*row) for row in rows)


def gather_notices(
    session: Session,
    period: Period,
    *,
    building: str | None = None,
    building_id: int | None = None,
    account_no: str | None = None,
    base_url: str = "",
) -> tuple[NoticeData, ...]:
    """The notices of one building ('楼名' or '校区/楼名', or its id) sorted by unit and
    room, or of one account. Refused when the scope has no bill of the period.

    `base_url` is the companion service's address (companion.base_url): each notice then
    carries its account's pay page, printed as a QR code."""
    query = (
        select(Bill.id, Bill.account_id, Bill.account_no, Bill.holder_name, Bill.address,
               Bill.total)
        .join(Account, Account.id == Bill.account_id)
        .where(Bill.period == str(period), Bill.status != "void")
    )  # fmt: skip
    if account_no is not None and account_no.strip():
        scope = f"户号 {account_no.strip()}"
        exists = session.scalar(select(Account.id).where(Account.account_no == account_no.strip()))
        if exists is None:
            raise NotFound(f"户号 {account_no.strip()} 不存在")
        query = query.where(Account.account_no == account_no.strip())
    elif building_id is not None or (building is not None and building.strip()):
        ids = [building_id] if building_id is not None else building_ids(session, building or "")
        scope = f"楼宇 {building.strip()}" if building else "该楼宇"
        query = query.where(Account.building_id.in_(ids))
    else:
        raise DomainError("请指定楼宇或户号")
    # Door order: unit, then room numerically where rooms are numbers (301 before 1201).
    query = query.order_by(Account.unit, func.length(Account.room), Account.room, Bill.account_no)
    bills = session.execute(query).all()
    if not bills:
        raise NotFound(f"{scope} 没有 {period} 的账单（请先出账）")
    bill_ids = [b.id for b in bills]
    meters: dict[int, list[NoticeMeter]] = defaultdict(list)
    for bill_id, meter_no, kind, prev, curr, multiplier, usage, estimated in session.execute(
        select(BillMeter.bill_id, BillMeter.meter_no, BillMeter.kind, BillMeter.prev,
               BillMeter.curr, BillMeter.multiplier, BillMeter.usage, BillMeter.estimated)
        .where(BillMeter.bill_id.in_(bill_ids))
        .order_by(BillMeter.bill_id, BillMeter.id)
    ):  # fmt: skip
        meters[bill_id].append(
            NoticeMeter(
                meter_no, KIND_LABELS.get(kind, kind), prev, curr, multiplier, usage, estimated
            )
        )
    lines: dict[int, list[NoticeLine]] = defaultdict(list)
    for bill_id, component, usage, amount, note in session.execute(
        select(BillLine.bill_id, BillLine.component, BillLine.usage, BillLine.amount, BillLine.note)
        .where(BillLine.bill_id.in_(bill_ids))
        .order_by(BillLine.bill_id, BillLine.id)
    ):
        # A part month or a tariff's days say so beside the item (水费（按日折算 15/31 天）).
        item = f"{component}（{note}）" if note else component
        lines[bill_id].append(NoticeLine(item, usage, amount))
    arrears = _arrears(session, period, [b.account_id for b in bills])
    branches = tuple(session.scalars(select(Branch.name).order_by(Branch.code)))
    due = due_date(str(period))
    return tuple(
        NoticeData(
            period=str(period),
            account_no=b.account_no,
            holder_name=b.holder_name,
            address=b.address,
            meters=tuple(meters[b.id]),
            lines=tuple(lines[b.id]),
            total=b.total,
            due_date=due,
            arrears=arrears.get(b.account_id, (ZERO, ()))[0],
            arrears_periods=arrears.get(b.account_id, (ZERO, ()))[1],
            pay_at=branches,
            pay_url=pay_page_url(base_url, b.account_id),
        )
        for b in bills
    )


def pay_page_url(base_url: str, account_id: int) -> str:
    """The resident's pay page of an account ("" when the service has no address)."""
    return f"{base_url.rstrip('/')}/h5/pay?account={account_id}" if base_url else ""


def _arrears(
    session: Session, period: Period, account_ids: list[int]
) -> dict[int, tuple[Decimal, tuple[str, ...]]]:
    """Principal still owed on bills before `period`: {account: (amount, periods)}."""
    owed = (Bill.total - paid_on_bill()).label("owed")
    rows = session.execute(
        select(Bill.account_id, Bill.period, owed)
        .where(
            Bill.account_id.in_(account_ids),
            Bill.period < str(period),
            Bill.status.in_(OPEN_STATUSES),
        )
        .order_by(Bill.account_id, Bill.period)
    ).all()
    found: dict[int, tuple[Decimal, tuple[str, ...]]] = {}
    for account_id, bill_period, amount in rows:
        if amount <= 0:
            continue
        total, periods = found.get(account_id, (ZERO, ()))
        found[account_id] = (total + amount, (*periods, bill_period))
    return found


def notices_pdf(
    session: Session,
    period: Period,
    *,
    building: str | None = None,
    account_no: str | None = None,
    base_url: str = "",
    progress: Progress | None = None,
) -> tuple[str, str, bytes]:
    """The notices of a building or an account as one PDF: (filename, mimetype, bytes)."""
    notices = gather_notices(
        session, period, building=building, account_no=account_no, base_url=base_url
    )
    scope = (account_no or "").strip() or (building or "").strip()
    return render_notices(notices, scope, progress=progress)
