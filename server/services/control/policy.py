"""The prepaid policy (费控策略): who is warned, who is switched off, and when.

A prepaid account of a class with a cut-off threshold (`customer_class.cutoff_below`) whose
balance is below it is warned once per top-up cycle (template message or SMS, through the
caller's `notify`), and switched off once the class's grace period has passed since that
warning — only in the switching window: a working day that is followed by a working day
(never before a weekend or a holiday), between `control.cut_from` and `control.cut_until`
(never at night). A protected account or building (保电) is never switched; an account
already off, or with a switch-off on its way, is left alone. Below the warning threshold
(`warn_below`, above the cut-off) an account is only warned.

`run_control_policy` answers the same preview whether it applies or not, so the desk shows
what would be done and why before a manager approves. Applying gives the warnings; it
queues the switch-offs only with a manager's approval (bulk switching is a manager's
decision), so the scheduled job warns and leaves the switching to the desk.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from sqlalchemy import func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from server.db.models import (
    Account,
    AccountLedgerEntry,
    Building,
    ControlCommand,
    ControlWarning,
    CustomerClass,
    Meter,
    MeterSwitchState,
)
from server.db.models.accounts import PREPAID
from server.db.models.control import CUTOFF, LOW, OFF, POLICY, QUEUED, SENDING
from server.services.control.commands import STATE_OF_ACTION, queue_switch, switchable_meters
from server.services.control.protection import building_id_of, protected_accounts
from server.services.control.settings import ControlSettings
from server.services.core import audit, permissions
from server.services.core.audit import Actor
from server.services.core.calendar import BUSINESS_TZ, local_minute
from server.services.core.errors import InvalidInput, NotFound, PermissionDenied
from server.services.core.workdays import calendar_from

# What the policy does with an account (PolicyItem.step).
WARN_LOW = "warn_low"
WARN_CUTOFF = "warn_cutoff"
SWITCH_OFF = "switch_off"
WAIT = "wait"
SKIP = "skip"
STEP_LABELS = {
    WARN_LOW: "余额提醒",
    WARN_CUTOFF: "停电预警",
    SWITCH_OFF: "断开",
    WAIT: "等待",
    SKIP: "不处理",
}
# The top-up ledger kind: a warning is given once per top-up (its cycle).
_TOPUP = "payment"


@dataclass(frozen=True)
class WarningNotice:
    """A warning to tell the account's residents of (the caller's `notify` sends it)."""

    account_id: int
    kind: str
    balance: Decimal
    threshold: Decimal
    # For a cut-off warning: the earliest moment the account may be switched off.
    switch_after: datetime | None


# Queues the warning's message and says by which channel: wechat / sms / none.
Notify = Callable[[Session, WarningNotice], str]


@dataclass(frozen=True)
class PolicyItem:
    account_id: int
    account_no: str
    holder_name: str
    building: str
    balance: Decimal
    threshold: Decimal
    step: str
    why: str
    meters: tuple[str, ...]
    # When the grace period ends (or ended) for an account warned of the cut-off.
    switch_after: datetime | None = None

    @property
    def step_label(self) -> str:
        return STEP_LABELS[self.step]


@dataclass(frozen=True)
class PolicyPreview:
    """A policy run: what it found at `at`, account by account, and what it did."""

    at: datetime
    window_open: bool
    window_note: str
    items: tuple[PolicyItem, ...]
    applied: bool = False
    approved_by: str = ""
    warned: int = 0
    queued: int = 0

    def of_step(self, step: str) -> tuple[PolicyItem, ...]:
        return tuple(item for item in self.items if item.step == step)

    @property
    def to_switch(self) -> tuple[PolicyItem, ...]:
        return self.of_step(SWITCH_OFF)

    @property
    def to_warn(self) -> tuple[PolicyItem, ...]:
        return self.of_step(WARN_LOW) + self.of_step(WARN_CUTOFF)

    def summary(self) -> str:
        head = f"断开 {len(self.to_switch)} 户，预警 {len(self.to_warn)} 户，" + (
            f"等待 {len(self.of_step(WAIT))} 户，不处理 {len(self.of_step(SKIP))} 户"
        )
        if not self.window_open:
            head += f"（{self.window_note}）"
        if self.applied:
            head += f"；已发出预警 {self.warned} 户，已排队断开指令 {self.queued} 条"
        return head


def switching_window(
    session: Session, now: datetime, settings: ControlSettings
) -> tuple[bool, str]:
    """Whether meters may be switched off at `now`, and if not, why."""
    local = now.astimezone(BUSINESS_TZ)
    work = calendar_from(session, now)
    if not work.is_workday(local.date()):
        return False, "非工作日不停电"
    if not work.is_workday(local.date() + timedelta(days=1)):
        return False, "节假日（休息日）前一天不停电"
    if not settings.cut_from <= local.time() < settings.cut_until:
        return False, (
            f"不在停电时段 {settings.cut_from:%H:%M}–{settings.cut_until:%H:%M}（夜间不停电）"
        )
    return True, ""


def _going_off(session: Session) -> set[int]:
    """Accounts whose meters are off, or have a switch-off queued or being sent."""
    offs = [a for a, state in STATE_OF_ACTION.items() if state == OFF]
    pending = select(ControlCommand.account_id).where(
        ControlCommand.status.in_((QUEUED, SENDING)), ControlCommand.action.in_(offs)
    )
    switched = (
        select(Meter.account_id)
        .join(MeterSwitchState, MeterSwitchState.meter_id == Meter.id)
        .where(MeterSwitchState.state == OFF)
    )
    return {a for a in session.scalars(pending.union(switched)) if a is not None}


def run_control_policy(
    session: Session,
    now: datetime,
    *,
    actor: Actor,
    settings: ControlSettings | None = None,
    apply: bool = False,
    approver: Actor | None = None,
    notify: Notify | None = None,
    building: str | None = None,
) -> PolicyPreview:
    """Look at every prepaid account under a threshold at `now`; with `apply`, give the
    warnings due (through `notify`) and, approved by a manager, queue the switch-offs due.

    `building` narrows the run to one building's accounts (its name, or 校区/楼名)."""
    settings = settings or ControlSettings()
    if (
        apply
        and approver is not None
        and (approver.staff_id is None or not permissions.is_manager(session, approver.staff_id))
    ):
        raise PermissionDenied(f"批量断开须由管理人员审批（{approver.label} 不是管理人员）")
    window_open, window_note = switching_window(session, now, settings)
    last_topup = (
        select(func.coalesce(func.max(AccountLedgerEntry.id), 0))
        .where(
            AccountLedgerEntry.account_id == Account.id,
            AccountLedgerEntry.kind == _TOPUP,
            AccountLedgerEntry.amount > 0,
        )
        .scalar_subquery()
    )
    query = (
        select(
            Account.id,
            Account.account_no,
            Account.holder_name,
            Account.balance,
            Building.name,
            CustomerClass.cutoff_below,
            CustomerClass.warn_below,
            CustomerClass.grace_hours,
            last_topup,
        )
        .join(CustomerClass, CustomerClass.id == Account.customer_class_id)
        .outerjoin(Building, Building.id == Account.building_id)
        .where(
            Account.billing_mode == PREPAID,
            Account.active,
            or_(
                Account.balance < CustomerClass.cutoff_below,
                Account.balance < CustomerClass.warn_below,
            ),
        )
        .order_by(Account.account_no)
    )
    if building is not None:
        query = query.where(Account.building_id == building_id_of(session, building))
    rows = session.execute(query).all()
    ids = [row[0] for row in rows]
    given = {
        (account_id, kind, cycle): warned_at
        for account_id, kind, cycle, warned_at in session.execute(
            select(
                ControlWarning.account_id,
                ControlWarning.kind,
                ControlWarning.cycle,
                ControlWarning.warned_at,
            ).where(ControlWarning.account_id.in_(ids))
        )
    }
    protected = protected_accounts(session, now)
    going_off = _going_off(session)
    items: list[PolicyItem] = []
    for account_id, no, holder, balance, building_name, cutoff, warn, grace, topup in rows:
        cycle = f"topup:{topup}"
        meters = tuple(m.meter_no for m in switchable_meters(session, account_id))
        base = {
            "account_id": account_id,
            "account_no": no,
            "holder_name": holder,
            "building": building_name or "",
            "balance": balance,
            "meters": meters,
        }
        if cutoff is None or balance >= cutoff:
            assert warn is not None
            if (account_id, LOW, cycle) in given:
                continue
            items.append(
                PolicyItem(
                    **base,
                    threshold=warn,
                    step=WARN_LOW,
                    why=f"余额 {balance:.2f} 元低于提醒金额 {warn:.2f} 元",
                )
            )
            continue
        below = f"余额 {balance:.2f} 元低于停电金额 {cutoff:.2f} 元"
        if account_id in protected:
            step, why = SKIP, f"{below}，但处于保电：{protected[account_id]}"
            items.append(PolicyItem(**base, threshold=cutoff, step=step, why=why))
            continue
        if account_id in going_off:
            continue
        warned_at = given.get((account_id, CUTOFF, cycle))
        if warned_at is None:
            after = now + timedelta(hours=grace)
            why = f"{below}：预警，{local_minute(after)} 后可断开"
            items.append(
                PolicyItem(**base, threshold=cutoff, step=WARN_CUTOFF, why=why, switch_after=after)
            )
            continue
        after = warned_at + timedelta(hours=grace)
        if not meters:
            step, why = SKIP, f"{below}，但没有可远程通断的表计"
        elif now < after:
            step, why = (
                WAIT,
                f"{below}，已于 {local_minute(warned_at)} 预警，宽限至 {local_minute(after)}",
            )
        elif not window_open:
            step, why = WAIT, f"{below}，宽限期已过；{window_note}"
        else:
            step, why = SWITCH_OFF, f"{below}，已于 {local_minute(warned_at)} 预警，宽限期已过"
        items.append(PolicyItem(**base, threshold=cutoff, step=step, why=why, switch_after=after))
    preview = PolicyPreview(
        at=now, window_open=window_open, window_note=window_note, items=tuple(items)
    )
    if not apply:
        return preview
    warned = queued = 0
    for item in preview.to_warn:
        if _warn(session, item, now, notify):
            warned += 1
    if approver is not None:
        for item in preview.to_switch:
            queued += len(
                queue_switch(
                    session,
                    actor,
                    item.account_id,
                    OFF,
                    source=POLICY,
                    reason=f"费控：{item.why}",
                    now=now,
                    approver=approver,
                )
            )
    audit.record(
        session,
        actor,
        "control.policy",
        "control_policy",
        None,
        {
            "at": now.isoformat(),
            "approved_by": approver.label if approver else None,
            "warned": warned,
            "queued": queued,
            "switch": [item.account_no for item in preview.to_switch] if approver else [],
        },
    )
    return PolicyPreview(
        at=now,
        window_open=window_open,
        window_note=window_note,
        items=preview.items,
        applied=True,
        approved_by=approver.label if approver else "",
        warned=warned,
        queued=queued,
    )


def _warn(session: Session, item: PolicyItem, now: datetime, notify: Notify | None) -> bool:
    """Have the warning sent and record it, once per cycle: False when another run gave it
    first (its messages are then taken back with the savepoint)."""
    kind = LOW if item.step == WARN_LOW else CUTOFF
    notice = WarningNotice(item.account_id, kind, item.balance, item.threshold, item.switch_after)
    topup = session.scalar(
        select(func.coalesce(func.max(AccountLedgerEntry.id), 0)).where(
            AccountLedgerEntry.account_id == item.account_id,
            AccountLedgerEntry.kind == _TOPUP,
            AccountLedgerEntry.amount > 0,
        )
    )
    try:
        with session.begin_nested():
            channel = notify(session, notice) if notify is not None else "none"
            session.add(
                ControlWarning(
                    account_id=item.account_id,
                    kind=kind,
                    cycle=f"topup:{topup}",
                    balance=item.balance,
                    threshold=item.threshold,
                    channel=channel,
                    warned_at=now,
                )
            )
    except IntegrityError:
        return False
    audit.record(
        session,
        Actor.system("费控策略"),
        "control.warn",
        "account",
        item.account_id,
        {"kind": kind, "balance": str(item.balance), "threshold": str(item.threshold),
         "channel": channel, "why": item.why},
    )  # fmt: skip
    return True


@dataclass(frozen=True)
class ClassPolicy:
    code: str
    name: str
    cutoff_below: Decimal | None
    warn_below: Decimal | None
    grace_hours: int


def class_policies(session: Session) -> list[ClassPolicy]:
    return [
        ClassPolicy(c.code, c.name, c.cutoff_below, c.warn_below, c.grace_hours)
        for c in session.scalars(select(CustomerClass).order_by(CustomerClass.code))
    ]


def set_class_policy(
    session: Session,
    actor: Actor,
    class_code: str,
    *,
    cutoff_below: Decimal | None,
    warn_below: Decimal | None,
    grace_hours: int,
) -> None:
    """A customer class's thresholds (yuan; None: none) and grace period; a manager's
    decision, audited with the values it replaced."""
    permissions.require_manager(session, actor, "设置费控策略")
    customer_class = session.scalar(
        select(CustomerClass).where(CustomerClass.code == class_code).with_for_update()
    )
    if customer_class is None:
        raise NotFound(f"用户类别 {class_code} 不存在")
    if grace_hours < 0:
        raise InvalidInput(f"宽限期应不少于 0 小时，收到 {grace_hours}")
    if cutoff_below is not None and warn_below is not None and warn_below < cutoff_below:
        raise InvalidInput(f"提醒金额 {warn_below} 元应不低于停电金额 {cutoff_below} 元")
    before = {
        "cutoff_below": str(customer_class.cutoff_below),
        "warn_below": str(customer_class.warn_below),
        "grace_hours": customer_class.grace_hours,
    }
    customer_class.cutoff_below, customer_class.warn_below = cutoff_below, warn_below
    customer_class.grace_hours = grace_hours
    session.flush()
    audit.record(
        session,
        actor,
        "control.class_policy",
        "customer_class",
        customer_class.id,
        {
            "before": before,
            "cutoff_below": str(cutoff_below),
            "warn_below": str(warn_below),
            "grace_hours": grace_hours,
        },
    )
