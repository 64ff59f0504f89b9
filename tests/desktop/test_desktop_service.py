"""用户服务 at the desk, driven for real: the binding review queue coloured by deadline,
approve and reject, the request queue with assignment and answer, a notice to buildings."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialogButtonBox, QLabel, QPushButton
from sqlalchemy import create_engine, select, text
from sqlalchemy.orm import Session

from desktop.app import ensure_application
from desktop.service_page import MISMATCH_TINT, ServicePage
from desktop.tasks import TaskRunner
from desktop.widgets import ALERT, OVERDUE_TINT
from server.db.engine import make_engine, make_sessionmaker, unit_of_work
from server.db.models import Binding, Building, Notice, OutboxMessage, ServiceRequest
from server.services.core.calendar import BUSINESS_TZ, now
from server.services.residents import bindings
from server.services.residents.service_requests import RequestSpec, raise_request
from server.services.staff.org import add_staff_with_role
from server.services.staff.sign_in import staff_identity
from tests import factories as f
from tests.companion.test_bindings import registered
from tests.desktop_support import type_chinese

WAIT_MS = 10_000


@pytest.fixture
def desk(fresh_database_url: str):
    """A manager; resident 13800000001 asking to bind A001 (张三, matches) and A404 (none);
    resident 13800000002 asking for A002 (李四, no mobile on record) as 王五; an overdue
    fault report."""
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
        f.account(session, "A002", holder_name="李四")
        stranger = registered(session, "openid-2", "13800000002")
        bindings.request_binding(session, stranger, "A002", "王五", "10.0.0.1")
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
    assert table.row_count() == 3
    assert page.tabs.tabText(0) == "绑定审核 (3)"
    by_account = {table.text_at(r, 2): r for r in range(3)}
    assert table.text_at(by_account["A001"], 4) == "一致"
    assert table.text_at(by_account["A001"], 5) == "张三"
    assert table.text_at(by_account["A001"], 10) == ""
    assert table.text_at(by_account["A404"], 4) == "无此户号"
    assert table.text_at(by_account["A404"], 10) == "户号不存在"
    # A matching claim is approved with one click on the real button, no questions asked.
    table.selectRow(by_account["A001"])
    assert page.mismatch_label.text() == ""
    with qtbot.waitSignal(page.loaded, timeout=WAIT_MS):
        qtbot.mouseClick(page.approve_button, Qt.MouseButton.LeftButton)
    assert page.mismatch_dialog is None
    binding_id = next(b.binding_id for b in page.queues.bindings if b.account_no == "A404")
    with qtbot.waitSignal(page.loaded, timeout=WAIT_MS):
        page.reject(binding_id, "户号不存在，请核对缴费通知单")
    assert page.bindings_table.row_count() == 1
    statuses = dict(rows(fresh_database_url, select(Binding.account_no, Binding.status)))
    assert statuses == {"A001": "approved", "A404": "rejected", "A002": "pending"}
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


def test_a_mismatched_binding_is_approved_only_with_a_note(qtbot, page, fresh_database_url):
    table = page.bindings_table
    row = next(r for r in range(table.row_count()) if table.text_at(r, 2) == "A002")
    differs = "填写的“王五”与户主“李四”、该户未预留手机都不一致"
    assert table.text_at(row, 4) == "不一致" and table.text_at(row, 10) == differs
    match_cell = table.rows_model.index(row, 4)
    assert table.rows_model.data(match_cell, Qt.ItemDataRole.ForegroundRole) == ALERT
    assert not table.rows_model.data(match_cell, Qt.ItemDataRole.DecorationRole).isNull()
    assert table.rows_model.tints[row] == MISMATCH_TINT
    table.selectRow(row)
    assert page.mismatch_label.text() == f"⚠ 户号 A002 核对不一致：{differs}"

    def status() -> str:
        [(value,)] = rows(
            fresh_database_url, select(Binding.status).where(Binding.account_no == "A002")
        )
        return value

    # The real 通过 button opens the dialog; its confirm button waits for a note.
    qtbot.mouseClick(page.approve_button, Qt.MouseButton.LeftButton)
    dialog = page.mismatch_dialog
    assert dialog is not None and dialog.isVisible()
    assert dialog.findChild(QLabel, "mismatchText").text() == f"户号 A002：{differs}"
    assert dialog.approve_button.text() == "仍然通过"
    assert not dialog.approve_button.isEnabled()
    qtbot.keyClicks(dialog.note_edit, "   ")
    assert not dialog.approve_button.isEnabled()
    type_chinese(dialog.note_edit, "已致电户主李四")
    assert dialog.approve_button.isEnabled()
    qtbot.mouseClick(
        dialog.buttons.button(QDialogButtonBox.StandardButton.Cancel), Qt.MouseButton.LeftButton
    )
    assert not dialog.isVisible()
    assert status() == "pending"

    qtbot.mouseClick(page.approve_button, Qt.MouseButton.LeftButton)
    dialog = page.mismatch_dialog
    type_chinese(dialog.note_edit, "已致电户主李四，王五为其租户")
    with qtbot.waitSignal(page.loaded, timeout=WAIT_MS):
        qtbot.mouseClick(dialog.approve_button, Qt.MouseButton.LeftButton)
    assert status() == "approved"
    assert rows(
        fresh_database_url,
        text("select data->>'note' from audit_event where action = 'binding.approve'"),
    ) == [("已致电户主李四，王五为其租户",)]


def test_a_visit_request_shows_its_appointment_in_the_queue(qtbot, page, fresh_database_url):
    engine = create_engine(fresh_database_url)
    day = (now().astimezone(BUSINESS_TZ) + timedelta(days=2)).date()
    with unit_of_work(make_sessionmaker(engine)) as session:
        request_id = raise_request(
            session, f.ACTOR,
            RequestSpec("visit", "退房结算", "月底退房，请上门抄表", place="1号楼 301",
                        slot=f"{day} 上午 8:30–11:30"),
        )  # fmt: skip
        # Stored as booked, on a day whose weekday is known: Wednesday 9 December 2026.
        session.execute(
            ServiceRequest.__table__.update()
            .where(ServiceRequest.id == request_id)
            .values(slot="2026-12-09 上午 8:30–11:30")
        )
    engine.dispose()
    refresh = next(b for b in page.findChildren(QPushButton) if b.text() == "刷新 (F5)")
    with qtbot.waitSignal(page.loaded, timeout=WAIT_MS):
        qtbot.mouseClick(refresh, Qt.MouseButton.LeftButton)
    table = page.requests_table
    assert table.row_count() == 2
    by_topic = {table.text_at(r, 3): r for r in range(2)}
    assert table.rows_model.headers[8] == "预约时间"
    assert table.text_at(by_topic["退房结算"], 8) == "12月9日（周三）上午 8:30–11:30"
    assert table.text_at(by_topic["线路故障"], 8) == ""


def test_a_task_completed_in_the_field_shows_its_note_position_and_photos(
    qtbot, fresh_database_url
):
    """What a worker left on 完成 (/staff/tasks) reaches the desk's 外勤完成 tab: who, the
    note, where the phone was, and each photo in turn."""
    from decimal import Decimal
    from io import BytesIO

    from PIL import Image

    from server.services.core.photos import store_photo
    from server.services.core.position import Position
    from server.services.residents.service_requests import assign_request, complete_task

    def jpeg(size: tuple[int, int]) -> bytes:
        out = BytesIO()
        Image.new("RGB", size, (90, 90, 200)).save(out, "JPEG")
        return out.getvalue()

    engine = create_engine(fresh_database_url)
    with unit_of_work(make_sessionmaker(engine)) as session:
        f.branches(session)
        manager = f.staff(session, "qian", role="manager")
        f.staff(session, "sun", role="reader")
        request_id = raise_request(
            session, f.ACTOR, RequestSpec("fault", "管道漏水", "水管滴水", place="5号楼 1 层")
        )
        assign_request(session, f.ACTOR, request_id, "sun")
        photos = [store_photo(session, jpeg(size)).photo_id for size in ((40, 20), (20, 40))]
        worker = staff_identity(session, "sun")
        complete_task(
            session, worker.staff_id, worker.actor, request_id, "已更换接头", photos,
            Position(Decimal("31.230416"), Decimal("121.473701")),
        )  # fmt: skip
        identity = staff_identity(session, "qian")
    engine.dispose()
    assert manager.staff_id == identity.staff_id

    ensure_application("zh_CN")
    engine = make_engine(fresh_database_url)
    runner = TaskRunner(make_sessionmaker(engine))
    page = ServicePage(identity, runner)
    qtbot.addWidget(page)
    try:
        qtbot.waitUntil(lambda: page.queues is not None, timeout=WAIT_MS)
        assert page.tabs.tabText(4) == "外勤完成 (1)"
        table = page.completed_table
        assert [table.text_at(0, c) for c in range(1, 8)] == [
            "SUN", "故障上报", "管道漏水", "5号楼 1 层", "已更换接头",
            "31.230416,121.473701", "2",
        ]  # fmt: skip
        panel = page.result_photo
        table.selectRow(0)
        qtbot.waitUntil(lambda: panel.view is not None, timeout=WAIT_MS)
        assert panel.view.photo_id == photos[0]
        assert page.next_photo_button.isEnabled()
        qtbot.mouseClick(page.next_photo_button, Qt.MouseButton.LeftButton)
        qtbot.waitUntil(
            lambda: panel.view is not None and panel.view.photo_id == photos[1], timeout=WAIT_MS
        )
        qtbot.mouseClick(page.next_photo_button, Qt.MouseButton.LeftButton)
        qtbot.waitUntil(
            lambda: panel.view is not None and panel.view.photo_id == photos[0], timeout=WAIT_MS
        )
    finally:
        runner.shutdown()
        engine.dispose()
