"""photo capture time: the EXIF DateTimeOriginal read before re-encoding strips it

Kept beside created_at (the upload) as evidence for readings: a photo taken long before it
was sent proves nothing about the figure's day.

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-07 06:45:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0017"
down_revision: str | None = "0016"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("photo", sa.Column("captured_at", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    op.drop_column("photo", "captured_at")
