"""A new account opened on the desktop's accounts page is charged its class's deposit (押金)
on a bill of its own, as at a move-in."""

from __future__ import annotations

from decimal import Decimal as D

from PySide6.QtWidgets import QDialogButtonBox
from sqlalchemy import create_engine, select, update

from desktop.accounts_page import AccountsPage
from desktop.app import ensure_application
from server.db.engine import make_sessionmaker, unit_of_work
from server.db.models import Bill, BillLine, CustomerClass
from server.services.staff.sign_in import staff_identity
from tests import factories as f
from tests.desktop_support import CLERK_LOGIN, page_runner, read_db, seed_staff

WAIT_MS = 10_000


def test_a_new_account_of_a_class_with_a_deposit_owes_it(qtbot, fresh_database_url, tmp_path):
    seed_staff(fresh_database_url)
    engine = create_engine(fresh_database_url)
    with unit_of_work(make_sessionmaker(engine)) as session:
        f.account(session, "A001")  # the campus and a first account to list
        session.execute(
            update(CustomerClass).where(CustomerClass.name == "居民").values(deposit=D("300.00"))
        )
        identity = staff_identity(session, CLERK_LOGIN)
    engine.dispose()
    ensure_application("en")
    with page_runner(fresh_database_url, tmp_path) as (runner, preferences):
        page = AccountsPage(identity, runner, preferences=preferences)
        qtbot.addWidget(page)
        with qtbot.waitSignal(page.loaded, timeout=WAIT_MS):
            page.show()
        page.new_button.click()
        dialog = page.dialog
        assert dialog is not None
        qtbot.keyClicks(dialog.account_no_edit, "A009")
        dialog.holder_edit.setText("韩梅梅")
        dialog.place_picker.building_combo.setCurrentText("5号楼")
        dialog.room_edit.setText("101")
        assert dialog.class_combo.currentText() == "居民"
        with qtbot.waitSignal(page.saved, timeout=WAIT_MS) as saved:
            dialog.buttons.button(QDialogButtonBox.StandardButton.Ok).click()
        assert saved.args == ["A009"]
    bills = read_db(
        fresh_database_url,
        select(Bill.kind, Bill.total, Bill.status, BillLine.component, BillLine.amount)
        .join(BillLine, BillLine.bill_id == Bill.id)
        .where(Bill.account_no == "A009"),
    )
    assert bills == [("deposit", D("300.00"), "open", "押金", D("300.00"))]
