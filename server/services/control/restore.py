"""Switching back on when the money is there again (缴费复电).

A payment or top-up that leaves a prepaid account at or above its class's cut-off
threshold queues the switch-on of the meters the policy switched off — in the payment's
own transaction (`queue_restore`, called by `collection.payments.take_payment`, which the
counter and every online payment go through), so the two commit or roll back together.
The commands are then sent right after that commit by the process's dispatcher
(`sender.start_dispatcher`), and by the sender job as a backstop. A meter a person switched
off by hand (a fault, a move-out) is not switched on by a payment.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from decimal import Decimal

from sqlalchemy import event, select
from sqlalchemy.orm import Session

from server.db.models import Account, ControlCommand, CustomerClass
from server.db.models.accounts import PREPAID
from server.db.models.control import CANCELLED, FAILED, ON, POLICY, RESTORE
from server.services.control.commands import STATE_OF_ACTION, queue_switch
from server.services.core.audit import Actor

_AFTER_COMMIT = "md_control_after_commit"
# Sends commands by id once their transaction has committed; set by `sender.start_dispatcher`
# in a process that switches meters (serve, worker, the desktop), None elsewhere.
_dispatch: list[Callable[[Sequence[int]], None]] = []


def set_dispatcher(dispatch: Callable[[Sequence[int]], None] | None) -> None:
    _dispatch.clear()
    if dispatch is not None:
        _dispatch.append(dispatch)


def _switched_off_by_policy(session: Session, account_id: int) -> bool:
    """Whether the account's latest live command (sent, being sent or queued) switches it
    off for the policy."""
    latest = session.execute(
        select(ControlCommand.action, ControlCommand.source)
        .where(
            ControlCommand.account_id == account_id,
            ControlCommand.status.not_in((CANCELLED, FAILED)),
        )
        .order_by(ControlCommand.id.desc())
        .limit(1)
    ).first()
    return latest is not None and latest.source == POLICY and STATE_OF_ACTION[latest.action] != ON


def queue_restore(
    session: Session, actor: Actor, account_id: int, balance: Decimal, now: datetime
) -> list[int]:
    """In the paying transaction: queue the switch-on of an account the policy switched off
    when `balance` (after the payment) is back at or above the cut-off; returns the ids."""
    row = session.execute(
        select(Account.billing_mode, CustomerClass.cutoff_below)
        .join(CustomerClass, CustomerClass.id == Account.customer_class_id)
        .where(Account.id == account_id)
    ).one()
    if row.billing_mode != PREPAID or row.cutoff_below is None or balance < row.cutoff_below:
        return []
    if not _switched_off_by_policy(session, account_id):
        return []
    ids = queue_switch(
        session,
        actor,
        account_id,
        ON,
        source=RESTORE,
        reason=f"缴费后余额 {balance:.2f} 元，不低于停电金额 {row.cutoff_below:.2f} 元",
        now=now,
    )
    pending: list[int] = session.info.setdefault(_AFTER_COMMIT, [])
    pending.extend(ids)
    if not event.contains(session, "after_commit", _after_commit):
        event.listen(session, "after_commit", _after_commit)
        event.listen(session, "after_rollback", _after_rollback)
    return ids


def _after_commit(session: Session) -> None:
    ids = session.info.pop(_AFTER_COMMIT, [])
    if ids and _dispatch:
        _dispatch[0](tuple(ids))


def _after_rollback(session: Session) -> None:
    session.info.pop(_AFTER_COMMIT, None)
