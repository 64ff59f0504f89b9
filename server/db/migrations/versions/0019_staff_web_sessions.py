"""staff web sessions: a staff sign-in on /staff/ kept server-side, so it can be ended

The cookie carries a random token; the row its SHA-256, the password it was started under
(a hash of the hash), when it started and was last used, and when and why it ended (logout,
password changed, login disabled, idle or too old).

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-07 12:20:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0019"
down_revision: str | None = "0018"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "staff_web_session",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("token_sha256", sa.String(64), nullable=False),
        sa.Column("staff_id", sa.Integer(), nullable=False),
        sa.Column("password_mark", sa.String(64), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("seen_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ended_at", sa.DateTime(timezone=True)),
        sa.Column("ended_why", sa.String(20), nullable=False),
        sa.Column("remote_addr", sa.String(64), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_staff_web_session"),
        sa.UniqueConstraint("token_sha256", name="uq_staff_web_session_token_sha256"),
        sa.ForeignKeyConstraint(
            ["staff_id"], ["staff.id"], name="fk_staff_web_session_staff_id_staff"
        ),
    )
    # Ending a staff member's live sessions (password change, disabled) finds them here.
    op.create_index(
        "ix_staff_web_session_live",
        "staff_web_session",
        ["staff_id"],
        postgresql_where=sa.text("ended_at is null"),
    )


def downgrade() -> None:
    op.drop_table("staff_web_session")
