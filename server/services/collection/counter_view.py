"""What the counter page shows: one account at a glance, and the clerk's day.

Read-only views for the desktop's counter page (收费台); the money moves through
server.services.collection.payments and server.services.collection.till.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal, InvalidOperation

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from reports.settlement import ReceiptRow, SettlementReport
from server.config import Settings
from server.db.models import (
    Account,
    BillMeter,
    Building,
    Campus,
    CustomerClass,
    Meter,
    Receipt,
    ReceiptVoid,
    TillSession,
)
from server.db.models.accounts import PREPAID
from server.db.models.metering import KINDS
from server.db.models.payments import CHANNEL_LABELS
from server.services.accounts.accounts import address_of
from server.services.collection import till
from server.services.collection.allocation import OpenItem, amount_owed, open_items
from server.services.collection.settlement_report import settlement_report
from server.services.core.calendar import BUSINESS_TZ
from server.services.core.errors import InvalidInput, NotFound
from server.services.core.money import ZERO
from server.services.metering.usage_rules import KIND_UNITS, quantity_text

BILLING_MODE_LABELS = {PREPAID: "预收费", "postpaid": "后收费"}
KIND_SHORT = {"electricity": "电", "water": "水"}
# How far back the account panel lists payments.
PAYMENT_HISTORY_DAYS = 366


@dataclass(frozen=True)
class AmountLimits:
    """When the counter asks before taking an amount (the `counter` settings section)."""

    multiple: Decimal = Decimal(10)
    margin: Decimal = Decimal(2000)

    @classmethod
    def from_settings(cls, settings: Settings) -> AmountLimits:
        values = []
        for key in ("confirm_multiple", "confirm_margin"):
            text = settings.get("counter", key).strip()
            try:
                value = Decimal(text)
            except InvalidOperation:
                value = Decimal(-1)
            if not value.is_finite() or value < 0:
                raise InvalidInput(f"设置 counter.{key} 应为不小于 0 的数，收到「{text}」")
            values.append(value)
        return cls(*values)

    def unusual(self, amount: Decimal, owed: Decimal) -> bool:
        """Far above what is owed: worth a question before the money is taken."""
        owed = max(owed, ZERO)
        return amount > owed * self.multiple and amount - owed > self.margin


@dataclass(frozen=True)
class BillRow:
    """An open bill as the counter shows it; `late_fee` is what paying it today owes."""

    bill_id: int
    period: str
    description: str
    usage: str
    total: Decimal
    paid: Decimal
    late_fee: Decimal
    late_days: int
    open: Decimal
    due_date: date

    @property
    def owed(self) -> Decimal:
        return self.open + self.late_fee


@dataclass(frozen=True)
class PaymentRow:
    receipt_no: str
    issued_at: datetime
    amount: Decimal
    channel: str
    branch_name: str
    voided: bool


@dataclass(frozen=True)
class AccountPanel:
    account_no: str
    holder_name: str
    address: str
    customer_class: str
    billing_mode: str
    billing_mode_label: str
    mobile: str
    balance: Decimal
    meters: tuple[str, ...]
    bills: tuple[BillRow, ...]
    payments: tuple[PaymentRow, ...]
    owed: Decimal

    @property
    def suggested_amount(self) -> Decimal:
        """What the payment field starts with: what is owed, less credit on the account."""
        if self.billing_mode == PREPAID:
            return ZERO
        return max(self.owed - max(self.balance, ZERO), ZERO)


def _usage_texts(session: Session, bill_ids: list[int]) -> dict[int, str]:
    """'电 120 kWh，水 8 m³' per bill, from the meters it billed."""
    rows = session.execute(
        select(BillMeter.bill_id, BillMeter.kind, func.sum(BillMeter.usage))
        .where(BillMeter.bill_id.in_(bill_ids))
        .group_by(BillMeter.bill_id, BillMeter.kind)
    ).all()
    parts: dict[int, list[tuple[int, str]]] = {}
    for bill_id, kind, usage in rows:
        text = f"{KIND_SHORT.get(kind, kind)} {quantity_text(usage)} {KIND_UNITS.get(kind, '')}"
        parts.setdefault(bill_id, []).append((KINDS.index(kind) if kind in KINDS else 9, text))
    return {bill_id: "，".join(t for _, t in sorted(texts)) for bill_id, texts in parts.items()}


def _bill_rows(session: Session, items: tuple[OpenItem, ...]) -> tuple[BillRow, ...]:
    usage = _usage_texts(session, [item.bill_id for item in items])
    return tuple(
        BillRow(
            bill_id=item.bill_id,
            period=item.period,
            description=item.description,
            usage=usage.get(item.bill_id, ""),
            total=item.total,
            paid=item.paid,
            late_fee=item.late_fee,
            late_days=item.late_days,
            open=item.open,
            due_date=item.due_date,
        )
        for item in items
    )


def account_panel(session: Session, account_no: str) -> AccountPanel:
    """Holder, address, class, mode, balance, open bills and the last year's payments."""
    row = session.execute(
        select(Account, Campus.name, Building.name, CustomerClass.name)
        .join(Campus, Campus.id == Account.campus_id)
        .join(CustomerClass, CustomerClass.id == Account.customer_class_id)
        .outerjoin(Building, Building.id == Account.building_id)
        .where(Account.account_no == account_no.strip())
    ).first()
    if row is None:
        raise NotFound(f"户号 {account_no} 不存在")
    account, campus, building, class_name = row
    meters = session.scalars(
        select(Meter.meter_no).where(Meter.account_id == account.id).order_by(Meter.meter_no)
    ).all()
    items = open_items(session, account.id, till.business_date())
    since = datetime.now(BUSINESS_TZ) - timedelta(days=PAYMENT_HISTORY_DAYS)
    payments = session.execute(
        select(
            Receipt.receipt_no,
            Receipt.issued_at,
            Receipt.total,
            Receipt.channel,
            Receipt.branch_name,
            ReceiptVoid.id.is_not(None),
        )
        .outerjoin(ReceiptVoid, ReceiptVoid.receipt_id == Receipt.id)
        .where(Receipt.account_id == account.id, Receipt.issued_at >= since)
        .order_by(Receipt.issued_at.desc(), Receipt.id.desc())
    ).all()
    return AccountPanel(
        account_no=account.account_no,
        holder_name=account.holder_name,
        address=address_of(campus, building or "", account.unit, account.room),
        customer_class=class_name,
        billing_mode=account.billing_mode,
        billing_mode_label=BILLING_MODE_LABELS.get(account.billing_mode, account.billing_mode),
        mobile=account.mobile,
        balance=account.balance,
        meters=tuple(meters),
        bills=_bill_rows(session, items),
        payments=tuple(
            PaymentRow(no, at.astimezone(BUSINESS_TZ), total, CHANNEL_LABELS[ch], branch, voided)
            for no, at, total, ch, branch, voided in payments
        ),
        owed=amount_owed(items),
    )


@dataclass(frozen=True)
class CounterDay:
    """The clerk's till (open, stale from an earlier day, or none) and its figures so far:
    the settlement report as it stands, receipts included."""

    business_date: date
    till: till.TillView | None
    closed_today: bool
    # The till shown: the open one, or today's closed one.
    till_id: int | None
    report: SettlementReport | None

    @property
    def stale(self) -> bool:
        return self.till is not None and self.till.business_date < self.business_date

    @property
    def can_take_money(self) -> bool:
        return self.till is not None and not self.stale

    @property
    def receipts(self) -> tuple[ReceiptRow, ...]:
        """Newest first, as the clerk looks for the one just issued."""
        return tuple(reversed(self.report.receipts)) if self.report else ()

    @property
    def taken(self) -> Decimal:
        return self.report.total_amount if self.report else ZERO


def counter_day(session: Session, staff_id: int) -> CounterDay:
    """Where the clerk's day stands: the open till (or today's closed one) and its report."""
    today = till.business_date()
    current = till.current_till(session, staff_id)
    shown = current.till_id if current else None
    closed_today = False
    if current is None:
        shown = session.scalar(
            select(TillSession.id).where(
                TillSession.staff_id == staff_id, TillSession.business_date == today
            )
        )
        closed_today = shown is not None
    return CounterDay(
        business_date=today,
        till=current,
        closed_today=closed_today,
        till_id=shown,
        report=settlement_report(session, shown) if shown else None,
    )
