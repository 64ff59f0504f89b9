"""prepaid control (费控): remote switching of meters and valves

customer_class gains the prepaid policy: below `cutoff_below` an account is warned and,
`grace_hours` later, switched off; below `warn_below` (above the cut-off) it is warned only.
control_command is the queue of switch commands (跳闸 / 合闸 / 开阀 / 关阀 …) with each try's
frame, reply and outcome; meter_switch_state is each meter's state as last read back;
control_protection holds 保电 marks on an account or a building (append-only: lifting a
mark is a new row); control_warning is each warning given (append-only, one per account,
kind and top-up cycle), the start of the grace period.

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-07 12:10:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0018"
down_revision: str | None = "0017"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

APPEND_ONLY_TABLES = ("control_protection", "control_warning")


def _at(name: str, nullable: bool = False) -> sa.Column:
    return sa.Column(
        name,
        sa.DateTime(timezone=True),
        server_default=None if nullable else sa.text("now()"),
        nullable=nullable,
    )


def upgrade() -> None:
    op.add_column("customer_class", sa.Column("cutoff_below", sa.Numeric(14, 2), nullable=True))
    op.add_column("customer_class", sa.Column("warn_below", sa.Numeric(14, 2), nullable=True))
    op.add_column(
        "customer_class",
        sa.Column("grace_hours", sa.Integer(), server_default="24", nullable=False),
    )
    op.create_check_constraint(
        op.f("ck_customer_class_control"),
        "customer_class",
        "grace_hours >= 0 and (warn_below is null or cutoff_below is null"
        " or warn_below >= cutoff_below)",
    )
    op.create_table(
        "control_command",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("meter_id", sa.Integer(), sa.ForeignKey("meter.id"), nullable=False),
        sa.Column("account_id", sa.Integer(), sa.ForeignKey("account.id"), nullable=True),
        sa.Column("action", sa.String(length=12), nullable=False),
        sa.Column("source", sa.String(length=10), nullable=False),
        sa.Column("reason", sa.String(length=200), nullable=False),
        sa.Column("staff_id", sa.Integer(), sa.ForeignKey("staff.id"), nullable=True),
        sa.Column("requested_by", sa.String(length=120), nullable=False),
        sa.Column("approved_by_id", sa.Integer(), sa.ForeignKey("staff.id"), nullable=True),
        sa.Column("approved_by", sa.String(length=120), server_default="", nullable=False),
        sa.Column("status", sa.String(length=10), server_default="queued", nullable=False),
        sa.Column("attempts", sa.Integer(), server_default="0", nullable=False),
        _at("next_try_at"),
        sa.Column("port", sa.String(length=200), server_default="", nullable=False),
        sa.Column("request_hex", sa.Text(), server_default="", nullable=False),
        sa.Column("reply_hex", sa.Text(), server_default="", nullable=False),
        sa.Column("error", sa.String(length=500), server_default="", nullable=False),
        sa.Column("state_after", sa.String(length=10), server_default="", nullable=False),
        _at("created_at"),
        _at("claimed_at", nullable=True),
        _at("finished_at", nullable=True),
        sa.CheckConstraint(
            "status in ('queued', 'sending', 'done', 'failed', 'cancelled')",
            name=op.f("ck_control_command_status"),
        ),
        sa.CheckConstraint(
            "source in ('policy', 'manual', 'restore')", name=op.f("ck_control_command_source")
        ),
        sa.CheckConstraint("btrim(reason) <> ''", name=op.f("ck_control_command_reason")),
    )
    op.create_index(
        "ix_control_command_due",
        "control_command",
        ["next_try_at"],
        postgresql_where=sa.text("status = 'queued'"),
    )
    op.create_index("ix_control_command_meter", "control_command", ["meter_id", "id"])
    op.create_table(
        "meter_switch_state",
        sa.Column("meter_id", sa.Integer(), sa.ForeignKey("meter.id"), primary_key=True),
        sa.Column("state", sa.String(length=10), nullable=False),
        _at("read_at"),
        sa.Column("command_id", sa.Integer(), sa.ForeignKey("control_command.id"), nullable=True),
        sa.Column("held", sa.Boolean(), nullable=True),
        sa.CheckConstraint(
            "state in ('on', 'off', 'unknown')", name=op.f("ck_meter_switch_state_state")
        ),
    )
    op.create_table(
        "control_protection",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("account_id", sa.Integer(), sa.ForeignKey("account.id"), nullable=True),
        sa.Column("building_id", sa.Integer(), sa.ForeignKey("building.id"), nullable=True),
        sa.Column("protected", sa.Boolean(), nullable=False),
        sa.Column("reason", sa.String(length=200), nullable=False),
        _at("until", nullable=True),
        sa.Column("staff_id", sa.Integer(), sa.ForeignKey("staff.id"), nullable=True),
        sa.Column("actor", sa.String(length=120), server_default="", nullable=False),
        _at("created_at"),
        sa.CheckConstraint(
            "(account_id is null) <> (building_id is null)",
            name=op.f("ck_control_protection_target"),
        ),
        sa.CheckConstraint("btrim(reason) <> ''", name=op.f("ck_control_protection_reason")),
    )
    op.create_table(
        "control_warning",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("account_id", sa.Integer(), sa.ForeignKey("account.id"), nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("cycle", sa.String(length=40), nullable=False),
        sa.Column("balance", sa.Numeric(14, 2), nullable=False),
        sa.Column("threshold", sa.Numeric(14, 2), nullable=False),
        sa.Column("channel", sa.String(length=10), nullable=False),
        _at("warned_at"),
        sa.CheckConstraint("kind in ('low', 'cutoff')", name=op.f("ck_control_warning_kind")),
        sa.UniqueConstraint(
            "account_id", "kind", "cycle", name=op.f("uq_control_warning_account_id_kind_cycle")
        ),
    )
    for table in APPEND_ONLY_TABLES:
        op.execute(
            f"create trigger {table}_append_only before update or delete on {table} "
            "for each row execute function md_append_only()"
        )


def downgrade() -> None:
    for table in APPEND_ONLY_TABLES:
        op.execute(f"drop trigger {table}_append_only on {table}")
    op.drop_table("control_warning")
    op.drop_table("control_protection")
    op.drop_table("meter_switch_state")
    op.drop_index("ix_control_command_meter", table_name="control_command")
    op.drop_index("ix_control_command_due", table_name="control_command")
    op.drop_table("control_command")
    op.drop_constraint(op.f("ck_customer_class_control"), "customer_class")
    op.drop_column("customer_class", "grace_hours")
    op.drop_column("customer_class", "warn_below")
    op.drop_column("customer_class", "cutoff_below")
