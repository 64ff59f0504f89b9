"""Switching back on when the money is there again (缴费复电).

A payment or top-up that leaves a prepaid account at or above its class's cut-off
threshold queues the switch-on of the meters the policy switched off — in the payment's
own transaction (`queue_restore`, called by `collection.payments.take_payment`, which the
counter and every online payment go through), so the two commit or roll back together.
The transaction also sends a PostgreSQL NOTIFY on `md_control`, which PostgreSQL delivers
only when it commits (and never when it rolls back): the dispatcher of serve or the worker
(`sender.start_dispatcher`) LISTENs and sends the commands at once, whichever PC took the
payment; the sender job is the backstop, and also switches on (`restore_due`) accounts
whose money came by another path (a credit adjustment, a credit note). A meter a person
switched off by hand (a fault, a move-out) is not switched on by a payment.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.orm import Session

from server.db.models import Account, ControlCommand, CustomerClass
from server.db.models.accounts import PREPAID
from server.db.models.control import CANCELLED, FAILED, ON, POLICY, RESTORE
from server.services.control.commands import STATE_OF_ACTION, queue_switch
from server.services.core.audit import Actor

# The channel a committed switch-on is announced on (the payload: the command ids).
CHANNEL = "md_control"


def _switched_off_by_policy(
    session: Session, account_id: int, *, failed_restore_counts: bool = False
) -> bool:
    """Whether the account's latest live command (sent, being sent or queued) switches it
    off for the policy. With `failed_restore_counts`, a switch-on that failed is the latest
    word too: the backstop leaves it to the desk rather than queue one every round."""
    live: ColumnElement[bool] = ControlCommand.status.not_in((CANCELLED, FAILED))
    if failed_restore_counts:
        live = live | ((ControlCommand.status == FAILED) & (ControlCommand.source == RESTORE))
    latest = session.execute(
        select(ControlCommand.action, ControlCommand.source)
        .where(ControlCommand.account_id == account_id, live)
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
    if ids:
        session.execute(select(func.pg_notify(CHANNEL, ",".join(map(str, ids)))))
    return ids


def restore_due(session: Session, actor: Actor, now: datetime) -> list[int]:
    """The backstop of money that reached a balance by another path (a credit adjustment, a
    cancelled bill's credit note, a released deposit): every account the policy switched off
    whose balance is back at or above the cut-off gets its switch-on queued."""
    offs = [action for action, state in STATE_OF_ACTION.items() if state != ON]
    candidates = session.execute(
        select(Account.id, Account.balance)
        .join(CustomerClass, CustomerClass.id == Account.customer_class_id)
        .where(
            Account.billing_mode == PREPAID,
            CustomerClass.cutoff_below.is_not(None),
            Account.balance >= CustomerClass.cutoff_below,
            Account.id.in_(
                select(ControlCommand.account_id).where(
                    ControlCommand.source == POLICY,
                    ControlCommand.action.in_(offs),
                    ControlCommand.status.not_in((CANCELLED, FAILED)),
                )
            ),
        )
        .order_by(Account.id)
    ).all()
    ids: list[int] = []
    for account_id, balance in candidates:
        if _switched_off_by_policy(session, account_id, failed_restore_counts=True):
            ids += queue_restore(session, actor, account_id, balance, now)
    return ids
