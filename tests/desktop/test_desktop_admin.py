"""The shell's permission hiding, 个人信息, and the administration page, driven for real."""

from __future__ import annotations

import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QSettings
from sqlalchemy import create_engine, select
from sqlalchemy.orm import Session

from desktop.admin_page import AdminPage
from desktop.app import ensure_application
from desktop.connection import describe_database
from desktop.main_window import MainWindow
from desktop.tasks import TaskRunner
from server.db.engine import make_engine, make_sessionmaker, unit_of_work
from server.db.models import PermissionGrant, Post, Staff
from server.services.staff.org import add_staff_with_role
from server.services.staff.sign_in import StaffIdentity, authenticate, staff_identity
from tests import factories as f

WAIT_MS = 10_000
PASSWORD = "Counter2026"


@pytest.fixture
def people(fresh_database_url: str) -> dict[str, StaffIdentity]:
    """Branch D; root (系统管理员), wang (收费员) and sun (抄表员)."""
    engine = create_engine(fresh_database_url)
    try:
        with unit_of_work(make_sessionmaker(engine)) as session:
            f.branches(session)
            for login, role in (("root", "admin"), ("wang", "clerk"), ("sun", "reader")):
                add_staff_with_role(
                    session, f.ACTOR, login=login, name=login.upper(), password=PASSWORD,
                    role=role, branch_code="D",
                )  # fmt: skip
            return {login: staff_identity(session, login) for login in ("root", "wang", "sun")}
    finally:
        engine.dispose()


@pytest.fixture
def runner(fresh_database_url: str) -> Iterator[TaskRunner]:
    ensure_application("zh_CN")
    engine = make_engine(fresh_database_url)
    task_runner = TaskRunner(make_sessionmaker(engine))
    yield task_runner
    task_runner.shutdown()
    engine.dispose()


def window_for(qtbot, identity, runner, url, tmp_path: Path) -> MainWindow:
    preferences = QSettings(str(tmp_path / f"{identity.login}.ini"), QSettings.Format.IniFormat)
    window = MainWindow(
        identity, describe_database(url, embedded=False), runner=runner, preferences=preferences
    )
    qtbot.addWidget(window)
    return window


def nav_items(window: MainWindow) -> list[str]:
    return [window.nav.item(i).text() for i in range(window.nav.count())]


def query(url: str, statement):
    engine = create_engine(url)
    try:
        with Session(engine) as session:
            return session.execute(statement).all()
    finally:
        engine.dispose()


def test_each_staff_member_sees_only_the_modules_they_hold(
    qtbot, people, runner, fresh_database_url, tmp_path
):
    clerk = window_for(qtbot, people["wang"], runner, fresh_database_url, tmp_path)
    assert "收费台" in nav_items(clerk) and "系统管理" not in nav_items(clerk)
    assert clerk.pages.currentWidget() is clerk.counter_page  # a clerk starts at the counter
    assert clerk.page_for("admin") is None
    reader = window_for(qtbot, people["sun"], runner, fresh_database_url, tmp_path)
    assert "收费台" not in nav_items(reader) and "系统管理" not in nav_items(reader)
    assert reader.pages.currentWidget() is reader.welcome_page
    root = window_for(qtbot, people["root"], runner, fresh_database_url, tmp_path)
    assert "系统管理" in nav_items(root)
    root.module_actions["admin"].trigger()
    assert isinstance(root.pages.currentWidget(), AdminPage)


def test_permissions_granted_on_the_page_reach_the_database_and_the_log(
    qtbot, people, runner, fresh_database_url
):
    page = AdminPage(people["root"], runner)
    qtbot.addWidget(page)
    qtbot.waitUntil(lambda: page.organisation is not None, timeout=WAIT_MS)
    assert page.staff_table.row_count() == 3
    assert page.grant_boxes[("clerk", "counter")].isChecked()
    assert not page.grant_boxes[("clerk", "reports")].isChecked()
    assert not page.grant_boxes[("admin", "reports")].isEnabled()  # holds everything anyway
    with qtbot.waitSignal(page.loaded, timeout=WAIT_MS):
        page.grant_boxes[("clerk", "reports")].setChecked(True)
    rows = query(
        fresh_database_url,
        select(Post.code, PermissionGrant.module, PermissionGrant.department_id)
        .join(Post, Post.id == PermissionGrant.post_id)
        .where(PermissionGrant.module == "reports"),
    )
    assert ("clerk", "reports", None) in rows
    assert page.grant_boxes[("clerk", "reports")].isChecked()
    with qtbot.waitSignal(page.audit_loaded, timeout=WAIT_MS):
        page.query_audit()
    assert page.audit_table.text_at(0, 2) == "授权"
    assert '"module": "reports"' in page.audit_table.text_at(0, 4)


def test_staff_are_added_disabled_and_reset_and_a_clerk_is_refused(
    qtbot, people, runner, fresh_database_url
):
    page = AdminPage(people["root"], runner)
    qtbot.addWidget(page)
    qtbot.waitUntil(lambda: page.organisation is not None, timeout=WAIT_MS)
    with qtbot.waitSignal(page.loaded, timeout=WAIT_MS):
        page.add_staff("li", "李四", "charge", "clerk", "D", "First2026")
    assert [page.staff_table.text_at(r, 0) for r in range(4)] == ["li", "root", "sun", "wang"]
    page.staff_table.selectRow(0)
    with qtbot.waitSignal(page.loaded, timeout=WAIT_MS):
        page.toggle_selected()
    assert page.staff_table.is_struck(0) and page.staff_table.text_at(0, 6) == "已停用"
    with qtbot.waitSignal(page.loaded, timeout=WAIT_MS):
        page.reset_password("li", "Second2026")
    [(active,)] = query(fresh_database_url, select(Staff.active).where(Staff.login == "li"))
    assert active is False

    clerk_page = AdminPage(people["wang"], runner)  # reached some other way: the service says no
    qtbot.addWidget(clerk_page)
    qtbot.waitUntil(lambda: clerk_page.organisation is not None, timeout=WAIT_MS)
    with qtbot.waitSignal(clerk_page.refused, timeout=WAIT_MS) as refused:
        clerk_page.add_unit("post", "boss", "老板")
    assert refused.args == ["wang WANG 没有“系统管理”权限"]
    assert clerk_page.message.text() == "wang WANG 没有“系统管理”权限"


def test_my_profile_validates_as_typed_and_changes_the_password(
    qtbot, people, runner, fresh_database_url, tmp_path
):
    window = window_for(qtbot, people["wang"], runner, fresh_database_url, tmp_path)
    dialog = window.show_profile()
    assert dialog is not None
    qtbot.waitUntil(lambda: dialog.shown["post"].text() == "收费员", timeout=WAIT_MS)
    assert dialog.shown["branch"].text() == "东区收费点"
    dialog.mobile_edit.setText("1381234")
    assert not dialog.save_button.isEnabled()
    assert "手机号应为 11 位数字" in dialog.hint.text()
    dialog.mobile_edit.setText("13812345678")
    dialog.old_edit.setText("wrong-one1")
    dialog.new_edit.setText("Better2027")
    dialog.again_edit.setText("Better2028")
    assert dialog.hint.text() == "两次输入的新密码不一致"
    dialog.again_edit.setText("Better2027")
    assert dialog.save_button.isEnabled()
    dialog.save()
    qtbot.waitUntil(lambda: dialog.hint.text() == "原密码不正确", timeout=WAIT_MS)
    # Nothing half-written: the mobile number was in the same unit of work.
    [(mobile,)] = query(fresh_database_url, select(Staff.mobile).where(Staff.login == "wang"))
    assert mobile == ""
    dialog.old_edit.setText(PASSWORD)
    with qtbot.waitSignal(dialog.saved, timeout=WAIT_MS):
        dialog.save()
    engine = create_engine(fresh_database_url)
    with Session(engine) as session:
        assert authenticate(session, "wang", "Better2027").login == "wang"
        assert session.scalar(select(Staff.mobile).where(Staff.login == "wang")) == "13812345678"
    engine.dispose()


def test_diagnostics_are_exported_from_the_help_menu_with_secrets_masked(
    qtbot, people, runner, fresh_database_url, tmp_path, monkeypatch
):
    home = tmp_path / "md_home"
    (home / "logs").mkdir(parents=True)
    (home / "logs" / "meterdesk-desktop.log").write_text("2026-11-23 WARNING [wang@D] x\n")
    (home / "meterdesk.toml").write_text('[wechat]\napp_secret = "s3cret-value"\n')
    monkeypatch.setenv("MD_HOME", str(home))
    window = window_for(qtbot, people["wang"], runner, fresh_database_url, tmp_path)
    target = tmp_path / "diag.zip"
    with qtbot.waitSignal(window.diagnostics_written, timeout=WAIT_MS):
        window.export_diagnostics(target)
    # Where it went: in the status bar and in a box that can open the folder.
    assert window.statusBar().currentMessage() == f"已保存到 {target}"
    with zipfile.ZipFile(target) as archive:
        names = set(archive.namelist())
        settings = archive.read("settings.txt").decode()
    assert {"versions.txt", "settings.txt", "logs/meterdesk-desktop.log"} <= names
    assert "s3cret-value" not in settings and "wechat.app_secret = '****'" in settings
