"""The move-out wizard (退房结算) driven for real from the accounts page: the final reading
typed, the part-month final bill and the settlement shown before anything is written, the
move-out committed, the deposit's rest refunded by transfer, the refund form opened, the
account closed — each step through the real buttons."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal as D
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QWizard
from sqlalchemy import create_engine, text

from desktop.accounts_page import AccountsPage
from desktop.app import ensure_application
from desktop.move_out_wizard import MoveOutWizard
from server.db.engine import make_sessionmaker, unit_of_work
from server.services.staff.sign_in import StaffIdentity, staff_identity
from tests import factories as f
from tests.desktop_support import page_runner

WAIT_MS = 15_000


@pytest.fixture
def world(fresh_database_url: str) -> StaffIdentity:
    """A001 billed up to 2026-11 (W1 at 130), deposit 300.00 held; manager 王 (wang) at
    branch D, who may refund."""
    engine = create_engine(fresh_database_url)
    try:
        with unit_of_work(make_sessionmaker(engine)) as session:
            f.water_account_with_deposit(session)
            f.staff(session, "wang", role="manager", branch_code="D")
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
    assert pay.act_button.text() == "Refund 203.23"
    assert not wizard.button(QWizard.WizardButton.NextButton).isEnabled()
    qtbot.keyClick(pay.channel_combo, Qt.Key.Key_Down)  # 现金 → 网银转账
    assert pay.channel() == "transfer"
    qtbot.keyClicks(pay.reference_edit, "TR-20261205")
    qtbot.keyClicks(pay.bank_edit, "ICBC")
    with qtbot.waitSignal(wizard.settled_now, timeout=WAIT_MS) as settled:
        qtbot.mouseClick(pay.act_button, Qt.MouseButton.LeftButton)
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


def query_row(url: str, sql: str) -> tuple:
    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            return tuple(connection.execute(text(sql)).one())
    finally:
        engine.dispose()


def query(url: str, sql: str) -> object:
    return query_row(url, sql)[0]
