"""The counter page's payment: the amount (what is owed, suggested), the channel (F5 cash,
F6 cheque, F7 transfer) with its reference, bank or tendered cash and the change, and
taking it (F9, or Enter in the tendered field); an amount far above what is owed is asked
about first.

Exactly once: each payment goes with a request key (server.services.collection.payments).
A payment whose acknowledgement was lost with the connection stays pending, and pressing
Take payment again sends it with the same key, so it is taken once whether or not the first
attempt committed; a payment taken, another account, or the account cleared starts anew."""

from __future__ import annotations

import logging
import uuid
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QFormLayout,
    QGroupBox,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPushButton,
)

from desktop.tasks import TaskError
from desktop.widgets import ALERT, MoneyEdit, ask, money_text
from server.config import ConfigError, load_settings
from server.services.collection.counter_view import AccountPanel, AmountLimits
from server.services.collection.payments import PaymentRequest, take_payment
from server.services.collection.vocabulary import CASH, CHANNEL_LABELS, CHEQUE, TRANSFER
from server.services.core.errors import DomainError

if TYPE_CHECKING:
    from desktop.counter_page import CounterPage

log = logging.getLogger(__name__)

COUNTER_CHANNELS = (CASH, CHEQUE, TRANSFER)
CHANNEL_KEYS = {CASH: "F5", CHEQUE: "F6", TRANSFER: "F7"}


class PaymentBox(QGroupBox):
    """Take payment (收款) for the account the page shows; `paid(PaymentResult)` once the
    payment is recorded."""

    paid = Signal(object)

    def __init__(self, page: CounterPage) -> None:
        super().__init__(page)
        self.page = page
        # The attempt whose outcome the lost connection hid; its retry reuses its key.
        self.unsure: PaymentRequest | None = None
        self.setTitle(self.tr("Take payment"))
        self.amount_limits = self._amount_limits()
        self.owed_label = QLabel()
        self.owed_label.setObjectName("owedLabel")
        self.amount_edit = MoneyEdit()
        self.amount_edit.setObjectName("amountEdit")
        self.channel_combo = QComboBox()
        for channel in COUNTER_CHANNELS:
            self.channel_combo.addItem(
                f"{CHANNEL_LABELS[channel]} ({CHANNEL_KEYS[channel]})", channel
            )
        self.channel_combo.currentIndexChanged.connect(
            lambda _: self.set_channel(self.channel_combo.currentData())
        )
        self.reference_edit = QLineEdit()
        self.bank_edit = QLineEdit()
        self.tendered_edit = MoneyEdit()
        self.change_label = QLabel()
        self.change_label.setObjectName("changeLabel")
        self.pay_button = QPushButton(self.tr("Take payment (F9)"))
        self.pay_button.setObjectName("primaryButton")
        self.pay_button.clicked.connect(lambda: self.pay())
        self.amount_edit.textChanged.connect(lambda _: self._show_change())
        self.tendered_edit.textChanged.connect(lambda _: self._show_change())
        self.amount_edit.returnPressed.connect(self._after_amount)
        self.tendered_edit.returnPressed.connect(lambda: self.pay())
        self.reference_edit.returnPressed.connect(self.bank_edit.setFocus)

        form = QFormLayout(self)
        form.setLabelAlignment(Qt.AlignmentFlag.AlignRight)
        form.addRow(self.tr("Owed:"), self.owed_label)
        form.addRow(self.tr("Amount:"), self.amount_edit)
        form.addRow(self.tr("Channel:"), self.channel_combo)
        self.reference_caption = QLabel(self.tr("Reference:"))
        form.addRow(self.reference_caption, self.reference_edit)
        form.addRow(self.tr("Bank:"), self.bank_edit)
        form.addRow(self.tr("Tendered:"), self.tendered_edit)
        form.addRow(self.tr("Change:"), self.change_label)
        form.addRow(self.pay_button)

    def show_account(self, panel: AccountPanel | None) -> None:
        if panel is None or (self.unsure and self.unsure.account_no != panel.account_no):
            self.unsure = None
        if panel is None:
            self.owed_label.setText("")
            self.amount_edit.clear()
            self.update_pay_button()
            return
        self.owed_label.setText(money_text(panel.owed))
        self.amount_edit.set_value(panel.suggested_amount or None)
        self.reference_edit.clear()
        self.bank_edit.clear()
        self.tendered_edit.clear()
        self.update_pay_button()

    def _amount_limits(self) -> AmountLimits:
        try:
            return AmountLimits.from_settings(load_settings())
        except (ConfigError, DomainError) as error:
            # The desktop already started on these settings; a bad limit must not close
            # the counter, so it asks at the defaults and the log says why.
            log.warning("counter amount check at its defaults: %s", error)
            return AmountLimits()

    def set_channel(self, channel: str) -> None:
        index = self.channel_combo.findData(channel)
        if index != self.channel_combo.currentIndex():
            self.channel_combo.setCurrentIndex(index)  # comes back here through the signal
            return
        cash = channel == CASH
        self.tendered_edit.setEnabled(cash)
        self.reference_edit.setEnabled(not cash)
        self.bank_edit.setEnabled(channel == CHEQUE)
        self.reference_caption.setText(
            self.tr("Cheque no.:") if channel == CHEQUE else self.tr("Bank serial no.:")
        )
        if cash:
            self.reference_edit.clear()
            self.bank_edit.clear()
        else:
            self.tendered_edit.clear()
        self._show_change()

    def channel(self) -> str:
        return str(self.channel_combo.currentData())

    def _after_amount(self) -> None:
        (self.tendered_edit if self.channel() == CASH else self.reference_edit).setFocus()

    def _show_change(self) -> None:
        amount, tendered = self.amount_edit.value(), self.tendered_edit.value()
        if self.channel() != CASH or amount is None or tendered is None:
            self.change_label.setText("")
        elif tendered < amount:
            self.change_label.setText(self.tr("Tendered is less than the amount"))
            self.change_label.setStyleSheet(f"color: {ALERT.name()};")
        else:
            self.change_label.setText(money_text(tendered - amount))
            self.change_label.setStyleSheet("")
        self.update_pay_button()

    def update_pay_button(self) -> None:
        ready = (
            self.page.panel is not None
            and self.page.day is not None
            and self.page.day.can_take_money
            and bool(self.amount_edit.value())
        )
        self.pay_button.setEnabled(ready)

    def payment_request(self) -> PaymentRequest | None:
        if self.page.panel is None:
            return None
        amount = self.amount_edit.value()
        if not amount:
            return None
        channel = self.channel()
        return PaymentRequest(
            account_no=self.page.panel.account_no,
            amount=amount,
            channel=channel,
            branch_code=self.page.identity.branch_code,
            reference=self.reference_edit.text(),
            bank=self.bank_edit.text(),
            tendered=self.tendered_edit.value() if channel == CASH else None,
            request_key=self.unsure.request_key if self.unsure else uuid.uuid4(),
        )

    def pay(self) -> None:
        if not self.pay_button.isEnabled():
            return
        request = self.payment_request()
        if request is None or self.page.panel is None:
            return
        self.pay_button.setEnabled(False)  # a second F9 must not pay twice
        if not self.amount_limits.unusual(request.amount, self.page.panel.owed):
            self._take(request)
            return

        # Far more than is owed: most likely an account number scanned into the amount.
        def correct() -> None:
            self.update_pay_button()
            self.amount_edit.setFocus()
            self.amount_edit.selectAll()

        self.page.last_message = ask(
            self,
            self.tr("Check the amount"),
            self.tr("Take {amount} from {holder} ({account}), who owes {owed}?").format(
                amount=money_text(request.amount),
                holder=self.page.panel.holder_name,
                account=request.account_no,
                owed=money_text(self.page.panel.owed),
            ),
            (self.tr("Take it"), self.tr("Correct the amount")),
            on_yes=lambda: self._take(request),
            on_no=correct,
        )

    def _take(self, request: PaymentRequest) -> None:
        actor = self.page.identity.actor
        self.page.runner.run(
            lambda s: take_payment(s, actor, request),
            on_success=self._taken,
            on_failure=lambda error: self._payment_refused(request, error),
            owner=self,
        )

    def _taken(self, result: object) -> None:
        self.unsure = None
        self.paid.emit(result)

    def _payment_refused(self, request: PaymentRequest, error: TaskError) -> None:
        self.update_pay_button()
        if not error.connection:
            self.page.show_message(
                QMessageBox.Icon.Warning, self.tr("Payment not taken"), error.message
            )
            return
        self.unsure = request
        self.page.show_message(
            QMessageBox.Icon.Warning,
            self.tr("Payment not confirmed"),
            self.tr(
                "The connection to the database was lost before the payment was confirmed: "
                "it may have been taken or not. Press Take payment again once the "
                "connection is back; it is sent as the same payment and is never taken twice."
            ),
        )
