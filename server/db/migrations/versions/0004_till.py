"""the clerk's till and day (日结): till sessions, cash hand-overs, payment.till_session_id

Both tables are append-only through md_append_only (0001). A till session's close columns
are its only mutable ones, and only once: till_session_closed refuses any update of a row
whose closed_at is already set, so a settled day stays as it was settled.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-23 14:15:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

CLOSE_COLUMNS = ("closed_at", "cash_counted", "expected_cash", "over_short", "note")

CLOSED_FUNCTION = """
create function md_till_session_closed() returns trigger language plpgsql as $$
begin
    if old.closed_at is not null then
        raise exception 'till_session % is closed: a settled day is never changed', old.id
            using errcode = 'restrict_violation';
    end if;
    return new;
end $$;
"""


def _money(name: str, nullable: bool = True) -> sa.Column:
    return sa.Column(name, sa.Numeric(precision=14, scale=2), nullable=nullable)


def upgrade() -> None:
    op.create_table(
        "till_session",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("staff_id", sa.Integer(), nullable=False),
        sa.Column("branch_id", sa.Integer(), nullable=False),
        sa.Column("business_date", sa.Date(), nullable=False),
        _money("float_amount", nullable=False),
        sa.Column(
            "opened_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        _money("cash_counted"),
        _money("expected_cash"),
        _money("over_short"),
        sa.Column("note", sa.String(length=200), nullable=False),
        sa.CheckConstraint("float_amount >= 0", name=op.f("ck_till_session_float_amount")),
        sa.CheckConstraint(
            "cash_counted is null or cash_counted >= 0", name=op.f("ck_till_session_cash_counted")
        ),
        sa.CheckConstraint(
            "(closed_at is null) = (cash_counted is null)"
            " and (closed_at is null) = (expected_cash is null)"
            " and (closed_at is null) = (over_short is null)",
            name=op.f("ck_till_session_closed"),
        ),
        sa.ForeignKeyConstraint(
            ["branch_id"], ["branch.id"], name=op.f("fk_till_session_branch_id_branch")
        ),
        sa.ForeignKeyConstraint(
            ["staff_id"], ["staff.id"], name=op.f("fk_till_session_staff_id_staff")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_till_session")),
    )
    op.create_index(
        "uq_till_session_open",
        "till_session",
        ["staff_id"],
        unique=True,
        postgresql_where=sa.text("closed_at is null"),
    )
    op.create_index(
        "uq_till_session_staff_day", "till_session", ["staff_id", "business_date"], unique=True
    )
    op.create_table(
        "cash_handover",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("till_session_id", sa.Integer(), nullable=False),
        _money("amount", nullable=False),
        sa.Column("to_staff_id", sa.Integer(), nullable=False),
        sa.Column(
            "at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False
        ),
        sa.Column("note", sa.String(length=200), nullable=False),
        sa.CheckConstraint("amount > 0", name=op.f("ck_cash_handover_amount")),
        sa.ForeignKeyConstraint(
            ["till_session_id"],
            ["till_session.id"],
            name=op.f("fk_cash_handover_till_session_id_till_session"),
        ),
        sa.ForeignKeyConstraint(
            ["to_staff_id"], ["staff.id"], name=op.f("fk_cash_handover_to_staff_id_staff")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_cash_handover")),
    )
    op.create_index(
        op.f("ix_cash_handover_till_session_id"),
        "cash_handover",
        ["till_session_id"],
        unique=False,
    )
    op.add_column("payment", sa.Column("till_session_id", sa.Integer(), nullable=True))
    op.create_foreign_key(
        op.f("fk_payment_till_session_id_till_session"),
        "payment",
        "till_session",
        ["till_session_id"],
        ["id"],
    )
    op.create_index(
        op.f("ix_payment_till_session_id"), "payment", ["till_session_id"], unique=False
    )
    op.execute(CLOSED_FUNCTION)
    op.execute(
        "create trigger till_session_closed before update on till_session "
        "for each row execute function md_till_session_closed()"
    )
    args = ", ".join(f"'{column}'" for column in CLOSE_COLUMNS)
    op.execute(
        "create trigger till_session_append_only before update or delete on till_session "
        f"for each row execute function md_append_only({args})"
    )
    op.execute(
        "create trigger cash_handover_append_only before update or delete on cash_handover "
        "for each row execute function md_append_only()"
    )


def downgrade() -> None:
    op.execute("drop trigger cash_handover_append_only on cash_handover")
    op.execute("drop trigger till_session_append_only on till_session")
    op.execute("drop trigger till_session_closed on till_session")
    op.execute("drop function md_till_session_closed()")
    op.drop_index(op.f("ix_payment_till_session_id"), table_name="payment")
    op.drop_constraint(
        op.f("fk_payment_till_session_id_till_session"), "payment", type_="foreignkey"
    )
    op.drop_column("payment", "till_session_id")
    op.drop_index(op.f("ix_cash_handover_till_session_id"), table_name="cash_handover")
    op.drop_table("cash_handover")
    op.drop_index("uq_till_session_staff_day", table_name="till_session")
    op.drop_index(
        "uq_till_session_open",
        table_name="till_session",
        postgresql_where=sa.text("closed_at is null"),
    )
    op.drop_table("till_session")
