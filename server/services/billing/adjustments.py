"""Adjustments (调账): a numbered debit or credit on an account, with a reason.

A debit (amount > 0, e.g. 表封损坏赔偿) is owed through a bill of its own (kind 'adjustment',
one line, no tariff) in the current business period: a prepaid account's balance pays it at
once, a postpaid account's credit pays it if it has some. A credit (amount < 0, e.g. 好意减免)
goes to the balance, and on a postpaid account pays its open bills at once, oldest first.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from server.db.models import Account, Bill, Staff
from server.db.models.billing import ADJUSTMENT
from server.db.models.corrections import Adjustment
from server.services.billing.account_bills import DraftLine, PricedBill, issue_bill
from server.services.billing.balances import draw_credit, lock_account, move_balance
from server.services.billing.bills import paid_on_bill
from server.services.core import approval, audit, calendar, numbering, permissions
from server.services.core.audit import Actor
from server.services.core.calendar import Period
from server.services.core.errors import Conflict, InvalidInput
from server.services.core.money import ZERO, money_of

# What a bill line's component holds (the reason, cut to fit).
_COMPONENT_LENGTH = 120
_REASON_LENGTH = 200


def correction_reason(reason: str, what: str) -> str:
    """The reason a correction is made, required and at most 200 characters; `what` names
    the act (更正账单 / 作废账单 / 调账) and where, for the refusal."""
    reason = reason.strip()
    if not reason:
        raise InvalidInput(f"{what}须填写原因")
    if len(reason) > _REASON_LENGTH:
        raise InvalidInput(f"{what}原因过长（{len(reason)} 字，最多 {_REASON_LENGTH} 字）")
    return reason


def correctable_account(session: Session, account_no: str) -> tuple[Account, str]:
    """The account locked for a correction (see balances.lock_account) with its address; a
    closed account (销户) takes no more bills or credits."""
    account, address, _ = lock_account(session, account_no)
    if not account.active:
        raise Conflict(f"户号 {account.account_no} 已销户")
    return account, address


def signed_amount(value: object) -> Decimal:
    """A debit (+) or credit (−) in yuan, as typed: ±X with at most 2 decimals, not zero."""
    text = str(value).strip()
    amount = money_of(text[1:] if text[:1] in ("+", "-") else text, "调账金额")
    return -amount if text.startswith("-") else amount


@dataclass(frozen=True)
class AdjustmentResult:
    note_no: str
    account_no: str
    amount: Decimal
    reason: str
    # The debit's bill (kind 'adjustment'); None for a credit.
    bill_id: int | None
    period: str
    # What the account's credit paid at once: the debit's bill, or open bills by a credit.
    drawn: Decimal
    # What the debit's bill still owes.
    owed: Decimal
    balance: Decimal
    approved_by: str

    def as_json(self) -> dict[str, Any]:
        return {
            "note_no": self.note_no,
            "account_no": self.account_no,
            "amount": str(self.amount),
            "reason": self.reason,
            "bill_id": self.bill_id,
            "period": self.period,
            "drawn": str(self.drawn),
            "owed": str(self.owed),
            "balance": str(self.balance),
            "approved_by": self.approved_by,
        }


def approver_label(session: Session, staff_id: int | None) -> str:
    return (
        ""
        if staff_id is None
        else session.scalar(select(Staff.name).where(Staff.id == staff_id)) or ""
    )


def adjust_account(
    session: Session,
    actor: Actor,
    account_no: str,
    amount: Decimal,
    reason: str,
    *,
    approval_limit: Decimal | None,
    approver: Actor | None,
) -> AdjustmentResult:
    """调账: a debit (amount > 0) owed on its own bill, or a credit (amount < 0) to the
    balance; numbered TZ<year><seq>. Above `approval_limit` another manager approves."""
    permissions.require_manager(session, actor, "调账")
    if amount == 0:
        raise InvalidInput(f"户号 {account_no} 调账金额不能为 0")
    reason = correction_reason(reason, f"户号 {account_no} 调账")
    approved_by_id = approval.check_approval(session, actor, approver, amount, approval_limit)
    account, _ = correctable_account(session, account_no)
    today = calendar.now()
    period = Period.of(today)
    note_no = numbering.next_office_number(session, numbering.ADJUSTMENT, today.year)
    bill_id = None
    if amount > 0:
        line = DraftLine(ADJUSTMENT, reason[:_COMPONENT_LENGTH], Decimal(0), amount, None, note_no)
        priced = PricedBill(account.id, period, None, (), (line,), amount)
        bill_id = issue_bill(session, actor, account.id, priced, kind=ADJUSTMENT)
        drawn = session.scalar(select(paid_on_bill()).where(Bill.id == bill_id)) or ZERO
    else:
        move_balance(session, account.id, -amount, "adjustment", None,
                     f"{note_no} 调账 {reason}"[:_REASON_LENGTH])  # fmt: skip
        drawn = draw_credit(session, account)
    session.add(
        Adjustment(
            note_no=note_no,
            account_id=account.id,
            amount=amount,
            bill_id=bill_id,
            reason=reason,
            staff_id=actor.staff_id,
            actor=actor.label,
            approved_by_id=approved_by_id,
        )
    )
    session.flush()
    balance = session.scalar(select(Account.balance).where(Account.id == account.id))
    assert balance is not None
    audit.record(
        session, actor, "account.adjust", "adjustment", note_no,
        {"account_no": account.account_no, "amount": str(amount), "reason": reason,
         "bill_id": bill_id, "approved_by_id": approved_by_id},
    )  # fmt: skip
    return AdjustmentResult(
        note_no=note_no,
        account_no=account.account_no,
        amount=amount,
        reason=reason,
        bill_id=bill_id,
        period=str(period),
        drawn=drawn,
        owed=amount - drawn if bill_id is not None else ZERO,
        balance=balance,
        approved_by=approver_label(session, approved_by_id),
    )
