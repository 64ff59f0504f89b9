"""online payment: orders may go to the demo provider (演示支付) of `meterdesk demo`

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-07 02:30:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _provider_check(providers: str) -> None:
    name = op.f("ck_payment_order_provider")
    op.drop_constraint(name, "payment_order", type_="check")
    op.create_check_constraint(name, "payment_order", f"provider in ({providers})")


def upgrade() -> None:
    _provider_check("'wechat', 'unionpay', 'demo'")


def downgrade() -> None:
    # Refused while demo orders exist: they are kept, like every order.
    _provider_check("'wechat', 'unionpay'")
