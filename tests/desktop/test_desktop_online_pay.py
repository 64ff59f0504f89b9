"""在线支付 at the desk, driven for real: an online payment found by its trade number and
exchanged for a receipt of this branch, once; a payment kept aside credited to the account."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QPushButton

from desktop.app import ensure_application
from desktop.online_pay_page import OnlinePayPage
from desktop.tasks import TaskRunner
from server.db.engine import unit_of_work
from server.services.core import calendar
from server.services.online_pay import callbacks, orders
from server.services.staff.org import add_staff_with_role
from server.services.staff.sign_in import staff_identity
from tests import factories as f
from tests.online_pay.test_online_pay_receipts import paid_online

if TYPE_CHECKING:
    from tests.online_pay_fixtures import DemoWorld, LiveWorld, PayWorld

pytest_plugins = ["tests.online_pay_fixtures"]
WAIT_MS = 15_000


def open_page(qtbot, world: LiveWorld) -> Iterator[OnlinePayPage]:
    """The page as branch E's manager 赵经理 sees it."""
    ensure_application("zh_CN")
    with unit_of_work(world.sessions) as session:
        add_staff_with_role(
            session, f.ACTOR, login="zhao", name="赵经理", password="Manager-2026",
            role="manager", branch_code="E",
        )  # fmt: skip
        manager = staff_identity(session, "zhao")
    runner = TaskRunner(world.sessions)
    page = OnlinePayPage(manager, runner)
    qtbot.addWidget(page)
    yield page
    runner.shutdown()


@pytest.fixture
def desk(qtbot, pay_world: PayWorld):
    yield from open_page(qtbot, pay_world)


@pytest.fixture
def demo_desk(qtbot, demo_world: DemoWorld):
    yield from open_page(qtbot, demo_world)


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


def test_a_demo_payment_is_exchanged_for_a_receipt(qtbot, demo_world, demo_desk):
    """演示支付 from the phone (its signed callback settled), then the clerk's clicks."""
    order = demo_world.order()
    with unit_of_work(demo_world.sessions) as session:
        ref = orders.ref_of_order_no(session, order.order_no)
    answer, _ = callbacks.handle_notify(
        demo_world.sessions, demo_world.sandbox, *demo_world.sandbox.notify(ref)
    )
    assert answer.status == 200
    qtbot.keyClicks(demo_desk.find_edit, order.order_no)
    with qtbot.waitSignal(demo_desk.payments_shown, timeout=WAIT_MS):
        qtbot.keyClick(demo_desk.find_edit, Qt.Key.Key_Return)
    table = demo_desk.payments_table
    assert table.row_count() == 1
    assert [table.text_at(0, column) for column in (1, 3, 4, 6, 7)] == [
        "A001", "65.00", "演示支付", order.order_no, "",
    ]  # fmt: skip
    cell = table.visualRect(table.model().index(0, 1)).center()
    qtbot.mouseClick(table.viewport(), Qt.MouseButton.LeftButton, pos=cell)
    issue = next(b for b in demo_desk.findChildren(QPushButton) if b.text() == "开具收据 (F9)")
    with qtbot.waitSignal(demo_desk.receipt_ready, timeout=WAIT_MS) as ready:
        qtbot.mouseClick(issue, Qt.MouseButton.LeftButton)
    receipt_no = f"E{calendar.now().year}000001"
    assert ready.args[0].filename == f"收据-{receipt_no}.pdf"
    ready.args[0].close()
    qtbot.waitUntil(lambda: table.text_at(0, 7) == receipt_no, timeout=WAIT_MS)
