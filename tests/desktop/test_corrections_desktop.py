"""Corrections from the desktop, driven for real (pytest-qt, offscreen) against PostgreSQL:
a bill rebilled with the old and new bill side by side after its reading was corrected, a
bill cancelled, an adjustment above the approval limit that a second manager (and not the
same one) approves, and a refund at the counter paid from the clerk's till on a manager's
authorization — each checked on screen and in the database."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal as D
from pathlib import Path

import pytest
from pypdf import PdfReader
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialogButtonBox, QMessageBox
from sqlalchemy import create_engine, select

from desktop.accounts_page import AccountsPage
from desktop.app import ensure_application
from desktop.approval_dialog import ApprovalDialog
from desktop.balance_dialogs import AdjustDialog, RefundDialog
from desktop.billing_page import BillingPage
from desktop.correction_dialogs import CancelDialog, RebillDialog
from desktop.counter_page import CounterPage
from desktop.widgets import ALERT, CHANGED_TINT, CREDIT
from server.db.engine import make_sessionmaker, unit_of_work
from server.db.models import Account, Adjustment, Bill, CreditNote, Refund, Staff
from server.services.billing.bill_views import BillLineView, BillMeterView, BillView
from server.services.billing.billing_run import run_billing
from server.services.billing.corrections import RebillPreview
from server.services.collection.till import open_till
from server.services.core import calendar
from server.services.core.calendar import Period
from server.services.metering.readings import correct_reading
from server.services.staff.org import add_staff_with_role
from server.services.staff.sign_in import StaffIdentity, staff_identity
from tests import factories as f
from tests.desktop_support import (
    CLERK_LOGIN,
    PASSWORD,
    answer_message_box,
    page_runner,
    read_db,
    seed_staff,
    type_chinese,
)

WAIT_MS = 15_000
MANAGER_PASSWORD = "Manager-2026"
LEFT = Qt.MouseButton.LeftButton


@dataclass(frozen=True)
class World:
    manager: StaffIdentity  # 赵经理 (zhao)
    second: StaffIdentity  # 钱经理 (qian)
    clerk: StaffIdentity  # 张三 (zhangsan), branch E01


@pytest.fixture
def world(fresh_database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> World:
    """Electricity at 0.50 a kWh; 2026-10 billed:
    - A001 张三, prepaid, opening balance 100.00: E1 100 → 150 = 50 kWh → 25.00, drawn from
      the balance (75.00 left); then the 150 is found mis-keyed and corrected to 130.
    - A002 王五, postpaid: E2 0 → 30 = 30 kWh → 15.00 open.
    - A003 李六, prepaid with 80.00 credit and no meter (moving out, to be refunded).
    The approval limit is the default 500 yuan (no config file in MD_HOME)."""
    monkeypatch.setenv("MD_HOME", str(tmp_path / "md_home"))
    seed_staff(fresh_database_url)
    engine = create_engine(fresh_database_url)
    try:
        with unit_of_work(make_sessionmaker(engine)) as session:
            for login, name in (("zhao", "赵经理"), ("qian", "钱经理")):
                add_staff_with_role(
                    session, f.ACTOR, login=login, name=name, password=MANAGER_PASSWORD,
                    role="manager", branch_code="E01",
                )  # fmt: skip
            f.tariff(session)
            a1 = f.account(session, "A001", billing_mode="prepaid", balance="100")
            a2 = f.account(session, "A002", holder_name="王五")
            f.account(session, "A003", holder_name="李六", billing_mode="prepaid", balance="80")
            f.meter(session, "E1", a1)
            f.meter(session, "E2", a2)
            f.read(session, "E1", "2026-09-28", "100")
            mis_keyed = f.read(session, "E1", "2026-10-28", "150")
            f.read(session, "E2", "2026-09-28", "0")
            f.read(session, "E2", "2026-10-28", "30")
            manager = staff_identity(session, "zhao")
            run_billing(session, manager.actor, Period.parse("2026-10"))
            correct_reading(session, manager.actor, mis_keyed.reading_id, "130", "抄表员看错位")
            return World(
                manager, staff_identity(session, "qian"), staff_identity(session, CLERK_LOGIN)
            )
    finally:
        engine.dispose()


def marked_cells(table) -> list[set[int]]:
    """Per row, the columns drawn bold on the change tint, as the table's cells are drawn;
    the tint and the boldness never come apart."""
    model = table.model()
    rows = []
    for r in range(model.rowCount()):
        columns = set()
        for c in range(model.columnCount()):
            index = model.index(r, c)
            font = model.data(index, Qt.ItemDataRole.FontRole)
            bold = font is not None and font.bold()
            tinted = model.data(index, Qt.ItemDataRole.BackgroundRole) == CHANGED_TINT
            assert bold == tinted, (r, c)
            if bold:
                columns.add(c)
        rows.append(columns)
    return rows


def open_page(qtbot, page) -> None:
    qtbot.addWidget(page)
    page.resize(1280, 800)
    # Shortcuts reach an active window only (as on a real desktop).
    with qtbot.waitActive(page):
        page.show()
        page.activateWindow()


def click_row(qtbot, table, row: int) -> None:
    rect = table.visualRect(table.model().index(row, 0))
    qtbot.mouseClick(table.viewport(), LEFT, pos=rect.center())


def approve(qtbot, approval: ApprovalDialog, login: str, password: str) -> None:
    approval.login_edit.clear()
    approval.password_edit.clear()
    qtbot.keyClicks(approval.login_edit, login)
    qtbot.keyClicks(approval.password_edit, password)
    qtbot.mouseClick(approval.approve_button, LEFT)


def refused_approval(qtbot, approval: ApprovalDialog, login: str, password: str) -> str:
    with qtbot.waitSignal(approval.attempt_failed, timeout=WAIT_MS) as failed:
        approve(qtbot, approval, login, password)
    assert approval.isVisible()
    return failed.args[0]


@pytest.fixture
def billing_page(qtbot, world: World, fresh_database_url: str, tmp_path: Path):
    ensure_application("en")
    with page_runner(fresh_database_url, tmp_path) as (runner, preferences):
        page = BillingPage(world.manager, runner, preferences=preferences)
        with qtbot.waitSignal(page.loaded, timeout=WAIT_MS):
            open_page(qtbot, page)
        page.tabs.setCurrentIndex(1)
        with qtbot.waitSignal(page.bills_shown, timeout=WAIT_MS):
            page.set_period("2026-10")
        yield page


def test_rebill_shows_old_and_new_side_by_side_and_moves_the_payment(
    qtbot, billing_page: BillingPage, fresh_database_url: str
):
    page = billing_page
    assert [page.bills_table.text_at(r, 0) for r in range(2)] == ["A001", "A002"]
    assert not page.corrections.rebill_button.isEnabled()  # nothing selected yet
    click_row(qtbot, page.bills_table, 0)
    assert page.corrections.rebill_button.isEnabled()
    with qtbot.waitSignal(page.corrections.dialog_opened, timeout=WAIT_MS) as opened:
        qtbot.keyClick(page.bills_table, Qt.Key.Key_E, Qt.KeyboardModifier.ControlModifier)
    dialog: RebillDialog = opened.args[0]
    assert isinstance(dialog, RebillDialog) and dialog.isVisible()
    assert dialog.windowTitle() == "Rebill 2026-10 of A001"

    def meters(box) -> list[str]:
        return [box.contents.meters_table.text_at(0, c) for c in range(5)]

    def lines(box) -> list[list[str]]:
        table = box.contents.lines_table
        return [[table.text_at(r, c) for c in range(3)] for r in range(table.row_count())]

    # Issued: 150 − 100 = 50 kWh × 0.50 = 25.00; now: 130 − 100 = 30 kWh × 0.50 = 15.00.
    assert meters(dialog.old_box) == ["E1", "电表", "100", "150", "50"]
    assert lines(dialog.old_box) == [["电费", "50", "25.00"]]
    assert dialog.old_box.total_label.text() == "25.00"
    assert meters(dialog.new_box) == ["E1", "电表", "100", "130", "30"]
    assert lines(dialog.new_box) == [["电费", "30", "15.00"]]
    assert dialog.new_box.total_label.text() == "15.00"
    # 15.00 − 25.00 = −10.00; the 25.00 drawn from the balance goes back to it and the new
    # bill draws 15.00: nothing owed, 75.00 + 25.00 − 15.00 = 85.00 credit.
    assert dialog.difference_label.text() == "-10.00"
    assert dialog.paid_label.text() == "25.00"
    assert dialog.owed_label.text() == "0.00"
    assert dialog.balance_label.text() == "85.00"
    assert dialog.approval_note.text() == "Within 500.00: no second approval needed."
    # What changed stands out on the new bill: the current reading and usage, the line's
    # usage and amount (same meter E1, same line 电费); the old bill has nothing only it has.
    assert marked_cells(dialog.new_box.contents.meters_table) == [{3, 4}]
    assert marked_cells(dialog.new_box.contents.lines_table) == [{1, 2}]
    assert marked_cells(dialog.old_box.contents.meters_table) == [set()]
    assert marked_cells(dialog.old_box.contents.lines_table) == [set()]
    # Less owed: the difference in the credit green.
    assert f"color: {CREDIT.name()}" in dialog.difference_label.styleSheet()

    # 确认更正 waits for a reason.
    assert not dialog.confirm_button.isEnabled()
    type_chinese(dialog.reason_edit, "读数录错，150 应为 130")
    assert dialog.confirm_button.isEnabled()
    with qtbot.waitSignal(page.corrections.done, timeout=WAIT_MS) as done:
        qtbot.mouseClick(dialog.confirm_button, LEFT)
    assert not dialog.isVisible()
    result = done.args[0]
    year = calendar.now().year
    note_no = f"HZ{year}000001"
    assert result.credit_note_no == note_no
    text = answer_message_box(qtbot, QMessageBox.StandardButton.Ok)
    assert text == (
        f"{note_no}: the bill 2026-10 of A001 (25.00) is replaced by a bill of 15.00; owed on "
        "it 0.00, balance now 85.00."
    )

    bills = read_db(
        fresh_database_url,
        select(Bill.total, Bill.status, Bill.replaces_id, Bill.id)
        .join(Account, Account.id == Bill.account_id)
        .where(Account.account_no == "A001")
        .order_by(Bill.id),
    )
    old, new = bills
    assert (old.total, old.status) == (D("25.00"), "void")
    assert (new.total, new.status, new.replaces_id) == (D("15.00"), "paid", old.id)
    [note] = read_db(
        fresh_database_url, select(CreditNote.note_no, CreditNote.total, CreditNote.paid_moved)
    )
    assert tuple(note) == (note_no, D("-25.00"), D("25.00"))
    # 100 − 25 + 25 − 15 = 85.00.
    [[balance]] = read_db(
        fresh_database_url, select(Account.balance).where(Account.account_no == "A001")
    )
    assert balance == D("85.00")
    # The list shows the void bill struck through beside its replacement, neither correctable
    # twice: the void one is off.
    qtbot.waitUntil(lambda: page.bills_table.row_count() == 3, timeout=WAIT_MS)
    struck = [page.bills_table.is_struck(r) for r in range(3)]
    assert struck.count(True) == 1
    void_row = struck.index(True)
    page.bills_table.selectRow(void_row)
    assert not page.corrections.rebill_button.isEnabled()
    assert not page.corrections.cancel_button.isEnabled()


def test_rebill_marks_changed_cells_and_lines_on_one_side_only(
    qtbot, world: World, fresh_database_url: str, tmp_path: Path
):
    """Water billed on an estimate, then read: the meters pair by meter number and the lines
    by (kind, component, note), whatever their order; an estimated line (估) the new bill
    does not have is marked on the old side, the new bill's extra line on the new side."""
    ensure_application("en")

    def bill(meters, lines, total) -> BillView:
        return BillView(
            1, "A009", "孙七", "东区 9 栋", "2026-10", D(total), "open",
            tuple(BillMeterView(*m) for m in meters), tuple(BillLineView(*x) for x in lines),
        )  # fmt: skip

    old = bill(
        [("E9", "electricity", D("10"), D("40"), D("30")),
         ("W9", "water", D("5"), D("17"), D("12"), True)],
        [("energy", "电费", D("30"), D("15.00")),
         ("water", "水费", D("12"), D("30.00"), "估"),
         ("water", "污水处理费", D("12"), D("11.40"), "估")],
        "56.40",
    )  # fmt: skip
    new = bill(
        [("W9", "water", D("5"), D("25"), D("20")),
         ("E9", "electricity", D("10"), D("40"), D("30"))],
        [("water", "污水处理费", D("12"), D("11.40"), "估"),
         ("energy", "电费", D("30"), D("15.00")),
         ("water", "水费", D("20"), D("50.00"))],
        "76.40",
    )  # fmt: skip
    # 76.40 − 56.40 = +20.00 more owed, nothing paid.
    preview = RebillPreview(
        "A009", "2026-10", old, new, D("20.00"), D("0"), D("76.40"), D("0"), False
    )
    with page_runner(fresh_database_url, tmp_path) as (runner, _preferences):
        dialog = RebillDialog(preview, runner, world.manager.actor, D("500"))
        qtbot.addWidget(dialog)
        dialog.show()
        was, now = dialog.old_box.contents, dialog.new_box.contents
        # W9: same meter, estimated 17 now read 25: current reading and usage; E9 alike.
        assert now.meters_table.text_at(0, 3) == "25"
        assert marked_cells(now.meters_table) == [{3, 4}, set()]
        assert marked_cells(was.meters_table) == [set(), set()]
        # 污水处理费（估） and 电费 unchanged; 水费 without a note is not 水费（估）: marked
        # whole on the new side, and 水费（估） whole on the old one.
        assert now.lines_table.text_at(2, 0) == "水费"
        assert marked_cells(now.lines_table) == [set(), set(), {0, 1, 2}]
        assert was.lines_table.text_at(1, 0) == "水费（估）"
        assert marked_cells(was.lines_table) == [set(), {0, 1, 2}, set()]
        # More owed: the difference in the alert red.
        assert dialog.difference_label.text() == "+20.00"
        assert f"color: {ALERT.name()}" in dialog.difference_label.styleSheet()
        # Sorting keeps the marks with their rows: by item (code points 水 < 污 < 电) 水费
        # comes first.
        now.lines_table.sortByColumn(0, Qt.SortOrder.AscendingOrder)
        assert [now.lines_table.text_at(r, 0) for r in range(3)] == [
            "水费",
            "污水处理费（估）",
            "电费",
        ]
        assert marked_cells(now.lines_table) == [{0, 1, 2}, set(), set()]
        dialog.close()


def test_cancel_a_bill_raised_in_error(qtbot, billing_page: BillingPage, fresh_database_url: str):
    page = billing_page
    click_row(qtbot, page.bills_table, 1)
    # A002's readings did not change: a rebill would give the same bill, so it cannot be
    # confirmed whatever the reason.
    with qtbot.waitSignal(page.corrections.dialog_opened, timeout=WAIT_MS) as opened:
        qtbot.mouseClick(page.corrections.rebill_button, LEFT)
    same: RebillDialog = opened.args[0]
    assert same.difference_label.text() == "0.00"
    type_chinese(same.reason_edit, "核对")
    assert same.hint.text() == (
        "The readings and tariffs in force give the same bill: nothing to rebill."
    )
    assert not same.confirm_button.isEnabled()
    qtbot.mouseClick(same.buttons.button(QDialogButtonBox.StandardButton.Cancel), LEFT)
    assert not same.isVisible()

    with qtbot.waitSignal(page.corrections.dialog_opened, timeout=WAIT_MS) as opened:
        qtbot.mouseClick(page.corrections.cancel_button, LEFT)
    dialog: CancelDialog = opened.args[0]
    assert isinstance(dialog, CancelDialog)
    assert dialog.box.total_label.text() == "15.00"
    assert dialog.box.contents.meters_table.text_at(0, 4) == "30"
    assert dialog.paid_label.text() == "0.00"
    assert not dialog.confirm_button.isEnabled()
    type_chinese(dialog.reason_edit, "该户 10 月已停用，误出账")
    with qtbot.waitSignal(page.corrections.done, timeout=WAIT_MS) as done:
        qtbot.mouseClick(dialog.confirm_button, LEFT)
    note_no = f"HZ{calendar.now().year}000001"
    assert done.args[0].credit_note_no == note_no
    text = answer_message_box(qtbot, QMessageBox.StandardButton.Ok)
    assert text == (
        f"{note_no}: the bill 2026-10 of A002 (15.00) is cancelled; 0.00 paid on it went to "
        "the balance, now 0.00."
    )
    [[status]] = read_db(fresh_database_url, select(Bill.status).where(Bill.account_no == "A002"))
    assert status == "void"
    [note] = read_db(fresh_database_url, select(CreditNote.kind, CreditNote.total))
    assert tuple(note) == ("cancel", D("-15.00"))


def test_an_adjustment_above_the_limit_needs_another_manager(
    qtbot, world: World, fresh_database_url: str, tmp_path: Path
):
    ensure_application("en")
    with page_runner(fresh_database_url, tmp_path) as (runner, preferences):
        page = AccountsPage(world.manager, runner, preferences=preferences)
        with qtbot.waitSignal(page.loaded, timeout=WAIT_MS):
            open_page(qtbot, page)
        with qtbot.waitSignal(page.account_opened, timeout=WAIT_MS):
            qtbot.keyClicks(page.search_edit, "A002")
            qtbot.keyClick(page.search_edit, Qt.Key.Key_Return)
        with qtbot.waitSignal(page.corrections.dialog_opened, timeout=WAIT_MS) as opened:
            qtbot.mouseClick(page.corrections.adjust_button, LEFT)
        dialog: AdjustDialog = opened.args[0]
        assert isinstance(dialog, AdjustDialog)
        assert dialog.hint.text() == "Choose charge or credit."
        qtbot.mouseClick(dialog.charge_radio, LEFT)
        qtbot.keyClicks(dialog.amount_edit, "600")
        type_chinese(dialog.reason_edit, "表封损坏赔偿")
        assert dialog.approval_note.text() == (
            "Above 500.00: another manager approves before it is done."
        )
        with qtbot.waitSignal(dialog.approval_opened, timeout=WAIT_MS) as asked:
            qtbot.mouseClick(dialog.confirm_button, LEFT)
        approval: ApprovalDialog = asked.args[0]
        assert approval.explanation.text().startswith("Adjustment: 600.00 yuan is above 500.00")

        # The manager who adjusts cannot approve their own adjustment, and a wrong password
        # counts towards the lockout like any sign-in.
        assert refused_approval(qtbot, approval, "zhao", MANAGER_PASSWORD) == (
            "金额 600 元超过 500 元，须另一名管理人员审批（审批人不能是经办人本人）"
        )
        assert refused_approval(qtbot, approval, "qian", "wrong-2026") == "用户名或密码错误"
        [[failed]] = read_db(
            fresh_database_url, select(Staff.failed_logins).where(Staff.login == "qian")
        )
        assert failed == 1
        assert read_db(fresh_database_url, select(Adjustment.id)) == []

        with qtbot.waitSignal(page.corrections.done, timeout=WAIT_MS) as done:
            approve(qtbot, approval, "qian", MANAGER_PASSWORD)
        assert not approval.isVisible() and not dialog.isVisible()
        note_no = f"TZ{calendar.now().year}000001"
        assert done.args[0].note_no == note_no
        text = answer_message_box(qtbot, QMessageBox.StandardButton.Ok)
        # Postpaid with no credit: the charge is owed on a bill of its own.
        assert (
            text == f"{note_no}: A002 charged 600.00. Owed on its bill: 600.00. Balance now 0.00."
        )
        [row] = read_db(
            fresh_database_url,
            select(
                Adjustment.amount, Adjustment.staff_id, Adjustment.approved_by_id, Adjustment.reason
            ),
        )
        assert tuple(row) == (
            D("600.00"),
            world.manager.staff_id,
            world.second.staff_id,
            "表封损坏赔偿",
        )
        [bill] = read_db(
            fresh_database_url,
            select(Bill.kind, Bill.total, Bill.status).where(Bill.kind == "adjustment"),
        )
        assert tuple(bill) == ("adjustment", D("600.00"), "open")


@pytest.fixture
def counter(qtbot, world: World, fresh_database_url: str, tmp_path: Path) -> Iterator[CounterPage]:
    """The clerk's counter with the day opened on a 200.00 float."""
    engine = create_engine(fresh_database_url)
    try:
        with unit_of_work(make_sessionmaker(engine)) as session:
            open_till(session, world.clerk.actor, D("200.00"))
    finally:
        engine.dispose()
    ensure_application("en")
    with page_runner(fresh_database_url, tmp_path) as (runner, preferences):
        page = CounterPage(world.clerk, runner, preferences=preferences)
        open_page(qtbot, page)
        qtbot.waitUntil(lambda: page.day is not None, timeout=WAIT_MS)
        yield page


def test_a_refund_at_the_counter_is_authorized_by_a_manager_and_paid_from_the_till(
    qtbot, counter: CounterPage, world: World, fresh_database_url: str, tmp_path: Path
):
    page = counter
    assert page.day is not None and page.day.report.expected_cash == D("200.00")
    with qtbot.waitSignal(page.account_opened, timeout=WAIT_MS):
        qtbot.keyClicks(page.search_panel.search_edit, "A003")
        qtbot.keyClick(page.search_panel.search_edit, Qt.Key.Key_Return)
    buttons = page.account_column.corrections
    assert buttons.refund_button.isEnabled()
    with qtbot.waitSignal(buttons.dialog_opened, timeout=WAIT_MS) as opened:
        qtbot.mouseClick(buttons.refund_button, LEFT)
    dialog: RefundDialog = opened.args[0]
    assert isinstance(dialog, RefundDialog)
    assert dialog.amount_edit.text() == "80.00"  # the whole credit
    assert dialog.channel() == "cash" and not dialog.reference_edit.isEnabled()
    dialog.amount_edit.clear()
    qtbot.keyClicks(dialog.amount_edit, "80.01")
    assert dialog.hint.text() == "80.01 is more than the refundable balance 80.00."
    assert not dialog.confirm_button.isEnabled()
    dialog.amount_edit.clear()
    qtbot.keyClicks(dialog.amount_edit, "80")
    type_chinese(dialog.reason_edit, "退房退余额")

    # The clerk is not a manager: a manager signs in to authorize; the clerk cannot.
    with qtbot.waitSignal(dialog.approval_opened, timeout=WAIT_MS) as asked:
        qtbot.mouseClick(dialog.confirm_button, LEFT)
    approval: ApprovalDialog = asked.args[0]
    assert approval.explanation.text().startswith("A refund of 80.00 yuan is decided by a manager")
    assert refused_approval(qtbot, approval, CLERK_LOGIN, PASSWORD) == "退款须由管理人员办理"
    with qtbot.waitSignal(buttons.document_ready, timeout=WAIT_MS) as ready:
        approve(qtbot, approval, "zhao", MANAGER_PASSWORD)
    refund_no = f"TKE01{calendar.now().year}000001"
    document = ready.args[0]
    assert document.windowTitle() == f"Refund form {refund_no}"
    pdf = PdfReader(document.save_document(tmp_path / "refund.pdf")).pages[0].extract_text()
    assert refund_no in pdf and "李六" in pdf and "80.00" in pdf
    document.close()

    [row] = read_db(
        fresh_database_url,
        select(Refund.refund_no, Refund.amount, Refund.channel, Refund.clerk, Refund.actor,
               Refund.reason, Refund.till_session_id.is_not(None)),
    )  # fmt: skip
    assert tuple(row) == (
        refund_no, D("80.00"), "cash", "zhangsan 张三", "zhao 赵经理", "退房退余额", True,
    )  # fmt: skip
    [[balance]] = read_db(
        fresh_database_url, select(Account.balance).where(Account.account_no == "A003")
    )
    assert balance == D("0.00")
    # 200.00 float − 80.00 paid out = 120.00 expected in the drawer; the refund button is off
    # now that there is no credit.
    qtbot.waitUntil(
        lambda: page.day is not None and page.day.report.expected_cash == D("120.00"),
        timeout=WAIT_MS,
    )
    qtbot.waitUntil(lambda: not buttons.refund_button.isEnabled(), timeout=WAIT_MS)


def test_a_manager_refunds_by_transfer_on_their_own_authority(
    qtbot, world: World, fresh_database_url: str, tmp_path: Path
):
    ensure_application("en")
    with page_runner(fresh_database_url, tmp_path) as (runner, preferences):
        page = AccountsPage(world.manager, runner, preferences=preferences)
        with qtbot.waitSignal(page.loaded, timeout=WAIT_MS):
            open_page(qtbot, page)
        with qtbot.waitSignal(page.account_opened, timeout=WAIT_MS):
            qtbot.keyClicks(page.search_edit, "A003")
            qtbot.keyClick(page.search_edit, Qt.Key.Key_Return)
        with qtbot.waitSignal(page.corrections.dialog_opened, timeout=WAIT_MS) as opened:
            qtbot.mouseClick(page.corrections.refund_button, LEFT)
        dialog: RefundDialog = opened.args[0]
        qtbot.keyClick(dialog.channel_combo, Qt.Key.Key_Down)  # 现金 → 转账
        assert dialog.channel() == "transfer"
        assert dialog.reference_edit.isEnabled() and dialog.bank_edit.isEnabled()
        dialog.amount_edit.clear()
        qtbot.keyClicks(dialog.amount_edit, "30")
        qtbot.keyClicks(dialog.reference_edit, "TR20261207001")
        type_chinese(dialog.bank_edit, "工商银行")
        type_chinese(dialog.reason_edit, "多缴退回")
        # 赵经理 is a manager and 30.00 is within the limit: no one else signs in.
        with qtbot.waitSignal(page.corrections.document_ready, timeout=WAIT_MS) as ready:
            qtbot.mouseClick(dialog.confirm_button, LEFT)
        assert dialog.approval is None
        ready.args[0].close()
        [row] = read_db(
            fresh_database_url,
            select(Refund.amount, Refund.channel, Refund.reference, Refund.bank, Refund.clerk,
                   Refund.actor, Refund.till_session_id),
        )  # fmt: skip
        assert tuple(row) == (
            D("30.00"), "transfer", "TR20261207001", "工商银行", "zhao 赵经理", "zhao 赵经理", None,
        )  # fmt: skip
        # 80.00 − 30.00 = 50.00, shown once the account reloads.
        qtbot.waitUntil(
            lambda: page.record is not None and page.record.account.balance == D("50.00"),
            timeout=WAIT_MS,
        )
