"""Late fees (滞纳金/违约金): the rule, and its policy per customer class.

Off by default: a customer class has late fees only from the effective date of a
`late_fee_policy` row that enables them; the row with the latest effective_from on or
before a day applies (no row: off). Policy rows are append-only; a change is a new row.

The rule, as in 《供电营业规则》 (自逾期之日起计算至交纳日止, each yuan accrues until paid):
- A bill is due on the last day of the month after its period (2026-09 is due 2026-10-31).
- On business day D a bill accrues only once D is past due date + grace_days (paid within
  the grace period: no fee). It accrues on its open principal O (total − paid_on_bill):
  fee = O × daily_rate × days, days counted from max(due date, the bill's last accrued_to)
  exclusive to D inclusive, rounded half up to the fen. The rate in force on D is used for
  the whole stretch.
- The first charge of a bill is raised to the policy's minimum; what a bill's fees come to
  (charges less waivers) never exceeds its cap.
- A fee is charged (a `late_fee` row of kind 'charge', accrued_to = D) only when a payment
  touches the overdue bill, in the payment's transaction under the account lock; the
  payment then goes, bill by bill oldest period first, to the bill's open fee and then to
  its principal (payments.take_payment). Until then the counter shows what a payment today
  would owe (allocation.open_items), computed by `accrue` from the same figures.
- A manager or admin may waive a bill's open fee with a reason (allocation.waive_late_fee):
  what accrued up to today is charged, then cancelled by a 'waive' row, so accrual
  restarts from today. A void gives the fee allocations back; the charge stays, since the
  fee accrued while the bill was unpaid.

A bill's status (open / partial / paid) is about its principal only; a bill whose
principal is paid may still owe a fee, and the counter lists it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal, InvalidOperation

from sqlalchemy import bindparam, or_, select
from sqlalchemy.orm import Session

from server.db.models import CustomerClass, LateFeePolicy
from server.services.core import audit, permissions
from server.services.core.audit import Actor
from server.services.core.calendar import Period
from server.services.core.errors import DomainError, InvalidInput, NotFound, PermissionDenied
from server.services.core.money import ZERO, money_of, round_fen

LABEL = "滞纳金"
_RATE_PLACES = Decimal("0.000001")


@dataclass(frozen=True)
class Policy:
    customer_class_id: int
    effective_from: date
    enabled: bool
    grace_days: int
    daily_rate: Decimal
    minimum: Decimal
    cap: Decimal | None


@dataclass(frozen=True)
class Accrual:
    """What a bill accrues up to a day: the amount to charge, over how many days, at what
    rate (all zero when nothing accrues)."""

    amount: Decimal
    days: int
    rate: Decimal


NOTHING = Accrual(ZERO, 0, Decimal(0))


def due_date(period: str) -> date:
    """The last day of the month after the period: 2026-09 → 2026-10-31."""
    return Period.parse(period).shift(2).first_day - timedelta(days=1)


# Built once: every payment asks it.
_POLICY_ON = (
    select(
        LateFeePolicy.customer_class_id,
        LateFeePolicy.effective_from,
        LateFeePolicy.enabled,
        LateFeePolicy.grace_days,
        LateFeePolicy.daily_rate,
        LateFeePolicy.minimum,
        LateFeePolicy.cap,
    )
    .where(
        LateFeePolicy.customer_class_id == bindparam("class_id"),
        LateFeePolicy.effective_from <= bindparam("day"),
    )
    .order_by(LateFeePolicy.effective_from.desc(), LateFeePolicy.id.desc())
    .limit(1)
)


def policy_on(session: Session, customer_class_id: int, day: date) -> Policy | None:
    row = session.execute(_POLICY_ON, {"class_id": customer_class_id, "day": day}).first()
    return None if row is None else Policy(*row)


def accrue(
    policy: Policy | None,
    period: str,
    open_principal: Decimal,
    on: date,
    *,
    accrued_to: date | None,
    charged_before: bool,
    net_charged: Decimal,
) -> Accrual:
    """What a bill of `period` with `open_principal` accrues from its last accrual to `on`.

    `accrued_to` is the latest accrued_to of the bill's fee rows (None: none yet),
    `charged_before` whether it has a charge row (the minimum applies to the first only),
    `net_charged` its charges less waivers (held under the cap).
    """
    if policy is None or not policy.enabled or open_principal <= 0:
        return NOTHING
    due = due_date(period)
    if on <= due + timedelta(days=policy.grace_days):
        return NOTHING
    days = (on - max(due, accrued_to or due)).days
    if days <= 0:
        return NOTHING
    fee = round_fen(open_principal * policy.daily_rate * days)
    if not charged_before:
        fee = max(fee, policy.minimum)
    if policy.cap is not None:
        fee = min(fee, max(ZERO, policy.cap - net_charged))
    return Accrual(fee, days, policy.daily_rate) if fee > 0 else NOTHING


def rate_of(value: object) -> Decimal:
    """A daily rate as typed (0.001 is 1‰ a day), or a DomainError naming it."""
    try:
        rate = value if isinstance(value, Decimal) else Decimal(str(value).strip())
    except InvalidOperation:
        rate = Decimal("NaN")
    if not rate.is_finite() or not 0 <= rate < 1 or rate != rate.quantize(_RATE_PLACES):
        raise DomainError(
            f"日费率应为 0 到 1 之间、最多 6 位小数的数（0.001 即每日千分之一），收到 {value}"
        )
    return rate


def set_late_fee_policy(
    session: Session,
    actor: Actor,
    class_code_or_name: str,
    *,
    enabled: bool,
    grace_days: int,
    daily_rate: Decimal,
    minimum: Decimal,
    cap: Decimal | None,
    effective_from: date,
) -> Policy:
    """Add the class's late-fee policy from `effective_from` (a new row; earlier ones stay)."""
    staff_id = actor.staff_id
    if staff_id is not None and not permissions.is_manager(session, staff_id):
        raise PermissionDenied("设置滞纳金规则须由管理人员办理")
    name = class_code_or_name.strip()
    class_id = session.scalar(
        select(CustomerClass.id).where(or_(CustomerClass.code == name, CustomerClass.name == name))
    )
    if class_id is None:
        raise NotFound(f"客户类别「{name}」不存在")
    if not isinstance(grace_days, int) or not 0 <= grace_days <= 366:
        raise InvalidInput(f"宽限天数应为 0 到 366 的整数，收到 {grace_days}")
    rate = rate_of(daily_rate)
    least = money_of(minimum, "滞纳金最低金额", allow_zero=True)
    most = None if cap is None else money_of(cap, "滞纳金封顶金额")
    if most is not None and most < least:
        raise DomainError(f"滞纳金封顶金额 {most} 低于最低金额 {least}")
    row = LateFeePolicy(
        customer_class_id=class_id,
        effective_from=effective_from,
        enabled=enabled,
        grace_days=grace_days,
        daily_rate=rate,
        minimum=least,
        cap=most,
        staff_id=actor.staff_id,
    )
    session.add(row)
    session.flush()
    audit.record(
        session,
        actor,
        "late_fee.policy",
        "late_fee_policy",
        row.id,
        {
            "class": name,
            "enabled": enabled,
            "grace_days": grace_days,
            "daily_rate": str(rate),
            "minimum": str(least),
            "cap": None if most is None else str(most),
            "effective_from": effective_from.isoformat(),
        },
    )
    return Policy(class_id, effective_from, enabled, grace_days, rate, least, most)
