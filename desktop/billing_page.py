"""The billing page (账务管理): run a period, browse its bills, print the payment notices.

One period at the top (last month by default, the month that is billed) governs three tabs:
出账 runs the billing with a busy bar and then shows what was created and which meters were
left out and why (to Excel for the metering office); 账单 lists the period's bills with
filters, and a double-click opens one (更正账单 Ctrl+E and 作废账单 correct the selected one,
desktop.correction_actions); 缴款通知单 makes the notices of a building or an
account with n / total progress, or saves every building's PDF into a folder.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QComboBox,
    QFileDialog,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QRadioButton,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from desktop.billing_dialogs import BillDetailDialog, RunProgressDialog
from desktop.billing_run_ask import RunQuestion, desk_estimate_settings
from desktop.correction_actions import BillCorrections
from desktop.document_dialog import DocumentDialog
from desktop.module_page import ModulePage
from desktop.notice_export import NoticeExport, NoticesDocument, NoticesSaved
from desktop.place_picker import PlacePicker
from desktop.saved_files import announce_saved, ask_save_path
from desktop.tasks import TaskError
from desktop.widgets import ALERT, ReadOnlyTable, money_text
from reports.billing_run import write_run_xlsx
from server.services.billing.bill_views import BillView
from server.services.billing.billing_run import BillingRunResult, run_billing
from server.services.billing.bills import (
    BILL_STATUS_LABELS,
    BillFilter,
    BillRow,
    BillRows,
    Place,
    bill_detail,
    bill_places,
    bill_rows,
)
from server.services.billing.payment_notices import NoticeBuilding, notice_buildings
from server.services.core.calendar import Period, now
from server.services.residents.template_messages import queue_bill_notices

PERIODS_SHOWN = 36  # months back in the period list
BROWSE_LIMIT = 1000


class BillingPage(ModulePage):
    """Signals fire once the screen shows the new state: `loaded` (the first bills),
    `run_finished(BillingRunResult)`, `bills_shown(BillRows)`, `bill_opened(dialog)`,
    `notices_ready(DocumentDialog)`, `notices_saved(NoticesSaved)`, `exported(str)`,
    `notify_finished(int)` (the bill notices queued)."""

    run_finished = Signal(object)
    notify_finished = Signal(int)
    bills_shown = Signal(object)
    bill_opened = Signal(object)
    notices_ready = Signal(object)
    notices_saved = Signal(object)
    exported = Signal(str)

    def build(self) -> None:
        self.setObjectName("billingPage")
        self.result: BillingRunResult | None = None
        self.bills: BillRows | None = None
        self.buildings: tuple[NoticeBuilding, ...] = ()
        self.progress: RunProgressDialog | None = None
        self.run_question: RunQuestion | None = None
        self.export: NoticeExport | None = None
        self.last_document: DocumentDialog | None = None
        self._loaded = False
        self._serial = 0  # only the newest list is shown

        self.period_combo = QComboBox()
        self.period_combo.setObjectName("periodCombo")
        current = Period.of(now())
        for back in range(0, PERIODS_SHOWN + 1):
            self.period_combo.addItem(str(current.shift(-back)))
        self.period_combo.setCurrentIndex(1)  # last month: the one that is billed now
        self.period_combo.currentIndexChanged.connect(lambda _: self.period_changed())

        self.tabs = QTabWidget()
        self.tabs.addTab(self._build_run(), self.tr("Billing run"))
        self.tabs.addTab(self._build_browse(), self.tr("Bills"))
        self.tabs.addTab(self._build_notices(), self.tr("Payment notices"))

        top = QHBoxLayout()
        top.addWidget(QLabel(self.tr("Period:")))
        top.addWidget(self.period_combo)
        top.addStretch(1)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.tabs, 1)
        self._shortcuts()
        self.show_result(None)
        self.load_places()
        self.period_changed()

    # ---- layout ---------------------------------------------------------------------------

    def _build_run(self) -> QWidget:
        self.run_button = QPushButton(self.tr("Run billing (Ctrl+R)"))
        self.run_button.setObjectName("primaryButton")
        self.run_button.clicked.connect(lambda: self.ask_run())
        self.summary_label = QLabel()
        self.summary_label.setObjectName("runSummary")
        self.summary_label.setWordWrap(True)
        self.reasons_table = ReadOnlyTable([self.tr("Reason skipped"), self.tr("Meters")])
        self.skipped_table = ReadOnlyTable([self.tr("Meter"), self.tr("Reason skipped")])
        self.export_button = QPushButton(self.tr("Export &Excel…"))
        self.export_button.clicked.connect(lambda: self.export_result())
        self.notify_button = QPushButton(self.tr("Notify residents"))
        self.notify_button.setToolTip(
            self.tr("Queue the period's bill notices (账单通知) to residents bound to the accounts")
        )
        self.notify_button.clicked.connect(lambda: self.notify_residents())
        hint = QLabel(
            self.tr(
                "Bills every active account not yet billed for the period from its accepted "
                "readings; running it again creates nothing twice."
            )
        )
        hint.setObjectName("hint")
        hint.setWordWrap(True)
        buttons = QHBoxLayout()
        buttons.addWidget(self.run_button)
        buttons.addStretch(1)
        buttons.addWidget(self.notify_button)
        buttons.addWidget(self.export_button)
        tables = QHBoxLayout()
        tables.addWidget(self.reasons_table, 1)
        tables.addWidget(self.skipped_table, 2)
        page = QWidget()
        column = QVBoxLayout(page)
        column.addWidget(hint)
        column.addLayout(buttons)
        column.addWidget(self.summary_label)
        column.addLayout(tables, 1)
        return page

    def _build_browse(self) -> QWidget:
        self.place_picker = PlacePicker(
            self, all_campuses=self.tr("All"), all_buildings=self.tr("All")
        )
        self.status_combo = QComboBox()
        self.status_combo.addItem(self.tr("All"), "")
        for status in ("open", "partial", "paid"):
            self.status_combo.addItem(BILL_STATUS_LABELS[status], status)
        self.account_edit = QLineEdit()
        self.account_edit.setPlaceholderText(self.tr("Account no. starts with"))
        self.account_edit.setClearButtonEnabled(True)
        self.account_edit.returnPressed.connect(lambda: self.refresh_bills())
        self.place_picker.changed.connect(self.refresh_bills)
        self.status_combo.currentIndexChanged.connect(lambda _: self.refresh_bills())
        self.search_button = QPushButton(self.tr("Search"))
        self.search_button.clicked.connect(lambda: self.refresh_bills())
        self.bills_table = ReadOnlyTable(
            [self.tr("Account"), self.tr("Holder"), self.tr("Address"), self.tr("Amount"),
             self.tr("Status")]
        )  # fmt: skip
        # Double-click or Enter (activated), as in Explorer.
        self.bills_table.activated.connect(lambda index: self.open_bill_at(index.row()))
        self.count_label = QLabel()
        self.corrections = BillCorrections(self)
        filters = QHBoxLayout()
        for caption, widget in (
            (self.tr("Campus:"), self.place_picker.campus_combo),
            (self.tr("Building:"), self.place_picker.building_combo),
            (self.tr("Status:"), self.status_combo),
            (self.tr("Account:"), self.account_edit),
        ):
            filters.addWidget(QLabel(caption))
            filters.addWidget(widget)
        filters.addWidget(self.search_button)
        filters.addStretch(1)
        page = QWidget()
        column = QVBoxLayout(page)
        column.addLayout(filters)
        column.addWidget(self.bills_table, 1)
        below = QHBoxLayout()
        below.addWidget(self.count_label, 1)
        below.addWidget(self.corrections.rebill_button)
        below.addWidget(self.corrections.cancel_button)
        column.addLayout(below)
        return page

    def _build_notices(self) -> QWidget:
        self.by_building = QRadioButton(self.tr("One PDF for a building (by room)"))
        self.by_account = QRadioButton(self.tr("One account:"))
        self.by_building.setChecked(True)
        self.notice_account_edit = QLineEdit()
        self.notice_account_edit.setPlaceholderText(self.tr("Account no."))
        self.notice_account_edit.textEdited.connect(lambda _: self.by_account.setChecked(True))
        self.notice_hint = QLabel()
        self.buildings_table = ReadOnlyTable([self.tr("Building"), self.tr("Bills")])
        self.buildings_table.activated.connect(lambda _: self.make_notices())
        self.notices_button = QPushButton(self.tr("Make notices (Ctrl+P)"))
        self.notices_button.setObjectName("primaryButton")
        self.notices_button.clicked.connect(lambda: self.make_notices())
        self.save_all_button = QPushButton(self.tr("Save all buildings to a folder…"))
        self.save_all_button.clicked.connect(lambda: self.save_all_notices())
        scope = QGroupBox(self.tr("Notices"))
        scope_layout = QVBoxLayout(scope)
        scope_layout.addWidget(self.by_building)
        scope_layout.addWidget(self.buildings_table, 1)
        account_row = QHBoxLayout()
        account_row.addWidget(self.by_account)
        account_row.addWidget(self.notice_account_edit)
        account_row.addStretch(1)
        scope_layout.addLayout(account_row)
        buttons = QHBoxLayout()
        buttons.addWidget(self.notice_hint, 1)
        buttons.addWidget(self.save_all_button)
        buttons.addWidget(self.notices_button)
        page = QWidget()
        column = QVBoxLayout(page)
        column.addWidget(scope, 1)
        column.addLayout(buttons)
        return page

    def _shortcuts(self) -> None:
        keys = {
            "Ctrl+R": self.ask_run,
            "Ctrl+P": self.make_notices,
            "Ctrl+E": self.corrections.ask_rebill,
            "F5": self.period_changed,
        }
        for key, slot in keys.items():
            self.add_shortcut(key, slot)

    def period(self) -> Period:
        return Period.parse(self.period_combo.currentText())

    def set_period(self, period: str) -> None:
        """Show `period` (added to the list if older), its bills and buildings re-read."""
        index = self.period_combo.findText(period)
        if index < 0:
            self.period_combo.addItem(period)
            index = self.period_combo.count() - 1
        if index == self.period_combo.currentIndex():
            self.period_changed()
        else:
            self.period_combo.setCurrentIndex(index)

    def period_changed(self) -> None:
        self.refresh_bills()
        self.refresh_buildings()

    # ---- the run ----------------------------------------------------------------------------

    def ask_run(self) -> None:
        self.run_question = RunQuestion(str(self.period()), self.run_period, self)
        self.run_question.open()

    def run_period(self, estimate: bool = False) -> None:
        """出账 on a worker; a busy bar with the elapsed time shows it is working.
        `estimate`: unread meters are billed on an estimate (估抄)."""
        period, actor = self.period(), self.identity.actor
        limit = desk_estimate_settings()[1]
        self.run_button.setEnabled(False)
        self.progress = RunProgressDialog(str(period), self)
        self.progress.show()
        self.runner.run(
            lambda s: run_billing(s, actor, period, estimate=estimate, estimate_limit=limit),
            on_success=self._ran,
            on_failure=self._run_refused,
            owner=self,
        )

    def _close_progress(self) -> None:
        self.run_button.setEnabled(True)
        if self.progress is not None:
            self.progress.finish()
            self.progress = None

    def _run_refused(self, error: TaskError) -> None:
        self._close_progress()
        QMessageBox.warning(self, self.tr("Billing run"), error.message)

    def _ran(self, result: BillingRunResult) -> None:
        self._close_progress()
        self.show_result(result)
        self.period_changed()
        self.run_finished.emit(result)

    def show_result(self, result: BillingRunResult | None) -> None:
        self.result = result
        self.export_button.setEnabled(result is not None)
        self.notify_button.setEnabled(result is not None)
        if result is None:
            self.summary_label.setText(self.tr("Choose the period and run the billing."))
            self.reasons_table.fill([])
            self.skipped_table.fill([])
            return
        text = self.tr("{period}: {created} bills created, {skipped} meters skipped.").format(
            period=result.period, created=result.created, skipped=len(result.skipped)
        )
        if result.already_billed:
            text += " " + self.tr("{count} accounts had been billed before.").format(
                count=result.already_billed
            )
        if result.estimated:
            text += " " + self.tr("{count} meters billed on an estimate (估).").format(
                count=len(result.estimated)
            )
        self.summary_label.setText(text)
        counts = Counter(s.label for s in result.skipped)
        reasons = sorted(counts.items(), key=lambda item: (-item[1], item[0]))
        self.reasons_table.fill([[label, count] for label, count in reasons])
        self.skipped_table.fill(
            [[s.meter_no, s.label] for s in result.skipped],
            keys=[s.meter_no for s in result.skipped],
        )

    def notify_residents(self) -> None:
        """账单通知 for the period just run, to every bound resident (once each, however
        often it is clicked: the outbox keeps one per bill and resident)."""
        period = self.period()

        def done(queued: int) -> None:
            self.notify_finished.emit(queued)
            self.summary_label.setText(
                self.tr("{count} bill notices queued for residents.").format(count=queued)
            )

        self.runner.run(lambda s: queue_bill_notices(s, period), on_success=done, owner=self)

    def export_result(self, path: Path | None = None) -> None:
        """The run's summary and skipped meters as .xlsx for the metering office."""
        result = self.result
        if result is None:
            return
        if path is None:
            path = ask_save_path(
                self,
                self.tr("Export Excel"),
                Path.home() / f"出账结果-{result.period}.xlsx",
                "Excel (*.xlsx)",
            )
            if path is None:
                return
        target = path
        skipped = tuple((s.meter_no, s.label) for s in result.skipped)

        def done(_: object) -> None:
            announce_saved(self, target)
            self.exported.emit(str(target))

        self.runner.run(
            lambda _: write_run_xlsx(result.period, result.created, skipped, target),
            on_success=done,
            owner=self,
        )

    # ---- browsing ---------------------------------------------------------------------------

    def load_places(self) -> None:
        self.runner.run(bill_places, on_success=self._show_places, owner=self)

    def _show_places(self, places: tuple[Place, ...]) -> None:
        self.place_picker.set_places(places)

    def filters(self) -> BillFilter:
        return BillFilter(
            campus=self.place_picker.campus(),
            building_id=self.place_picker.building_id(),
            status=self.status_combo.currentData() or "",
            account_no=self.account_edit.text().strip(),
        )

    def refresh_bills(self) -> None:
        period, filters = self.period(), self.filters()
        self._serial += 1
        serial = self._serial
        self.runner.run(
            lambda s: bill_rows(s, period, filters, BROWSE_LIMIT),
            on_success=lambda rows: self._show_bills(serial, rows),
            owner=self,
        )

    def _show_bills(self, serial: int, bills: BillRows) -> None:
        if serial != self._serial:
            return
        self.bills = bills
        self.bills_table.fill(
            [[b.account_no, b.holder_name, b.address, b.total, b.status_label]
             for b in bills.rows],
            keys=[b.bill_id for b in bills.rows],
            struck=[b.void for b in bills.rows],
        )  # fmt: skip
        text = self.tr("{count} bills, {amount} in all").format(
            count=bills.count, amount=money_text(bills.amount)
        )
        if bills.truncated:
            text += " " + self.tr("(the first {shown} shown; narrow the filters)").format(
                shown=len(bills.rows)
            )
        self.count_label.setText(text)
        self.bills_shown.emit(bills)
        if not self._loaded:
            self._loaded = True
            self.loaded.emit()

    def selected_bill(self) -> BillRow | None:
        key = self.bills_table.selected_key()
        rows = self.bills.rows if self.bills is not None else ()
        return next((b for b in rows if b.bill_id == key), None)

    def open_bill_at(self, row: int) -> None:
        if 0 <= row < self.bills_table.row_count():
            self.open_bill(int(self.bills_table.key_at(row)))  # type: ignore[call-overload]

    def open_bill(self, bill_id: int) -> None:
        self.runner.run(lambda s: bill_detail(s, bill_id), on_success=self._show_bill, owner=self)

    def _show_bill(self, bill: BillView) -> None:
        dialog = BillDetailDialog(bill, self)
        self.bill_opened.emit(dialog)
        dialog.open()

    # ---- notices ----------------------------------------------------------------------------

    def refresh_buildings(self) -> None:
        period = self.period()
        self.runner.run(
            lambda s: notice_buildings(s, period), on_success=self._show_buildings, owner=self
        )

    def _show_buildings(self, buildings: tuple[NoticeBuilding, ...]) -> None:
        self.buildings = buildings
        self.buildings_table.fill(
            [[b.label, b.bills] for b in buildings], keys=[b.building_id for b in buildings]
        )
        if buildings:
            self.buildings_table.selectRow(0)
        self.save_all_button.setEnabled(bool(buildings))
        self.notice_hint.setText(
            self.tr("{count} buildings with bills in {period}").format(
                count=len(buildings), period=self.period()
            )
        )

    def selected_building(self) -> NoticeBuilding | None:
        key = self.buildings_table.selected_key()
        return next((b for b in self.buildings if b.building_id == key), None)

    def make_notices(self) -> None:
        """The notices of the chosen building or account, previewed to print or save."""
        period = self.period()
        building = None
        account_no = ""
        if self.by_account.isChecked():
            account_no = self.notice_account_edit.text().strip()
            if not account_no:
                self.notice_hint.setText(self.tr("Account no. is required"))
                self.notice_hint.setStyleSheet(f"color: {ALERT.name()};")
                self.notice_account_edit.setFocus()
                return
        else:
            building = self.selected_building()
            if building is None:
                return
        self.notice_hint.setStyleSheet("")
        export = NoticeExport(self.runner, self)
        export.finished.connect(self._notices_made)
        self.export = export
        export.render(period, building=building, account_no=account_no)

    def _notices_made(self, document: NoticesDocument | None) -> None:
        if document is None:
            return
        dialog = DocumentDialog(
            self.tr("Payment notices {name}").format(name=document.filename),
            document.filename,
            document.pdf,
            preferences=self.preferences,
            parent=self,
        )
        self.last_document = dialog
        self.notices_ready.emit(dialog)
        dialog.open()

    def save_all_notices(self, folder: Path | None = None) -> None:
        """Every building's notices of the period, one PDF each, into a folder."""
        if not self.buildings:
            return
        if folder is None:
            chosen = QFileDialog.getExistingDirectory(
                self, self.tr("Save all buildings' notices to"), str(Path.home())
            )
            if not chosen:
                return
            folder = Path(chosen)
        export = NoticeExport(self.runner, self)
        export.finished.connect(self._notices_saved)
        self.export = export
        export.save_all(self.period(), self.buildings, folder)

    def _notices_saved(self, saved: NoticesSaved | None) -> None:
        if saved is None:
            return
        text = self.tr("{files} PDF files, {pages} notices saved").format(
            files=len(saved.paths), pages=saved.pages
        )
        if saved.cancelled:
            text += " " + self.tr("(stopped before the end)")
        self.notice_hint.setText(text)
        if saved.paths:
            announce_saved(self, saved.paths)
        self.notices_saved.emit(saved)
