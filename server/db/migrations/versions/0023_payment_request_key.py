"""payment.request_key: a counter payment retried after a lost acknowledgement is taken once

A client makes a key (a UUID) when the clerk starts a payment and sends the same key on
every retry of it. When the primary dies after the commit but before the desktop saw it
(issue 21, failover), a cash payment has no reference to catch the retry; the key does:
take_payment returns the payment already made under it. The partial unique index settles
two retries racing each other.

Revision ID: 0023
Revises: 0022
Create Date: 2026-12-07 13:20:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0023"
down_revision: str | None = "0022"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("payment", sa.Column("request_key", sa.Uuid(), nullable=True))
    op.create_index(
        "uq_payment_request_key",
        "payment",
        ["request_key"],
        unique=True,
        postgresql_where=sa.text("request_key is not null"),
    )


def downgrade() -> None:
    op.drop_index("uq_payment_request_key", table_name="payment")
    op.drop_column("payment", "request_key")
