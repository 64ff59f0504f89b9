"""The readings page's unread tab: 未抄表计清单 of a period, exported to Excel for the
readers' next round; meters billed on estimates say so, and those the billing run estimates
no more (billing.estimate_limit) come first, flagged 需上门抄表."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QLabel,
    QMessageBox,
    QProgressBar,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from desktop.billing_run_ask import desk_estimate_settings
from desktop.module_page import ModulePage
from desktop.saved_files import announce_saved, ask_save_path
from desktop.tasks import TaskError
from desktop.widgets import AlertText, ReadOnlyTable
from reports.unread_meters import unread_filename, write_unread_xlsx
from server.services.core.calendar import Period
from server.services.core.calendar import now as business_now
from server.services.metering.review_desk import UnreadList
from server.services.metering.usage_rules import quantity_text
from server.services.reports.unread import unread_list


class UnreadTab(QWidget):
    """The meters of a period nobody read; `unread_loaded(UnreadList)` fires when the list
    is shown, `exported(path)` when it is written."""

    unread_loaded = Signal(object)
    exported = Signal(str)

    def __init__(self, page: ModulePage, refresh: Callable[[], None]) -> None:
        super().__init__(page)
        self.page = page
        self.unread: UnreadList | None = None
        self.period_combo = QComboBox()
        self.period_combo.setEditable(True)
        current = Period.of(business_now())
        for back in range(12):
            self.period_combo.addItem(str(current.shift(-back)))
        self.unread_campus_combo = QComboBox()
        self.unread_button = page.refresh_button(refresh)
        self.period_combo.activated.connect(lambda _: self.refresh_unread())
        self.unread_campus_combo.activated.connect(lambda _: self.refresh_unread())
        self.export_button = QPushButton(self.tr("Export Excel…"))
        self.export_button.clicked.connect(lambda: self.export_unread())
        self.unread_table = ReadOnlyTable(
            [self.tr("Meter"), self.tr("Kind"), self.tr("Campus"), self.tr("Building"),
             self.tr("Room"), self.tr("Account"), self.tr("Holder"), self.tr("Last reading"),
             self.tr("Estimated")]
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
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.unread_table, 1)
        layout.addWidget(self.unread_status)

    def set_campuses(self, campuses: list[str]) -> None:
        self.unread_campus_combo.blockSignals(True)
        self.unread_campus_combo.clear()
        self.unread_campus_combo.addItem(self.tr("All campuses"), "")
        for campus in campuses:
            self.unread_campus_combo.addItem(campus, campus)
        self.unread_campus_combo.blockSignals(False)

    def set_unread_scope(self, period: str, campus: str = "") -> None:
        self.period_combo.setCurrentText(period)
        self.unread_campus_combo.setCurrentIndex(max(0, self.unread_campus_combo.findData(campus)))
        self.refresh_unread()

    def refresh_unread(self) -> None:
        period = self.period_combo.currentText().strip()
        campus = self.unread_campus_combo.currentData() or None
        limit = desk_estimate_settings()[1]
        self.page.runner.run(
            lambda s: unread_list(s, period, campus=campus, estimate_limit=limit),
            on_success=self._show_unread,
            owner=self,
        )

    def _show_unread(self, unread: UnreadList) -> None:
        self.unread = unread
        self.unread_table.fill(
            [
                [m.meter_no, m.kind, m.campus, m.building, m.room, m.account_no,
                 m.holder_name, quantity_text(m.last_value) if m.last_value is not None else "",
                 AlertText(m.estimate_text) if m.visit else m.estimate_text]
                for m in unread.meters
            ],
            keys=[m.meter_no for m in unread.meters],
        )  # fmt: skip
        status = self.tr("{period}: {unread} of {active} meters not read").format(
            period=unread.period, unread=len(unread.meters), active=unread.active
        )
        visits = sum(m.visit for m in unread.meters)
        if visits:
            status += self.tr("; {visits} estimated as long as allowed: visit first").format(
                visits=visits
            )
        self.unread_status.setText(status)
        self.export_button.setEnabled(bool(unread.meters))
        self.unread_loaded.emit(unread)

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

        self.page.runner.run(
            lambda _: write_unread_xlsx(
                unread.meters, unread.period, unread.scope, unread.generated_at, target
            ),
            on_success=done,
            on_failure=failed,
            owner=self,
        )
