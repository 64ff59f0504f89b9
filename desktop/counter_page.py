"""The counter page (收费台): find the account, take the money, hand over the receipt.

Keyboard first, because a clerk at a queue works without the mouse:
F3 search (a barcode scanner types the meter number and Enter), F5/F6/F7 cash/cheque/
transfer, F9 take the payment (Enter in the tendered field too), F11 reprint and F12 void
the selected receipt of the day, F2 open the day, F10 close it, Esc back to the search.
Every call goes through the task runner, so the window never freezes on the database.

The page lays out its panels (counter_till_bar, counter_search, counter_account,
counter_payment, counter_receipts), owns the keys, and holds what they share: the account
on screen and the clerk's day.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import QFrame, QMessageBox, QSplitter, QVBoxLayout

from desktop.counter_account import AccountColumn
from desktop.counter_payment import CHANNEL_KEYS, PaymentBox
from desktop.counter_receipts import ReceiptsBox
from desktop.counter_search import SearchPanel
from desktop.counter_till_bar import TillBar
from desktop.document_dialog import DocumentDialog
from desktop.module_page import ModulePage
from desktop.preferences import RECEIPT_SIZE, RECEIPT_SIZES
from desktop.widgets import tell
from server.services.collection.counter_view import (
    AccountPanel,
    CounterDay,
    account_panel,
    counter_day,
)
from server.services.collection.payments import PaymentResult
from server.services.collection.vocabulary import CASH

# Search : account : payment across, and account and payment above today's receipts.
TOP_SHARES = (3, 5, 3)
HEIGHT_SHARES = (3, 2)


class CounterPage(ModulePage):
    """`account_opened(str)`, `payment_taken(PaymentResult)` and `day_changed(CounterDay)`
    fire once the screen shows the new state (tests and the shell listen to them)."""

    account_opened = Signal(str)
    payment_taken = Signal(object)
    day_changed = Signal(object)
    document_ready = Signal(object)
    void_dialog_opened = Signal(object)
    hand_over_opened = Signal(object)
    exported = Signal(str)

    def build(self) -> None:
        self.setObjectName("counterPage")
        size = str(self.preferences.value(RECEIPT_SIZE, "a5")) if self.preferences else "a5"
        self.receipt_size = size if size in RECEIPT_SIZES else "a5"
        self.panel: AccountPanel | None = None
        self.day: CounterDay | None = None
        self.last_document: DocumentDialog | None = None
        self.last_message: QMessageBox | None = None
        # Only the account asked for last is shown: a search that clears it beats a slower
        # opening.
        self._account_serial = 0

        self.till_bar = TillBar(self)
        self.search_panel = SearchPanel(self)
        self.account_column = AccountColumn(self)
        self.payment_box = PaymentBox(self)
        self.receipts_box = ReceiptsBox(self)
        self.payment_box.paid.connect(self._paid)
        self._layout()
        self._shortcuts()
        self.show_account(None)
        self.refresh_day()

    def _layout(self) -> None:
        top = QSplitter(Qt.Orientation.Horizontal)
        top.addWidget(self.search_panel)
        top.addWidget(self.account_column)
        top.addWidget(self.payment_box)
        # Laid out for a 1366×768 counter screen and up: widths and heights start in these
        # proportions, and a larger screen's extra room is shared the same way.
        for index, share in enumerate(TOP_SHARES):
            top.setStretchFactor(index, share)
        top.setSizes([share * 100 for share in TOP_SHARES])
        whole = QSplitter(Qt.Orientation.Vertical)
        whole.addWidget(top)
        whole.addWidget(self.receipts_box)
        for index, share in enumerate(HEIGHT_SHARES):
            whole.setStretchFactor(index, share)
        whole.setSizes([share * 100 for share in HEIGHT_SHARES])

        rule = QFrame()
        rule.setFrameShape(QFrame.Shape.HLine)
        layout = QVBoxLayout(self)
        layout.addWidget(self.till_bar)
        layout.addWidget(rule)
        layout.addWidget(whole, 1)

    def _shortcuts(self) -> None:
        keys = {
            "F2": self.till_bar.ask_open_till,
            "F3": self.focus_search,
            "Ctrl+F": self.focus_search,
            "F9": self.payment_box.pay,
            "F10": self.till_bar.ask_close_day,
            "F11": self.receipts_box.reprint_selected,
            "F12": self.receipts_box.ask_void_selected,
            "Esc": self.clear_account,
        }
        for channel, key in CHANNEL_KEYS.items():
            keys[key] = lambda channel=channel: self.payment_box.set_channel(channel)
        for key, slot in keys.items():
            shortcut = QShortcut(QKeySequence(key), self)
            shortcut.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
            shortcut.activated.connect(lambda slot=slot: slot())

    def set_receipt_size(self, size: str) -> None:
        """A5 sheets or the 241 × 93 mm continuous form, remembered for this PC."""
        self.receipt_size = size
        if self.preferences is not None:
            self.preferences.setValue(RECEIPT_SIZE, size)

    def show_message(self, icon: QMessageBox.Icon, title: str, text: str) -> None:
        self.last_message = tell(self, icon, title, text)

    # ---- the clerk's day --------------------------------------------------------------------

    def refresh_day(self) -> None:
        staff_id = self.identity.staff_id
        self.runner.run(lambda s: counter_day(s, staff_id), on_success=self.show_day, owner=self)

    def show_day(self, day: CounterDay) -> None:
        self.day = day
        self.till_bar.show_day(day)
        self.receipts_box.show_day(day)
        self.payment_box.update_pay_button()
        self.day_changed.emit(day)

    # ---- the account on screen --------------------------------------------------------------

    def focus_search(self) -> None:
        self.search_panel.focus_search()

    def open_account(self, account_no: str, *, focus_amount: bool = True) -> None:
        """Show the account; `focus_amount` False reloads it (after a payment) and leaves
        the focus where it is, on the search box for the next customer."""
        self._account_serial += 1
        serial = self._account_serial
        self.runner.run(
            lambda s: account_panel(s, account_no),
            on_success=lambda panel: self._opened(serial, panel, focus_amount),
            owner=self,
        )

    def _opened(self, serial: int, panel: AccountPanel, focus_amount: bool) -> None:
        if serial != self._account_serial:
            return
        self.show_account(panel)
        if focus_amount:
            self.payment_box.amount_edit.setFocus()
            self.payment_box.amount_edit.selectAll()
        self.account_opened.emit(panel.account_no)

    def clear_account(self) -> None:
        self.show_account(None)
        self.focus_search()

    def show_account(self, panel: AccountPanel | None) -> None:
        previous = self.panel
        self.panel = panel
        if panel is None:
            self._account_serial += 1  # an opening still on its way is not wanted now
        if panel is None or previous is None or previous.account_no != panel.account_no:
            # Each customer starts with cash: a cheque is the exception, never a leftover.
            self.payment_box.set_channel(CASH)
        self.account_column.show_account(panel)
        self.payment_box.show_account(panel)

    def _paid(self, result: PaymentResult) -> None:
        # The next thing the clerk types or scans is the next customer, not an amount.
        self.focus_search()
        if self.panel is not None:
            self.open_account(self.panel.account_no, focus_amount=False)
        self.refresh_day()
        self.payment_taken.emit(result)
        self.receipts_box.show_receipt(result.receipt_no)
