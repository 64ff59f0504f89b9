"""The move-out wizard (退房结算) driven for real from the accounts page: the final reading
typed, the part-month final bill and the settlement shown before anything is written, the
move-out committed, the deposit's rest refunded by transfer, the refund form opened, the
account closed — each step through the real buttons."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from decimal import Decimal as D
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialogButtonBox, QWizard
from sqlalchemy import create_engine, text

from desktop.accounts_page import AccountsPage
from desktop.app import ensure_application
from desktop.move_out_wizard import MoveOutWizard
from server.db.engine import make_sessionmaker, unit_of_work
from server.services.billing.billing_run import run_billing
from server.services.collection.move_out import move_out
from server.services.collection.till import open_till
from server.services.core.calendar import Period
from server.services.staff.sign_in import StaffIdentity, staff_identity
from tests import factories as f
from tests.desktop_support import page_runner
from tests.netutil import Cable, through_cable

WAIT_MS = 15_000


@pytest.fixture
def world(fresh_database_url: str) -> StaffIdentity:
    """A001 billed up to 2026-11 (W1 at 130), deposit 300.00 held; A002 (no deposit) with
    W2 read 100 → 130 and its 2026-11 bill of 100.00 unpaid; manager 王 (wang) at branch D,
    who may refund, with the day's till open."""
    engine = create_engine(fresh_database_url)
    try:
        with unit_of_work(make_sessionmaker(engine)) as session:
            f.water_account_with_deposit(session)
            session.execute(text("update customer_class set deposit = 0"))
            f.meter(session, "W2", f.account(session, "A002", holder_name="李四"),
                    kind="water", digits=5)  # fmt: skip
            f.read(session, "W2", "2026-10-20", "100")
            f.read(session, "W2", "2026-11-20", "130")
            run_billing(session, f.ACTOR, Period(2026, 11))
            manager = f.staff(session, "wang", role="manager", branch_code="D")
            open_till(session, manager, D("0"))
            return staff_identity(session, "wang")
    finally:
        engine.dispose()


@pytest.fixture
def page(qtbot, world: StaffIdentity, fresh_database_url: str,
         tmp_path: Path) -> Iterator[AccountsPage]:  # fmt: skip
    ensure_application("en")
    with page_runner(fresh_database_url, tmp_path) as (runner, preferences):
        accounts = AccountsPage(world, runner, preferences=preferences)
        qtbot.addWidget(accounts)
        with qtbot.waitSignal(accounts.loaded, timeout=WAIT_MS):
            accounts.show()
        yield accounts


def click(qtbot, wizard: MoveOutWizard, which: QWizard.WizardButton) -> None:
    button = wizard.button(which)
    assert button.isVisible() and button.isEnabled()
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)


def test_move_out_refund_and_close_through_the_wizard(qtbot, page: AccountsPage,
                                                      fresh_database_url: str):  # fmt: skip
    assert page.record is not None and page.record.account.account_no == "A001"
    qtbot.mouseClick(page.move_out_button, Qt.MouseButton.LeftButton)
    wizard = page.move_out_wizard
    assert wizard is not None
    qtbot.waitUntil(lambda: wizard.form is not None, timeout=WAIT_MS)
    readings = wizard.readings_page
    assert list(readings.edits) == ["W1"]
    assert "2026-12-01" in readings.account_label.text()
    assert not wizard.button(QWizard.WizardButton.NextButton).isEnabled()  # no reading yet

    readings.day_edit.selectAll()
    qtbot.keyClicks(readings.day_edit, "2026-12-05")
    qtbot.keyClicks(readings.edits["W1"], "120")  # below the last 130: held, refused
    with qtbot.waitSignal(wizard.refused, timeout=WAIT_MS) as refused:
        click(qtbot, wizard, QWizard.WizardButton.NextButton)
    assert refused.args[0].startswith("户号 A001 表计 W1 的退房读数 120 待审核")
    assert readings.hint.text() == refused.args[0]

    readings.edits["W1"].selectAll()
    qtbot.keyClicks(readings.edits["W1"], "155")
    with qtbot.waitSignal(wizard.previewed, timeout=WAIT_MS):
        click(qtbot, wizard, QWizard.WizardButton.NextButton)
    # 1–5 December is 5/31 of a month: the 20 m³ tier ends at 20 × 5/31 = 3.2258 m³, so
    # 25 m³ cost 3.2258 × 3.00 + 21.7742 × 4.00 = 100 − 100/31 = 96.774 → 96.77.
    bill = wizard.bill_page
    assert wizard.currentPage() is bill
    assert bill.covers_label.text() == (
        "Period 2026-12, 2026-12-01 – 2026-12-05: 5 of 31 days of 2026-12, tiers prorated"
    )
    assert [bill.meters_table.text_at(0, c) for c in range(4)] == ["W1", "130", "155", "25"]
    assert [bill.lines_table.text_at(0, c) for c in range(4)] == [
        "水费", "25", "96.77", "按日折算 5/31 天",
    ]  # fmt: skip
    assert bill.total_label.text() == "Total 96.77"

    click(qtbot, wizard, QWizard.WizardButton.NextButton)
    settlement = wizard.settlement_page
    assert wizard.currentPage() is settlement
    assert settlement.bills_table.row_count() == 0  # the deposit paid the final bill
    assert settlement.outcome_label.text() == "Refundable: 203.23"
    # Nothing written yet: the preview was undone.
    assert query(fresh_database_url, "select count(*) from bill where kind = 'final'") == 0

    with qtbot.waitSignal(wizard.moved_out, timeout=WAIT_MS):
        click(qtbot, wizard, QWizard.WizardButton.CommitButton)
    pay = wizard.pay_page
    assert wizard.currentPage() is pay
    assert pay.act_button.text() == "Refund 203.23…"
    assert not pay.pay_form.isVisible()  # nothing to pay
    assert not wizard.button(QWizard.WizardButton.NextButton).isEnabled()
    qtbot.mouseClick(pay.act_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: wizard.refund_dialog is not None, timeout=WAIT_MS)
    dialog = wizard.refund_dialog
    qtbot.waitUntil(dialog.isVisible, timeout=WAIT_MS)
    assert (dialog.amount_edit.value(), dialog.reason_edit.text()) == (D("203.23"), "退房结算退款")
    qtbot.keyClick(dialog.channel_combo, Qt.Key.Key_Down)  # 现金 → 转账
    qtbot.keyClicks(dialog.reference_edit, "TR-20261205")
    qtbot.keyClicks(dialog.bank_edit, "ICBC")
    with qtbot.waitSignal(wizard.settled_now, timeout=WAIT_MS) as settled:
        qtbot.mouseClick(dialog.confirm_button, Qt.MouseButton.LeftButton)
    assert settled.args[0].settled
    assert pay.outcome_label.text() == "Settled: nothing owed, nothing to refund"
    assert wizard.refund_no.startswith("TKD")
    refunded = f"select amount, channel from refund where refund_no = '{wizard.refund_no}'"
    assert query_row(fresh_database_url, refunded) == (D("203.23"), "transfer")

    click(qtbot, wizard, QWizard.WizardButton.NextButton)
    printing = wizard.print_page
    assert printing.refund_button.isEnabled()
    with qtbot.waitSignal(wizard.document_ready, timeout=WAIT_MS) as ready:
        qtbot.mouseClick(printing.refund_button, Qt.MouseButton.LeftButton)
    document = ready.args[0]
    assert document.filename.endswith(".pdf") and document.page_labels
    qtbot.mouseClick(document.close_button, Qt.MouseButton.LeftButton)
    with qtbot.waitSignal(wizard.document_ready, timeout=WAIT_MS) as ready:
        qtbot.mouseClick(printing.bill_button, Qt.MouseButton.LeftButton)
    assert ready.args[0].page_labels
    qtbot.mouseClick(ready.args[0].close_button, Qt.MouseButton.LeftButton)

    click(qtbot, wizard, QWizard.WizardButton.NextButton)
    assert wizard.currentPage() is wizard.close_page
    with qtbot.waitSignal(wizard.closed, timeout=WAIT_MS):
        click(qtbot, wizard, QWizard.WizardButton.FinishButton)
    qtbot.waitUntil(lambda: not wizard.isVisible(), timeout=WAIT_MS)
    active = "select active, balance, deposit, moved_out_on::text from account"
    assert query_row(fresh_database_url, active + " where account_no = 'A001'") == (
        False, D("0.00"), D("0.00"), "2026-12-05",
    )  # fmt: skip
    qtbot.waitUntil(lambda: not page.move_out_button.isEnabled(), timeout=WAIT_MS)


def moved_out_owing(qtbot, page: AccountsPage) -> MoveOutWizard:
    """A002 moved out through the wizard on 2026-12-05 (W2 at 155), at its pay page."""
    page.search_edit.setText("A002")
    with qtbot.waitSignal(page.account_opened, timeout=WAIT_MS):
        qtbot.keyClick(page.search_edit, Qt.Key.Key_Return)
    qtbot.mouseClick(page.move_out_button, Qt.MouseButton.LeftButton)
    wizard = page.move_out_wizard
    assert wizard is not None and wizard.account_no == "A002"
    qtbot.waitUntil(lambda: wizard.form is not None, timeout=WAIT_MS)
    readings = wizard.readings_page
    readings.day_edit.selectAll()
    qtbot.keyClicks(readings.day_edit, "2026-12-05")
    qtbot.keyClicks(readings.edits["W2"], "155")
    with qtbot.waitSignal(wizard.previewed, timeout=WAIT_MS):
        click(qtbot, wizard, QWizard.WizardButton.NextButton)
    assert wizard.bill_page.total_label.text() == "Total 96.77"
    click(qtbot, wizard, QWizard.WizardButton.NextButton)
    bills = wizard.settlement_page.bills_table
    assert [[bills.text_at(r, c) for c in (0, 2)] for r in range(2)] == [
        ["2026-11", "100.00"], ["2026-12", "96.77"],
    ]  # fmt: skip
    assert wizard.settlement_page.outcome_label.text() == "To pay: 196.77"
    with qtbot.waitSignal(wizard.moved_out, timeout=WAIT_MS):
        click(qtbot, wizard, QWizard.WizardButton.CommitButton)
    return wizard


def test_what_is_owed_is_paid_at_once_and_the_account_closed(qtbot, page: AccountsPage,
                                                             fresh_database_url: str):  # fmt: skip
    """A002 owes its 2026-11 bill (100.00) and the final bill of 1–5 December (96.77): the
    wizard takes 196.77 in cash through the counter's payment service, then closes it."""
    wizard = moved_out_owing(qtbot, page)
    pay = wizard.pay_page
    assert pay.act_button.text() == "Take 196.77" and pay.pay_form.isVisible()
    assert pay.channel_combo.currentData() == "cash"
    with qtbot.waitSignal(wizard.settled_now, timeout=WAIT_MS):
        qtbot.mouseClick(pay.act_button, Qt.MouseButton.LeftButton)
    assert pay.done_label.text() == "Payment taken"
    paid = "select amount, channel from payment join account a on a.id = account_id"
    assert query_row(fresh_database_url, paid + " where a.account_no = 'A002'") == (
        D("196.77"), "cash",
    )  # fmt: skip
    click(qtbot, wizard, QWizard.WizardButton.NextButton)
    assert not wizard.print_page.refund_button.isEnabled()
    click(qtbot, wizard, QWizard.WizardButton.NextButton)
    with qtbot.waitSignal(wizard.closed, timeout=WAIT_MS):
        click(qtbot, wizard, QWizard.WizardButton.FinishButton)
    closed = "select active from account where account_no = 'A002'"
    assert query(fresh_database_url, closed) is False


def test_a_move_out_left_half_way_is_finished_from_what_is_refundable(
    qtbot, page: AccountsPage, fresh_database_url: str
):
    """A001 moved out on 2026-12-05 at the command line: the wizard opens at pay or refund
    with the 203.23 the deposit left, and goes on from there."""
    engine = create_engine(fresh_database_url)
    try:
        with unit_of_work(make_sessionmaker(engine)) as session:
            manager = staff_identity(session, "wang").actor
            move_out(session, manager, "A001", date(2026, 12, 5), {"W1": D("155")})
    finally:
        engine.dispose()
    qtbot.mouseClick(page.move_out_button, Qt.MouseButton.LeftButton)
    wizard = page.move_out_wizard
    assert wizard is not None
    qtbot.waitUntil(lambda: wizard.currentPage() is wizard.pay_page, timeout=WAIT_MS)
    assert wizard.pay_page.act_button.text() == "Refund 203.23…"
    assert not wizard.button(QWizard.WizardButton.BackButton).isEnabled()
    qtbot.mouseClick(wizard.button(QWizard.WizardButton.CancelButton), Qt.MouseButton.LeftButton)
    assert not wizard.isVisible()

    # The next holder moves in from the accounts page: the place is A001's and fixed.
    assert not page.move_in_button.isEnabled()  # the page read A001 before it moved out
    page.search_edit.setText("A001")
    with qtbot.waitSignal(page.account_opened, timeout=WAIT_MS):
        qtbot.keyClick(page.search_edit, Qt.Key.Key_Return)
    assert page.move_in_button.isEnabled()
    qtbot.mouseClick(page.move_in_button, Qt.MouseButton.LeftButton)
    dialog = page.dialog
    assert dialog is not None and dialog.windowTitle() == "Move in at 东校区 1号楼 2单元 301"
    assert (dialog.room_edit.text(), dialog.room_edit.isEnabled()) == ("301", False)
    qtbot.keyClicks(dialog.account_no_edit, "A009")
    qtbot.keyClicks(dialog.holder_edit, "Wang Wu")
    with qtbot.waitSignal(page.saved, timeout=WAIT_MS) as saved:
        qtbot.mouseClick(dialog.buttons.button(QDialogButtonBox.StandardButton.Ok),
                         Qt.MouseButton.LeftButton)  # fmt: skip
    assert saved.args[0] == "A009"
    owner = "select a.account_no from meter m join account a on a.id = m.account_id"
    assert query(fresh_database_url, owner + " where m.meter_no = 'W1'") == "A009"
    qtbot.waitUntil(lambda: page.record is not None and page.record.account.account_no == "A009",
                    timeout=WAIT_MS)  # fmt: skip
    assert page.record.account.room == "301" and page.record.account.moved_out_on is None


def query_row(url: str, sql: str) -> tuple:
    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            return tuple(connection.execute(text(sql)).one())
    finally:
        engine.dispose()


def query(url: str, sql: str) -> object:
    return query_row(url, sql)[0]


@pytest.fixture
def cabled(qtbot, world: StaffIdentity, fresh_database_url: str,
           tmp_path: Path) -> Iterator[tuple[AccountsPage, Cable]]:  # fmt: skip
    ensure_application("en")
    url, cable = through_cable(fresh_database_url)
    with page_runner(url, tmp_path) as (runner, preferences):
        accounts = AccountsPage(world, runner, preferences=preferences)
        qtbot.addWidget(accounts)
        with qtbot.waitSignal(accounts.loaded, timeout=WAIT_MS):
            accounts.show()
        yield accounts, cable


def test_the_settlement_payment_retried_after_a_lost_answer_is_taken_once(
    qtbot, cabled: tuple[AccountsPage, Cable], fresh_database_url: str
):
    """The payment's commit reaches the server but its answer is lost: pressing Take again
    sends the same request key, so the 196.77 is taken once."""
    page, cable = cabled
    wizard = moved_out_owing(qtbot, page)
    pay = wizard.pay_page
    # Only the payment's task on the line when its answer is lost.
    qtbot.waitUntil(lambda: not page.runner.busy, timeout=WAIT_MS)
    cable.lose_answer_to(b"COMMIT")
    with qtbot.waitSignal(wizard.refused, timeout=WAIT_MS):
        qtbot.mouseClick(pay.act_button, Qt.MouseButton.LeftButton)
    paid = "select count(*), sum(amount) from payment p join account a on a.id = p.account_id"
    owed = paid + " where a.account_no = 'A002'"
    assert query_row(fresh_database_url, owed) == (1, D("196.77"))  # committed all the same
    assert pay.act_button.text() == "Take 196.77"

    cable.plug()
    with qtbot.waitSignal(wizard.settled_now, timeout=WAIT_MS) as settled:
        qtbot.mouseClick(pay.act_button, Qt.MouseButton.LeftButton)
    assert settled.args[0].to_pay == 0 and pay.done_label.text() == "Payment taken"
    assert query_row(fresh_database_url, owed) == (1, D("196.77"))
