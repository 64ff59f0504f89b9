"""在线支付 at the desk, driven for real: an online payment found by its trade number and
exchanged for a receipt of this branch, once; a payment kept aside credited to the account."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QPushButton

from desktop.app import ensure_application
from desktop.online_pay_page import OnlinePayPage
from desktop.tasks import TaskRunner
from server.db.engine import unit_of_work
from server.services import calendar
from server.services.auth import staff_identity
from server.services.org import add_staff_with_role
from tests import factories as f
from tests.test_online_pay_receipts import paid_online

if TYPE_CHECKING:
    from tests.online_pay_fixtures import PayWorld

pytest_plugins = ["tests.online_pay_fixtures"]
WAIT_MS = 15_000


@pytest.fixture
def desk(qtbot, pay_world: PayWorld):
    ensure_application("zh_CN")
    with unit_of_work(pay_world.sessions) as session:
        add_staff_with_role(
            session, f.ACTOR, login="zhao", name="赵经理", password="Manager-2026",
            role="manager", branch_code="E",
        )  # fmt: skip
        manager = staff_identity(session, "zhao")
    runner = TaskRunner(pay_world.sessions)
    page = OnlinePayPage(manager, runner)
    qtbot.addWidget(page)
    yield page
    runner.shutdown()


def test_an_online_payment_is_exchanged_for_a_receipt_once(qtbot, pay_world, desk):
    order_no, trade_no = paid_online(pay_world)
    desk.find_edit.setText(trade_no)
    with qtbot.waitSignal(desk.payments_shown, timeout=WAIT_MS):
        desk.find()
    assert desk.payments_table.row_count() == 1
    assert desk.payments_table.text_at(0, 3) == "65.00"
    assert desk.payments_table.text_at(0, 6) == order_no
    assert desk.payments_table.text_at(0, 7) == ""  # no receipt yet
    desk.payments_table.selectRow(0)
    with qtbot.waitSignal(desk.receipt_ready, timeout=WAIT_MS) as ready:
        desk.issue_selected()
    assert ready.args[0].filename == f"收据-E{calendar.now().year}000001.pdf"
    qtbot.waitUntil(lambda: desk.payments_table.text_at(0, 7) != "", timeout=WAIT_MS)
    # A second exchange is refused, naming the receipt already issued.
    desk.payments_table.selectRow(0)
    with qtbot.waitSignal(desk.refused, timeout=WAIT_MS) as refused:
        desk.issue_selected()
    assert f"E{calendar.now().year}000001" in refused.args[0]


def test_f5_and_the_refresh_button_bring_in_payments_made_since(qtbot, pay_world, desk):
    with qtbot.waitSignal(desk.payments_shown, timeout=WAIT_MS):
        desk.show()
    assert desk.payments_table.row_count() == 0
    order_no, _ = paid_online(pay_world)
    desk.payments_table.setFocus()
    qtbot.waitUntil(desk.payments_table.hasFocus, timeout=WAIT_MS)
    with qtbot.waitSignals([desk.payments_shown, desk.exceptions_shown], timeout=WAIT_MS):
        qtbot.keyClick(desk.payments_table, Qt.Key.Key_F5)
    assert desk.payments_table.row_count() == 1
    assert desk.payments_table.text_at(0, 6) == order_no
    desk.tabs.setCurrentIndex(1)
    button = next(b for b in desk.findChildren(QPushButton, "refreshButton") if b.isVisible())
    assert button.text() == "刷新 (F5)"
    with qtbot.waitSignals([desk.payments_shown, desk.exceptions_shown], timeout=WAIT_MS):
        qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
    assert desk.tabs.tabText(1) == "待处理支付 (0)"
