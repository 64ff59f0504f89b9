"""payments, allocations, receipts, voids, reprints and document counters

Counter collection writes one payment at a time, so its tables keep ordinary foreign keys
(the set-based checks of 0002 are for the billing run's bulk writes). All of them are
append-only through md_append_only (0001); a document counter may change only its
last_value and is never deleted, since deleting one would hand out its numbers again.

account_ledger gains payment_id (the payment whose credit or void an entry records),
checked with its other references by the statement-level trigger of 0002.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-23 13:50:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

APPEND_ONLY_TABLES: dict[str, tuple[str, ...]] = {
    "document_counter": ("last_value",),
    "payment": (),
    "allocation": (),
    "receipt": (),
    "receipt_void": (),
    "receipt_reprint": (),
}
LEDGER_REFERENCES_BEFORE = ("account_id:account", "bill_id:bill")
LEDGER_REFERENCES_AFTER = (*LEDGER_REFERENCES_BEFORE, "payment_id:payment")


def _created_at() -> sa.Column:
    return sa.Column(
        "created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False
    )


def _ledger_references(specs: tuple[str, ...]) -> None:
    args = ", ".join(f"'{spec}'" for spec in specs)
    op.execute("drop trigger account_ledger_references on account_ledger")
    op.execute(
        "create trigger account_ledger_references after insert on account_ledger "
        "referencing new table as new_rows for each statement "
        f"execute function md_check_references({args})"
    )


def upgrade() -> None:
    op.create_table(
        "document_counter",
        sa.Column("series", sa.String(length=20), nullable=False),
        sa.Column("branch_id", sa.Integer(), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("last_value", sa.Integer(), nullable=False),
        sa.CheckConstraint("last_value >= 0", name=op.f("ck_document_counter_last_value")),
        sa.ForeignKeyConstraint(
            ["branch_id"], ["branch.id"], name=op.f("fk_document_counter_branch_id_branch")
        ),
        sa.PrimaryKeyConstraint("series", "branch_id", "year", name=op.f("pk_document_counter")),
    )
    op.create_table(
        "payment",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("amount", sa.Numeric(precision=14, scale=2), nullable=False),
        sa.Column("channel", sa.String(length=10), nullable=False),
        sa.Column("reference", sa.String(length=64), nullable=False),
        sa.Column("bank", sa.String(length=60), nullable=False),
        sa.Column("branch_id", sa.Integer(), nullable=False),
        sa.Column("staff_id", sa.Integer(), nullable=True),
        sa.Column("tendered", sa.Numeric(precision=14, scale=2), nullable=True),
        sa.Column("change", sa.Numeric(precision=14, scale=2), nullable=True),
        _created_at(),
        sa.CheckConstraint("amount > 0", name=op.f("ck_payment_amount")),
        sa.CheckConstraint(
            "channel in ('cash', 'cheque', 'transfer', 'online')", name=op.f("ck_payment_channel")
        ),
        sa.CheckConstraint(
            "tendered is null or tendered >= amount", name=op.f("ck_payment_tendered")
        ),
        sa.CheckConstraint('"change" is null or "change" >= 0', name=op.f("ck_payment_change")),
        sa.ForeignKeyConstraint(
            ["account_id"], ["account.id"], name=op.f("fk_payment_account_id_account")
        ),
        sa.ForeignKeyConstraint(
            ["branch_id"], ["branch.id"], name=op.f("fk_payment_branch_id_branch")
        ),
        sa.ForeignKeyConstraint(["staff_id"], ["staff.id"], name=op.f("fk_payment_staff_id_staff")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_payment")),
    )
    op.create_index(op.f("ix_payment_account_id"), "payment", ["account_id"], unique=False)
    op.create_index(
        "uq_payment_reference",
        "payment",
        ["channel", "bank", "reference"],
        unique=True,
        postgresql_where=sa.text("reference <> ''"),
    )
    op.create_table(
        "receipt",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("receipt_no", sa.String(length=48), nullable=False),
        sa.Column("payment_id", sa.Integer(), nullable=False),
        sa.Column("branch_id", sa.Integer(), nullable=False),
        sa.Column("branch_name", sa.String(length=120), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("account_no", sa.String(length=32), nullable=False),
        sa.Column("holder_name", sa.String(length=120), nullable=False),
        sa.Column("address", sa.String(length=200), nullable=False),
        sa.Column("lines", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("total", sa.Numeric(precision=14, scale=2), nullable=False),
        sa.Column("channel", sa.String(length=10), nullable=False),
        sa.Column("reference", sa.String(length=64), nullable=False),
        sa.Column("bank", sa.String(length=60), nullable=False),
        sa.Column("clerk", sa.String(length=120), nullable=False),
        sa.Column("tendered", sa.Numeric(precision=14, scale=2), nullable=True),
        sa.Column("change", sa.Numeric(precision=14, scale=2), nullable=True),
        sa.Column("issued_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"], ["account.id"], name=op.f("fk_receipt_account_id_account")
        ),
        sa.ForeignKeyConstraint(
            ["branch_id"], ["branch.id"], name=op.f("fk_receipt_branch_id_branch")
        ),
        sa.ForeignKeyConstraint(
            ["payment_id"], ["payment.id"], name=op.f("fk_receipt_payment_id_payment")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_receipt")),
        sa.UniqueConstraint("payment_id", name=op.f("uq_receipt_payment_id")),
        sa.UniqueConstraint("receipt_no", name=op.f("uq_receipt_receipt_no")),
    )
    op.create_index(op.f("ix_receipt_account_id"), "receipt", ["account_id"], unique=False)
    op.create_table(
        "receipt_void",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("receipt_id", sa.Integer(), nullable=False),
        sa.Column("reason", sa.String(length=200), nullable=False),
        sa.Column("staff_id", sa.Integer(), nullable=True),
        sa.Column("actor", sa.String(length=120), nullable=False),
        _created_at(),
        sa.CheckConstraint("btrim(reason) <> ''", name=op.f("ck_receipt_void_reason")),
        sa.ForeignKeyConstraint(
            ["receipt_id"], ["receipt.id"], name=op.f("fk_receipt_void_receipt_id_receipt")
        ),
        sa.ForeignKeyConstraint(
            ["staff_id"], ["staff.id"], name=op.f("fk_receipt_void_staff_id_staff")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_receipt_void")),
        sa.UniqueConstraint("receipt_id", name=op.f("uq_receipt_void_receipt_id")),
    )
    op.create_table(
        "receipt_reprint",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("receipt_id", sa.Integer(), nullable=False),
        sa.Column("staff_id", sa.Integer(), nullable=True),
        sa.Column("actor", sa.String(length=120), nullable=False),
        _created_at(),
        sa.ForeignKeyConstraint(
            ["receipt_id"], ["receipt.id"], name=op.f("fk_receipt_reprint_receipt_id_receipt")
        ),
        sa.ForeignKeyConstraint(
            ["staff_id"], ["staff.id"], name=op.f("fk_receipt_reprint_staff_id_staff")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_receipt_reprint")),
    )
    op.create_index(
        op.f("ix_receipt_reprint_receipt_id"), "receipt_reprint", ["receipt_id"], unique=False
    )
    op.create_table(
        "allocation",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("payment_id", sa.Integer(), nullable=False),
        sa.Column("bill_id", sa.Integer(), nullable=False),
        sa.Column("amount", sa.Numeric(precision=14, scale=2), nullable=False),
        sa.Column("void_id", sa.Integer(), nullable=True),
        _created_at(),
        sa.CheckConstraint("amount <> 0", name=op.f("ck_allocation_amount")),
        sa.ForeignKeyConstraint(["bill_id"], ["bill.id"], name=op.f("fk_allocation_bill_id_bill")),
        sa.ForeignKeyConstraint(
            ["payment_id"], ["payment.id"], name=op.f("fk_allocation_payment_id_payment")
        ),
        sa.ForeignKeyConstraint(
            ["void_id"], ["receipt_void.id"], name=op.f("fk_allocation_void_id_receipt_void")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_allocation")),
    )
    op.create_index(op.f("ix_allocation_bill_id"), "allocation", ["bill_id"], unique=False)
    op.create_index(op.f("ix_allocation_payment_id"), "allocation", ["payment_id"], unique=False)
    op.add_column("account_ledger", sa.Column("payment_id", sa.Integer(), nullable=True))
    _ledger_references(LEDGER_REFERENCES_AFTER)
    for table, mutable in APPEND_ONLY_TABLES.items():
        args = ", ".join(f"'{column}'" for column in mutable)
        op.execute(
            f"create trigger {table}_append_only before update or delete on {table} "
            f"for each row execute function md_append_only({args})"
        )


def downgrade() -> None:
    for table in APPEND_ONLY_TABLES:
        op.execute(f"drop trigger {table}_append_only on {table}")
    _ledger_references(LEDGER_REFERENCES_BEFORE)
    op.drop_column("account_ledger", "payment_id")
    op.drop_index(op.f("ix_allocation_payment_id"), table_name="allocation")
    op.drop_index(op.f("ix_allocation_bill_id"), table_name="allocation")
    op.drop_table("allocation")
    op.drop_index(op.f("ix_receipt_reprint_receipt_id"), table_name="receipt_reprint")
    op.drop_table("receipt_reprint")
    op.drop_table("receipt_void")
    op.drop_index(op.f("ix_receipt_account_id"), table_name="receipt")
    op.drop_table("receipt")
    op.drop_index(
        "uq_payment_reference", table_name="payment", postgresql_where=sa.text("reference <> ''")
    )
    op.drop_index(op.f("ix_payment_account_id"), table_name="payment")
    op.drop_table("payment")
    op.drop_table("document_counter")
