"""field staff 新装换装 reports waiting for the desk's confirmation

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-23 16:20:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# A report is a record of what was seen on site: only its decision may change later.
MUTABLE = (
    "status", "refusal", "decided_by_id", "decided_at", "reason", "new_meter_id",
    "replacement_id",
)  # fmt: skip


def upgrade() -> None:
    op.create_table(
        "field_install",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("kind", sa.String(10), nullable=False),
        sa.Column("old_meter_id", sa.Integer(), sa.ForeignKey("meter.id")),
        sa.Column("old_final", sa.Numeric(16, 3)),
        sa.Column("old_photo_id", sa.Integer(), sa.ForeignKey("photo.id")),
        sa.Column("new_meter_no", sa.String(32), nullable=False),
        sa.Column("new_kind", sa.String(12), nullable=False),
        sa.Column("digits", sa.Integer(), nullable=False),
        sa.Column("multiplier", sa.Numeric(12, 4), nullable=False),
        sa.Column("new_initial", sa.Numeric(16, 3), nullable=False),
        sa.Column("new_photo_id", sa.Integer(), sa.ForeignKey("photo.id"), nullable=False),
        sa.Column("building_id", sa.Integer(), sa.ForeignKey("building.id")),
        sa.Column("location", sa.String(200), nullable=False),
        sa.Column("account_id", sa.Integer(), sa.ForeignKey("account.id")),
        sa.Column("note", sa.String(200), nullable=False),
        sa.Column("reported_by_id", sa.Integer(), sa.ForeignKey("staff.id")),
        sa.Column("reported_actor", sa.String(120), nullable=False),
        sa.Column("reported_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("status", sa.String(10), nullable=False),
        sa.Column("refusal", sa.String(300), nullable=False),
        sa.Column("decided_by_id", sa.Integer(), sa.ForeignKey("staff.id")),
        sa.Column("decided_at", sa.DateTime(timezone=True)),
        sa.Column("reason", sa.String(200), nullable=False),
        sa.Column("new_meter_id", sa.Integer(), sa.ForeignKey("meter.id")),
        sa.Column("replacement_id", sa.Integer(), sa.ForeignKey("meter_replacement.id")),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.func.now(),
            nullable=False,
        ),
        sa.CheckConstraint("kind in ('new', 'replace')", name=op.f("ck_field_install_kind")),
        sa.CheckConstraint(
            "status in ('pending', 'confirmed', 'rejected')", name=op.f("ck_field_install_status")
        ),
        sa.CheckConstraint(
            "new_kind in ('water', 'electricity')", name=op.f("ck_field_install_new_kind")
        ),
        sa.CheckConstraint("digits between 1 and 12", name=op.f("ck_field_install_digits")),
        sa.CheckConstraint("multiplier > 0", name=op.f("ck_field_install_multiplier")),
        sa.CheckConstraint("new_initial >= 0", name=op.f("ck_field_install_new_initial")),
        sa.CheckConstraint(
            "kind <> 'replace' or (old_meter_id is not null and old_final is not null"
            " and old_photo_id is not null)",
            name=op.f("ck_field_install_replace_old"),
        ),
        sa.CheckConstraint(
            "status <> 'rejected' or btrim(reason) <> ''", name=op.f("ck_field_install_reason")
        ),
        sa.CheckConstraint(
            "status <> 'confirmed' or new_meter_id is not null",
            name=op.f("ck_field_install_confirmed_meter"),
        ),
    )
    op.create_index(
        "ix_field_install_pending",
        "field_install",
        ["reported_at"],
        postgresql_where=sa.text("status = 'pending'"),
    )
    args = ", ".join(f"'{column}'" for column in MUTABLE)
    op.execute(
        "create trigger field_install_append_only before update or delete on field_install "
        f"for each row execute function md_append_only({args})"
    )


def downgrade() -> None:
    op.execute("drop trigger field_install_append_only on field_install")
    op.drop_table("field_install")
