"""Forms of the meters page: register a meter, and one-line edits (hardware number,
location), each checked as it is typed with a red hint naming the field."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from decimal import Decimal, InvalidOperation

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QComboBox,
    QFormLayout,
    QLineEdit,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from desktop.place_picker import PlaceLike, PlacePicker
from desktop.widgets import CheckedDialog, hint_label, ok_cancel
from server.services.metering.meter_registry import NewMeter

METER_NO = re.compile(r"^[0-9A-Za-z\-_]{1,32}$")
HARDWARE_NO = re.compile(r"^[0-9A-Za-z\-_]{0,32}$")
# Electricity meters are mostly 6 digits, water meters 5; the form starts from these.
DEFAULT_DIGITS = {"electricity": 6, "water": 5}


def quantity_cell(value: Decimal | None) -> int | float | None:
    """A reading, usage or multiplier for a table cell: shown as people write it (1300,
    150.5) and sorted as a number. Readings have at most 15 significant digits, which a
    float carries exactly enough to print back the same."""
    if value is None:
        return None
    return int(value) if value == value.to_integral_value() else float(value)


def positive_decimal(text: str) -> Decimal | None:
    try:
        value = Decimal(text.strip())
    except InvalidOperation:
        return None
    return value if value.is_finite() and value > 0 else None


class LineDialog(CheckedDialog):
    """One field: `check(text)` gives '' when acceptable, else the hint to show."""

    def __init__(
        self,
        title: str,
        caption: str,
        text: str,
        check: Callable[[str], str],
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle(title)
        self._check = check
        self.edit = QLineEdit(text)
        self.hint = hint_label()
        self.buttons = ok_cancel(self)
        form = QFormLayout()
        form.addRow(caption, self.edit)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.hint)
        layout.addWidget(self.buttons)
        self.edit.textChanged.connect(lambda _: self.validate())
        self.validate()

    def problem(self) -> str:
        return self._check(self.edit.text().strip())

    def value(self) -> str:
        return self.edit.text().strip()


class MeterDialog(CheckedDialog):
    """Register a meter: on an account (billed there) and/or in a building."""

    def __init__(
        self,
        kinds: Sequence[tuple[str, str]],
        campuses: Sequence[str],
        buildings: Sequence[PlaceLike],
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle(self.tr("Register a meter"))
        self.meter_no_edit = QLineEdit()
        self.kind_combo = QComboBox()
        for kind, label in kinds:
            self.kind_combo.addItem(label, kind)
        self.digits_spin = QSpinBox()
        self.digits_spin.setRange(1, 12)
        self.multiplier_edit = QLineEdit("1")
        self.model_edit = QLineEdit()
        self.hardware_edit = QLineEdit()
        self.account_edit = QLineEdit()
        self.account_edit.setPlaceholderText(self.tr("The account it is billed to"))
        self.place_picker = PlacePicker(self, all_campuses="", all_buildings="")
        self.place_picker.set_places(buildings, campuses)
        self.location_edit = QLineEdit()
        self.location_edit.setPlaceholderText(self.tr("e.g. pipe shaft, 3rd floor"))
        self.hint = hint_label()
        self.buttons = ok_cancel(self)

        form = QFormLayout()
        form.setLabelAlignment(Qt.AlignmentFlag.AlignRight)
        form.addRow(self.tr("Meter no.:"), self.meter_no_edit)
        form.addRow(self.tr("Kind:"), self.kind_combo)
        form.addRow(self.tr("Digits:"), self.digits_spin)
        form.addRow(self.tr("Multiplier:"), self.multiplier_edit)
        form.addRow(self.tr("Model:"), self.model_edit)
        form.addRow(self.tr("Hardware no.:"), self.hardware_edit)
        form.addRow(self.tr("Account no.:"), self.account_edit)
        form.addRow(self.tr("Campus:"), self.place_picker.campus_combo)
        form.addRow(self.tr("Building:"), self.place_picker.building_combo)
        form.addRow(self.tr("Location:"), self.location_edit)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.hint)
        layout.addWidget(self.buttons)

        self.kind_combo.currentIndexChanged.connect(lambda _: self._default_digits())
        for edit in (
            self.meter_no_edit,
            self.multiplier_edit,
            self.hardware_edit,
            self.account_edit,
            self.location_edit,
        ):
            edit.textChanged.connect(lambda _: self.validate())
        self.place_picker.changed.connect(self.validate)
        self._default_digits()
        self.validate()

    def _default_digits(self) -> None:
        self.digits_spin.setValue(DEFAULT_DIGITS.get(str(self.kind_combo.currentData()), 6))

    def problem(self) -> str:
        if not METER_NO.match(self.meter_no_edit.text().strip()):
            return self.tr("Meter no.: 1–32 letters, digits or dashes")
        if positive_decimal(self.multiplier_edit.text()) is None:
            return self.tr("Multiplier: a number greater than 0")
        if not HARDWARE_NO.match(self.hardware_edit.text().strip()):
            return self.tr("Hardware no.: up to 32 letters, digits or dashes")
        if not self.account_edit.text().strip() and not self.place_picker.building():
            return self.tr("Account no. or building: give at least one")
        if len(self.location_edit.text().strip()) > 200:
            return self.tr("Location: at most 200 characters")
        return ""

    def new_meter(self) -> NewMeter:
        return NewMeter(
            meter_no=self.meter_no_edit.text().strip(),
            kind=str(self.kind_combo.currentData()),
            digits=self.digits_spin.value(),
            multiplier=self.multiplier_edit.text().strip(),
            model=self.model_edit.text().strip(),
            hardware_no=self.hardware_edit.text().strip(),
            location=self.location_edit.text().strip(),
            account_no=self.account_edit.text().strip(),
            campus=self.place_picker.campus(),
            building=self.place_picker.building(),
        )
