"""The 数据交换 page driven for real (pytest-qt, offscreen) against PostgreSQL: a remote pull
from a local stand-in of the energy platform (imported, unknown, then all duplicates; an
HTTP error shown in one line and retried), a building's route sheet as a PDF, and the
billing system's account changes tried then imported."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal as D
from io import BytesIO
from pathlib import Path

import pytest
from pypdf import PdfReader
from PySide6.QtCore import QSettings
from sqlalchemy import create_engine, select
from sqlalchemy.orm import Session

from desktop.app import ensure_application
from desktop.exchange_page import CHANGE_COLOURS, ExchangePage
from desktop.outcome_table import OUTCOME_COLOURS
from desktop.tasks import TaskRunner
from server.db.engine import make_engine, make_sessionmaker, unit_of_work
from server.db.models import Account, Meter, Reading
from server.services.core.calendar import BUSINESS_TZ
from server.services.staff.org import add_staff_with_role
from server.services.staff.sign_in import StaffIdentity, staff_identity
from tests import factories as f
from tests.accounts.test_account_changes import ROWS, workbook
from tests.desktop_support import CLERK_LOGIN, PASSWORD, seed_staff
from tests.metering.test_remote_readings import Platform, settings

WAIT_MS = 10_000
MANAGER_LOGIN = "wangwu"


@dataclass(frozen=True)
class World:
    manager: StaffIdentity
    clerk: StaffIdentity


@pytest.fixture
def world(fresh_database_url: str) -> World:
    """E1 (hw 000011112222) last 1000 and W1 (hw 20260001) last 50 a month ago, both of A001
    in 东校区 1号楼; A003 owes a bill, A004 prepaid (the account-changes world)."""
    seed_staff(fresh_database_url)
    engine = create_engine(fresh_database_url)
    month_ago = (datetime.now(BUSINESS_TZ) - timedelta(days=30)).date().isoformat()
    try:
        with unit_of_work(make_sessionmaker(engine)) as session:
            add_staff_with_role(
                session, f.ACTOR, login=MANAGER_LOGIN, name="王五", password=PASSWORD,
                role="manager", branch_code=None,
            )  # fmt: skip
            acc = f.account(session, "A001")
            for no, hw, kind, digits in (
                ("E1", "000011112222", "electricity", 6),
                ("W1", "20260001", "water", 5),
            ):
                f.meter(session, no, acc, kind=kind, digits=digits)
                session.execute(
                    Meter.__table__.update().where(Meter.meter_no == no).values(hardware_no=hw)
                )
            f.read(session, "E1", month_ago, "1000")
            f.read(session, "W1", month_ago, "50")
            f.bill(session, f.account(session, "A003", holder_name="王三"), "2026-10", "100.00")
            f.account(session, "A004", billing_mode="prepaid", holder_name="周四")
            return World(
                staff_identity(session, MANAGER_LOGIN), staff_identity(session, CLERK_LOGIN)
            )
    finally:
        engine.dispose()


@pytest.fixture
def platform() -> Iterator[Platform]:
    stand_in = Platform()
    yield stand_in
    stand_in.close()


@pytest.fixture
def make_page(qtbot, world: World, fresh_database_url: str, tmp_path: Path):
    ensure_application("en")
    engine = make_engine(fresh_database_url)
    runner = TaskRunner(make_sessionmaker(engine))
    preferences = QSettings(str(tmp_path / "prefs.ini"), QSettings.Format.IniFormat)

    def make(identity: StaffIdentity) -> ExchangePage:
        page = ExchangePage(identity, runner, preferences=preferences)
        qtbot.addWidget(page)
        page.resize(1280, 800)
        with qtbot.waitSignal(page.loaded, timeout=WAIT_MS):
            page.show()
        return page

    yield make
    runner.shutdown()
    engine.dispose()


def read_db(url: str, query):
    engine = create_engine(url)
    try:
        with Session(engine) as session:
            return session.execute(query).all()
    finally:
        engine.dispose()


def table_rows(table) -> list[list[str]]:
    model = table.model()
    return [
        [str(model.index(r, c).data() or "") for c in range(model.columnCount())]
        for r in range(model.rowCount())
    ]


def test_remote_pull_imported_then_duplicates(qtbot, make_page, world, platform,
                                              fresh_database_url):  # fmt: skip
    page = make_page(world.manager)
    yesterday = (datetime.now(BUSINESS_TZ) - timedelta(days=1)).strftime("%Y-%m-%d")
    platform.body = {
        "rows": [
            {"addr": "000011112222", "reading": 1120.5, "time": f"{yesterday} 09:30:00"},
            {"addr": "20260001", "reading": "62.25", "time": f"{yesterday} 09:40:00"},
            {"addr": "99999999", "reading": "10", "time": f"{yesterday} 09:45:00"},
        ]
    }
    page.remote = settings(platform.url)
    page.since_edit.setDate(page.since_edit.date().fromString("2026-11-01", "yyyy-MM-dd"))
    with qtbot.waitSignal(page.remote_done, timeout=WAIT_MS) as done:
        page.pull_button.click()
    assert platform.requests[0][1] == {"since": ["2026-11-01"]}
    result = done.args[0]
    assert [(r.line, r.outcome) for r in result.lines] == [
        (1, "imported"), (2, "imported"), (3, "unknown"),
    ]  # fmt: skip
    rows = table_rows(page.remote_table)
    assert [(r[0], r[2], r[3], r[6]) for r in rows] == [
        ("1", "E1", "1120.5", "用量 120.5"),
        ("2", "W1", "62.25", "用量 12.25"),
        ("3", "", "10", "硬件号/表号 99999999 没有对应的表计"),
    ]
    assert page.remote_table.colour_at(0) == OUTCOME_COLOURS["imported"]
    assert page.remote_table.colour_at(2) == OUTCOME_COLOURS["unknown"]
    assert page.remote_summary.text() == result.summary()
    stored = read_db(
        fresh_database_url,
        select(Meter.meter_no, Reading.value)
        .join(Meter, Meter.id == Reading.meter_id)
        .where(Reading.source == "remote")
        .order_by(Meter.meter_no),
    )
    assert [tuple(r) for r in stored] == [("E1", D("1120.500")), ("W1", D("62.250"))]

    # Pulled again: the same readings are duplicates, nothing added.
    with qtbot.waitSignal(page.remote_done, timeout=WAIT_MS) as again:
        page.pull_button.click()
    assert [r.outcome for r in again.args[0].lines] == ["duplicate", "duplicate", "unknown"]
    assert page.remote_table.colour_at(0) == OUTCOME_COLOURS["duplicate"]
    assert (
        len(read_db(fresh_database_url, select(Reading.id).where(Reading.source == "remote"))) == 2
    )


def test_remote_failure_shown_with_retry(qtbot, make_page, world, platform):
    page = make_page(world.manager)
    page.remote = settings(platform.url)
    page.since_check.setChecked(False)
    platform.status = 502
    platform.body = {"error": "busy"}
    with qtbot.waitSignal(page.remote_failed, timeout=WAIT_MS) as failed:
        page.pull_button.click()
    assert failed.args[0].startswith("远传平台返回 HTTP 502")
    assert failed.args[0].endswith("未写入任何读数，可稍后重试")
    assert page.remote_error.text() == failed.args[0]
    assert page.retry_button.isVisible()
    assert platform.requests[0][1] == {}

    platform.status = 200
    platform.body = {"rows": []}
    with qtbot.waitSignal(page.remote_done, timeout=WAIT_MS):
        page.retry_button.click()
    assert page.remote_error.text() == ""
    assert not page.retry_button.isVisible()
    assert len(platform.requests) == 2


def test_remote_refused_without_readings_permission(qtbot, make_page, world, platform):
    page = make_page(world.clerk)
    page.remote = settings(platform.url)
    with qtbot.waitSignal(page.remote_failed, timeout=WAIT_MS) as failed:
        page.pull_button.click()
    assert failed.args[0].endswith("没有“抄表”权限")
    assert page.remote_error.text() == failed.args[0]
    assert platform.requests == []  # refused before the platform is asked


def test_route_sheet_pdf_has_the_meters(qtbot, make_page, world):
    page = make_page(world.manager)
    page.select_building("东校区", "1号楼")
    with qtbot.waitSignal(page.sheet_ready, timeout=WAIT_MS) as ready:
        page.sheet_button.click()
    dialog = ready.args[0]
    text = PdfReader(BytesIO(dialog.pdf)).pages[0].extract_text()
    assert "E1" in text and "W1" in text
    dialog.close()

    page.kind_combo.setCurrentIndex(page.kind_combo.findData("water"))
    with qtbot.waitSignal(page.sheet_ready, timeout=WAIT_MS) as water:
        page.sheet_button.click()
    text = PdfReader(BytesIO(water.args[0].pdf)).pages[0].extract_text()
    assert "W1" in text and "E1" not in text
    water.args[0].close()


def test_account_changes_dry_run_then_import(qtbot, make_page, world, fresh_database_url,
                                             tmp_path):  # fmt: skip
    page = make_page(world.manager)
    path = workbook(tmp_path / "changes.xlsx", ROWS)
    page.workbook_edit.setText(str(path))
    with qtbot.waitSignal(page.changes_done, timeout=WAIT_MS) as tried:
        page.changes_check.click()
    assert tried.args[0].dry_run
    assert page.changes_summary.text().startswith("试导入（未写入） changes.xlsx：共 9 行")
    accounts = select(Account.account_no).where(Account.account_no == "A010")
    assert read_db(fresh_database_url, accounts) == []

    with qtbot.waitSignal(page.changes_done, timeout=WAIT_MS):
        page.changes_import.click()
    assert page.changes_summary.text() == (
        "导入 changes.xlsx：共 9 行，已开户 1，已修改 2，已销户 1，未导入 5"
    )
    rows = table_rows(page.changes_table)
    assert [(r[0], r[2], r[3]) for r in rows[:4]] == [
        ("2", "A010", "已开户"), ("3", "A001", "已修改"), ("4", "A004", "已销户"),
        ("5", "A003", "未导入"),
    ]  # fmt: skip
    assert rows[3][4] == "户号 A003 不能销户：1 张账单未缴清（2026-10）"
    assert page.changes_table.colour_at(0) == CHANGE_COLOURS["created"]
    assert page.changes_table.colour_at(3) == CHANGE_COLOURS["refused"]
    assert [tuple(r) for r in read_db(fresh_database_url, accounts)] == [("A010",)]
