"""late fees (滞纳金): policy per customer class, fees per bill, allocation.late_fee

Both new tables are append-only through md_append_only (0001): a policy change is a new
row with its effective date, a waiver a negative late_fee row. allocation gains late_fee,
which tells money put on a bill's late fee from money put on its principal; existing
allocations are all principal.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-23 15:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

APPEND_ONLY_TABLES = ("late_fee_policy", "late_fee")


def _created_at() -> sa.Column:
    return sa.Column(
        "created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False
    )


def upgrade() -> None:
    op.create_table(
        "late_fee_policy",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("customer_class_id", sa.Integer(), nullable=False),
        sa.Column("effective_from", sa.Date(), nullable=False),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.Column("grace_days", sa.Integer(), nullable=False),
        sa.Column("daily_rate", sa.Numeric(precision=8, scale=6), nullable=False),
        sa.Column("minimum", sa.Numeric(precision=14, scale=2), nullable=False),
        sa.Column("cap", sa.Numeric(precision=14, scale=2), nullable=True),
        sa.Column("staff_id", sa.Integer(), nullable=True),
        _created_at(),
        sa.CheckConstraint("grace_days >= 0", name=op.f("ck_late_fee_policy_grace_days")),
        sa.CheckConstraint("daily_rate >= 0", name=op.f("ck_late_fee_policy_daily_rate")),
        sa.CheckConstraint("minimum >= 0", name=op.f("ck_late_fee_policy_minimum")),
        sa.CheckConstraint("cap is null or cap >= minimum", name=op.f("ck_late_fee_policy_cap")),
        sa.ForeignKeyConstraint(
            ["customer_class_id"],
            ["customer_class.id"],
            name=op.f("fk_late_fee_policy_customer_class_id_customer_class"),
        ),
        sa.ForeignKeyConstraint(
            ["staff_id"], ["staff.id"], name=op.f("fk_late_fee_policy_staff_id_staff")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_late_fee_policy")),
    )
    op.create_index(
        "ix_late_fee_policy_class_from",
        "late_fee_policy",
        ["customer_class_id", "effective_from"],
        unique=False,
    )
    op.create_table(
        "late_fee",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("bill_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("amount", sa.Numeric(precision=14, scale=2), nullable=False),
        sa.Column("accrued_to", sa.Date(), nullable=False),
        sa.Column("days", sa.Integer(), nullable=False),
        sa.Column("rate", sa.Numeric(precision=8, scale=6), nullable=False),
        sa.Column("basis", sa.Numeric(precision=14, scale=2), nullable=False),
        sa.Column("reason", sa.String(length=200), nullable=False),
        sa.Column("payment_id", sa.Integer(), nullable=True),
        sa.Column("staff_id", sa.Integer(), nullable=True),
        sa.Column("actor", sa.String(length=120), nullable=False),
        _created_at(),
        sa.CheckConstraint(
            "(kind = 'charge' and amount > 0) or (kind = 'waive' and amount < 0)",
            name=op.f("ck_late_fee_amount"),
        ),
        sa.CheckConstraint(
            "kind <> 'waive' or btrim(reason) <> ''", name=op.f("ck_late_fee_reason")
        ),
        sa.CheckConstraint("days >= 0", name=op.f("ck_late_fee_days")),
        sa.ForeignKeyConstraint(["bill_id"], ["bill.id"], name=op.f("fk_late_fee_bill_id_bill")),
        sa.ForeignKeyConstraint(
            ["payment_id"], ["payment.id"], name=op.f("fk_late_fee_payment_id_payment")
        ),
        sa.ForeignKeyConstraint(
            ["staff_id"], ["staff.id"], name=op.f("fk_late_fee_staff_id_staff")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_late_fee")),
    )
    op.create_index(op.f("ix_late_fee_bill_id"), "late_fee", ["bill_id"], unique=False)
    op.add_column(
        "allocation",
        sa.Column("late_fee", sa.Boolean(), server_default=sa.text("false"), nullable=False),
    )
    for table in APPEND_ONLY_TABLES:
        op.execute(
            f"create trigger {table}_append_only before update or delete on {table} "
            "for each row execute function md_append_only()"
        )


def downgrade() -> None:
    for table in APPEND_ONLY_TABLES:
        op.execute(f"drop trigger {table}_append_only on {table}")
    op.drop_column("allocation", "late_fee")
    op.drop_index(op.f("ix_late_fee_bill_id"), table_name="late_fee")
    op.drop_table("late_fee")
    op.drop_index("ix_late_fee_policy_class_from", table_name="late_fee_policy")
    op.drop_table("late_fee_policy")
