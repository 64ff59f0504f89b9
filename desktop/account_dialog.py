"""The account form (开户 / 修改用户信息): validated as it is typed, a red hint naming the
first field that is wrong, OK enabled only when the form is whole. The service checks
everything again (duplicates, unknown class) and its refusal is shown by the page."""

from __future__ import annotations

import re
from collections.abc import Sequence

from PySide6.QtCore import Qt
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

from desktop.widgets import ALERT, ok_cancel
from server.db.models.accounts import POSTPAID, PREPAID
from server.services.accounts.accounts import ACCOUNT_FIELDS, AccountView

_ACCOUNT_NO = re.compile(r"^[0-9A-Za-z\-_]{1,32}$")
# As server.services.accounts.accounts.check_account_fields: digits, spaces and dashes.
_PHONE = re.compile(r"^(\+?[0-9][0-9 \-]{0,19})?$")


class AccountDialog(QDialog):
    """`values()` gives the fields keyed as ACCOUNT_FIELDS plus "account_no"."""

    def __init__(
        self,
        classes: Sequence[str],
        buildings: Sequence[tuple[str, str]],
        campuses: Sequence[str],
        account: AccountView | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("accountDialog")
        self.account = account
        self.setWindowTitle(
            self.tr("New account")
            if account is None
            else self.tr("Edit account {no}").format(no=account.account_no)
        )
        self._buildings = list(buildings)
        self.account_no_edit = QLineEdit()
        self.holder_edit = QLineEdit()
        self.class_combo = QComboBox()
        self.class_combo.addItems(list(classes))
        self.campus_combo = QComboBox()
        self.campus_combo.addItems(list(campuses))
        self.building_combo = QComboBox()
        self.building_combo.setEditable(True)  # a new building is created with the account
        self.unit_edit = QLineEdit()
        self.room_edit = QLineEdit()
        self.mobile_edit = QLineEdit()
        self.mode_combo = QComboBox()
        self.mode_combo.addItem(self.tr("Postpaid"), POSTPAID)
        self.mode_combo.addItem(self.tr("Prepaid"), PREPAID)
        self.hint = QLabel()
        self.hint.setObjectName("formHint")
        self.hint.setStyleSheet(f"color: {ALERT.name()};")
        self.buttons = ok_cancel(self)

        form = QFormLayout()
        form.setLabelAlignment(Qt.AlignmentFlag.AlignRight)
        form.addRow(self.tr("Account no.:"), self.account_no_edit)
        form.addRow(self.tr("Holder:"), self.holder_edit)
        form.addRow(self.tr("Class:"), self.class_combo)
        form.addRow(self.tr("Campus:"), self.campus_combo)
        form.addRow(self.tr("Building:"), self.building_combo)
        form.addRow(self.tr("Unit:"), self.unit_edit)
        form.addRow(self.tr("Room:"), self.room_edit)
        form.addRow(self.tr("Mobile:"), self.mobile_edit)
        form.addRow(self.tr("Billing:"), self.mode_combo)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.hint)
        layout.addWidget(self.buttons)

        self.campus_combo.currentTextChanged.connect(lambda _: self._fill_buildings())
        self._fill_buildings()
        if account is not None:
            self.account_no_edit.setText(account.account_no)
            self.account_no_edit.setReadOnly(True)  # bills and receipts quote it
            self.holder_edit.setText(account.holder_name)
            self._select(self.class_combo, account.customer_class)
            self._select(self.campus_combo, account.campus)
            self.building_combo.setCurrentText(account.building)
            self.unit_edit.setText(account.unit)
            self.room_edit.setText(account.room)
            self.mobile_edit.setText(account.mobile)
            self.mode_combo.setCurrentIndex(self.mode_combo.findData(account.billing_mode))
        for edit in (
            self.account_no_edit,
            self.holder_edit,
            self.unit_edit,
            self.room_edit,
            self.mobile_edit,
        ):
            edit.textChanged.connect(lambda _: self.validate())
        self.building_combo.currentTextChanged.connect(lambda _: self.validate())
        self.validate()

    @staticmethod
    def _select(combo: QComboBox, text: str) -> None:
        if combo.findText(text) < 0:
            combo.addItem(text)
        combo.setCurrentIndex(combo.findText(text))

    def _fill_buildings(self) -> None:
        current = self.building_combo.currentText()
        campus = self.campus_combo.currentText()
        self.building_combo.clear()
        self.building_combo.addItems([b for c, b in self._buildings if c == campus])
        self.building_combo.setCurrentText(current)

    def problem(self) -> str:
        """The first thing wrong with the form, naming the field; '' when it is whole."""
        if not _ACCOUNT_NO.match(self.account_no_edit.text().strip()):
            return self.tr("Account no.: 1–32 letters, digits or dashes")
        if not self.holder_edit.text().strip():
            return self.tr("Holder: required")
        if len(self.holder_edit.text().strip()) > 120:
            return self.tr("Holder: at most 120 characters")
        if not self.class_combo.currentText():
            return self.tr("Class: choose one")
        if not self.campus_combo.currentText():
            return self.tr("Campus: choose one")
        if len(self.building_combo.currentText().strip()) > 120:
            return self.tr("Building: at most 120 characters")
        if len(self.unit_edit.text().strip()) > 20:
            return self.tr("Unit: at most 20 characters")
        if len(self.room_edit.text().strip()) > 20:
            return self.tr("Room: at most 20 characters")
        if not _PHONE.match(self.mobile_edit.text().strip()):
            return self.tr("Mobile: digits, spaces and dashes only, at most 20")
        return ""

    def validate(self) -> bool:
        problem = self.problem()
        self.hint.setText(problem)
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setEnabled(not problem)
        return not problem

    def accept(self) -> None:
        if self.validate():
            super().accept()

    def values(self) -> dict[str, str]:
        values = {
            "account_no": self.account_no_edit.text().strip(),
            "holder_name": self.holder_edit.text().strip(),
            "customer_class": self.class_combo.currentText(),
            "campus": self.campus_combo.currentText(),
            "building": self.building_combo.currentText().strip(),
            "unit": self.unit_edit.text().strip(),
            "room": self.room_edit.text().strip(),
            "mobile": self.mobile_edit.text().strip(),
            "billing_mode": str(self.mode_combo.currentData()),
        }
        assert set(values) == {"account_no", *ACCOUNT_FIELDS}
        return values

    def changes(self) -> dict[str, str]:
        """The fields that differ from the account being edited (all of them for a new one)."""
        values = self.values()
        if self.account is None:
            return values
        before = self.account.fields()
        return {name: values[name] for name in ACCOUNT_FIELDS if before[name] != values[name]}
