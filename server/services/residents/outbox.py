"""The template-message outbox (模板消息): what to tell a resident, and how sending went.

Producers (a binding reviewed, a request answered, an outage notice) add rows in their own
transaction, so a message exists exactly when what it reports was committed. A sender
claims due rows with FOR UPDATE SKIP LOCKED, marks them `sending` and commits before it
calls WeChat: two senders never take the same row, and a sender that dies mid-call leaves
a row that is failed for a person to check rather than sent a second time.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from server.db.models import OutboxMessage, WechatUser
from server.db.models.companion import OUTBOX_FAILED, OUTBOX_PENDING, OUTBOX_SENDING, OUTBOX_SENT
from server.services.core import audit, permissions
from server.services.core.audit import Actor
from server.services.core.errors import DomainError, NotFound

KIND_LABELS = {
    "bill": "账单通知",
    "payment": "缴费成功",
    "outage": "停水停电通知",
    "answer": "办理结果",
    "reminder": "欠费催缴",
    "low_balance": "余额不足提醒",
    "task": "任务分派",
}
MAX_ATTEMPTS = 6
# The payload key of a WeChat row's SMS parameters, sent instead when its template is unset.
SMS_FALLBACK = "_sms"
FIRST_RETRY = timedelta(seconds=30)
LONGEST_RETRY = timedelta(hours=1)
# A row still `sending` after this was taken by a sender that died mid-call.
STALE_SENDING = timedelta(minutes=10)
STATUS_LABELS = {
    OUTBOX_PENDING: "待发送",
    OUTBOX_SENDING: "发送中",
    OUTBOX_SENT: "已发送",
    OUTBOX_FAILED: "发送失败",
}


def retry_delay(attempts: int) -> timedelta:
    """30 s, 1 min, 2 min, 4 min … after the 1st, 2nd, 3rd … failure, at most an hour."""
    return min(FIRST_RETRY * 2 ** max(attempts - 1, 0), LONGEST_RETRY)


def enqueue(
    session: Session,
    kind: str,
    wechat_user_id: int,
    data: dict[str, str],
    *,
    url: str = "",
    dedupe_key: str | None = None,
    sms_fallback: tuple[str, dict[str, str]] | None = None,
) -> int | None:
    """Queue a message; returns its id, or None when `dedupe_key` was queued before.
    `sms_fallback` (phone, SMS parameters) is sent by SMS instead when the WeChat template
    for `kind` is not configured."""
    if kind not in KIND_LABELS:
        raise DomainError(f"未知的消息类型「{kind}」")
    user = session.get(WechatUser, wechat_user_id)
    if user is None:
        raise NotFound(f"微信用户 {wechat_user_id} 不存在")
    phone, sms_data = sms_fallback or ("", None)
    payload = {**data, SMS_FALLBACK: sms_data} if sms_data else data
    return session.execute(
        text(
            "insert into outbox_message (kind, wechat_user_id, openid, phone, template_id, url,"
            " payload, dedupe_key, status, attempts, last_error)"
            " values (:kind, :uid, :openid, :phone, '', :url, cast(:payload as jsonb), :key,"
            " 'pending', 0, '') on conflict (dedupe_key) do nothing returning id"
        ),
        {
            "kind": kind,
            "uid": user.id,
            "openid": user.openid,
            "phone": phone,
            "url": url,
            "payload": json.dumps(payload, ensure_ascii=False),
            "key": dedupe_key,
        },
    ).scalar()


def enqueue_sms(
    session: Session,
    kind: str,
    phone: str,
    data: dict[str, str],
    *,
    url: str = "",
    dedupe_key: str | None = None,
) -> int | None:
    """Queue a message for a resident who does not follow the official account, by SMS to
    `phone`; `data` holds the SMS template's parameters (residents.sms.KINDS)."""
    if kind not in KIND_LABELS:
        raise DomainError(f"未知的消息类型「{kind}」")
    return session.execute(
        text(
            "insert into outbox_message (kind, channel, phone, openid, template_id, url,"
            " payload, dedupe_key, status, attempts, last_error)"
            " values (:kind, 'sms', :phone, '', '', :url, cast(:payload as jsonb), :key,"
            " 'pending', 0, '') on conflict (dedupe_key) do nothing returning id"
        ),
        {
            "kind": kind,
            "phone": phone,
            "url": url,
            "payload": json.dumps(data, ensure_ascii=False),
            "key": dedupe_key,
        },
    ).scalar()


@dataclass(frozen=True)
class Claimed:
    message_id: int
    kind: str
    openid: str
    url: str
    data: dict[str, Any]
    attempts: int
    channel: str = "wechat"
    phone: str = ""


def claim_due(session: Session, limit: int = 20) -> list[Claimed]:
    """Take up to `limit` due messages for this sender; commit before sending them."""
    rows = session.scalars(
        select(OutboxMessage)
        .where(OutboxMessage.status == OUTBOX_PENDING, OutboxMessage.next_attempt_at <= func.now())
        .order_by(OutboxMessage.next_attempt_at, OutboxMessage.id)
        .limit(limit)
        .with_for_update(skip_locked=True)
    ).all()
    for row in rows:
        row.status = OUTBOX_SENDING
        row.attempts += 1
        row.claimed_at = func.now()
    session.flush()
    return [
        Claimed(r.id, r.kind, r.openid, r.url, dict(r.payload), r.attempts, r.channel, r.phone)
        for r in rows
    ]


def _claimed(session: Session, message_id: int) -> OutboxMessage:
    row = session.get(OutboxMessage, message_id, with_for_update=True)
    if row is None:
        raise NotFound(f"消息 {message_id} 不存在")
    if row.status != OUTBOX_SENDING:
        raise DomainError(f"消息 {message_id} 不在发送中（{STATUS_LABELS[row.status]}）")
    return row


def mark_sent(session: Session, message_id: int, template_id: str) -> None:
    row = _claimed(session, message_id)
    row.status = OUTBOX_SENT
    row.template_id = template_id
    row.sent_at = func.now()
    row.last_error = ""
    audit.record(session, Actor.system("outbox"), "outbox.sent", "outbox_message", message_id)


def mark_failed(session: Session, message_id: int, error: str, *, retry: bool) -> str:
    """Record a failed send: back to pending after a growing delay, or failed for good
    (no retry wanted, or MAX_ATTEMPTS reached). Returns the new status."""
    row = _claimed(session, message_id)
    row.last_error = error[:500]
    if retry and row.attempts < MAX_ATTEMPTS:
        row.status = OUTBOX_PENDING
        row.next_attempt_at = func.now() + retry_delay(row.attempts)
    else:
        row.status = OUTBOX_FAILED
    audit.record(
        session,
        Actor.system("outbox"),
        "outbox.failed" if row.status == OUTBOX_FAILED else "outbox.retry",
        "outbox_message",
        message_id,
        {"error": row.last_error, "attempts": row.attempts},
    )
    return row.status


def fail_stale(session: Session) -> int:
    """Rows left `sending` by a sender that died: WeChat may or may not have delivered
    them, so they are failed for a person to check, never re-sent blindly."""
    ids = session.scalars(
        text(
            "update outbox_message set status = 'failed',"
            " last_error = '发送结果未知（发送进程中断），请核对后决定是否重发'"
            " where status = 'sending' and claimed_at < now() - :stale returning id"
        ),
        {"stale": STALE_SENDING},
    ).all()
    for message_id in ids:
        audit.record(session, Actor.system("outbox"), "outbox.stale", "outbox_message", message_id)
    return len(ids)


@dataclass(frozen=True)
class OutboxRow:
    message_id: int
    kind: str
    openid: str
    status: str
    attempts: int
    last_error: str
    created_at: datetime
    sent_at: datetime | None
    data: dict[str, Any]
    channel: str = "wechat"
    phone: str = ""

    @property
    def status_label(self) -> str:
        return STATUS_LABELS[self.status]

    @property
    def kind_label(self) -> str:
        return KIND_LABELS[self.kind]

    @property
    def recipient(self) -> str:
        """Whom it goes to: the phone of an SMS, else the follower's openid."""
        return self.phone if self.channel == "sms" else self.openid


def messages(session: Session, status: str | None = None, limit: int = 200) -> list[OutboxRow]:
    """Messages newest first; `status="failed"` is the list a person has to look at."""
    query = select(OutboxMessage).order_by(OutboxMessage.id.desc()).limit(limit)
    if status:
        query = query.where(OutboxMessage.status == status)
    return [
        OutboxRow(
            r.id,
            r.kind,
            r.openid,
            r.status,
            r.attempts,
            r.last_error,
            r.created_at,
            r.sent_at,
            dict(r.payload),
            r.channel,
            r.phone,
        )
        for r in session.scalars(query)
    ]


def resend(session: Session, actor: Actor, message_id: int) -> None:
    """A person decided a failed message should go out again."""
    permissions.require(session, actor, "service")
    row = session.get(OutboxMessage, message_id, with_for_update=True)
    if row is None:
        raise NotFound(f"消息 {message_id} 不存在")
    if row.status != OUTBOX_FAILED:
        raise DomainError(f"只有发送失败的消息可以重发（当前：{STATUS_LABELS[row.status]}）")
    row.status = OUTBOX_PENDING
    row.attempts = 0
    row.next_attempt_at = func.now()
    audit.record(session, actor, "outbox.resend", "outbox_message", message_id)
