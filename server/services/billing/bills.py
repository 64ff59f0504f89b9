"""Browsing a period's bills (the billing page's list) and opening one.

`billing_run.list_bills` loads every bill with its meters and lines, which is right for one
account and far too heavy for a period of 50,000 bills; the list here reads one row per
bill, at most `limit`, with the count and sum of all that match so the page can say how
many it did not show.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import ColumnElement, Select, func, select
from sqlalchemy.orm import Session, selectinload

from server.db.models import Account, AccountLedgerEntry, Allocation, Bill, Building, Campus
from server.db.models.billing import BILL_OPEN, BILL_PAID, BILL_PARTIAL, BILL_VOID, REGULAR
from server.services.accounts.accounts import like_escape
from server.services.billing.bill_views import BillView, bill_view
from server.services.core.calendar import Period
from server.services.core.errors import DomainError, NotFound
from server.services.core.money import ZERO

# A bill still owed on, wholly or in part.
OPEN_STATUSES = (BILL_OPEN, BILL_PARTIAL)


def paid_on_bill() -> ColumnElement[Decimal]:
    """SQL for the principal a `Bill` row has been paid: its principal allocations plus the
    balance drawn for it.

    Every ledger entry with a bill_id moves balance onto (negative) or off (positive) that
    bill, so their negated sum is what the balance paid; filtered by account first so the
    account's index finds them.
    """
    allocated = (
        select(func.coalesce(func.sum(Allocation.amount), ZERO))
        .where(Allocation.bill_id == Bill.id, Allocation.late_fee.is_(False))
        .scalar_subquery()
    )
    drawn = (
        select(func.coalesce(-func.sum(AccountLedgerEntry.amount), ZERO))
        .where(
            AccountLedgerEntry.account_id == Bill.account_id,
            AccountLedgerEntry.bill_id == Bill.id,
        )
        .scalar_subquery()
    )
    return allocated + drawn


BILL_STATUS_LABELS = {
    BILL_OPEN: "未缴",
    BILL_PARTIAL: "部分缴费",
    BILL_PAID: "已缴清",
    "void": "作废",
}
DEFAULT_LIMIT = 1000


@dataclass(frozen=True)
class BillFilter:
    """Empty fields do not filter; `account_no` matches from the start of the number."""

    campus: str = ""
    building_id: int | None = None
    status: str = ""
    account_no: str = ""


@dataclass(frozen=True)
class BillRow:
    bill_id: int
    account_no: str
    holder_name: str
    address: str
    total: Decimal
    status: str
    # regular / final / adjustment / deposit (server.db.models.billing): which a rebill or a
    # cancel may take.
    kind: str = REGULAR

    @property
    def status_label(self) -> str:
        return BILL_STATUS_LABELS.get(self.status, self.status)

    @property
    def void(self) -> bool:
        """Cancelled or replaced (红字冲销): kept in the list, owed no more."""
        return self.status == BILL_VOID


@dataclass(frozen=True)
class BillRows:
    """Up to `limit` rows, and the count and sum of every bill that matches."""

    period: str
    rows: tuple[BillRow, ...]
    count: int
    amount: Decimal

    @property
    def truncated(self) -> bool:
        return self.count > len(self.rows)


@dataclass(frozen=True)
class Place:
    """A building on a campus, for the filters."""

    campus: str
    building_id: int
    building: str


def _filtered(query: Select, period: Period, filters: BillFilter) -> Select:
    query = query.where(Bill.period == str(period))
    if filters.status:
        if filters.status not in BILL_STATUS_LABELS:
            raise DomainError(
                f"账单状态应为 {' / '.join(BILL_STATUS_LABELS)}，收到「{filters.status}」"
            )
        query = query.where(Bill.status == filters.status)
    if filters.account_no.strip():
        query = query.where(Bill.account_no.like(like_escape(filters.account_no.strip()) + "%"))
    if filters.campus or filters.building_id is not None:
        query = query.join(Account, Account.id == Bill.account_id)
        if filters.building_id is not None:
            query = query.where(Account.building_id == filters.building_id)
        if filters.campus:
            campus = select(Campus.id).where(Campus.name == filters.campus).scalar_subquery()
            query = query.where(Account.campus_id == campus)
    return query


def bill_rows(
    session: Session, period: Period, filters: BillFilter | None = None, limit: int = DEFAULT_LIMIT
) -> BillRows:
    """The period's bills that match, by account number, at most `limit` of them."""
    filters = filters or BillFilter()
    count, amount = session.execute(
        _filtered(select(func.count(), func.coalesce(func.sum(Bill.total), ZERO)), period, filters)
    ).one()
    rows = session.execute(
        _filtered(
            select(Bill.id, Bill.account_no, Bill.holder_name, Bill.address, Bill.total,
                   Bill.status, Bill.kind),
            period,
            filters,
        )
        .order_by(Bill.account_no)
        .limit(limit)
    ).all()  # fmt: skip
    return BillRows(str(period), tuple(BillRow(*row) for row in rows), count, amount)


def bill_paid(session: Session, bill_id: int) -> Decimal:
    """What one bill has been paid (`paid_on_bill`), e.g. what cancelling it gives back."""
    return session.scalar(select(paid_on_bill()).where(Bill.id == bill_id)) or ZERO


def bill_detail(session: Session, bill_id: int) -> BillView:
    """One bill with its meters (previous, current, usage) and lines."""
    bill = session.scalar(
        select(Bill)
        .where(Bill.id == bill_id)
        .options(selectinload(Bill.meters), selectinload(Bill.lines))
    )
    if bill is None:
        raise NotFound(f"账单 {bill_id} 不存在")
    return bill_view(bill)


def bill_places(session: Session) -> tuple[Place, ...]:
    """Every building with its campus, by campus and name (campuses without buildings too,
    with building_id 0, so a campus can be chosen on its own)."""
    rows = session.execute(
        select(Campus.name, func.coalesce(Building.id, 0), func.coalesce(Building.name, ""))
        .outerjoin(Building, Building.campus_id == Campus.id)
        .order_by(Campus.name, Building.name)
    ).all()
    return tuple(Place(*row) for row in rows)
