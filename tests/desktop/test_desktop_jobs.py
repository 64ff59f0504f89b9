"""系统管理 → 定时任务: the jobs' last runs, outcomes and next runs as the server's runner
recorded them, refreshed by the page's button."""

from __future__ import annotations

from datetime import timedelta

from PySide6.QtCore import Qt

from desktop.admin_page import AdminPage
from desktop.widgets import OVERDUE_TINT
from server.config import load_settings
from server.db.engine import make_engine
from server.jobs.catalogue import JOBS
from server.jobs.schedule import Job, JobContext, Runner
from server.services.core.calendar import BUSINESS_TZ, now
from tests.desktop import test_desktop_admin as admin_tests
from tests.jobs.support import SteppedClock

WAIT_MS = admin_tests.WAIT_MS
# The administration page's fixtures: a fresh database's root (系统管理员) and a task runner.
people = admin_tests.people
runner = admin_tests.runner


def failing(context: JobContext) -> str:
    raise ConnectionError("远传平台无响应：连接超时")


def test_managers_see_each_jobs_last_run_outcome_and_next_run(
    qtbot,
    people,
    runner,
    fresh_database_url,
    tmp_path,
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
        page = AdminPage(people["root"], runner)
        qtbot.addWidget(page)
        page.show()
        # Every scheduled job has its row, run or not.
        qtbot.waitUntil(lambda: page.jobs_table.row_count() == len(JOBS) == 7, timeout=WAIT_MS)
        bar = page.tabs.tabBar()
        assert page.tabs.tabText(4) == "定时任务"
        qtbot.mouseClick(bar, Qt.MouseButton.LeftButton, pos=bar.tabRect(4).center())
        assert page.tabs.currentIndex() == 4

        table = page.jobs_table
        started = minute.strftime("%Y-%m-%d %H:%M")
        rows = [[table.text_at(r, c) for c in range(6)] for r in range(3)]
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
