"""Service requests (服务诉求, 上门预约, 投诉建议, 节能先锋, 故障上报) and their SLA.

A request raised on a working day in office hours is due 2 office hours later, any other
by the end of the next working day (server.services.core.workdays). The desk assigns and
answers; an answer reaches a resident as a template message through the outbox.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from server.db.models import ServiceRequest, Staff
from server.db.models.companion import REQUEST_ANSWERED, REQUEST_CLOSED, REQUEST_OPEN
from server.services.core import audit, permissions
from server.services.core.audit import Actor
from server.services.core.calendar import BUSINESS_TZ, now
from server.services.core.errors import DomainError, InvalidInput, NotFound
from server.services.core.position import Position
from server.services.core.workdays import request_due
from server.services.residents import outbox

KIND_LABELS = {
    "visit": "上门预约",
    "service": "服务诉求",
    "complaint": "投诉建议",
    "energy": "节能先锋",
    "fault": "故障上报",
}
TOPICS = {
    "visit": ("抄表", "故障检查", "入住登记", "退房结算"),
    "service": ("计量疑问", "增容", "用电用水安全评估"),
    "complaint": ("投诉", "建议", "表扬"),
    "energy": ("不合理用能", "跑冒滴漏", "路灯不亮", "其他"),
    "fault": ("表计故障", "线路故障", "管道漏水", "其他"),
}
SLOTS = ("上午 8:30–11:30", "下午 14:30–17:00")
WEEKDAYS = "一二三四五六日"
BOOKING_DAYS = 30
STATUS_LABELS = {REQUEST_OPEN: "处理中", REQUEST_ANSWERED: "已答复", REQUEST_CLOSED: "已关闭"}
# The desk colours a request amber this long before it falls due.
DUE_SOON = timedelta(minutes=30)


@dataclass(frozen=True)
class RequestSpec:
    kind: str
    topic: str
    description: str
    place: str = ""
    contact_phone: str = ""
    slot: str = ""
    account_id: int | None = None


def check_request(spec: RequestSpec, today: date) -> None:
    if spec.kind not in KIND_LABELS:
        raise DomainError(f"未知的诉求类型「{spec.kind}」")
    if spec.topic not in TOPICS[spec.kind]:
        raise InvalidInput(f"{KIND_LABELS[spec.kind]}的事项应为 {'、'.join(TOPICS[spec.kind])}")
    if not spec.description.strip():
        raise InvalidInput("请填写问题描述")
    if len(spec.description) > 1000:
        raise DomainError(f"问题描述最多 1000 字，现有 {len(spec.description)} 字")
    if len(spec.place) > 200 or len(spec.contact_phone) > 20 or len(spec.slot) > 40:
        raise DomainError("地点、电话或时段过长，请核对")
    if spec.kind == "visit":
        _check_slot(spec.slot, today)
    if spec.kind in ("energy", "fault") and not spec.place.strip():
        raise InvalidInput("请填写地点")


def _check_slot(slot: str, today: date) -> None:
    """上门预约's slot: "YYYY-MM-DD <one of SLOTS>", from today to BOOKING_DAYS ahead."""
    day_text, _, period = slot.strip().partition(" ")
    if not day_text or period not in SLOTS:
        raise DomainError("上门预约请选择日期和时段")
    try:
        day = date.fromisoformat(day_text)
    except ValueError:
        raise InvalidInput(f"预约日期无效：「{day_text}」") from None
    if not today <= day <= today + timedelta(BOOKING_DAYS):
        raise DomainError(f"预约日期应在今天起 {BOOKING_DAYS} 天内")


def appointment_text(slot: str) -> str:
    """上门预约's slot as people say it: '12月9日（周三）上午 8:30–11:30'."""
    day_text, _, period = slot.strip().partition(" ")
    try:
        day = date.fromisoformat(day_text)
    except ValueError:
        return slot.strip()
    return f"{day.month}月{day.day}日（周{WEEKDAYS[day.weekday()]}）{period}"


def raise_request(
    session: Session,
    actor: Actor,
    spec: RequestSpec,
    *,
    wechat_user_id: int | None = None,
    photo_id: int | None = None,
    raised_at: datetime | None = None,
) -> int:
    """File a request from a resident (`wechat_user_id`) or a staff member (actor), raised
    at `raised_at` (default now): its due time and the booking window count from then."""
    raised = raised_at or now()
    check_request(spec, raised.astimezone(BUSINESS_TZ).date())
    row = ServiceRequest(
        kind=spec.kind,
        topic=spec.topic,
        wechat_user_id=wechat_user_id,
        staff_id=actor.staff_id,
        account_id=spec.account_id,
        description=spec.description.strip(),
        place=spec.place.strip(),
        contact_phone=spec.contact_phone.strip(),
        slot=spec.slot.strip(),
        photo_id=photo_id,
        status=REQUEST_OPEN,
        due_at=request_due(session, raised),
        answer="",
    )
    session.add(row)
    session.flush()
    audit.record(
        session,
        actor,
        "request.raise",
        "service_request",
        row.id,
        {"kind": spec.kind, "topic": spec.topic, "due_at": row.due_at.isoformat()},
    )
    return row.id


@dataclass(frozen=True)
class RequestRow:
    request_id: int
    kind: str
    topic: str
    description: str
    place: str
    slot: str
    contact_phone: str
    status: str
    created_at: datetime
    due_at: datetime
    answer: str
    answered_at: datetime | None
    has_photo: bool
    assigned_to: str = ""
    raised_by: str = ""

    @property
    def kind_label(self) -> str:
        return KIND_LABELS[self.kind]

    @property
    def status_label(self) -> str:
        return STATUS_LABELS[self.status]

    @property
    def appointment(self) -> str:
        """When a 上门预约 asked the visit for; '' for other requests."""
        return appointment_text(self.slot) if self.slot else ""

    def sla(self, moment: datetime) -> str:
        """'overdue', 'due_soon' or 'ok' for an open request; 'done' once answered."""
        if self.status != REQUEST_OPEN:
            return "done"
        if moment > self.due_at:
            return "overdue"
        return "due_soon" if self.due_at - moment <= DUE_SOON else "ok"


_ROWS = """
    select r.id, r.kind, r.topic, r.description, r.place, r.slot, r.contact_phone, r.status,
           r.created_at, r.due_at, r.answer, r.answered_at, r.photo_id is not null,
           coalesce(s.name, ''),
           coalesce(u.phone, rs.name, '')
    from service_request r
    left join staff s on s.id = r.assigned_to_id
    left join wechat_user u on u.id = r.wechat_user_id
    left join staff rs on rs.id = r.staff_id
"""


def my_requests(session: Session, user_id: int, limit: int = 50) -> list[RequestRow]:
    rows = session.execute(
        text(_ROWS + " where r.wechat_user_id = :u order by r.id desc limit :n"),
        {"u": user_id, "n": limit},
    ).all()
    return [RequestRow(*row) for row in rows]


def assigned_requests(session: Session, staff_id: int) -> list[RequestRow]:
    """A field worker's open requests (上门预约 above all), by deadline."""
    rows = session.execute(
        text(_ROWS + " where r.assigned_to_id = :s and r.status = 'open' order by r.due_at, r.id"),
        {"s": staff_id},
    ).all()
    return [RequestRow(*row) for row in rows]


def request_queue(session: Session, *, include_answered: bool = False) -> list[RequestRow]:
    """The desk's queue: open requests by deadline (answered ones after, newest first)."""
    where = "" if include_answered else " where r.status = 'open'"
    rows = session.execute(
        text(_ROWS + where + " order by r.status <> 'open', r.due_at, r.id limit 500")
    ).all()
    return [RequestRow(*row) for row in rows]


def _open(session: Session, request_id: int) -> ServiceRequest:
    row = session.get(ServiceRequest, request_id, with_for_update=True)
    if row is None:
        raise NotFound(f"诉求 {request_id} 不存在")
    if row.status != REQUEST_OPEN:
        raise DomainError(f"诉求 {request_id} {STATUS_LABELS[row.status]}")
    return row


def assign_request(session: Session, actor: Actor, request_id: int, staff_login: str) -> None:
    permissions.require(session, actor, "service")
    row = _open(session, request_id)
    staff = session.scalar(select(Staff).where(Staff.login == staff_login.strip(), Staff.active))
    if staff is None:
        raise DomainError(f"工作人员 {staff_login} 不存在或已停用")
    row.assigned_to_id = staff.id
    session.flush()
    audit.record(
        session, actor, "request.assign", "service_request", request_id, {"to": staff.login}
    )
    # Staff sign in with a password, so only those who bound their WeChat (个人信息 on
    # /staff/) have a follower to tell; the others are told by SMS on their mobile (and by
    # SMS too when the WeChat template is not configured); all see it in 我的任务.
    task = f"{row.topic}（编号 {row.id}）"
    when = appointment_text(row.slot) if row.slot else "尽快处理"
    place = row.place or "—"
    mobile = staff.mobile.strip()
    by_sms = {"task": task, "time": when, "place": place}
    key = f"task:{row.id}:{staff.id}"
    if staff.wechat_user_id is not None:
        outbox.enqueue(
            session,
            "task",
            staff.wechat_user_id,
            {
                "first": f"您有新的{KIND_LABELS[row.kind]}任务",
                "keyword1": task,
                "keyword2": when,
                "keyword3": place,
                "remark": "点击查看我的任务。",
            },
            url="/staff/tasks",
            dedupe_key=key,
            sms_fallback=(mobile, by_sms) if mobile else None,
        )
    elif mobile:
        outbox.enqueue_sms(session, "task", mobile, by_sms, url="/staff/tasks", dedupe_key=key)


def answer_request(session: Session, actor: Actor, request_id: int, answer: str) -> None:
    """Answer a request; a resident's request is told the answer as a template message."""
    permissions.require(session, actor, "service")
    answer = _answer_text(answer, "答复内容")
    row = _open(session, request_id)
    _answer(session, actor, row, answer)


def _answer_text(answer: str, what: str) -> str:
    answer = answer.strip()
    if not answer:
        raise InvalidInput(f"请填写{what}")
    if len(answer) > 1000:
        raise DomainError(f"{what}最多 1000 字")
    return answer


def _answer(session: Session, actor: Actor, row: ServiceRequest, answer: str) -> None:
    row.status = REQUEST_ANSWERED
    row.answer = answer
    row.answered_by_id = actor.staff_id
    row.answered_at = now()
    session.flush()
    audit.record(session, actor, "request.answer", "service_request", row.id)
    if row.wechat_user_id is not None:
        outbox.enqueue(
            session,
            "answer",
            row.wechat_user_id,
            {
                "first": f"您的{KIND_LABELS[row.kind]}已答复",
                "keyword1": f"{KIND_LABELS[row.kind]}·{row.topic}",
                "keyword2": answer[:200],
                "remark": "点击查看详情。",
            },
            url="/h5/requests",
            dedupe_key=f"request:{row.id}",
        )


def complete_task(
    session: Session,
    staff_id: int,
    actor: Actor,
    request_id: int,
    note: str,
    photo_ids: Sequence[int] = (),
    position: Position | None = None,
) -> None:
    """The assigned worker's 完成: their note is the request's answer (the resident is told
    it as the desk's would be), with the site photos and the phone's position kept beside."""
    note = _answer_text(note, "处理情况")
    row = _open(session, request_id)
    if row.assigned_to_id != staff_id:
        raise DomainError(f"诉求 {request_id} 未分派给您")
    row.result_photo_ids = list(photo_ids)
    if position is not None:
        row.latitude, row.longitude = position.latitude, position.longitude
    _answer(session, actor, row, note)


@dataclass(frozen=True)
class TaskResult:
    """A request its assigned worker completed, as the desk sees it: their note, photos
    and where the phone was."""

    request_id: int
    kind: str
    topic: str
    place: str
    answered_by: str
    answer: str
    answered_at: datetime
    photo_ids: tuple[int, ...]
    position: Position | None

    @property
    def kind_label(self) -> str:
        return KIND_LABELS[self.kind]


def completed_tasks(session: Session, limit: int = 200) -> list[TaskResult]:
    """Requests answered by the worker they were assigned to, latest first."""
    rows = session.execute(
        text(
            """
            select r.id, r.kind, r.topic, r.place, s.name, r.answer, r.answered_at,
                   r.result_photo_ids, r.latitude, r.longitude
            from service_request r join staff s on s.id = r.answered_by_id
            where r.status <> 'open' and r.answered_by_id = r.assigned_to_id
            order by r.answered_at desc, r.id desc limit :n
            """
        ),
        {"n": limit},
    ).all()
    return [
        TaskResult(
            request_id, kind, topic, place, answered_by, answer, answered_at, tuple(photo_ids),
            Position(latitude, longitude) if latitude is not None else None,
        )
        for (request_id, kind, topic, place, answered_by, answer, answered_at, photo_ids,
             latitude, longitude) in rows
    ]  # fmt: skip


def task_photo_ids(session: Session, staff_id: int) -> dict[int, tuple[int, ...]]:
    """The photos of each open task of a worker: the one it was raised with first."""
    rows = session.execute(
        text(
            "select id, photo_id, result_photo_ids from service_request"
            " where assigned_to_id = :s and status = 'open'"
        ),
        {"s": staff_id},
    ).all()
    return {r[0]: tuple(([r[1]] if r[1] else []) + list(r[2])) for r in rows}


def may_see_photo(session: Session, staff_id: int, photo_id: int) -> bool:
    """A worker sees the photos of the requests assigned to them, and nobody else's."""
    return bool(
        session.scalar(
            text(
                "select exists (select 1 from service_request where assigned_to_id = :s"
                " and (photo_id = :p or :p = any(result_photo_ids)))"
            ),
            {"s": staff_id, "p": photo_id},
        )
    )
