"""the money's way back: credit notes, adjustments, refunds, deposits, final bills,
estimated reads, annual tiers

bill gains its kind (regular / final / adjustment / deposit), the bill it replaces (更正账单)
and the days a part-month final bill covers; one regular bill per account and period is now
a partial unique index that ignores void bills, so a rebill's replacement can stand beside
the bill it cancels. bill_meter says whether its current reading was an estimate (估);
bill_line carries a note (估, 冲回, 按日折算…). Credit notes (红字冲销), adjustments (调账),
refunds (退款) and deposit movements (押金) are append-only documents through md_append_only
(0001). Office documents (credit notes, adjustments) are numbered per series and year by
office_counter; refunds per branch by document_counter, like receipts.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-07 05:15:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

APPEND_ONLY_TABLES = ("credit_note", "adjustment", "refund", "deposit_ledger")
MONEY = sa.Numeric(precision=14, scale=2)
BILL_REFERENCES_BEFORE = ("account_id:account", "run_id:billing_run")
BILL_REFERENCES_AFTER = (*BILL_REFERENCES_BEFORE, "replaces_id:bill")


def _bill_references(specs: tuple[str, ...]) -> None:
    """The statement-level reference check of 0002, with the columns bill now has."""
    op.execute("drop trigger bill_references on bill")
    args = ", ".join(f"'{spec}'" for spec in specs)
    op.execute(
        "create trigger bill_references after insert on bill "
        "referencing new table as new_rows for each statement "
        f"execute function md_check_references({args})"
    )


def _created_at() -> sa.Column:
    return sa.Column(
        "created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False
    )


def _staff(name: str, nullable: bool = True) -> sa.Column:
    return sa.Column(name, sa.Integer(), sa.ForeignKey("staff.id"), nullable=nullable)


def upgrade() -> None:
    op.add_column(
        "customer_class",
        sa.Column("deposit", MONEY, server_default=sa.text("0"), nullable=False),
    )
    op.create_check_constraint("deposit", "customer_class", "deposit >= 0")
    op.add_column(
        "tariff",
        sa.Column("tier_basis", sa.String(8), server_default="monthly", nullable=False),
    )
    op.create_check_constraint("tier_basis", "tariff", "tier_basis in ('monthly', 'annual')")
    op.add_column(
        "account", sa.Column("deposit", MONEY, server_default=sa.text("0"), nullable=False)
    )
    op.add_column("account", sa.Column("moved_out_on", sa.Date(), nullable=True))

    op.add_column(
        "bill", sa.Column("kind", sa.String(12), server_default="regular", nullable=False)
    )
    op.create_check_constraint(
        "kind", "bill", "kind in ('regular', 'final', 'adjustment', 'deposit')"
    )
    op.add_column("bill", sa.Column("replaces_id", sa.Integer(), nullable=True))
    _bill_references(BILL_REFERENCES_AFTER)
    op.add_column("bill", sa.Column("covers_from", sa.Date(), nullable=True))
    op.add_column("bill", sa.Column("covers_to", sa.Date(), nullable=True))
    op.drop_constraint(op.f("uq_bill_account_id_period"), "bill", type_="unique")
    op.create_index(
        "uq_bill_regular",
        "bill",
        ["account_id", "period"],
        unique=True,
        postgresql_where=sa.text("kind = 'regular' and status <> 'void'"),
    )
    op.create_index("ix_bill_account_id", "bill", ["account_id"])
    op.add_column(
        "bill_meter",
        sa.Column("estimated", sa.Boolean(), server_default=sa.text("false"), nullable=False),
    )
    op.add_column("bill_line", sa.Column("note", sa.String(60), server_default="", nullable=False))
    # Deposit and adjustment lines are priced by no tariff.
    op.alter_column("bill_line", "tariff_id", existing_type=sa.Integer(), nullable=True)

    op.create_table(
        "office_counter",
        sa.Column("series", sa.String(20), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("last_value", sa.Integer(), nullable=False),
        sa.CheckConstraint("last_value >= 0", name=op.f("ck_office_counter_last_value")),
        sa.PrimaryKeyConstraint("series", "year", name=op.f("pk_office_counter")),
    )
    op.create_table(
        "credit_note",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("note_no", sa.String(32), nullable=False, unique=True),
        sa.Column("kind", sa.String(10), nullable=False),
        sa.Column("account_id", sa.Integer(), sa.ForeignKey("account.id"), nullable=False),
        sa.Column("bill_id", sa.Integer(), sa.ForeignKey("bill.id"), nullable=False, unique=True),
        sa.Column("replacement_bill_id", sa.Integer(), sa.ForeignKey("bill.id"), nullable=True),
        sa.Column("period", sa.String(7), nullable=False),
        sa.Column("total", MONEY, nullable=False),
        sa.Column("lines", postgresql.JSONB(), nullable=False),
        sa.Column("paid_moved", MONEY, nullable=False),
        sa.Column("reason", sa.String(200), nullable=False),
        _staff("staff_id"),
        sa.Column("actor", sa.String(120), nullable=False),
        _staff("approved_by_id"),
        _created_at(),
        sa.CheckConstraint("kind in ('rebill', 'cancel')", name=op.f("ck_credit_note_kind")),
        sa.CheckConstraint("btrim(reason) <> ''", name=op.f("ck_credit_note_reason")),
    )
    op.create_index("ix_credit_note_account_id", "credit_note", ["account_id"])
    op.create_table(
        "adjustment",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("note_no", sa.String(32), nullable=False, unique=True),
        sa.Column("account_id", sa.Integer(), sa.ForeignKey("account.id"), nullable=False),
        sa.Column("amount", MONEY, nullable=False),
        sa.Column("bill_id", sa.Integer(), sa.ForeignKey("bill.id"), nullable=True),
        sa.Column("reason", sa.String(200), nullable=False),
        _staff("staff_id"),
        sa.Column("actor", sa.String(120), nullable=False),
        _staff("approved_by_id"),
        _created_at(),
        sa.CheckConstraint("amount <> 0", name=op.f("ck_adjustment_amount")),
        sa.CheckConstraint("btrim(reason) <> ''", name=op.f("ck_adjustment_reason")),
        sa.CheckConstraint(
            "(amount > 0) = (bill_id is not null)", name=op.f("ck_adjustment_debit_bill")
        ),
    )
    op.create_index("ix_adjustment_account_id", "adjustment", ["account_id"])
    op.create_table(
        "refund",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("refund_no", sa.String(48), nullable=False, unique=True),
        sa.Column("account_id", sa.Integer(), sa.ForeignKey("account.id"), nullable=False),
        sa.Column("account_no", sa.String(32), nullable=False),
        sa.Column("holder_name", sa.String(120), nullable=False),
        sa.Column("address", sa.String(200), nullable=False),
        sa.Column("amount", MONEY, nullable=False),
        sa.Column("channel", sa.String(10), nullable=False),
        sa.Column("reference", sa.String(64), server_default="", nullable=False),
        sa.Column("bank", sa.String(60), server_default="", nullable=False),
        sa.Column("branch_id", sa.Integer(), sa.ForeignKey("branch.id"), nullable=False),
        sa.Column("branch_name", sa.String(120), nullable=False),
        sa.Column("till_session_id", sa.Integer(), sa.ForeignKey("till_session.id"), nullable=True),
        _staff("clerk_id", nullable=False),
        sa.Column("clerk", sa.String(120), nullable=False),
        _staff("staff_id"),
        sa.Column("actor", sa.String(120), nullable=False),
        _staff("approved_by_id"),
        sa.Column("reason", sa.String(200), server_default="", nullable=False),
        _created_at(),
        sa.CheckConstraint("amount > 0", name=op.f("ck_refund_amount")),
        sa.CheckConstraint("channel in ('cash', 'transfer')", name=op.f("ck_refund_channel")),
        sa.CheckConstraint(
            "channel <> 'cash' or till_session_id is not null", name=op.f("ck_refund_till")
        ),
    )
    op.create_index("ix_refund_account_id", "refund", ["account_id"])
    op.create_index("ix_refund_till_session_id", "refund", ["till_session_id"])
    op.create_index(
        "uq_refund_reference",
        "refund",
        ["channel", "reference"],
        unique=True,
        postgresql_where=sa.text("reference <> ''"),
    )
    op.create_table(
        "deposit_ledger",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("account_id", sa.Integer(), sa.ForeignKey("account.id"), nullable=False),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("amount", MONEY, nullable=False),
        sa.Column("held_after", MONEY, nullable=False),
        sa.Column("bill_id", sa.Integer(), sa.ForeignKey("bill.id"), nullable=True),
        sa.Column("payment_id", sa.Integer(), sa.ForeignKey("payment.id"), nullable=True),
        sa.Column("note", sa.String(200), server_default="", nullable=False),
        _created_at(),
        sa.CheckConstraint("amount <> 0", name=op.f("ck_deposit_ledger_amount")),
        sa.CheckConstraint("held_after >= 0", name=op.f("ck_deposit_ledger_held_after")),
    )
    op.create_index("ix_deposit_ledger_account_id", "deposit_ledger", ["account_id"])
    for table in APPEND_ONLY_TABLES:
        op.execute(
            f"create trigger {table}_append_only before update or delete on {table} "
            "for each row execute function md_append_only()"
        )


def downgrade() -> None:
    for table in APPEND_ONLY_TABLES:
        op.execute(f"drop trigger {table}_append_only on {table}")
    for table in ("deposit_ledger", "refund", "adjustment", "credit_note", "office_counter"):
        op.drop_table(table)
    op.alter_column("bill_line", "tariff_id", existing_type=sa.Integer(), nullable=False)
    op.drop_column("bill_line", "note")
    op.drop_column("bill_meter", "estimated")
    op.drop_index("ix_bill_account_id", table_name="bill")
    op.drop_index("uq_bill_regular", table_name="bill")
    op.create_unique_constraint(op.f("uq_bill_account_id_period"), "bill", ["account_id", "period"])
    _bill_references(BILL_REFERENCES_BEFORE)
    for column in ("covers_to", "covers_from", "replaces_id", "kind"):
        op.drop_column("bill", column)
    op.drop_column("account", "moved_out_on")
    op.drop_column("account", "deposit")
    op.drop_constraint(op.f("ck_tariff_tier_basis"), "tariff", type_="check")
    op.drop_column("tariff", "tier_basis")
    op.drop_constraint(op.f("ck_customer_class_deposit"), "customer_class", type_="check")
    op.drop_column("customer_class", "deposit")
