"""reminders (催缴) and low-balance alerts: the policy per customer class, what was sent to
whom, pauses per account; the outbox learns a channel (wechat / sms) so a resident who
never followed the official account is reminded by SMS at the account's mobile.

reminder_policy, reminder and reminder_pause are append-only (md_append_only, 0001): a
new policy or a lifted pause is a new row. reminder's unique key (account, kind, cycle,
step) is what makes "at most one per account per step" hold however often the job runs.

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-07 06:40:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0015"
down_revision: str | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

APPEND_ONLY_TABLES = ("reminder_policy", "reminder", "reminder_pause")


def _created_at() -> sa.Column:
    return sa.Column(
        "created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False
    )


def _staff() -> tuple[sa.Column, sa.Column]:
    return (
        sa.Column("staff_id", sa.Integer(), sa.ForeignKey("staff.id"), nullable=True),
        sa.Column("actor", sa.String(length=120), nullable=False, server_default=""),
    )


def upgrade() -> None:
    op.create_table(
        "reminder_policy",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "customer_class_id", sa.Integer(), sa.ForeignKey("customer_class.id"), nullable=False
        ),
        sa.Column("effective_from", sa.Date(), nullable=False),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.Column("steps", postgresql.ARRAY(sa.Integer()), nullable=False),
        sa.Column("low_balance", sa.Numeric(precision=14, scale=2), nullable=True),
        *_staff(),
        _created_at(),
        sa.CheckConstraint("0 < all(steps)", name=op.f("ck_reminder_policy_steps")),
        sa.CheckConstraint(
            "low_balance is null or low_balance > 0", name=op.f("ck_reminder_policy_low_balance")
        ),
    )
    op.create_index(
        "ix_reminder_policy_class_from", "reminder_policy", ["customer_class_id", "effective_from"]
    )
    op.create_table(
        "reminder",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("account_id", sa.Integer(), sa.ForeignKey("account.id"), nullable=False),
        sa.Column("kind", sa.String(length=12), nullable=False),
        sa.Column("cycle", sa.String(length=40), nullable=False),
        sa.Column("step", sa.Integer(), nullable=False),
        sa.Column("amount", sa.Numeric(precision=14, scale=2), nullable=False),
        sa.Column("channel", sa.String(length=10), nullable=False),
        sa.Column("recipients", sa.String(length=200), nullable=False),
        _created_at(),
        sa.CheckConstraint("kind in ('overdue', 'low_balance')", name=op.f("ck_reminder_kind")),
        sa.CheckConstraint(
            "channel in ('wechat', 'sms', 'none')", name=op.f("ck_reminder_channel")
        ),
        sa.UniqueConstraint("account_id", "kind", "cycle", "step", name=op.f("uq_reminder_step")),
    )
    op.create_table(
        "reminder_pause",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("account_id", sa.Integer(), sa.ForeignKey("account.id"), nullable=False),
        sa.Column("paused", sa.Boolean(), nullable=False),
        sa.Column("reason", sa.String(length=200), nullable=False),
        *_staff(),
        _created_at(),
        sa.CheckConstraint("btrim(reason) <> ''", name=op.f("ck_reminder_pause_reason")),
    )
    op.create_index("ix_reminder_pause_account", "reminder_pause", ["account_id", "id"])
    op.add_column(
        "outbox_message",
        sa.Column("channel", sa.String(length=10), server_default="wechat", nullable=False),
    )
    op.add_column(
        "outbox_message",
        sa.Column("phone", sa.String(length=20), server_default="", nullable=False),
    )
    op.create_check_constraint(
        op.f("ck_outbox_message_channel"),
        "outbox_message",
        "(channel = 'wechat' and wechat_user_id is not null)"
        " or (channel = 'sms' and btrim(phone) <> '')",
    )
    for table in APPEND_ONLY_TABLES:
        op.execute(
            f"create trigger {table}_append_only before update or delete on {table} "
            "for each row execute function md_append_only()"
        )


def downgrade() -> None:
    for table in APPEND_ONLY_TABLES:
        op.execute(f"drop trigger {table}_append_only on {table}")
    op.drop_constraint(op.f("ck_outbox_message_channel"), "outbox_message")
    op.drop_column("outbox_message", "phone")
    op.drop_column("outbox_message", "channel")
    op.drop_index("ix_reminder_pause_account", table_name="reminder_pause")
    op.drop_table("reminder_pause")
    op.drop_table("reminder")
    op.drop_index("ix_reminder_policy_class_from", table_name="reminder_policy")
    op.drop_table("reminder_policy")
