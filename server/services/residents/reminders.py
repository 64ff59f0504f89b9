"""Reminders (催缴) and low-balance alerts, sent by themselves on a schedule.

A customer class's policy (the `reminder_policy` row with the latest effective_from on or
before the day) lists the days after the due date on which an overdue account is reminded,
e.g. [3, 10, 20]. An account's cycle is the due date of its oldest overdue bill: on step day
N of it (or, when the job could not send that day, the next time it may) the account gets
one reminder with what it owes and the pay link, as a template message to every bound
resident who follows the official account, or by SMS to the account's mobile when none
does. Steps passed over (the job was off, a long holiday) are not sent late one by one:
only the latest due step goes, so a resident never gets three reminders in one morning.

Prepaid accounts whose balance is below the class's threshold get one alert per top-up:
the alert's cycle is the account's last top-up, so the next alert waits for the next one.

Nothing goes out at night or on a non-working day (the business calendar): the job then
does nothing, and the next working morning's run sends what is due. `reminder`'s unique
key (account, kind, cycle, step) makes every step at most once however often it runs; the
desk can pause an account (with a reason, audited), and its reminders wait until resumed.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time
from decimal import Decimal

from sqlalchemy import Select, func, or_, select
from sqlalchemy.dialects.postgresql import distinct_on, insert
from sqlalchemy.orm import Session

from server.db.models import (
    Account,
    AccountLedgerEntry,
    Bill,
    Binding,
    CustomerClass,
    WechatUser,
)
from server.db.models.accounts import PREPAID
from server.db.models.reminders import (
    LOW_BALANCE,
    OVERDUE,
    Reminder,
    ReminderPause,
    ReminderPolicy,
)
from server.services.billing.bills import OPEN_STATUSES
from server.services.billing.late_fees import due_date
from server.services.collection.allocation import amount_owed, open_items
from server.services.core import audit, permissions
from server.services.core.audit import Actor
from server.services.core.calendar import BUSINESS_TZ, Period
from server.services.core.errors import DomainError, InvalidInput, NotFound, PermissionDenied
from server.services.core.money import money_of
from server.services.core.workdays import calendar_from
from server.services.residents import outbox

# Residents are not woken or disturbed in the evening: messages go out in this window only.
SEND_FROM = time(8, 0)
SEND_UNTIL = time(21, 0)
CHANNEL_LABELS = {"wechat": "模板消息", "sms": "短信", "none": "无法送达"}
KIND_LABELS = {OVERDUE: "欠费催缴", LOW_BALANCE: "余额不足"}
_TOPUP = "payment"


@dataclass(frozen=True)
class Policy:
    customer_class_id: int
    effective_from: date
    enabled: bool
    steps: tuple[int, ...]
    low_balance: Decimal | None


@dataclass(frozen=True)
class ReminderRun:
    """What one run did. `quiet`: outside the sending window or not a working day, so
    nothing was looked at."""

    quiet: bool = False
    overdue: int = 0
    low_balance: int = 0
    wechat: int = 0
    sms: int = 0
    unreachable: int = 0
    paused: int = 0

    def as_dict(self) -> dict[str, int | bool]:
        return {
            "quiet": self.quiet,
            "overdue": self.overdue,
            "low_balance": self.low_balance,
            "wechat": self.wechat,
            "sms": self.sms,
            "unreachable": self.unreachable,
            "paused": self.paused,
        }


def parse_steps(value: str) -> tuple[int, ...]:
    """'3,10,20' → (3, 10, 20): whole days after the due date, each at least 1."""
    try:
        steps = tuple(sorted({int(part) for part in value.replace("，", ",").split(",") if part}))
    except ValueError:
        raise InvalidInput(f"催缴天数应为逗号分隔的整数（如 3,10,20），收到「{value}」") from None
    if not steps or steps[0] < 1 or steps[-1] > 366:
        raise InvalidInput(f"催缴天数应在 1 到 366 之间，收到「{value}」")
    return steps


def set_policy(
    session: Session,
    actor: Actor,
    class_code_or_name: str,
    *,
    steps: tuple[int, ...],
    low_balance: Decimal | None,
    effective_from: date,
    enabled: bool = True,
) -> Policy:
    """Add the class's reminder policy from `effective_from` (a new row; earlier ones stay)."""
    if actor.staff_id is not None and not permissions.is_manager(session, actor.staff_id):
        raise PermissionDenied("设置催缴规则须由管理人员办理")
    name = class_code_or_name.strip()
    class_id = session.scalar(
        select(CustomerClass.id).where(or_(CustomerClass.code == name, CustomerClass.name == name))
    )
    if class_id is None:
        raise NotFound(f"客户类别「{name}」不存在")
    threshold = None if low_balance is None else money_of(low_balance, "余额提醒金额")
    row = ReminderPolicy(
        customer_class_id=class_id,
        effective_from=effective_from,
        enabled=enabled,
        steps=list(steps),
        low_balance=threshold,
        staff_id=actor.staff_id,
        actor=actor.label,
    )
    session.add(row)
    session.flush()
    audit.record(
        session,
        actor,
        "reminder.policy",
        "reminder_policy",
        row.id,
        {
            "class": name,
            "steps": list(steps),
            "low_balance": None if threshold is None else str(threshold),
            "enabled": enabled,
            "effective_from": effective_from.isoformat(),
        },
    )
    return Policy(class_id, effective_from, enabled, tuple(steps), threshold)


def policies_on(session: Session, day: date) -> dict[int, Policy]:
    """Each class's policy in force on `day` that is enabled, by class id."""
    rows = session.execute(
        select(
            ReminderPolicy.customer_class_id,
            ReminderPolicy.effective_from,
            ReminderPolicy.enabled,
            ReminderPolicy.steps,
            ReminderPolicy.low_balance,
        )
        .where(ReminderPolicy.effective_from <= day)
        .ext(distinct_on(ReminderPolicy.customer_class_id))
        .order_by(
            ReminderPolicy.customer_class_id,
            ReminderPolicy.effective_from.desc(),
            ReminderPolicy.id.desc(),
        )
    )
    found = (Policy(c, f, e, tuple(sorted(s)), low) for c, f, e, s, low in rows)
    return {policy.customer_class_id: policy for policy in found if policy.enabled}


def _account_id(session: Session, account_no: str) -> int:
    account_id = session.scalar(select(Account.id).where(Account.account_no == account_no))
    if account_id is None:
        raise NotFound(f"户号 {account_no} 不存在")
    return account_id


def pause(
    session: Session, actor: Actor, account_no: str, reason: str, *, paused: bool = True
) -> None:
    """Pause (or, `paused=False`, resume) an account's reminders, saying why."""
    permissions.require(session, actor, "service")
    if not reason.strip():
        raise InvalidInput("暂停或恢复催缴须写明原因")
    account_id = _account_id(session, account_no)
    if is_paused(session, account_id) == paused:
        raise DomainError(f"户号 {account_no} 的催缴已{'暂停' if paused else '在进行'}")
    row = ReminderPause(
        account_id=account_id,
        paused=paused,
        reason=reason.strip()[:200],
        staff_id=actor.staff_id,
        actor=actor.label,
    )
    session.add(row)
    session.flush()
    audit.record(
        session,
        actor,
        "reminder.pause" if paused else "reminder.resume",
        "account",
        account_id,
        {"reason": row.reason},
    )


def _latest_pause() -> Select[int, bool]:
    return (
        select(ReminderPause.account_id, ReminderPause.paused)
        .ext(distinct_on(ReminderPause.account_id))
        .order_by(ReminderPause.account_id, ReminderPause.id.desc())
    )


def is_paused(session: Session, account_id: int) -> bool:
    latest = _latest_pause().where(ReminderPause.account_id == account_id).subquery()
    return bool(session.scalar(select(latest.c.paused)))


def _paused_accounts(session: Session) -> set[int]:
    latest = _latest_pause().subquery()
    return set(session.scalars(select(latest.c.account_id).where(latest.c.paused)))


def may_send_at(session: Session, now: datetime) -> bool:
    """A working day (business calendar), between 08:00 and 21:00 business time."""
    local = now.astimezone(BUSINESS_TZ)
    return calendar_from(session, now).is_workday(local.date()) and (
        SEND_FROM <= local.time() < SEND_UNTIL
    )


def send_due_reminders(session: Session, now: datetime) -> ReminderRun:
    """Queue every reminder and alert due at `now`; the caller commits."""
    if not may_send_at(session, now):
        return ReminderRun(quiet=True)
    today = now.astimezone(BUSINESS_TZ).date()
    policies = policies_on(session, today)
    if not policies:
        return ReminderRun()
    paused = _paused_accounts(session)
    counts = {"overdue": 0, "low_balance": 0, "wechat": 0, "sms": 0, "none": 0, "paused": 0}
    for account_id, cycle, step, amount, lines in _overdue_due(session, policies, today):
        if account_id in paused:
            counts["paused"] += 1
            continue
        channel = _send(session, account_id, OVERDUE, cycle, step, amount, lines)
        if channel:
            counts["overdue"] += 1
            counts[channel] += 1
    for account_id, cycle, amount, lines in _low_balance_due(session, policies):
        if account_id in paused:
            counts["paused"] += 1
            continue
        channel = _send(session, account_id, LOW_BALANCE, cycle, 0, amount, lines)
        if channel:
            counts["low_balance"] += 1
            counts[channel] += 1
    return ReminderRun(
        overdue=counts["overdue"],
        low_balance=counts["low_balance"],
        wechat=counts["wechat"],
        sms=counts["sms"],
        unreachable=counts["none"],
        paused=counts["paused"],
    )


def _overdue_due(
    session: Session, policies: dict[int, Policy], today: date
) -> list[tuple[int, str, int, Decimal, dict[str, str]]]:
    """(account, cycle, step, amount owed, message fields) of every account a step is due
    for today: the latest step reached and not yet sent in its cycle."""
    # A bill of period P is due on the last day of P+1, so overdue today when P ≤ today − 2.
    last_overdue = str(Period.of(today).shift(-2))
    rows = session.execute(
        select(Bill.account_id, Account.customer_class_id, func.min(Bill.period))
        .join(Account, Account.id == Bill.account_id)
        .where(
            Bill.status.in_(OPEN_STATUSES),
            Bill.total > 0,
            Bill.period <= last_overdue,
            Account.customer_class_id.in_(policies),
        )
        .group_by(Bill.account_id, Account.customer_class_id)
    ).all()
    sent = {
        (account_id, cycle): step
        for account_id, cycle, step in session.execute(
            select(Reminder.account_id, Reminder.cycle, func.max(Reminder.step))
            .where(Reminder.kind == OVERDUE, Reminder.account_id.in_([r[0] for r in rows]))
            .group_by(Reminder.account_id, Reminder.cycle)
        )
    }
    due = []
    for account_id, class_id, oldest in rows:
        due_on = due_date(oldest)
        late = (today - due_on).days
        reached = [step for step in policies[class_id].steps if step <= late]
        cycle = due_on.isoformat()
        if not reached or sent.get((account_id, cycle), 0) >= reached[-1]:
            continue
        owed = amount_owed(open_items(session, account_id, today))
        lines = {
            "first": "您的水电费已逾期，请尽快缴纳",
            "keyword2": f"{owed:,.2f} 元",
            "keyword3": f"应于 {due_on:%Y-%m-%d} 前缴纳，已逾期 {late} 天",
            "remark": "点击进入缴费页面在线缴纳，也可到任一校区分中心缴费。",
        }
        due.append((account_id, cycle, reached[-1], owed, lines))
    return due


def _low_balance_due(
    session: Session, policies: dict[int, Policy]
) -> list[tuple[int, str, Decimal, dict[str, str]]]:
    """Prepaid accounts below their class's threshold, each with its last top-up as cycle."""
    thresholds = {c: p.low_balance for c, p in policies.items() if p.low_balance is not None}
    if not thresholds:
        return []
    last_topup = (
        select(func.coalesce(func.max(AccountLedgerEntry.id), 0))
        .where(
            AccountLedgerEntry.account_id == Account.id,
            AccountLedgerEntry.kind == _TOPUP,
            AccountLedgerEntry.amount > 0,
        )
        .scalar_subquery()
    )
    due = []
    for account_id, class_id, balance, topup in session.execute(
        select(Account.id, Account.customer_class_id, Account.balance, last_topup).where(
            Account.billing_mode == PREPAID, Account.customer_class_id.in_(thresholds)
        )
    ):
        if balance >= thresholds[class_id]:
            continue
        lines = {
            "first": "您的预存余额不足，请及时充值",
            "keyword2": f"{balance:,.2f} 元",
            "keyword3": f"低于提醒金额 {thresholds[class_id]:,.2f} 元",
            "remark": "点击进入缴费页面在线预存，也可到任一校区分中心缴费。",
        }
        due.append((account_id, f"topup:{topup}", balance, lines))
    return due


def reach(session: Session, account: Account) -> tuple[list[tuple[int, str]], str]:
    """How an account's residents are reached: (user id, openid) of every approved binding
    whose resident follows the official account, else SMS to the account's mobile."""
    followers = session.execute(
        select(WechatUser.id, WechatUser.openid)
        .join(Binding, Binding.wechat_user_id == WechatUser.id)
        .where(
            Binding.account_id == account.id,
            Binding.status == "approved",
            WechatUser.subscribed.is_(True),
        )
        .order_by(WechatUser.id)
    ).all()
    return [(user_id, openid) for user_id, openid in followers], account.mobile.strip()


def _send(
    session: Session,
    account_id: int,
    kind: str,
    cycle: str,
    step: int,
    amount: Decimal,
    lines: dict[str, str],
) -> str | None:
    """Record the reminder and queue its messages; None when this step was sent before
    (another run got there first)."""
    account = session.get(Account, account_id)
    assert account is not None
    followers, mobile = reach(session, account)
    if followers:
        channel, recipients = "wechat", ",".join(openid for _, openid in followers)
    elif mobile:
        channel, recipients = "sms", mobile
    else:
        channel, recipients = "none", ""
    reminder_id = session.scalar(
        insert(Reminder)
        .values(
            account_id=account_id,
            kind=kind,
            cycle=cycle,
            step=step,
            amount=amount,
            channel=channel,
            recipients=recipients[:200],
        )
        .on_conflict_do_nothing(constraint="uq_reminder_step")
        .returning(Reminder.id)
    )
    if reminder_id is None:
        return None
    data = {"keyword1": f"{account.account_no} {account.holder_name}", **lines}
    url = f"/h5/pay?account={account_id}"
    message_kind = "reminder" if kind == OVERDUE else "low_balance"
    for user_id, _ in followers:
        outbox.enqueue(
            session, message_kind, user_id, data, url=url, dedupe_key=f"rm:{reminder_id}:{user_id}"
        )
    if channel == "sms":
        # The SMS templates' parameters (server.services.residents.sms.KINDS).
        figure = "amount" if kind == OVERDUE else "balance"
        params = {"account": account.account_no, figure: f"{amount:.2f}", "link": url}
        outbox.enqueue_sms(
            session, message_kind, mobile, params, url=url, dedupe_key=f"rm:{reminder_id}:sms"
        )
    return channel


@dataclass(frozen=True)
class SentReminder:
    reminder_id: int
    account_no: str
    holder_name: str
    kind: str
    step: int
    amount: Decimal
    channel: str
    recipients: str
    created_at: datetime

    @property
    def kind_label(self) -> str:
        return KIND_LABELS[self.kind]

    @property
    def channel_label(self) -> str:
        return CHANNEL_LABELS[self.channel]


def sent_reminders(session: Session, limit: int = 200) -> list[SentReminder]:
    """What was sent to whom, newest first."""
    rows = session.execute(
        select(
            Reminder.id,
            Account.account_no,
            Account.holder_name,
            Reminder.kind,
            Reminder.step,
            Reminder.amount,
            Reminder.channel,
            Reminder.recipients,
            Reminder.created_at,
        )
        .join(Account, Account.id == Reminder.account_id)
        .order_by(Reminder.id.desc())
        .limit(limit)
    )
    return [SentReminder(*row) for row in rows]


@dataclass(frozen=True)
class PauseRow:
    account_no: str
    holder_name: str
    reason: str
    by: str
    at: datetime


def paused_accounts(session: Session) -> list[PauseRow]:
    """Accounts whose reminders are paused now, with why, by whom and when."""
    latest = (
        select(ReminderPause)
        .ext(distinct_on(ReminderPause.account_id))
        .order_by(ReminderPause.account_id, ReminderPause.id.desc())
        .subquery()
    )
    rows = session.execute(
        select(Account.account_no, Account.holder_name, latest.c.reason, latest.c.actor,
               latest.c.created_at)
        .join(Account, Account.id == latest.c.account_id)
        .where(latest.c.paused)
        .order_by(latest.c.created_at.desc())
    )  # fmt: skip
    return [PauseRow(*row) for row in rows]
