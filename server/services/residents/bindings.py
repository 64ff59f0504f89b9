"""户号绑定: a resident asks to bind a billing account to their WeChat; a person reviews.

The resident types the 户号 and the holder's name or phone as on record. Whatever the
account table says, the answer is the same ("1 个工作日内审核"): an unknown or mismatched
户号 is stored as a request marked for staff, so nobody can probe which accounts exist or
who holds them. Limits: a resident binds at most the resident class's max_bindings (2); a
user whose matched requests include a class with a larger limit (单位: 10) gets that one.
The limit never depends on the account just typed, so it cannot leak either.

After a move-out (退房结算) the old holder's binding stays, shown as 已退房, so the final bill,
the refund and the statement can still be read and paid online; it no longer counts against
the limit, so the old holder can bind the new home at once. Closing the account (销户,
`close_and_unbind`) ends every binding to it, audited, and tells the resident. The new
holder binds the move-in's own 户号 like anyone.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal

from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from server.db.models import Account, Binding, CustomerClass, WechatUser
from server.db.models.companion import (
    BINDING_APPROVED,
    BINDING_PENDING,
    BINDING_REJECTED,
    BINDING_REVOKED,
)
from server.services.accounts.accounts import (
    AccountView,
    account_by_no,
    address_of,
    close_account,
)
from server.services.core import audit, permissions, ratelimit
from server.services.core.audit import Actor
from server.services.core.calendar import now
from server.services.core.errors import Conflict, DomainError, InvalidInput, NotFound
from server.services.core.ratelimit import Limit
from server.services.core.workdays import binding_due
from server.services.residents import outbox
from server.services.residents.wechat_users import actor_of

ANSWER = "绑定申请已提交，我们将在 1 个工作日内审核，结果会通过公众号通知您。"
LIVE = (BINDING_PENDING, BINDING_APPROVED)
STATUS_LABELS = {
    BINDING_PENDING: "审核中",
    BINDING_APPROVED: "已绑定",
    BINDING_REJECTED: "未通过",
    BINDING_REVOKED: "已解绑",
}
MOVED_OUT_LABEL = "已退房"
DEFAULT_CLASS = "resident"
BIND_PER_USER = Limit("bind:user", 20, timedelta(days=1), "今天提交的绑定申请过多，请明天再试")
BIND_PER_IP = Limit("bind:ip", 30, timedelta(hours=1), "绑定申请过于频繁，请稍后再试")


def _plain(value: str) -> str:
    return re.sub(r"\s+", "", value)


def claim_matches(account: Account, claim: str) -> bool:
    """The typed name or phone is the account's holder or its phone on record."""
    typed = _plain(claim)
    if not typed:
        return False
    if typed == _plain(account.holder_name):
        return True
    digits = re.sub(r"\D", "", typed)
    return bool(account.mobile) and digits == re.sub(r"\D", "", account.mobile)


def binding_limit(session: Session, user_id: int) -> int:
    default = session.scalar(
        select(CustomerClass.max_bindings).where(CustomerClass.code == DEFAULT_CLASS)
    )
    larger = session.scalar(
        select(func.max(CustomerClass.max_bindings))
        .select_from(Binding)
        .join(Account, Account.id == Binding.account_id)
        .join(CustomerClass, CustomerClass.id == Account.customer_class_id)
        .where(Binding.wechat_user_id == user_id, Binding.status.in_(LIVE), Binding.matched)
    )
    return max(default or 2, larger or 0)


def request_binding(
    session: Session, user_id: int, account_no: str, claim: str, client_ip: str
) -> str:
    """File a binding request; returns what the resident is told (always ANSWER)."""
    account_no, claim = account_no.strip(), claim.strip()
    if not account_no or not claim:
        raise InvalidInput("请填写户号和户主姓名或预留手机号")
    if len(account_no) > 32 or len(claim) > 120:
        raise DomainError("户号或户主信息过长，请核对后再填")
    # One request at a time per user, so the limit is counted against settled rows.
    user = session.get(WechatUser, user_id, with_for_update=True)
    if user is None:
        raise NotFound("请重新进入页面")
    if user.phone_verified_at is None:
        raise DomainError("请先用手机号完成注册，再绑定户号")
    ratelimit.hit(session, BIND_PER_USER, str(user_id))
    ratelimit.hit(session, BIND_PER_IP, client_ip)
    # A binding to an account that moved out keeps its bills readable but no longer takes
    # a place: the holder who left binds their new home without unbinding the old one.
    live = session.scalar(
        select(func.count())
        .select_from(Binding)
        .outerjoin(Account, Account.id == Binding.account_id)
        .where(
            Binding.wechat_user_id == user_id,
            Binding.status.in_(LIVE),
            Account.moved_out_on.is_(None),
        )
    )
    limit = binding_limit(session, user_id)
    if (live or 0) >= limit:
        raise DomainError(f"每个微信号最多绑定 {limit} 个户号，您已绑定或申请 {live} 个")
    if session.scalar(
        select(Binding.id).where(
            Binding.wechat_user_id == user_id,
            Binding.account_no == account_no,
            Binding.status.in_(LIVE),
        )
    ):
        raise Conflict(f"户号 {account_no} 已绑定或正在审核，无需重复提交")
    account = session.scalar(select(Account).where(Account.account_no == account_no))
    matched = account is not None and account.active and claim_matches(account, claim)
    binding = Binding(
        wechat_user_id=user_id,
        account_no=account_no,
        claim=claim,
        account_id=account.id if account else None,
        matched=matched,
        status=BINDING_PENDING,
        due_at=binding_due(session, now()),
        reason="",
    )
    session.add(binding)
    session.flush()
    audit.record(
        session,
        actor_of(user.openid),
        "binding.request",
        "binding",
        binding.id,
        {"account_no": account_no, "found": account is not None, "matched": matched},
    )
    return ANSWER


def unbind(session: Session, user_id: int, binding_id: int) -> None:
    """解绑 by the resident (or withdrawing a request still in review): frees the place."""
    binding = session.get(Binding, binding_id, with_for_update=True)
    if binding is None or binding.wechat_user_id != user_id:
        raise NotFound("没有这条绑定记录")
    if binding.status not in LIVE:
        raise DomainError(f"户号 {binding.account_no} {STATUS_LABELS[binding.status]}，无需解绑")
    user = session.get(WechatUser, user_id)
    assert user is not None
    binding.status = BINDING_REVOKED
    binding.reason = "用户解绑"
    session.flush()
    audit.record(
        session,
        actor_of(user.openid),
        "binding.unbind",
        "binding",
        binding.id,
        {"account_no": binding.account_no},
    )


@dataclass(frozen=True)
class ResidentBinding:
    """A binding as its resident sees it: nothing about the account until approved."""

    binding_id: int
    account_no: str
    status: str
    reason: str
    requested_at: datetime
    holder_name: str = ""
    address: str = ""
    moved_out_on: date | None = None

    @property
    def status_label(self) -> str:
        if self.status == BINDING_APPROVED and self.moved_out_on is not None:
            return MOVED_OUT_LABEL
        return STATUS_LABELS[self.status]


_ADDRESS = """
    select a.holder_name, c.name, coalesce(bd.name, ''), a.unit, a.room, a.moved_out_on
    from account a join campus c on c.id = a.campus_id
    left join building bd on bd.id = a.building_id where a.id = :a
"""


def my_bindings(session: Session, user_id: int) -> list[ResidentBinding]:
    rows = session.scalars(
        select(Binding).where(Binding.wechat_user_id == user_id).order_by(Binding.id.desc())
    ).all()
    result = []
    for row in rows:
        holder = address = ""
        moved_out_on = None
        if row.status == BINDING_APPROVED and row.account_id is not None:
            found = session.execute(text(_ADDRESS), {"a": row.account_id}).one()
            holder, address, moved_out_on = found[0], address_of(*found[1:5]), found[5]
        result.append(
            ResidentBinding(
                row.id,
                row.account_no,
                row.status,
                row.reason if row.status == BINDING_REJECTED else "",
                row.created_at,
                holder,
                address,
                moved_out_on,
            )
        )
    return result


def end_bindings(session: Session, actor: Actor, account_id: int, reason: str) -> int:
    """End every live binding to the account (requests in review too), audited; residents
    who were bound are told. Returns how many ended."""
    rows = session.scalars(
        select(Binding)
        .where(Binding.account_id == account_id, Binding.status.in_(LIVE))
        .order_by(Binding.id)
        .with_for_update()
    ).all()
    for binding in rows:
        was = binding.status
        binding.status = BINDING_REVOKED
        binding.reason = reason
        session.flush()
        audit.record(
            session, actor, "binding.end", "binding", binding.id,
            {"account_no": binding.account_no, "was": was, "reason": reason},
        )  # fmt: skip
        if was == BINDING_APPROVED:
            outbox.enqueue(
                session,
                "answer",
                binding.wechat_user_id,
                {
                    "first": f"户号 {binding.account_no} 已解绑",
                    "keyword1": "户号解绑",
                    "keyword2": f"户号 {binding.account_no}：{reason}",
                    "remark": "如已迁入新住处，请在公众号绑定新户号。",
                },
                url="/h5/bindings",
                dedupe_key=f"binding-end:{binding.id}",
            )
    return len(rows)


def close_and_unbind(session: Session, actor: Actor, account_no: str, reason: str) -> AccountView:
    """销户 and the end of its bindings in one transaction: a closed account is read by
    nobody, and its old holder learns why it left their list."""
    view = close_account(session, actor, account_no, reason)
    end_bindings(session, actor, account_by_no(session, view.account_no).id, "户号已销户")
    return view


@dataclass(frozen=True)
class BoundAccount:
    account_id: int
    account_no: str
    holder_name: str
    address: str
    customer_class: str
    # 预付费: the pay page offers a top-up (预存) first and shows the balance.
    prepaid: bool = False
    balance: Decimal = Decimal("0.00")
    # 退房结算 done: shown 已退房, readable until the account is closed.
    moved_out_on: date | None = None


def bound_accounts(session: Session, user_id: int) -> list[BoundAccount]:
    """The accounts a resident may see: approved bindings only."""
    rows = session.execute(
        text(
            """
            select a.id, a.account_no, a.holder_name, c.name, coalesce(bd.name, ''), a.unit,
                   a.room, k.name, a.billing_mode = 'prepaid', a.balance, a.moved_out_on
            from binding b join account a on a.id = b.account_id
            join campus c on c.id = a.campus_id
            join customer_class k on k.id = a.customer_class_id
            left join building bd on bd.id = a.building_id
            where b.wechat_user_id = :u and b.status = 'approved' and a.active
            order by a.account_no
            """
        ),
        {"u": user_id},
    ).all()
    return [BoundAccount(r[0], r[1], r[2], address_of(*r[3:7]), *r[7:11]) for r in rows]


def bound_account(session: Session, user_id: int, account_id: int) -> BoundAccount:
    for account in bound_accounts(session, user_id):
        if account.account_id == account_id:
            return account
    raise NotFound("该户号未绑定到您的微信")


# --- the desk side -------------------------------------------------------------------------


@dataclass(frozen=True)
class PendingBinding:
    binding_id: int
    requested_at: datetime
    due_at: datetime
    openid: str
    phone: str
    account_no: str
    claim: str
    found: bool
    matched: bool
    holder_name: str
    account_mobile: str
    customer_class: str
    live_bindings: int
    account_active: bool = True

    def overdue(self, moment: datetime) -> bool:
        return moment > self.due_at

    @property
    def mismatch(self) -> str:
        """What differs between the claim and the record; empty when they match."""
        if self.matched:
            return ""
        return mismatch_text(
            self.claim, self.found, self.account_active, self.holder_name, self.account_mobile
        )


def mismatch_text(claim: str, found: bool, active: bool, holder_name: str, mobile: str) -> str:
    """The reviewer's line for a claim that is not the account's holder or phone."""
    if not found:
        return "户号不存在"
    if not active:
        return "该户号已停用"
    on_record = f"预留手机“{mobile}”" if mobile else "该户未预留手机"
    return f"填写的“{claim}”与户主“{holder_name}”、{on_record}都不一致"


def pending_bindings(session: Session) -> list[PendingBinding]:
    """The review queue, oldest deadline first, with what the reviewer needs to decide."""
    rows = session.execute(
        text(
            """
            select b.id, b.created_at, b.due_at, u.openid, u.phone, b.account_no, b.claim,
                   b.account_id is not null, b.matched, coalesce(a.holder_name, ''),
                   coalesce(a.mobile, ''), coalesce(k.name, ''),
                   (select count(*) from binding o where o.wechat_user_id = b.wechat_user_id
                      and o.status in ('pending', 'approved')),
                   coalesce(a.active, false)
            from binding b join wechat_user u on u.id = b.wechat_user_id
            left join account a on a.id = b.account_id
            left join customer_class k on k.id = a.customer_class_id
            where b.status = 'pending'
            order by b.due_at, b.id
            """
        )
    ).all()
    return [PendingBinding(*row) for row in rows]


def _pending(session: Session, binding_id: int) -> Binding:
    binding = session.get(Binding, binding_id, with_for_update=True)
    if binding is None:
        raise NotFound(f"绑定申请 {binding_id} 不存在")
    if binding.status != BINDING_PENDING:
        raise DomainError(
            f"绑定申请 {binding_id} 已处理（{STATUS_LABELS[binding.status]}），不能再审核"
        )
    return binding


def approve_binding(session: Session, actor: Actor, binding_id: int, note: str = "") -> None:
    """Approve a request. One whose claim does not match the record opens another
    resident's bills to this user, so it needs the reviewer's note of how it was checked
    (the note is audited); every client goes through here, so none can skip it."""
    permissions.require(session, actor, "service")
    binding = _pending(session, binding_id)
    if binding.account_id is None:
        raise DomainError(f"户号 {binding.account_no} 不存在，只能驳回")
    note = note.strip()
    if not binding.matched and not note:
        account = session.get(Account, binding.account_id)
        assert account is not None
        differs = mismatch_text(
            binding.claim, True, account.active, account.holder_name, account.mobile or ""
        )
        raise DomainError(
            f"户号 {binding.account_no} 核对不一致（{differs}），须填写核实说明才能通过"
        )
    if len(note) > 200:
        raise DomainError("核实说明最多 200 字")
    binding.status = BINDING_APPROVED
    binding.reviewed_by_id = actor.staff_id
    binding.reviewed_at = now()
    session.flush()
    details: dict[str, object] = {"account_no": binding.account_no, "matched": binding.matched}
    if note:
        details["note"] = note
    audit.record(session, actor, "binding.approve", "binding", binding.id, details)
    outbox.enqueue(
        session,
        "answer",
        binding.wechat_user_id,
        {
            "first": "您的户号绑定申请已通过",
            "keyword1": "户号绑定",
            "keyword2": f"户号 {binding.account_no} 已绑定",
            "remark": "现在可以查询用量、查看缴款通知单和自助抄表。",
        },
        url="/h5/usage",
        dedupe_key=f"binding:{binding.id}",
    )


def reject_binding(session: Session, actor: Actor, binding_id: int, reason: str) -> None:
    permissions.require(session, actor, "service")
    reason = reason.strip()
    if not reason:
        raise InvalidInput("驳回绑定申请须填写原因（会告知用户）")
    binding = _pending(session, binding_id)
    binding.status = BINDING_REJECTED
    binding.reason = reason[:200]
    binding.reviewed_by_id = actor.staff_id
    binding.reviewed_at = now()
    session.flush()
    audit.record(
        session,
        actor,
        "binding.reject",
        "binding",
        binding.id,
        {"account_no": binding.account_no, "reason": binding.reason},
    )
    outbox.enqueue(
        session,
        "answer",
        binding.wechat_user_id,
        {
            "first": "您的户号绑定申请未通过",
            "keyword1": "户号绑定",
            "keyword2": f"户号 {binding.account_no}：{binding.reason}",
            "remark": "如有疑问请致电所在校区分中心。",
        },
        url="/h5/bindings",
        dedupe_key=f"binding:{binding.id}",
    )
