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

from desktop import counter_search
from desktop.app import ensure_application
from desktop.connection import describe_database
from desktop.counter_page import CounterPage
from desktop.document_dialog import DocumentDialog
from desktop.main_window import MainWindow
from desktop.tasks import TaskRunner
from server.db.engine import make_engine, make_sessionmaker, unit_of_work
from server.db.models import (
    Account,
    Bill,
    CashHandover,
    Payment,
    ReceiptVoid,
    Staff,
    TillSession,
)
from server.services.accounts import accounts as accounts_module
from server.services.accounts.accounts import AccountSpec, create_account
from server.services.billing.late_fees import set_late_fee_policy
from server.services.core import calendar
from server.services.staff.org import add_staff_with_role
from server.services.staff.sign_in import StaffIdentity, staff_identity
from tests import factories as f
from tests.desktop_support import CLERK_LOGIN, answer_message_box, seed_staff

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
    qtbot,
    world: StaffIdentity,
    fresh_database_url: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> Iterator[CounterPage]:
    monkeypatch.setenv("MD_HOME", str(tmp_path / "md_home"))  # the counter's settings
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
    assert not page.payment_box.pay_button.isEnabled()
    assert "F2" in page.till_bar.day_label.text()

    with qtbot.waitSignal(page.day_changed, timeout=WAIT_MS):
        page.till_bar.open_till(D("200.00"))
    assert page.day is not None and page.day.can_take_money

    # A scanner types the meter's barcode and Enter: the account opens at once.
    page.focus_search()
    with qtbot.waitSignal(page.account_opened, timeout=WAIT_MS) as opened:
        qtbot.keyClicks(page.search_panel.search_edit, "M-1001")
        qtbot.keyClick(page.search_panel.search_edit, Qt.Key.Key_Return)
    assert opened.args == ["A001"]
    assert page.account_column.account_labels["holder"].text() == "张三"
    assert page.payment_box.owed_label.text() == "65.00"
    assert page.payment_box.amount_edit.text() == "65.00"
    assert [page.account_column.bills_table.text_at(r, 0) for r in range(2)] == [
        "2026-09",
        "2026-10",
    ]
    assert page.account_column.bills_table.text_at(0, 6) == "40.00"
    assert QApplication.focusWidget() is page.payment_box.amount_edit

    # Cash: 100 tendered on 65.00 gives 35.00 change; Enter in the tendered field pays.
    qtbot.keyClicks(page.payment_box.tendered_edit, "100")
    assert page.payment_box.change_label.text() == "35.00"
    with (
        qtbot.waitSignal(page.payment_taken, timeout=WAIT_MS) as taken,
        qtbot.waitSignal(page.document_ready, timeout=WAIT_MS) as ready,
    ):
        qtbot.keyClick(page.payment_box.tendered_edit, Qt.Key.Key_Return)
    result = taken.args[0]
    year = calendar.now().year
    assert result.receipt_no == f"E01{year}000001"
    assert result.allocations == (("2026-09", D("40.00")), ("2026-10", D("25.00")))
    assert result.change == D("35.00")

    dialog: DocumentDialog = ready.args[0]
    assert len(dialog.page_labels) == 1
    saved = dialog.save_document(tmp_path / "receipt.pdf")
    # Closed as the clerk would: the box says where the file went, modal over the preview.
    assert answer_message_box(qtbot, QMessageBox.StandardButton.Ok) == f"Saved to:\n{saved}"
    text = PdfReader(str(saved)).pages[0].extract_text()
    assert result.receipt_no in text and "陆拾伍元整" in text
    printer = QPrinter(QPrinter.PrinterMode.HighResolution)
    printer.setOutputFormat(QPrinter.OutputFormat.PdfFormat)
    printer.setOutputFileName(str(tmp_path / "printed.pdf"))
    assert dialog.print_document(printer)
    # Printed to a file, the box says where, modal over the page: while it is open, F11
    # below is not the page's (Qt gives the activation back to the box).
    said = answer_message_box(qtbot, QMessageBox.StandardButton.Ok)
    assert said == f"Saved to:\n{tmp_path / 'printed.pdf'}"
    assert dialog.printed_pages == 1
    printed = PdfReader(str(tmp_path / "printed.pdf"))
    assert len(printed.pages) == 1
    width_mm = float(printed.pages[0].mediabox.width) * 25.4 / 72
    assert abs(width_mm - 148) < 2  # A5 portrait, as the receipt was drawn

    qtbot.waitUntil(lambda: page.receipts_box.receipts_table.row_count() == 1, timeout=WAIT_MS)
    qtbot.waitUntil(lambda: page.payment_box.owed_label.text() == "0.00", timeout=WAIT_MS)
    assert page.receipts_box.receipts_table.text_at(0, 0) == result.receipt_no
    assert page.receipts_box.receipts_table.text_at(0, 4) == "65.00"
    assert page.account_column.history_table.text_at(0, 1) == result.receipt_no

    # F11 reprints the selected receipt (counted, marked 重打 on the copy).
    with qtbot.waitActive(page):  # the receipt dialog and the boxes had been active
        page.activateWindow()
    page.receipts_box.receipts_table.selectRow(0)
    with qtbot.waitSignal(page.document_ready, timeout=WAIT_MS) as again:
        qtbot.keyClick(page.receipts_box.receipts_table, Qt.Key.Key_F11)
    copy = again.args[0]
    assert "重打" in PdfReader(copy.save_document(tmp_path / "copy.pdf")).pages[0].extract_text()

    # Void: the row stays, struck through; the bills are owed again.
    page.receipts_box.void(result.receipt_no, "收错户号")
    qtbot.waitUntil(lambda: page.receipts_box.receipts_table.is_struck(0), timeout=WAIT_MS)
    assert "收错户号" in page.receipts_box.receipts_table.text_at(0, 7)
    qtbot.waitUntil(lambda: page.payment_box.owed_label.text() == "65.00", timeout=WAIT_MS)

    # Close: float 200 + tendered 100 − change 35 − cash voided 65 = 200.00 expected; the
    # day report comes up to print and sign, and goes to Excel for the head cashier.
    with (
        qtbot.waitSignal(page.day_changed, timeout=WAIT_MS),
        qtbot.waitSignal(page.document_ready, timeout=WAIT_MS) as report_ready,
    ):
        page.till_bar.close_day(D("198.50"), "少 1.50")
    assert page.day.closed_today and not page.payment_box.pay_button.isEnabled()
    report = report_ready.args[0]
    assert report.windowTitle() == "东区分中心 收费日结报表"
    report_text = PdfReader(report.save_document(tmp_path / "day.pdf")).pages[0].extract_text()
    assert "短款 1.50" in report_text and result.receipt_no in report_text
    with qtbot.waitSignal(page.exported, timeout=WAIT_MS):
        page.till_bar.export_day_report(page.day.report, report, tmp_path / "day.xlsx")
    assert load_workbook(tmp_path / "day.xlsx").sheetnames == ["日结汇总", "收据明细"]
    [(expected, counted, over_short)] = read_db(
        fresh_database_url,
        select(TillSession.expected_cash, TillSession.cash_counted, TillSession.over_short),
    )
    assert (expected, counted, over_short) == (D("200.00"), D("198.50"), D("-1.50"))


def test_search_lists_several_and_enter_on_a_row_opens_it(qtbot, page: CounterPage):
    page.focus_search()
    page.search_panel.search_edit.setText(
        "王"
    )  # QTest types ASCII only; an input method types this
    qtbot.keyClick(page.search_panel.search_edit, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: page.search_panel.results_table.row_count() == 2, timeout=WAIT_MS)
    assert [page.search_panel.results_table.text_at(r, 1) for r in range(2)] == ["王五", "王六"]
    assert page.panel is None  # two hits: the clerk picks one
    page.search_panel.results_table.selectRow(1)
    with qtbot.waitSignal(page.account_opened, timeout=WAIT_MS) as opened:
        qtbot.keyClick(page.search_panel.results_table, Qt.Key.Key_Return)
    assert opened.args == ["A003"]
    # Esc goes back to the search, the account cleared.
    qtbot.keyClick(page.payment_box.amount_edit, Qt.Key.Key_Escape)
    assert page.panel is None and QApplication.focusWidget() is page.search_panel.search_edit


def test_a_refused_payment_says_why_and_takes_nothing(
    qtbot, page: CounterPage, fresh_database_url: str
):
    with qtbot.waitSignal(page.day_changed, timeout=WAIT_MS):
        page.till_bar.open_till(None)
    with qtbot.waitSignal(page.account_opened, timeout=WAIT_MS):
        page.open_account("A001")
    qtbot.keyClick(page, Qt.Key.Key_F6)  # cheque, but no cheque number typed
    assert page.payment_box.channel() == "cheque" and not page.payment_box.tendered_edit.isEnabled()
    qtbot.keyClick(page.payment_box.amount_edit, Qt.Key.Key_F9)
    assert answer_message_box(qtbot, QMessageBox.StandardButton.Ok) == "支票收款须填写支票号"
    assert page.payment_box.pay_button.isEnabled()
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
    assert page.account_column.bills_table.text_at(0, 5) == "1.00"
    assert page.account_column.bills_table.text_at(0, 6) == "41.00"
    assert page.account_column.bills_table.text_at(1, 5) == ""
    assert page.payment_box.owed_label.text() == "66.00"
    assert page.payment_box.amount_edit.text() == "66.00"

    page.account_column.bills_table.selectRow(1)
    assert not page.account_column.waive_button.isEnabled()
    page.account_column.bills_table.selectRow(0)
    assert page.account_column.waive_button.isEnabled()
    page.account_column.waive("2026-09", "困难户")  # a clerk: the service refuses
    qtbot.waitUntil(lambda: bool(warnings), timeout=WAIT_MS)
    assert warnings == ["减免滞纳金须由管理人员办理"]

    page.identity = manager
    with qtbot.waitSignal(page.account_opened, timeout=WAIT_MS):
        page.account_column.waive("2026-09", "困难户")
    assert page.payment_box.owed_label.text() == "65.00"
    assert page.account_column.bills_table.text_at(0, 5) == ""


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
        assert page.payment_box.pay_button.text() == "收款 (F9)"
        window.receipt_size_actions["form"].trigger()
        assert preferences.value("counter/receipt_size") == "form"
        qtbot.waitUntil(lambda: page.day is not None, timeout=WAIT_MS)
        with qtbot.waitSignal(page.day_changed, timeout=WAIT_MS):
            page.till_bar.open_till(None)
        with qtbot.waitSignal(page.account_opened, timeout=WAIT_MS):
            page.open_account("A001")
        with qtbot.waitSignal(page.document_ready, timeout=WAIT_MS) as ready:
            page.payment_box.pay()
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


# ---- issue 14: the counter must not take money from the wrong person or the wrong amount ---


def payments_in_db(url: str) -> list[tuple[str, D]]:
    return [
        (account_no, amount)
        for account_no, amount in read_db(
            url,
            select(Account.account_no, Payment.amount)
            .join(Account, Account.id == Payment.account_id)
            .order_by(Payment.id),
        )
    ]


def open_day(qtbot, page: CounterPage) -> None:
    with qtbot.waitSignal(page.day_changed, timeout=WAIT_MS):
        page.till_bar.open_till(D("200.00"))


def search(qtbot, page: CounterPage, text: str) -> None:
    """Type (or scan) into the search box and press Enter, as the clerk does."""
    page.search_panel.search_edit.setFocus()
    page.search_panel.search_edit.selectAll()
    qtbot.keyClicks(page.search_panel.search_edit, text)
    qtbot.keyClick(page.search_panel.search_edit, Qt.Key.Key_Return)


def scan(qtbot, page: CounterPage, text: str) -> None:
    with qtbot.waitSignal(page.account_opened, timeout=WAIT_MS) as opened:
        search(qtbot, page, text)
    assert opened.args == [text]


def test_a_search_that_finds_nobody_or_several_leaves_no_account_to_take_money_for(
    qtbot, page: CounterPage, fresh_database_url: str
):
    open_day(qtbot, page)
    scan(qtbot, page, "A001")
    assert (
        page.payment_box.pay_button.isEnabled()
        and page.account_column.account_labels["holder"].text() == "张三"
    )

    search(qtbot, page, "A404")
    qtbot.waitUntil(
        lambda: page.search_panel.search_status.text() == "Nothing found for “A404”",
        timeout=WAIT_MS,
    )
    assert page.panel is None and not page.payment_box.pay_button.isEnabled()
    assert (
        page.account_column.account_labels["holder"].text() == ""
        and page.payment_box.owed_label.text() == ""
    )
    assert page.payment_box.amount_edit.text() == ""
    qtbot.keyClick(page.search_panel.search_edit, Qt.Key.Key_F9)
    qtbot.mouseClick(page.payment_box.pay_button, Qt.MouseButton.LeftButton)
    qtbot.wait(300)
    assert payments_in_db(fresh_database_url) == []

    # Several hits: the clerk must pick one; the account before is gone too.
    scan(qtbot, page, "A001")
    search(qtbot, page, "A00")
    qtbot.waitUntil(lambda: page.search_panel.results_table.row_count() == 3, timeout=WAIT_MS)
    assert page.search_panel.search_status.text() == "3 found"
    assert page.panel is None and not page.payment_box.pay_button.isEnabled()
    qtbot.keyClick(page.search_panel.results_table, Qt.Key.Key_F9)
    qtbot.wait(300)
    assert payments_in_db(fresh_database_url) == []


def test_a_search_matching_more_than_it_counts_says_more_than(
    qtbot, page: CounterPage, monkeypatch: pytest.MonkeyPatch
):
    """A001–A003 match "A00": with the count stopping at 2 and the list at 1, the status
    line says there are more than 2; with the count stopping at 3, that there are 3."""
    monkeypatch.setattr(counter_search, "SEARCH_LIMIT", 1)
    monkeypatch.setattr(accounts_module, "SEARCH_COUNT_CAP", 2)
    search(qtbot, page, "A00")
    qtbot.waitUntil(
        lambda: (
            page.search_panel.search_status.text() == "Showing the first 1 of more than 2 accounts"
        ),
        timeout=WAIT_MS,
    )
    assert page.search_panel.results_table.text_at(0, 0) == "A001"
    monkeypatch.setattr(accounts_module, "SEARCH_COUNT_CAP", 3)
    search(qtbot, page, "A00")
    qtbot.waitUntil(
        lambda: page.search_panel.search_status.text() == "Showing the first 1 of 3 accounts",
        timeout=WAIT_MS,
    )


def test_after_a_payment_the_next_scan_goes_to_the_search_box_not_the_amount(
    qtbot, page: CounterPage, fresh_database_url: str
):
    open_day(qtbot, page)
    scan(qtbot, page, "A001")
    with qtbot.waitSignal(page.document_ready, timeout=WAIT_MS) as ready:
        qtbot.mouseClick(page.payment_box.pay_button, Qt.MouseButton.LeftButton)
    # Under the receipt preview, the page's focus is on the search box already.
    assert page.focusWidget() is page.search_panel.search_edit
    close_receipt(qtbot, page, ready.args[0])
    qtbot.waitUntil(lambda: page.payment_box.owed_label.text() == "0.00", timeout=WAIT_MS)
    assert QApplication.focusWidget() is page.search_panel.search_edit

    # The scanner's next account number and Enter open the next customer.
    with qtbot.waitSignal(page.account_opened, timeout=WAIT_MS) as opened:
        qtbot.keyClicks(QApplication.focusWidget(), "A002")
        qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Return)
    assert opened.args == ["A002"]
    assert page.account_column.account_labels["holder"].text() == "王五"
    assert payments_in_db(fresh_database_url) == [("A001", D("65.00"))]


def test_a_typed_minus_sign_is_refused_not_dropped(
    qtbot, page: CounterPage, fresh_database_url: str
):
    open_day(qtbot, page)
    scan(qtbot, page, "A001")
    qtbot.keyClicks(page.payment_box.amount_edit, "-5")  # the field's 65.00 is selected: typed over
    assert page.payment_box.amount_edit.text() == "-5"
    qtbot.keyClick(page.payment_box.amount_edit, Qt.Key.Key_F9)
    said = answer_message_box(qtbot, QMessageBox.StandardButton.Ok)
    assert said == "收款金额必须大于 0，收到 -5"
    assert payments_in_db(fresh_database_url) == []


def test_an_amount_far_above_what_is_owed_is_asked_about(
    qtbot, page: CounterPage, fresh_database_url: str
):
    """A001 owes 65.00: 10 × 65 = 650 and 65 + 2,000 = 2,065 (the default limits), so
    2,065.00 is taken without a question and 11,000,005.00 is asked about."""
    open_day(qtbot, page)
    scan(qtbot, page, "A001")
    qtbot.keyClicks(page.payment_box.amount_edit, "11000005")
    qtbot.keyClick(page.payment_box.amount_edit, Qt.Key.Key_F9)
    said = answer_message_box(qtbot, QMessageBox.StandardButton.No)
    assert said == "Take 11,000,005.00 from 张三 (A001), who owes 65.00?"
    assert payments_in_db(fresh_database_url) == []
    assert QApplication.focusWidget() is page.payment_box.amount_edit
    assert page.payment_box.pay_button.isEnabled()

    qtbot.mouseClick(page.payment_box.pay_button, Qt.MouseButton.LeftButton)
    with qtbot.waitSignal(page.document_ready, timeout=WAIT_MS) as ready:
        answer_message_box(qtbot, QMessageBox.StandardButton.Yes)
    assert payments_in_db(fresh_database_url) == [("A001", D("11000005.00"))]
    close_receipt(qtbot, page, ready.args[0])

    # 2,065.00 against nothing owed is asked about; against the 65.00 of A002's bill not.
    engine = create_engine(fresh_database_url)
    with unit_of_work(make_sessionmaker(engine)) as session:
        f.bill(session, account_id_of(session, "A002"), "2026-10", "65.00")
    engine.dispose()
    scan(qtbot, page, "A002")
    page.payment_box.amount_edit.selectAll()
    qtbot.keyClicks(page.payment_box.amount_edit, "2065")
    with qtbot.waitSignal(page.payment_taken, timeout=WAIT_MS):
        qtbot.keyClick(page.payment_box.amount_edit, Qt.Key.Key_F9)
    assert payments_in_db(fresh_database_url)[-1] == ("A002", D("2065.00"))


def account_id_of(session: Session, account_no: str) -> int:
    return session.scalar(select(Account.id).where(Account.account_no == account_no))


def test_the_channel_starts_as_cash_for_each_customer(qtbot, page: CounterPage):
    open_day(qtbot, page)
    scan(qtbot, page, "A001")
    qtbot.keyClick(page.payment_box.amount_edit, Qt.Key.Key_F6)
    assert page.payment_box.channel() == "cheque" and page.payment_box.reference_edit.isEnabled()
    scan(qtbot, page, "A002")
    assert (
        page.payment_box.channel() == "cash"
        and page.payment_box.channel_combo.currentText() == "现金 (F5)"
    )
    assert (
        page.payment_box.tendered_edit.isEnabled()
        and not page.payment_box.reference_edit.isEnabled()
    )


def close_receipt(qtbot, page: CounterPage, preview: DocumentDialog) -> None:
    """The clerk closes the receipt preview and is back at the counter."""
    qtbot.mouseClick(preview.close_button, Qt.MouseButton.LeftButton)
    with qtbot.waitActive(page.window()):
        page.window().activateWindow()


def pay_a001(qtbot, page: CounterPage) -> str:
    """A001's 65.00 in cash through the real F9; the receipt preview closed again."""
    scan(qtbot, page, "A001")
    with (
        qtbot.waitSignal(page.payment_taken, timeout=WAIT_MS) as taken,
        qtbot.waitSignal(page.document_ready, timeout=WAIT_MS) as ready,
    ):
        qtbot.keyClick(page.payment_box.amount_edit, Qt.Key.Key_F9)
    close_receipt(qtbot, page, ready.args[0])
    qtbot.waitUntil(lambda: page.receipts_box.receipts_table.row_count() == 1, timeout=WAIT_MS)
    return taken.args[0].receipt_no


def test_the_void_dialog_shows_the_receipt_and_asks_for_a_reason_of_the_clerks_own(
    qtbot, page: CounterPage, fresh_database_url: str
):
    open_day(qtbot, page)
    receipt_no = pay_a001(qtbot, page)
    page.receipts_box.receipts_table.selectRow(0)
    with qtbot.waitSignal(page.void_dialog_opened, timeout=WAIT_MS) as opened:
        qtbot.keyClick(page.receipts_box.receipts_table, Qt.Key.Key_F12)
    dialog = opened.args[0]
    qtbot.waitExposed(dialog)
    shown = {key: label.text() for key, label in dialog.values.items()}
    assert shown == {
        "receipt_no": receipt_no, "amount": "65.00", "account_no": "A001",
        "holder": "张三", "channel": "现金",
    }  # fmt: skip
    # No reason chosen for the clerk: Void waits for one.
    assert dialog.reason() == "" and not dialog.ok_button.isEnabled()
    # The whole title fits the dialog (a frame's buttons take about 120 px).
    title_width = dialog.fontMetrics().horizontalAdvance(dialog.windowTitle())
    assert dialog.width() >= title_width + 120
    qtbot.keyClicks(dialog.reason_combo.lineEdit(), "wrong account")
    assert dialog.ok_button.isEnabled()
    with qtbot.waitSignal(page.day_changed, timeout=WAIT_MS):
        qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: page.receipts_box.receipts_table.is_struck(0), timeout=WAIT_MS)
    assert page.receipts_box.receipts_table.text_at(0, 7) == "Void: wrong account"
    [(reason,)] = read_db(fresh_database_url, select(ReceiptVoid.reason))
    assert reason == "wrong account"


def test_a_receipt_of_a_closed_day_is_refused_before_any_reason_is_asked(
    qtbot, page: CounterPage, fresh_database_url: str
):
    open_day(qtbot, page)
    pay_a001(qtbot, page)
    with qtbot.waitSignal(page.document_ready, timeout=WAIT_MS) as report:
        page.till_bar.close_day(D("265.00"))
    close_receipt(qtbot, page, report.args[0])
    qtbot.waitUntil(lambda: page.day is not None and page.day.closed_today, timeout=WAIT_MS)
    opened: list[object] = []
    page.void_dialog_opened.connect(opened.append)
    page.receipts_box.receipts_table.selectRow(0)
    qtbot.keyClick(page.receipts_box.receipts_table, Qt.Key.Key_F12)
    said = answer_message_box(qtbot, QMessageBox.StandardButton.Ok)
    assert said == f"{calendar.now().date().isoformat()} 已日结，作废须由管理人员办理"
    assert opened == []
    assert read_db(fresh_database_url, select(ReceiptVoid.id)) == []


def test_hand_over_picks_a_head_cashier_keeps_the_dialog_on_a_refusal_and_says_when_done(
    qtbot, page: CounterPage, fresh_database_url: str
):
    engine = create_engine(fresh_database_url)
    with unit_of_work(make_sessionmaker(engine)) as session:
        f.branches(session)  # branch D, for a manager of another branch
        for login, name, role, branch in (
            ("zhao", "赵经理", "manager", "E01"),
            ("qian", "钱抄表", "reader", "E01"),
            ("sun", "孙经理", "manager", "D"),
        ):
            add_staff_with_role(
                session, f.ACTOR, login=login, name=name, password="Counter2026", role=role,
                branch_code=branch,
            )  # fmt: skip
    engine.dispose()
    open_day(qtbot, page)
    with qtbot.waitSignal(page.hand_over_opened, timeout=WAIT_MS) as opened:
        qtbot.mouseClick(page.till_bar.hand_over_button, Qt.MouseButton.LeftButton)
    dialog = opened.args[0]
    qtbot.waitExposed(dialog)
    choices = [dialog.to_combo.itemText(i) for i in range(dialog.to_combo.count())]
    assert choices == ["赵经理（zhao，管理人员）"]

    qtbot.keyClicks(dialog.amount_edit, "0")
    qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: dialog.error_label.text() != "", timeout=WAIT_MS)
    assert dialog.error_label.text() == "交款金额必须大于 0，收到 0"
    assert dialog.isVisible() and dialog.amount_edit.text() == "0"
    assert read_db(fresh_database_url, select(CashHandover.id)) == []

    dialog.amount_edit.selectAll()
    qtbot.keyClicks(dialog.amount_edit, "150")
    qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)
    said = answer_message_box(qtbot, QMessageBox.StandardButton.Ok)
    assert said == "150.00 handed over to zhao"
    assert not dialog.isVisible()
    [(amount, to_login)] = read_db(
        fresh_database_url,
        select(CashHandover.amount, Staff.login).join(Staff, Staff.id == CashHandover.to_staff_id),
    )
    assert (amount, to_login) == (D("150.00"), "zhao")


@pytest.fixture
def window(
    qtbot, world: StaffIdentity, fresh_database_url: str, tmp_path: Path, monkeypatch
) -> Iterator[MainWindow]:
    """The clerk's main window in Chinese, at the counter, its till open."""
    monkeypatch.setenv("MD_HOME", str(tmp_path / "md_home"))
    ensure_application("zh_CN")
    engine = make_engine(fresh_database_url)
    runner = TaskRunner(make_sessionmaker(engine))
    preferences = QSettings(str(tmp_path / "prefs.ini"), QSettings.Format.IniFormat)
    shell = MainWindow(
        world, describe_database(fresh_database_url, embedded=False),
        runner=runner, preferences=preferences,
    )  # fmt: skip
    qtbot.addWidget(shell)
    with qtbot.waitActive(shell):
        shell.show()
        shell.activateWindow()
    page = shell.counter_page
    assert page is not None
    qtbot.waitUntil(lambda: page.day is not None, timeout=WAIT_MS)
    yield shell
    runner.shutdown()
    engine.dispose()


def test_quitting_with_the_till_open_asks_first(qtbot, window: MainWindow):
    page = window.counter_page
    assert page is not None
    with qtbot.waitSignal(page.day_changed, timeout=WAIT_MS):
        page.till_bar.open_till(None)
    qtbot.keyClick(window, Qt.Key.Key_Q, Qt.KeyboardModifier.ControlModifier)
    said = answer_message_box(qtbot, QMessageBox.StandardButton.No)
    assert said == "您的班次尚未日结。仍要离开吗？如已收款完毕，请先日结。"
    assert window.isVisible()
    window.close()  # the window's own close button
    answer_message_box(qtbot, QMessageBox.StandardButton.Yes)
    assert not window.isVisible() and window.sign_in_again is None


def test_sign_out_and_switch_user_are_in_the_file_menu(qtbot, window: MainWindow):
    actions = [a.text() for a in window.file_menu.actions() if not a.isSeparator()]
    assert actions[-3:] == ["注销(&O)", "切换用户(&W)…", "退出(&X)"]
    # No till open: nothing to ask; the window goes back to the sign-in dialog.
    window.switch_user_action.trigger()
    assert not window.isVisible() and window.sign_in_again == ""


def test_sign_out_with_the_till_open_asks_and_may_stay(qtbot, window: MainWindow):
    page = window.counter_page
    assert page is not None
    with qtbot.waitSignal(page.day_changed, timeout=WAIT_MS):
        page.till_bar.open_till(None)
    window.sign_out_action.trigger()
    answer_message_box(qtbot, QMessageBox.StandardButton.No)
    assert window.isVisible() and window.sign_in_again is None
    window.sign_out_action.trigger()
    answer_message_box(qtbot, QMessageBox.StandardButton.Yes)
    assert not window.isVisible() and window.sign_in_again == CLERK_LOGIN


@pytest.mark.parametrize("size", [(1366, 768), (1600, 1000)])
def test_the_counter_fits_a_1366_by_768_screen_and_uses_a_larger_one(
    qtbot, window: MainWindow, fresh_database_url: str, tmp_path: Path, size: tuple[int, int]
):
    """60 accounts in 研究生公寓 (the list shows 50); the counter at the screen size: the
    result list needs no sideways scrolling and today's receipts get a fair share."""
    engine = create_engine(fresh_database_url)
    with unit_of_work(make_sessionmaker(engine)) as session:
        for n in range(1, 61):
            create_account(
                session, f.ACTOR,
                AccountSpec(
                    account_no=f"B{n:03}", holder_name="欧阳" + "一二三四五六"[n % 6],
                    customer_class="居民", campus="东校区", building="研究生公寓12号楼",
                    unit="3", room=f"{n:03}",
                ),
            )  # fmt: skip
    engine.dispose()
    page = window.counter_page
    assert page is not None
    window.resize(*size)
    with qtbot.waitSignal(page.day_changed, timeout=WAIT_MS):
        page.till_bar.open_till(None)
    for n in range(1, 7):  # six receipts of today
        scan(qtbot, page, "A001")
        page.payment_box.amount_edit.selectAll()
        qtbot.keyClicks(page.payment_box.amount_edit, "5")
        with qtbot.waitSignal(page.document_ready, timeout=WAIT_MS) as ready:
            qtbot.keyClick(page.payment_box.amount_edit, Qt.Key.Key_F9)
        close_receipt(qtbot, page, ready.args[0])
        qtbot.waitUntil(
            lambda n=n: page.receipts_box.receipts_table.row_count() == n, timeout=WAIT_MS
        )
    search(qtbot, page, "B")
    qtbot.waitUntil(lambda: page.search_panel.results_table.row_count() == 50, timeout=WAIT_MS)
    assert page.search_panel.search_status.text() == "显示前 50 户（共 60 户）"
    with qtbot.waitSignal(page.account_opened, timeout=WAIT_MS) as opened:
        qtbot.keyClick(page.search_panel.results_table, Qt.Key.Key_Return)
    assert opened.args == ["B001"]
    qtbot.wait(100)  # layouts settle

    shot = tmp_path / f"counter_{size[0]}x{size[1]}.png"
    assert window.grab().save(str(shot))
    assert page.search_panel.results_table.horizontalScrollBar().maximum() == 0
    assert page.account_column.bills_table.horizontalScrollBar().maximum() == 0
    assert page.receipts_box.height() >= page.height() // 4
    assert page.payment_box.pay_button.isVisible() and page.payment_box.pay_button.height() >= 24
