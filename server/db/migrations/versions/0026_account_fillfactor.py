"""account pages half empty, so a billing run updates every prepaid balance in place

A billing run changes the balance of every prepaid account once, in one transaction. An
update stays on its page (HOT: no index touched) only if the page has room for the new
version, and the old versions cannot be pruned before the run commits: every row of a page
needs room for a second version, so the page can be filled to half. At 85 (0002) two thirds
of the updates moved to another page and wrote every index of the account again, now with
the search index's thirty-odd character pairs per account (0024): 47,702 prepaid balances
took 1.5 s at 100,000 accounts; at 50, 0.10 s, all in place.

The table is rewritten at its new fill (CLUSTER, in account-id order, under an exclusive
lock): about a minute for a million accounts, the search index rebuilt with it.

Revision ID: 0026
Revises: 0025
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0026"
down_revision: str | None = "0025"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.execute("alter table account set (fillfactor = 50)")
    op.execute("cluster account using pk_account")


def downgrade() -> None:
    op.execute("alter table account set (fillfactor = 85)")
