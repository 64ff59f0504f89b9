"""Bill corrections: cancel (作废账单) and rebill (更正账单), each with a numbered credit
note (红字冲销, HZ<year><seq>) that negates every line of the bill it cancels.

What the cancelled bill had been paid (allocations and balance drawn, bills.paid_on_bill)
goes to the account balance (ledger 'credit_note'), so its paid total becomes 0 and the
bill is void. A rebill then issues the replacement from the readings and tariffs in force
now, which draws on that balance like any bill; a cancel lets the credit pay the account's
other open bills. What stays positive is the holder's credit (refundable, 退款).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from server.db.models import Account, Bill
from server.db.models.accounts import PREPAID
from server.db.models.billing import BILL_VOID, DEPOSIT, FINAL, REGULAR
from server.db.models.corrections import CANCEL, REBILL, CreditNote
from server.services.billing.account_bills import PricedBill, draft_account_bill, issue_bill
from server.services.billing.adjustments import (
    approver_label,
    correctable_account,
    correction_reason,
)
from server.services.billing.balances import draw_credit, move_balance
from server.services.billing.bill_views import BillLineView, BillMeterView, BillView
from server.services.billing.bills import OPEN_STATUSES, bill_detail, paid_on_bill
from server.services.core import approval, audit, calendar, numbering, permissions
from server.services.core.audit import Actor
from server.services.core.calendar import Period
from server.services.core.errors import Conflict, NotFound
from server.services.core.money import ZERO
from server.services.metering.usage_rules import quantity_text

# The bills a rebill or cancel finds by account and period: a debit adjustment is undone by
# a credit adjustment, a deposit given back at move-out.
CORRECTABLE_KINDS = (REGULAR, FINAL)
# The status a rebill's replacement shows in the preview, not yet issued.
DRAFT = "draft"


def _target_bill(session: Session, account: Account, period: Period) -> Bill:
    """The account's one non-void regular or final bill of the period, with its lines and
    meters."""
    bills = session.scalars(
        select(Bill)
        .where(
            Bill.account_id == account.id,
            Bill.period == str(period),
            Bill.kind.in_(CORRECTABLE_KINDS),
        )
        .options(selectinload(Bill.lines), selectinload(Bill.meters))
        .order_by(Bill.id)
    ).all()
    live = [bill for bill in bills if bill.status != BILL_VOID]
    where = f"户号 {account.account_no} 账期 {period}"
    if not live:
        if bills:
            note = session.scalar(
                select(CreditNote.note_no).where(CreditNote.bill_id == bills[-1].id)
            )
            raise Conflict(f"{where} 的账单已作废（红字冲销 {note}）")
        raise NotFound(f"{where} 没有账单")
    if len(live) > 1:
        raise Conflict(f"{where} 有 {len(live)} 张账单，请在账务管理页逐张处理")
    return live[0]


def _negated_lines(bill: Bill) -> list[dict[str, Any]]:
    return [
        {
            "kind": line.kind,
            "component": line.component,
            "usage": quantity_text(-line.usage) if line.usage else "0",
            "amount": str(-line.amount),
            "note": line.note,
        }
        for line in bill.lines
    ]


@dataclass(frozen=True)
class _Voided:
    note_no: str
    paid_moved: Decimal


def _void_bill(session: Session, account: Account, bill: Bill, year: int) -> _Voided:
    """Give what `bill` was paid to the balance and mark it void; its credit note's number."""
    paid = session.scalar(select(paid_on_bill()).where(Bill.id == bill.id)) or ZERO
    note_no = numbering.next_office_number(session, numbering.CREDIT_NOTE, year)
    if paid != 0:
        move_balance(session, account.id, paid, "credit_note", None,
                     f"{note_no} 红字冲销 {bill.period}", bill.id)  # fmt: skip
    bill.status = BILL_VOID
    session.flush()
    return _Voided(note_no, paid)


def _credit_note(
    session: Session, actor: Actor, bill: Bill, voided: _Voided, kind: str, reason: str,
    approved_by_id: int | None, replacement_id: int | None = None,
) -> None:  # fmt: skip
    session.add(
        CreditNote(
            note_no=voided.note_no,
            kind=kind,
            account_id=bill.account_id,
            bill_id=bill.id,
            replacement_bill_id=replacement_id,
            period=bill.period,
            total=-bill.total,
            lines=_negated_lines(bill),
            paid_moved=voided.paid_moved,
            reason=reason,
            staff_id=actor.staff_id,
            actor=actor.label,
            approved_by_id=approved_by_id,
        )
    )
    session.flush()


def waive_unpaid_bill(session: Session, actor: Actor, bill: Bill, reason: str) -> str:
    """Void a bill whose unpaid rest is owed no more (a deposit still unpaid at move-out)
    with a credit note of that rest; what was paid on it stays where it went (a deposit's
    payment is held apart). Returns the credit note's number."""
    unpaid = bill.total - (session.scalar(select(paid_on_bill()).where(Bill.id == bill.id)) or ZERO)
    note_no = numbering.next_office_number(session, numbering.CREDIT_NOTE, calendar.now().year)
    lines = (
        _negated_lines(bill)
        if unpaid == bill.total
        else [{"kind": bill.lines[0].kind if bill.lines else bill.kind, "component": "未缴部分",
               "usage": "0", "amount": str(-unpaid), "note": ""}]
    )  # fmt: skip
    bill.status = BILL_VOID
    session.add(
        CreditNote(
            note_no=note_no, kind=CANCEL, account_id=bill.account_id, bill_id=bill.id,
            period=bill.period, total=-unpaid, lines=lines, paid_moved=ZERO, reason=reason,
            staff_id=actor.staff_id, actor=actor.label,
        )
    )  # fmt: skip
    session.flush()
    return note_no


def _balance(session: Session, account_id: int) -> Decimal:
    return session.scalar(select(Account.balance).where(Account.id == account_id)) or ZERO


@dataclass(frozen=True)
class CancelResult:
    credit_note_no: str
    account_no: str
    period: str
    bill_id: int
    total: Decimal
    paid_moved: Decimal
    # What the moved credit paid at once on the account's other open bills (postpaid).
    drawn: Decimal
    balance: Decimal
    approved_by: str

    def as_json(self) -> dict[str, Any]:
        return {
            "credit_note_no": self.credit_note_no,
            "account_no": self.account_no,
            "period": self.period,
            "bill_id": self.bill_id,
            "total": str(self.total),
            "credit_note_total": str(-self.total),
            "paid_moved": str(self.paid_moved),
            "drawn": str(self.drawn),
            "balance": str(self.balance),
            "approved_by": self.approved_by,
        }


def cancel_bill(
    session: Session,
    actor: Actor,
    account_no: str,
    period: Period,
    reason: str,
    *,
    approval_limit: Decimal | None,
    approver: Actor | None,
) -> CancelResult:
    """作废账单: the account's bill of the period (regular or final) cancelled by a credit
    note, without replacement; above `approval_limit` (the bill's total) another manager
    approves."""
    permissions.require_manager(session, actor, "作废账单")
    where = f"户号 {account_no} 账期 {period}"
    reason = correction_reason(reason, f"作废{where} 的账单")
    account, _ = correctable_account(session, account_no)
    bill = _target_bill(session, account, period)
    approved_by_id = approval.check_approval(session, actor, approver, bill.total, approval_limit)
    voided = _void_bill(session, account, bill, calendar.now().year)
    _credit_note(session, actor, bill, voided, CANCEL, reason, approved_by_id)
    drawn = draw_credit(session, account)
    audit.record(
        session, actor, "bill.cancel", "credit_note", voided.note_no,
        {"account_no": account.account_no, "period": str(period), "bill_id": bill.id,
         "total": str(bill.total), "paid_moved": str(voided.paid_moved), "reason": reason,
         "approved_by_id": approved_by_id},
    )  # fmt: skip
    return CancelResult(
        credit_note_no=voided.note_no,
        account_no=account.account_no,
        period=str(period),
        bill_id=bill.id,
        total=bill.total,
        paid_moved=voided.paid_moved,
        drawn=drawn,
        balance=_balance(session, account.id),
        approved_by=approver_label(session, approved_by_id),
    )


def _covers(bill: Bill) -> tuple[date, date] | None:
    return (bill.covers_from, bill.covers_to) if bill.covers_from and bill.covers_to else None


def _replacement(session: Session, account: Account, bill: Bill) -> tuple[PricedBill, bool]:
    """The replacement of `bill` from the readings and tariffs now in force, and whether it
    is the same bill (same meters and readings, same lines). Refused when a meter of the old
    bill cannot be billed now (its corrected reading held for review, say)."""
    priced = draft_account_bill(
        session, account.id, Period.parse(bill.period), covers=_covers(bill), replacing=bill.id
    )
    billed = {m.meter_no for m in priced.meters}
    reasons = {s.meter_no: s.label for s in priced.skipped}
    missing = [m.meter_no for m in bill.meters if m.meter_no not in billed]
    if missing:
        named = "、".join(f"{no}（{reasons.get(no, '本期无用量')}）" for no in missing)
        raise Conflict(
            f"户号 {account.account_no} 账期 {bill.period} 的表计 {named}更正后不能出账，"
            "请先处理读数再更正"
        )
    same = [(m.meter_no, m.prev, m.curr, m.usage) for m in bill.meters] == [
        (m.meter_no, m.prev, m.curr, m.usage) for m in priced.meters
    ] and [(x.kind, x.component, x.usage, x.amount, x.note) for x in bill.lines] == [
        (x.kind, x.component, x.usage, x.amount, x.note) for x in priced.lines
    ]
    return priced, same


def _draft_view(old: BillView, priced: PricedBill) -> BillView:
    """The replacement as a bill view beside `old` (holder and address as on it)."""
    return replace(
        old,
        bill_id=0,
        total=priced.total,
        status=DRAFT,
        meters=tuple(
            BillMeterView(m.meter_no, m.kind, m.prev, m.curr, m.usage, m.estimated)
            for m in priced.meters
        ),
        lines=tuple(
            BillLineView(x.kind, x.component, x.usage, x.amount, x.note) for x in priced.lines
        ),
    )


def _settled_after(
    session: Session, account: Account, bill: Bill, paid: Decimal, new_total: Decimal
) -> tuple[Decimal, Decimal]:
    """(owed on the replacement, balance) once `bill` is cancelled and replaced: the paid
    amount goes to the balance, a prepaid replacement draws its whole total, a postpaid
    account's credit pays its open bills oldest first, the replacement last of its period
    (as balances.draw_credit will)."""
    balance = account.balance + paid
    if account.billing_mode == PREPAID or new_total <= 0:
        return ZERO, balance - new_total
    others = session.execute(
        select(Bill.period, Bill.id, Bill.total - paid_on_bill()).where(
            Bill.account_id == account.id,
            Bill.status.in_(OPEN_STATUSES),
            Bill.kind != DEPOSIT,  # paid in money only, as draw_credit knows
            Bill.id != bill.id,
        )
    ).all()
    newest = max((row[1] for row in others), default=0) + 1
    owed = new_total
    for _period, bill_id, open_amount in sorted([*others, (bill.period, newest, new_total)]):
        take = min(max(balance, ZERO), open_amount)
        balance -= take
        if bill_id == newest:
            owed -= take
    return owed, balance


@dataclass(frozen=True)
class RebillPreview:
    """The bill and its replacement side by side, before a rebill is confirmed.

    `new` is a draft: bill_id 0, status 'draft'. `owed` is what the replacement would still
    owe and `credit_left` the credit the account would keep (balance, if positive).
    `unchanged`: the replacement is the same bill, so a rebill would be refused.
    """

    account_no: str
    period: str
    old: BillView
    new: BillView
    difference: Decimal
    paid: Decimal
    owed: Decimal
    credit_left: Decimal
    unchanged: bool

    def as_json(self) -> dict[str, Any]:
        return {
            "account_no": self.account_no,
            "period": self.period,
            "old": self.old.as_json(),
            "new": self.new.as_json(),
            "difference": str(self.difference),
            "paid": str(self.paid),
            "owed": str(self.owed),
            "credit_left": str(self.credit_left),
            "unchanged": self.unchanged,
        }


def rebill_preview(session: Session, account_no: str, period: Period) -> RebillPreview:
    """What `rebill_bill` would do, writing nothing: the desktop's side-by-side view."""
    account = session.scalar(select(Account).where(Account.account_no == account_no.strip()))
    if account is None:
        raise NotFound(f"户号 {account_no} 不存在")
    bill = _target_bill(session, account, period)
    priced, same = _replacement(session, account, bill)
    paid = session.scalar(select(paid_on_bill()).where(Bill.id == bill.id)) or ZERO
    owed, balance = _settled_after(session, account, bill, paid, priced.total)
    old = bill_detail(session, bill.id)
    return RebillPreview(
        account_no=account.account_no,
        period=str(period),
        old=old,
        new=_draft_view(old, priced),
        difference=priced.total - bill.total,
        paid=paid,
        owed=owed,
        credit_left=max(balance, ZERO),
        unchanged=same,
    )


@dataclass(frozen=True)
class RebillResult:
    credit_note_no: str
    account_no: str
    period: str
    old_bill_id: int
    new_bill_id: int
    old_total: Decimal
    new_total: Decimal
    paid_moved: Decimal
    # What the replacement still owes, and the account's balance afterwards.
    owed: Decimal
    balance: Decimal
    approved_by: str

    @property
    def difference(self) -> Decimal:
        return self.new_total - self.old_total

    @property
    def credit_left(self) -> Decimal:
        return max(self.balance, ZERO)

    def as_json(self) -> dict[str, Any]:
        return {
            "credit_note_no": self.credit_note_no,
            "account_no": self.account_no,
            "period": self.period,
            "old_bill_id": self.old_bill_id,
            "new_bill_id": self.new_bill_id,
            "old_total": str(self.old_total),
            "new_total": str(self.new_total),
            "difference": str(self.difference),
            "paid_moved": str(self.paid_moved),
            "owed": str(self.owed),
            "credit_left": str(self.credit_left),
            "balance": str(self.balance),
            "approved_by": self.approved_by,
        }


def rebill_bill(
    session: Session,
    actor: Actor,
    account_no: str,
    period: Period,
    reason: str,
    *,
    approval_limit: Decimal | None,
    approver: Actor | None,
) -> RebillResult:
    """更正账单: the account's bill of the period cancelled by a credit note and replaced
    from the readings and tariffs now in force; what it was paid pays the replacement, any
    excess stays as credit. Refused when the replacement would be the same bill; above
    `approval_limit` (the difference) another manager approves."""
    permissions.require_manager(session, actor, "更正账单")
    where = f"户号 {account_no} 账期 {period}"
    reason = correction_reason(reason, f"更正{where} 的账单")
    account, _ = correctable_account(session, account_no)
    bill = _target_bill(session, account, period)
    priced, same = _replacement(session, account, bill)
    if same:
        raise Conflict(f"{where} 更正后金额不变（读数与价格均无变化），无需更正")
    difference = priced.total - bill.total
    approved_by_id = approval.check_approval(session, actor, approver, difference, approval_limit)
    voided = _void_bill(session, account, bill, calendar.now().year)
    new_id = issue_bill(session, actor, account.id, priced, kind=bill.kind, replaces_id=bill.id,
                        covers=_covers(bill))  # fmt: skip
    _credit_note(session, actor, bill, voided, REBILL, reason, approved_by_id, new_id)
    paid_new = session.scalar(select(paid_on_bill()).where(Bill.id == new_id)) or ZERO
    audit.record(
        session, actor, "bill.rebill", "credit_note", voided.note_no,
        {"account_no": account.account_no, "period": str(period), "old_bill_id": bill.id,
         "new_bill_id": new_id, "old_total": str(bill.total), "new_total": str(priced.total),
         "paid_moved": str(voided.paid_moved), "reason": reason,
         "approved_by_id": approved_by_id},
    )  # fmt: skip
    return RebillResult(
        credit_note_no=voided.note_no,
        account_no=account.account_no,
        period=str(period),
        old_bill_id=bill.id,
        new_bill_id=new_id,
        old_total=bill.total,
        new_total=priced.total,
        paid_moved=voided.paid_moved,
        owed=priced.total - paid_new,
        balance=_balance(session, account.id),
        approved_by=approver_label(session, approved_by_id),
    )
