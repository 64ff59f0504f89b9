"""scheduled jobs: job_run, one row per job and due time (its outcome and message, and the
next due time by the runner's schedule)

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-07 06:45:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "job_run",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("job", sa.String(40), nullable=False),
        sa.Column("due_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True)),
        sa.Column("next_due_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("outcome", sa.String(10), nullable=False),
        sa.Column("message", sa.Text(), nullable=False),
        sa.Column("host", sa.String(120), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_job_run"),
        sa.UniqueConstraint("job", "due_at", name="uq_job_run_job_due_at"),
        sa.CheckConstraint("outcome in ('running', 'ok', 'failed')", name="ck_job_run_outcome"),
    )


def downgrade() -> None:
    op.drop_table("job_run")
