"""Published content: 停水停电通知 (sent to the residents of chosen buildings as template
messages), 便民信息, 常见问题, 联系我们, 生活常识."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from server.db.models import Building, Notice
from server.services.core import audit, permissions
from server.services.core.audit import Actor
from server.services.core.calendar import BUSINESS_TZ, now
from server.services.core.errors import DomainError, NotFound
from server.services.residents import outbox

KIND_LABELS = {
    "outage": "停水停电通知",
    "info": "便民信息",
    "faq": "常见问题",
    "contact": "联系我们",
    "tips": "生活常识",
}


@dataclass(frozen=True)
class Published:
    notice_id: int
    messages_queued: int


def publish_notice(
    session: Session,
    actor: Actor,
    kind: str,
    title: str,
    body: str,
    *,
    building_ids: tuple[int, ...] = (),
    starts_at: datetime | None = None,
    ends_at: datetime | None = None,
) -> Published:
    """Publish a notice; an outage notice is also queued as a template message to every
    resident with an approved binding to an account in one of `building_ids`."""
    permissions.require(session, actor, "service")
    if kind not in KIND_LABELS:
        raise DomainError(f"未知的通知类型「{kind}」")
    title, body = title.strip(), body.strip()
    if not title or not body:
        raise DomainError("通知须有标题和正文")
    if len(title) > 120:
        raise DomainError("标题最多 120 字")
    if kind == "outage" and not building_ids:
        raise DomainError("停水停电通知须选择受影响的楼栋")
    if starts_at and ends_at and ends_at <= starts_at:
        raise DomainError("结束时间须晚于开始时间")
    known = set(session.scalars(select(Building.id).where(Building.id.in_(building_ids))))
    if unknown := sorted(set(building_ids) - known):
        raise DomainError(f"楼栋 {unknown} 不存在")
    notice = Notice(
        kind=kind,
        title=title,
        body=body,
        building_ids=sorted(known),
        starts_at=starts_at,
        ends_at=ends_at,
        published_at=now(),
        staff_id=actor.staff_id,
    )
    session.add(notice)
    session.flush()
    queued = 0
    if kind == "outage":
        users = session.scalars(
            text(
                "select distinct b.wechat_user_id from binding b"
                " join account a on a.id = b.account_id"
                " where b.status = 'approved' and a.building_id = any(:ids)"
                " order by 1"
            ),
            {"ids": sorted(known)},
        ).all()
        when = starts_at.astimezone(BUSINESS_TZ).strftime("%m月%d日 %H:%M") if starts_at else ""
        for user_id in users:
            if outbox.enqueue(
                session,
                "outage",
                user_id,
                {"first": title, "keyword1": when, "keyword2": body[:200], "remark": ""},
                url=f"/h5/notices/{notice.id}",
                dedupe_key=f"notice:{notice.id}:{user_id}",
            ):
                queued += 1
    audit.record(
        session,
        actor,
        "notice.publish",
        "notice",
        notice.id,
        {"kind": kind, "title": title, "buildings": sorted(known), "queued": queued},
    )
    return Published(notice.id, queued)


@dataclass(frozen=True)
class NoticeView:
    notice_id: int
    kind: str
    title: str
    body: str
    published_at: datetime
    starts_at: datetime | None
    ends_at: datetime | None

    @property
    def kind_label(self) -> str:
        return KIND_LABELS[self.kind]


def _view(row: Notice) -> NoticeView:
    return NoticeView(
        row.id, row.kind, row.title, row.body, row.published_at, row.starts_at, row.ends_at
    )


def notices(session: Session, kind: str | None = None, limit: int = 50) -> list[NoticeView]:
    query = select(Notice).order_by(Notice.published_at.desc(), Notice.id.desc()).limit(limit)
    if kind:
        query = query.where(Notice.kind == kind)
    return [_view(row) for row in session.scalars(query)]


def notice(session: Session, notice_id: int) -> NoticeView:
    row = session.get(Notice, notice_id)
    if row is None:
        raise NotFound(f"通知 {notice_id} 不存在")
    return _view(row)
