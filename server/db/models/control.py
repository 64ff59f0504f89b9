"""Prepaid control (费控, migration 0018): the queue of switch commands, each meter's
switch state as last read back, protection marks (保电) and the warnings given.

control_protection and control_warning are append-only; a command row's status and
outcome change as it is sent (its history is in the audit trail)."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import (
    CheckConstraint,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    Numeric,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from server.db.base import Base, Money, Timestamp

QUEUED = "queued"
SENDING = "sending"
DONE = "done"
FAILED = "failed"
CANCELLED = "cancelled"

POLICY = "policy"
MANUAL = "manual"
RESTORE = "restore"

ON = "on"
OFF = "off"
UNKNOWN = "unknown"

LOW = "low"
CUTOFF = "cutoff"


class ControlCommand(Base):
    """One switch command to one meter: who asked, who approved, and how sending went."""

    __tablename__ = "control_command"
    __table_args__ = (
        CheckConstraint(
            "status in ('queued', 'sending', 'done', 'failed', 'cancelled')", name="status"
        ),
        CheckConstraint("source in ('policy', 'manual', 'restore')", name="source"),
        CheckConstraint("btrim(reason) <> ''", name="reason"),
        Index("ix_control_command_due", "next_try_at", postgresql_where=text("status = 'queued'")),
        Index("ix_control_command_meter", "meter_id", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    meter_id: Mapped[int] = mapped_column(ForeignKey("meter.id"))
    account_id: Mapped[int | None] = mapped_column(ForeignKey("account.id"))
    # devices.switching's actions: trip, close, close-allow, valve-close, valve-open …
    action: Mapped[str] = mapped_column(String(12))
    source: Mapped[str] = mapped_column(String(10))
    reason: Mapped[str] = mapped_column(String(200))
    staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    requested_by: Mapped[str] = mapped_column(String(120))
    approved_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    approved_by: Mapped[str] = mapped_column(String(120), server_default="")
    status: Mapped[str] = mapped_column(String(10), server_default=QUEUED)
    attempts: Mapped[int] = mapped_column(Integer, server_default="0")
    next_try_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=text("now()")
    )
    # The port the last try went through (a pyserial URL or COM port).
    port: Mapped[str] = mapped_column(String(200), server_default="")
    request_hex: Mapped[str] = mapped_column(Text, server_default="")
    reply_hex: Mapped[str] = mapped_column(Text, server_default="")
    error: Mapped[str] = mapped_column(String(500), server_default="")
    # The switch state read back after the command ('' before).
    state_after: Mapped[str] = mapped_column(String(10), server_default="")
    created_at: Mapped[Timestamp]
    claimed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class MeterSwitchState(Base):
    """A meter's relay or valve (and 保电) as last read back, with when and after which
    command."""

    __tablename__ = "meter_switch_state"
    __table_args__ = (CheckConstraint("state in ('on', 'off', 'unknown')", name="state"),)

    meter_id: Mapped[int] = mapped_column(ForeignKey("meter.id"), primary_key=True)
    state: Mapped[str] = mapped_column(String(10))
    read_at: Mapped[Timestamp]
    command_id: Mapped[int | None] = mapped_column(ForeignKey("control_command.id"))
    # The meter's own 保电 (DL/T 645 状态字3) as last read back; None where not known (a
    # water meter has none, a read that failed).
    held: Mapped[bool | None]


class ControlProtection(Base):
    """保电: an account or a building never switched off (a lab, a clinic, a manager's hold);
    the latest row of a target says whether it holds, `until` when it lapses (None: until
    lifted)."""

    __tablename__ = "control_protection"
    __table_args__ = (
        CheckConstraint("(account_id is null) <> (building_id is null)", name="target"),
        CheckConstraint("btrim(reason) <> ''", name="reason"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int | None] = mapped_column(ForeignKey("account.id"))
    building_id: Mapped[int | None] = mapped_column(ForeignKey("building.id"))
    protected: Mapped[bool]
    reason: Mapped[str] = mapped_column(String(200))
    until: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    actor: Mapped[str] = mapped_column(String(120), server_default="")
    created_at: Mapped[Timestamp]


class ControlWarning(Base):
    """A warning given to a prepaid account: `low` below the class's warning threshold,
    `cutoff` below its cut-off threshold (the grace period runs from `warned_at`). One per
    account, kind and cycle (the account's last top-up), however often the policy runs."""

    __tablename__ = "control_warning"
    __table_args__ = (
        CheckConstraint("kind in ('low', 'cutoff')", name="kind"),
        UniqueConstraint("account_id", "kind", "cycle"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("account.id"))
    kind: Mapped[str] = mapped_column(String(10))
    cycle: Mapped[str] = mapped_column(String(40))
    balance: Mapped[Money]
    threshold: Mapped[Decimal] = mapped_column(Numeric(14, 2))
    channel: Mapped[str] = mapped_column(String(10))
    warned_at: Mapped[Timestamp]
