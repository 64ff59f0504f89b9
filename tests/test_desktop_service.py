"""用户服务 at the desk, driven for real: the binding review queue coloured by deadline,
approve and reject, the request queue with assignment and answer, a notice to buildings."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest
from sqlalchemy import create_engine, select
from sqlalchemy.orm import Session

from desktop.app import ensure_application
from desktop.service_page import ServicePage
from desktop.tasks import TaskRunner
from desktop.widgets import OVERDUE_TINT
from server.db.engine import make_engine, make_sessionmaker, unit_of_work
from server.db.models import Binding, Building, Notice, OutboxMessage, ServiceRequest
from server.services import bindings
from server.services.auth import staff_identity
from server.services.org import add_staff_with_role
from server.services.service_requests import RequestSpec, raise_request
from tests import factories as f
from tests.companion.test_bindings import registered

WAIT_MS = 10_000


@pytest.fixture
def desk(fresh_database_url: str):
    """A manager; resident 13800000001 asking to bind A001 (张三, matches) and A404 (none);
    an overdue fault report."""
    engine = create_engine(fresh_database_url)
    with unit_of_work(make_sessionmaker(engine)) as session:
        f.branches(session)
        add_staff_with_role(
            session, f.ACTOR, login="zhao", name="赵经理", password="Manager-2026",
            role="manager", branch_code="D",
        )  # fmt: skip
        f.account(session, "A001", holder_name="张三")
        user = registered(session, "openid-1", "13800000001")
        bindings.request_binding(session, user, "A001", "张三", "10.0.0.1")
        bindings.request_binding(session, user, "A404", "李四", "10.0.0.1")
        request_id = raise_request(
            session, f.ACTOR,
            RequestSpec("fault", "线路故障", "3号楼 2 单元楼道灯不亮", place="3号楼"),
            wechat_user_id=user,
        )  # fmt: skip
        # Raised long ago: its deadline has passed.
        session.execute(
            ServiceRequest.__table__.update()
            .where(ServiceRequest.id == request_id)
            .values(due_at=ServiceRequest.created_at - timedelta(days=1))
        )
        manager = staff_identity(session, "zhao")
    engine.dispose()
    return manager


@pytest.fixture
def page(qtbot, desk, fresh_database_url: str) -> Iterator[ServicePage]:
    ensure_application("zh_CN")
    engine = make_engine(fresh_database_url)
    runner = TaskRunner(make_sessionmaker(engine))
    service = ServicePage(desk, runner)
    qtbot.addWidget(service)
    qtbot.waitUntil(lambda: service.queues is not None, timeout=WAIT_MS)
    yield service
    runner.shutdown()
    engine.dispose()


def rows(url: str, statement):
    engine = create_engine(url)
    try:
        with Session(engine) as session:
            return session.execute(statement).all()
    finally:
        engine.dispose()


def test_bindings_are_reviewed_with_what_the_reviewer_needs(qtbot, page, fresh_database_url):
    table = page.bindings_table
    assert table.row_count() == 2
    assert page.tabs.tabText(0) == "绑定审核 (2)"
    by_account = {table.text_at(r, 2): r for r in range(2)}
    assert table.text_at(by_account["A001"], 4) == "一致"
    assert table.text_at(by_account["A001"], 5) == "张三"
    assert table.text_at(by_account["A404"], 4) == "无此户号"
    table.selectRow(by_account["A001"])
    with qtbot.waitSignal(page.loaded, timeout=WAIT_MS):
        page.approve_selected()
    binding_id = next(b.binding_id for b in page.queues.bindings if b.account_no == "A404")
    with qtbot.waitSignal(page.loaded, timeout=WAIT_MS):
        page.reject(binding_id, "户号不存在，请核对缴费通知单")
    assert page.bindings_table.row_count() == 0
    statuses = dict(rows(fresh_database_url, select(Binding.account_no, Binding.status)))
    assert statuses == {"A001": "approved", "A404": "rejected"}
    queued = rows(fresh_database_url, select(OutboxMessage.id))
    assert len(queued) >= 2  # the resident is told both decisions


def test_requests_show_their_deadline_and_get_answered(qtbot, page, fresh_database_url):
    table = page.requests_table
    assert table.row_count() == 1 and table.text_at(0, 3) == "线路故障"
    assert table.rows_model.tints[0] == OVERDUE_TINT
    request_id = page.selected_request() or int(str(table.key_at(0)))
    with qtbot.waitSignal(page.loaded, timeout=WAIT_MS):
        page.assign(request_id, "zhao")
    assert page.requests_table.text_at(0, 7) == "赵经理"
    with qtbot.waitSignal(page.loaded, timeout=WAIT_MS):
        page.answer(request_id, "已安排电工今日更换")
    assert page.requests_table.row_count() == 0
    [(status, answer)] = rows(
        fresh_database_url, select(ServiceRequest.status, ServiceRequest.answer)
    )
    assert answer == "已安排电工今日更换" and status != "open"


def test_an_outage_notice_needs_buildings_and_is_published(qtbot, page, fresh_database_url):
    with qtbot.waitSignal(page.refused, timeout=WAIT_MS) as refused:
        page.publish("outage", "3号楼停水", "今日 9:00–12:00 检修", ())
    assert refused.args == ["停水停电通知须选择受影响的楼栋"]
    [(building_id,)] = rows(fresh_database_url, select(Building.id).limit(1))
    page.publish("outage", "1号楼停水", "今日 9:00–12:00 检修", (building_id,))
    qtbot.waitUntil(lambda: page.notices_table.text_at(0, 2) == "1号楼停水", timeout=WAIT_MS)
    assert rows(fresh_database_url, select(Notice.title)) == [("1号楼停水",)]
