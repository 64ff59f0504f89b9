"""Shared set-up for the desktop (pytest-qt) tests: a committed organisation with staff."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import QSettings, Qt, QTimer
from PySide6.QtGui import QInputMethodEvent
from PySide6.QtWidgets import QApplication, QDialog, QFileDialog, QLineEdit, QMessageBox
from sqlalchemy import create_engine
from sqlalchemy.orm import Session

from desktop.tasks import TaskRunner
from server.db.engine import make_engine, make_sessionmaker, unit_of_work
from server.services.core.audit import Actor
from server.services.staff import org

ACTOR = Actor(label="test")
PASSWORD = "Dianfei-2026"
CLERK_LOGIN = "zhangsan"
LOCKED_LOGIN = "lisi"


@dataclass(frozen=True)
class SeededStaff:
    clerk_id: int
    other_id: int


def seed_staff(url: str) -> SeededStaff:
    """东校区 / 东区分中心 (E01); 张三 (zhangsan, 收费科 收费员) and 李四 (lisi, 计量科 抄表员),
    both with PASSWORD — committed, because the desktop reads through its own sessions."""
    engine = create_engine(url)
    try:
        with unit_of_work(make_sessionmaker(engine)) as session:
            campus = org.ensure_campus(session, "东校区", "E")
            branch = org.ensure_branch(session, campus, "E01", "东区分中心")
            cashier = org.ensure_department(session, "SF", "收费科")
            metering = org.ensure_department(session, "JL", "计量科")
            clerk_post = org.ensure_post(session, "clerk", "收费员")
            reader_post = org.ensure_post(session, "reader", "抄表员")
            clerk = org.create_staff(
                session,
                ACTOR,
                login=CLERK_LOGIN,
                name="张三",
                password=PASSWORD,
                department=cashier,
                post=clerk_post,
                branch=branch,
            )
            other = org.create_staff(
                session,
                ACTOR,
                login=LOCKED_LOGIN,
                name="李四",
                password=PASSWORD,
                department=metering,
                post=reader_post,
                branch=branch,
            )
            return SeededStaff(clerk_id=clerk.id, other_id=other.id)
    finally:
        engine.dispose()


def answer_message_box(qtbot, button: QMessageBox.StandardButton, timeout: int = 10_000) -> str:
    """Wait for the message box the page opened, click its `button` for real, and return
    what it said."""
    shown: list[QMessageBox] = []

    def visible() -> None:
        shown[:] = [
            w
            for w in QApplication.topLevelWidgets()
            if isinstance(w, QMessageBox) and w.isVisible()
        ]
        assert len(shown) == 1

    qtbot.waitUntil(visible, timeout=timeout)
    box = shown[0]
    text = box.text()
    qtbot.mouseClick(box.button(button), Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not box.isVisible(), timeout=timeout)
    return text


@contextmanager
def page_runner(database_url: str, tmp_path: Path) -> Iterator[tuple[TaskRunner, QSettings]]:
    """What a page under test runs on: its own task runner on `database_url`, and scratch
    preferences in `tmp_path` (never the user's); the runner and engine stop afterwards."""
    engine = make_engine(database_url)
    runner = TaskRunner(make_sessionmaker(engine))
    try:
        yield runner, QSettings(str(tmp_path / "prefs.ini"), QSettings.Format.IniFormat)
    finally:
        runner.shutdown()
        engine.dispose()


def type_chinese(widget, text: str) -> None:
    """Chinese arrives as an input method's commit, not as key presses."""
    event = QInputMethodEvent()
    event.setCommitString(text)
    QApplication.sendEvent(widget, event)


def read_db(url: str, query) -> list:
    """The rows of `query` as the database has them now (committed by the page's tasks)."""
    engine = create_engine(url)
    try:
        with Session(engine) as session:
            return list(session.execute(query).all())
    finally:
        engine.dispose()


def answer_modal(
    qtbot, kind: type[QDialog], act: Callable[[QDialog], None], patience_ms: int = 20_000
) -> None:
    """Once a `kind` dialog is the modal one (it blocks in its own event loop), `act` on it
    as a person would; call it before the click that opens the dialog. While that same
    dialog stays up, act again: a key or click can land before a busy dialog is ready for
    it. Past `patience_ms` the dialog is rejected, so the test fails on what it asserts
    instead of hanging the whole suite in a loop nobody answers."""
    deadline = time.monotonic() + patience_ms / 1000
    acted: list[QDialog] = []

    def answer() -> None:
        up = QApplication.activeModalWidget()
        ours = isinstance(up, kind) and up.isVisible() and (not acted or up is acted[0])
        if acted and not ours:
            return
        if time.monotonic() > deadline:
            if ours:
                up.reject()
            return
        if not ours:
            QTimer.singleShot(50, answer)
            return
        acted[:] = [up]
        act(up)
        QTimer.singleShot(500, answer)

    QTimer.singleShot(50, answer)


def answer_file_dialog(qtbot, target: Path) -> None:
    """Once the page's real file dialog shows, type `target` as the file name and press
    Enter; call it before the click that opens the dialog (which may block)."""

    def type_name(ask: QDialog) -> None:
        edit = ask.findChild(QLineEdit, "fileNameEdit")
        edit.selectAll()
        qtbot.keyClicks(edit, str(target))
        # The name completer's list, if the folder's listing arrived while typing, would
        # take the Enter meant for the dialog.
        completer = edit.completer()
        if completer is not None and completer.popup().isVisible():
            completer.popup().hide()
        qtbot.keyClick(edit, Qt.Key.Key_Return)

    answer_modal(qtbot, QFileDialog, type_name)
