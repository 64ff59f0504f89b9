"""The replacement wizard (换表向导): old meter → its final reading → the new meter → its
initial reading → confirm. Each page lets the manager on only when its figures make sense
(a final reading below the last one is what a wrong figure looks like); the service
records everything in one transaction when Finish is pressed, or nothing."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal, InvalidOperation

from PySide6.QtCore import QDateTime, QRegularExpression, Qt, QTimer, Signal
from PySide6.QtGui import QRegularExpressionValidator
from PySide6.QtWidgets import (
    QComboBox,
    QDateTimeEdit,
    QFormLayout,
    QLabel,
    QLineEdit,
    QSpinBox,
    QVBoxLayout,
    QWidget,
    QWizard,
    QWizardPage,
)
from sqlalchemy.orm import Session

from desktop.meter_dialogs import DEFAULT_DIGITS, HARDWARE_NO, METER_NO
from desktop.meter_dialogs import positive_decimal as _positive
from desktop.tasks import TaskError, TaskRunner
from desktop.widgets import hint_label
from server.services.core.audit import Actor
from server.services.core.calendar import BUSINESS_TZ
from server.services.metering.meter_picker import KIND_LABELS
from server.services.metering.meter_registry import MeterRow, meter_row
from server.services.metering.readings import MeterSpec, ReplacementResult, replace_meter
from server.services.metering.usage_rules import quantity_text

# A reading: up to 12 digits and 3 decimals, as the readings table keeps them.
_READING = QRegularExpression(r"^\d{0,12}(\.\d{0,3})?$")
LOOKUP_DELAY_MS = 300


def reading_of(text: str) -> Decimal | None:
    try:
        return Decimal(text.strip()) if text.strip() else None
    except InvalidOperation:
        return None


def reading_edit() -> QLineEdit:
    edit = QLineEdit()
    edit.setValidator(QRegularExpressionValidator(_READING, edit))
    edit.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
    return edit


class OldMeterPage(QWizardPage):
    def __init__(self, wizard: ReplaceWizard) -> None:
        super().__init__()
        self.owner = wizard
        self.setTitle(self.tr("Old meter"))
        self.setSubTitle(self.tr("The meter taken off: type or scan its number."))
        self.meter_edit = QLineEdit()
        self.info = QLabel()
        self.info.setWordWrap(True)
        self.hint = hint_label()
        self.meter: MeterRow | None = None
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(LOOKUP_DELAY_MS)
        self._timer.timeout.connect(lambda: self.look_up())
        self.meter_edit.textEdited.connect(lambda _: self._typed())
        self.meter_edit.returnPressed.connect(lambda: self.look_up())
        form = QFormLayout()
        form.addRow(self.tr("Meter no.:"), self.meter_edit)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.info)
        layout.addWidget(self.hint)

    def _typed(self) -> None:
        self.meter = None
        self.completeChanged.emit()
        self._timer.start()

    def look_up(self) -> None:
        self._timer.stop()
        number = self.meter_edit.text().strip()
        if not number:
            return
        self.owner.runner.run(
            lambda s: meter_row(s, number),
            on_success=lambda row: self._found(number, row),
            on_failure=lambda error: self._not_found(number, error),
            owner=self,
        )

    def _found(self, number: str, row: MeterRow) -> None:
        if number != self.meter_edit.text().strip():
            return  # typed on since
        self.meter = row
        self.info.setText(
            self.tr("{kind} · {place} · account {account} {holder} · {digits} digits × {mult}"
                    " · last reading {last}").format(
                kind=row.kind_label,
                place=" ".join(p for p in (row.campus, row.building, row.room, row.location) if p),
                account=row.account_no or "—",
                holder=row.holder_name,
                digits=row.digits,
                mult=row.multiplier.normalize(),
                last=quantity_text(row.last_value) if row.last_value is not None else "—",
            )
        )  # fmt: skip
        if row.status != "active":
            self.hint.setText(
                self.tr("Meter {no} is {status}: only a meter in use can be replaced").format(
                    no=row.meter_no, status=row.status_label
                )
            )
        else:
            self.hint.setText("")
        self.completeChanged.emit()
        self.owner.looked_up.emit(row)

    def _not_found(self, number: str, error: TaskError) -> None:
        if number == self.meter_edit.text().strip():
            self.meter = None
            self.info.setText("")
            self.hint.setText(error.message)
            self.completeChanged.emit()

    def isComplete(self) -> bool:
        return self.meter is not None and self.meter.status == "active"


class FinalReadingPage(QWizardPage):
    def __init__(self, wizard: ReplaceWizard) -> None:
        super().__init__()
        self.owner = wizard
        self.setTitle(self.tr("Final reading of the old meter"))
        self.final_edit = reading_edit()
        self.when_edit = QDateTimeEdit()
        self.when_edit.setDisplayFormat("yyyy-MM-dd HH:mm")
        self.when_edit.setCalendarPopup(True)
        self.hint = hint_label()
        form = QFormLayout()
        form.addRow(self.tr("Final reading:"), self.final_edit)
        form.addRow(self.tr("Replaced at:"), self.when_edit)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.hint)
        self.final_edit.textChanged.connect(lambda _: self.completeChanged.emit())

    def initializePage(self) -> None:
        now = datetime.now(BUSINESS_TZ).replace(second=0, microsecond=0, tzinfo=None)
        self.when_edit.setDateTime(QDateTime(now))
        self.final_edit.setFocus()

    def replaced_at(self) -> datetime:
        # What is typed is business time (the service center's clock), whatever the PC's.
        moment: datetime = self.when_edit.dateTime().toPython()  # type: ignore[assignment]
        return moment.replace(tzinfo=BUSINESS_TZ)

    def problem(self) -> str:
        old = self.owner.old_page.meter
        final = reading_of(self.final_edit.text())
        if old is None:
            return ""
        if final is None:
            return self.tr("Final reading: required")
        if final >= Decimal(10) ** old.digits:
            return self.tr("Final reading: meter {no} has only {digits} digits").format(
                no=old.meter_no, digits=old.digits
            )
        if old.last_value is not None and final < old.last_value:
            return self.tr("Final reading: below the last reading {last}").format(
                last=quantity_text(old.last_value)
            )
        return ""

    def isComplete(self) -> bool:
        problem = self.problem()
        self.hint.setText(problem)
        return not problem and reading_of(self.final_edit.text()) is not None


class NewMeterPage(QWizardPage):
    def __init__(self, wizard: ReplaceWizard) -> None:
        super().__init__()
        self.owner = wizard
        self.setTitle(self.tr("New meter"))
        self.setSubTitle(self.tr("It takes over the old meter's account and place."))
        self.meter_no_edit = QLineEdit()
        self.kind_combo = QComboBox()
        self.kind_combo.setEnabled(False)  # a replacement measures what the old one did
        self.digits_spin = QSpinBox()
        self.digits_spin.setRange(1, 12)
        self.multiplier_edit = QLineEdit("1")
        self.model_edit = QLineEdit()
        self.hardware_edit = QLineEdit()
        self.hint = hint_label()
        form = QFormLayout()
        form.addRow(self.tr("Meter no.:"), self.meter_no_edit)
        form.addRow(self.tr("Kind:"), self.kind_combo)
        form.addRow(self.tr("Digits:"), self.digits_spin)
        form.addRow(self.tr("Multiplier:"), self.multiplier_edit)
        form.addRow(self.tr("Model:"), self.model_edit)
        form.addRow(self.tr("Hardware no.:"), self.hardware_edit)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.hint)
        for edit in (self.meter_no_edit, self.multiplier_edit, self.hardware_edit):
            edit.textChanged.connect(lambda _: self.completeChanged.emit())

    def initializePage(self) -> None:
        old = self.owner.old_page.meter
        if old is None:
            return
        self.kind_combo.clear()
        self.kind_combo.addItem(KIND_LABELS.get(old.kind, old.kind), old.kind)
        self.digits_spin.setValue(old.digits or DEFAULT_DIGITS.get(old.kind, 6))
        self.multiplier_edit.setText(str(old.multiplier.normalize()))

    def problem(self) -> str:
        old = self.owner.old_page.meter
        number = self.meter_no_edit.text().strip()
        if not METER_NO.match(number):
            return self.tr("Meter no.: 1–32 letters, digits or dashes")
        if old is not None and number == old.meter_no:
            return self.tr("Meter no.: the new meter needs a number of its own")
        if _positive(self.multiplier_edit.text()) is None:
            return self.tr("Multiplier: a number greater than 0")
        if not HARDWARE_NO.match(self.hardware_edit.text().strip()):
            return self.tr("Hardware no.: up to 32 letters, digits or dashes")
        return ""

    def isComplete(self) -> bool:
        problem = self.problem()
        self.hint.setText(problem)
        return not problem

    def spec(self) -> MeterSpec:
        return MeterSpec(
            meter_no=self.meter_no_edit.text().strip(),
            kind=str(self.kind_combo.currentData()),
            digits=self.digits_spin.value(),
            multiplier=_positive(self.multiplier_edit.text()) or Decimal(1),
            model=self.model_edit.text().strip(),
            hardware_no=self.hardware_edit.text().strip() or None,
        )


class InitialReadingPage(QWizardPage):
    def __init__(self, wizard: ReplaceWizard) -> None:
        super().__init__()
        self.owner = wizard
        self.setTitle(self.tr("Initial reading of the new meter"))
        self.initial_edit = reading_edit()
        self.initial_edit.setText("0")
        self.hint = hint_label()
        form = QFormLayout()
        form.addRow(self.tr("Initial reading:"), self.initial_edit)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.hint)
        self.initial_edit.textChanged.connect(lambda _: self.completeChanged.emit())

    def isComplete(self) -> bool:
        initial = reading_of(self.initial_edit.text())
        digits = self.owner.new_page.digits_spin.value()
        if initial is None:
            problem = self.tr("Initial reading: required")
        elif initial >= Decimal(10) ** digits:
            problem = self.tr("Initial reading: the new meter has only {digits} digits").format(
                digits=digits
            )
        else:
            problem = ""
        self.hint.setText(problem)
        return not problem


class ConfirmPage(QWizardPage):
    def __init__(self, wizard: ReplaceWizard) -> None:
        super().__init__()
        self.owner = wizard
        self.setTitle(self.tr("Confirm the replacement"))
        self.summary = QLabel()
        self.summary.setWordWrap(True)
        self.summary.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.note_edit = QLineEdit()
        self.hint = hint_label()
        form = QFormLayout()
        form.addRow(self.tr("Note:"), self.note_edit)
        layout = QVBoxLayout(self)
        layout.addWidget(self.summary)
        layout.addLayout(form)
        layout.addWidget(self.hint)

    def initializePage(self) -> None:
        w = self.owner
        old = w.old_page.meter
        assert old is not None
        new = w.new_page.spec()
        self.hint.setText("")
        self.summary.setText(
            self.tr(
                "Old meter {old} ({kind}, account {account}): final reading {final}\n"
                "New meter {new}: {digits} digits × {mult}, initial reading {initial}\n"
                "Replaced at {when}"
            ).format(
                old=old.meter_no,
                kind=old.kind_label,
                account=old.account_no or "—",
                final=w.final_page.final_edit.text(),
                new=new.meter_no,
                digits=new.digits,
                mult=new.multiplier.normalize(),
                initial=w.initial_page.initial_edit.text(),
                when=w.final_page.replaced_at().strftime("%Y-%m-%d %H:%M"),
            )
        )


class ReplaceWizard(QWizard):
    """`replaced(ReplacementResult)` once the service recorded it; `refused(str)` when it
    said no (the wizard stays open to correct the figures)."""

    looked_up = Signal(object)
    replaced = Signal(object)
    refused = Signal(str)

    def __init__(
        self, runner: TaskRunner, actor: Actor, meter_no: str = "", parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle(self.tr("Replace a meter"))
        self.runner = runner
        self.actor = actor
        self.busy = False
        self.old_page = OldMeterPage(self)
        self.final_page = FinalReadingPage(self)
        self.new_page = NewMeterPage(self)
        self.initial_page = InitialReadingPage(self)
        self.confirm_page = ConfirmPage(self)
        for page in (
            self.old_page,
            self.final_page,
            self.new_page,
            self.initial_page,
            self.confirm_page,
        ):
            self.addPage(page)
        if meter_no:
            self.old_page.meter_edit.setText(meter_no)
            self.old_page.look_up()

    def accept(self) -> None:
        """Finish: record the replacement, closing only once the service took it."""
        if self.busy:
            return
        old = self.old_page.meter
        final = reading_of(self.final_page.final_edit.text())
        initial = reading_of(self.initial_page.initial_edit.text())
        if old is None or final is None or initial is None:
            return
        spec = self.new_page.spec()
        when = self.final_page.replaced_at()
        note = self.confirm_page.note_edit.text().strip()
        actor = self.actor
        old_no = old.meter_no
        self.busy = True

        def work(session: Session) -> ReplacementResult:
            return replace_meter(session, actor, old_no, final, spec, initial, when, note)

        self.runner.run(work, on_success=self._done, on_failure=self._refused, owner=self)

    def _done(self, result: ReplacementResult) -> None:
        self.busy = False
        self.replaced.emit(result)
        super().accept()

    def _refused(self, error: TaskError) -> None:
        self.busy = False
        self.confirm_page.hint.setText(error.message)
        self.refused.emit(error.message)
