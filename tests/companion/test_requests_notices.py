"""Service requests (checks, SLA colours, the desk's queue, answers told through the outbox)
and notices (an outage told to the residents of the chosen buildings)."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from sqlalchemy import select, text

from server.db.models import Building, OutboxMessage, ServiceRequest
from server.services.accounts.accounts import AccountSpec, create_account
from server.services.core.audit import Actor
from server.services.core.calendar import BUSINESS_TZ
from server.services.core.errors import DomainError
from server.services.residents import bindings, bulletins, service_requests, wechat_users
from server.services.residents.service_requests import RequestSpec
from server.services.staff.org import add_staff_with_role
from tests import factories
from tests.companion.test_bindings import registered

DESK = Actor("desk test")
# Requests are raised at a fixed time, not the wall clock: the due time depends on whether
# it is office hours. A Tuesday (a working day) at 10:00 in Shanghai.
RAISED = datetime(2026, 3, 10, 10, 0, tzinfo=BUSINESS_TZ)


def in_days(days: int) -> str:
    return (RAISED.date() + timedelta(days=days)).isoformat()


def spec(**changes) -> RequestSpec:
    fields = {"kind": "service", "topic": "计量疑问", "description": "电费偏高，请核实"}
    return RequestSpec(**{**fields, **changes})


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"kind": "gossip"}, "未知的诉求类型"),
        ({"topic": "退房结算"}, "服务诉求的事项应为 计量疑问、增容、用电用水安全评估"),
        ({"description": "  "}, "请填写问题描述"),
        ({"description": "长" * 1001}, "最多 1000 字"),
        ({"kind": "visit", "topic": "退房结算"}, "请选择日期和时段"),
        ({"kind": "visit", "topic": "抄表", "slot": f"{in_days(1)} 晚上"}, "请选择日期和时段"),
        ({"kind": "visit", "topic": "抄表", "slot": "2026-13-01 上午 8:30–11:30"}, "预约日期无效"),
        ({"kind": "visit", "topic": "抄表", "slot": f"{in_days(-1)} 上午 8:30–11:30"}, "30 天内"),
        ({"kind": "visit", "topic": "抄表", "slot": f"{in_days(31)} 上午 8:30–11:30"}, "30 天内"),
        ({"kind": "energy", "topic": "路灯不亮"}, "请填写地点"),
    ],
)
def test_bad_requests_are_refused_with_the_reason(session, changes, message):
    with pytest.raises(DomainError, match=message):
        service_requests.raise_request(session, DESK, spec(**changes), raised_at=RAISED)
    assert session.scalar(select(ServiceRequest.id)) is None


def test_the_desk_queue_assigns_and_answers(session):
    user = registered(session, "o-req", "13800000031")
    resident = wechat_users.resident(session, user)
    first = service_requests.raise_request(
        session, resident.actor, spec(), wechat_user_id=user, raised_at=RAISED
    )
    visit = service_requests.raise_request(
        session,
        resident.actor,
        spec(kind="visit", topic="退房结算", slot=f"{in_days(1)} 上午 8:30–11:30"),
        wechat_user_id=user,
        raised_at=RAISED.replace(hour=16, minute=30),
    )
    queue = service_requests.request_queue(session)
    assert [r.request_id for r in queue] == [first, visit]
    row = queue[0]
    # Two hours of office time: 10:00 → 12:00; 16:30 → one hour to 17:30, one from 8:00.
    assert row.due_at == datetime(2026, 3, 10, 12, 0, tzinfo=BUSINESS_TZ)
    assert queue[1].due_at == datetime(2026, 3, 11, 9, 0, tzinfo=BUSINESS_TZ)
    assert row.raised_by == "13800000031" and row.kind_label == "服务诉求"
    # SLA colours as the desk shows them.
    assert row.sla(row.due_at - timedelta(hours=1)) == "ok"
    assert row.sla(row.due_at - timedelta(minutes=20)) == "due_soon"
    assert row.sla(row.due_at + timedelta(seconds=1)) == "overdue"

    add_staff_with_role(
        session, DESK, login="fixer", name="王师傅", password="fixer-pass-1", role="reader",
        branch_code=None,
    )  # fmt: skip
    service_requests.assign_request(session, DESK, visit, "fixer")
    with pytest.raises(DomainError, match="不存在或已停用"):
        service_requests.assign_request(session, DESK, visit, "nobody")
    with pytest.raises(DomainError, match="请填写答复内容"):
        service_requests.answer_request(session, DESK, first, " ")
    service_requests.answer_request(session, DESK, first, "已核实：九月含两个月用量。")
    with pytest.raises(DomainError, match="已答复"):
        service_requests.answer_request(session, DESK, first, "again")

    (open_row,) = service_requests.request_queue(session)
    assert open_row.request_id == visit and open_row.assigned_to == "王师傅"
    everything = service_requests.request_queue(session, include_answered=True)
    assert [r.request_id for r in everything] == [visit, first]
    assert everything[1].sla(everything[1].due_at + timedelta(days=9)) == "done"
    mine = {r.request_id: r for r in service_requests.my_requests(session, user)}
    assert mine[first].answer == "已核实：九月含两个月用量。"
    assert mine[visit].slot == f"{in_days(1)} 上午 8:30–11:30"
    (message,) = session.scalars(select(OutboxMessage)).all()
    assert (message.kind, message.url, message.payload["keyword1"]) == (
        "answer",
        "/h5/requests",
        "服务诉求·计量疑问",
    )
    actions = session.scalars(
        text("select action from audit_event where entity = 'service_request' order by id")
    ).all()
    assert actions == ["request.raise", "request.raise", "request.assign", "request.answer"]


def test_a_fault_reported_by_staff_is_answered_without_a_message(session):
    request_id = service_requests.raise_request(
        session,
        Actor("reader", staff_id=None),
        spec(kind="fault", topic="管道漏水", place="3号楼地下室"),
    )
    service_requests.answer_request(session, DESK, request_id, "已派维修班组")
    assert session.scalar(select(OutboxMessage.id)) is None


def test_an_outage_notice_reaches_the_residents_of_its_buildings(session):
    factories.account(session, "A001")  # 东校区 1号楼
    factories.account(session, "A002")
    create_account(
        session,
        DESK,
        AccountSpec("B001", "赵六", "居民", "东校区", building="2号楼", room="101"),
    )
    one, two = (
        session.scalar(select(Building.id).where(Building.name == name))
        for name in ("1号楼", "2号楼")
    )
    both = registered(session, "o-both", "13800000041")  # two accounts in 1号楼
    other = registered(session, "o-other", "13800000042")  # 2号楼
    pending = registered(session, "o-pending", "13800000043")  # not yet approved
    for user, account_no, approve in (
        (both, "A001", True),
        (both, "A002", True),
        (other, "B001", True),
        (pending, "A001", False),
    ):
        bindings.request_binding(session, user, account_no, "x", "10.0.0.1")
        if approve:
            binding_id = max(p.binding_id for p in bindings.pending_bindings(session))
            # The claim "x" is nobody's name: approved on the desk's word.
            bindings.approve_binding(session, DESK, binding_id, "已电话核实")
    session.execute(text("delete from outbox_message"))

    with pytest.raises(DomainError, match="须选择受影响的楼栋"):
        bulletins.publish_notice(session, DESK, "outage", "停水", "检修")
    with pytest.raises(DomainError, match="不存在"):
        bulletins.publish_notice(session, DESK, "outage", "停水", "检修", building_ids=(99999,))
    published = bulletins.publish_notice(
        session,
        DESK,
        "outage",
        "1号楼停水通知",
        "12月2日 9:00–15:00 更换总阀，请提前储水。",
        building_ids=(one,),
    )
    assert published.messages_queued == 1
    rows = session.execute(
        select(OutboxMessage.openid, OutboxMessage.kind, OutboxMessage.url)
    ).all()
    assert rows == [("o-both", "outage", f"/h5/notices/{published.notice_id}")]
    assert (
        bulletins.publish_notice(
            session, DESK, "outage", "全部停电", "配电房检修", building_ids=(one, two)
        ).messages_queued
        == 2
    )
    faq = bulletins.publish_notice(session, DESK, "faq", "如何缴费", "到任一分中心。")
    assert faq.messages_queued == 0
    assert [n.title for n in bulletins.notices(session)] == [
        "如何缴费",
        "全部停电",
        "1号楼停水通知",
    ]
    assert [n.kind_label for n in bulletins.notices(session, "faq")] == ["常见问题"]
