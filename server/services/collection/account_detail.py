"""One account as the managers' accounts page shows it: the account, its meters, every
bill with what was paid on it, the receipts (voided ones too), the usage of the last
12 months per kind, and the history of edits — read in one unit of work."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from server.db.models import Bill, BillMeter
from server.db.models.metering import KINDS
from server.services.accounts.account_history import HistoryRow, account_history
from server.services.accounts.accounts import AccountView, account_by_no, account_view
from server.services.billing.bills import paid_on_bill
from server.services.collection.counter_view import PaymentRow, account_panel
from server.services.core import calendar
from server.services.core.calendar import BUSINESS_TZ, Period
from server.services.core.money import ZERO
from server.services.metering.meter_registry import MeterFilter, MeterRow, list_meters
from server.services.metering.usage_rules import QUANTITY

BILL_STATUS_LABELS = {"open": "未缴", "partial": "部分缴", "paid": "已缴清", "void": "作废"}
USAGE_MONTHS = 12


@dataclass(frozen=True)
class AccountBill:
    period: str
    status: str
    # Usage per kind, in KINDS order (zero for a kind the bill has no meter of).
    usage: tuple[Decimal, ...]
    total: Decimal
    paid: Decimal
    issued_at: datetime

    @property
    def status_label(self) -> str:
        return BILL_STATUS_LABELS.get(self.status, self.status)

    @property
    def open(self) -> Decimal:
        return self.total - self.paid if self.status != "void" else ZERO


@dataclass(frozen=True)
class MonthlyUsage:
    """Usage per billing period and kind: `values[k][m]` is kind `kinds[k]` in `periods[m]`."""

    periods: tuple[str, ...]
    kinds: tuple[str, ...]
    values: tuple[tuple[Decimal, ...], ...]

    def of(self, kind: str) -> tuple[Decimal, ...]:
        return self.values[self.kinds.index(kind)]


@dataclass(frozen=True)
class AccountRecord:
    account: AccountView
    meters: tuple[MeterRow, ...]
    bills: tuple[AccountBill, ...]
    payments: tuple[PaymentRow, ...]
    usage: MonthlyUsage
    history: tuple[HistoryRow, ...]


def account_bills(session: Session, account_no: str) -> tuple[AccountBill, ...]:
    """Every bill of the account, newest period first, with the principal paid on it
    (`bills.paid_on_bill`: allocations, voided payments netted out, and the balance drawn, so
    a prepaid bill or a rebill's replacement paid from credit shows paid; late fees are not
    the bill's amount)."""
    account = account_by_no(session, account_no)
    bills = session.execute(
        select(Bill.id, Bill.period, Bill.status, Bill.total, paid_on_bill(), Bill.created_at)
        .where(Bill.account_id == account.id)
        .order_by(Bill.period.desc())
    ).all()
    usage: dict[tuple[int, str], Decimal] = {}
    if bills:
        for bill_id, kind, total in session.execute(
            select(BillMeter.bill_id, BillMeter.kind, func.sum(BillMeter.usage))
            .where(BillMeter.bill_id.in_([b.id for b in bills]))
            .group_by(BillMeter.bill_id, BillMeter.kind)
        ):
            usage[(bill_id, kind)] = total
    zero = Decimal(0).quantize(QUANTITY)
    return tuple(
        AccountBill(
            period=b.period,
            status=b.status,
            usage=tuple(usage.get((b.id, kind), zero) for kind in KINDS),
            total=b.total,
            paid=Decimal(b[4]).quantize(Decimal("0.01")),
            issued_at=b.created_at.astimezone(BUSINESS_TZ),
        )
        for b in bills
    )


def monthly_usage(
    session: Session, account_no: str, months: int = USAGE_MONTHS, end: Period | None = None
) -> MonthlyUsage:
    """The usage billed per period and kind over `months` periods ending at `end`, summed
    from the bills' meters (so a replaced meter's two parts count once each).

    By default the window ends at last month (the newest a billing run can have billed),
    or at this month when this month is billed already.
    """
    account = account_by_no(session, account_no)
    if end is None:
        this_month = Period.of(calendar.now())
        billed_now = session.scalar(
            select(Bill.id).where(Bill.account_id == account.id, Bill.period == str(this_month))
        )
        end = this_month if billed_now else this_month.shift(-1)
    periods = tuple(str(end.shift(-offset)) for offset in range(months - 1, -1, -1))
    rows = session.execute(
        select(Bill.period, BillMeter.kind, func.sum(BillMeter.usage))
        .join(BillMeter, BillMeter.bill_id == Bill.id)
        .where(Bill.account_id == account.id, Bill.period.in_(periods), Bill.status != "void")
        .group_by(Bill.period, BillMeter.kind)
    ).all()
    found = {(period, kind): total for period, kind, total in rows}
    zero = Decimal(0).quantize(QUANTITY)
    return MonthlyUsage(
        periods=periods,
        kinds=KINDS,
        values=tuple(tuple(found.get((p, kind), zero) for p in periods) for kind in KINDS),
    )


def account_record(session: Session, account_no: str) -> AccountRecord:
    """Everything the account's tabs show, in one go."""
    view = account_view(session, account_no)
    return AccountRecord(
        account=view,
        meters=list_meters(session, MeterFilter(account_no=view.account_no), limit=None).rows,
        bills=account_bills(session, view.account_no),
        # The counter's reading of receipts (the last year's, voided ones struck through).
        payments=account_panel(session, view.account_no).payments,
        usage=monthly_usage(session, view.account_no),
        history=account_history(session, view.account_no),
    )
