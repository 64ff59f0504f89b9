"""permissions (权限管理): modules granted per department and post

The standard posts (server.services.staff.org.ROLES) get their default modules, so a database
that already has staff keeps working after the upgrade.

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-23 15:20:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# A copy frozen at this revision (a migration must not change when the code does).
DEFAULTS = {
    "clerk": ("counter", "accounts"),
    "reader": ("readings", "meters", "accounts"),
    "manager": (
        "counter", "accounts", "meters", "readings", "tariffs", "billing", "reports",
        "service", "admin",
    ),
}  # fmt: skip


def upgrade() -> None:
    op.create_table(
        "permission_grant",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("department_id", sa.Integer(), sa.ForeignKey("department.id"), nullable=True),
        sa.Column("post_id", sa.Integer(), sa.ForeignKey("post.id"), nullable=False),
        sa.Column("module", sa.String(20), nullable=False),
        sa.Column(
            "created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
    )
    op.create_index("ix_permission_grant_post_id", "permission_grant", ["post_id"])
    op.create_index(
        "uq_permission_grant",
        "permission_grant",
        [sa.text("coalesce(department_id, 0)"), "post_id", "module"],
        unique=True,
    )
    for post_code, modules in DEFAULTS.items():
        for module in modules:
            op.execute(
                sa.text(
                    "insert into permission_grant (post_id, module) "
                    "select id, :module from post where code = :code"
                ).bindparams(module=module, code=post_code)
            )


def downgrade() -> None:
    op.drop_table("permission_grant")
