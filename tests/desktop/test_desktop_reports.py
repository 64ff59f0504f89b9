"""报表 and the managers' dashboard, driven for real on a small hand-computed world. The
dashboard follows the work: F5 wherever the focus is inside it, the 刷新 button, a timer
while it is shown (interval injected), and at once when a task of the same window wrote
something; charts with round ticks, one value axis per unit."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from decimal import Decimal as D
from pathlib import Path

import pytest
from openpyxl import load_workbook
from PySide6.QtCharts import QValueAxis
from PySide6.QtCore import QSettings, Qt
from sqlalchemy import create_engine
from sqlalchemy.orm import Session

from desktop.app import ensure_application
from desktop.connection import describe_database
from desktop.dashboard_page import DashboardPage, nice_scale
from desktop.main_window import MainWindow
from desktop.reports_page import FLAGGED_TINT, ReportsPage
from desktop.tasks import TaskRunner
from server.db.engine import make_engine, make_sessionmaker, unit_of_work
from server.services.collection.payments import PaymentRequest, take_payment
from server.services.collection.till import open_till
from server.services.core import service_status
from server.services.staff.org import add_staff_with_role
from server.services.staff.sign_in import StaffIdentity, staff_identity
from tests import factories as f

WAIT_MS = 15_000


@pytest.fixture
def world(fresh_database_url: str) -> dict[str, StaffIdentity]:
    """A001 owes 40.00 (2026-09) and 25.00 (2026-10); A002 100.00 (2026-10); today the
    clerk took 50.00 cash from A001 (40.00 + 10.00). A manager and a clerk."""
    engine = create_engine(fresh_database_url)
    with unit_of_work(make_sessionmaker(engine)) as session:
        f.branches(session)
        a1, a2 = f.account(session, "A001"), f.account(session, "A002", holder_name="李四")
        f.bill(session, a1, "2026-09", "40.00")
        f.bill(session, a1, "2026-10", "25.00")
        f.bill(session, a2, "2026-10", "100.00")
        for login, role in (("zhao", "manager"), ("wang", "clerk")):
            add_staff_with_role(
                session, f.ACTOR, login=login, name=login.upper(), password="Counter2026",
                role=role, branch_code="D",
            )  # fmt: skip
        clerk = staff_identity(session, "wang")
        open_till(session, clerk.actor)
        take_payment(session, clerk.actor, PaymentRequest("A001", D("50.00"), "cash", "D"))
        people = {login: staff_identity(session, login) for login in ("zhao", "wang")}
    engine.dispose()
    return people


@pytest.fixture
def runner(fresh_database_url: str) -> Iterator[TaskRunner]:
    ensure_application("zh_CN")
    engine = make_engine(fresh_database_url)
    task_runner = TaskRunner(make_sessionmaker(engine))
    yield task_runner
    task_runner.shutdown()
    engine.dispose()


def test_the_dashboard_shows_the_day_and_opens_the_list_behind_a_figure(
    qtbot, world, runner, fresh_database_url, tmp_path: Path
):
    preferences = QSettings(str(tmp_path / "p.ini"), QSettings.Format.IniFormat)
    window = MainWindow(
        world["zhao"], describe_database(fresh_database_url, embedded=False),
        runner=runner, preferences=preferences,
    )  # fmt: skip
    qtbot.addWidget(window)
    home = window.home_page
    assert isinstance(home, DashboardPage)
    qtbot.waitUntil(lambda: home.board is not None, timeout=WAIT_MS)
    assert home.tiles["today"].text() == "今日收费\n50.00\n现金 50.00"
    # 2026-10: billed 125.00, collected 10.00 of it (8.0 %); owed 15.00 + 100.00.
    assert home.tiles["month"].text() == "本月应收 / 实收\n125.00 / 10.00\n2026-10，回收率 8.0%"
    assert home.tiles["arrears"].text() == "欠费总额\n115.00\n共 2 户"
    with qtbot.waitSignal(home.open_requested, timeout=WAIT_MS):
        home.tiles["arrears"].click()
    reports = window.module_pages["reports"]
    assert isinstance(reports, ReportsPage) and reports.report_name() == "arrears"
    qtbot.waitUntil(lambda: reports.report is not None, timeout=WAIT_MS)
    assert reports.title_label.text() == "欠费清单"


def test_a_report_is_shown_flagged_and_exported(qtbot, world, runner, tmp_path: Path):
    page = ReportsPage(world["zhao"], runner)
    qtbot.addWidget(page)
    qtbot.waitUntil(lambda: page.campus_combo.count() == 2, timeout=WAIT_MS)
    page.select("collection")
    page.period_edit.setText("2026-10")
    assert not page.form.isRowVisible(page.threshold_edit)
    with qtbot.waitSignal(page.shown, timeout=WAIT_MS) as shown:
        page.run()
    report = shown.args[0]
    total = report.rows[-1].values
    billed, collected = report.column("应收"), report.column("实收")
    assert (total[billed], total[collected]) == (D("125.00"), D("10.00"))
    assert page.table.row_count() == len(report.rows)
    with qtbot.waitSignal(page.exported, timeout=WAIT_MS):
        page.export("xlsx", tmp_path / "collection.xlsx")
    sheet = load_workbook(tmp_path / "collection.xlsx").active
    assert "应收实收" in str(sheet.cell(1, 1).value)

    page.period_edit.setText("2026-13")
    with qtbot.waitSignal(page.refused, timeout=WAIT_MS) as refused:
        page.run()
    assert refused.args[0] == "月份无效：2026-13（月份应为 01–12）"
    assert FLAGGED_TINT.name() == "#fde2e1"


def test_a_clerk_has_no_reports(qtbot, world, runner):
    page = ReportsPage(world["wang"], runner)  # reached some other way: the service says no
    qtbot.addWidget(page)
    page.select("arrears")
    with qtbot.waitSignal(page.refused, timeout=WAIT_MS) as refused:
        page.run()
    assert refused.args == ["wang WANG 没有“报表”权限"]


def pay(url: str, clerk: StaffIdentity, account_no: str, amount: str) -> None:
    """A payment taken at another PC: nothing in this window hears of it."""
    engine = create_engine(url)
    with unit_of_work(make_sessionmaker(engine)) as session:
        take_payment(session, clerk.actor, PaymentRequest(account_no, D(amount), "cash", "D"))
    engine.dispose()


def today_text(page: DashboardPage) -> str:
    return page.tiles["today"].text()


def test_the_figures_refresh_on_f5_the_button_the_timer_and_own_writes(
    qtbot, world, runner, fresh_database_url: str
):
    page = DashboardPage(world["zhao"], runner)
    qtbot.addWidget(page)
    with qtbot.waitSignal(page.loaded, timeout=WAIT_MS):
        page.show()
    assert page.updated.text().startswith("数据截至 20")
    clerk = world["wang"]

    # F5 with the focus in the losses table, deep inside the page.
    pay(fresh_database_url, clerk, "A002", "30.00")
    assert today_text(page) == "今日收费\n50.00\n现金 50.00"
    page.losses_table.setFocus()
    qtbot.waitUntil(page.losses_table.hasFocus, timeout=WAIT_MS)
    qtbot.keyClick(page.losses_table, Qt.Key.Key_F5)
    qtbot.waitUntil(lambda: today_text(page) == "今日收费\n80.00\n现金 80.00", timeout=WAIT_MS)

    # The 刷新 button.
    pay(fresh_database_url, clerk, "A002", "20.00")
    assert page.refresh_now.text() == "刷新 (F5)"
    qtbot.mouseClick(page.refresh_now, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: today_text(page) == "今日收费\n100.00\n现金 100.00", timeout=WAIT_MS)

    # The timer, while the page is shown.
    page.set_refresh_interval(200)
    pay(fresh_database_url, clerk, "A002", "10.00")
    qtbot.waitUntil(lambda: today_text(page) == "今日收费\n110.00\n现金 110.00", timeout=WAIT_MS)
    page.hide()
    assert not page.timer.isActive()
    # Shown again after longer than the interval, it refreshes at once.
    pay(fresh_database_url, clerk, "A002", "1.00")
    qtbot.wait(300)
    assert today_text(page) == "今日收费\n110.00\n现金 110.00" and not runner.busy
    page.show()
    assert runner.busy  # asked at once, not on the timer's next turn
    qtbot.waitUntil(lambda: today_text(page) == "今日收费\n111.00\n现金 111.00", timeout=WAIT_MS)
    page.hide()
    page.set_refresh_interval(60_000)

    # A write of this window's own (the counter page's payment, say) while the dashboard
    # is hidden: shown again, it refreshes at once.
    def counter_payment(session: Session) -> None:
        take_payment(session, clerk.actor, PaymentRequest("A002", D("5.00"), "cash", "D"))

    with qtbot.waitSignal(runner.data_written, timeout=WAIT_MS):
        runner.run(counter_payment, on_success=lambda _: None)
    assert page.stale and today_text(page) == "今日收费\n111.00\n现金 111.00"
    page.show()
    qtbot.waitUntil(lambda: today_text(page) == "今日收费\n116.00\n现金 116.00", timeout=WAIT_MS)
    # Shown, a write refreshes it straight away (the timer is a minute off).
    runner.run(counter_payment, on_success=lambda _: None)
    qtbot.waitUntil(lambda: today_text(page) == "今日收费\n121.00\n现金 121.00", timeout=WAIT_MS)
    # Reads do not count as writes: the dashboard's own refresh does not loop.
    with qtbot.assertNotEmitted(runner.data_written, wait=500):
        qtbot.mouseClick(page.refresh_now, Qt.MouseButton.LeftButton)


def leave_warning(url: str, warning: str) -> None:
    """What `meterdesk serve` leaves at start on the server, another machine."""
    engine = create_engine(url)
    with unit_of_work(make_sessionmaker(engine)) as session:
        service_status.record_start(
            session, "companion", "wx-server", warning, datetime(2026, 12, 7, 8, tzinfo=UTC)
        )
    engine.dispose()


def test_the_dashboard_shows_the_servers_sms_warning(qtbot, world, runner, fresh_database_url: str):
    page = DashboardPage(world["zhao"], runner)
    qtbot.addWidget(page)
    with qtbot.waitSignal(page.loaded, timeout=WAIT_MS):
        page.show()
    assert page.warning.isHidden()
    warning = "短信通道为 console（只写日志，不发送）：居民收不到验证码，无法注册"
    leave_warning(fresh_database_url, warning)
    with qtbot.waitSignal(page.loaded, timeout=WAIT_MS):
        qtbot.mouseClick(page.refresh_now, Qt.MouseButton.LeftButton)
    assert not page.warning.isHidden()
    assert page.warning.text() == f"wx-server：{warning}"
    # Restarted with a gateway: the warning goes.
    leave_warning(fresh_database_url, "")
    with qtbot.waitSignal(page.loaded, timeout=WAIT_MS):
        qtbot.mouseClick(page.refresh_now, Qt.MouseButton.LeftButton)
    assert page.warning.isHidden()


@pytest.mark.parametrize(
    ("top", "scale"),
    [
        (0, (1, 1)),
        (3, (3, 1)),
        (44, (60, 20)),
        (131, (150, 50)),
        (125, (150, 50)),
        (1000, (1000, 500)),
        (0.4, (1, 1)),
    ],
)
def test_axes_have_round_steps(top, scale):
    assert nice_scale(top) == scale


def value_axes(view) -> list[QValueAxis]:
    return [a for a in view.chart().axes() if isinstance(a, QValueAxis)]


def test_charts_have_round_ticks_an_empty_state_and_one_axis_per_unit(qtbot, world, runner):
    page = DashboardPage(world["zhao"], runner)
    qtbot.addWidget(page)
    with qtbot.waitSignal(page.loaded, timeout=WAIT_MS):
        page.show()
    # 2026-10 billed 125.00: 0, 50, 100, 150.
    [money] = value_axes(page.money_chart)
    assert (money.min(), money.max(), money.tickCount(), money.labelFormat()) == (
        0, 150, 4, "%.0f"
    )  # fmt: skip
    assert page.money_chart.chart().title() == "近 12 个月应收与实收（元）"
    # No readings yet: two axes, kWh on the left and m³ on the right, 0 and 1 only.
    usage = value_axes(page.usage_chart)
    assert [(a.titleText(), a.alignment(), a.max(), a.tickCount()) for a in usage] == [
        ("kWh", Qt.AlignmentFlag.AlignLeft, 1, 2),
        ("m³", Qt.AlignmentFlag.AlignRight, 1, 2),
    ]
    assert page.usage_chart.chart().title() == "近 12 个月用量（暂无数据）"
