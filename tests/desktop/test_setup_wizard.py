"""First run (首次运行): the connection is tried before it is saved; the password goes to the
keyring, the rest to the config file; the wizard drives it."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import keyring
import pytest
from keyring.backend import KeyringBackend
from PySide6.QtCore import QPoint, Qt, QTimer
from PySide6.QtWidgets import QApplication, QDialog, QLabel, QLineEdit, QRadioButton, QWizard
from sqlalchemy import create_engine, func, select, text
from sqlalchemy.engine import make_url

from desktop.app import ensure_application
from desktop.setup_wizard import SetupWizard, seed_demo_database
from server.config import load_settings
from server.db.credentials import KEYRING_SERVICE
from server.db.engine import database_url, ensure_database, make_sessionmaker, unit_of_work
from server.db.models import Account
from server.ops.pc_setup import ConnectionSpec, check_connection, save_connection
from server.services.staff.org import ensure_branch, ensure_campus
from server.services.staff.sign_in import sign_in
from tests.netutil import through_cable

WAIT_MS = 15_000


class MemoryKeyring(KeyringBackend):
    """Stands in for the operating system's keyring."""

    priority = 1  # type: ignore[assignment]

    def __init__(self) -> None:
        super().__init__()
        self.entries: dict[tuple[str, str], str] = {}

    def set_password(self, service: str, username: str, password: str) -> None:
        self.entries[(service, username)] = password

    def get_password(self, service: str, username: str) -> str | None:
        return self.entries.get((service, username))

    def delete_password(self, service: str, username: str) -> None:
        self.entries.pop((service, username), None)


@pytest.fixture
def memory_keyring() -> Iterator[MemoryKeyring]:
    previous = keyring.get_keyring()
    ring = MemoryKeyring()
    keyring.set_keyring(ring)
    yield ring
    keyring.set_keyring(previous)


@pytest.fixture
def server(fresh_database_url: str) -> Iterator[ConnectionSpec]:
    """The fresh database reached over TCP (as a counter PC reaches the central server),
    with branches D and E."""
    engine = create_engine(fresh_database_url)
    with unit_of_work(make_sessionmaker(engine)) as session:
        campus = ensure_campus(session, "东校区")
        ensure_branch(session, campus, "D", "东区收费点")
        ensure_branch(session, campus, "E", "东二收费点")
    engine.dispose()
    url, cable = through_cable(fresh_database_url)
    parsed = make_url(url)
    yield ConnectionSpec(
        host="127.0.0.1", port=parsed.port or 0, database=parsed.database or "",
        user=parsed.username or "", password="Secret-2026", sslmode="disable",
    )  # fmt: skip
    cable.pull()


def test_a_working_connection_lists_the_branches(server: ConnectionSpec):
    result = check_connection(server)
    assert result.ok and not result.tls
    assert result.message.startswith("连接成功：PostgreSQL 16") and "未加密" in result.message
    assert [(b.code, b.name) for b in result.branches] == [("D", "东区收费点"), ("E", "东二收费点")]


def test_what_is_wrong_is_said(server: ConnectionSpec, pg_admin_url: str):
    wrong_port = ConnectionSpec("127.0.0.1", 1, "meterdesk", "app", "x", "disable")
    result = check_connection(wrong_port)
    assert not result.ok and result.message.startswith("无法连接 127.0.0.1:1/meterdesk：")
    empty_name = "md_setup_empty"
    ensure_database(pg_admin_url, empty_name)
    try:
        empty = check_connection(
            ConnectionSpec(server.host, server.port, empty_name, server.user, "", "disable")
        )
    finally:
        admin = create_engine(pg_admin_url, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f'drop database "{empty_name}" with (force)'))
        admin.dispose()
    assert empty.message.startswith("数据库结构版本为 （空），本程序需要 ")
    assert "meterdesk db upgrade" in empty.message
    missing = check_connection(ConnectionSpec("", 5432, "", "", "", "require"))
    assert missing.message == "请填写服务器地址、数据库名和用户名"


def test_saving_keeps_the_password_out_of_the_file(
    server: ConnectionSpec, memory_keyring: MemoryKeyring, tmp_path: Path, monkeypatch
):
    monkeypatch.delenv("DATABASE_URL", raising=False)
    monkeypatch.delenv("MD_DATABASE_URL", raising=False)
    (tmp_path / "meterdesk.toml").write_text('# set up by IT\n[log]\nlevel = "DEBUG"\n')
    path = save_connection(server, "E", tmp_path)
    text = path.read_text(encoding="utf-8")
    assert "Secret-2026" not in text and "# set up by IT" in text and 'level = "DEBUG"' in text
    settings = load_settings(tmp_path)
    assert settings.get("branch", "code") == "E"
    assert settings.database_url == (
        f"postgresql+psycopg://{server.user}@127.0.0.1:{server.port}/{server.database}"
        "?sslmode=disable"
    )
    name = f"{server.user}@127.0.0.1:{server.port}/{server.database}"
    assert memory_keyring.entries == {(KEYRING_SERVICE, name): "Secret-2026"}
    assert make_url(database_url(settings)).password == "Secret-2026"


def click(qtbot, wizard: SetupWizard, which: QWizard.WizardButton) -> None:
    button = wizard.button(which)
    assert button.isVisible() and button.isEnabled(), f"{button.text()} cannot be clicked"
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)


def shown_buttons(wizard: SetupWizard) -> list[str]:
    """The enabled navigation buttons the user sees, by their (Chinese) caption."""
    names = [QWizard.WizardButton.BackButton, QWizard.WizardButton.NextButton,
             QWizard.WizardButton.FinishButton]  # fmt: skip
    buttons = [wizard.button(name) for name in names]
    return [b.text() for b in buttons if b.isVisible() and b.isEnabled()]


def choose(qtbot, radio: QRadioButton) -> None:
    # On its indicator: a stretched radio button ignores clicks right of its caption.
    qtbot.mouseClick(radio, Qt.MouseButton.LeftButton, pos=QPoint(8, radio.height() // 2))
    assert radio.isChecked()


def type_into(qtbot, edit: QLineEdit, text: str) -> None:
    edit.selectAll()
    qtbot.keyClicks(edit, text)


def test_the_wizard_tests_before_it_lets_the_user_go_on(
    qtbot, server: ConnectionSpec, memory_keyring: MemoryKeyring, tmp_path: Path
):
    ensure_application("zh_CN")
    wizard = SetupWizard(tmp_path)
    qtbot.addWidget(wizard)
    wizard.show()
    qtbot.waitExposed(wizard)
    assert wizard.choice.central.isChecked()
    assert shown_buttons(wizard) == ["下一步(&N) >"]
    click(qtbot, wizard, QWizard.WizardButton.NextButton)
    page = wizard.server
    assert wizard.currentPage() is page
    type_into(qtbot, page.host_edit, server.host)
    page.port_spin.selectAll()
    qtbot.keyClicks(page.port_spin, str(server.port))
    type_into(qtbot, page.database_edit, server.database)
    type_into(qtbot, page.user_edit, server.user)
    type_into(qtbot, page.password_edit, server.password)
    page.ssl_combo.setCurrentIndex(page.ssl_combo.findData("disable"))
    assert page.port_spin.value() == server.port
    assert shown_buttons(wizard) == ["< 上一步(&B)"]  # not tried yet
    with qtbot.waitSignal(page.checked, timeout=WAIT_MS):
        qtbot.mouseClick(page.test_button, Qt.MouseButton.LeftButton)
    assert page.result_label.text().startswith("✓ 连接成功")
    assert shown_buttons(wizard) == ["< 上一步(&B)", "下一步(&N) >"]
    qtbot.keyClick(page.port_spin, Qt.Key.Key_Up)
    assert shown_buttons(wizard) == ["< 上一步(&B)"]  # changed since the test
    qtbot.keyClick(page.port_spin, Qt.Key.Key_Down)
    click(qtbot, wizard, QWizard.WizardButton.NextButton)
    combo = wizard.branch.branch_combo
    assert [combo.itemData(i) for i in range(combo.count())] == ["", "D", "E"]
    assert shown_buttons(wizard) == ["< 上一步(&B)", "完成(&F)"]
    combo.setCurrentIndex(2)
    click(qtbot, wizard, QWizard.WizardButton.FinishButton)
    assert wizard.result() == QDialog.DialogCode.Accepted and not wizard.isVisible()
    assert wizard.saved_to == tmp_path / "meterdesk.toml"
    assert load_settings(tmp_path).get("branch", "code") == "E"


def test_the_embedded_choice_needs_no_server(qtbot, tmp_path: Path):
    ensure_application("zh_CN")
    wizard = SetupWizard(tmp_path)
    qtbot.addWidget(wizard)
    wizard.show()
    qtbot.waitExposed(wizard)
    choose(qtbot, wizard.choice.embedded)
    assert shown_buttons(wizard) == ["完成(&F)"]
    # Changing one's mind brings 下一步 back, and choosing again brings 完成 back.
    choose(qtbot, wizard.choice.central)
    assert shown_buttons(wizard) == ["下一步(&N) >"]
    choose(qtbot, wizard.choice.embedded)
    click(qtbot, wizard, QWizard.WizardButton.FinishButton)
    assert wizard.result() == QDialog.DialogCode.Accepted and not wizard.isVisible()
    assert load_settings(tmp_path).database_url == ""
    assert (tmp_path / "meterdesk.toml").read_text(encoding="utf-8").strip() == (
        '[database]\nurl = ""'
    )


def test_the_embedded_choice_says_how_to_sign_in(qtbot, tmp_path: Path):
    ensure_application("zh_CN")
    wizard = SetupWizard(tmp_path)
    qtbot.addWidget(wizard)
    wizard.show()
    qtbot.waitExposed(wizard)
    assert not wizard.choice.demo_hint.isVisible()
    choose(qtbot, wizard.choice.embedded)
    assert wizard.choice.demo_hint.isVisible()
    assert wizard.choice.demo_hint.text() == "首次启动时填入演示数据：用户名 admin，密码 admin123。"


def test_a_pc_set_up_for_demo_and_training_gets_the_demo_data(qtbot, fresh_database_url: str):
    ensure_application("zh_CN")
    seen: list[str] = []

    def look() -> None:
        dialog = next(
            (w for w in QApplication.topLevelWidgets() if w.objectName() == "demoProgress"), None
        )
        if dialog is not None and dialog.isVisible():
            seen.append(dialog.findChild(QLabel).text())

    watch = QTimer()
    watch.timeout.connect(look)
    watch.start(20)
    try:
        assert seed_demo_database(fresh_database_url, accounts=12) is None
    finally:
        watch.stop()
    assert seen and seen[0].startswith("正在准备演示数据……")
    # The stages as they pass (the longest, a year of bills and payments, is always seen).
    assert any(text.startswith("正在准备演示数据……\n出账与收款 ") for text in seen)
    engine = create_engine(fresh_database_url)
    try:
        with make_sessionmaker(engine)() as session:
            assert session.scalar(select(func.count()).select_from(Account)) == 12
            assert sign_in(session, "admin", "admin123").identity is not None
        # Set up again on the same data: nothing is added.
        assert seed_demo_database(fresh_database_url, accounts=5) is None
        with make_sessionmaker(engine)() as session:
            assert session.scalar(select(func.count()).select_from(Account)) == 12
    finally:
        engine.dispose()
