"""报表 and the managers' dashboard, driven for real on a small hand-computed world."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal as D
from pathlib import Path

import pytest
from openpyxl import load_workbook
from PySide6.QtCore import QSettings
from sqlalchemy import create_engine

from desktop.app import ensure_application
from desktop.connection import describe_database
from desktop.dashboard_page import DashboardPage
from desktop.main_window import MainWindow
from desktop.reports_page import FLAGGED_TINT, ReportsPage
from desktop.tasks import TaskRunner
from server.db.engine import make_engine, make_sessionmaker, unit_of_work
from server.services.auth import StaffIdentity, staff_identity
from server.services.org import add_staff_with_role
from server.services.payments import PaymentRequest, take_payment
from server.services.till import open_till
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
