"""报表: pick a report, set its filters, look at it, export it to Excel or PDF, or print it.

The preview is built in memory (the first rows of a long report are what one reads on
screen); an export streams the whole report from the database on a worker thread.
"""

from __future__ import annotations

import dataclasses
from datetime import datetime
from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QComboBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QPushButton,
    QVBoxLayout,
    QWidget,
)
from sqlalchemy.orm import Session

from desktop.document_dialog import DocumentDialog
from desktop.module_page import ModulePage
from desktop.saved_files import announce_saved, ask_save_path
from desktop.widgets import ALERT, ReadOnlyTable
from reports.clock import moment_text
from reports.tables import (
    FLAGGED,
    SUBTOTAL,
    TOTAL,
    TableReport,
    cell_text,
    render_table_pdf,
    write_table_xlsx,
)
from server.db.replica import data_time
from server.services.core.calendar import Period, now
from server.services.metering.review_desk import building_choices
from server.services.reports import REPORTS, ReportRequest, build_report
from server.services.reports.common import DATA_TIME_FORMAT

FLAGGED_TINT = QColor("#fde2e1")
SUBTOTAL_TINT = QColor("#eef1f5")
# Which filters each report takes (build_report checks them again).
MONTHLY = ("usage", "collection", "unread", "anomalies", "loss")
PREVIEW_ROWS = 2_000


def _preview(
    session: Session, request: ReportRequest, actor: object
) -> tuple[TableReport, datetime | None]:
    """The report to show, and the time its data is as of when read on the replica."""
    report = build_report(session, actor, request)  # type: ignore[arg-type]
    # A tuple crosses threads; a long report shows its first rows and its totals.
    rows = tuple(report.rows)
    if len(rows) > PREVIEW_ROWS:
        rows = (*rows[: PREVIEW_ROWS - 1], rows[-1])
    return dataclasses.replace(report, rows=rows), data_time(session)


class ReportsPage(ModulePage):
    """`shown(TableReport)` once a report is on screen; `exported(str)` with the file."""

    shown = Signal(object)
    exported = Signal(str)

    def build(self) -> None:
        self.setObjectName("reportsPage")
        self.report: TableReport | None = None
        self.list = QListWidget()
        self.list.setFixedWidth(160)
        for code, title in REPORTS.items():
            self.list.addItem(title)
            self.list.item(self.list.count() - 1).setData(Qt.ItemDataRole.UserRole, code)
        self.list.currentRowChanged.connect(lambda _: self._filters_for_report())

        last_month = Period.of(now()).shift(-1)
        self.period_edit = QLineEdit(str(last_month))
        self.period_edit.setPlaceholderText("YYYY-MM")
        self.start_edit = QLineEdit()
        self.start_edit.setPlaceholderText(self.tr("YYYY-MM or YYYY-MM-DD"))
        self.end_edit = QLineEdit()
        self.campus_combo = QComboBox()
        self.campus_combo.addItem(self.tr("All campuses"), "")
        self.as_of_edit = QLineEdit()
        self.as_of_edit.setPlaceholderText(self.tr("today"))
        self.threshold_edit = QLineEdit()
        self.threshold_edit.setPlaceholderText("5%")
        self.by_combo = QComboBox()
        groupings = (
            ("account", self.tr("Account")),
            ("building", self.tr("Building")),
            ("campus", self.tr("Campus")),
            ("kind", self.tr("Kind")),
        )
        for code, caption in groupings:
            self.by_combo.addItem(caption, code)
        self.form = QFormLayout()
        self.rows_of: dict[str, QWidget] = {}
        for key, caption, widget in (
            ("period", self.tr("Period:"), self.period_edit),
            ("start", self.tr("From:"), self.start_edit),
            ("end", self.tr("To:"), self.end_edit),
            ("campus", self.tr("Campus:"), self.campus_combo),
            ("as_of", self.tr("As of:"), self.as_of_edit),
            ("threshold", self.tr("Loss threshold:"), self.threshold_edit),
            ("by", self.tr("By:"), self.by_combo),
        ):
            self.form.addRow(caption, widget)
            self.rows_of[key] = widget
        self.run_button = QPushButton(self.tr("Show (Enter)"))
        self.run_button.setObjectName("primaryButton")
        self.run_button.setDefault(True)
        self.run_button.clicked.connect(lambda: self.run())
        for edit in (self.period_edit, self.start_edit, self.end_edit, self.as_of_edit,
                     self.threshold_edit):  # fmt: skip
            edit.returnPressed.connect(lambda: self.run())
        self.excel_button = QPushButton(self.tr("Export Excel…"))
        self.excel_button.clicked.connect(lambda: self.export("xlsx"))
        self.pdf_button = QPushButton(self.tr("PDF / print…"))
        self.pdf_button.clicked.connect(lambda: self.show_pdf())
        self.title_label = QLabel()
        self.title_label.setObjectName("welcomeTitle")
        self.filters_label = QLabel()
        self.message = QLabel()
        self.message.setStyleSheet(f"color: {ALERT.name()};")
        self.table = ReadOnlyTable([])
        # A report's rows have an order of their own (subtotals under their group).
        self.table.setSortingEnabled(False)

        side = QVBoxLayout()
        side.addWidget(self.list, 1)
        side.addLayout(self.form)
        side.addWidget(self.run_button)
        buttons = QHBoxLayout()
        buttons.addWidget(self.filters_label, 1)
        buttons.addWidget(self.excel_button)
        buttons.addWidget(self.pdf_button)
        main = QVBoxLayout()
        main.addWidget(self.title_label)
        main.addLayout(buttons)
        main.addWidget(self.table, 1)
        main.addWidget(self.message)
        layout = QHBoxLayout(self)
        layout.addLayout(side)
        layout.addLayout(main, 1)
        self.list.setCurrentRow(0)
        self._set_exportable(False)
        self.runner.run(
            lambda s: tuple(sorted({b.campus for b in building_choices(s)})),
            on_success=self._campuses,
            owner=self,
        )

    def _campuses(self, names: tuple[str, ...]) -> None:
        for name in names:
            self.campus_combo.addItem(name, name)
        self.loaded.emit()

    def report_name(self) -> str:
        item = self.list.currentItem()
        return str(item.data(Qt.ItemDataRole.UserRole)) if item is not None else "usage"

    def select(self, name: str) -> None:
        for row in range(self.list.count()):
            if self.list.item(row).data(Qt.ItemDataRole.UserRole) == name:
                self.list.setCurrentRow(row)

    def _filters_for_report(self) -> None:
        name = self.report_name()
        shown = {"campus"}
        if name in MONTHLY:
            shown |= {"period", "start", "end"}
        if name == "cash":
            shown |= {"period", "start", "end"}
        if name in ("arrears", "collection"):
            shown.add("as_of")
        if name == "loss":
            shown.add("threshold")
        if name == "usage":
            shown.add("by")
        for key, widget in self.rows_of.items():
            self.form.setRowVisible(widget, key in shown)

    def request(self) -> ReportRequest:
        name = self.report_name()
        visible = {k for k, w in self.rows_of.items() if self.form.isRowVisible(w)}

        def text(key: str) -> str | None:
            widget = self.rows_of[key]
            assert isinstance(widget, QLineEdit)
            value = widget.text().strip()
            return value if key in visible and value else None

        start = text("start")
        return ReportRequest(
            name=name,
            period=None if start else text("period"),
            start=start,
            end=text("end"),
            campus=str(self.campus_combo.currentData() or "") or None,
            as_of=text("as_of"),
            threshold=text("threshold"),
            by=str(self.by_combo.currentData()) if "by" in visible else None,
        )

    def _set_exportable(self, on: bool) -> None:
        self.excel_button.setEnabled(on)
        self.pdf_button.setEnabled(on)

    def run(self) -> None:
        request, actor = self.request(), self.identity.actor
        self.message.clear()
        self.run_button.setEnabled(False)
        self.runner.run(
            lambda s: _preview(s, request, actor),
            on_success=self._show,
            on_failure=self._failed,
            owner=self,
            read_only=True,
        )

    def _failed(self, error: object) -> None:
        self.run_button.setEnabled(True)
        message = getattr(error, "message", str(error))
        self.message.setText(message)
        self.refused.emit(message)

    def _show(self, shown: tuple[TableReport, datetime | None]) -> None:
        report, as_of = shown
        self.run_button.setEnabled(True)
        self.report = report
        self.title_label.setText(report.title)
        source = (
            self.tr("Data as of {time} (read replica)").format(
                time=moment_text(as_of, DATA_TIME_FORMAT)
            )
            if as_of
            else ""
        )
        self.filters_label.setText("　".join(part for part in (report.filters, source) if part))
        self.table.rows_model.set_columns(
            [c.title for c in report.columns],
            right={i for i, c in enumerate(report.columns) if c.numeric},
        )
        rows = tuple(report.rows)
        self.table.fill(
            [[cell_text(c, v) for c, v in zip(report.columns, r.values, strict=True)]
             for r in rows],
            tints=[FLAGGED_TINT if r.style == FLAGGED else
                   SUBTOTAL_TINT if r.style in (SUBTOTAL, TOTAL) else None for r in rows],
        )  # fmt: skip
        self._set_exportable(True)
        self.shown.emit(report)

    def export(self, suffix: str, path: Path | None = None) -> None:
        """The whole report (streamed from the database) to .xlsx, off the GUI thread."""
        if self.report is None:
            return
        if path is None:
            path = ask_save_path(
                self, self.tr("Export"), Path.home() / self.report.filename(suffix),
                "Excel (*.xlsx)",
            )  # fmt: skip
            if path is None:
                return
        request, actor, target = self.request(), self.identity.actor, path

        def work(session: Session) -> str:
            write_table_xlsx(build_report(session, actor, request, stream=True), target)
            return str(target)

        def done(written: str) -> None:
            announce_saved(self, target)
            self.exported.emit(written)

        self.runner.run(work, on_success=done, owner=self, read_only=True)

    def show_pdf(self) -> None:
        """The report as A4 PDF, previewed, to print or save."""
        request, actor = self.request(), self.identity.actor

        def work(session: Session) -> tuple[str, bytes]:
            report = build_report(session, actor, request)
            return report.filename("pdf"), render_table_pdf(report)

        def ready(result: tuple[str, bytes]) -> None:
            filename, pdf = result
            title = self.report.title if self.report else filename
            dialog = DocumentDialog(title, filename, pdf, preferences=self.preferences, parent=self)
            self.document = dialog
            dialog.open()

        self.runner.run(work, on_success=ready, owner=self, read_only=True)
