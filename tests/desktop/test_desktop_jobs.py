"""系统管理 → 定时任务: the jobs' last runs, outcomes and next runs as the server's runner
recorded them, refreshed by the page's button."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta

import pytest
from PySide6.QtCore import Qt
from sqlalchemy import create_engine

from desktop.admin_page import AdminPage
from desktop.app import ensure_application
from desktop.tasks import TaskRunner
from desktop.widgets import OVERDUE_TINT
from server.config import load_settings
from server.db.engine import make_engine, make_sessionmaker, unit_of_work
from server.jobs.schedule import Job, JobContext, Runner
from server.services.core.calendar import BUSINESS_TZ, now
from server.services.staff.org import add_staff_with_role
from server.services.staff.sign_in import StaffIdentity, staff_identity
from tests import factories as f

WAIT_MS = 10_000


class SteppedClock:
    def __init__(self, moment: datetime) -> None:
        self.moment = moment

    def __call__(self) -> datetime:
        return self.moment


@pytest.fixture
def manager(fresh_database_url: str) -> StaffIdentity:
    engine = create_engine(fresh_database_url)
    try:
        with unit_of_work(make_sessionmaker(engine)) as session:
            f.branches(session)
            add_staff_with_role(
                session, f.ACTOR, login="root", name="ROOT", password="Counter2026",
                role="admin", branch_code="D",
            )  # fmt: skip
            return staff_identity(session, "root")
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


def failing(context: JobContext) -> str:
    raise ConnectionError("远传平台无响应：连接超时")


def test_managers_see_each_jobs_last_run_outcome_and_next_run(
    qtbot, manager, runner, fresh_database_url, tmp_path
):
    (tmp_path / "meterdesk.toml").write_text('[jobs]\noutbox_every = "1m"\n', encoding="utf-8")
    # The page judges lateness on the real clock: the runs are of this minute.
    minute = now().astimezone(BUSINESS_TZ).replace(second=0, microsecond=0)
    clock = SteppedClock(minute)
    engine = make_engine(fresh_database_url)
    jobs = Runner(
        engine,
        load_settings(tmp_path),
        [Job("outbox", lambda c: "已发送 2，待重试 0，失败 0"), Job("remote_pull", failing)],
        clock,
        "srv-1",
    )
    try:
        jobs.tick()
        page = AdminPage(manager, runner)
        qtbot.addWidget(page)
        page.show()
        qtbot.waitUntil(lambda: page.jobs_table.row_count() == 5, timeout=WAIT_MS)
        bar = page.tabs.tabBar()
        assert page.tabs.tabText(4) == "定时任务"
        qtbot.mouseClick(bar, Qt.MouseButton.LeftButton, pos=bar.tabRect(4).center())
        assert page.tabs.currentIndex() == 4

        table = page.jobs_table
        started = minute.strftime("%Y-%m-%d %H:%M")
        rows = [[table.text_at(r, c) for c in range(6)] for r in range(5)]
        assert rows[0] == [
            "发送模板消息", started, "成功", "已发送 2，待重试 0，失败 0", "srv-1",
            (minute + timedelta(minutes=1)).strftime("%Y-%m-%d %H:%M"),
        ]  # fmt: skip
        assert rows[1] == ["在线支付主动查询", "尚未运行", "", "", "", ""]
        assert rows[2][:5] == [
            "远传读数拉取", started, "失败", "远传平台无响应：连接超时", "srv-1",
        ]  # fmt: skip
        assert table.rows_model.tints[:3] == [None, None, OVERDUE_TINT]

        # The next due time runs on the server; the button shows it.
        clock.moment = minute + timedelta(minutes=1)
        jobs.tick()
        with qtbot.waitSignal(page.jobs_loaded, timeout=WAIT_MS):
            qtbot.mouseClick(page.jobs_refresh_button, Qt.MouseButton.LeftButton)
        assert table.text_at(0, 1) == (minute + timedelta(minutes=1)).strftime("%Y-%m-%d %H:%M")
        assert table.text_at(0, 5) == (minute + timedelta(minutes=2)).strftime("%Y-%m-%d %H:%M")
    finally:
        engine.dispose()
