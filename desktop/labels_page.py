"""The barcode labels page (条码标签, under 表计管理): pick meters, preview, print, reprint.

Meters are picked by building (campus → building, optionally one kind) or by pasting meter
numbers (a label reprinted for a meter already in the field). The labels go either to a
PDF (preview, office printer, save) at the label size — one a page for a roll, or A4
sheets — or straight to a thermal label printer in TSPL or ZPL over a port, raw TCP 9100
or a file. The printer settings are remembered on this PC (QSettings `labels/…`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QButtonGroup,
    QComboBox,
    QFormLayout,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPlainTextEdit,
    QPushButton,
    QRadioButton,
    QSpinBox,
    QVBoxLayout,
)

from desktop.document_dialog import DocumentDialog
from desktop.module_page import ModulePage
from desktop.place_picker import PlacePicker, kind_combo
from desktop.tasks import BusyTasks, TaskError
from desktop.widgets import ReadOnlyTable
from devices.label_printers import LANGUAGES, PrinterSettings
from reports.labels import LabelData, SheetLayout, parse_size
from server.services.metering.labels import label_data, labels_pdf, pick_meters, print_labels
from server.services.metering.meter_picker import MeterPlace
from server.services.metering.readings import METER_STATUS_LABELS
from server.services.metering.review_desk import BuildingChoice, building_choices

SIZE = "labels/size"
SHEET = "labels/sheet"
TITLE = "labels/title"
LANGUAGE = "labels/language"
DESTINATION = "labels/destination"
DPI = "labels/dpi"
GAP = "labels/gap"
COPIES = "labels/copies"
DEFAULT_SIZE = "50x30"
DEFAULT_DESTINATION = "socket://192.168.1.100:9100"


@dataclass(frozen=True)
class PrintJob:
    """What went to the label printer, kept for 重打 (reprint)."""

    labels: tuple[LabelData, ...]
    settings: PrinterSettings
    destination: str


class LabelsPage(ModulePage):
    """`loaded` once the first building's meters are shown; `meters_picked(tuple)`,
    `document_ready(DocumentDialog)` and `printed(int bytes sent)` once the screen shows them."""

    meters_picked = Signal(object)
    document_ready = Signal(object)
    printed = Signal(int)

    def build(self) -> None:
        self.setObjectName("labelsPage")
        self.places: tuple[MeterPlace, ...] = ()
        self.last_job: PrintJob | None = None
        self.last_document: DocumentDialog | None = None
        self._loaded = False
        self.tasks = BusyTasks(self.runner, self, self._update_buttons)

        self._build_pick()
        self._build_label()
        self._build_printer()
        self._layout()
        self._restore()
        self.load()

    # ---- layout ---------------------------------------------------------------------------

    def _build_pick(self) -> None:
        self.pick_box = QGroupBox(self.tr("Meters"))
        self.by_building = QRadioButton(self.tr("By building"))
        self.by_numbers = QRadioButton(self.tr("By meter numbers"))
        self.by_building.setChecked(True)
        self.source_group = QButtonGroup(self)
        self.source_group.addButton(self.by_building)
        self.source_group.addButton(self.by_numbers)
        self.by_building.toggled.connect(lambda _: self._update_buttons())
        self.place_picker = PlacePicker(self)
        self.place_picker.changed.connect(self._building_changed)
        self.kind_combo = kind_combo(self.tr("All kinds"))
        self.kind_combo.currentIndexChanged.connect(lambda _: self._building_changed())
        self.numbers_edit = QPlainTextEdit()
        self.numbers_edit.setPlaceholderText(
            self.tr("Meter numbers (or hardware numbers), one a line or separated by commas")
        )
        self.numbers_edit.setMaximumHeight(70)
        self.numbers_edit.textChanged.connect(self._numbers_typed)
        self.pick_button = QPushButton(self.tr("Pick"))
        self.pick_button.clicked.connect(lambda: self.pick())
        self.meters_table = ReadOnlyTable(
            [self.tr("Meter"), self.tr("Kind"), self.tr("Campus"), self.tr("Building"),
             self.tr("Room"), self.tr("Account"), self.tr("Holder"), self.tr("Status")]
        )  # fmt: skip
        # Several rows may be chosen: print only those (none chosen: all).
        self.meters_table.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.meters_table.selectionModel().selectionChanged.connect(
            lambda *_: self._update_buttons()
        )
        self.count_label = QLabel()
        self.pick_error = QLabel()
        self.pick_error.setObjectName("hint")
        self.pick_error.setStyleSheet("color: #c62828;")

        grid = QGridLayout(self.pick_box)
        grid.addWidget(self.by_building, 0, 0)
        building_row = QHBoxLayout()
        building_row.addWidget(self.place_picker.campus_combo)
        building_row.addWidget(self.place_picker.building_combo, 1)
        building_row.addWidget(self.kind_combo)
        grid.addLayout(building_row, 0, 1)
        grid.addWidget(self.by_numbers, 1, 0, Qt.AlignmentFlag.AlignTop)
        grid.addWidget(self.numbers_edit, 1, 1)
        grid.addWidget(self.pick_button, 1, 2, Qt.AlignmentFlag.AlignBottom)
        grid.setColumnStretch(1, 1)

    def _build_label(self) -> None:
        self.label_box = QGroupBox(self.tr("Label"))
        self.title_edit = QLineEdit()
        self.title_edit.setPlaceholderText(self.tr("Optional top line, e.g. the centre's name"))
        self.size_edit = QLineEdit()
        self.size_edit.setPlaceholderText("50x30")
        self.size_edit.setToolTip(self.tr("Width x height in millimetres"))
        self.size_edit.textChanged.connect(lambda _: self._update_buttons())
        self.sheet_combo = QComboBox()
        self.sheet_combo.addItem(self.tr("Roll (one label a page)"), "")
        self.sheet_combo.addItem(self.tr("A4 sheet"), "a4")
        self.size_hint = QLabel()
        self.size_hint.setObjectName("hint")
        self.size_hint.setStyleSheet("color: #c62828;")
        self.preview_button = QPushButton(self.tr("Preview…"))
        self.preview_button.setObjectName("primaryButton")
        self.preview_button.clicked.connect(lambda: self.preview())
        form = QFormLayout(self.label_box)
        form.setLabelAlignment(Qt.AlignmentFlag.AlignRight)
        form.addRow(self.tr("Top line:"), self.title_edit)
        form.addRow(self.tr("Size (mm):"), self.size_edit)
        form.addRow(self.tr("Paper:"), self.sheet_combo)
        form.addRow(self.size_hint)
        form.addRow(self.preview_button)

    def _build_printer(self) -> None:
        self.printer_box = QGroupBox(self.tr("Label printer"))
        self.language_combo = QComboBox()
        self.language_combo.addItem("TSPL（TSC、佳博、汉印）", "tspl")
        self.language_combo.addItem("ZPL（斑马 Zebra）", "zpl")
        self.destination_edit = QLineEdit()
        self.destination_edit.setPlaceholderText(DEFAULT_DESTINATION)
        self.destination_edit.setToolTip(
            self.tr("socket://host:9100 (network), COM3 or /dev/ttyUSB0 (serial), or a file path")
        )
        self.destination_edit.textChanged.connect(lambda _: self._update_buttons())
        self.dpi_combo = QComboBox()
        self.dpi_combo.addItem("203 dpi", 203)
        self.dpi_combo.addItem("300 dpi", 300)
        self.gap_spin = QSpinBox()
        self.gap_spin.setRange(0, 20)
        self.gap_spin.setSuffix(" mm")
        self.copies_spin = QSpinBox()
        self.copies_spin.setRange(1, 99)
        self.print_button = QPushButton(self.tr("Print labels"))
        self.print_button.clicked.connect(lambda: self.print_to_printer())
        self.reprint_button = QPushButton(self.tr("Reprint last"))
        self.reprint_button.clicked.connect(lambda: self.reprint())
        self.print_status = QLabel()
        self.print_status.setObjectName("hint")
        self.print_status.setWordWrap(True)
        form = QFormLayout(self.printer_box)
        form.setLabelAlignment(Qt.AlignmentFlag.AlignRight)
        form.addRow(self.tr("Language:"), self.language_combo)
        form.addRow(self.tr("Send to:"), self.destination_edit)
        form.addRow(self.tr("Resolution:"), self.dpi_combo)
        form.addRow(self.tr("Gap:"), self.gap_spin)
        form.addRow(self.tr("Copies:"), self.copies_spin)
        buttons = QHBoxLayout()
        buttons.addWidget(self.print_button)
        buttons.addWidget(self.reprint_button)
        form.addRow(buttons)
        form.addRow(self.print_status)

    def _layout(self) -> None:
        status = QHBoxLayout()
        status.addWidget(self.count_label)
        status.addWidget(self.pick_error, 1)
        status.addWidget(self.tasks.progress)
        left = QVBoxLayout()
        left.addWidget(self.pick_box)
        left.addLayout(status)
        left.addWidget(self.meters_table, 1)
        right = QVBoxLayout()
        right.addWidget(self.label_box)
        right.addWidget(self.printer_box)
        right.addStretch(1)
        layout = QHBoxLayout(self)
        layout.addLayout(left, 3)
        layout.addLayout(right, 1)

    def _restore(self) -> None:
        prefs = self.preferences

        def value(key: str, default: object) -> Any:
            return prefs.value(key, default) if prefs is not None else default

        self.size_edit.setText(str(value(SIZE, DEFAULT_SIZE)))
        self.sheet_combo.setCurrentIndex(max(self.sheet_combo.findData(str(value(SHEET, ""))), 0))
        self.title_edit.setText(str(value(TITLE, "")))
        language = str(value(LANGUAGE, "tspl"))
        self.language_combo.setCurrentIndex(max(self.language_combo.findData(language), 0))
        self.destination_edit.setText(str(value(DESTINATION, "")))
        self.dpi_combo.setCurrentIndex(max(self.dpi_combo.findData(int(value(DPI, 203))), 0))
        self.gap_spin.setValue(int(value(GAP, 2)))
        self.copies_spin.setValue(int(value(COPIES, 1)))

    def _remember(self) -> None:
        if self.preferences is None:
            return
        for key, item in (
            (SIZE, self.size_edit.text().strip()),
            (SHEET, self.sheet_combo.currentData()),
            (TITLE, self.title_edit.text().strip()),
            (LANGUAGE, self.language_combo.currentData()),
            (DESTINATION, self.destination_edit.text().strip()),
            (DPI, self.dpi_combo.currentData()),
            (GAP, self.gap_spin.value()),
            (COPIES, self.copies_spin.value()),
        ):
            self.preferences.setValue(key, item)

    # ---- state ----------------------------------------------------------------------------

    def size_problem(self) -> str:
        try:
            parse_size(self.size_edit.text().strip() or DEFAULT_SIZE)
        except ValueError as exc:
            return str(exc)
        return ""

    def _update_buttons(self) -> None:
        problem = self.size_problem()
        self.size_hint.setText(problem)
        self.size_hint.setVisible(bool(problem))
        idle = self.tasks.idle
        have = bool(self.places)
        self.preview_button.setEnabled(idle and have and not problem)
        self.print_button.setEnabled(
            idle and have and not problem and bool(self.destination_edit.text().strip())
        )
        self.reprint_button.setEnabled(idle and self.last_job is not None)
        self.pick_button.setEnabled(idle)
        by_building = self.by_building.isChecked()
        picker = self.place_picker
        for widget in (picker.campus_combo, picker.building_combo, self.kind_combo):
            widget.setEnabled(by_building)
        chosen = len(self.meters_table.selectionModel().selectedRows())
        total = len(self.places)
        self.count_label.setText(
            self.tr("{count} meters; {chosen} selected (only those are printed)").format(
                count=total, chosen=chosen
            )
            if chosen
            else self.tr("{count} meters").format(count=total)
        )

    # ---- picking meters -------------------------------------------------------------------

    def load(self) -> None:
        self.tasks.run(lambda s: building_choices(s), self._show_buildings)

    def _show_buildings(self, choices: tuple[BuildingChoice, ...]) -> None:
        self.place_picker.set_places(choices)
        self._building_changed()
        if not choices:
            self._first_shown()

    def _first_shown(self) -> None:
        if not self._loaded:
            self._loaded = True
            self.loaded.emit()

    def _building_changed(self) -> None:
        if self.place_picker.building_key() is None:
            return
        self.by_building.setChecked(True)
        self.pick()

    def _numbers_typed(self) -> None:
        if self.numbers_edit.toPlainText().strip():
            self.by_numbers.setChecked(True)

    def select_building(self, campus: str, building: str) -> None:
        """Pick a building as a person would (campus first, then the building)."""
        self.place_picker.select(campus, building)

    def meter_numbers(self) -> tuple[str, ...]:
        text = self.numbers_edit.toPlainText()
        for separator in (",", "，", ";", "；", "\t", " "):
            text = text.replace(separator, "\n")
        return tuple(dict.fromkeys(n.strip() for n in text.splitlines() if n.strip()))

    def pick(self) -> None:
        if self.by_building.isChecked():
            building, kind = self.place_picker.building_key(), self.kind_combo.currentData()
            if building is None:
                return
            self.tasks.run(
                lambda s: tuple(pick_meters(s, building=building, kind=kind)),
                self._show_places,
                self._pick_failed,
            )
            return
        numbers = self.meter_numbers()
        if not numbers:
            self._show_places(())
            return
        self.tasks.run(
            lambda s: tuple(pick_meters(s, meter_nos=numbers)), self._show_places, self._pick_failed
        )

    def _pick_failed(self, error: TaskError) -> None:
        self._show_places(())
        self.pick_error.setText(error.message)

    def _show_places(self, places: tuple[MeterPlace, ...]) -> None:
        self.pick_error.setText("")
        self.places = places
        self.meters_table.fill(
            [
                [
                    p.meter_no,
                    p.kind_label,
                    p.campus,
                    p.building,
                    p.room_text,
                    p.account_no,
                    p.holder_name,
                    METER_STATUS_LABELS.get(p.status, p.status),
                ]
                for p in places
            ],
            keys=[p.meter_no for p in places],
        )
        self._update_buttons()
        self.meters_picked.emit(places)
        self._first_shown()

    def chosen_places(self) -> tuple[MeterPlace, ...]:
        """The selected rows' meters, or all when none is selected."""
        keys = {
            self.meters_table.key_at(index.row())
            for index in self.meters_table.selectionModel().selectedRows()
        }
        if not keys:
            return self.places
        return tuple(p for p in self.places if p.meter_no in keys)

    def labels(self) -> tuple[LabelData, ...]:
        return tuple(label_data(self.chosen_places(), self.title_edit.text().strip()))

    # ---- preview and print ----------------------------------------------------------------

    def layout_settings(self) -> SheetLayout:
        width, height = parse_size(self.size_edit.text().strip() or DEFAULT_SIZE)
        return SheetLayout(width, height, self.sheet_combo.currentData() or None)

    def preview(self) -> None:
        if not self.places or self.size_problem():
            return
        self._remember()
        labels, layout = self.labels(), self.layout_settings()
        self.tasks.run(lambda _s: labels_pdf(labels, layout), self._show_document)

    def _show_document(self, document: tuple[str, str, bytes]) -> None:
        filename, _, content = document
        dialog = DocumentDialog(
            self.tr("Meter labels"), filename, content, preferences=self.preferences, parent=self
        )
        self.last_document = dialog
        self.document_ready.emit(dialog)
        dialog.open()

    def printer_settings(self) -> PrinterSettings:
        width, height = parse_size(self.size_edit.text().strip() or DEFAULT_SIZE)
        language = str(self.language_combo.currentData())
        assert language in LANGUAGES
        return PrinterSettings(
            language=language,
            width_mm=width,
            height_mm=height,
            gap_mm=self.gap_spin.value(),
            dpi=int(self.dpi_combo.currentData()),
            copies=self.copies_spin.value(),
        )

    def print_to_printer(self) -> None:
        destination = self.destination_edit.text().strip()
        if not self.places or not destination or self.size_problem():
            return
        self._remember()
        self._send(PrintJob(self.labels(), self.printer_settings(), destination))

    def reprint(self) -> None:
        if self.last_job is not None:
            self._send(self.last_job)

    def _send(self, job: PrintJob) -> None:
        self.print_status.setStyleSheet("")
        self.print_status.setText(
            self.tr("Sending {count} labels to {where}…").format(
                count=len(job.labels), where=job.destination
            )
        )
        self.tasks.run(
            lambda _s: print_labels(job.labels, job.settings, job.destination),
            lambda sent: self._printed(job, sent),
            self._print_failed,
        )

    def _printed(self, job: PrintJob, sent: int) -> None:
        self.last_job = job
        self.print_status.setText(
            self.tr("{count} labels sent to {where} ({size} bytes).").format(
                count=len(job.labels), where=job.destination, size=sent
            )
        )
        self._update_buttons()
        self.printed.emit(sent)

    def _print_failed(self, error: TaskError) -> None:
        self.print_status.setStyleSheet("color: #c62828;")
        self.print_status.setText(error.message)
        if not error.domain:
            QMessageBox.warning(self, self.tr("Label printer"), error.message)
