"""service_status: the warning a server process left at start (SMS console outside
development), for the desk's dashboard

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-07 06:40:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "service_status",
        sa.Column("service", sa.String(40), nullable=False),
        sa.Column("host", sa.String(120), nullable=False),
        sa.Column("warning", sa.Text(), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("service", name="pk_service_status"),
    )


def downgrade() -> None:
    op.drop_table("service_status")
