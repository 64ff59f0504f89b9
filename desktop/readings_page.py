"""The readings page (抄表): enter a building's figures, review held readings, list the
meters nobody read.

Entry: pick campus and building, type each meter's figure; the anomaly rules of
server.services.metering.usage_rules judge it as it is typed (amber: look again, red: it
will be held), and Ctrl+S (or Save) records the typed figures in one go through
readings.record_reading,
which applies the same rules again on the server side. Review: held and self-service
readings with their photo, accepted, corrected (new figure and reason) or rejected.
Unread: 未抄表计清单 of a period, exported to Excel for the readers' next round.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time
from decimal import Decimal, InvalidOperation
from pathlib import Path

from PySide6.QtCore import (
    QAbstractTableModel,
    QDate,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    Qt,
    QTimer,
    Signal,
)
from PySide6.QtGui import QColor, QPixmap
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDateEdit,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QInputDialog,
    QLabel,
    QLineEdit,
    QMessageBox,
    QProgressBar,
    QPushButton,
    QSplitter,
    QTableView,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)
from sqlalchemy.orm import Session

from desktop.module_page import ModulePage
from desktop.saved_files import announce_saved, ask_save_path
from desktop.tasks import TaskError
from desktop.widgets import ALERT, ReadOnlyTable, cell_text, ok_cancel
from reports.unread_meters import UnreadLine, unread_filename, write_unread_xlsx
from server.db.models.metering import ACCEPTED, HELD, REJECTED
from server.services.core.calendar import BUSINESS_TZ, Period, business_datetime
from server.services.core.calendar import now as business_now
from server.services.metering.readings import (
    ReadingResult,
    correct_reading,
    record_reading,
    review_reading,
)
from server.services.metering.review_desk import (
    BuildingChoice,
    EntryRow,
    QueuedReading,
    UnreadList,
    building_choices,
    entry_sheet,
    reading_photo,
    review_queue,
    unread_meters,
)
from server.services.metering.usage_rules import Assessment, describe_flags, quantity_text

# Row colours of the entry grid: amber asks for a second look, red will be held for review.
WARNING_COLOUR = QColor("#ffe2a8")
HELD_COLOUR = QColor("#f6c4c4")
SAVED_COLOUR = QColor("#dcefd9")
OK, WARNING, HELD_STATE, SAVED, INVALID = "ok", "warning", "held", "saved", "invalid"
# Office entry of paper sheets dated another day is stamped at noon of that day.
PAST_DAY_TIME = time(12)
_ROOT = QModelIndex()


@dataclass
class _Entry:
    """What the clerk typed on one row and what the rules said about it."""

    text: str = ""
    value: Decimal | None = None
    assessment: Assessment | None = None
    error: str = ""
    result: ReadingResult | None = None


class EntryModel(QAbstractTableModel):
    """The entry grid: a building's meters, the figure column editable, each row coloured
    by the judgement of its figure (before saving: usage_rules.assess; after: the server's)."""

    entered = Signal(int)  # a row got a valid figure

    COLUMNS = 9
    CURRENT = 6

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.rows: list[EntryRow] = []
        self.entries: list[_Entry] = []
        self.headers = [
            self.tr("Meter"), self.tr("Kind"), self.tr("Room"), self.tr("Holder"),
            self.tr("Previous"), self.tr("Previous date"), self.tr("Current reading"),
            self.tr("Usage"), self.tr("Check"),
        ]  # fmt: skip

    def set_rows(self, rows: Sequence[EntryRow]) -> None:
        self.beginResetModel()
        self.rows = list(rows)
        self.entries = [_Entry() for _ in rows]
        self.endResetModel()

    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = _ROOT) -> int:
        return 0 if parent.isValid() else len(self.rows)

    def columnCount(self, parent: QModelIndex | QPersistentModelIndex = _ROOT) -> int:
        return 0 if parent.isValid() else self.COLUMNS

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> object:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return self.headers[section]
        return None

    def flags(self, index: QModelIndex | QPersistentModelIndex) -> Qt.ItemFlag:
        base = super().flags(index)
        if index.column() == self.CURRENT and self.entries[index.row()].result is None:
            return base | Qt.ItemFlag.ItemIsEditable
        return base

    def state(self, row: int) -> str:
        entry = self.entries[row]
        if entry.error:
            return INVALID
        if entry.result is not None:
            if entry.result.status == HELD:
                return HELD_STATE
            return WARNING if entry.result.flags else SAVED
        if entry.assessment is None:
            return OK
        if entry.assessment.held:
            return HELD_STATE
        return WARNING if entry.assessment.flags else OK

    def reason(self, row: int) -> str:
        entry = self.entries[row]
        if entry.error:
            return entry.error
        flags = entry.result.flags if entry.result else (
            entry.assessment.flags if entry.assessment else ()
        )  # fmt: skip
        text = describe_flags(flags)
        if entry.result is not None:
            saved = self.tr("held for review") if entry.result.status == HELD else self.tr("saved")
            return f"{text}（{saved}）" if text else saved
        if entry.assessment is not None and entry.assessment.held:
            return self.tr("{reason}: will be held for review").format(reason=text)
        return text

    def usage(self, row: int) -> Decimal | None:
        entry = self.entries[row]
        if entry.result is not None:
            return entry.result.usage
        return entry.assessment.usage if entry.assessment else None

    def data(
        self, index: QModelIndex | QPersistentModelIndex, role: int = Qt.ItemDataRole.DisplayRole
    ) -> object:
        if not index.isValid():
            return None
        row, column = index.row(), index.column()
        meter, entry = self.rows[row], self.entries[row]
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.EditRole):
            if column == self.CURRENT:
                return entry.text
            values: list[object] = [
                meter.meter_no, meter.kind_label, meter.room, meter.holder_name,
                quantity_text(meter.previous) if meter.previous is not None else "",
                meter.previous_at.astimezone(BUSINESS_TZ).date() if meter.previous_at else "",
                entry.text, self.usage(row), self.reason(row),
            ]  # fmt: skip
            value = values[column]
            return quantity_text(value) if isinstance(value, Decimal) else cell_text(value)
        if role == Qt.ItemDataRole.BackgroundRole:
            return {
                WARNING: WARNING_COLOUR,
                HELD_STATE: HELD_COLOUR,
                INVALID: HELD_COLOUR,
                SAVED: SAVED_COLOUR,
            }.get(self.state(row))
        if role == Qt.ItemDataRole.ForegroundRole and column == 8 and self.state(row) == INVALID:
            return ALERT
        if role == Qt.ItemDataRole.TextAlignmentRole and column in (4, 6, 7):
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None

    def setData(
        self,
        index: QModelIndex | QPersistentModelIndex,
        value: object,
        role: int = Qt.ItemDataRole.EditRole,
    ) -> bool:
        if role != Qt.ItemDataRole.EditRole or index.column() != self.CURRENT:
            return False
        row = index.row()
        if self.entries[row].result is not None:
            return False
        self.entries[row] = self._judge(self.rows[row], str(value).strip())
        self.dataChanged.emit(self.index(row, 0), self.index(row, self.COLUMNS - 1))
        if self.entries[row].value is not None:
            self.entered.emit(row)
        return True

    def _judge(self, meter: EntryRow, text: str) -> _Entry:
        if not text:
            return _Entry()
        try:
            value = Decimal(text)
        except InvalidOperation:
            value = Decimal("NaN")
        if not value.is_finite() or value < 0:
            return _Entry(text, error=self.tr("{meter}: the reading is not a number").format(
                meter=meter.meter_no))  # fmt: skip
        if value != value.quantize(Decimal("0.001")):
            return _Entry(text, error=self.tr("{meter}: at most 3 decimals").format(
                meter=meter.meter_no))  # fmt: skip
        if value >= Decimal(10) ** meter.digits:
            return _Entry(
                text,
                error=self.tr("{meter}: only {digits} digits").format(
                    meter=meter.meter_no, digits=meter.digits
                ),
            )
        return _Entry(text, value, meter.assess(value))

    def pending(self) -> list[tuple[int, str, Decimal]]:
        """Rows typed and valid but not saved yet: (row, meter_no, value)."""
        return [
            (row, self.rows[row].meter_no, entry.value)
            for row, entry in enumerate(self.entries)
            if entry.value is not None and entry.result is None and not entry.error
        ]

    def invalid_rows(self) -> list[int]:
        return [row for row, entry in enumerate(self.entries) if entry.error]

    def mark_saved(self, saved: Sequence[tuple[int, ReadingResult]]) -> None:
        for row, result in saved:
            self.entries[row].result = result
        if saved:
            self.dataChanged.emit(self.index(0, 0), self.index(len(self.rows) - 1, 8))


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


class ReadingsPage(ModulePage):
    """`loaded` fires once the first data is shown; `sheet_loaded`, `saved`, `reviewed`,
    `queue_loaded`, `unread_loaded`, `photo_shown` and `exported` when theirs is."""

    sheet_loaded = Signal()
    saved = Signal(object)
    queue_loaded = Signal()
    reviewed = Signal(int)
    photo_shown = Signal(int)
    unread_loaded = Signal(object)
    exported = Signal(str)

    def build(self) -> None:
        self.setObjectName("readingsPage")
        self.buildings: tuple[BuildingChoice, ...] = ()
        self.queue: tuple[QueuedReading, ...] = ()
        self.unread: UnreadList | None = None
        self._waiting_first = {"sheet", "queue", "unread"}
        self._photo_serial = 0
        self._sheet_serial = 0

        self.tabs = QTabWidget()
        self.tabs.addTab(self._build_entry(), self.tr("Entry"))
        self.tabs.addTab(self._build_review(), self.tr("Review"))
        self.tabs.addTab(self._build_unread(), self.tr("Unread meters"))
        layout = QVBoxLayout(self)
        layout.addWidget(self.tabs)
        self.add_shortcut("Ctrl+S", self.save)

        self.load_buildings()
        self.refresh_queue()
        self.refresh_unread()

    # ---- entry ------------------------------------------------------------------------

    def _build_entry(self) -> QWidget:
        self.campus_combo = QComboBox()
        self.building_combo = QComboBox()
        self.building_combo.setMinimumContentsLength(12)
        self.date_edit = QDateEdit()
        self.date_edit.setCalendarPopup(True)
        self.date_edit.setDisplayFormat("yyyy-MM-dd")
        today = business_now().date()
        self.date_edit.setDate(QDate(today.year, today.month, today.day))
        self.date_edit.setMaximumDate(QDate(today.year, today.month, today.day))
        self.campus_combo.currentIndexChanged.connect(lambda _: self._fill_buildings())
        self.building_combo.currentIndexChanged.connect(lambda _: self.load_sheet())
        self.date_edit.dateChanged.connect(lambda _: self.load_sheet())

        self.entry_model = EntryModel(self)
        self.entry_grid = QTableView()
        self.entry_grid.setObjectName("entryGrid")
        self.entry_grid.setModel(self.entry_model)
        self.entry_grid.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectItems)
        self.entry_grid.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.entry_grid.setEditTriggers(
            QAbstractItemView.EditTrigger.AnyKeyPressed
            | QAbstractItemView.EditTrigger.DoubleClicked
            | QAbstractItemView.EditTrigger.EditKeyPressed
        )
        self.entry_grid.verticalHeader().setVisible(False)
        header = self.entry_grid.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setStretchLastSection(True)
        self.entry_model.entered.connect(self._next_row)
        self.entry_model.dataChanged.connect(lambda *_: self._show_entry_status())

        self.save_button = QPushButton(self.tr("Save (Ctrl+S)"))
        self.save_button.setObjectName("primaryButton")
        self.save_button.clicked.connect(lambda: self.save())
        self.entry_status = QLabel()
        self.entry_status.setObjectName("hint")
        legend = QLabel(self.tr("Amber: check the figure again · Red: will be held for review"))
        legend.setObjectName("hint")

        top = QHBoxLayout()
        top.addWidget(QLabel(self.tr("Campus:")))
        top.addWidget(self.campus_combo)
        top.addWidget(QLabel(self.tr("Building:")))
        top.addWidget(self.building_combo, 1)
        top.addWidget(QLabel(self.tr("Read on:")))
        top.addWidget(self.date_edit)
        top.addWidget(self.refresh_button(self.refresh_all))
        bottom = QHBoxLayout()
        bottom.addWidget(self.entry_status, 1)
        bottom.addWidget(legend)
        bottom.addWidget(self.save_button)
        page = QWidget()
        layout = QVBoxLayout(page)
        layout.addLayout(top)
        layout.addWidget(self.entry_grid, 1)
        layout.addLayout(bottom)
        return page

    def refresh_all(self) -> None:
        # Figures typed and not yet saved are worth more than a fresher sheet.
        if not self.entry_model.pending():
            self.load_sheet()
        self.refresh_queue()
        self.refresh_unread()

    def _first_shown(self, what: str) -> None:
        if what in self._waiting_first:
            self._waiting_first.discard(what)
            if not self._waiting_first:
                self.loaded.emit()

    def load_buildings(self) -> None:
        self.runner.run(lambda s: building_choices(s), on_success=self._show_buildings, owner=self)

    def _show_buildings(self, choices: tuple[BuildingChoice, ...]) -> None:
        self.buildings = choices
        campuses = list(dict.fromkeys(c.campus for c in choices))
        for combo in (self.campus_combo, self.unread_campus_combo):
            combo.blockSignals(True)
            combo.clear()
        self.unread_campus_combo.addItem(self.tr("All campuses"), "")
        for campus in campuses:
            self.campus_combo.addItem(campus, campus)
            self.unread_campus_combo.addItem(campus, campus)
        for combo in (self.campus_combo, self.unread_campus_combo):
            combo.blockSignals(False)
        self._fill_buildings()
        if not choices:
            self._first_shown("sheet")

    def _fill_buildings(self) -> None:
        campus = self.campus_combo.currentData()
        self.building_combo.blockSignals(True)
        self.building_combo.clear()
        for choice in self.buildings:
            if choice.campus == campus:
                self.building_combo.addItem(choice.building, choice.key)
        self.building_combo.blockSignals(False)
        self.load_sheet()

    def select_building(self, campus: str, building: str) -> None:
        """Pick a building as the clerk would (campus first, then the building)."""
        self.campus_combo.setCurrentIndex(self.campus_combo.findData(campus))
        index = self.building_combo.findData(f"{campus}/{building}")
        if index == self.building_combo.currentIndex():
            self.load_sheet()
        else:
            self.building_combo.setCurrentIndex(index)

    def read_day(self) -> date:
        return self.date_edit.date().toPython()  # type: ignore[return-value]

    def read_at(self) -> datetime:
        day = self.read_day()
        now = business_now()
        return now if day >= now.date() else business_datetime(day, PAST_DAY_TIME)

    def load_sheet(self) -> None:
        building = self.building_combo.currentData()
        if not building:
            self.entry_model.set_rows(())
            self._show_entry_status()
            return
        moment = self.read_at()
        self._sheet_serial += 1
        serial = self._sheet_serial
        self.runner.run(
            lambda s: entry_sheet(s, building, at=moment),
            on_success=lambda rows: self._show_sheet(serial, rows),
            owner=self,
        )

    def _show_sheet(self, serial: int, rows: tuple[EntryRow, ...]) -> None:
        if serial != self._sheet_serial:
            return  # a newer building was picked meanwhile
        self.entry_model.set_rows(rows)
        self._show_entry_status()
        if rows:
            self.entry_grid.setCurrentIndex(self.entry_model.index(0, EntryModel.CURRENT))
        self.sheet_loaded.emit()
        self._first_shown("sheet")

    def _next_row(self, row: int) -> None:
        # After a figure, straight on to the next meter: the clerk keeps typing.
        following = row + 1
        if following < self.entry_model.rowCount():
            index = self.entry_model.index(following, EntryModel.CURRENT)
            QTimer.singleShot(0, lambda: self.entry_grid.setCurrentIndex(index))

    def _show_entry_status(self) -> None:
        model = self.entry_model
        states = [model.state(row) for row in range(model.rowCount())]
        text = self.tr("{count} meters, {typed} typed, {held} to be held, {warned} to check")
        self.entry_status.setText(
            text.format(
                count=len(states),
                typed=len(model.pending()),
                held=states.count(HELD_STATE),
                warned=states.count(WARNING),
            )
        )
        self.save_button.setEnabled(bool(model.pending()) and not model.invalid_rows())

    def save(self) -> None:
        """Record every typed figure in one unit of work: all are saved, or none."""
        model = self.entry_model
        if model.invalid_rows():
            row = model.invalid_rows()[0]
            QMessageBox.warning(self, self.tr("Not saved"), model.reason(row))
            return
        pending = model.pending()
        if not pending:
            return
        actor, moment = self.identity.actor, self.read_at()
        self.save_button.setEnabled(False)

        def work(session: Session) -> tuple[tuple[int, ReadingResult], ...]:
            return tuple(
                (row, record_reading(session, actor, meter_no, value, moment, "field"))
                for row, meter_no, value in pending
            )

        def done(saved: tuple[tuple[int, ReadingResult], ...]) -> None:
            model.mark_saved(saved)
            self._show_entry_status()
            self.saved.emit(saved)
            if any(result.status == HELD for _, result in saved):
                self.refresh_queue()

        def failed(error: TaskError) -> None:
            self._show_entry_status()
            QMessageBox.warning(self, self.tr("Not saved"), error.message)

        self.runner.run(work, on_success=done, on_failure=failed, owner=self)

    # ---- review -------------------------------------------------------------------------

    def _build_review(self) -> QWidget:
        self.queue_table = ReadOnlyTable(
            [self.tr("Read at"), self.tr("Meter"), self.tr("Place"), self.tr("Holder"),
             self.tr("Source"), self.tr("Previous"), self.tr("Reading"), self.tr("Usage"),
             self.tr("Reason"), self.tr("Note")]
        )  # fmt: skip
        self.queue_table.selectionModel().selectionChanged.connect(
            lambda *_: self._queue_selection()
        )
        self.photo_label = QLabel(self.tr("No photo"))
        self.photo_label.setObjectName("readingPhoto")
        self.photo_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.photo_label.setMinimumSize(320, 240)
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
        side_layout.addWidget(self.photo_label, 1)
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
        self.queue_refresh_button = self.refresh_button(self.refresh_all)
        status.addWidget(self.queue_refresh_button)
        left_layout.addLayout(status)
        splitter = QSplitter(Qt.Orientation.Horizontal)
        splitter.addWidget(left)
        splitter.addWidget(side)
        splitter.setStretchFactor(0, 3)
        splitter.setStretchFactor(1, 2)
        page = QWidget()
        QVBoxLayout(page).addWidget(splitter)
        self._queue_selection()
        return page

    def refresh_queue(self) -> None:
        self.runner.run(lambda s: review_queue(s), on_success=self._show_queue, owner=self)

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
        self.tabs.setTabText(1, self.tr("Review ({count})").format(count=len(queue)))
        if queue:
            self.queue_table.selectRow(0)
        self._queue_selection()
        self.queue_loaded.emit()
        self._first_shown("queue")

    def selected_reading(self) -> QueuedReading | None:
        key = self.queue_table.selected_key()
        return next((q for q in self.queue if q.reading_id == key), None)

    def _queue_selection(self) -> None:
        reading = self.selected_reading()
        for button in (self.accept_button, self.correct_button, self.reject_button):
            button.setEnabled(reading is not None)
        self._photo_serial += 1
        self.photo_label.setPixmap(QPixmap())
        if reading is None:
            self.photo_label.setText(self.tr("No photo"))
            self.figure_label.setText("")
            self.reason_label.setText("")
            return
        self.figure_label.setText(f"{reading.meter_no}：{quantity_text(reading.value)}")
        self.reason_label.setText(reading.reason)
        if reading.photo_id is None:
            self.photo_label.setText(self.tr("No photo"))
            return
        self.photo_label.setText(self.tr("Loading photo…"))
        serial, photo_id = self._photo_serial, reading.photo_id
        self.runner.run(
            lambda s: reading_photo(s, photo_id),
            on_success=lambda data: self._show_photo(serial, reading.reading_id, data),
            owner=self,
        )

    def _show_photo(self, serial: int, reading_id: int, data: bytes) -> None:
        if serial != self._photo_serial:
            return
        pixmap = QPixmap()
        if not pixmap.loadFromData(data):
            self.photo_label.setText(self.tr("The photo cannot be shown"))
            return
        self.photo_label.setPixmap(
            pixmap.scaled(
                self.photo_label.size(),
                Qt.AspectRatioMode.KeepAspectRatio,
                Qt.TransformationMode.SmoothTransformation,
            )
        )
        self.photo_shown.emit(reading_id)

    def _after_review(self, reading_id: int) -> None:
        self.refresh_queue()
        self.refresh_unread()
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
        actor = self.identity.actor
        self.runner.run(
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
        actor = self.identity.actor
        self.runner.run(
            lambda s: correct_reading(s, actor, reading_id, value, reason),
            on_success=lambda _: self._after_review(reading_id),
            owner=self,
        )

    # ---- unread -------------------------------------------------------------------------

    def _build_unread(self) -> QWidget:
        self.period_combo = QComboBox()
        self.period_combo.setEditable(True)
        current = Period.of(business_now())
        for back in range(12):
            self.period_combo.addItem(str(current.shift(-back)))
        self.unread_campus_combo = QComboBox()
        self.unread_button = self.refresh_button(self.refresh_all)
        self.period_combo.activated.connect(lambda _: self.refresh_unread())
        self.unread_campus_combo.activated.connect(lambda _: self.refresh_unread())
        self.export_button = QPushButton(self.tr("Export Excel…"))
        self.export_button.clicked.connect(lambda: self.export_unread())
        self.unread_table = ReadOnlyTable(
            [self.tr("Meter"), self.tr("Kind"), self.tr("Campus"), self.tr("Building"),
             self.tr("Room"), self.tr("Account"), self.tr("Holder"), self.tr("Last reading")]
        )  # fmt: skip
        self.unread_status = QLabel()
        self.unread_status.setObjectName("hint")
        self.unread_progress = QProgressBar()
        self.unread_progress.setRange(0, 0)  # busy: the export has no steps to count
        self.unread_progress.setMaximumWidth(160)
        self.unread_progress.hide()

        top = QHBoxLayout()
        top.addWidget(QLabel(self.tr("Period:")))
        top.addWidget(self.period_combo)
        top.addWidget(QLabel(self.tr("Campus:")))
        top.addWidget(self.unread_campus_combo)
        top.addWidget(self.unread_button)
        top.addStretch(1)
        top.addWidget(self.unread_progress)
        top.addWidget(self.export_button)
        page = QWidget()
        layout = QVBoxLayout(page)
        layout.addLayout(top)
        layout.addWidget(self.unread_table, 1)
        layout.addWidget(self.unread_status)
        return page

    def set_unread_scope(self, period: str, campus: str = "") -> None:
        self.period_combo.setCurrentText(period)
        self.unread_campus_combo.setCurrentIndex(max(0, self.unread_campus_combo.findData(campus)))
        self.refresh_unread()

    def refresh_unread(self) -> None:
        period = self.period_combo.currentText().strip()
        campus = self.unread_campus_combo.currentData() or None
        self.runner.run(
            lambda s: unread_meters(s, period, campus=campus),
            on_success=self._show_unread,
            owner=self,
        )

    def _show_unread(self, unread: UnreadList) -> None:
        self.unread = unread
        self.unread_table.fill(
            [
                [m.meter_no, m.kind_label, m.campus, m.building, m.room, m.account_no,
                 m.holder_name, quantity_text(m.last_value) if m.last_value is not None else ""]
                for m in unread.meters
            ],
            keys=[m.meter_no for m in unread.meters],
        )  # fmt: skip
        self.unread_status.setText(
            self.tr("{period}: {unread} of {active} meters not read").format(
                period=unread.period, unread=len(unread.meters), active=unread.active
            )
        )
        self.export_button.setEnabled(bool(unread.meters))
        self.unread_loaded.emit(unread)
        self._first_shown("unread")

    def export_unread(self, path: Path | None = None) -> None:
        """Write the list shown as .xlsx (off the GUI thread)."""
        unread = self.unread
        if unread is None:
            return
        if path is None:
            path = ask_save_path(
                self,
                self.tr("Export Excel"),
                Path.home() / unread_filename(unread.period),
                "Excel (*.xlsx)",
            )
            if path is None:
                return
        target = path
        lines = [
            UnreadLine(m.meter_no, m.kind_label, m.campus, m.building, m.room, m.account_no,
                       m.holder_name, m.last_value)
            for m in unread.meters
        ]  # fmt: skip
        self.unread_progress.show()
        self.export_button.setEnabled(False)

        def done(_: object) -> None:
            self.unread_progress.hide()
            self.export_button.setEnabled(True)
            announce_saved(self, target)
            self.exported.emit(str(target))

        def failed(error: TaskError) -> None:
            self.unread_progress.hide()
            self.export_button.setEnabled(True)
            QMessageBox.warning(self, self.tr("Export Excel"), error.message)

        self.runner.run(
            lambda _: write_unread_xlsx(
                lines, unread.period, unread.scope, unread.generated_at, target
            ),
            on_success=done,
            on_failure=failed,
            owner=self,
        )
