"""The clerk's till at the counter: open the day (开班), hand cash over (交款), close (日结)."""

from __future__ import annotations

from decimal import Decimal

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
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
    """Cash taken out of the drawer to the head cashier during the day."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(self.tr("Hand cash over"))
        self.amount_edit = MoneyEdit()
        self.to_edit = QLineEdit()
        self.to_edit.setPlaceholderText(self.tr("Login name of the head cashier"))
        self.note_edit = QLineEdit()
        form = QFormLayout()
        form.addRow(self.tr("Amount:"), self.amount_edit)
        form.addRow(self.tr("Handed to:"), self.to_edit)
        form.addRow(self.tr("Note:"), self.note_edit)
        buttons = ok_cancel(self)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(buttons)


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
