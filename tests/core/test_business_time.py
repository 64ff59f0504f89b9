"""Every time a person reads is business time (Asia/Shanghai), whatever the zone of the
machine or of the database session: a reading made at 09:31 in Shanghai is stamped
2026-11-23 01:31 UTC and must show as 09:31 — never 01:31 (the UTC the session hands
back) nor 20:31 (New York, a machine-local conversion) — in the review queue, the audit
log, tables, receipts, the settlement report and Excel exports."""

from __future__ import annotations

import io
import time
from collections.abc import Iterator
from datetime import UTC, date, datetime
from decimal import Decimal as D
from pathlib import Path

import pytest
from openpyxl import load_workbook
from pypdf import PdfReader
from PySide6.QtCore import QDate, QSettings
from sqlalchemy import create_engine, select

from desktop.admin_page import AdminPage
from desktop.app import ensure_application
from desktop.readings_page import ReadingsPage
from desktop.tasks import TaskRunner
from desktop.widgets import RowsModel
from reports.receipt import ReceiptData, ReceiptLine, render_receipt
from reports.settlement import ReceiptRow, SettlementReport
from reports.settlement_xlsx import render_settlement_xlsx
from reports.tables import DATE, Column, Row, TableReport, cell_text, render_table_xlsx
from server.db.engine import make_engine, make_sessionmaker, unit_of_work
from server.db.models import AuditEvent
from server.services.metering import readings as metering
from server.services.staff.org import add_staff_with_role
from server.services.staff.sign_in import StaffIdentity, staff_identity
from tests import factories as f
from tests.desktop_support import ACTOR, PASSWORD, seed_staff

WAIT_MS = 10_000
# 09:31 in Shanghai; what the database session hands back when its TimeZone is UTC.
STAMP = datetime(2026, 11, 23, 1, 31, tzinfo=UTC)
SHOWN = "2026-11-23 09:31"


@pytest.fixture(params=["UTC", "America/New_York"])
def machine_zone(request, monkeypatch) -> Iterator[str]:
    """The process runs in another zone, as CI machines (UTC) and travelling laptops do."""
    monkeypatch.setenv("TZ", request.param)
    time.tzset()
    yield request.param
    monkeypatch.undo()
    time.tzset()


def utc_session_url(url: str) -> str:
    """The same database, with sessions that hand timestamps back in UTC."""
    return f"{url}{'&' if '?' in url else '?'}options=-c%20TimeZone%3DUTC"


def test_tables_show_business_time(machine_zone):
    model = RowsModel(["时间"])
    model.set_rows([[STAMP], [datetime(2026, 11, 23, 9, 31)]])
    # An aware time is converted; a naive one is business time already (typed, a handheld).
    assert [model.data(model.index(r, 0)) for r in range(2)] == [SHOWN, SHOWN]


def test_documents_show_business_time(machine_zone):
    pdf = render_receipt(
        ReceiptData(
            receipt_no="E2026000001", branch_name="东区分中心", account_no="A001",
            holder_name="张三", address="东校区 1号楼 2单元301",
            lines=(ReceiptLine("2026-10", "电费", D("65.00")),), total=D("65.00"),
            channel="现金", reference="", clerk="张三", issued_at=STAMP,
        )
    )[2]  # fmt: skip
    text = PdfReader(io.BytesIO(pdf)).pages[0].extract_text()
    assert SHOWN in text and "01:31" not in text

    column = Column("时间", DATE)
    assert cell_text(column, STAMP) == SHOWN
    report = TableReport(
        name="test", title="测试", filters="", columns=(Column("时间"),), rows=(Row((STAMP,)),),
        generated_at=STAMP,
    )  # fmt: skip
    _, _, content = render_table_xlsx(report)
    sheet = load_workbook(io.BytesIO(content)).active
    assert "生成于 2026-11-23 09:31" in str(sheet.cell(1, 1).value)
    assert datetime(2026, 11, 23, 9, 31) in [c.value for row in sheet.iter_rows() for c in row]

    settlement = SettlementReport(
        branch_code="E01", branch_name="东区分中心", clerk="张三",
        business_date=date(2026, 11, 23), opened_at=STAMP, closed_at=None,
        float_amount=D("0"), cash_tendered=D("0"), change_given=D("0"), cash_voided=D("0"),
        handed_over=D("0"), handovers=(), expected_cash=D("0"), cash_counted=None,
        over_short=None, note="", channels=(), total_count=1, total_amount=D("65.00"),
        receipts=(ReceiptRow("E2026000001", STAMP, "A001", "张三", "现金", "", D("65.00")),),
        generated_at=STAMP,
    )  # fmt: skip
    book = load_workbook(io.BytesIO(render_settlement_xlsx(settlement)))
    values = [c.value for sheet in book for row in sheet.iter_rows() for c in row]
    assert datetime(2026, 11, 23, 9, 31) in values
    assert datetime(2026, 11, 23, 1, 31) not in values


@pytest.fixture
def manager(fresh_database_url: str) -> StaffIdentity:
    """M-1 read 500 on 2026-10-10 (field); its resident read 520 at 09:31 on 2026-11-23
    (held for review); the audit log has an event of that instant."""
    seed_staff(fresh_database_url)
    engine = create_engine(fresh_database_url)
    try:
        with unit_of_work(make_sessionmaker(engine)) as session:
            add_staff_with_role(
                session, ACTOR, login="wangwu", name="王五", password=PASSWORD,
                role="manager", branch_code=None,
            )  # fmt: skip
            f.meter(session, "M-1", f.account(session, "A001"))
            f.read(session, "M-1", "2026-10-10", "500")
            metering.record_reading(session, ACTOR, "M-1", D("520"), STAMP, "self")
            session.add(
                AuditEvent(
                    at=STAMP, actor="王五", action="reading.accepted", entity="reading",
                    entity_id="2", data={},
                )
            )  # fmt: skip
            return staff_identity(session, "wangwu")
    finally:
        engine.dispose()


@pytest.fixture
def utc_runner(qtbot, fresh_database_url: str) -> Iterator[TaskRunner]:
    ensure_application("zh_CN")
    engine = make_engine(utc_session_url(fresh_database_url))
    runner = TaskRunner(make_sessionmaker(engine))
    yield runner
    runner.shutdown()
    engine.dispose()


def test_the_review_queue_and_the_audit_log_show_business_time(
    qtbot, machine_zone, manager: StaffIdentity, utc_runner: TaskRunner, tmp_path: Path
):
    # The session really hands back UTC: what the pages are given to show.
    with unit_of_work(utc_runner._factory) as session:  # type: ignore[arg-type]
        at = session.scalar(select(AuditEvent.at).where(AuditEvent.action == "reading.accepted"))
    assert at is not None and at.utcoffset().total_seconds() == 0 and at.hour == 1

    preferences = QSettings(str(tmp_path / "p.ini"), QSettings.Format.IniFormat)
    readings = ReadingsPage(manager, utc_runner, preferences=preferences)
    qtbot.addWidget(readings)
    with qtbot.waitSignal(readings.loaded, timeout=WAIT_MS):
        readings.show()
    assert readings.review_tab.queue_table.row_count() == 1
    assert readings.review_tab.queue_table.text_at(0, 0) == SHOWN

    admin = AdminPage(manager, utc_runner, preferences=preferences)
    qtbot.addWidget(admin)
    admin.show()
    # The month's log first, so it cannot land after the day asked for below.
    qtbot.waitUntil(lambda: admin.audit is not None, timeout=WAIT_MS)
    admin.since_edit.setDate(QDate(2026, 11, 23))
    admin.until_edit.setDate(QDate(2026, 11, 23))
    admin.who_edit.setFocus()
    qtbot.keyClick(admin.who_edit, "\r")
    # Only the event of that instant was on 2026-11-23 (the rest were made today).
    qtbot.waitUntil(lambda: admin.audit_table.row_count() == 1, timeout=WAIT_MS)
    assert admin.audit_table.text_at(0, 0) == SHOWN
