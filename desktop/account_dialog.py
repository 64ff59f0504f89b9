"""The account form (开户 / 修改用户信息): validated as it is typed, a red hint naming the
first field that is wrong, OK enabled only when the form is whole. The service checks
everything again (duplicates, unknown class) and its refusal is shown by the page."""

from __future__ import annotations

import re
from collections.abc import Sequence

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QComboBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from desktop.place_picker import PlaceLike, PlacePicker
from desktop.widgets import ALERT, CheckedDialog, ok_cancel
from server.services.accounts.accounts import ACCOUNT_FIELDS, AccountView, field_problem
from server.services.accounts.vocabulary import POSTPAID, PREPAID

# Stricter than the service, which checks only 1–32 characters: numbers given at the desk
# are letters, digits and dashes.
_ACCOUNT_NO = re.compile(r"^[0-9A-Za-z\-_]{1,32}$")


class AccountDialog(CheckedDialog):
    """`values()` gives the fields keyed as ACCOUNT_FIELDS plus "account_no"."""

    def __init__(
        self,
        classes: Sequence[str],
        buildings: Sequence[PlaceLike],
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
        self.account_no_edit = QLineEdit()
        self.holder_edit = QLineEdit()
        self.class_combo = QComboBox()
        self.class_combo.addItems(list(classes))
        # Editable: a new building is created with the account.
        self.place_picker = PlacePicker(self, editable=True)
        self.place_picker.set_places(buildings, campuses)
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
        form.addRow(self.tr("Campus:"), self.place_picker.campus_combo)
        form.addRow(self.tr("Building:"), self.place_picker.building_combo)
        form.addRow(self.tr("Unit:"), self.unit_edit)
        form.addRow(self.tr("Room:"), self.room_edit)
        form.addRow(self.tr("Mobile:"), self.mobile_edit)
        form.addRow(self.tr("Billing:"), self.mode_combo)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.hint)
        layout.addWidget(self.buttons)

        if account is not None:
            self.account_no_edit.setText(account.account_no)
            self.account_no_edit.setReadOnly(True)  # bills and receipts quote it
            self.holder_edit.setText(account.holder_name)
            self._select(self.class_combo, account.customer_class)
            self.place_picker.select(account.campus, account.building)
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
        self.place_picker.changed.connect(self.validate)
        self.validate()

    @staticmethod
    def _select(combo: QComboBox, text: str) -> None:
        if combo.findText(text) < 0:
            combo.addItem(text)
        combo.setCurrentIndex(combo.findText(text))

    def problem(self) -> str:
        """The first thing wrong with the form, naming the field; '' when it is whole. The
        account rules (accounts.field_problem) judge the fields; the words are the form's."""
        if not _ACCOUNT_NO.match(self.account_no_edit.text().strip()):
            return self.tr("Account no.: 1–32 letters, digits or dashes")
        values = self.values()
        mobile = self.tr("Mobile: digits, spaces and dashes only, at most 20")
        words: dict[str, dict[str, str]] = {
            "holder_name": {
                "required": self.tr("Holder: required"),
                "too_long": self.tr("Holder: at most 120 characters"),
            },
            "customer_class": {"required": self.tr("Class: choose one")},
            "campus": {"required": self.tr("Campus: choose one")},
            "building": {"too_long": self.tr("Building: at most 120 characters")},
            "unit": {"too_long": self.tr("Unit: at most 20 characters")},
            "room": {"too_long": self.tr("Room: at most 20 characters")},
            "mobile": {"too_long": mobile, "format": mobile},
        }
        for name, said in words.items():
            # A class and a campus are chosen from lists: the form only asks for one.
            chosen = name in ("customer_class", "campus") and not values[name]
            problem = "required" if chosen else field_problem(name, values[name])
            if problem:
                return said[problem]
        return ""

    def values(self) -> dict[str, str]:
        values = {
            "account_no": self.account_no_edit.text().strip(),
            "holder_name": self.holder_edit.text().strip(),
            "customer_class": self.class_combo.currentText(),
            "campus": self.place_picker.campus(),
            "building": self.place_picker.building(),
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
