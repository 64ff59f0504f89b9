"""A counter payment whose acknowledgement is lost with the connection (the primary died
right after the commit): the clerk presses Take payment again and the payment is taken once,
with one receipt, because the retry carries the same request key. Driven for real
(pytest-qt) against PostgreSQL through a TCP hop that swallows the commit's answer."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal as D
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox
from sqlalchemy import select

from desktop.app import ensure_application
from desktop.counter_page import CounterPage
from server.db.models import Payment, Receipt
from server.services.core import calendar
from server.services.staff.sign_in import StaffIdentity
from tests.desktop.test_desktop_counter import world  # noqa: F401  (the fixture)
from tests.desktop_support import answer_message_box, page_runner, read_db
from tests.netutil import Cable, through_cable

WAIT_MS = 10_000
NOT_CONFIRMED = (
    "收款确认前与数据库的连接中断：这笔收款可能已入账，也可能没有。连接恢复后再按“收款”即可；"
    "它作为同一笔收款发送，绝不会重复收取。"
)


@pytest.fixture
def counter(
    qtbot,
    world: StaffIdentity,  # noqa: F811
    fresh_database_url: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> Iterator[tuple[CounterPage, Cable]]:
    monkeypatch.setenv("MD_HOME", str(tmp_path / "md_home"))
    ensure_application("zh_CN")
    url, cable = through_cable(fresh_database_url)
    with page_runner(url, tmp_path) as (runner, preferences):
        page = CounterPage(world, runner, preferences=preferences)
        qtbot.addWidget(page)
        with qtbot.waitActive(page):  # F-keys reach an active window only
            page.show()
            page.activateWindow()
        qtbot.waitUntil(lambda: page.day is not None, timeout=WAIT_MS)
        with qtbot.waitSignal(page.day_changed, timeout=WAIT_MS):
            page.till_bar.open_till(D("200.00"))
        yield page, cable


def open_account(qtbot, page: CounterPage, account_no: str) -> None:
    page.focus_search()
    with qtbot.waitSignal(page.account_opened, timeout=WAIT_MS):
        qtbot.keyClicks(page.search_panel.search_edit, account_no)
        qtbot.keyClick(page.search_panel.search_edit, Qt.Key.Key_Return)


def payments(url: str) -> list[tuple[str, D, str]]:
    """(receipt no., amount, request key) of every payment, in order."""
    return [
        (no, amount, str(key))
        for no, amount, key in read_db(
            url,
            select(Receipt.receipt_no, Payment.amount, Payment.request_key)
            .join(Receipt, Receipt.payment_id == Payment.id)
            .order_by(Payment.id),
        )
    ]


def test_a_retry_after_the_acknowledgement_was_lost_takes_the_payment_once(
    qtbot, counter: tuple[CounterPage, Cable], fresh_database_url: str
):
    page, cable = counter
    box = page.payment_box
    year = calendar.now().year
    open_account(qtbot, page, "A001")
    assert box.amount_edit.text() == "65.00"
    qtbot.keyClicks(box.tendered_edit, "100")

    # The commit reaches the server; its answer never comes back.
    cable.lose_answer_to(b"COMMIT")
    qtbot.mouseClick(box.pay_button, Qt.MouseButton.LeftButton)
    assert answer_message_box(qtbot, QMessageBox.StandardButton.Ok) == NOT_CONFIRMED
    [(receipt_no, amount, key)] = payments(fresh_database_url)
    assert (receipt_no, amount) == (f"E01{year}000001", D("65.00"))  # it did commit

    # The network is back; the clerk presses the same button for the same payment.
    cable.plug()
    assert box.pay_button.isEnabled()
    with qtbot.waitSignal(page.payment_taken, timeout=WAIT_MS) as taken:
        qtbot.mouseClick(box.pay_button, Qt.MouseButton.LeftButton)
    result = taken.args[0]
    assert result.receipt_no == f"E01{year}000001"
    assert result.allocations == (("2026-09", D("40.00")), ("2026-10", D("25.00")))
    assert result.change == D("35.00")
    assert payments(fresh_database_url) == [(f"E01{year}000001", D("65.00"), key)]

    # The next payment is a new one, with a key of its own.
    open_account(qtbot, page, "A002")
    qtbot.keyClicks(box.amount_edit, "10")
    with qtbot.waitSignal(page.payment_taken, timeout=WAIT_MS) as taken:
        qtbot.mouseClick(box.pay_button, Qt.MouseButton.LeftButton)
    assert taken.args[0].receipt_no == f"E01{year}000002"
    [first, second] = payments(fresh_database_url)
    assert first == (f"E01{year}000001", D("65.00"), key)
    assert second[:2] == (f"E01{year}000002", D("10.00")) and second[2] != key
