"""The handheld import page (掌上机导入, under 抄表): a docked terminal's file in, its route out.

A reader drops the terminal's export file on the page (or picks it), picks the column
profile, tries it (预检: every line judged, nothing written) and imports it; the table
shows each line's outcome in the colour of what needs doing (green in, amber to check, red
to fix, grey already there) and the result goes to Excel for whoever follows up. The
route (the meters of a building to read) goes the other way, in the profile's format.
A small Bluetooth section reads a BLE water meter on the spot; the 台架读表 tab reads a
meter on the bench over a serial port (desktop.bench_read).

Everything, including the Bluetooth I/O, runs on the task runner: the window never waits.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QDragEnterEvent, QDropEvent
from PySide6.QtWidgets import (
    QComboBox,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QSplitter,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)
from sqlalchemy.orm import Session

from desktop.bench_read import BenchReadPanel
from desktop.ble_read import BleReadBox
from desktop.handheld_profiles_dialog import ProfilesDialog
from desktop.module_page import ModulePage
from desktop.outcome_table import OutcomeTable
from desktop.place_picker import PlacePicker, kind_combo
from desktop.saved_files import announce_saved, ask_save_path
from desktop.tasks import BusyTasks, TaskError
from server.services.metering.handheld_file_profiles import ProfileInfo, list_profiles
from server.services.metering.handheld_import import (
    HandheldImportResult,
    RouteFile,
    import_handheld,
    result_xlsx,
    route_for_building,
)
from server.services.metering.review_desk import BuildingChoice, building_choices

LAST_DIR = "handheld/last_dir"
LAST_PROFILE = "handheld/profile"
FILE_FILTER = "掌上机文件 (*.dbf *.csv *.txt *.xls *.xlsx);;所有文件 (*)"
EXTENSIONS = (".dbf", ".csv", ".txt", ".xls", ".xlsx")


class HandheldPage(ModulePage):
    """`loaded` once the profiles are shown; `import_done(HandheldImportResult)`,
    `exported(str)` and `route_saved(str)` once the screen shows them; the Bluetooth box
    (`ble`) and the bench panel (`bench`) say what they show."""

    import_done = Signal(object)
    exported = Signal(str)
    route_saved = Signal(str)

    def build(self) -> None:
        self.setObjectName("handheldPage")
        self.profiles: tuple[ProfileInfo, ...] = ()
        self.result: HandheldImportResult | None = None
        self._loaded = False
        self.tasks = BusyTasks(self.runner, self, self._update_buttons)

        self.setAcceptDrops(True)
        self._build_import()
        self._build_route()
        self.ble = BleReadBox(self.identity, self.tasks, self.preferences)
        self.bench = BenchReadPanel(self.identity, self.runner, preferences=self.preferences)
        self._layout()
        self.load()

    # ---- layout ---------------------------------------------------------------------------

    def _build_import(self) -> None:
        self.file_edit = QLineEdit()
        self.file_edit.setObjectName("handheldFile")
        self.file_edit.setPlaceholderText(
            self.tr("The terminal's export file (DBF/CSV/TXT/XLS/XLSX) — or drop it here")
        )
        self.file_edit.textChanged.connect(lambda _: self._update_buttons())
        self.browse_button = QPushButton(self.tr("Choose file…"))
        self.browse_button.clicked.connect(lambda: self.choose_file())
        self.profile_combo = QComboBox()
        self.profile_combo.setMinimumContentsLength(18)
        self.profile_combo.currentIndexChanged.connect(lambda _: self._remember_profile())
        self.profiles_button = QPushButton(self.tr("Profiles…"))
        self.profiles_button.clicked.connect(lambda: self.edit_profiles())
        self.check_button, self.import_button = self.dry_run_buttons(
            self.tr("Judge every line as an import would; write nothing"),
            lambda dry_run: self.run_import(dry_run=dry_run),
        )
        self.summary_label = QLabel()
        self.summary_label.setObjectName("handheldSummary")
        self.summary_label.setWordWrap(True)
        self.result_table = OutcomeTable(
            [self.tr("Line"), self.tr("Hardware no."), self.tr("Meter"), self.tr("Reading"),
             self.tr("Read at"), self.tr("Outcome"), self.tr("Message")]
        )  # fmt: skip
        self.export_button = QPushButton(self.tr("Export result to Excel…"))
        self.export_button.clicked.connect(lambda: self.export_result())

    def _build_route(self) -> None:
        self.route_box = QGroupBox(self.tr("Route for the terminal"))
        self.place_picker = PlacePicker(self)
        self.place_picker.changed.connect(self._update_buttons)
        self.kind_combo = kind_combo(self.tr("All kinds"))
        self.route_button = QPushButton(self.tr("Export route…"))
        self.route_button.setToolTip(
            self.tr("The building's meters in the chosen profile's format")
        )
        self.route_button.clicked.connect(lambda: self.export_route())
        row = QHBoxLayout(self.route_box)
        row.addWidget(QLabel(self.tr("Campus:")))
        row.addWidget(self.place_picker.campus_combo)
        row.addWidget(QLabel(self.tr("Building:")))
        row.addWidget(self.place_picker.building_combo, 1)
        row.addWidget(self.kind_combo)
        row.addWidget(self.route_button)

    def _layout(self) -> None:
        file_row = QHBoxLayout()
        file_row.addWidget(QLabel(self.tr("File:")))
        file_row.addWidget(self.file_edit, 1)
        file_row.addWidget(self.browse_button)
        profile_row = QHBoxLayout()
        profile_row.addWidget(QLabel(self.tr("Profile:")))
        profile_row.addWidget(self.profile_combo, 1)
        profile_row.addWidget(self.profiles_button)
        profile_row.addSpacing(12)
        profile_row.addWidget(self.check_button)
        profile_row.addWidget(self.import_button)
        profile_row.addWidget(self.tasks.progress)
        result_bar = QHBoxLayout()
        result_bar.addWidget(self.summary_label, 1)
        result_bar.addWidget(self.export_button)

        upper = QWidget()
        column = QVBoxLayout(upper)
        column.setContentsMargins(0, 0, 0, 0)
        column.addLayout(file_row)
        column.addLayout(profile_row)
        column.addLayout(result_bar)
        column.addWidget(self.result_table, 1)
        lower = QWidget()
        bottom = QHBoxLayout(lower)
        bottom.setContentsMargins(0, 0, 0, 0)
        bottom.addWidget(self.route_box, 1)
        bottom.addWidget(self.ble, 1)
        split = QSplitter(Qt.Orientation.Vertical)
        split.addWidget(upper)
        split.addWidget(lower)
        split.setStretchFactor(0, 4)
        split.setStretchFactor(1, 1)
        self.tabs = QTabWidget()
        self.tabs.addTab(split, self.tr("Import and route"))
        self.tabs.addTab(self.bench, self.tr("Bench read"))
        layout = QVBoxLayout(self)
        layout.addWidget(self.tabs)
        self.show_result(None)

    def _update_buttons(self) -> None:
        idle = self.tasks.idle
        has_file = bool(self.file_edit.text().strip())
        has_profile = self.profile_combo.currentData() is not None
        self.check_button.setEnabled(idle and has_file and has_profile)
        self.import_button.setEnabled(idle and has_file and has_profile)
        self.export_button.setEnabled(self.result is not None)
        self.route_button.setEnabled(has_profile and self.place_picker.building_key() is not None)
        self.ble.update_buttons()

    # ---- loading --------------------------------------------------------------------------

    def load(self) -> None:
        def fetch(session: Session) -> tuple[tuple[ProfileInfo, ...], tuple[BuildingChoice, ...]]:
            return tuple(list_profiles(session)), building_choices(session)

        self.tasks.run(fetch, self._show_loaded)

    def _show_loaded(
        self, answer: tuple[tuple[ProfileInfo, ...], tuple[BuildingChoice, ...]]
    ) -> None:
        profiles, buildings = answer
        self.show_profiles(profiles)
        self.place_picker.set_places(buildings)
        self._update_buttons()
        if not self._loaded:
            self._loaded = True
            self.loaded.emit()

    def show_profiles(self, profiles: tuple[ProfileInfo, ...], select: int | None = None) -> None:
        self.profiles = profiles
        wanted = select
        if wanted is None:
            wanted = self.profile_combo.currentData()
        if wanted is None and self.preferences is not None:
            remembered = self.preferences.value(LAST_PROFILE, None)
            wanted = int(remembered) if remembered not in (None, "") else None
        self.profile_combo.blockSignals(True)
        self.profile_combo.clear()
        for profile in profiles:
            self.profile_combo.addItem(profile.name, profile.id)
        index = self.profile_combo.findData(wanted)
        self.profile_combo.setCurrentIndex(max(index, 0))
        self.profile_combo.blockSignals(False)
        self._update_buttons()

    def _remember_profile(self) -> None:
        if self.preferences is not None and self.profile_combo.currentData() is not None:
            self.preferences.setValue(LAST_PROFILE, self.profile_combo.currentData())
        self._update_buttons()

    def select_profile(self, name: str) -> None:
        self.profile_combo.setCurrentIndex(self.profile_combo.findText(name))

    def select_building(self, campus: str, building: str) -> None:
        self.place_picker.select(campus, building)

    # ---- the file -------------------------------------------------------------------------

    def choose_file(self) -> None:
        chosen = self.ask_open_file(LAST_DIR, self.tr("Handheld export file"), FILE_FILTER)
        if chosen is not None:
            self.set_file(chosen)

    def set_file(self, path: Path) -> None:
        self.file_edit.setText(str(path))
        self.remember_folder(LAST_DIR, path)

    @staticmethod
    def _dropped_file(event: QDragEnterEvent | QDropEvent) -> Path | None:
        urls = event.mimeData().urls() if event.mimeData().hasUrls() else []
        files = [Path(u.toLocalFile()) for u in urls if u.isLocalFile()]
        if len(files) == 1 and files[0].suffix.lower() in EXTENSIONS:
            return files[0]
        return None

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        if self._dropped_file(event) is not None:
            event.acceptProposedAction()
        else:
            event.ignore()

    def dropEvent(self, event: QDropEvent) -> None:
        path = self._dropped_file(event)
        if path is None:
            event.ignore()
            return
        event.acceptProposedAction()
        self.set_file(path)

    # ---- import ---------------------------------------------------------------------------

    def run_import(self, *, dry_run: bool) -> None:
        text = self.file_edit.text().strip()
        profile = self.profile_combo.currentData()
        if not text or profile is None:
            return
        path = Path(text)
        if not path.is_file():
            QMessageBox.warning(
                self,
                self.tr("Handheld import"),
                self.tr("File not found: {path}").format(path=path),
            )
            return
        actor = self.identity.actor
        busy = self.tr("Checking {name}…") if dry_run else self.tr("Importing {name}…")
        self.summary_label.setText(busy.format(name=path.name))
        self.tasks.run(
            lambda s: import_handheld(s, actor, path, profile, dry_run=dry_run),
            self._imported,
            self._import_failed,
        )

    def _import_failed(self, error: TaskError) -> None:
        self.summary_label.setText("")
        QMessageBox.warning(self, self.tr("Handheld import"), error.message)

    def _imported(self, result: HandheldImportResult) -> None:
        self.show_result(result)
        self.import_done.emit(result)

    def show_result(self, result: HandheldImportResult | None) -> None:
        self.result = result
        if result is None:
            self.result_table.fill([])
            self.summary_label.setText(
                self.tr("Pick the terminal's file and a profile, then Dry run or Import.")
            )
            self._update_buttons()
            return
        self.result_table.show_lines(result)
        self.summary_label.setText(result.summary())
        self._update_buttons()

    def export_result(self, path: Path | None = None) -> None:
        result = self.result
        if result is None:
            return
        self.tasks.run(lambda _s: result_xlsx(result), lambda made: self._save_result(made, path))

    def _save_result(self, made: tuple[str, str, bytes], path: Path | None) -> None:
        filename, _mime, content = made
        if path is None:
            path = ask_save_path(
                self,
                self.tr("Export result"),
                Path(self.last_folder(LAST_DIR)) / filename,
                "Excel (*.xlsx)",
            )
            if path is None:
                return
        path.write_bytes(content)
        announce_saved(self, path)
        self.exported.emit(str(path))

    # ---- route ----------------------------------------------------------------------------

    def export_route(self, path: Path | None = None) -> None:
        building = self.place_picker.building_key()
        profile = self.profile_combo.currentData()
        if building is None or profile is None:
            return
        kind = self.kind_combo.currentData()
        self.tasks.run(
            lambda s: route_for_building(s, building, profile, kind=kind),
            lambda route: self._save_route(route, path),
        )

    def _save_route(self, route: RouteFile, path: Path | None) -> None:
        if path is None:
            path = ask_save_path(
                self, self.tr("Save route"), Path(self.last_folder(LAST_DIR)) / route.filename, ""
            )
            if path is None:
                return
        path.write_bytes(route.content)
        announce_saved(self, path)
        self.route_saved.emit(str(path))

    # ---- profiles -------------------------------------------------------------------------

    def profiles_dialog(self) -> ProfilesDialog:
        dialog = ProfilesDialog(self.identity, self.runner, self.profiles, parent=self)
        dialog.saved.connect(lambda info: self.load_profiles(select=info.id))
        return dialog

    def edit_profiles(self) -> None:
        self.profiles_dialog().exec()

    def load_profiles(self, select: int | None = None) -> None:
        self.tasks.run(
            lambda s: tuple(list_profiles(s)),
            lambda profiles: self.show_profiles(profiles, select),
        )
