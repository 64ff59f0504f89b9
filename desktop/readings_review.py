"""The readings page's review tab: held and self-service readings with their photo,
accepted, corrected (new figure and reason) or rejected."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal, InvalidOperation

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QInputDialog,
    QLabel,
    QLineEdit,
    QPushButton,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from desktop.module_page import ModulePage
from desktop.photo_viewer import PhotoPanel
from desktop.widgets import ALERT, ReadOnlyTable, ok_cancel
from server.services.metering.readings import correct_reading, review_reading
from server.services.metering.review_desk import QueuedReading, reading_photo, review_queue
from server.services.metering.usage_rules import quantity_text
from server.services.metering.vocabulary import ACCEPTED, REJECTED


class CorrectDialog(QDialog):
    """A new figure and the reason for it, both required (the reason is kept)."""

    def __init__(self, reading: QueuedReading, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(self.tr("Correct reading of {meter}").format(meter=reading.meter_no))
        self.value_edit = QLineEdit(quantity_text(reading.value))
        self.reason_edit = QLineEdit()
        self.hint = QLabel()
        self.hint.setStyleSheet(f"color: {ALERT.name()};")
        self.buttons = ok_cancel(self)
        form = QFormLayout(self)
        form.addRow(self.tr("Recorded:"), QLabel(quantity_text(reading.value)))
        form.addRow(self.tr("Correct figure:"), self.value_edit)
        form.addRow(self.tr("Reason:"), self.reason_edit)
        form.addRow(self.hint)
        form.addRow(self.buttons)
        self.value_edit.textChanged.connect(lambda _: self.check())
        self.reason_edit.textChanged.connect(lambda _: self.check())
        self.check()

    def value(self) -> Decimal | None:
        try:
            number = Decimal(self.value_edit.text().strip())
        except InvalidOperation:
            return None
        return number if number.is_finite() and number >= 0 else None

    def check(self) -> bool:
        if self.value() is None:
            problem = self.tr("Correct figure: enter a number of 0 or more")
        elif not self.reason_edit.text().strip():
            problem = self.tr("Reason: say why the figure is corrected")
        else:
            problem = ""
        self.hint.setText(problem)
        ok_button = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        ok_button.setEnabled(not problem)
        return not problem


class ReviewTab(QWidget):
    """The queue of readings waiting for a person; `queue_loaded` fires when it is shown,
    `photo_shown(reading_id)` with a photo, `reviewed(reading_id)` after a decision."""

    queue_loaded = Signal()
    reviewed = Signal(int)
    photo_shown = Signal(int)

    def __init__(self, page: ModulePage, refresh: Callable[[], None]) -> None:
        super().__init__(page)
        self.page = page
        self.queue: tuple[QueuedReading, ...] = ()
        self.queue_table = ReadOnlyTable(
            [self.tr("Read at"), self.tr("Meter"), self.tr("Place"), self.tr("Holder"),
             self.tr("Source"), self.tr("Previous"), self.tr("Reading"), self.tr("Usage"),
             self.tr("Reason"), self.tr("Note")]
        )  # fmt: skip
        self.queue_table.selectionModel().selectionChanged.connect(
            lambda *_: self._queue_selection()
        )
        self.photo_panel = PhotoPanel(page.runner)
        self.photo_panel.setObjectName("readingPhoto")
        self.photo_panel.shown.connect(lambda: self._photo_shown())
        self.figure_label = QLabel()
        self.figure_label.setObjectName("figureLabel")
        self.figure_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.figure_label.setStyleSheet("font-size: 20pt; font-weight: 600;")
        self.reason_label = QLabel()
        self.reason_label.setWordWrap(True)
        self.accept_button = QPushButton(self.tr("Accept"))
        self.correct_button = QPushButton(self.tr("Correct…"))
        self.reject_button = QPushButton(self.tr("Reject…"))
        self.accept_button.clicked.connect(lambda: self.accept_selected())
        self.correct_button.clicked.connect(lambda: self.ask_correct_selected())
        self.reject_button.clicked.connect(lambda: self.ask_reject_selected())
        self.queue_status = QLabel()
        self.queue_status.setObjectName("hint")

        side = QWidget()
        side_layout = QVBoxLayout(side)
        side_layout.addWidget(self.photo_panel, 1)
        side_layout.addWidget(self.figure_label)
        side_layout.addWidget(self.reason_label)
        buttons = QHBoxLayout()
        for button in (self.accept_button, self.correct_button, self.reject_button):
            buttons.addWidget(button)
        side_layout.addLayout(buttons)
        left = QWidget()
        left_layout = QVBoxLayout(left)
        left_layout.setContentsMargins(0, 0, 0, 0)
        left_layout.addWidget(self.queue_table, 1)
        status = QHBoxLayout()
        status.addWidget(self.queue_status, 1)
        self.queue_refresh_button = page.refresh_button(refresh)
        status.addWidget(self.queue_refresh_button)
        left_layout.addLayout(status)
        splitter = QSplitter(Qt.Orientation.Horizontal)
        splitter.addWidget(left)
        splitter.addWidget(side)
        splitter.setStretchFactor(0, 3)
        splitter.setStretchFactor(1, 2)
        QVBoxLayout(self).addWidget(splitter)
        self._queue_selection()

    def refresh_queue(self) -> None:
        self.page.runner.run(lambda s: review_queue(s), on_success=self._show_queue, owner=self)

    def _show_queue(self, queue: tuple[QueuedReading, ...]) -> None:
        self.queue = queue
        self.queue_table.fill(
            [
                [q.read_at, q.meter_no, q.place, q.holder_name, q.source_label,
                 quantity_text(q.previous) if q.previous is not None else "",
                 quantity_text(q.value),
                 quantity_text(q.usage) if q.usage is not None else "", q.reason, q.note]
                for q in queue
            ],
            keys=[q.reading_id for q in queue],
        )  # fmt: skip
        self.queue_status.setText(self.tr("{count} readings waiting").format(count=len(queue)))
        if queue:
            self.queue_table.selectRow(0)
        self._queue_selection()
        self.queue_loaded.emit()

    def selected_reading(self) -> QueuedReading | None:
        key = self.queue_table.selected_key()
        return next((q for q in self.queue if q.reading_id == key), None)

    def _queue_selection(self) -> None:
        reading = self.selected_reading()
        for button in (self.accept_button, self.correct_button, self.reject_button):
            button.setEnabled(reading is not None)
        photo_id = reading.photo_id if reading else None
        self.photo_panel.load(
            None if photo_id is None else lambda s: reading_photo(s, photo_id), owner=self
        )
        if reading is None:
            self.figure_label.setText("")
            self.reason_label.setText("")
            return
        self.figure_label.setText(f"{reading.meter_no}：{quantity_text(reading.value)}")
        self.reason_label.setText(reading.reason)

    def _photo_shown(self) -> None:
        reading = self.selected_reading()
        if reading is not None:
            self.photo_shown.emit(reading.reading_id)

    def _after_review(self, reading_id: int) -> None:
        self.refresh_queue()
        self.reviewed.emit(reading_id)

    def accept_selected(self) -> None:
        reading = self.selected_reading()
        if reading is not None:
            self.review(reading.reading_id, ACCEPTED)

    def ask_reject_selected(self) -> None:
        reading = self.selected_reading()
        if reading is None:
            return
        reason, ok = QInputDialog.getText(
            self,
            self.tr("Reject reading of {meter}").format(meter=reading.meter_no),
            self.tr("Reason:"),
        )
        if ok and reason.strip():
            self.review(reading.reading_id, REJECTED, reason)

    def review(self, reading_id: int, decision: str, note: str = "") -> None:
        actor = self.page.identity.actor
        self.page.runner.run(
            lambda s: review_reading(s, actor, reading_id, decision, note),
            on_success=lambda _: self._after_review(reading_id),
            owner=self,
        )

    def ask_correct_selected(self) -> None:
        reading = self.selected_reading()
        if reading is None:
            return
        dialog = CorrectDialog(reading, self)
        if dialog.exec() == QDialog.DialogCode.Accepted and dialog.check():
            value = dialog.value()
            assert value is not None
            self.correct(reading.reading_id, value, dialog.reason_edit.text())

    def correct(self, reading_id: int, value: Decimal, reason: str) -> None:
        actor = self.page.identity.actor
        self.page.runner.run(
            lambda s: correct_reading(s, actor, reading_id, value, reason),
            on_success=lambda _: self._after_review(reading_id),
            owner=self,
        )
