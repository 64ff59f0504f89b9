"""billing run counts set at its end: billing_run.created and .skipped may change

A billing run takes its accounts a batch at a time, so its memory stays flat at a million
accounts (issue 21); it knows how many bills it made and which meters it left out only at
its end. Its row is written first, since every bill refers to it, and these two columns are
set last in the same transaction. The rest of the row stays append-only; md_grant_app_role
(run after every upgrade) lets the application role update exactly these columns.

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-07 13:00:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0021"
down_revision: str | None = "0020"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _append_only(*mutable: str) -> None:
    args = ", ".join(f"'{column}'" for column in mutable)
    op.execute("drop trigger billing_run_append_only on billing_run")
    op.execute(
        "create trigger billing_run_append_only before update or delete on billing_run "
        f"for each row execute function md_append_only({args})"
    )


def upgrade() -> None:
    _append_only("created", "skipped")


def downgrade() -> None:
    _append_only()
