"""The desktop task runner: worker thread, own unit of work, results back on the GUI thread."""

from __future__ import annotations

import dataclasses
import logging
import threading
import time
from collections.abc import Iterator

import pytest
import shiboken6
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QMessageBox, QWidget
from sqlalchemy import create_engine, select
from sqlalchemy.orm import Session

from desktop.app import ensure_application
from desktop.tasks import NotPortable, TaskError, TaskRunner, check_portable
from server.db.engine import make_engine, make_sessionmaker
from server.db.models import Department, Staff
from server.services.core.errors import DomainError, NotFound, PermissionDenied
from server.services.staff import org
from tests.desktop_support import answer_modal
from tests.netutil import through_cable

WAIT_MS = 10_000
LOST = (
    "无法连接数据库（连接中断，或服务器正在切换到备用服务器）。请稍后重试；"
    "收款请先查看该户的收据，确认是否已入账。"
)


@dataclasses.dataclass(frozen=True)
class DepartmentRow:
    id: int
    name: str


@pytest.fixture
def runner(fresh_database_url: str, qapp: QApplication) -> Iterator[TaskRunner]:
    ensure_application("zh_CN")
    engine = make_engine(fresh_database_url)
    task_runner = TaskRunner(make_sessionmaker(engine))
    yield task_runner
    task_runner.shutdown()
    engine.dispose()


def department_names(url: str) -> list[str]:
    engine = create_engine(url)
    try:
        with Session(engine) as session:
            return list(session.scalars(select(Department.name).order_by(Department.name)))
    finally:
        engine.dispose()


def test_success_commits_and_comes_back_on_the_gui_thread(qtbot, runner, fresh_database_url):
    threads: dict[str, threading.Thread] = {}
    results: list[DepartmentRow] = []

    def create(session: Session) -> DepartmentRow:
        threads["worker"] = threading.current_thread()
        row = org.ensure_department(session, "SF", "收费科")
        return DepartmentRow(row.id, row.name)

    def done(result: DepartmentRow) -> None:
        threads["callback"] = threading.current_thread()
        results.append(result)

    busy: list[bool] = []
    runner.busy_changed.connect(busy.append)
    task = runner.run(create, on_success=done)
    with qtbot.waitSignal(task.finished, timeout=WAIT_MS):
        pass

    assert [r.name for r in results] == ["收费科"]
    assert threads["worker"] is not threading.main_thread()
    assert threads["callback"] is threading.main_thread()
    assert busy == [True, False] and not runner.busy
    assert department_names(fresh_database_url) == ["收费科"]


def test_domain_error_rolls_back_and_shows_its_message(qtbot, runner, fresh_database_url):
    def refuse(session: Session) -> None:
        org.ensure_department(session, "JL", "计量科")
        raise NotFound("户号 A404 不存在")

    errors: list[TaskError] = []
    task = runner.run(refuse, on_success=lambda _: None, on_failure=errors.append)
    with qtbot.waitSignal(task.finished, timeout=WAIT_MS):
        pass

    assert errors == [TaskError("户号 A404 不存在", domain=True, title="未找到")]
    assert department_names(fresh_database_url) == []


def answer_warning(qtbot, seen: list[tuple[str, str]]) -> None:
    """Once the runner's warning is up (it blocks in its own event loop), note its title
    and text and click OK, as a person would."""

    def click_ok(box: QMessageBox) -> None:
        seen.append((box.windowTitle(), box.text()))
        qtbot.mouseClick(box.button(QMessageBox.StandardButton.Ok), Qt.MouseButton.LeftButton)

    answer_modal(qtbot, QMessageBox, click_ok)


def refusal_shown(qtbot, runner: TaskRunner, refusal: DomainError) -> list[tuple[str, str]]:
    page = QWidget()
    qtbot.addWidget(page)
    page.show()

    def refuse(session: Session) -> None:
        raise refusal

    seen: list[tuple[str, str]] = []
    answer_warning(qtbot, seen)
    task = runner.run(refuse, on_success=lambda _: None, owner=page)
    with qtbot.waitSignal(task.finished, timeout=WAIT_MS):
        pass
    return seen


def test_a_permission_refusal_is_shown_as_one(qtbot, runner):
    message = "只能作废本人收取的收据；其他收据请由管理人员作废"
    assert refusal_shown(qtbot, runner, PermissionDenied(message)) == [("无权办理", message)]


def test_a_plain_refusal_keeps_the_apps_name_as_title(qtbot, runner):
    message = "支票收款须填写支票号"
    assert refusal_shown(qtbot, runner, DomainError(message)) == [("MeterDesk", message)]


def test_unexpected_error_is_logged_and_reported_generically(qtbot, runner, caplog):
    def broken(session: Session) -> None:
        raise ValueError("bug in a page")

    errors: list[TaskError] = []
    with caplog.at_level(logging.ERROR, logger="desktop.tasks"):
        task = runner.run(broken, on_success=lambda _: None, on_failure=errors.append)
        with qtbot.waitSignal(task.finished, timeout=WAIT_MS):
            pass

    assert errors == [TaskError("发生意外错误（ValueError），详情见日志。", domain=False)]
    [record] = caplog.records
    assert "broken" in record.getMessage() and record.exc_info[0] is ValueError


def test_orm_objects_never_cross_threads(qtbot, runner, fresh_database_url):
    def leak(session: Session) -> Department:
        return org.ensure_department(session, "SF", "收费科")

    errors: list[TaskError] = []
    task = runner.run(leak, on_success=lambda _: None, on_failure=errors.append)
    with qtbot.waitSignal(task.finished, timeout=WAIT_MS):
        pass

    assert errors == [TaskError("发生意外错误（NotPortable），详情见日志。", domain=False)]
    # Refused before the commit: nothing was written.
    assert department_names(fresh_database_url) == []


def test_check_portable():
    check_portable((DepartmentRow(1, "收费科"), DepartmentRow(2, "计量科")))
    check_portable(None)

    @dataclasses.dataclass
    class Mutable:
        x: int

    with pytest.raises(NotPortable, match="not frozen"):
        check_portable(Mutable(1))
    with pytest.raises(NotPortable, match=r"result\[1\]: list"):
        check_portable((1, [2]))
    with pytest.raises(NotPortable, match=r"result\.name: Staff"):
        check_portable(DepartmentRow(1, Staff()))  # type: ignore[arg-type]
    assert issubclass(NotPortable, TypeError) and not issubclass(NotPortable, DomainError)


def test_result_for_a_deleted_owner_is_dropped(qtbot, runner):
    owner = QWidget()
    called: list[object] = []

    def slow(session: Session) -> int:
        time.sleep(0.2)
        return 42

    task = runner.run(slow, on_success=called.append, owner=owner)
    shiboken6.delete(owner)
    with qtbot.waitSignal(task.finished, timeout=WAIT_MS):
        pass

    assert called == [] and task.done


def test_run_after_shutdown_is_refused(runner):
    assert runner.shutdown() is True
    with pytest.raises(RuntimeError, match="shut down"):
        runner.run(lambda session: None, on_success=lambda _: None)


def test_a_lost_connection_is_reported_and_recovers_by_itself(
    qtbot, fresh_database_url: str, qapp: QApplication
):
    ensure_application("zh_CN")
    url, cable = through_cable(fresh_database_url)
    engine = make_engine(url)
    runner = TaskRunner(make_sessionmaker(engine))
    states: list[bool] = []
    runner.connection_changed.connect(states.append)
    errors: list[TaskError] = []
    try:

        def names(session: Session) -> tuple[str, ...]:
            return tuple(session.scalars(select(Department.name)))

        with qtbot.waitSignal(runner.busy_changed, check_params_cb=lambda busy: not busy):
            runner.run(names, on_success=lambda _: None, owner=None)
        cable.pull()
        with qtbot.waitSignal(runner.connection_changed, timeout=WAIT_MS):
            runner.run(names, on_success=lambda _: None, on_failure=errors.append)
        assert states == [False] and not runner.connected
        assert errors[0].message == LOST  # the click is not lost silently
        cable.plug()
        with qtbot.waitSignal(runner.connection_changed, timeout=WAIT_MS):
            runner.run(names, on_success=lambda _: None)
        assert states == [False, True] and runner.connected
    finally:
        runner.shutdown()
        engine.dispose()
