"""The meters page (表计管理): the registry filtered by campus, building, kind and status;
register a meter; map hardware numbers (handheld, remote platform) to meter numbers; set
where a meter hangs and its master meter (上级表号, 总分表); the replacement wizard; the
filtered registry to Excel.

Ctrl+F the number filter, Ctrl+N register, F2 hardware number, Ctrl+L location,
Ctrl+M master meter, Ctrl+R replace, Ctrl+E export, F5 refresh. The database is read on
the task runner only.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QTimer, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMessageBox,
    QProgressBar,
    QPushButton,
    QVBoxLayout,
)
from sqlalchemy.orm import Session

from desktop.meter_dialogs import HARDWARE_NO, LineDialog, MeterDialog, quantity_cell
from desktop.module_page import ModulePage
from desktop.place_picker import PlacePicker
from desktop.replace_wizard import ReplaceWizard
from desktop.saved_files import announce_saved, ask_save_path
from desktop.tasks import TaskError
from desktop.widgets import ReadOnlyTable
from reports.meter_registry import RegistryLine, registry_filename, render_meter_registry_xlsx
from server.services.core import calendar
from server.services.metering.meter_registry import (
    DEFAULT_LIMIT,
    MeterFilter,
    MeterList,
    MeterRow,
    NewMeter,
    RegistryChoices,
    active_kinds,
    list_meters,
    register,
    registry_choices,
    set_hardware_no,
    set_location,
    set_parent,
)
from server.services.metering.readings import METER_STATUS_LABELS, ReplacementResult

FILTER_DELAY_MS = 250


class MetersPage(ModulePage):
    """`loaded` fires once the first list is shown, `listed(MeterList)` after every list,
    `saved(MeterRow)` after a registration or edit, `replaced(ReplacementResult)`,
    `exported(str)` with the file written, `refused(str)` with a service's refusal."""

    listed = Signal(object)
    saved = Signal(object)
    replaced = Signal(object)
    exported = Signal(str)

    def build(self) -> None:
        self.setObjectName("metersPage")
        self.limit = DEFAULT_LIMIT
        self.choices = RegistryChoices((), ())
        self.meters: MeterList | None = None
        self.dialog: MeterDialog | LineDialog | None = None
        self.wizard: ReplaceWizard | None = None
        self._loaded = False
        self._serial = 0
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(FILTER_DELAY_MS)
        self._timer.timeout.connect(lambda: self.refresh())
        self._build()
        self._shortcuts()
        self._load_choices()

    # ---- layout ---------------------------------------------------------------------------

    def _build(self) -> None:
        self.place_picker = PlacePicker(
            self, all_campuses=self.tr("All campuses"), all_buildings=self.tr("All buildings")
        )
        self.kind_combo = QComboBox()
        self.kind_combo.addItem(self.tr("All kinds"), "")
        for kind, label in active_kinds():
            self.kind_combo.addItem(label, kind)
        self.status_combo = QComboBox()
        self.status_combo.addItem(self.tr("All statuses"), "")
        for status, label in METER_STATUS_LABELS.items():
            self.status_combo.addItem(label, status)
        self.status_combo.setCurrentIndex(self.status_combo.findData("active"))
        self.text_edit = QLineEdit()
        self.text_edit.setPlaceholderText(self.tr("Meter, hardware or account no. (Ctrl+F)"))
        self.text_edit.setClearButtonEnabled(True)
        self.place_picker.set_places(self.choices.buildings, self.choices.campuses)

        self.table = ReadOnlyTable(
            [self.tr("Meter"), self.tr("Hardware no."), self.tr("Kind"), self.tr("Campus"),
             self.tr("Building"), self.tr("Room"), self.tr("Location"), self.tr("Account"),
             self.tr("Holder"), self.tr("Digits"), self.tr("Multiplier"), self.tr("Status"),
             self.tr("Last reading"), self.tr("Installed"), self.tr("Master meter")]
        )  # fmt: skip
        self.table.activated.connect(lambda _: self.ask_hardware_no())
        self.count_label = QLabel()
        self.count_label.setObjectName("hint")
        self.progress = QProgressBar()
        self.progress.setRange(0, 0)  # busy: the export's length is not known ahead
        self.progress.setMaximumWidth(160)
        self.progress.hide()

        self.register_button = QPushButton(self.tr("Register… (Ctrl+N)"))
        self.hardware_button = QPushButton(self.tr("Hardware no.… (F2)"))
        self.location_button = QPushButton(self.tr("Location… (Ctrl+L)"))
        self.parent_button = QPushButton(self.tr("Master meter… (Ctrl+M)"))
        self.replace_button = QPushButton(self.tr("Replace… (Ctrl+R)"))
        self.export_button = QPushButton(self.tr("Export Excel… (Ctrl+E)"))
        self.register_button.clicked.connect(lambda: self.ask_register())
        self.hardware_button.clicked.connect(lambda: self.ask_hardware_no())
        self.location_button.clicked.connect(lambda: self.ask_location())
        self.parent_button.clicked.connect(lambda: self.ask_parent())
        self.replace_button.clicked.connect(lambda: self.ask_replace())
        self.export_button.clicked.connect(lambda: self.ask_export())

        filters = QHBoxLayout()
        for caption, widget in (
            (self.tr("Campus:"), self.place_picker.campus_combo),
            (self.tr("Building:"), self.place_picker.building_combo),
            (self.tr("Kind:"), self.kind_combo),
            (self.tr("Status:"), self.status_combo),
        ):
            filters.addWidget(QLabel(caption))
            filters.addWidget(widget)
        filters.addWidget(self.text_edit, 1)
        actions = QHBoxLayout()
        actions.addWidget(self.count_label, 1)
        actions.addWidget(self.progress)
        for button in (
            self.register_button,
            self.hardware_button,
            self.location_button,
            self.parent_button,
            self.replace_button,
            self.export_button,
        ):
            actions.addWidget(button)
        layout = QVBoxLayout(self)
        layout.addLayout(filters)
        layout.addWidget(self.table, 1)
        layout.addLayout(actions)

        self.place_picker.changed.connect(self._timer.start)
        for combo in (self.kind_combo, self.status_combo):
            combo.currentIndexChanged.connect(lambda _: self._timer.start())
        self.text_edit.textEdited.connect(lambda _: self._timer.start())
        self.text_edit.returnPressed.connect(lambda: self.refresh())

    def _shortcuts(self) -> None:
        keys = {
            "Ctrl+F": self.focus_filter,
            "Ctrl+N": self.ask_register,
            "F2": self.ask_hardware_no,
            "Ctrl+L": self.ask_location,
            "Ctrl+M": self.ask_parent,
            "Ctrl+R": self.ask_replace,
            "Ctrl+E": self.ask_export,
            "F5": self.refresh,
        }
        for key, slot in keys.items():
            self.add_shortcut(key, slot)

    def focus_filter(self) -> None:
        self.text_edit.setFocus()
        self.text_edit.selectAll()

    # ---- filters and the list ---------------------------------------------------------------

    def set_filter(
        self, *, campus: str = "", building: str = "", kind: str = "", status: str = ""
    ) -> None:
        """Choose filter values as a person would in the boxes, then list at once."""
        self.place_picker.select(campus, building)
        self.kind_combo.setCurrentIndex(max(self.kind_combo.findData(kind), 0))
        self.status_combo.setCurrentIndex(max(self.status_combo.findData(status), 0))
        self.refresh()

    def current_filter(self) -> MeterFilter:
        return MeterFilter(
            campus=self.place_picker.campus(),
            building=self.place_picker.building(),
            kind=str(self.kind_combo.currentData() or ""),
            status=str(self.status_combo.currentData() or ""),
            text=self.text_edit.text().strip(),
        )

    def _load_choices(self) -> None:
        def ready(choices: RegistryChoices) -> None:
            self.choices = choices
            self.place_picker.set_places(self.choices.buildings, self.choices.campuses)
            self.refresh()

        self.runner.run(registry_choices, on_success=ready, on_failure=self._refused, owner=self)

    def refresh(self) -> None:
        self._timer.stop()
        filters, limit = self.current_filter(), self.limit
        self._serial += 1
        serial = self._serial
        self.runner.run(
            lambda s: list_meters(s, filters, limit),
            on_success=lambda meters: self._show(serial, meters),
            on_failure=self._refused,
            owner=self,
        )

    def _show(self, serial: int, meters: MeterList) -> None:
        if serial != self._serial:
            return  # the filters changed since
        self.meters = meters
        selected = self.selected_meter()
        self.table.fill(
            [
                [m.meter_no, m.hardware_no, m.kind_label, m.campus, m.building, m.room,
                 m.location, m.account_no, m.holder_name, m.digits,
                 quantity_cell(m.multiplier), m.status_label, quantity_cell(m.last_value),
                 m.installed_on, m.parent_no]
                for m in meters.rows
            ],
            keys=[m.meter_no for m in meters.rows],
            struck=[m.status != "active" for m in meters.rows],
        )  # fmt: skip
        if selected:
            self.select_meter(selected)
        shown = len(meters.rows)
        text = self.tr("{total} meters").format(total=meters.total)
        if shown < meters.total:
            text += self.tr(", the first {shown} shown: narrow the filters").format(shown=shown)
        self.count_label.setText(text)
        self.listed.emit(meters)
        if not self._loaded:
            self._loaded = True
            self.loaded.emit()

    def selected_meter(self) -> str | None:
        key = self.table.selected_key()
        return None if key is None else str(key)

    def select_meter(self, meter_no: str) -> bool:
        for row in range(self.table.row_count()):
            if self.table.key_at(row) == meter_no:
                self.table.selectRow(row)
                return True
        return False

    def _row(self, meter_no: str) -> MeterRow | None:
        rows = self.meters.rows if self.meters else ()
        return next((m for m in rows if m.meter_no == meter_no), None)

    # ---- edits ------------------------------------------------------------------------------

    def ask_register(self) -> None:
        dialog = MeterDialog(active_kinds(), self.choices.campuses, self.choices.buildings, self)
        self.dialog = dialog
        dialog.accepted.connect(lambda: self.register(dialog.new_meter()))
        dialog.open()

    def register(self, form: NewMeter) -> None:
        actor = self.identity.actor
        self.runner.run(
            lambda s: register(s, actor, form),
            on_success=self._saved,
            on_failure=self._refused,
            owner=self,
        )

    def ask_hardware_no(self) -> None:
        meter_no = self.selected_meter()
        row = self._row(meter_no) if meter_no else None
        if row is None:
            return

        def check(text: str) -> str:
            if not HARDWARE_NO.match(text):
                return self.tr("Hardware no.: up to 32 letters, digits or dashes")
            return ""

        dialog = LineDialog(
            self.tr("Hardware no. of meter {no}").format(no=row.meter_no),
            self.tr("Hardware no.:"),
            row.hardware_no,
            check,
            self,
        )
        self.dialog = dialog
        dialog.accepted.connect(lambda: self.set_hardware_no(row.meter_no, dialog.value()))
        dialog.open()

    def set_hardware_no(self, meter_no: str, hardware_no: str) -> None:
        """Map `hardware_no` to the meter (blank clears it); a number in use is refused."""
        actor = self.identity.actor
        self.runner.run(
            lambda s: set_hardware_no(s, actor, meter_no, hardware_no),
            on_success=self._saved,
            on_failure=self._refused,
            owner=self,
        )

    def ask_location(self) -> None:
        meter_no = self.selected_meter()
        row = self._row(meter_no) if meter_no else None
        if row is None:
            return

        def check(text: str) -> str:
            return self.tr("Location: at most 200 characters") if len(text) > 200 else ""

        dialog = LineDialog(
            self.tr("Location of meter {no}").format(no=row.meter_no),
            self.tr("Location:"),
            row.location,
            check,
            self,
        )
        self.dialog = dialog
        dialog.accepted.connect(lambda: self.set_location(row.meter_no, dialog.value()))
        dialog.open()

    def set_location(self, meter_no: str, location: str) -> None:
        actor = self.identity.actor
        self.runner.run(
            lambda s: set_location(s, actor, meter_no, location),
            on_success=self._saved,
            on_failure=self._refused,
            owner=self,
        )

    def ask_parent(self) -> None:
        meter_no = self.selected_meter()
        row = self._row(meter_no) if meter_no else None
        if row is None:
            return

        def check(text: str) -> str:
            if not HARDWARE_NO.match(text.strip()):
                return self.tr("Master meter: a meter no., up to 32 letters, digits or dashes")
            if text.strip() == row.meter_no:
                return self.tr("Master meter: not the meter itself")
            return ""

        dialog = LineDialog(
            self.tr("Master meter of meter {no} (blank: none)").format(no=row.meter_no),
            self.tr("Master meter no.:"),
            row.parent_no,
            check,
            self,
        )
        self.dialog = dialog
        dialog.accepted.connect(lambda: self.set_parent(row.meter_no, dialog.value()))
        dialog.open()

    def set_parent(self, meter_no: str, parent_no: str) -> None:
        """Hang the meter under master meter `parent_no` (blank: none); another kind or a
        cycle is refused by the service."""
        actor = self.identity.actor
        self.runner.run(
            lambda s: set_parent(s, actor, meter_no, parent_no),
            on_success=self._saved,
            on_failure=self._refused,
            owner=self,
        )

    def _saved(self, row: MeterRow) -> None:
        self.saved.emit(row)
        self.refresh()

    def _refused(self, error: TaskError) -> None:
        self.refused.emit(error.message)
        QMessageBox.warning(self, self.tr("Meters"), error.message)

    # ---- replacement ------------------------------------------------------------------------

    def ask_replace(self) -> None:
        """The wizard, starting from the selected meter when one is selected."""
        wizard = ReplaceWizard(self.runner, self.identity.actor, self.selected_meter() or "", self)
        self.wizard = wizard
        wizard.replaced.connect(self._replaced)
        wizard.open()

    def _replaced(self, result: ReplacementResult) -> None:
        self.replaced.emit(result)
        self.refresh()

    # ---- export -----------------------------------------------------------------------------

    def ask_export(self) -> None:
        chosen = ask_save_path(
            self,
            self.tr("Export Excel"),
            Path.home() / registry_filename(calendar.now()),
            "Excel (*.xlsx)",
        )
        if chosen is not None:
            self.export(chosen)

    def export(self, path: Path) -> None:
        """Every meter the filters match (not only those shown), off the GUI thread."""
        filters = self.current_filter()
        title = self.tr("Meter registry")
        target = path

        def work(session: Session) -> int:
            rows = list_meters(session, filters, limit=None).rows
            lines = [
                RegistryLine(
                    m.meter_no, m.hardware_no, m.kind_label, m.campus, m.building, m.room,
                    m.location, m.account_no, m.holder_name, m.digits, m.multiplier,
                    m.status_label, m.last_value, m.installed_on,
                )
                for m in rows
            ]  # fmt: skip
            _, _, content = render_meter_registry_xlsx(lines, title, calendar.now())
            target.write_bytes(content)
            return len(lines)

        def done(_: int) -> None:
            self.progress.hide()
            self.export_button.setEnabled(True)
            announce_saved(self, target)
            self.exported.emit(str(target))

        def failed(error: TaskError) -> None:
            self.progress.hide()
            self.export_button.setEnabled(True)
            self._refused(error)

        self.progress.show()
        self.export_button.setEnabled(False)
        self.runner.run(work, on_success=done, on_failure=failed, owner=self)
