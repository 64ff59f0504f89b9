"""Reminders (催缴) and low-balance alerts (migration 0015): the policy per customer class,
each reminder sent, and the desk's pauses per account. All three are append-only."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from sqlalchemy import (
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    Integer,
    Numeric,
    String,
    UniqueConstraint,
)
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import Mapped, mapped_column

from server.db.base import Base, Money, Timestamp

OVERDUE = "overdue"
LOW_BALANCE = "low_balance"


class ReminderPolicy(Base):
    """The row of a class with the latest effective_from on or before a day applies."""

    __tablename__ = "reminder_policy"
    __table_args__ = (
        CheckConstraint("0 < all(steps)", name="steps"),
        CheckConstraint("low_balance is null or low_balance > 0", name="low_balance"),
        Index("ix_reminder_policy_class_from", "customer_class_id", "effective_from"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    customer_class_id: Mapped[int] = mapped_column(ForeignKey("customer_class.id"))
    effective_from: Mapped[date] = mapped_column(Date)
    enabled: Mapped[bool]
    # Days after the due date on which an overdue account is reminded.
    steps: Mapped[list[int]] = mapped_column(ARRAY(Integer))
    # A prepaid account whose balance falls below this is alerted; None: no alert.
    low_balance: Mapped[Decimal | None] = mapped_column(Numeric(14, 2))
    staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    actor: Mapped[str] = mapped_column(String(120), server_default="")
    created_at: Mapped[Timestamp]


class Reminder(Base):
    """One reminder of one account: an overdue step of a cycle (the oldest overdue bill's
    due date), or a low-balance alert (its cycle the last top-up), and whom it went to."""

    __tablename__ = "reminder"
    __table_args__ = (
        CheckConstraint("kind in ('overdue', 'low_balance')", name="kind"),
        CheckConstraint("channel in ('wechat', 'sms', 'none')", name="channel"),
        UniqueConstraint("account_id", "kind", "cycle", "step", name="uq_reminder_step"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("account.id"))
    kind: Mapped[str] = mapped_column(String(12))
    cycle: Mapped[str] = mapped_column(String(40))
    step: Mapped[int] = mapped_column(Integer)
    amount: Mapped[Money]
    channel: Mapped[str] = mapped_column(String(10))
    # The openids or the phone number, as sent (a 'none' row has none).
    recipients: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[Timestamp]


class ReminderPause(Base):
    """The desk pauses (or resumes) an account's reminders; its latest row says which."""

    __tablename__ = "reminder_pause"
    __table_args__ = (
        CheckConstraint("btrim(reason) <> ''", name="reason"),
        Index("ix_reminder_pause_account", "account_id", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("account.id"))
    paused: Mapped[bool]
    reason: Mapped[str] = mapped_column(String(200))
    staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    actor: Mapped[str] = mapped_column(String(120), server_default="")
    created_at: Mapped[Timestamp]
