"""The account statement (账户明细) as the accounts page shows it: every document in date
order with its running balance, an optional date range, and the statement saved as PDF or
Excel (the same documents the CLI writes)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import Signal
from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import (
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)
from sqlalchemy.orm import Session

from desktop.saved_files import announce_saved, ask_save_path
from desktop.tasks import TaskError, TaskRunner
from desktop.widgets import ReadOnlyTable
from reports.statement import (
    CLOSING,
    OPENING,
    Statement,
    render_statement_pdf,
    render_statement_xlsx,
)
from server.services.collection.statements import account_statement
from server.services.reports.common import parse_day

PDF, XLSX = "pdf", "xlsx"
SUMMARY_COLUMN = 2


class StatementView(QWidget):
    """`shown(Statement)` once a statement is on screen, `exported(str)` with the path of a
    saved file; a refusal (a bad date) goes to `on_refused`."""

    shown = Signal(object)
    exported = Signal(str)

    def __init__(
        self, runner: TaskRunner, on_refused: Callable[[TaskError], None], parent: QWidget
    ) -> None:
        super().__init__(parent)
        self.runner = runner
        self.on_refused = on_refused
        self.account_no: str | None = None
        self.stale = False
        self.statement: Statement | None = None
        self.from_edit = QLineEdit()
        self.from_edit.setObjectName("statementFrom")
        self.from_edit.setPlaceholderText(self.tr("From YYYY-MM-DD (blank: opening)"))
        self.to_edit = QLineEdit()
        self.to_edit.setObjectName("statementTo")
        self.to_edit.setPlaceholderText(self.tr("To YYYY-MM-DD (blank: today)"))
        for edit in (self.from_edit, self.to_edit):
            edit.returnPressed.connect(lambda: self.load())
            edit.setMinimumWidth(edit.fontMetrics().horizontalAdvance(edit.placeholderText()) + 24)
        self.show_button = QPushButton(self.tr("Show"))
        self.show_button.clicked.connect(lambda: self.load())
        self.pdf_button = QPushButton(self.tr("Export PDF…"))
        self.pdf_button.clicked.connect(lambda: self.export(PDF))
        self.excel_button = QPushButton(self.tr("Export Excel…"))
        self.excel_button.clicked.connect(lambda: self.export(XLSX))
        self.table = ReadOnlyTable(
            [self.tr("Date"), self.tr("Document"), self.tr("Summary"), self.tr("Debit"),
             self.tr("Credit"), self.tr("Balance")]
        )  # fmt: skip
        # The running balance reads top to bottom: the service's order only.
        self.table.setSortingEnabled(False)
        # 摘要 takes the room left and is elided; dates, numbers and money stay whole.
        header = self.table.horizontalHeader()
        header.setStretchLastSection(False)
        header.setSectionResizeMode(SUMMARY_COLUMN, QHeaderView.ResizeMode.Stretch)
        self.position_label = QLabel()
        self.position_label.setWordWrap(True)
        top = QHBoxLayout()
        top.addWidget(self.from_edit)
        top.addWidget(self.to_edit)
        top.addWidget(self.show_button)
        top.addStretch(1)
        top.addWidget(self.pdf_button)
        top.addWidget(self.excel_button)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.position_label)
        self.show_statement(None)

    def set_account(self, account_no: str | None) -> None:
        """Follow the page's open account (None: nothing open), or its reload after a change:
        read now if the view is on screen, else when it is next shown (a tab not current
        costs no query)."""
        self.account_no = account_no
        self.stale = True
        if self.isVisible():
            self.refresh()

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        if self.stale:
            self.refresh()

    def refresh(self) -> None:
        self.stale = False
        if self.account_no is None:
            self.show_statement(None)
        else:
            self.load()

    def load(self) -> None:
        account_no = self.account_no
        if account_no is None:
            return
        start, end = self.from_edit.text().strip(), self.to_edit.text().strip()

        def work(session: Session) -> Statement:
            return account_statement(
                session,
                account_no,
                parse_day(start, "起始日期") if start else None,
                parse_day(end, "截止日期") if end else None,
            )

        self.runner.run(work, on_success=self.show_statement, on_failure=self.on_refused,
                        owner=self)  # fmt: skip

    def show_statement(self, statement: Statement | None) -> None:
        self.statement = statement
        self.pdf_button.setEnabled(statement is not None)
        self.excel_button.setEnabled(statement is not None)
        if statement is None:
            self.table.fill([])
            self.position_label.setText("")
            return
        rows: list[list[object]] = [[statement.start, "", OPENING, None, None, statement.opening]]
        rows += [
            [line.day, line.document, line.summary, line.debit, line.credit, line.balance]
            for line in statement.lines
        ]
        rows.append(["", "", CLOSING, statement.debits, statement.credits, statement.closing])
        self.table.fill(rows)
        self.position_label.setText(statement.position_text)
        self.shown.emit(statement)

    def export(self, kind: str, path: Path | None = None) -> None:
        """Save the statement on screen as PDF or .xlsx, rendered off the GUI thread."""
        statement = self.statement
        if statement is None:
            return
        if path is None:
            title, filters = (
                (self.tr("Export PDF"), "PDF (*.pdf)") if kind == PDF
                else (self.tr("Export Excel"), "Excel (*.xlsx)")
            )  # fmt: skip
            path = ask_save_path(self, title, Path.home() / statement.filename(kind), filters)
            if path is None:
                return
        target = path

        def work(_: Session) -> None:
            if kind == PDF:
                target.write_bytes(render_statement_pdf(statement))
            else:
                target.write_bytes(render_statement_xlsx(statement)[2])

        def done(_: object) -> None:
            announce_saved(self, target)
            self.exported.emit(str(target))

        self.runner.run(work, on_success=done, on_failure=self.on_refused, owner=self)
