"""The counter page driven for real (pytest-qt, offscreen) against PostgreSQL: open the day,
scan a meter barcode, take cash with change, print and save the receipt, reprint, void, close
the day — with the figures checked in the database."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta
from decimal import Decimal as D
from pathlib import Path

import pytest
from openpyxl import load_workbook
from pypdf import PdfReader
from PySide6.QtCore import QSettings, Qt
from PySide6.QtPrintSupport import QPrinter
from PySide6.QtWidgets import QApplication, QMessageBox
from sqlalchemy import create_engine, select
from sqlalchemy.orm import Session

from desktop.app import ensure_application
from desktop.connection import describe_database
from desktop.counter_page import CounterPage
from desktop.document_dialog import DocumentDialog
from desktop.main_window import MainWindow
from desktop.tasks import TaskRunner
from server.db.engine import make_engine, make_sessionmaker, unit_of_work
from server.db.models import Bill, TillSession
from server.services import calendar
from server.services.auth import StaffIdentity, staff_identity
from server.services.late_fees import set_late_fee_policy
from server.services.org import add_staff_with_role
from tests import factories as f
from tests.desktop_support import CLERK_LOGIN, seed_staff

WAIT_MS = 10_000


@pytest.fixture
def world(fresh_database_url: str) -> StaffIdentity:
    """Clerk 张三 of branch E01; account A001 with meter M-1001 and bills 40.00 + 25.00;
    accounts A002 and A003 held by 王五 and 王六 (for a search with several hits)."""
    seed_staff(fresh_database_url)
    engine = create_engine(fresh_database_url)
    try:
        with unit_of_work(make_sessionmaker(engine)) as session:
            a = f.account(session, "A001")
            f.meter(session, "M-1001", a)
            f.bill(session, a, "2026-09", "40.00")
            f.bill(session, a, "2026-10", "25.00")
            f.account(session, "A002", holder_name="王五")
            f.account(session, "A003", holder_name="王六")
            return staff_identity(session, CLERK_LOGIN)
    finally:
        engine.dispose()


@pytest.fixture
def page(
    qtbot, world: StaffIdentity, fresh_database_url: str, tmp_path: Path
) -> Iterator[CounterPage]:
    ensure_application("en")
    engine = make_engine(fresh_database_url)
    runner = TaskRunner(make_sessionmaker(engine))
    preferences = QSettings(str(tmp_path / "prefs.ini"), QSettings.Format.IniFormat)
    counter = CounterPage(world, runner, preferences=preferences)
    qtbot.addWidget(counter)
    counter.resize(1280, 800)
    # Shortcuts reach an active window only (as on a real desktop).
    with qtbot.waitActive(counter):
        counter.show()
        counter.activateWindow()
    qtbot.waitUntil(lambda: counter.day is not None, timeout=WAIT_MS)
    yield counter
    runner.shutdown()
    engine.dispose()


def read_db(url: str, query):
    engine = create_engine(url)
    try:
        with Session(engine) as session:
            return session.execute(query).all()
    finally:
        engine.dispose()


def test_a_day_at_the_counter(qtbot, page: CounterPage, fresh_database_url: str, tmp_path):
    assert not page.pay_button.isEnabled()
    assert "F2" in page.day_label.text()

    with qtbot.waitSignal(page.day_changed, timeout=WAIT_MS):
        page.open_till(D("200.00"))
    assert page.day is not None and page.day.can_take_money

    # A scanner types the meter's barcode and Enter: the account opens at once.
    page.focus_search()
    with qtbot.waitSignal(page.account_opened, timeout=WAIT_MS) as opened:
        qtbot.keyClicks(page.search_edit, "M-1001")
        qtbot.keyClick(page.search_edit, Qt.Key.Key_Return)
    assert opened.args == ["A001"]
    assert page.account_labels["holder"].text() == "张三"
    assert page.owed_label.text() == "65.00"
    assert page.amount_edit.text() == "65.00"
    assert [page.bills_table.text_at(r, 0) for r in range(2)] == ["2026-09", "2026-10"]
    assert page.bills_table.text_at(0, 6) == "40.00"
    assert QApplication.focusWidget() is page.amount_edit

    # Cash: 100 tendered on 65.00 gives 35.00 change; Enter in the tendered field pays.
    qtbot.keyClicks(page.tendered_edit, "100")
    assert page.change_label.text() == "35.00"
    with (
        qtbot.waitSignal(page.payment_taken, timeout=WAIT_MS) as taken,
        qtbot.waitSignal(page.document_ready, timeout=WAIT_MS) as ready,
    ):
        qtbot.keyClick(page.tendered_edit, Qt.Key.Key_Return)
    result = taken.args[0]
    year = calendar.now().year
    assert result.receipt_no == f"E01{year}000001"
    assert result.allocations == (("2026-09", D("40.00")), ("2026-10", D("25.00")))
    assert result.change == D("35.00")

    dialog: DocumentDialog = ready.args[0]
    assert len(dialog.page_labels) == 1
    saved = dialog.save_document(tmp_path / "receipt.pdf")
    text = PdfReader(str(saved)).pages[0].extract_text()
    assert result.receipt_no in text and "陆拾伍元整" in text
    printer = QPrinter(QPrinter.PrinterMode.HighResolution)
    printer.setOutputFormat(QPrinter.OutputFormat.PdfFormat)
    printer.setOutputFileName(str(tmp_path / "printed.pdf"))
    assert dialog.print_document(printer)
    assert dialog.printed_pages == 1
    printed = PdfReader(str(tmp_path / "printed.pdf"))
    assert len(printed.pages) == 1
    width_mm = float(printed.pages[0].mediabox.width) * 25.4 / 72
    assert abs(width_mm - 148) < 2  # A5 portrait, as the receipt was drawn

    qtbot.waitUntil(lambda: page.receipts_table.row_count() == 1, timeout=WAIT_MS)
    qtbot.waitUntil(lambda: page.owed_label.text() == "0.00", timeout=WAIT_MS)
    assert page.receipts_table.text_at(0, 0) == result.receipt_no
    assert page.receipts_table.text_at(0, 4) == "65.00"
    assert page.history_table.text_at(0, 1) == result.receipt_no

    # F11 reprints the selected receipt (counted, marked 重打 on the copy).
    with qtbot.waitActive(page):  # the receipt dialog had been the active window
        page.activateWindow()
    page.receipts_table.selectRow(0)
    with qtbot.waitSignal(page.document_ready, timeout=WAIT_MS) as again:
        qtbot.keyClick(page.receipts_table, Qt.Key.Key_F11)
    copy = again.args[0]
    assert "重打" in PdfReader(copy.save_document(tmp_path / "copy.pdf")).pages[0].extract_text()

    # Void: the row stays, struck through; the bills are owed again.
    page.void(result.receipt_no, "收错户号")
    qtbot.waitUntil(lambda: page.receipts_table.is_struck(0), timeout=WAIT_MS)
    assert "收错户号" in page.receipts_table.text_at(0, 7)
    qtbot.waitUntil(lambda: page.owed_label.text() == "65.00", timeout=WAIT_MS)

    # Close: float 200 + tendered 100 − change 35 − cash voided 65 = 200.00 expected; the
    # day report comes up to print and sign, and goes to Excel for the head cashier.
    with (
        qtbot.waitSignal(page.day_changed, timeout=WAIT_MS),
        qtbot.waitSignal(page.document_ready, timeout=WAIT_MS) as report_ready,
    ):
        page.close_day(D("198.50"), "少 1.50")
    assert page.day.closed_today and not page.pay_button.isEnabled()
    report = report_ready.args[0]
    assert report.windowTitle() == "东区分中心 收费日结报表"
    report_text = PdfReader(report.save_document(tmp_path / "day.pdf")).pages[0].extract_text()
    assert "短款 1.50" in report_text and result.receipt_no in report_text
    with qtbot.waitSignal(page.exported, timeout=WAIT_MS):
        page.export_day_report(page.day.report, report, tmp_path / "day.xlsx")
    assert load_workbook(tmp_path / "day.xlsx").sheetnames == ["日结汇总", "收据明细"]
    [(expected, counted, over_short)] = read_db(
        fresh_database_url,
        select(TillSession.expected_cash, TillSession.cash_counted, TillSession.over_short),
    )
    assert (expected, counted, over_short) == (D("200.00"), D("198.50"), D("-1.50"))


def test_search_lists_several_and_enter_on_a_row_opens_it(qtbot, page: CounterPage):
    page.focus_search()
    page.search_edit.setText("王")  # QTest types ASCII only; an input method types this
    qtbot.keyClick(page.search_edit, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: page.results_table.row_count() == 2, timeout=WAIT_MS)
    assert [page.results_table.text_at(r, 1) for r in range(2)] == ["王五", "王六"]
    assert page.panel is None  # two hits: the clerk picks one
    page.results_table.selectRow(1)
    with qtbot.waitSignal(page.account_opened, timeout=WAIT_MS) as opened:
        qtbot.keyClick(page.results_table, Qt.Key.Key_Return)
    assert opened.args == ["A003"]
    # Esc goes back to the search, the account cleared.
    qtbot.keyClick(page.amount_edit, Qt.Key.Key_Escape)
    assert page.panel is None and QApplication.focusWidget() is page.search_edit


def test_a_refused_payment_says_why_and_takes_nothing(
    qtbot, page: CounterPage, monkeypatch: pytest.MonkeyPatch, fresh_database_url: str
):
    warnings: list[str] = []
    monkeypatch.setattr(QMessageBox, "warning", lambda parent, title, text: warnings.append(text))
    with qtbot.waitSignal(page.day_changed, timeout=WAIT_MS):
        page.open_till(None)
    with qtbot.waitSignal(page.account_opened, timeout=WAIT_MS):
        page.open_account("A001")
    qtbot.keyClick(page, Qt.Key.Key_F6)  # cheque, but no cheque number typed
    assert page.channel() == "cheque" and not page.tendered_edit.isEnabled()
    qtbot.keyClick(page.amount_edit, Qt.Key.Key_F9)
    qtbot.waitUntil(lambda: bool(warnings), timeout=WAIT_MS)
    assert warnings == ["支票收款须填写支票号"]
    assert page.pay_button.isEnabled()
    assert read_db(fresh_database_url, select(Bill.status).order_by(Bill.period)) == [
        ("open",),
        ("open",),
    ]


def test_late_fee_shows_as_its_own_figure_and_only_a_manager_waives_it(
    qtbot, page: CounterPage, world, fresh_database_url: str, monkeypatch: pytest.MonkeyPatch
):
    """Residents pay 1‰ a day, at least 1.00: on 2026-11-10 the 2026-09 bill of 40.00 (due
    2026-10-31) is 10 days late, 0.40 raised to the 1.00 minimum; 2026-10 is not yet due."""
    moment = calendar.business_datetime(date(2026, 11, 10)) + timedelta(hours=9)
    monkeypatch.setattr(calendar, "now", lambda: moment)
    warnings: list[str] = []
    monkeypatch.setattr(QMessageBox, "warning", lambda parent, title, text: warnings.append(text))
    engine = create_engine(fresh_database_url)
    with unit_of_work(make_sessionmaker(engine)) as session:
        set_late_fee_policy(
            session, f.ACTOR, "居民", enabled=True, grace_days=0, daily_rate=D("0.001"),
            minimum=D("1.00"), cap=None, effective_from=date(2026, 1, 1),
        )  # fmt: skip
        add_staff_with_role(
            session, f.ACTOR, login="zhao", name="赵经理", password="Manager-2026",
            role="manager", branch_code="E01",
        )  # fmt: skip
        manager = staff_identity(session, "zhao")
    engine.dispose()

    with qtbot.waitSignal(page.account_opened, timeout=WAIT_MS):
        page.open_account("A001")
    assert page.bills_table.text_at(0, 5) == "1.00"
    assert page.bills_table.text_at(0, 6) == "41.00"
    assert page.bills_table.text_at(1, 5) == ""
    assert page.owed_label.text() == "66.00"
    assert page.amount_edit.text() == "66.00"

    page.bills_table.selectRow(1)
    assert not page.waive_button.isEnabled()
    page.bills_table.selectRow(0)
    assert page.waive_button.isEnabled()
    page.waive("2026-09", "困难户")  # a clerk: the service refuses
    qtbot.waitUntil(lambda: bool(warnings), timeout=WAIT_MS)
    assert warnings == ["减免滞纳金须由管理人员办理"]

    page.identity = manager
    with qtbot.waitSignal(page.account_opened, timeout=WAIT_MS):
        page.waive("2026-09", "困难户")
    assert page.owed_label.text() == "65.00"
    assert page.bills_table.text_at(0, 5) == ""


def test_the_receipt_paper_is_chosen_in_the_settings_menu_and_remembered(
    qtbot, world: StaffIdentity, fresh_database_url: str, tmp_path: Path
):
    ensure_application("zh_CN")
    engine = make_engine(fresh_database_url)
    runner = TaskRunner(make_sessionmaker(engine))
    preferences = QSettings(str(tmp_path / "prefs.ini"), QSettings.Format.IniFormat)
    try:
        window = MainWindow(
            world, describe_database(fresh_database_url, embedded=False),
            runner=runner, preferences=preferences,
        )  # fmt: skip
        qtbot.addWidget(window)
        page = window.counter_page
        assert page is not None and window.pages.currentWidget() is page
        assert page.pay_button.text() == "收款 (F9)"
        window.receipt_size_actions["form"].trigger()
        assert preferences.value("counter/receipt_size") == "form"
        qtbot.waitUntil(lambda: page.day is not None, timeout=WAIT_MS)
        with qtbot.waitSignal(page.day_changed, timeout=WAIT_MS):
            page.open_till(None)
        with qtbot.waitSignal(page.account_opened, timeout=WAIT_MS):
            page.open_account("A001")
        with qtbot.waitSignal(page.document_ready, timeout=WAIT_MS) as ready:
            page.pay()
        saved = ready.args[0].save_document(tmp_path / "form.pdf")
        box = PdfReader(str(saved)).pages[0].mediabox
        size_mm = (round(float(box.width) * 25.4 / 72), round(float(box.height) * 25.4 / 72))
        assert size_mm == (241, 93)
        # A new window on this PC starts with the paper chosen last time.
        again = MainWindow(
            world, describe_database(fresh_database_url, embedded=False),
            runner=runner, preferences=preferences,
        )  # fmt: skip
        qtbot.addWidget(again)
        assert again.receipt_size_actions["form"].isChecked()
    finally:
        runner.shutdown()
        engine.dispose()
