"""The WeChat companion's tables: followers, verification codes, rate-limit events,
户号 bindings, the template-message outbox, service requests, notices and the working-day
overrides the SLA clocks use (migration 0007).

The service keeps nothing in memory between requests, so everything a second copy of it
must see (codes, counters, the access token) lives here.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    Numeric,
    String,
    Text,
    text,
)
from sqlalchemy.dialects.postgresql import ARRAY, JSONB
from sqlalchemy.orm import Mapped, mapped_column

from server.db.base import Base, Timestamp

BINDING_PENDING = "pending"
BINDING_APPROVED = "approved"
BINDING_REJECTED = "rejected"
BINDING_REVOKED = "revoked"

OUTBOX_PENDING = "pending"
OUTBOX_SENDING = "sending"
OUTBOX_SENT = "sent"
OUTBOX_FAILED = "failed"

REQUEST_OPEN = "open"
REQUEST_ANSWERED = "answered"
REQUEST_CLOSED = "closed"


class WechatUser(Base):
    """A follower of the official account, known by openid; a phone once registered."""

    __tablename__ = "wechat_user"

    id: Mapped[int] = mapped_column(primary_key=True)
    openid: Mapped[str] = mapped_column(String(64), unique=True)
    phone: Mapped[str] = mapped_column(String(20), default="", index=True)
    phone_verified_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    subscribed: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[Timestamp]


class SmsCode(Base):
    """A verification code sent by SMS; only its salted hash is kept."""

    __tablename__ = "sms_code"
    __table_args__ = (Index("ix_sms_code_phone_created", "phone", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    phone: Mapped[str] = mapped_column(String(20))
    wechat_user_id: Mapped[int] = mapped_column(ForeignKey("wechat_user.id"))
    code_hash: Mapped[str] = mapped_column(String(64))
    salt: Mapped[str] = mapped_column(String(32))
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    used_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[Timestamp]


class RateEvent(Base):
    """One counted attempt (a login, a code sent, a binding asked) in a named bucket."""

    __tablename__ = "rate_event"
    __table_args__ = (Index("ix_rate_event_bucket_at", "bucket", "at"),)

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    bucket: Mapped[str] = mapped_column(String(120))
    at: Mapped[Timestamp]


class Binding(Base):
    """户号绑定 request and its outcome.

    What the resident typed is kept as typed; `account_id` is set when the 户号 exists and
    `matched` says whether the name or phone agreed with the account's record. A resident
    is told the same either way; staff see both.
    """

    __tablename__ = "binding"
    __table_args__ = (
        CheckConstraint("status in ('pending', 'approved', 'rejected', 'revoked')", name="status"),
        CheckConstraint(
            "status not in ('rejected', 'revoked') or btrim(reason) <> ''", name="reason"
        ),
        CheckConstraint("status <> 'approved' or account_id is not null", name="approved_account"),
        # One live request or binding per resident and 户号.
        Index(
            "uq_binding_live",
            "wechat_user_id",
            "account_no",
            unique=True,
            postgresql_where=text("status in ('pending', 'approved')"),
        ),
        Index("ix_binding_status_due", "status", "due_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    wechat_user_id: Mapped[int] = mapped_column(ForeignKey("wechat_user.id"), index=True)
    account_no: Mapped[str] = mapped_column(String(32))
    claim: Mapped[str] = mapped_column(String(120))
    account_id: Mapped[int | None] = mapped_column(ForeignKey("account.id"), index=True)
    matched: Mapped[bool] = mapped_column(Boolean)
    status: Mapped[str] = mapped_column(String(10), default=BINDING_PENDING)
    due_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    reason: Mapped[str] = mapped_column(String(200), default="")
    reviewed_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    reviewed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[Timestamp]


class OutboxMessage(Base):
    """A template message to send (模板消息), and how sending it went.

    `sending` is committed before the call to WeChat, so a sender that dies mid-call leaves
    a row nobody re-sends blindly: it is marked failed for a person to check.
    """

    __tablename__ = "outbox_message"
    __table_args__ = (
        CheckConstraint("status in ('pending', 'sending', 'sent', 'failed')", name="status"),
        CheckConstraint(
            "(channel = 'wechat' and wechat_user_id is not null)"
            " or (channel = 'sms' and btrim(phone) <> '')",
            name="channel",
        ),
        Index(
            "ix_outbox_message_due",
            "next_attempt_at",
            postgresql_where=text("status = 'pending'"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))
    wechat_user_id: Mapped[int | None] = mapped_column(ForeignKey("wechat_user.id"), index=True)
    openid: Mapped[str] = mapped_column(String(64))
    template_id: Mapped[str] = mapped_column(String(64), default="")
    url: Mapped[str] = mapped_column(String(300), default="")
    payload: Mapped[dict[str, Any]] = mapped_column(JSONB)
    # Set by producers that may run twice (a bill issued, a payment received).
    dedupe_key: Mapped[str | None] = mapped_column(String(120), unique=True)
    status: Mapped[str] = mapped_column(String(10), default=OUTBOX_PENDING)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=text("now()")
    )
    claimed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    last_error: Mapped[str] = mapped_column(String(500), default="")
    sent_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[Timestamp]
    # 'sms': for a resident who never followed, sent to `phone` rather than `openid`.
    channel: Mapped[str] = mapped_column(String(10), server_default="wechat")
    phone: Mapped[str] = mapped_column(String(20), server_default="")


class WechatAccessToken(Base):
    """The official account's API token, shared by every copy of the service: WeChat
    invalidates older tokens when a new one is fetched."""

    __tablename__ = "wechat_access_token"

    app_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    token: Mapped[str] = mapped_column(String(600))
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class ServiceRequest(Base):
    """服务诉求, 上门预约, 投诉建议, 节能先锋 from residents; 故障上报 from field staff."""

    __tablename__ = "service_request"
    __table_args__ = (
        CheckConstraint("status in ('open', 'answered', 'closed')", name="status"),
        CheckConstraint(
            "kind in ('visit', 'service', 'complaint', 'energy', 'fault')", name="kind"
        ),
        CheckConstraint("btrim(description) <> ''", name="description"),
        CheckConstraint("status = 'open' or btrim(answer) <> ''", name="answer"),
        CheckConstraint(
            "(latitude is null) = (longitude is null)"
            " and latitude between -90 and 90 and longitude between -180 and 180",
            name="position",
        ),
        Index("ix_service_request_status_due", "status", "due_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(12))
    topic: Mapped[str] = mapped_column(String(30))
    wechat_user_id: Mapped[int | None] = mapped_column(ForeignKey("wechat_user.id"), index=True)
    staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    account_id: Mapped[int | None] = mapped_column(ForeignKey("account.id"))
    description: Mapped[str] = mapped_column(String(1000))
    place: Mapped[str] = mapped_column(String(200), default="")
    contact_phone: Mapped[str] = mapped_column(String(20), default="")
    slot: Mapped[str] = mapped_column(String(40), default="")
    photo_id: Mapped[int | None] = mapped_column(ForeignKey("photo.id"))
    status: Mapped[str] = mapped_column(String(10), default=REQUEST_OPEN)
    due_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    assigned_to_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    answer: Mapped[str] = mapped_column(String(1000), default="")
    answered_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    answered_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # What the assigned worker left on completing it (service_requests.complete_task).
    result_photo_ids: Mapped[list[int]] = mapped_column(
        ARRAY(Integer), default=list, server_default="{}"
    )
    latitude: Mapped[Decimal | None] = mapped_column(Numeric(9, 6))
    longitude: Mapped[Decimal | None] = mapped_column(Numeric(9, 6))
    created_at: Mapped[Timestamp]


class Notice(Base):
    """Published content: 停水停电通知 (to chosen buildings), 便民信息, 常见问题, 联系我们,
    生活常识."""

    __tablename__ = "notice"
    __table_args__ = (
        CheckConstraint("kind in ('outage', 'info', 'faq', 'contact', 'tips')", name="kind"),
        CheckConstraint("btrim(title) <> ''", name="title"),
        Index("ix_notice_kind_published", "kind", "published_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(10))
    title: Mapped[str] = mapped_column(String(120))
    body: Mapped[str] = mapped_column(Text)
    building_ids: Mapped[list[int]] = mapped_column(ARRAY(Integer), default=list)
    starts_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    ends_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    published_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    created_at: Mapped[Timestamp]


class WorkdayOverride(Base):
    """A day the chinesecalendar package gets wrong or does not know (a later year, a
    campus closure): `workday` says what the day is."""

    __tablename__ = "workday_override"

    day: Mapped[date] = mapped_column(Date, primary_key=True)
    workday: Mapped[bool] = mapped_column(Boolean)
    note: Mapped[str] = mapped_column(String(100), default="")
    staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    created_at: Mapped[Timestamp]
