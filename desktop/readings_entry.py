"""The readings page's entry tab: pick campus and building, type each meter's figure; the
anomaly rules of server.services.metering.usage_rules judge it as it is typed (amber: look
again, red: it will be held), and Ctrl+S (or Save) records the typed figures in one go
through readings.record_reading, which applies the same rules again on the server side."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time
from decimal import Decimal, InvalidOperation

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
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDateEdit,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QMessageBox,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)
from sqlalchemy.orm import Session

from desktop.module_page import ModulePage
from desktop.place_picker import PlacePicker
from desktop.tasks import TaskError
from desktop.widgets import ALERT, cell_text
from server.services.core.calendar import BUSINESS_TZ, business_datetime
from server.services.core.calendar import now as business_now
from server.services.metering.readings import ReadingResult, record_reading
from server.services.metering.review_desk import BuildingChoice, EntryRow, entry_sheet
from server.services.metering.usage_rules import Assessment, describe_flags, quantity_text
from server.services.metering.vocabulary import HELD

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


class EntryTab(QWidget):
    """The entry grid of one building on one day; `sheet_loaded` fires when a sheet is
    shown, `saved` with the (row, ReadingResult) pairs once they are recorded."""

    sheet_loaded = Signal()
    saved = Signal(object)

    def __init__(self, page: ModulePage, refresh: Callable[[], None]) -> None:
        super().__init__(page)
        self.page = page
        self._sheet_serial = 0
        self.place_picker = PlacePicker(parent=self)
        self.place_picker.building_combo.setMinimumContentsLength(12)
        self.date_edit = QDateEdit()
        self.date_edit.setCalendarPopup(True)
        self.date_edit.setDisplayFormat("yyyy-MM-dd")
        today = business_now().date()
        self.date_edit.setDate(QDate(today.year, today.month, today.day))
        self.date_edit.setMaximumDate(QDate(today.year, today.month, today.day))
        self.place_picker.changed.connect(self.load_sheet)
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
        top.addWidget(self.place_picker.campus_combo)
        top.addWidget(QLabel(self.tr("Building:")))
        top.addWidget(self.place_picker.building_combo, 1)
        top.addWidget(QLabel(self.tr("Read on:")))
        top.addWidget(self.date_edit)
        top.addWidget(page.refresh_button(refresh))
        bottom = QHBoxLayout()
        bottom.addWidget(self.entry_status, 1)
        bottom.addWidget(legend)
        bottom.addWidget(self.save_button)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.entry_grid, 1)
        layout.addLayout(bottom)

    def show_buildings(self, choices: tuple[BuildingChoice, ...]) -> None:
        self.place_picker.set_places(choices)
        self.load_sheet()

    def select_building(self, campus: str, building: str) -> None:
        """Pick a building as the clerk would (campus first, then the building)."""
        self.place_picker.select(campus, building)

    def read_day(self) -> date:
        return self.date_edit.date().toPython()  # type: ignore[return-value]

    def read_at(self) -> datetime:
        day = self.read_day()
        now = business_now()
        return now if day >= now.date() else business_datetime(day, PAST_DAY_TIME)

    def load_sheet(self) -> None:
        building = self.place_picker.building_key()
        if not building:
            self.entry_model.set_rows(())
            self._show_entry_status()
            return
        moment = self.read_at()
        self._sheet_serial += 1
        serial = self._sheet_serial
        self.page.runner.run(
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
        actor, moment = self.page.identity.actor, self.read_at()
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

        def failed(error: TaskError) -> None:
            self._show_entry_status()
            QMessageBox.warning(self, self.tr("Not saved"), error.message)

        self.page.runner.run(work, on_success=done, on_failure=failed, owner=self)
