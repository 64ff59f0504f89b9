"""companion: WeChat followers, SMS codes, rate-limit events, 户号 bindings, the template
message outbox and the shared API token, service requests, notices, working-day overrides

None of these is append-only: a binding or a request moves through review, an outbox row
through sending; every such change is audited (audit_event) by the services.

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-23 15:01:29
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "rate_event",
        sa.Column("id", sa.BigInteger(), nullable=False),
        sa.Column("bucket", sa.String(length=120), nullable=False),
        sa.Column(
            "at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_rate_event")),
    )
    op.create_index("ix_rate_event_bucket_at", "rate_event", ["bucket", "at"], unique=False)
    op.create_table(
        "wechat_access_token",
        sa.Column("app_id", sa.String(length=64), nullable=False),
        sa.Column("token", sa.String(length=600), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("app_id", name=op.f("pk_wechat_access_token")),
    )
    op.create_table(
        "wechat_user",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("openid", sa.String(length=64), nullable=False),
        sa.Column("phone", sa.String(length=20), nullable=False),
        sa.Column("phone_verified_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("subscribed", sa.Boolean(), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_wechat_user")),
        sa.UniqueConstraint("openid", name=op.f("uq_wechat_user_openid")),
    )
    op.create_index(op.f("ix_wechat_user_phone"), "wechat_user", ["phone"], unique=False)
    op.create_table(
        "outbox_message",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("wechat_user_id", sa.Integer(), nullable=True),
        sa.Column("openid", sa.String(length=64), nullable=False),
        sa.Column("template_id", sa.String(length=64), nullable=False),
        sa.Column("url", sa.String(length=300), nullable=False),
        sa.Column("payload", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("dedupe_key", sa.String(length=120), nullable=True),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column(
            "next_attempt_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column("claimed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_error", sa.String(length=500), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.CheckConstraint(
            "status in ('pending', 'sending', 'sent', 'failed')",
            name=op.f("ck_outbox_message_status"),
        ),
        sa.ForeignKeyConstraint(
            ["wechat_user_id"],
            ["wechat_user.id"],
            name=op.f("fk_outbox_message_wechat_user_id_wechat_user"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outbox_message")),
        sa.UniqueConstraint("dedupe_key", name=op.f("uq_outbox_message_dedupe_key")),
    )
    op.create_index(
        "ix_outbox_message_due",
        "outbox_message",
        ["next_attempt_at"],
        unique=False,
        postgresql_where=sa.text("status = 'pending'"),
    )
    op.create_index(
        op.f("ix_outbox_message_wechat_user_id"), "outbox_message", ["wechat_user_id"], unique=False
    )
    op.create_table(
        "sms_code",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("phone", sa.String(length=20), nullable=False),
        sa.Column("wechat_user_id", sa.Integer(), nullable=False),
        sa.Column("code_hash", sa.String(length=64), nullable=False),
        sa.Column("salt", sa.String(length=32), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("used_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["wechat_user_id"],
            ["wechat_user.id"],
            name=op.f("fk_sms_code_wechat_user_id_wechat_user"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sms_code")),
    )
    op.create_index("ix_sms_code_phone_created", "sms_code", ["phone", "created_at"], unique=False)
    op.create_table(
        "binding",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("wechat_user_id", sa.Integer(), nullable=False),
        sa.Column("account_no", sa.String(length=32), nullable=False),
        sa.Column("claim", sa.String(length=120), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=True),
        sa.Column("matched", sa.Boolean(), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("due_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("reason", sa.String(length=200), nullable=False),
        sa.Column("reviewed_by_id", sa.Integer(), nullable=True),
        sa.Column("reviewed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.CheckConstraint(
            "status <> 'approved' or account_id is not null",
            name=op.f("ck_binding_approved_account"),
        ),
        sa.CheckConstraint(
            "status in ('pending', 'approved', 'rejected', 'revoked')",
            name=op.f("ck_binding_status"),
        ),
        sa.CheckConstraint(
            "status not in ('rejected', 'revoked') or btrim(reason) <> ''",
            name=op.f("ck_binding_reason"),
        ),
        sa.ForeignKeyConstraint(
            ["account_id"], ["account.id"], name=op.f("fk_binding_account_id_account")
        ),
        sa.ForeignKeyConstraint(
            ["reviewed_by_id"], ["staff.id"], name=op.f("fk_binding_reviewed_by_id_staff")
        ),
        sa.ForeignKeyConstraint(
            ["wechat_user_id"],
            ["wechat_user.id"],
            name=op.f("fk_binding_wechat_user_id_wechat_user"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_binding")),
    )
    op.create_index(op.f("ix_binding_account_id"), "binding", ["account_id"], unique=False)
    op.create_index("ix_binding_status_due", "binding", ["status", "due_at"], unique=False)
    op.create_index(op.f("ix_binding_wechat_user_id"), "binding", ["wechat_user_id"], unique=False)
    op.create_index(
        "uq_binding_live",
        "binding",
        ["wechat_user_id", "account_no"],
        unique=True,
        postgresql_where=sa.text("status in ('pending', 'approved')"),
    )
    op.create_table(
        "notice",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("title", sa.String(length=120), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("building_ids", postgresql.ARRAY(sa.Integer()), nullable=False),
        sa.Column("starts_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("ends_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("published_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("staff_id", sa.Integer(), nullable=True),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.CheckConstraint("btrim(title) <> ''", name=op.f("ck_notice_title")),
        sa.CheckConstraint(
            "kind in ('outage', 'info', 'faq', 'contact', 'tips')", name=op.f("ck_notice_kind")
        ),
        sa.ForeignKeyConstraint(["staff_id"], ["staff.id"], name=op.f("fk_notice_staff_id_staff")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notice")),
    )
    op.create_index("ix_notice_kind_published", "notice", ["kind", "published_at"], unique=False)
    op.create_table(
        "service_request",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=12), nullable=False),
        sa.Column("topic", sa.String(length=30), nullable=False),
        sa.Column("wechat_user_id", sa.Integer(), nullable=True),
        sa.Column("staff_id", sa.Integer(), nullable=True),
        sa.Column("account_id", sa.Integer(), nullable=True),
        sa.Column("description", sa.String(length=1000), nullable=False),
        sa.Column("place", sa.String(length=200), nullable=False),
        sa.Column("contact_phone", sa.String(length=20), nullable=False),
        sa.Column("slot", sa.String(length=40), nullable=False),
        sa.Column("photo_id", sa.Integer(), nullable=True),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("due_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("assigned_to_id", sa.Integer(), nullable=True),
        sa.Column("answer", sa.String(length=1000), nullable=False),
        sa.Column("answered_by_id", sa.Integer(), nullable=True),
        sa.Column("answered_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.CheckConstraint("btrim(description) <> ''", name=op.f("ck_service_request_description")),
        sa.CheckConstraint(
            "kind in ('visit', 'service', 'complaint', 'energy', 'fault')",
            name=op.f("ck_service_request_kind"),
        ),
        sa.CheckConstraint(
            "status = 'open' or btrim(answer) <> ''", name=op.f("ck_service_request_answer")
        ),
        sa.CheckConstraint(
            "status in ('open', 'answered', 'closed')", name=op.f("ck_service_request_status")
        ),
        sa.ForeignKeyConstraint(
            ["account_id"], ["account.id"], name=op.f("fk_service_request_account_id_account")
        ),
        sa.ForeignKeyConstraint(
            ["answered_by_id"], ["staff.id"], name=op.f("fk_service_request_answered_by_id_staff")
        ),
        sa.ForeignKeyConstraint(
            ["assigned_to_id"], ["staff.id"], name=op.f("fk_service_request_assigned_to_id_staff")
        ),
        sa.ForeignKeyConstraint(
            ["photo_id"], ["photo.id"], name=op.f("fk_service_request_photo_id_photo")
        ),
        sa.ForeignKeyConstraint(
            ["staff_id"], ["staff.id"], name=op.f("fk_service_request_staff_id_staff")
        ),
        sa.ForeignKeyConstraint(
            ["wechat_user_id"],
            ["wechat_user.id"],
            name=op.f("fk_service_request_wechat_user_id_wechat_user"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_service_request")),
    )
    op.create_index(
        "ix_service_request_status_due", "service_request", ["status", "due_at"], unique=False
    )
    op.create_index(
        op.f("ix_service_request_wechat_user_id"),
        "service_request",
        ["wechat_user_id"],
        unique=False,
    )
    op.create_table(
        "workday_override",
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("workday", sa.Boolean(), nullable=False),
        sa.Column("note", sa.String(length=100), nullable=False),
        sa.Column("staff_id", sa.Integer(), nullable=True),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["staff_id"], ["staff.id"], name=op.f("fk_workday_override_staff_id_staff")
        ),
        sa.PrimaryKeyConstraint("day", name=op.f("pk_workday_override")),
    )


def downgrade() -> None:
    op.drop_table("workday_override")
    op.drop_index(op.f("ix_service_request_wechat_user_id"), table_name="service_request")
    op.drop_index("ix_service_request_status_due", table_name="service_request")
    op.drop_table("service_request")
    op.drop_index("ix_notice_kind_published", table_name="notice")
    op.drop_table("notice")
    op.drop_index(
        "uq_binding_live",
        table_name="binding",
        postgresql_where=sa.text("status in ('pending', 'approved')"),
    )
    op.drop_index(op.f("ix_binding_wechat_user_id"), table_name="binding")
    op.drop_index("ix_binding_status_due", table_name="binding")
    op.drop_index(op.f("ix_binding_account_id"), table_name="binding")
    op.drop_table("binding")
    op.drop_index("ix_sms_code_phone_created", table_name="sms_code")
    op.drop_table("sms_code")
    op.drop_index(op.f("ix_outbox_message_wechat_user_id"), table_name="outbox_message")
    op.drop_index(
        "ix_outbox_message_due",
        table_name="outbox_message",
        postgresql_where=sa.text("status = 'pending'"),
    )
    op.drop_table("outbox_message")
    op.drop_index(op.f("ix_wechat_user_phone"), table_name="wechat_user")
    op.drop_table("wechat_user")
    op.drop_table("wechat_access_token")
    op.drop_index("ix_rate_event_bucket_at", table_name="rate_event")
    op.drop_table("rate_event")
