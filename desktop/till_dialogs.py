"""The clerk's till at the counter: open the day (开班), hand cash over (交款), close (日结),
and void a receipt of the day (作废)."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from desktop.widgets import ALERT, MoneyEdit, ReadOnlyTable, money_text, ok_cancel
from reports.settlement import SettlementReport
from server.services.collection.till import HeadCashier
from server.services.collection.voids import VoidPreview


class OpenTillDialog(QDialog):
    """Asks for the float; left empty, the cash left at the last close is used."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(self.tr("Open the day"))
        self.float_edit = MoneyEdit()
        self.float_edit.setPlaceholderText(self.tr("Cash left at the last close"))
        form = QFormLayout()
        form.addRow(self.tr("Float:"), self.float_edit)
        buttons = ok_cancel(self)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(buttons)

    def float_amount(self) -> Decimal | None:
        return self.float_edit.value()


class HandOverDialog(QDialog):
    """Cash taken out of the drawer to a head cashier of the branch during the day.

    OK sends `submitted(amount, login, note)` and leaves the dialog open: the page closes it
    once the hand-over is recorded, or shows the refusal in it with what was typed kept.
    """

    submitted = Signal(object, str, str)

    def __init__(self, receivers: Sequence[HeadCashier], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("handOverDialog")
        self.setWindowTitle(self.tr("Hand cash over"))
        self.amount_edit = MoneyEdit()
        self.to_combo = QComboBox()
        for person in receivers:
            self.to_combo.addItem(f"{person.name}（{person.login}，{person.post}）", person.login)
        self.note_edit = QLineEdit()
        self.error_label = QLabel()
        self.error_label.setWordWrap(True)
        self.error_label.setStyleSheet(f"color: {ALERT.name()};")
        form = QFormLayout()
        form.addRow(self.tr("Amount:"), self.amount_edit)
        form.addRow(self.tr("Handed to:"), self.to_combo)
        form.addRow(self.tr("Note:"), self.note_edit)
        self.buttons = ok_cancel(self)
        self.ok_button = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        if not receivers:
            self.error_label.setText(
                self.tr("Nobody of this branch can receive cash: ask an administrator to "
                        "give the branch a head cashier")
            )  # fmt: skip
        self.ok_button.setEnabled(bool(receivers))
        layout.addWidget(self.error_label)
        layout.addWidget(self.buttons)
        self.amount_edit.setFocus()

    def accept(self) -> None:
        """OK: ask the page to record it; `done_handing_over` closes the dialog."""
        amount = self.amount_edit.value()
        if amount is None:
            self.show_error(self.tr("Enter the amount handed over"))
            return
        self.error_label.clear()
        self.ok_button.setEnabled(False)  # one hand-over per click
        self.submitted.emit(amount, str(self.to_combo.currentData()), self.note_edit.text())

    def done_handing_over(self) -> None:
        super().accept()

    def show_error(self, message: str) -> None:
        self.error_label.setText(message)
        self.ok_button.setEnabled(True)
        self.amount_edit.setFocus()


class VoidDialog(QDialog):
    """What is voided, shown before the reason is asked: the receipt, its amount, account
    and holder. No reason is filled in for the clerk; OK waits for one."""

    def __init__(
        self, receipt: VoidPreview, reasons: Sequence[str], parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setObjectName("voidDialog")
        self.setWindowTitle(self.tr("Void receipt"))
        self.setMinimumWidth(420)
        form = QFormLayout()
        form.setLabelAlignment(Qt.AlignmentFlag.AlignRight)
        self.values: dict[str, QLabel] = {}
        for key, caption, value in (
            ("receipt_no", self.tr("Receipt:"), receipt.receipt_no),
            ("amount", self.tr("Amount:"), money_text(receipt.amount)),
            ("account_no", self.tr("Account no.:"), receipt.account_no),
            ("holder", self.tr("Account holder:"), receipt.holder_name),
            ("channel", self.tr("Channel:"), receipt.channel),
        ):
            label = QLabel(value)
            self.values[key] = label
            form.addRow(caption, label)
        self.values["amount"].setObjectName("emphasis")
        self.reason_combo = QComboBox()
        self.reason_combo.setEditable(True)
        self.reason_combo.addItems(list(reasons))
        self.reason_combo.setCurrentIndex(-1)
        self.reason_combo.lineEdit().setPlaceholderText(self.tr("Choose or type the reason"))
        form.addRow(self.tr("Reason:"), self.reason_combo)
        self.buttons = ok_cancel(self)
        self.ok_button = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.ok_button.setText(self.tr("Void"))
        self.ok_button.setEnabled(False)
        self.reason_combo.currentTextChanged.connect(
            lambda text: self.ok_button.setEnabled(bool(text.strip()))
        )
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.buttons)
        self.reason_combo.setFocus()

    def reason(self) -> str:
        return self.reason_combo.currentText().strip()


class SettlementDialog(QDialog):
    """The day's figures as they stand; the clerk counts the drawer and closes the day.

    Over/short is shown as the count is typed; it never blocks the close.
    """

    def __init__(self, figures: SettlementReport, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("settlementDialog")
        self.setWindowTitle(
            self.tr("Close the day {date}").format(date=figures.business_date.isoformat())
        )
        self.figures = figures
        totals = ReadOnlyTable([self.tr("Channel"), self.tr("Count"), self.tr("Amount")])
        rows: list[list[object]] = [[t.label, t.count, t.amount] for t in figures.channels]
        rows.append([self.tr("Total"), figures.total_count, figures.total_amount])
        totals.fill(rows)
        self.totals_table = totals

        form = QFormLayout()
        form.setLabelAlignment(Qt.AlignmentFlag.AlignRight)
        for caption, amount in (
            (self.tr("Float:"), figures.float_amount),
            (self.tr("Cash taken:"), figures.cash_tendered),
            (self.tr("Change given:"), figures.change_given),
            (self.tr("Cash voided:"), figures.cash_voided),
            (self.tr("Cash refunded:"), figures.cash_refunded),
            (self.tr("Handed over:"), figures.handed_over),
        ):
            form.addRow(caption, QLabel(money_text(amount)))
        self.expected_label = QLabel(money_text(figures.expected_cash))
        self.expected_label.setObjectName("emphasis")
        form.addRow(self.tr("Expected cash:"), self.expected_label)
        self.counted_edit = MoneyEdit()
        self.counted_edit.textChanged.connect(self._show_difference)
        form.addRow(self.tr("Cash counted:"), self.counted_edit)
        self.difference_label = QLabel("")
        form.addRow(self.tr("Over / short:"), self.difference_label)
        self.note_edit = QLineEdit()
        self.note_edit.setPlaceholderText(self.tr("Why the drawer is over or short"))
        form.addRow(self.tr("Note:"), self.note_edit)
        if figures.voided:
            voided = ", ".join(f"{v.receipt_no} ({money_text(v.amount)})" for v in figures.voided)
            form.addRow(self.tr("Voided:"), QLabel(voided))
        if figures.refunds:
            refunds = ", ".join(
                f"{r.refund_no} {r.account_no} {r.channel} ({money_text(r.amount)})"
                for r in figures.refunds
            )
            form.addRow(self.tr("Refunds:"), QLabel(refunds))

        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setText(self.tr("Close the day"))
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(totals)
        layout.addLayout(form)
        layout.addWidget(self.buttons)
        self.counted_edit.setFocus()

    def difference(self) -> Decimal | None:
        counted = self.counted_edit.value()
        return None if counted is None else counted - self.figures.expected_cash

    def _show_difference(self) -> None:
        difference = self.difference()
        if difference is None:
            self.difference_label.setText("")
            return
        if difference > 0:
            text = self.tr("Over {amount}").format(amount=money_text(difference))
        elif difference < 0:
            text = self.tr("Short {amount}").format(amount=money_text(-difference))
        else:
            text = self.tr("Balanced")
        self.difference_label.setText(text)
        colour = ALERT.name() if difference else "#2e7d32"
        self.difference_label.setStyleSheet(f"color: {colour}; font-weight: 600;")
