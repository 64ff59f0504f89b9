"""Desktop startup against databases whose schema does not fit: a message, not a traceback."""

from __future__ import annotations

import itertools
import os
from collections.abc import Iterator

import pytest
from PySide6.QtCore import QCoreApplication
from PySide6.QtWidgets import QApplication, QDialogButtonBox, QFileDialog, QLabel
from sqlalchemy import create_engine, text

from desktop.app import ensure_application, run_desktop
from desktop.connection import schema_problem
from server.db.engine import ensure_database
from server.db.migrate import head_revision, status

_names = itertools.count()


@pytest.fixture
def zh_app(qapp: QApplication) -> QApplication:
    return ensure_application("zh_CN")


@pytest.fixture
def empty_database_url(pg_admin_url: str) -> Iterator[str]:
    """A database that was never migrated."""
    name = f"md_empty_{os.getpid()}_{next(_names)}"
    url = ensure_database(pg_admin_url, name)
    yield url
    engine = create_engine(pg_admin_url, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(text(f'drop database if exists "{name}" with (force)'))
    engine.dispose()


def test_current_schema_has_no_problem(zh_app, fresh_database_url):
    assert schema_problem(fresh_database_url, embedded=False) is None


def test_central_database_behind_is_refused_with_instructions(zh_app, empty_database_url):
    message = schema_problem(empty_database_url, embedded=False)
    assert message == (
        f"数据库结构版本为 空，本程序需要 {head_revision()}。请管理员先运行：meterdesk db upgrade"
    )
    assert status(empty_database_url).current is None  # a client never migrates it


def test_embedded_database_behind_is_migrated(zh_app, empty_database_url):
    assert schema_problem(empty_database_url, embedded=True) is None
    assert status(empty_database_url).up_to_date


def test_database_ahead_of_the_program_is_refused(zh_app, fresh_database_url):
    engine = create_engine(fresh_database_url)
    with engine.begin() as conn:
        conn.execute(text("update alembic_version set version_num = '0099_future'"))
    engine.dispose()

    for embedded in (True, False):
        message = schema_problem(fresh_database_url, embedded=embedded)
        assert message == (
            f"数据库结构版本（0099_future）比本程序支持的版本（{head_revision()}）新，"
            "请安装最新版 MeterDesk。"
        )


def test_run_desktop_reports_a_schema_problem_and_exits(
    zh_app, empty_database_url, monkeypatch, tmp_path, capsys
):
    monkeypatch.setenv("MD_HOME", str(tmp_path))
    monkeypatch.setenv("DATABASE_URL", empty_database_url)

    assert run_desktop(empty_database_url) == 1

    err = capsys.readouterr().err
    assert "请管理员先运行：meterdesk db upgrade" in err and "Traceback" not in err


def test_run_desktop_reports_an_unreachable_database(zh_app, monkeypatch, tmp_path, capsys):
    monkeypatch.setenv("MD_HOME", str(tmp_path))
    url = "postgresql+psycopg://md:x@127.0.0.1:1/meterdesk?connect_timeout=2"
    monkeypatch.setenv("DATABASE_URL", url)

    assert run_desktop(url) == 1

    err = capsys.readouterr().err
    assert err.startswith("无法连接数据库：") and "Traceback" not in err


def test_qts_own_file_dialog_speaks_chinese(qtbot, zh_app):
    # Qt 6 gave these labels mnemonics ("&Look in:") that qtbase_zh_CN does not have yet.
    dialog = QFileDialog(None, "导出")
    dialog.setOption(QFileDialog.Option.DontUseNativeDialog, True)
    qtbot.addWidget(dialog)
    dialog.show()
    names = ("lookInLabel", "fileNameLabel", "fileTypeLabel")
    labels = [dialog.findChild(QLabel, name).text() for name in names]
    assert labels == ["查找范围(&L)：", "文件名称(&N)：", "文件类型(&T)："]
    buttons = dialog.findChild(QDialogButtonBox).buttons()
    assert sorted(b.text() for b in buttons) == ["取消", "打开(&O)"]


def test_a_string_no_catalogue_has_shows_as_written(zh_app):
    # Qt's catalogue must not answer "" for what it lacks: that would blank the text.
    assert QCoreApplication.translate("NoSuchContext", "Refresh (F5)") == "Refresh (F5)"
    assert QCoreApplication.translate("NoSuchContext", "&Nothing here") == "&Nothing here"
    assert QCoreApplication.translate("ModulePage", "Refresh (F5)") == "刷新 (F5)"
