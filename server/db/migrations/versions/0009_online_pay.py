"""online payment: orders, the callback log, exceptions for staff, provider statements

payment.branch_id becomes optional for online payments: the money arrives at no counter,
and the branch of an online payment is the one that later issues its receipt.

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-23 15:50:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Columns that may still change; everything else is fixed once written.
APPEND_ONLY_TABLES: dict[str, tuple[str, ...]] = {
    "payment_order": (
        "status", "prepay_id", "trade_no", "paid_at", "payment_id", "settled_by",
        "last_queried_at", "query_count",
    ),
    "payment_notification": (),
    "payment_exception": (
        "status", "resolution", "refund_reference", "resolved_by_id", "resolved_actor",
        "resolved_at", "payment_id",
    ),
    "payment_statement": (),
    "payment_statement_line": (),
}  # fmt: skip


def _created() -> sa.Column:
    return sa.Column(
        "created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
    )


def upgrade() -> None:
    op.alter_column("payment", "branch_id", existing_type=sa.Integer(), nullable=True)
    op.create_check_constraint(
        op.f("ck_payment_branch"), "payment", "branch_id is not null or channel = 'online'"
    )
    op.create_table(
        "payment_order",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("order_no", sa.String(32), nullable=False),
        sa.Column("account_id", sa.Integer(), sa.ForeignKey("account.id"), nullable=False),
        sa.Column("amount", sa.Numeric(14, 2), nullable=False),
        sa.Column("provider", sa.String(10), nullable=False),
        sa.Column("bills", postgresql.JSONB(), nullable=False),
        sa.Column("description", sa.String(120), nullable=False),
        sa.Column("wechat_user_id", sa.Integer(), sa.ForeignKey("wechat_user.id")),
        sa.Column("openid", sa.String(64), nullable=False),
        sa.Column("txn_time", sa.String(14), nullable=False),
        sa.Column("actor", sa.String(120), nullable=False),
        _created(),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("status", sa.String(12), nullable=False),
        sa.Column("prepay_id", sa.String(64), nullable=False),
        sa.Column("trade_no", sa.String(64), nullable=False),
        sa.Column("paid_at", sa.DateTime(timezone=True)),
        sa.Column("payment_id", sa.Integer(), sa.ForeignKey("payment.id")),
        sa.Column("settled_by", sa.String(10), nullable=False),
        sa.Column("last_queried_at", sa.DateTime(timezone=True)),
        sa.Column("query_count", sa.Integer(), nullable=False),
        sa.CheckConstraint("amount > 0", name=op.f("ck_payment_order_amount")),
        sa.CheckConstraint(
            "provider in ('wechat', 'unionpay')", name=op.f("ck_payment_order_provider")
        ),
        sa.CheckConstraint(
            "status in ('created', 'paid', 'closed', 'exception')",
            name=op.f("ck_payment_order_status"),
        ),
        sa.CheckConstraint(
            "status <> 'paid' or payment_id is not null", name=op.f("ck_payment_order_paid")
        ),
        sa.UniqueConstraint("order_no", name=op.f("uq_payment_order_order_no")),
        sa.UniqueConstraint("payment_id", name=op.f("uq_payment_order_payment_id")),
    )
    op.create_index("ix_payment_order_account_id", "payment_order", ["account_id"])
    op.create_index(
        "ix_payment_order_waiting",
        "payment_order",
        ["created_at"],
        postgresql_where=sa.text("status = 'created'"),
    )
    op.create_table(
        "payment_notification",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("provider", sa.String(10), nullable=False),
        sa.Column("source", sa.String(10), nullable=False),
        sa.Column(
            "received_at",
            sa.DateTime(timezone=True),
            server_default=sa.func.now(),
            nullable=False,
        ),
        sa.Column("headers", postgresql.JSONB(), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("remote_addr", sa.String(64), nullable=False),
        sa.Column("verified", sa.Boolean(), nullable=False),
        sa.Column("order_no", sa.String(40), nullable=False),
        sa.Column("trade_no", sa.String(64), nullable=False),
        sa.Column("outcome", sa.String(20), nullable=False),
        sa.Column("detail", sa.String(300), nullable=False),
    )
    op.create_index("ix_payment_notification_order_no", "payment_notification", ["order_no"])
    op.create_table(
        "payment_exception",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("provider", sa.String(10), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("order_id", sa.Integer(), sa.ForeignKey("payment_order.id")),
        sa.Column("order_no", sa.String(40), nullable=False),
        sa.Column("trade_no", sa.String(64), nullable=False),
        sa.Column("account_id", sa.Integer(), sa.ForeignKey("account.id")),
        sa.Column("amount", sa.Numeric(14, 2), nullable=False),
        sa.Column("paid_at", sa.DateTime(timezone=True)),
        sa.Column("detail", sa.String(300), nullable=False),
        _created(),
        sa.Column("status", sa.String(10), nullable=False),
        sa.Column("resolution", sa.String(200), nullable=False),
        sa.Column("refund_reference", sa.String(64), nullable=False),
        sa.Column("resolved_by_id", sa.Integer(), sa.ForeignKey("staff.id")),
        sa.Column("resolved_actor", sa.String(120), nullable=False),
        sa.Column("resolved_at", sa.DateTime(timezone=True)),
        sa.Column("payment_id", sa.Integer(), sa.ForeignKey("payment.id")),
        sa.UniqueConstraint("provider", "trade_no", name="uq_payment_exception_trade"),
        sa.CheckConstraint("amount > 0", name=op.f("ck_payment_exception_amount")),
        sa.CheckConstraint(
            "status in ('open', 'credited', 'refunded')", name=op.f("ck_payment_exception_status")
        ),
        sa.CheckConstraint(
            "status <> 'credited' or payment_id is not null",
            name=op.f("ck_payment_exception_credited"),
        ),
    )
    op.create_index("ix_payment_exception_order_id", "payment_exception", ["order_id"])
    op.create_table(
        "payment_statement",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("provider", sa.String(10), nullable=False),
        sa.Column("file_name", sa.String(200), nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("first_day", sa.Date(), nullable=False),
        sa.Column("last_day", sa.Date(), nullable=False),
        sa.Column("line_count", sa.Integer(), nullable=False),
        sa.Column("actor", sa.String(120), nullable=False),
        sa.Column(
            "imported_at",
            sa.DateTime(timezone=True),
            server_default=sa.func.now(),
            nullable=False,
        ),
        sa.UniqueConstraint("provider", "sha256", name="uq_payment_statement_file"),
    )
    op.create_table(
        "payment_statement_line",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "statement_id", sa.Integer(), sa.ForeignKey("payment_statement.id"), nullable=False
        ),
        sa.Column("line_no", sa.Integer(), nullable=False),
        sa.Column("trade_time", sa.DateTime(timezone=True), nullable=False),
        sa.Column("trade_no", sa.String(64), nullable=False),
        sa.Column("order_no", sa.String(40), nullable=False),
        sa.Column("amount", sa.Numeric(14, 2), nullable=False),
        sa.Column("state", sa.String(20), nullable=False),
        sa.Column("raw", postgresql.JSONB(), nullable=False),
    )
    op.create_index(
        "ix_payment_statement_line_statement_id", "payment_statement_line", ["statement_id"]
    )
    op.create_index("ix_payment_statement_line_trade_no", "payment_statement_line", ["trade_no"])
    for table, mutable in APPEND_ONLY_TABLES.items():
        args = ", ".join(f"'{column}'" for column in mutable)
        op.execute(
            f"create trigger {table}_append_only before update or delete on {table} "
            f"for each row execute function md_append_only({args})"
        )


def downgrade() -> None:
    for table in APPEND_ONLY_TABLES:
        op.execute(f"drop trigger {table}_append_only on {table}")
    op.drop_table("payment_statement_line")
    op.drop_table("payment_statement")
    op.drop_table("payment_exception")
    op.drop_table("payment_notification")
    op.drop_table("payment_order")
    op.drop_constraint("ck_payment_branch", "payment", type_="check")
    op.alter_column("payment", "branch_id", existing_type=sa.Integer(), nullable=False)
