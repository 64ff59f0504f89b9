"""The move-out wizard's pages (desktop.move_out_wizard): final readings, the final bill,
the settlement (the commit page), pay or refund, print, close."""

from __future__ import annotations

import calendar as month_days
import uuid
from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING

from PySide6.QtCore import QRegularExpression
from PySide6.QtGui import QRegularExpressionValidator
from PySide6.QtWidgets import (
    QComboBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
    QWizard,
    QWizardPage,
)

from desktop.meter_dialogs import quantity_cell
from desktop.replace_wizard import reading_edit, reading_of
from desktop.widgets import ReadOnlyTable, hint_label, money_text
from server.services.collection.move_out import MoveOutForm, MoveOutResult, Settlement
from server.services.collection.payments import PaymentRequest
from server.services.collection.vocabulary import CASH, CHANNEL_LABELS, CHEQUE, TRANSFER

if TYPE_CHECKING:
    from desktop.move_out_wizard import MoveOutWizard

_DAY = QRegularExpression(r"^\d{0,4}(-\d{0,2}(-\d{0,2})?)?$")


def day_of(text: str) -> date | None:
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        return None


class ReadingsPage(QWizardPage):
    def __init__(self, wizard: MoveOutWizard) -> None:
        super().__init__()
        self.owner = wizard
        self.setTitle(self.tr("Final readings"))
        self.account_label = QLabel()
        self.account_label.setWordWrap(True)
        self.day_edit = QLineEdit(wizard.today.isoformat())
        self.day_edit.setValidator(QRegularExpressionValidator(_DAY, self.day_edit))
        self.day_edit.textChanged.connect(lambda _: self.completeChanged.emit())
        self.form = QFormLayout()
        self.form.addRow(self.tr("Move-out day:"), self.day_edit)
        self.edits: dict[str, QLineEdit] = {}
        self.hint = hint_label()
        layout = QVBoxLayout(self)
        layout.addWidget(self.account_label)
        layout.addLayout(self.form)
        layout.addWidget(self.hint)

    def show_form(self, form: MoveOutForm) -> None:
        self.account_label.setText(
            self.tr("Account {no} {holder} · billed up to {last} · the final bill starts on"
                    " {start}").format(
                no=form.account_no, holder=form.holder_name, last=form.last_period or "—",
                start=form.covers_from.isoformat(),
            )
        )  # fmt: skip
        for meter in form.meters:
            edit = reading_edit()
            edit.setObjectName(f"final_{meter.meter_no}")
            edit.textChanged.connect(lambda _: self.completeChanged.emit())
            last = (
                self.tr("last {value} on {day}").format(
                    value=quantity_cell(meter.last_value),
                    day=meter.last_read_at.date().isoformat(),
                )
                if meter.last_value is not None and meter.last_read_at is not None
                else self.tr("no reading yet")
            )
            label = f"{meter.meter_no} {meter.kind_label} ({last}):"
            self.form.addRow(label, edit)
            self.edits[meter.meter_no] = edit
        if form.moved_out_on is not None:
            self.hint.setText(
                self.tr("Account {no} moved out on {day}").format(
                    no=form.account_no, day=form.moved_out_on.isoformat()
                )
            )
        self.completeChanged.emit()

    def readings(self) -> dict[str, Decimal]:
        values = {no: reading_of(edit.text()) for no, edit in self.edits.items()}
        return {no: value for no, value in values.items() if value is not None}

    def problem(self) -> str:
        form = self.owner.form
        if form is None:
            return ""
        if form.moved_out_on is not None:
            return self.hint.text()
        day = day_of(self.day_edit.text())
        if day is None:
            return self.tr("Move-out day: YYYY-MM-DD")
        if day < form.covers_from or day > self.owner.today:
            return self.tr("Move-out day: from {first} to {last}").format(
                first=form.covers_from.isoformat(), last=self.owner.today.isoformat()
            )
        missing = [no for no in self.edits if no not in self.readings()]
        if missing:
            return self.tr("Final reading of {meters}: required").format(meters=", ".join(missing))
        return ""

    def isComplete(self) -> bool:
        problem = self.problem()
        self.hint.setText(problem)
        return self.owner.form is not None and not problem

    def request(self) -> tuple[date, dict[str, Decimal]]:
        day = day_of(self.day_edit.text())
        assert day is not None
        return day, self.readings()

    def validatePage(self) -> bool:
        """Next shows the final bill once the service has priced it (and undone it)."""
        wanted = self.request()
        if self.owner.preview is not None and self.owner.preview_of == wanted:
            return True
        self.owner.ask_preview(wanted)
        return False


class BillPage(QWizardPage):
    def __init__(self, wizard: MoveOutWizard) -> None:
        super().__init__()
        self.owner = wizard
        self.setTitle(self.tr("Final bill"))
        self.covers_label = QLabel()
        self.meters_table = ReadOnlyTable(
            [self.tr("Meter"), self.tr("Previous"), self.tr("Final"), self.tr("Usage")]
        )
        self.lines_table = ReadOnlyTable(
            [self.tr("Item"), self.tr("Usage"), self.tr("Amount"), self.tr("Note")]
        )
        self.total_label = QLabel()
        self.total_label.setObjectName("accountTitle")
        layout = QVBoxLayout(self)
        for widget in (self.covers_label, self.meters_table, self.lines_table, self.total_label):
            layout.addWidget(widget)

    def covers_note(self, result: MoveOutResult) -> str:
        """The days the final bill covers; a part month says its share of the month."""
        first, last = result.covers_from, result.covers_to
        days = month_days.monthrange(last.year, last.month)[1]
        if first.day == 1 and last.day == days:
            return self.tr("{first} – {last}, whole months").format(first=first, last=last)
        part = last.day - (
            first.day - 1 if (first.year, first.month) == (last.year, last.month) else 0
        )
        return self.tr("{first} – {last}: {part} of {days} days of {month}, tiers prorated").format(
            first=first, last=last, part=part, days=days, month=f"{last.year}-{last.month:02d}"
        )

    def initializePage(self) -> None:
        result = self.owner.preview
        assert result is not None
        self.covers_label.setText(
            self.tr("Period {period}, {covers}").format(
                period=result.period, covers=self.covers_note(result)
            )
        )
        self.meters_table.fill(
            [[m.meter_no, quantity_cell(m.prev), quantity_cell(m.curr), quantity_cell(m.usage)]
             for m in result.meters]
        )  # fmt: skip
        self.lines_table.fill(
            [[x.component, quantity_cell(x.usage), x.amount, x.note] for x in result.lines]
        )
        self.total_label.setText(self.tr("Total {total}").format(total=money_text(result.total)))


class SettlementPage(QWizardPage):
    """Commits the move-out (Move out): the final bill is issued and the deposit released."""

    def __init__(self, wizard: MoveOutWizard) -> None:
        super().__init__()
        self.owner = wizard
        self.setTitle(self.tr("Settlement"))
        self.setCommitPage(True)
        self.setButtonText(QWizard.WizardButton.CommitButton, self.tr("Move out"))
        self.bills_table = ReadOnlyTable(
            [self.tr("Period"), self.tr("Bill"), self.tr("Open"), self.tr("Late fee")]
        )
        self.summary = QLabel()
        self.summary.setWordWrap(True)
        self.outcome_label = QLabel()
        self.outcome_label.setObjectName("accountTitle")
        self.hint = hint_label()
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel(self.tr("Open bills after the final bill and the deposit:")))
        for widget in (self.bills_table, self.summary, self.outcome_label, self.hint):
            layout.addWidget(widget)

    def initializePage(self) -> None:
        result = self.owner.preview
        assert result is not None
        s = result.settlement
        self.bills_table.fill([[b.period, b.description, b.open, b.late_fee] for b in s.open_bills])
        self.summary.setText(
            self.tr("Final bill {total} · deposit held {deposit}, released to the balance ·"
                    " balance afterwards {balance} · owed {owed}").format(
                total=money_text(result.total), deposit=money_text(result.deposit_released),
                balance=money_text(s.balance), owed=money_text(s.owed),
            )
        )  # fmt: skip
        self.outcome_label.setText(self.owner.outcome_text(s))
        self.hint.setText("")

    def validatePage(self) -> bool:
        if self.owner.result is not None:
            return True
        self.owner.commit()
        return False


class PayPage(QWizardPage):
    """Pay what is owed at once (the counter's payment service), or refund what is left (the
    accounts page's refund dialog: its reason, a manager's authorization, the approval
    limit)."""

    def __init__(self, wizard: MoveOutWizard) -> None:
        super().__init__()
        self.owner = wizard
        self.setTitle(self.tr("Pay or refund"))
        self.outcome_label = QLabel()
        self.outcome_label.setObjectName("accountTitle")
        self.channel_combo = QComboBox()
        for channel in (CASH, CHEQUE, TRANSFER):
            self.channel_combo.addItem(CHANNEL_LABELS[channel], channel)
        self.reference_edit = QLineEdit()
        self.bank_edit = QLineEdit()
        self.act_button = QPushButton()
        self.act_button.setObjectName("primaryButton")
        self.act_button.clicked.connect(lambda: self.owner.settle())
        self.done_label = QLabel()
        self.hint = hint_label()
        self.pay_form = QWidget()
        form = QFormLayout(self.pay_form)
        form.addRow(self.tr("Pay by:"), self.channel_combo)
        form.addRow(self.tr("Serial or cheque no.:"), self.reference_edit)
        form.addRow(self.tr("Bank:"), self.bank_edit)
        layout = QVBoxLayout(self)
        layout.addWidget(self.outcome_label)
        layout.addWidget(self.pay_form)
        layout.addWidget(self.act_button)
        layout.addWidget(self.done_label)
        layout.addWidget(self.hint)

    def payment(
        self, account_no: str, amount: Decimal, branch_code: str, request_key: uuid.UUID
    ) -> PaymentRequest:
        return PaymentRequest(
            account_no, amount, str(self.channel_combo.currentData()), branch_code,
            self.reference_edit.text().strip(), self.bank_edit.text().strip(),
            request_key=request_key,
        )  # fmt: skip

    def initializePage(self) -> None:
        self.show_settlement(self.owner.settled)

    def show_settlement(self, s: Settlement | None) -> None:
        if s is None:
            return
        self.outcome_label.setText(self.owner.outcome_text(s))
        self.pay_form.setVisible(bool(s.to_pay))
        if s.to_pay:
            self.act_button.setText(self.tr("Take {amount}").format(amount=money_text(s.to_pay)))
        else:
            self.act_button.setText(
                self.tr("Refund {amount}…").format(amount=money_text(s.refundable))
            )
        self.act_button.setEnabled(bool(s.to_pay or s.refundable))
        self.completeChanged.emit()

    def isComplete(self) -> bool:
        s = self.owner.settled
        return s is not None and not s.to_pay and not s.refundable


class PrintPage(QWizardPage):
    def __init__(self, wizard: MoveOutWizard) -> None:
        super().__init__()
        self.owner = wizard
        self.setTitle(self.tr("Print"))
        self.bill_button = QPushButton(self.tr("Final bill notice…"))
        self.bill_button.clicked.connect(lambda: self.owner.show_document("bill"))
        self.refund_button = QPushButton(self.tr("Refund form…"))
        self.refund_button.clicked.connect(lambda: self.owner.show_document("refund"))
        layout = QVBoxLayout(self)
        layout.addWidget(self.bill_button)
        layout.addWidget(self.refund_button)
        layout.addStretch(1)

    def initializePage(self) -> None:
        self.refund_button.setEnabled(bool(self.owner.refund_no))


class ClosePage(QWizardPage):
    def __init__(self, wizard: MoveOutWizard) -> None:
        super().__init__()
        self.owner = wizard
        self.setTitle(self.tr("Close the account"))
        self.summary = QLabel()
        self.summary.setWordWrap(True)
        self.reason_edit = QLineEdit("退房销户")
        self.hint = hint_label()
        form = QFormLayout()
        form.addRow(self.tr("Reason:"), self.reason_edit)
        layout = QVBoxLayout(self)
        layout.addWidget(self.summary)
        layout.addLayout(form)
        layout.addWidget(self.hint)

    def initializePage(self) -> None:
        self.summary.setText(
            self.tr("Everything is settled: Finish closes account {no}; it then takes no"
                    " payment and no bill.").format(no=self.owner.account_no)
        )  # fmt: skip
