"""The sign-in dialog and the main window, driven for real against PostgreSQL (pytest-qt)."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QSettings, Qt, QTimer
from PySide6.QtGui import QColor, QImage, QKeySequence, QPalette
from PySide6.QtWidgets import QApplication, QDialog
from sqlalchemy import create_engine, select
from sqlalchemy.orm import Session

from desktop.app import ensure_application, main, run_desktop
from desktop.connection import describe_database
from desktop.login import LoginDialog
from desktop.main_window import MainWindow
from desktop.preferences import LAST_LOGIN
from desktop.tasks import TaskRunner
from server.db.engine import make_engine, make_sessionmaker
from server.db.models import AuditEvent, Staff
from tests.desktop_support import CLERK_LOGIN, LOCKED_LOGIN, PASSWORD, seed_staff

WAIT_MS = 10_000


@pytest.fixture
def zh_app(qapp: QApplication) -> QApplication:
    return ensure_application("zh_CN")


@pytest.fixture
def staff(fresh_database_url: str):
    return seed_staff(fresh_database_url)


@pytest.fixture
def runner(fresh_database_url: str, zh_app: QApplication) -> Iterator[TaskRunner]:
    engine = make_engine(fresh_database_url)
    task_runner = TaskRunner(make_sessionmaker(engine))
    yield task_runner
    task_runner.shutdown()
    engine.dispose()


@pytest.fixture
def preferences(tmp_path: Path) -> QSettings:
    return QSettings(str(tmp_path / "prefs.ini"), QSettings.Format.IniFormat)


def staff_row(url: str, staff_id: int) -> tuple[int, object]:
    engine = create_engine(url)
    try:
        with Session(engine) as session:
            row = session.get_one(Staff, staff_id)
            return row.failed_logins, row.locked_until
    finally:
        engine.dispose()


def attempt(qtbot, dialog: LoginDialog, password: str) -> str:
    """Type the password, press Enter, and return the error shown."""
    dialog.password_edit.clear()
    qtbot.keyClicks(dialog.password_edit, password)
    with qtbot.waitSignal(dialog.attempt_failed, timeout=WAIT_MS) as blocker:
        qtbot.keyClick(dialog.password_edit, Qt.Key.Key_Return)
    return blocker.args[0]


def open_dialog(qtbot, runner, preferences, login=None) -> LoginDialog:
    dialog = LoginDialog(runner, preferences=preferences, login=login)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    return dialog


def test_wrong_password_shows_the_error_and_stays_open(
    qtbot, runner, preferences, staff, fresh_database_url
):
    dialog = open_dialog(qtbot, runner, preferences, login=CLERK_LOGIN)
    assert dialog.windowTitle() == "MeterDesk 水电计量收费系统 — 登录"
    assert dialog.sign_in_button.text() == "登录"

    message = attempt(qtbot, dialog, "wrong-password")

    assert message == "用户名或密码错误"
    assert dialog.error_label.text() == "用户名或密码错误"
    assert dialog.error_label.isVisible()
    assert dialog.error_label.palette().color(QPalette.ColorRole.WindowText) == QColor("#c62828")
    assert dialog.isVisible() and dialog.identity is None
    assert dialog.password_edit.text() == ""
    assert dialog.sign_in_button.isEnabled() and dialog.sign_in_button.text() == "登录"
    # The failure was committed by the task's unit of work, not rolled back with the error.
    assert staff_row(fresh_database_url, staff.clerk_id) == (1, None)
    # Only a successful sign-in is remembered.
    assert preferences.value(LAST_LOGIN) is None


def test_unknown_login_and_empty_fields(qtbot, runner, preferences, staff):
    dialog = open_dialog(qtbot, runner, preferences, login="")
    dialog.submit()
    assert dialog.error_label.text() == "请输入工号或登录名。"
    qtbot.keyClicks(dialog.login_edit, "nobody")
    dialog.submit()
    assert dialog.error_label.text() == "请输入密码。"
    assert attempt(qtbot, dialog, PASSWORD) == "用户名或密码错误"


def test_five_wrong_passwords_lock_the_account(
    qtbot, runner, preferences, staff, fresh_database_url
):
    dialog = open_dialog(qtbot, runner, preferences, login=LOCKED_LOGIN)

    messages = [attempt(qtbot, dialog, f"guess-{n}") for n in range(5)]

    assert messages[:4] == ["用户名或密码错误"] * 4
    assert messages[4] == "密码错误次数过多，账号已锁定 15 分钟"
    failed, locked_until = staff_row(fresh_database_url, staff.other_id)
    assert failed == 0 and locked_until is not None
    # Even the right password is refused while locked.
    locked = attempt(qtbot, dialog, PASSWORD)
    assert "锁定" in locked and locked.startswith("账号已锁定")
    assert dialog.isVisible() and dialog.identity is None


def test_right_password_opens_the_main_window(
    qtbot, runner, preferences, staff, fresh_database_url
):
    dialog = open_dialog(qtbot, runner, preferences, login=CLERK_LOGIN)
    qtbot.keyClicks(dialog.password_edit, PASSWORD)
    with qtbot.waitSignal(dialog.signed_in, timeout=WAIT_MS) as blocker:
        qtbot.keyClick(dialog.password_edit, Qt.Key.Key_Enter)

    identity = blocker.args[0]
    assert dialog.result() == QDialog.DialogCode.Accepted
    assert (identity.login, identity.name, identity.department, identity.post) == (
        "zhangsan",
        "张三",
        "收费科",
        "收费员",
    )
    assert identity.branch_name == "东区分中心" and identity.staff_id == staff.clerk_id

    database = describe_database(fresh_database_url, embedded=True)
    window = MainWindow(identity, database, runner=runner, preferences=preferences)
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)

    assert window.windowTitle() == "MeterDesk 水电计量收费系统"
    assert window.welcome_page.title_label.text() == "欢迎，张三"
    shown = {key: label.text() for key, label in window.welcome_page.values.items()}
    assert shown == {
        "name": "张三",
        "login": "zhangsan",
        "department": "收费科",
        "post": "收费员",
        "branch": "东区分中心",
        "database": "嵌入式演示数据库",
    }
    assert window.user_status.text() == "当前用户：张三（zhangsan）"
    assert window.branch_status.text() == "分中心：东区分中心"
    assert window.database_status.text() == "数据库：嵌入式演示数据库"
    # The zh_CN catalogue is loaded: menus read in Chinese.
    assert window.file_menu.title() == "文件(&F)"
    assert window.help_menu.title() == "帮助(&H)"
    assert window.quit_action.text() == "退出(&X)"
    assert window.quit_action.shortcut() == QKeySequence("Ctrl+Q")
    assert window.about_action.text() == "关于 MeterDesk(&A)"
    assert "数据库：嵌入式演示数据库" in window.about_text()


def test_the_last_login_is_remembered(qtbot, runner, preferences, staff, tmp_path):
    dialog = open_dialog(qtbot, runner, preferences, login=CLERK_LOGIN)
    qtbot.keyClicks(dialog.password_edit, PASSWORD)
    with qtbot.waitSignal(dialog.signed_in, timeout=WAIT_MS):
        dialog.sign_in_button.click()

    reopened = QSettings(str(tmp_path / "prefs.ini"), QSettings.Format.IniFormat)
    assert reopened.value(LAST_LOGIN) == "zhangsan"
    again = open_dialog(qtbot, runner, reopened)
    assert again.login_edit.text() == "zhangsan"
    assert again.password_edit.text() == ""


def test_status_bar_names_a_central_server(qtbot, zh_app, preferences):
    url = "postgresql+psycopg://md:s3cret@db.campus.edu.cn:5433/meterdesk"
    database = describe_database(url, embedded=False)
    assert database.label() == "中心服务器 db.campus.edu.cn:5433/meterdesk"
    default_port = describe_database("postgresql://md:x@10.1.2.3/md_prod", embedded=False)
    assert default_port.label() == "中心服务器 10.1.2.3/md_prod"

    from server.services.staff.sign_in import StaffIdentity

    identity = StaffIdentity(1, "wangwu", "王五", "管理科", "管理员", None, "")
    window = MainWindow(identity, database, preferences=preferences)
    qtbot.addWidget(window)
    assert window.database_status.text() == "数据库：中心服务器 db.campus.edu.cn:5433/meterdesk"
    assert window.branch_status.text() == "分中心：（未分配）"
    assert "s3cret" not in window.database_status.text()


def test_window_geometry_is_restored(qtbot, zh_app, preferences):
    from server.services.staff.sign_in import StaffIdentity

    identity = StaffIdentity(1, "wangwu", "王五", "管理科", "管理员", None, "")
    database = describe_database("postgresql://h/db", embedded=True)
    first = MainWindow(identity, database, preferences=preferences)
    qtbot.addWidget(first)
    first.show()
    qtbot.waitExposed(first)
    first.resize(640, 480)  # within the 800×600 offscreen screen
    first.close()

    second = MainWindow(identity, database, preferences=preferences)
    qtbot.addWidget(second)
    assert (second.width(), second.height()) == (640, 480)


def run_driven(drive: Callable[[QTimer], None], url: str, preferences: QSettings) -> int:
    """run_desktop (张三 offered at sign-in) with `drive(timer)` called every 50 ms inside
    its event loops, the sign-in dialog's and the window's, until it stops the timer."""
    timer = QTimer()
    timer.setInterval(50)
    timer.timeout.connect(lambda: drive(timer))
    timer.start()
    try:
        return run_desktop(url, login=CLERK_LOGIN, preferences=preferences)
    finally:
        timer.stop()


def test_run_desktop_signs_in_and_runs_until_the_window_closes(
    qtbot, zh_app, md_env, staff, preferences
):
    seen: dict[str, str] = {}

    def drive(timer: QTimer) -> None:
        # Runs inside run_desktop's event loops: first the dialog's, then the window's.
        for widget in QApplication.topLevelWidgets():
            if not widget.isVisible():
                continue
            if isinstance(widget, LoginDialog) and not widget.busy:
                seen["prefilled"] = widget.login_edit.text()
                widget.password_edit.setText(PASSWORD)
                widget.submit()
            elif isinstance(widget, MainWindow):
                seen["status"] = widget.database_status.text()
                seen["user"] = widget.user_status.text()
                widget.close()
                timer.stop()

    assert run_driven(drive, md_env, preferences) == 0
    assert seen["prefilled"] == "zhangsan"
    assert seen["user"] == "当前用户：张三（zhangsan）"
    # md_env sets DATABASE_URL, so this counts as a central server.
    assert seen["status"].startswith("数据库：中心服务器 localhost/md_clone_")


def test_switching_user_goes_back_to_the_sign_in_dialog_without_restarting(
    qtbot, zh_app, md_env, staff, preferences
):
    """张三 signs in, 文件 → 切换用户 brings the sign-in dialog back with no login in it, 李四
    signs in, and closing his window ends the program."""
    dialogs: list[str] = []
    users: list[str] = []

    def drive(timer: QTimer) -> None:
        for widget in QApplication.topLevelWidgets():
            if not widget.isVisible():
                continue
            if isinstance(widget, LoginDialog) and not widget.busy:
                dialogs.append(widget.login_edit.text())
                if not widget.login_edit.text():
                    widget.login_edit.setText(LOCKED_LOGIN)
                widget.password_edit.setText(PASSWORD)
                widget.submit()
            elif isinstance(widget, MainWindow) and users[-1:] != [widget.identity.login]:
                users.append(widget.identity.login)
                if len(users) == 1:
                    widget.switch_user_action.trigger()
                else:
                    widget.close()
                    timer.stop()

    assert run_driven(drive, md_env, preferences) == 0
    assert dialogs == [CLERK_LOGIN, ""]
    assert users == [CLERK_LOGIN, LOCKED_LOGIN]


def test_main_version(capsys):
    assert main(["--version"]) == 0
    assert capsys.readouterr().out == "meterdesk-desktop 0.1.0\n"


@pytest.fixture
def restore_logging(monkeypatch):
    import logging

    root = logging.getLogger()
    handlers = list(root.handlers)
    monkeypatch.setattr(sys, "excepthook", sys.excepthook)
    yield
    for handler in root.handlers[:]:
        if handler not in handlers:
            root.removeHandler(handler)
            handler.close()


def test_screenshots_sign_in_for_real(zh_app, md_env, staff, tmp_path, restore_logging):
    shots = tmp_path / "shots"
    code = main(["--screenshots", str(shots), "--login", CLERK_LOGIN, "--password", PASSWORD])

    assert code == 0
    login_png, window_png = QImage(str(shots / "login.png")), QImage(str(shots / "main_window.png"))
    assert not login_png.isNull() and login_png.width() >= 400
    assert (window_png.width(), window_png.height()) == (1024, 640)
    # …and every module the clerk may open, once its data has arrived.
    counter_png = QImage(str(shots / "module_counter.png"))
    assert (counter_png.width(), counter_png.height()) == (1366, 800)
    assert not (shots / "module_admin.png").exists()
    engine = create_engine(md_env)
    try:
        with Session(engine) as session:
            actions = session.scalars(
                select(AuditEvent.action).where(AuditEvent.staff_id == staff.clerk_id)
            ).all()
    finally:
        engine.dispose()
    assert "auth.login" in actions


def test_screenshots_with_a_wrong_password_fail_cleanly(
    zh_app, md_env, staff, tmp_path, restore_logging, capsys
):
    code = main(["--screenshots", str(tmp_path), "--login", CLERK_LOGIN, "--password", "nope"])
    assert code == 1
    assert capsys.readouterr().err.strip().endswith("用户名或密码错误")
    assert not (tmp_path / "main_window.png").exists()
