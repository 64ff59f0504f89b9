"""What an account owes and how a payment is allocated to it (server.services.collection.payments
takes the payment, .voids gives it back).

A payment goes to the account's open bills, oldest period first (a bill may be paid in
part); what is left becomes credit on the account balance through the ledger (a prepaid
account's top-up is the same thing: it has no open bills).

What a bill has been paid (`paid_on_bill`) is its allocations plus the balance drawn for it:
a billing run draws a postpaid account's credit (ledger kind 'credit_used', with bill_id), a
prepaid bill its whole total (kind 'bill').

Late fees (server.services.billing.late_fees has the rule): `open_items` is what the account owes
on a day, each bill's principal and the fee a payment that day would owe; take_payment
charges a touched bill's fee and pays it before the bill's principal, each on its own
receipt line; `waive_late_fee` is a manager's waiver.

Concurrency: `lock_account` locks the account row (SELECT … FOR UPDATE) before its bills are
read, so payments and voids on one account serialize and a bill's open amount cannot be
used twice.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import Select, bindparam, func, or_, select
from sqlalchemy.orm import Session

from server.db.models import (
    Account,
    Allocation,
    Bill,
    BillLine,
    LateFee,
)
from server.db.models.accounts import PREPAID
from server.db.models.billing import DEPOSIT
from server.db.models.late_fees import CHARGE, WAIVE
from server.db.models.metering import KINDS
from server.services.billing import late_fees
from server.services.billing.balances import lock_account
from server.services.billing.bills import OPEN_STATUSES, paid_on_bill
from server.services.collection import till
from server.services.core import audit, permissions
from server.services.core.audit import Actor
from server.services.core.calendar import Period
from server.services.core.errors import DomainError, InvalidInput, NotFound, PermissionDenied
from server.services.core.money import ZERO

# A deposit bill's one line reads 押金 on the counter and its receipt.
KIND_LABELS = {"electricity": "电费", "water": "水费", "deposit": "押金"}


@dataclass(frozen=True)
class OpenItem:
    """A bill the account still owes on, as the counter shows it on a day."""

    bill_id: int
    period: str
    description: str
    total: Decimal
    # Principal paid: allocations plus credit drawn.
    paid: Decimal
    open: Decimal
    due_date: date
    # What a payment on the day would owe as late fee: open charged fee + accrual now.
    late_fee: Decimal
    # Days past the due date while principal is open.
    late_days: int


@dataclass
class OpenBill:
    bill_id: int
    period: str
    total: Decimal
    paid: Decimal
    description: str
    # Charged and not yet paid.
    fee_open: Decimal
    # What a payment on the day charges before it pays.
    accrual: late_fees.Accrual

    @property
    def open(self) -> Decimal:
        return self.total - self.paid

    @property
    def fee_owed(self) -> Decimal:
        return self.fee_open + self.accrual.amount


def _open_bills_query() -> Select[Any]:
    kinds = (
        select(func.array_agg(BillLine.kind.distinct()))
        .where(BillLine.bill_id == Bill.id)
        .scalar_subquery()
    )
    fees = select(LateFee).where(LateFee.bill_id == Bill.id)
    fee_net = (
        select(func.coalesce(func.sum(LateFee.amount), ZERO))
        .where(LateFee.bill_id == Bill.id)
        .scalar_subquery()
    )
    fee_paid = (
        select(func.coalesce(func.sum(Allocation.amount), ZERO))
        .where(Allocation.bill_id == Bill.id, Allocation.late_fee.is_(True))
        .scalar_subquery()
    )
    accrued_to = select(func.max(LateFee.accrued_to)).where(LateFee.bill_id == Bill.id)
    charged = fees.where(LateFee.kind == CHARGE).exists()
    return (
        select(
            Bill.id,
            Bill.period,
            Bill.total,
            paid_on_bill(),
            kinds,
            fee_net,
            fee_paid,
            accrued_to.scalar_subquery(),
            charged,
        )
        .where(
            Bill.account_id == bindparam("account_id"),
            or_(Bill.status.in_(OPEN_STATUSES), fees.exists()),
        )
        .order_by(Bill.period, Bill.id)
    )


# Built once: its subqueries cost more to construct than to run (every payment runs it).
_OPEN_BILLS = _open_bills_query()


def open_bills(
    session: Session, account_id: int, customer_class_id: int, on: date
) -> list[OpenBill]:
    """The account's bills owing principal or late fee on day `on`, oldest period first."""
    rows = session.execute(_OPEN_BILLS, {"account_id": account_id}).all()
    policy = late_fees.policy_on(session, customer_class_id, on)
    found = []
    for bill_id, period, total, paid, kind_list, net, fee_paid_, last, was_charged in rows:
        accrual = late_fees.accrue(
            # A deposit is security, not a charge for water or power: it accrues no late fee.
            None if DEPOSIT in (kind_list or ()) else policy,
            period,
            total - paid,
            on,
            accrued_to=last,
            charged_before=was_charged,
            net_charged=net,
        )
        bill = OpenBill(
            bill_id,
            period,
            total,
            paid,
            bill_description(kind_list or ()),
            net - fee_paid_,
            accrual,
        )
        if bill.open > 0 or bill.fee_owed > 0:
            found.append(bill)
    return found


def _item(bill: OpenBill, on: date) -> OpenItem:
    due = late_fees.due_date(bill.period)
    return OpenItem(
        bill_id=bill.bill_id,
        period=bill.period,
        description=bill.description,
        total=bill.total,
        paid=bill.paid,
        open=bill.open,
        due_date=due,
        late_fee=bill.fee_owed,
        late_days=(on - due).days if bill.open > 0 and on > due else 0,
    )


def open_items(session: Session, account_id: int, on: date) -> tuple[OpenItem, ...]:
    """What the account owes on day `on`, bill by bill, oldest period first."""
    class_id = session.scalar(select(Account.customer_class_id).where(Account.id == account_id))
    if class_id is None:
        raise NotFound(f"用户 {account_id} 不存在")
    return tuple(_item(bill, on) for bill in open_bills(session, account_id, class_id, on))


def amount_owed(items: Iterable[OpenItem]) -> Decimal:
    """Principal and late fee of the items: what pays them all."""
    return sum((item.open + item.late_fee for item in items), ZERO)


def charge_late_fee(
    session: Session,
    actor: Actor,
    bill: OpenBill,
    on: date,
    payment_id: int | None,
) -> None:
    """Write the fee the bill accrued up to `on` (nothing if none)."""
    if bill.accrual.amount > 0:
        session.add(
            LateFee(
                bill_id=bill.bill_id,
                kind=CHARGE,
                amount=bill.accrual.amount,
                accrued_to=on,
                days=bill.accrual.days,
                rate=bill.accrual.rate,
                basis=bill.open,
                payment_id=payment_id,
                staff_id=actor.staff_id,
                actor=actor.label,
            )
        )


def bill_description(kinds: Sequence[str]) -> str:
    """'电费、水费' from the kinds of a bill's lines (electricity first, as on bills)."""
    order = {kind: index for index, kind in enumerate(KINDS)}
    labels = [KIND_LABELS.get(k, k) for k in sorted(kinds, key=lambda k: order.get(k, len(order)))]
    return "、".join(labels) or "水电费"


def credit_label(billing_mode: str) -> str:
    return "预存" if billing_mode == PREPAID else "余额（多缴）"


def waive_late_fee(
    session: Session, actor: Actor, account_no: str, period: str, reason: str
) -> Decimal:
    """A manager's waiver (减免) of a bill's open late fee, including what accrued up to
    today; accrual restarts from today. Returns the amount waived."""
    if actor.staff_id is None or not permissions.is_manager(session, actor.staff_id):
        raise PermissionDenied("减免滞纳金须由管理人员办理")
    reason = reason.strip()
    if not reason:
        raise InvalidInput(f"减免户号 {account_no} {period} 的滞纳金须填写原因")
    if len(reason) > 200:
        raise DomainError(f"减免原因过长（{len(reason)} 字，最多 200 字）")
    wanted = str(Period.parse(period))
    account, _, _ = lock_account(session, account_no)
    today = till.business_date()
    bills = open_bills(session, account.id, account.customer_class_id, today)
    bill = next((b for b in bills if b.period == wanted), None)
    if bill is None or bill.fee_owed == 0:
        raise DomainError(f"户号 {account.account_no} 账期 {wanted} 没有未缴的滞纳金")
    waived = bill.fee_owed
    charge_late_fee(session, actor, bill, today, None)
    row = LateFee(
        bill_id=bill.bill_id,
        kind=WAIVE,
        amount=-waived,
        accrued_to=today,
        days=bill.accrual.days,
        rate=bill.accrual.rate,
        basis=bill.open,
        reason=reason,
        staff_id=actor.staff_id,
        actor=actor.label,
    )
    session.add(row)
    session.flush()
    audit.record(
        session,
        actor,
        "late_fee.waive",
        "late_fee",
        row.id,
        {
            "account_no": account.account_no,
            "period": wanted,
            "amount": str(waived),
            "reason": reason,
        },
    )
    return waived
