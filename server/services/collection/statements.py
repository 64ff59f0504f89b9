"""The account statement (账户明细 / 对账单): every document of an account in date order with
the running balance.

Lines, each dated by when it was written (business time):
- debits (应收/借): every bill at its total, void ones too (账单 / 结算账单 / 调账 / 押金),
  late fees charged, refunds paid out (TK…), payments whose receipt was voided (冲正), a
  negative opening balance;
- credits (实收/贷): payments (the receipt's whole amount, late fee included), credit notes
  (HZ…, the cancelled bill's |total|) with the unpaid late fee of the cancelled bill that is
  no longer owed, credit adjustments (TZ…), the deposit released to the balance, late fees
  waived, a positive opening balance;
- information lines (no amount): the deposit taken into safekeeping or given back by a void.
Documents written in one transaction share a moment; they are listed in the order they
arise: a bill, its credit note, its replacement, a late fee charged by a payment, the
payment, the deposit it put aside…

Running balance = Σ credits − Σ debits. Invariant (the statement closes on the account):

    closing = account.balance − Σ open principal − Σ open late fee

where open principal is total − `bills.paid_on_bill` over the bills not void, and open late
fee is fees charged − waived − paid over the same bills. Why: a payment's amount is its
principal allocations + late fee allocations + what it left on the balance; a bill is
paid by allocations or by balance drawn for it, so balance moves between bills and the
balance cancel; a credit note's |total| is the bill's paid part (given to the balance)
plus its unpaid part (no longer owed), and its unpaid late fee line takes the cancelled
bill's fee out of what is owed, as void bills are not open.

The deposit needs no term: its bill is a debit like any other, the payment putting money on
it a credit, and the release a credit landing on the balance; the deposit held sits outside
both sides. The holder's whole position is therefore closing + account.deposit.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from reports.statement import Statement, StatementLine
from server.db.models import (
    AccountLedgerEntry,
    Allocation,
    Bill,
    BillLine,
    LateFee,
    Payment,
    Receipt,
    ReceiptVoid,
)
from server.db.models.billing import ADJUSTMENT, BILL_VOID, DEPOSIT, FINAL, REGULAR
from server.db.models.corrections import (
    CANCEL,
    Adjustment,
    CreditNote,
    DepositLedgerEntry,
    Refund,
)
from server.db.models.late_fees import CHARGE
from server.db.models.payments import CHANNEL_LABELS
from server.services.accounts.accounts import account_by_no, account_view
from server.services.billing import late_fees
from server.services.billing.bills import OPEN_STATUSES, paid_on_bill
from server.services.core import calendar
from server.services.core.calendar import BUSINESS_TZ
from server.services.core.errors import DomainError
from server.services.core.money import ZERO

BILL_KIND_LABELS = {REGULAR: "账单", FINAL: "结算账单", ADJUSTMENT: "调账", DEPOSIT: "押金"}
REFUND_CHANNEL_LABELS = {"cash": "现金", "transfer": "转账"}

# Order of documents written at one moment (one transaction), as they arise.
_OPENING, _BILL, _CREDIT_NOTE, _REPLACEMENT, _FEE_CHARGE, _PAYMENT = range(6)
_DEPOSIT_HELD, _FEE_WAIVE, _CREDIT_ADJUSTMENT, _VOID, _DEPOSIT_RELEASE, _REFUND = range(6, 12)


@dataclass(frozen=True)
class _Item:
    moment: datetime
    rank: int
    key: int
    document: str
    summary: str
    debit: Decimal | None = None
    credit: Decimal | None = None

    @property
    def day(self) -> date:
        return self.moment.astimezone(BUSINESS_TZ).date()

    @property
    def change(self) -> Decimal:
        return (self.credit or ZERO) - (self.debit or ZERO)


def account_statement(
    session: Session,
    account_no: str,
    start: date | None = None,
    end: date | None = None,
    *,
    now: datetime | None = None,
) -> Statement:
    """The statement of `account_no` from `start` to `end` (business dates, inclusive; None:
    from the first document / up to now), with the opening balance of what came before."""
    if start is not None and end is not None and end < start:
        raise DomainError(f"结束日期 {end} 早于开始日期 {start}")
    account = account_by_no(session, account_no)
    view = account_view(session, account.account_no)
    items = sorted(_items(session, account.id), key=lambda i: (i.moment, i.rank, i.key))
    opening = sum((i.change for i in items if start and i.day < start), ZERO)
    running = opening
    lines = []
    for item in items:
        if (start and item.day < start) or (end and item.day > end):
            continue
        running += item.change
        lines.append(
            StatementLine(item.day, item.document, item.summary, item.debit, item.credit, running)
        )
    principal, fee = _owed(session, account.id)
    return Statement(
        account_no=account.account_no,
        holder_name=account.holder_name,
        address=view.address,
        billing_mode=account.billing_mode,
        start=start,
        end=end,
        opening=opening,
        lines=tuple(lines),
        closing=running,
        balance=account.balance,
        deposit=account.deposit,
        open_principal=principal,
        open_late_fee=fee,
        generated_at=calendar.business_time(now or calendar.now()),
    )


def _owed(session: Session, account_id: int) -> tuple[Decimal, Decimal]:
    """(open principal, charged late fee unpaid) over the account's bills not void."""
    principal = session.scalar(
        select(func.coalesce(func.sum(Bill.total - paid_on_bill()), ZERO)).where(
            Bill.account_id == account_id, Bill.status.in_(OPEN_STATUSES)
        )
    )
    live = select(Bill.id).where(Bill.account_id == account_id, Bill.status != BILL_VOID)
    charged = session.scalar(
        select(func.coalesce(func.sum(LateFee.amount), ZERO)).where(LateFee.bill_id.in_(live))
    )
    paid = session.scalar(
        select(func.coalesce(func.sum(Allocation.amount), ZERO)).where(
            Allocation.bill_id.in_(live), Allocation.late_fee.is_(True)
        )
    )
    return principal or ZERO, (charged or ZERO) - (paid or ZERO)


def _items(session: Session, account_id: int) -> list[_Item]:
    return [
        *_bill_items(session, account_id),
        *_credit_note_items(session, account_id),
        *_fee_items(session, account_id),
        *_payment_items(session, account_id),
        *_ledger_items(session, account_id),
        *_deposit_items(session, account_id),
    ]


def _bill_items(session: Session, account_id: int) -> list[_Item]:
    rows = session.execute(
        select(Bill, Adjustment.note_no, Adjustment.reason, CreditNote.note_no)
        .outerjoin(Adjustment, Adjustment.bill_id == Bill.id)
        .outerjoin(CreditNote, CreditNote.bill_id == Bill.id)
        .where(Bill.account_id == account_id)
    ).all()
    # Each bill's components in the order of its lines: 电费、水费.
    components: dict[int, list[str]] = {}
    for bill_id, component in session.execute(
        select(BillLine.bill_id, BillLine.component)
        .where(BillLine.bill_id.in_([row[0].id for row in rows]))
        .order_by(BillLine.id)
    ):
        names = components.setdefault(bill_id, [])
        if component not in names:
            names.append(component)
    items = []
    for bill, adjustment_no, reason, cancelled_by in rows:
        parts = "、".join(components.get(bill.id, ()))
        label = BILL_KIND_LABELS.get(bill.kind, bill.kind)
        document = adjustment_no or f"{label} {bill.period}"
        if bill.kind == ADJUSTMENT:
            summary = f"调账：{reason or parts}"
        elif bill.kind == DEPOSIT:
            summary = "押金"
        elif bill.kind == FINAL and bill.covers_from and bill.covers_to:
            summary = f"退房结算 {bill.covers_from}至{bill.covers_to} {parts}"
        else:
            summary = f"{bill.period} {parts}"
        if bill.replaces_id is not None:
            summary += "（更正后重开）"
        if bill.status == BILL_VOID:
            summary += f"（已作废，见红字冲销 {cancelled_by}）" if cancelled_by else "（已作废）"
        rank = _REPLACEMENT if bill.replaces_id is not None else _BILL
        items.append(_Item(bill.created_at, rank, bill.id, document, summary.strip(),
                           debit=bill.total))  # fmt: skip
    return items


def _credit_note_items(session: Session, account_id: int) -> list[_Item]:
    """Each credit note, and the cancelled bill's charged late fee that was still unpaid
    (no longer owed: void bills are not open)."""
    fee_left = (
        select(func.coalesce(func.sum(LateFee.amount), ZERO))
        .where(LateFee.bill_id == CreditNote.bill_id)
        .scalar_subquery()
    ) - (
        select(func.coalesce(func.sum(Allocation.amount), ZERO))
        .where(Allocation.bill_id == CreditNote.bill_id, Allocation.late_fee.is_(True))
        .scalar_subquery()
    )
    items = []
    for note, unpaid_fee in session.execute(
        select(CreditNote, fee_left).where(CreditNote.account_id == account_id)
    ):
        what = "作废" if note.kind == CANCEL else "更正"
        items.append(
            _Item(note.created_at, _CREDIT_NOTE, note.id, note.note_no,
                  f"红字冲销 {note.period} 账单（{what}）：{note.reason}", credit=-note.total)
        )  # fmt: skip
        if unpaid_fee > 0:
            items.append(
                _Item(note.created_at, _CREDIT_NOTE, note.id, note.note_no,
                      f"{note.period} 账单作废，未缴{late_fees.LABEL}不再收取",
                      credit=unpaid_fee)
            )  # fmt: skip
    return items


def _fee_items(session: Session, account_id: int) -> list[_Item]:
    items = []
    for fee, period in session.execute(
        select(LateFee, Bill.period)
        .join(Bill, Bill.id == LateFee.bill_id)
        .where(Bill.account_id == account_id)
    ):
        document = f"{late_fees.LABEL} {period}"
        if fee.kind == CHARGE:
            summary = f"{period} 账单{late_fees.LABEL}（{fee.days} 天）"
            items.append(_Item(fee.created_at, _FEE_CHARGE, fee.id, document, summary,
                               debit=fee.amount))  # fmt: skip
        else:
            summary = f"{period} 账单{late_fees.LABEL}减免：{fee.reason}"
            items.append(_Item(fee.created_at, _FEE_WAIVE, fee.id, document, summary,
                               credit=-fee.amount))  # fmt: skip
    return items


def _payment_items(session: Session, account_id: int) -> list[_Item]:
    """Payments as credits; a voided receipt's payment again as a debit when voided."""
    items = []
    for payment, receipt_no, voided_at, reason in session.execute(
        select(Payment, Receipt.receipt_no, ReceiptVoid.created_at, ReceiptVoid.reason)
        .outerjoin(Receipt, Receipt.payment_id == Payment.id)
        .outerjoin(ReceiptVoid, ReceiptVoid.receipt_id == Receipt.id)
        .where(Payment.account_id == account_id)
    ):
        channel = CHANNEL_LABELS.get(payment.channel, payment.channel)
        document = receipt_no or f"{channel} {payment.reference}".strip()
        items.append(_Item(payment.created_at, _PAYMENT, payment.id, document,
                           f"收款（{channel}）", credit=payment.amount))  # fmt: skip
        if voided_at is not None:
            items.append(_Item(voided_at, _VOID, payment.id, document,
                               f"冲正（收据作废）：{reason}", debit=payment.amount))  # fmt: skip
    return items


def _ledger_items(session: Session, account_id: int) -> list[_Item]:
    """The opening balance, credit adjustments, the deposit released, refunds."""
    items = []
    for entry in session.scalars(
        select(AccountLedgerEntry).where(
            AccountLedgerEntry.account_id == account_id,
            AccountLedgerEntry.kind.in_(("opening", "deposit_release")),
        )
    ):
        if entry.kind == "opening":
            debit, credit = (-entry.amount, None) if entry.amount < 0 else (None, entry.amount)
            items.append(_Item(entry.created_at, _OPENING, entry.id, "开户", "开户期初余额",
                               debit=debit, credit=credit))  # fmt: skip
        else:
            items.append(_Item(entry.created_at, _DEPOSIT_RELEASE, entry.id, "押金",
                               "押金转入余额", credit=entry.amount))  # fmt: skip
    for adjustment in session.scalars(
        select(Adjustment).where(Adjustment.account_id == account_id, Adjustment.amount < 0)
    ):
        items.append(_Item(adjustment.created_at, _CREDIT_ADJUSTMENT, adjustment.id,
                           adjustment.note_no, f"调账（减免）：{adjustment.reason}",
                           credit=-adjustment.amount))  # fmt: skip
    for refund in session.scalars(select(Refund).where(Refund.account_id == account_id)):
        channel = REFUND_CHANNEL_LABELS.get(refund.channel, refund.channel)
        summary = f"退款（{channel}）" + (f"：{refund.reason}" if refund.reason else "")
        items.append(_Item(refund.created_at, _REFUND, refund.id, refund.refund_no, summary,
                           debit=refund.amount))  # fmt: skip
    return items


def _deposit_items(session: Session, account_id: int) -> list[_Item]:
    """The deposit taken into safekeeping or given back by a void: information only (the
    money's way is the deposit bill and its payment); its release is a ledger credit."""
    items = []
    for entry in session.scalars(
        select(DepositLedgerEntry).where(
            DepositLedgerEntry.account_id == account_id,
            DepositLedgerEntry.kind.in_(("paid", "reversed")),
        )
    ):
        what = "押金收存" if entry.kind == "paid" else "押金收存冲回"
        summary = f"{what} {abs(entry.amount):,.2f} 元（另行保管，不计入余额）"
        rank = _DEPOSIT_HELD if entry.kind == "paid" else _VOID
        items.append(_Item(entry.created_at, rank, entry.id, "押金", summary))
    return items
