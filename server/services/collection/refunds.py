"""Refunds (退款): credit on an account's balance paid back to the holder at a counter.

A manager decides a refund (`actor`, permissions.require_manager) and a clerk pays it out
(`clerk`): in cash from the clerk's open till of today (its expected cash falls by the
amount, and the day's report lists it), or by bank transfer, listed on the clerk's day too
when a till is open. Only credit is refunded — never more than the positive balance; a
deposit reaches the balance first, when it is released at move-out
(server.services.collection.deposits).

The refund takes the balance down through the ledger (kind 'refund') and is a numbered
document (TK<branch><year><seq>, gap-free per branch and year like receipts) that copies what
its paper form (`reports.refund`) shows. Lock order as for payments: till → account → counter.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from reports.refund import RefundData, render_refund
from server.db.models import Branch, Refund, Staff, TillSession
from server.db.models.corrections import REFUND_CHANNELS
from server.db.models.payments import CASH
from server.services.billing.balances import lock_account, move_balance
from server.services.collection import till
from server.services.collection.references import insert_once
from server.services.core import audit, permissions
from server.services.core.approval import check_approval
from server.services.core.audit import Actor
from server.services.core.calendar import BUSINESS_TZ
from server.services.core.errors import Conflict, DomainError, InvalidInput, NotFound
from server.services.core.money import ZERO, money_of
from server.services.core.numbering import REFUND, next_number
from server.services.staff.sign_in import staff_label

REFUND_CHANNEL_LABELS = {"cash": "现金", "transfer": "转账"}
_CHANNEL_NAMES = {
    **{code: code for code in REFUND_CHANNELS},
    **{label: code for code, label in REFUND_CHANNEL_LABELS.items()},
    "银行转账": "transfer",
}


@dataclass(frozen=True)
class RefundResult:
    refund_no: str
    account_no: str
    amount: Decimal
    channel: str
    balance_after: Decimal
    # The till it went through: always for cash; for a transfer, the clerk's open till.
    till_id: int | None

    def as_json(self) -> dict[str, Any]:
        return {
            "refund_no": self.refund_no,
            "account_no": self.account_no,
            "amount": str(self.amount),
            "channel": self.channel,
            "balance_after": str(self.balance_after),
            "till_id": self.till_id,
        }


def refund_channel(text: str) -> str:
    channel = _CHANNEL_NAMES.get(text.strip())
    if channel is None:
        raise InvalidInput(f"退款方式应为 cash（现金）或 transfer（转账），收到「{text}」")
    return channel


def _checked_text(reference: str, bank: str, reason: str, channel: str) -> tuple[str, str, str]:
    reference, bank, reason = reference.strip(), bank.strip(), reason.strip()
    if channel == CASH and (reference or bank):
        raise InvalidInput("现金退款不登记银行或流水号；转账退款请选择 transfer")
    if len(reference) > 64 or len(bank) > 60:
        raise DomainError(f"转账流水号或银行名称过长：「{reference}」「{bank}」")
    if len(reason) > 200:
        raise DomainError(f"退款原因过长（{len(reason)} 字，最多 200 字）")
    return reference, bank, reason


# On uq_refund_reference: a transfer's bank serial is refunded once.
_INSERT_REFUND = insert_once(Refund, "channel", "reference")


def _serial_refunded(session: Session, channel: str, reference: str) -> Conflict | None:
    """The refusal of a bank serial refunded before, if it was."""
    earlier = session.scalar(
        select(Refund.refund_no).where(Refund.channel == channel, Refund.reference == reference)
    )
    if earlier is None:
        return None
    return Conflict(f"转账流水号 {reference} 已用于退款单 {earlier}，不能重复退款")


def _till_and_branch(session: Session, clerk: Actor, channel: str) -> tuple[int | None, Branch]:
    """The till the refund goes through and the branch it is made at (the clerk's)."""
    if clerk.staff_id is None:
        raise DomainError(f"{clerk.label} 不是工作人员，不能经办退款")
    if channel == CASH:
        till_id = till.till_for_payment(session, clerk, "退款")
        branch_id = session.scalar(select(TillSession.branch_id).where(TillSession.id == till_id))
    else:
        view = till.till_if_open(session, clerk.staff_id)
        till_id = None if view is None else view.till_id
        branch_id = (
            view.branch_id
            if view is not None
            else clerk.branch_id
            or session.scalar(select(Staff.branch_id).where(Staff.id == clerk.staff_id))
        )
    branch = None if branch_id is None else session.get(Branch, branch_id)
    if branch is None:
        raise DomainError(f"{clerk.label} 未指定所属分中心，不能经办退款")
    return till_id, branch


def refund_balance(
    session: Session,
    actor: Actor,
    account_no: str,
    amount: Decimal,
    channel: str,
    *,
    clerk: Actor,
    reference: str = "",
    bank: str = "",
    reason: str = "",
    approval_limit: Decimal | None = None,
    approver: Actor | None = None,
) -> RefundResult:
    """Pay `amount` of the account's credit back to the holder (see the module's doc).

    `actor` authorizes (a manager), `clerk` pays out; above `approval_limit` a second
    manager (`approver`) must approve. Refuses more than the positive balance, a cash refund
    without the clerk's open till of today, and a transfer serial already refunded.
    """
    permissions.require_manager(session, actor, "退款")
    permissions.require(session, clerk, "counter")
    channel = refund_channel(channel)
    value = money_of(amount, "退款金额")
    reference, bank, reason = _checked_text(reference, bank, reason, channel)
    approved_by = check_approval(session, actor, approver, value, approval_limit)
    refused = _serial_refunded(session, channel, reference) if reference else None
    if refused is not None:
        raise refused
    till_id, branch = _till_and_branch(session, clerk, channel)
    account, address, now = lock_account(session, account_no)
    available = max(account.balance, ZERO)
    if value > available:
        raise InvalidInput(
            f"退款金额 {value} 元超过可退余额 {available} 元（户号 {account.account_no}）"
        )
    refund_no = next_number(
        session, REFUND, branch.id, branch.code, now.astimezone(BUSINESS_TZ).year
    )
    balance = move_balance(session, account.id, -value, "refund", None, f"退款单 {refund_no}")
    assert clerk.staff_id is not None  # _till_and_branch refused otherwise
    refund_id = session.execute(
        _INSERT_REFUND,
        {
            "refund_no": refund_no,
            "account_id": account.id,
            "account_no": account.account_no,
            "holder_name": account.holder_name,
            "address": address,
            "amount": value,
            "channel": channel,
            "reference": reference,
            "bank": bank,
            "branch_id": branch.id,
            "branch_name": branch.name,
            "till_session_id": till_id,
            "clerk_id": clerk.staff_id,
            "clerk": clerk.label,
            "staff_id": actor.staff_id,
            "actor": actor.label,
            "approved_by_id": approved_by,
            "reason": reason,
            "created_at": now,
        },
    ).scalar()
    if refund_id is None:
        # Another counter refunded the same serial since the check above (this insert
        # waited for its commit): refused like a serial refunded long ago.
        refused = _serial_refunded(session, channel, reference)
        assert refused is not None  # the index conflicted with a committed refund
        raise refused
    audit.record(
        session,
        actor,
        "refund.issue",
        "refund",
        refund_id,
        {
            "refund_no": refund_no,
            "account_no": account.account_no,
            "amount": str(value),
            "channel": channel,
            "reference": reference,
            "clerk": clerk.label,
            "approved_by": approved_by,
            "reason": reason,
        },
    )
    return RefundResult(refund_no, account.account_no, value, channel, balance, till_id)


def refund_by_no(session: Session, refund_no: str) -> Refund:
    refund = session.scalar(select(Refund).where(Refund.refund_no == refund_no.strip()))
    if refund is None:
        raise NotFound(f"退款单 {refund_no} 不存在")
    return refund


def _staff_name(session: Session, staff_id: int | None) -> str:
    if staff_id is None:
        return ""
    row = session.execute(select(Staff.login, Staff.name).where(Staff.id == staff_id)).one()
    return staff_label(*row)


def refund_view(session: Session, refund_no: str) -> RefundData:
    """The refund form as it was made."""
    refund = refund_by_no(session, refund_no)
    return RefundData(
        refund_no=refund.refund_no,
        branch_name=refund.branch_name,
        account_no=refund.account_no,
        holder_name=refund.holder_name,
        address=refund.address,
        amount=refund.amount,
        channel=REFUND_CHANNEL_LABELS[refund.channel],
        clerk=refund.clerk,
        authorized_by=refund.actor,
        issued_at=refund.created_at.astimezone(BUSINESS_TZ),
        reference=refund.reference,
        bank=refund.bank,
        reason=refund.reason,
        approved_by=_staff_name(session, refund.approved_by_id),
    )


def refund_pdf(session: Session, refund_no: str) -> tuple[str, str, bytes]:
    """The refund form as `(filename, mimetype, bytes)`."""
    return render_refund(refund_view(session, refund_no))
