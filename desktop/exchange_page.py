"""数据交换: what comes in from and goes out to other systems, in three tabs.

远传读数 pulls the energy platform's readings (or imports its CSV / Excel export) and
shows each line's outcome in the handheld page's colours; a platform that does not answer
is reported in one line with 重试, nothing having been written. 抄表卡 prints a building's
route sheet for a round without a handheld. 户号变更 reads the billing system's workbook of
new, changed and closed 户号, tried first (预检) and then imported.

Everything runs on the task runner, network and PDFs included: the window never waits.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from pathlib import Path

from PySide6.QtCore import QDate, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QDateEdit,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)
from sqlalchemy.orm import Session

from desktop.document_dialog import DocumentDialog
from desktop.module_page import ModulePage
from desktop.outcome_table import OUTCOME_COLOURS, OutcomeTable
from desktop.place_picker import PlacePicker, kind_combo
from desktop.tasks import BusyTasks, TaskError
from desktop.widgets import ALERT, tab_page
from server.config import load_settings
from server.services.accounts import account_changes as ac
from server.services.accounts.account_changes import AccountChangesResult, import_account_changes
from server.services.metering.handheld_import import (
    DUPLICATE,
    FAILED,
    IMPORTED,
    HandheldImportResult,
)
from server.services.metering.remote_readings import RemoteSettings, import_remote_file, pull_remote
from server.services.metering.review_desk import BuildingChoice, building_choices
from server.services.metering.route_sheets import route_sheet_pdf

LAST_DIR = "exchange/last_dir"
REMOTE_FILTER = "远传导出文件 (*.csv *.txt *.xlsx *.xls);;所有文件 (*)"
WORKBOOK_FILTER = "Excel (*.xlsx *.xls);;所有文件 (*)"
# An account change in the colour of the handheld outcome it is like: done, nothing to do,
# to fix.
CHANGE_COLOURS = {
    ac.CREATED: OUTCOME_COLOURS[IMPORTED],
    ac.UPDATED: OUTCOME_COLOURS[IMPORTED],
    ac.CLOSED: OUTCOME_COLOURS[IMPORTED],
    ac.UNCHANGED: OUTCOME_COLOURS[DUPLICATE],
    ac.REFUSED: OUTCOME_COLOURS[FAILED],
}


class ExchangePage(ModulePage):
    """`loaded` once the buildings are shown; `remote_done(HandheldImportResult)`,
    `remote_failed(str)`, `sheet_ready(DocumentDialog)`, `changes_done(AccountChangesResult)`
    and `failed(str)` once the screen shows them."""

    remote_done = Signal(object)
    remote_failed = Signal(str)
    sheet_ready = Signal(object)
    changes_done = Signal(object)
    failed = Signal(str)

    def build(self) -> None:
        self.setObjectName("exchangePage")
        # None: read from the settings (remote.*) when pulling; tests put their own here.
        self.remote: RemoteSettings | None = None
        self.remote_result: HandheldImportResult | None = None
        self.changes_result: AccountChangesResult | None = None
        self.document: DocumentDialog | None = None
        self._retry: Callable[[], None] | None = None
        self._loaded = False
        self.tasks = BusyTasks(self.runner, self, self._update_buttons)
        self.tabs = QTabWidget()
        self.tabs.addTab(self._remote_tab(), self.tr("Remote readings"))
        self.tabs.addTab(self._sheet_tab(), self.tr("Route sheets"))
        self.tabs.addTab(self._changes_tab(), self.tr("Account changes"))
        layout = QVBoxLayout(self)
        layout.addWidget(self.tabs, 1)
        bottom = QHBoxLayout()
        bottom.addStretch(1)
        bottom.addWidget(self.tasks.progress)
        layout.addLayout(bottom)
        self._update_buttons()
        self.load()

    # ---- layout ---------------------------------------------------------------------------

    def _remote_tab(self) -> QWidget:
        self.since_check = QCheckBox(self.tr("Since"))
        self.since_check.setChecked(True)
        self.since_edit = QDateEdit(QDate.currentDate().addDays(-7))
        self.since_edit.setDisplayFormat("yyyy-MM-dd")
        self.since_edit.setCalendarPopup(True)
        self.since_check.toggled.connect(self.since_edit.setEnabled)
        self.pull_button = QPushButton(self.tr("Pull"))
        self.pull_button.setObjectName("primaryButton")
        self.pull_button.setToolTip(self.tr("Fetch the energy platform's readings and record them"))
        self.pull_button.clicked.connect(lambda: self.pull())
        self.remote_file_button = QPushButton(self.tr("Import file…"))
        self.remote_file_button.setToolTip(self.tr("The platform's CSV or Excel export"))
        self.remote_file_button.clicked.connect(lambda: self.choose_remote_file())
        self.remote_summary = QLabel(
            self.tr("Pull the platform's readings, or import its exported file.")
        )
        self.remote_summary.setWordWrap(True)
        self.remote_error = QLabel()
        self.remote_error.setWordWrap(True)
        self.remote_error.setStyleSheet(f"color: {ALERT.name()};")
        self.retry_button = QPushButton(self.tr("Retry"))
        self.retry_button.clicked.connect(lambda: self.retry())
        self.retry_button.setVisible(False)
        self.remote_table = OutcomeTable(
            [self.tr("Line"), self.tr("Hardware no."), self.tr("Meter"), self.tr("Reading"),
             self.tr("Read at"), self.tr("Outcome"), self.tr("Message")]
        )  # fmt: skip
        row = QHBoxLayout()
        row.addWidget(self.since_check)
        row.addWidget(self.since_edit)
        row.addWidget(self.pull_button)
        row.addSpacing(12)
        row.addWidget(self.remote_file_button)
        row.addStretch(1)
        error_row = QHBoxLayout()
        error_row.addWidget(self.remote_error, 1)
        error_row.addWidget(self.retry_button)
        return tab_page(
            row, error_row, self.remote_summary, self.remote_table, stretch=self.remote_table
        )

    def _sheet_tab(self) -> QWidget:
        self.place_picker = PlacePicker(self)
        self.place_picker.changed.connect(self._update_buttons)
        self.kind_combo = kind_combo(self.tr("All kinds"))
        self.sheet_button = QPushButton(self.tr("Generate"))
        self.sheet_button.setObjectName("primaryButton")
        self.sheet_button.setToolTip(
            self.tr("The building's route sheet with each meter's expected range")
        )
        self.sheet_button.clicked.connect(lambda: self.generate_sheet())
        self.sheet_message = QLabel()
        self.sheet_message.setWordWrap(True)
        self.sheet_message.setStyleSheet(f"color: {ALERT.name()};")
        row = QHBoxLayout()
        row.addWidget(QLabel(self.tr("Campus:")))
        row.addWidget(self.place_picker.campus_combo)
        row.addWidget(QLabel(self.tr("Building:")))
        row.addWidget(self.place_picker.building_combo, 1)
        row.addWidget(QLabel(self.tr("Kind:")))
        row.addWidget(self.kind_combo)
        row.addWidget(self.sheet_button)
        return tab_page(row, self.sheet_message)

    def _changes_tab(self) -> QWidget:
        self.workbook_edit = QLineEdit()
        self.workbook_edit.setPlaceholderText(
            self.tr("The billing system's workbook of account changes (.xlsx)")
        )
        self.workbook_edit.textChanged.connect(lambda _: self._update_buttons())
        self.workbook_button = QPushButton(self.tr("Choose file…"))
        self.workbook_button.clicked.connect(lambda: self.choose_workbook())
        self.changes_check, self.changes_import = self.dry_run_buttons(
            self.tr("Judge every row as an import would; write nothing"),
            lambda dry_run: self.run_changes(dry_run=dry_run),
        )
        self.changes_summary = QLabel(
            self.tr("Pick the workbook, then Dry run to see what it would do, then Import.")
        )
        self.changes_summary.setWordWrap(True)
        self.changes_table = OutcomeTable(
            [self.tr("Row"), self.tr("Change"), self.tr("Account"), self.tr("Outcome"),
             self.tr("Message")],
            colours=CHANGE_COLOURS,
        )  # fmt: skip
        row = QHBoxLayout()
        row.addWidget(QLabel(self.tr("File:")))
        row.addWidget(self.workbook_edit, 1)
        row.addWidget(self.workbook_button)
        row.addSpacing(12)
        row.addWidget(self.changes_check)
        row.addWidget(self.changes_import)
        return tab_page(row, self.changes_summary, self.changes_table, stretch=self.changes_table)

    def _update_buttons(self) -> None:
        idle = self.tasks.idle
        self.pull_button.setEnabled(idle)
        self.remote_file_button.setEnabled(idle)
        self.retry_button.setEnabled(idle)
        self.sheet_button.setEnabled(idle and self.place_picker.building_key() is not None)
        has_workbook = bool(self.workbook_edit.text().strip())
        self.changes_check.setEnabled(idle and has_workbook)
        self.changes_import.setEnabled(idle and has_workbook)

    # ---- loading --------------------------------------------------------------------------

    def load(self) -> None:
        self.tasks.run(building_choices, self._show_buildings, self._load_failed)

    def _load_failed(self, error: TaskError) -> None:
        self.sheet_message.setText(error.message)
        self.failed.emit(error.message)

    def _show_buildings(self, buildings: tuple[BuildingChoice, ...]) -> None:
        self.place_picker.set_places(buildings)
        self._update_buttons()
        if not self._loaded:
            self._loaded = True
            self.loaded.emit()

    def select_building(self, campus: str, building: str) -> None:
        self.place_picker.select(campus, building)

    # ---- remote readings ------------------------------------------------------------------

    def _remote_settings(self) -> RemoteSettings:
        # Read on the worker: the settings file is read, and a bad timeout is a DomainError
        # the page shows like any other refusal.
        return self.remote or RemoteSettings.from_settings(load_settings())

    def pull(self) -> None:
        since: date | None = None
        if self.since_check.isChecked():
            since = self.since_edit.date().toPython()  # type: ignore[assignment]
        actor = self.identity.actor
        self.remote_summary.setText(self.tr("Fetching the platform's readings…"))
        self._start_remote(
            lambda s: pull_remote(s, actor, self._remote_settings(), since=since), self.pull
        )

    def choose_remote_file(self) -> None:
        chosen = self.ask_open_file(LAST_DIR, self.tr("Remote readings export"), REMOTE_FILTER)
        if chosen is not None:
            self.import_remote(chosen)

    def import_remote(self, path: Path) -> None:
        self.remember_folder(LAST_DIR, path)
        actor = self.identity.actor
        self.remote_summary.setText(self.tr("Importing {name}…").format(name=path.name))
        self._start_remote(
            lambda s: import_remote_file(s, actor, path, self._remote_settings()),
            lambda: self.import_remote(path),
        )

    def _start_remote(
        self, work: Callable[[Session], HandheldImportResult], again: Callable[[], None]
    ) -> None:
        self._retry = again
        self.remote_error.clear()
        self.retry_button.setVisible(False)
        self.tasks.run(work, self._remote_shown, self._remote_refused)

    def retry(self) -> None:
        if self._retry is not None:
            self._retry()

    def _remote_refused(self, error: TaskError) -> None:
        self.remote_summary.clear()
        self.remote_error.setText(error.message)
        self.retry_button.setVisible(True)
        self.remote_failed.emit(error.message)

    def _remote_shown(self, result: HandheldImportResult) -> None:
        self.remote_result = result
        self.remote_table.show_lines(result)
        self.remote_summary.setText(result.summary())
        self.remote_done.emit(result)

    # ---- route sheets ---------------------------------------------------------------------

    def generate_sheet(self) -> None:
        building = self.place_picker.building_key()
        if building is None:
            return
        kind = self.kind_combo.currentData()
        self.sheet_message.clear()
        self.tasks.run(
            lambda s: route_sheet_pdf(s, building, kind=kind),
            self._show_sheet,
            self._sheet_refused,
        )

    def _sheet_refused(self, error: TaskError) -> None:
        self.sheet_message.setText(error.message)
        self.failed.emit(error.message)

    def _show_sheet(self, made: tuple[str, str, bytes]) -> None:
        filename, _mime, pdf = made
        title = self.tr("Route sheet {building}").format(
            building=self.place_picker.building_combo.currentText()
        )
        dialog = DocumentDialog(title, filename, pdf, preferences=self.preferences, parent=self)
        self.document = dialog
        dialog.open()
        self.sheet_ready.emit(dialog)

    # ---- account changes ------------------------------------------------------------------

    def choose_workbook(self) -> None:
        chosen = self.ask_open_file(LAST_DIR, self.tr("Account changes workbook"), WORKBOOK_FILTER)
        if chosen is not None:
            self.workbook_edit.setText(str(chosen))
            self.remember_folder(LAST_DIR, chosen)

    def run_changes(self, *, dry_run: bool) -> None:
        text = self.workbook_edit.text().strip()
        if not text:
            return
        path = Path(text)
        if not path.is_file():
            self._changes_refused_text(self.tr("File not found: {path}").format(path=path))
            return
        actor = self.identity.actor
        busy = self.tr("Checking {name}…") if dry_run else self.tr("Importing {name}…")
        self.changes_summary.setStyleSheet("")
        self.changes_summary.setText(busy.format(name=path.name))
        self.tasks.run(
            lambda s: import_account_changes(s, actor, path, dry_run=dry_run),
            self._changes_shown,
            lambda error: self._changes_refused_text(error.message),
        )

    def _changes_refused_text(self, message: str) -> None:
        self.changes_summary.setStyleSheet(f"color: {ALERT.name()};")
        self.changes_summary.setText(message)
        self.failed.emit(message)

    def _changes_shown(self, result: AccountChangesResult) -> None:
        self.changes_result = result
        self.changes_table.fill(
            [[r.row, r.kind, r.account_no, r.outcome_label, r.message] for r in result.rows],
            keys=[(r.row, r.outcome) for r in result.rows],
        )
        self.changes_summary.setStyleSheet("")
        self.changes_summary.setText(result.summary())
        self.changes_done.emit(result)
