"""费控 at the desk, driven for real on 1号楼's simulated bus (a SimulatorServer on a real
socket): the prepaid meters with their balances, a manual switch-off with a reason queued,
sent and read back as 断电, a protected account refused, the policy's preview approved by a
manager and applied, a whole building switched only after another manager signed in."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime

import pytest
from PySide6.QtCore import QPoint, Qt
from sqlalchemy import create_engine, select

from desktop.app import ensure_application
from desktop.approval_dialog import ApprovalDialog
from desktop.control_dialogs import BuildingSwitchDialog, ProtectDialog, SwitchDialog
from desktop.control_page import ControlPage
from desktop.widgets import DUE_SOON_TINT, OVERDUE_TINT
from devices.simulators import SimulatedElectricityMeter, SimulatorServer
from server.db.engine import make_sessionmaker, unit_of_work
from server.db.models import Account, ControlCommand, ControlProtection, ControlWarning
from server.services.control import sender
from server.services.control.policy import run_control_policy
from server.services.control.protection import set_protection
from server.services.control.settings import ControlSettings
from server.services.core.audit import Actor
from server.services.core.calendar import BUSINESS_TZ
from server.services.staff.sign_in import staff_identity
from tests import factories as f
from tests.control.support import PASSWORD, address, prepaid_with_meter, resident_policy
from tests.desktop_support import page_runner, read_db, type_chinese

WAIT_MS = 15_000
LEFT = Qt.MouseButton.LeftButton
STAFF_PASSWORD = "Counter2026"  # tests.factories.staff
# Monday 09:00: the policy's first run warned; Tuesday 10:00 (a working day followed by one,
# inside 09:00–16:00) the page works.
MONDAY = datetime(2026, 12, 7, 9, 0, tzinfo=BUSINESS_TZ)
# The commands that switch (not P003's 保电, command 1, sent before the page opens).
SWITCHING = ControlCommand.action != "hold"
TUESDAY = datetime(2026, 12, 8, 10, 0, tzinfo=BUSINESS_TZ)


@pytest.fixture
def desk(fresh_database_url: str):
    """居民: cut off below 10.00, warned below 30.00, 12 hours' grace. On 1号楼, each with
    an electricity meter E00n at address n: P001 张三 50.00; P002 李四 8.00 (warned of the
    cut-off Monday 09:00); P003 王五 8.00 under 保电 (实验室) since Monday 08:00, its meter
    holding (保电 sent over the gateway then); P005 孙七
    25.00 (reminded Monday 09:00); P004 赵六 5.00, opened after that run (not warned yet).
    Staff: zhao and qian managers, li a meter reader (表计管理)."""
    engine = create_engine(fresh_database_url)
    sessions = make_sessionmaker(engine)
    with unit_of_work(sessions) as s:
        f.branches(s)
        zhao = f.staff(s, "zhao", "manager")
        f.staff(s, "qian", "manager")
        f.staff(s, "li", "reader")
        resident_policy(s, zhao)
        prepaid_with_meter(s, "P001", 1, balance="50.00", holder="张三")
        prepaid_with_meter(s, "P002", 2, balance="8.00", holder="李四")
        prepaid_with_meter(s, "P003", 3, balance="8.00", holder="王五")
        prepaid_with_meter(s, "P005", 5, balance="25.00", holder="孙七")
        set_protection(s, zhao, protected=True, reason="实验室", now=MONDAY.replace(hour=8),
                       account_no="P003")  # fmt: skip
    lab = SimulatedElectricityMeter(address(3), clock=lambda: datetime(2026, 12, 7, 8, 0),
                                    password=PASSWORD)  # fmt: skip
    with SimulatorServer([lab]) as bus:
        settings = ControlSettings(ports={"1号楼": bus.url}, password=PASSWORD, timeout=1.0)
        assert sender.send_due(sessions, settings, MONDAY.replace(hour=8)).done == 1
    with unit_of_work(sessions) as s:
        first = run_control_policy(s, MONDAY, actor=Actor.system("定时任务"), apply=True)
        assert [(i.account_no, i.step) for i in first.items] == [
            ("P002", "warn_cutoff"), ("P003", "skip"), ("P005", "warn_low"),
        ]  # fmt: skip
        prepaid_with_meter(s, "P004", 4, balance="5.00", holder="赵六")
        identities = {login: staff_identity(s, login) for login in ("li", "zhao")}
    engine.dispose()
    return identities


def open_page(qtbot, runner, identity, settings: ControlSettings | None = None) -> ControlPage:
    ensure_application("zh_CN")
    page = ControlPage(identity, runner, clock=lambda: TUESDAY, control_settings=settings)
    qtbot.addWidget(page)
    page.resize(1400, 700)
    page.show()
    qtbot.waitUntil(lambda: page.desk is not None or bool(page.message.text()), timeout=WAIT_MS)
    assert page.message.text() == ""
    return page


@pytest.fixture
def page(qtbot, desk, fresh_database_url, tmp_path) -> Iterator[ControlPage]:
    with page_runner(fresh_database_url, tmp_path) as (runner, _):
        yield open_page(qtbot, runner, desk["li"])


def row_of(table, account_no: str) -> int:
    return next(r for r in range(table.row_count()) if table.text_at(r, 0) == account_no)


def select_account(qtbot, page: ControlPage, account_no: str) -> None:
    row = row_of(page.meters_table, account_no)
    rect = page.meters_table.visualRect(page.meters_table.model().index(row, 0))
    qtbot.mouseClick(page.meters_table.viewport(), LEFT, pos=rect.center())
    assert page.selected_meter().account_no == account_no


def opened(qtbot, page: ControlPage, button):
    with qtbot.waitSignal(page.dialog_opened, timeout=WAIT_MS) as shown:
        qtbot.mouseClick(button, LEFT)
    return shown.args[0]


def approve(qtbot, approval: ApprovalDialog, login: str) -> None:
    approval.login_edit.clear()
    approval.password_edit.clear()
    qtbot.keyClicks(approval.login_edit, login)
    qtbot.keyClicks(approval.password_edit, STAFF_PASSWORD)
    qtbot.mouseClick(approval.approve_button, LEFT)


def test_prepaid_meters_with_balance_state_and_marks(qtbot, page):
    table = page.meters_table
    assert [table.text_at(r, 0) for r in range(table.row_count())] == [
        "P001", "P002", "P003", "P004", "P005",
    ]  # fmt: skip
    p002 = row_of(table, "P002")
    assert [table.text_at(p002, c) for c in range(13)] == [
        "P002", "李四", "1号楼", "E002", "8.00", "10.00", "未知", "", "", "", "", "", "",
    ]  # fmt: skip
    # Sorted by balance as amounts (a click on its header), lowest first.
    header = table.horizontalHeader()
    qtbot.mouseClick(header.viewport(), LEFT, pos=QPoint(header.sectionViewportPosition(4) + 5, 5))
    assert [table.text_at(r, 0) for r in range(5)] == ["P004", "P002", "P003", "P005", "P001"]
    assert table.text_at(row_of(table, "P003"), 12) == "实验室"
    # Its meter holds (保电 read back Monday 08:00), and says so.
    p003 = row_of(table, "P003")
    assert [table.text_at(p003, c) for c in range(6, 10)] == [
        "通电（表内保电）", "2026-12-07 08:00", "保电", "已执行",
    ]  # fmt: skip
    assert page.tabs.tabText(3) == "保电 (1)"
    assert page.protections_table.text_at(0, 0) == "户号 P003"
    # li is no manager: 保电 is not offered.
    assert not page.protect_button.isVisibleTo(page)
    assert not page.protect_account_button.isVisibleTo(page)
    # Searching by the holder's name from the start.
    page.search_edit.setFocus()
    type_chinese(page.search_edit, "赵")
    with qtbot.waitSignal(page.loaded, timeout=WAIT_MS):
        qtbot.keyClick(page.search_edit, Qt.Key.Key_Return)
    assert [table.text_at(r, 0) for r in range(table.row_count())] == ["P004"]


def test_a_manual_switch_off_is_queued_sent_and_read_back(qtbot, page, fresh_database_url):
    select_account(qtbot, page, "P001")
    dialog = opened(qtbot, page, page.off_button)
    assert isinstance(dialog, SwitchDialog)
    assert dialog.who_label.text() == "P001  张三"
    # No reason, no switch.
    assert not dialog.confirm_button.isEnabled()
    dialog.reason_edit.setFocus()
    type_chinese(dialog.reason_edit, "住户退房")
    with qtbot.waitSignal(page.loaded, timeout=WAIT_MS):
        qtbot.mouseClick(dialog.confirm_button, LEFT)
    assert not dialog.isVisible()
    commands = page.commands_table
    assert commands.row_count() == 1
    assert [commands.text_at(0, c) for c in range(1, 13)] == [
        "2026-12-08 10:00", "P001", "张三", "E001", "跳闸", "手动", "住户退房", "li LI", "",
        "待发送", "0", "",
    ]  # fmt: skip
    assert page.tabs.tabText(1) == "待发送与失败 (1 / 0)"

    meter = SimulatedElectricityMeter(
        address(1), clock=lambda: TUESDAY.replace(tzinfo=None), password=PASSWORD
    )
    with SimulatorServer([meter]) as bus:
        page.control_settings = ControlSettings(
            ports={"1号楼": bus.url}, password=PASSWORD, timeout=1.0, retries=0
        )
        with qtbot.waitSignal(page.sent, timeout=WAIT_MS) as sent:
            qtbot.mouseClick(page.send_button, LEFT)
    assert (sent.args[0].done, sent.args[0].failed) == (1, 0)
    assert page.send_summary.text() == "已执行 1，待重试 0，失败 0"
    qtbot.waitUntil(lambda: page.commands_table.row_count() == 0, timeout=WAIT_MS)
    assert meter.relay_closed is False
    table = page.meters_table
    p001 = row_of(table, "P001")
    assert [table.text_at(p001, c) for c in range(6, 12)] == [
        "断电", "2026-12-08 10:00", "跳闸", "已执行", "2026-12-08 10:00", "",
    ]  # fmt: skip
    assert table.rows_model.tints[p001] == OVERDUE_TINT
    assert read_db(
        fresh_database_url,
        select(ControlCommand.status, ControlCommand.state_after).where(SWITCHING),
    ) == [("done", "off")]


def test_a_protected_account_is_refused(qtbot, page, fresh_database_url):
    select_account(qtbot, page, "P003")
    dialog = opened(qtbot, page, page.off_button)
    dialog.reason_edit.setFocus()
    type_chinese(dialog.reason_edit, "欠费")
    with qtbot.waitSignal(dialog.refused, timeout=WAIT_MS) as refused:
        qtbot.mouseClick(dialog.confirm_button, LEFT)
    assert refused.args[0] == "户号 P003 处于保电（实验室），不能断开"
    assert dialog.isVisible() and dialog.hint.text() == refused.args[0]
    assert read_db(fresh_database_url, select(ControlCommand.id).where(SWITCHING)) == []


def test_the_policy_preview_then_applied_with_a_managers_approval(qtbot, page, fresh_database_url):
    page.tabs.setCurrentIndex(2)
    assert not page.apply_button.isEnabled()
    with qtbot.waitSignal(page.previewed, timeout=WAIT_MS):
        qtbot.mouseClick(page.preview_button, LEFT)
    table = page.policy_table
    # P005 was reminded Monday and has not topped up since: nothing more to tell it.
    assert [[table.text_at(r, c) for c in (0, 3, 4, 5, 6)] for r in range(3)] == [
        ["P002", "8.00", "10.00", "断开",
         "余额 8.00 元低于停电金额 10.00 元，已于 2026-12-07 09:00 预警，宽限期已过"],
        ["P003", "8.00", "10.00", "不处理",
         "余额 8.00 元低于停电金额 10.00 元，但处于保电：实验室"],
        ["P004", "5.00", "10.00", "停电预警",
         "余额 5.00 元低于停电金额 10.00 元：预警，2026-12-08 22:00 后可断开"],
    ]  # fmt: skip
    assert table.row_count() == 3
    assert table.rows_model.tints[0] == OVERDUE_TINT
    assert page.policy_summary.text() == "断开 1 户，预警 1 户，等待 0 户，不处理 1 户"
    # A preview changes nothing.
    assert read_db(fresh_database_url, select(ControlCommand.id).where(SWITCHING)) == []

    approval = opened(qtbot, page, page.apply_button)
    assert isinstance(approval, ApprovalDialog)
    assert "P002" in approval.explanation.text()
    with qtbot.waitSignal(page.previewed, timeout=WAIT_MS) as applied:
        approve(qtbot, approval, "zhao")
    assert applied.args[0].applied
    assert page.policy_summary.text() == (
        "断开 1 户，预警 1 户，等待 0 户，不处理 1 户；已发出预警 1 户，已排队断开指令 1 条"
    )
    assert read_db(
        fresh_database_url,
        select(Account.account_no, ControlCommand.action, ControlCommand.source,
               ControlCommand.approved_by, ControlCommand.status)
        .join(Account, Account.id == ControlCommand.account_id).where(SWITCHING),
    ) == [("P002", "trip", "policy", "zhao ZHAO", "queued")]  # fmt: skip
    assert read_db(
        fresh_database_url,
        select(Account.account_no, ControlWarning.kind)
        .join(Account, Account.id == ControlWarning.account_id)
        .order_by(Account.account_no),
    ) == [("P002", "cutoff"), ("P004", "cutoff"), ("P005", "low")]
    qtbot.waitUntil(lambda: page.commands_table.row_count() == 1, timeout=WAIT_MS)


def test_a_building_is_switched_off_only_after_another_manager_approves(
    qtbot, page, fresh_database_url
):
    dialog = opened(qtbot, page, page.building_off_button)
    assert isinstance(dialog, BuildingSwitchDialog)
    assert dialog.building_combo.currentText() == "东校区/1号楼"
    dialog.reason_edit.setFocus()
    type_chinese(dialog.reason_edit, "线路检修")
    with qtbot.waitSignal(dialog.approval_opened, timeout=WAIT_MS) as asked:
        qtbot.mouseClick(dialog.confirm_button, LEFT)
    approval: ApprovalDialog = asked.args[0]
    # Nothing is queued while the approval is asked.
    assert read_db(fresh_database_url, select(ControlCommand.id).where(SWITCHING)) == []
    # The one asking cannot approve it.
    with qtbot.waitSignal(approval.attempt_failed, timeout=WAIT_MS) as failed:
        approve(qtbot, approval, "li")
    assert failed.args[0] == "审批须由另一名管理人员办理（审批人不能是经办人本人）"
    with qtbot.waitSignal(page.loaded, timeout=WAIT_MS):
        approve(qtbot, approval, "zhao")
    assert not dialog.isVisible()
    # Every account but P003 (保电).
    assert read_db(
        fresh_database_url,
        select(Account.account_no, ControlCommand.action, ControlCommand.requested_by,
               ControlCommand.approved_by)
        .join(Account, Account.id == ControlCommand.account_id)
        .where(SWITCHING)
        .order_by(Account.account_no),
    ) == [
        ("P001", "trip", "li LI", "zhao ZHAO"), ("P002", "trip", "li LI", "zhao ZHAO"),
        ("P004", "trip", "li LI", "zhao ZHAO"), ("P005", "trip", "li LI", "zhao ZHAO"),
    ]  # fmt: skip
    assert page.commands_table.row_count() == 4


def test_a_manager_sets_and_lifts_a_mark(qtbot, desk, fresh_database_url, tmp_path):
    with page_runner(fresh_database_url, tmp_path) as (runner, _):
        page = open_page(qtbot, runner, desk["zhao"])
        assert page.protect_account_button.isVisibleTo(page)
        select_account(qtbot, page, "P001")
        dialog = opened(qtbot, page, page.protect_account_button)
        assert isinstance(dialog, ProtectDialog)
        assert dialog.account_edit.text() == "P001"
        qtbot.mouseClick(dialog.until_check, LEFT)
        # Offered a week ahead (2026-12-15); the day stepped up to the 31st.
        assert dialog.until_edit.text() == "2026-12-15"
        dialog.until_edit.setFocus()
        qtbot.keyClick(dialog.until_edit, Qt.Key.Key_End)
        for _ in range(16):
            qtbot.keyClick(dialog.until_edit, Qt.Key.Key_Up)
        assert dialog.until_edit.text() == "2026-12-31"
        dialog.reason_edit.setFocus()
        type_chinese(dialog.reason_edit, "透析患者")
        with qtbot.waitSignal(page.loaded, timeout=WAIT_MS):
            qtbot.mouseClick(dialog.confirm_button, LEFT)
        assert page.meters_table.text_at(row_of(page.meters_table, "P001"), 12) == "透析患者"
        marks = page.protections_table
        assert [marks.text_at(0, c) for c in range(4)] == [
            "户号 P001", "透析患者", "2027-01-01 00:00", "zhao ZHAO",
        ]  # fmt: skip
        # The meter's own 保电 is on its way to P001's meter.
        pending = page.commands_table
        assert [[pending.text_at(r, c) for c in (2, 5, 7, 10)] for r in range(
            pending.row_count())] == [["P001", "保电", "保电：透析患者", "待发送"]]  # fmt: skip

        rect = marks.visualRect(marks.model().index(0, 0))
        qtbot.mouseClick(marks.viewport(), LEFT, pos=rect.center())
        lift = opened(qtbot, page, page.unprotect_button)
        lift.reason_edit.setFocus()
        type_chinese(lift.reason_edit, "已出院")
        with qtbot.waitSignal(page.loaded, timeout=WAIT_MS):
            qtbot.mouseClick(lift.confirm_button, LEFT)
        assert marks.row_count() == 1 and marks.text_at(0, 0) == "户号 P003"
        # Lifted before it went out: 保电解除 takes its place.
        assert [[pending.text_at(r, c) for c in (2, 5, 7)] for r in range(
            pending.row_count())] == [["P001", "保电解除", "保电解除：已出院"]]  # fmt: skip
    assert read_db(
        fresh_database_url,
        select(ControlProtection.protected, ControlProtection.reason, ControlProtection.until)
        .where(ControlProtection.account_id.is_not(None))
        .order_by(ControlProtection.id),
    ) == [
        (True, "实验室", None),
        (True, "透析患者", datetime(2027, 1, 1, tzinfo=BUSINESS_TZ)),
        (False, "已出院", None),
    ]


def test_a_refused_command_shows_the_meters_reason_is_retried_and_cancelled(
    qtbot, page, fresh_database_url
):
    select_account(qtbot, page, "P001")
    dialog = opened(qtbot, page, page.off_button)
    dialog.reason_edit.setFocus()
    type_chinese(dialog.reason_edit, "表计故障排查")
    with qtbot.waitSignal(page.loaded, timeout=WAIT_MS):
        qtbot.mouseClick(dialog.confirm_button, LEFT)
    meter = SimulatedElectricityMeter(
        address(1), clock=lambda: TUESDAY.replace(tzinfo=None), password=PASSWORD
    )
    with SimulatorServer([meter]) as bus:
        # Not the meter's password: it answers DCH, error word 04H.
        page.control_settings = ControlSettings(
            ports={"1号楼": bus.url}, password="02000000", timeout=1.0, retries=0
        )
        with qtbot.waitSignal(page.sent, timeout=WAIT_MS):
            qtbot.mouseClick(page.send_button, LEFT)
    assert page.send_summary.text() == "已执行 0，待重试 0，失败 1"
    refusal = "表 000000000001 拒绝控制命令（错误字 04H）：密码错/未授权"
    commands = page.commands_table
    qtbot.waitUntil(lambda: commands.text_at(0, 10) == "失败", timeout=WAIT_MS)
    assert [commands.text_at(0, c) for c in (2, 5, 11, 12)] == ["P001", "跳闸", "1", refusal]
    assert commands.rows_model.tints[0] == OVERDUE_TINT
    assert page.tabs.tabText(1) == "待发送与失败 (0 / 1)"
    # The meter said its relay is still closed; the row shows the failure.
    table = page.meters_table
    p001 = row_of(table, "P001")
    assert [table.text_at(p001, c) for c in (6, 8, 9, 11)] == ["通电", "跳闸", "失败", refusal]
    assert table.rows_model.tints[p001] == DUE_SOON_TINT
    assert meter.relay_closed is True

    page.tabs.setCurrentIndex(1)
    assert not page.cancel_button.isEnabled()
    qtbot.mouseClick(
        commands.viewport(), LEFT, pos=commands.visualRect(commands.model().index(0, 0)).center()
    )
    assert not page.cancel_button.isEnabled()
    with qtbot.waitSignal(page.loaded, timeout=WAIT_MS):
        qtbot.mouseClick(page.retry_button, LEFT)
    assert commands.row_count() == 2
    # Newest first: the retry, queued again with the failed one's reason.
    assert [commands.text_at(0, c) for c in (5, 7, 10)] == [
        "跳闸", "重发指令 2：表计故障排查", "待发送",
    ]  # fmt: skip
    qtbot.mouseClick(
        commands.viewport(), LEFT, pos=commands.visualRect(commands.model().index(0, 0)).center()
    )
    assert not page.retry_button.isEnabled()
    cancel = opened(qtbot, page, page.cancel_button)
    cancel.reason_edit.setFocus()
    type_chinese(cancel.reason_edit, "到现场处理")
    with qtbot.waitSignal(page.loaded, timeout=WAIT_MS):
        qtbot.mouseClick(cancel.confirm_button, LEFT)
    assert commands.row_count() == 1 and commands.text_at(0, 10) == "失败"
    assert read_db(
        fresh_database_url,
        select(ControlCommand.id, ControlCommand.status, ControlCommand.error)
        .order_by(ControlCommand.id)
        .where(SWITCHING),
    ) == [(2, "failed", refusal), (3, "cancelled", "到现场处理")]


def test_nothing_is_applied_when_things_changed_since_the_preview(qtbot, page, fresh_database_url):
    page.tabs.setCurrentIndex(2)
    with qtbot.waitSignal(page.previewed, timeout=WAIT_MS):
        qtbot.mouseClick(page.preview_button, LEFT)
    assert page.preview.to_switch[0].account_no == "P002"
    # Meanwhile, at another desk, P002 is put under 保电.
    engine = create_engine(fresh_database_url)
    with unit_of_work(make_sessionmaker(engine)) as s:
        zhao = staff_identity(s, "zhao").actor
        set_protection(s, zhao, protected=True, reason="家中有病人", now=TUESDAY,
                       account_no="P002")  # fmt: skip
    engine.dispose()
    approval = opened(qtbot, page, page.apply_button)
    approve(qtbot, approval, "zhao")
    qtbot.waitUntil(lambda: page.preview is None, timeout=WAIT_MS)
    assert page.policy_summary.text() == "预览之后情况已有变化，未做任何处理。请重新预览。"
    assert page.policy_table.row_count() == 0
    assert not page.apply_button.isEnabled()
    assert read_db(fresh_database_url, select(ControlCommand.id).where(SWITCHING)) == []
    # The warnings were not given either: P004 is still unwarned.
    assert read_db(
        fresh_database_url,
        select(Account.account_no)
        .join(ControlWarning, ControlWarning.account_id == Account.id)
        .order_by(Account.account_no),
    ) == [("P002",), ("P005",)]
