"""The tariffs page's forms about customer classes: a class's new late-fee policy, and a
new class (商户, 教职工…)."""

from __future__ import annotations

from decimal import Decimal

from PySide6.QtCore import QDate, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDateEdit,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QSpinBox,
    QWidget,
)

from desktop.widgets import ALERT, CheckedDialog, MoneyEdit, hint_label, ok_cancel
from server.services.billing.late_fees import rate_of
from server.services.billing.tariff_desk import ClassPolicy
from server.services.core.calendar import now as business_now
from server.services.core.errors import DomainError


class LateFeeDialog(QDialog):
    """A new late-fee policy for a class from a date (policies are append-only too)."""

    def __init__(
        self, policies: tuple[ClassPolicy, ...], class_name: str = "", parent=None
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle(self.tr("Late-fee policy"))
        self.policies = policies
        self.class_combo = QComboBox()
        for entry in policies:
            self.class_combo.addItem(entry.customer_class.name, entry.customer_class.name)
        self.enabled_box = QCheckBox(self.tr("Charge late fees"))
        self.grace_spin = QSpinBox()
        self.grace_spin.setRange(0, 366)
        self.rate_edit = QLineEdit()
        self.rate_edit.setPlaceholderText(self.tr("0.001 is 1‰ a day"))
        self.minimum_edit = MoneyEdit()
        self.cap_edit = MoneyEdit()
        self.cap_edit.setPlaceholderText(self.tr("Blank: no cap"))
        self.from_edit = QDateEdit()
        self.from_edit.setCalendarPopup(True)
        self.from_edit.setDisplayFormat("yyyy-MM-dd")
        today = business_now().date()
        self.from_edit.setDate(QDate(today.year, today.month, today.day))
        self.hint = QLabel()
        self.hint.setStyleSheet(f"color: {ALERT.name()};")
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel
        )
        self.save_button = self.buttons.button(QDialogButtonBox.StandardButton.Save)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        form = QFormLayout(self)
        form.addRow(self.tr("Customer class:"), self.class_combo)
        form.addRow(self.enabled_box)
        form.addRow(self.tr("Grace days:"), self.grace_spin)
        form.addRow(self.tr("Daily rate:"), self.rate_edit)
        form.addRow(self.tr("Minimum:"), self.minimum_edit)
        form.addRow(self.tr("Cap:"), self.cap_edit)
        form.addRow(self.tr("Effective from:"), self.from_edit)
        form.addRow(self.hint)
        form.addRow(self.buttons)
        self.class_combo.currentIndexChanged.connect(lambda _: self._fill())
        if class_name:
            self.class_combo.setCurrentIndex(max(0, self.class_combo.findData(class_name)))
        self._fill()
        for edit in (self.rate_edit, self.minimum_edit, self.cap_edit):
            edit.textChanged.connect(lambda _: self.check())
        self.enabled_box.toggled.connect(lambda _: self.check())
        self.check()

    def _fill(self) -> None:
        index = self.class_combo.currentIndex()
        policy = self.policies[index].policy if 0 <= index < len(self.policies) else None
        self.enabled_box.setChecked(bool(policy and policy.enabled))
        self.grace_spin.setValue(policy.grace_days if policy else 0)
        self.rate_edit.setText(f"{policy.daily_rate.normalize():f}" if policy else "0")
        self.minimum_edit.set_value(policy.minimum if policy else Decimal("0.00"))
        self.cap_edit.set_value(policy.cap if policy else None)

    def check(self) -> bool:
        problem = ""
        try:
            rate_of(self.rate_edit.text())
        except DomainError as error:
            problem = str(error)
        minimum, cap = self.minimum_edit.value(), self.cap_edit.value()
        if not problem and minimum is None:
            problem = self.tr("Minimum: enter an amount (0 for none)")
        if not problem and cap is not None and minimum is not None and cap < minimum:
            problem = self.tr("Cap: it is below the minimum")
        self.hint.setText(problem)
        self.save_button.setEnabled(not problem)
        return not problem


class ClassDialog(CheckedDialog):
    """A new customer class (商户, 教职工…): its code, name, how many WeChat users may bind
    one of its accounts, and the deposit charged at move-in. `submitted` carries the form
    when OK is pressed on a whole one; the page says `saved()` or `refused(message)`."""

    submitted = Signal(object)  # (code, name, max_bindings, deposit)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(self.tr("New customer class"))
        self.code_edit = QLineEdit()
        self.code_edit.setPlaceholderText(self.tr("Letters or digits, e.g. shop"))
        self.name_edit = QLineEdit()
        self.bindings_spin = QSpinBox()
        self.bindings_spin.setRange(1, 100)
        self.bindings_spin.setValue(2)
        self.deposit_edit = MoneyEdit()
        self.deposit_edit.set_value(Decimal(0))
        self.hint = hint_label()
        self.buttons = ok_cancel(self)
        form = QFormLayout(self)
        form.addRow(self.tr("Class code:"), self.code_edit)
        form.addRow(self.tr("Class name:"), self.name_edit)
        form.addRow(self.tr("WeChat users per account:"), self.bindings_spin)
        form.addRow(self.tr("Deposit at move-in:"), self.deposit_edit)
        form.addRow(self.hint)
        form.addRow(self.buttons)
        for edit in (self.code_edit, self.name_edit, self.deposit_edit):
            edit.textChanged.connect(lambda _: self.validate())
        self.validate()

    def problem(self) -> str:
        code = self.code_edit.text().strip()
        if not code or not code.isascii() or " " in code:
            return self.tr("Class code: letters, digits or symbols without spaces, e.g. shop")
        if not self.name_edit.text().strip():
            return self.tr("Class name: enter it, e.g. 商户")
        if self.deposit_edit.value() is None:
            return self.tr("Deposit at move-in: enter an amount (0 for none)")
        return ""

    def accept(self) -> None:
        if self.validate():
            self.buttons.setEnabled(False)  # until the server answers
            self.submitted.emit(
                (self.code_edit.text().strip(), self.name_edit.text().strip(),
                 self.bindings_spin.value(), self.deposit_edit.value())
            )  # fmt: skip

    def saved(self) -> None:
        QDialog.accept(self)

    def refused(self, message: str) -> None:
        self.hint.setText(message)
        self.buttons.setEnabled(True)
