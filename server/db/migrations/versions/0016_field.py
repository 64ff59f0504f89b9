"""field staff complete their tasks: the photos taken on site and where the phone was

A completed task keeps its photos beside the resident's own (photo_id) and the position
the phone reported (WeChat's getLocation or the browser's geolocation), when it gave one.
A staff member who binds their WeChat (个人信息) is told of a task assigned to them by
template message.

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-07 06:40:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0016"
down_revision: str | None = "0015"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column(
        "staff",
        sa.Column(
            "wechat_user_id",
            sa.Integer(),
            sa.ForeignKey("wechat_user.id", name=op.f("fk_staff_wechat_user_id_wechat_user")),
        ),
    )
    op.create_unique_constraint(op.f("uq_staff_wechat_user_id"), "staff", ["wechat_user_id"])
    op.add_column(
        "service_request",
        sa.Column(
            "result_photo_ids",
            postgresql.ARRAY(sa.Integer()),
            nullable=False,
            server_default="{}",
        ),
    )
    op.add_column("service_request", sa.Column("latitude", sa.Numeric(9, 6)))
    op.add_column("service_request", sa.Column("longitude", sa.Numeric(9, 6)))
    op.create_check_constraint(
        op.f("ck_service_request_position"),
        "service_request",
        "(latitude is null) = (longitude is null)"
        " and latitude between -90 and 90 and longitude between -180 and 180",
    )


def downgrade() -> None:
    op.drop_constraint(op.f("ck_service_request_position"), "service_request")
    op.drop_column("service_request", "longitude")
    op.drop_column("service_request", "latitude")
    op.drop_column("service_request", "result_photo_ids")
    op.drop_constraint(op.f("uq_staff_wechat_user_id"), "staff")
    op.drop_column("staff", "wechat_user_id")
