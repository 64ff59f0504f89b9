"""The counter page's account: who the account is, its open bills (a late fee waived here,
by a manager) and its payments of the last 12 months."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QInputDialog,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from desktop.correction_actions import AccountCorrections
from desktop.widgets import ALERT, ReadOnlyTable, money_text
from server.services.collection.allocation import waive_late_fee
from server.services.collection.counter_view import AccountPanel

if TYPE_CHECKING:
    from desktop.counter_page import CounterPage


class AccountColumn(QWidget):
    """The account's particulars, open bills and payment history."""

    def __init__(self, page: CounterPage) -> None:
        super().__init__(page)
        self.page = page
        self.account_labels: dict[str, QLabel] = {}
        self.account_box = QGroupBox(self.tr("Account"))
        grid = QGridLayout(self.account_box)
        fields = [
            ("account_no", self.tr("Account no.:")), ("holder", self.tr("Holder:")),
            ("address", self.tr("Address:")), ("class", self.tr("Class:")),
            ("mode", self.tr("Billing:")), ("balance", self.tr("Balance:")),
            ("meters", self.tr("Meters:")), ("mobile", self.tr("Mobile:")),
        ]  # fmt: skip
        for index, (key, caption) in enumerate(fields):
            value = QLabel()
            value.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            self.account_labels[key] = value
            row, column = divmod(index, 2)
            grid.addWidget(QLabel(caption), row, column * 2, Qt.AlignmentFlag.AlignRight)
            grid.addWidget(value, row, column * 2 + 1)
        grid.setColumnStretch(1, 1)
        grid.setColumnStretch(3, 1)
        self.bills_table = ReadOnlyTable(
            [self.tr("Period"), self.tr("Items"), self.tr("Usage"), self.tr("Amount"),
             self.tr("Paid"), self.tr("Late fee"), self.tr("Owed"), self.tr("Due")]
        )  # fmt: skip
        self.waive_button = QPushButton(self.tr("Waive late fee…"))
        self.waive_button.setToolTip(self.tr("Managers only; the reason is kept"))
        self.waive_button.clicked.connect(lambda: self.ask_waive_selected())
        self.bills_table.selectionModel().selectionChanged.connect(
            lambda *_: self._update_waive_button()
        )
        # A refund is paid from the clerk's till: the account and the day's cash reload.
        self.corrections = AccountCorrections(page, lambda: page.panel, self._reload)
        self.history_table = ReadOnlyTable(
            [self.tr("Time"), self.tr("Receipt"), self.tr("Amount"), self.tr("Channel"),
             self.tr("Branch")]
        )  # fmt: skip

        account_column = QVBoxLayout(self)
        account_column.addWidget(self.account_box)
        account_column.addWidget(QLabel(self.tr("Open bills")))
        account_column.addWidget(self.bills_table, 2)
        waive_row = QHBoxLayout()
        waive_row.addStretch(1)
        waive_row.addWidget(self.corrections.refund_button)
        waive_row.addWidget(self.waive_button)
        account_column.addLayout(waive_row)
        account_column.addWidget(QLabel(self.tr("Payments in the last 12 months")))
        account_column.addWidget(self.history_table, 1)

    def show_account(self, panel: AccountPanel | None) -> None:
        labels = self.account_labels
        self.corrections.update_buttons()
        if panel is None:
            for label in labels.values():
                label.setText("")
            self.bills_table.fill([])
            self._update_waive_button()
            self.history_table.fill([])
            return
        labels["account_no"].setText(panel.account_no)
        labels["holder"].setText(panel.holder_name)
        labels["address"].setText(panel.address)
        labels["class"].setText(panel.customer_class)
        labels["mode"].setText(panel.billing_mode_label)
        labels["balance"].setText(money_text(panel.balance))
        labels["balance"].setStyleSheet(f"color: {ALERT.name()};" if panel.balance < 0 else "")
        labels["meters"].setText("，".join(panel.meters))
        labels["mobile"].setText(panel.mobile)
        self.bills_table.fill(
            [
                [b.period, b.description, b.usage, b.total, b.paid,
                 b.late_fee if b.late_fee else "", b.owed, b.due_date]
                for b in panel.bills
            ],
            keys=[b.period for b in panel.bills],
        )  # fmt: skip
        self._update_waive_button()
        self.history_table.fill(
            [
                [p.issued_at, p.receipt_no, p.amount, p.channel, p.branch_name]
                for p in panel.payments
            ],
            struck=[p.voided for p in panel.payments],
        )

    def _reload(self) -> None:
        if self.page.panel is not None:
            self.page.open_account(self.page.panel.account_no, focus_amount=False)
        self.page.refresh_day()

    def _selected_fee_bill(self) -> str | None:
        """The period of the selected bill if it owes a late fee."""
        period = self.bills_table.selected_key()
        if self.page.panel is None or period is None:
            return None
        bill = next((b for b in self.page.panel.bills if b.period == period), None)
        return period if bill is not None and bill.late_fee > 0 else None  # type: ignore[return-value]

    def _update_waive_button(self) -> None:
        self.waive_button.setEnabled(self._selected_fee_bill() is not None)

    def ask_waive_selected(self) -> None:
        period = self._selected_fee_bill()
        if period is None or self.page.panel is None:
            return
        reason, ok = QInputDialog.getText(
            self,
            self.tr("Waive the late fee of {period}").format(period=period),
            self.tr("Reason:"),
        )
        if ok and reason.strip():
            self.waive(period, reason)

    def waive(self, period: str, reason: str) -> None:
        """Waive a bill's late fee (refused by the service unless a manager asks)."""
        if self.page.panel is None:
            return
        actor, account_no = self.page.identity.actor, self.page.panel.account_no
        self.page.runner.run(
            lambda s: waive_late_fee(s, actor, account_no, period, reason),
            on_success=lambda _: self.page.open_account(account_no),
            owner=self,
        )
