"""在线支付 at the desk: exchange an online payment for its receipt at any branch (换开收据),
decide the callbacks kept aside (credit or refund), and reconcile a provider's statement.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QComboBox,
    QFileDialog,
    QHBoxLayout,
    QInputDialog,
    QLabel,
    QLineEdit,
    QPushButton,
    QWidget,
)
from sqlalchemy.orm import Session

from desktop.document_dialog import DocumentDialog
from desktop.module_page import ModulePage
from desktop.saved_files import announce_saved, ask_save_path
from desktop.widgets import DUE_SOON_TINT, OVERDUE_TINT, ReadOnlyTable, tab_page
from server.services.collection.online_receipts import issue_online_receipt
from server.services.collection.receipts import receipt_pdf
from server.services.core.calendar import BUSINESS_TZ, now
from server.services.online_pay.desk import (
    CREDIT,
    REFUND,
    ExceptionRow,
    OnlinePaymentRow,
    exceptions,
    online_payments,
    resolve_exception,
)
from server.services.online_pay.orders import provider_label
from server.services.online_pay.reconcile import (
    STATUS_LABELS,
    Reconciliation,
    import_statement,
    reconcile,
    reconciliation_xlsx,
)
from server.services.online_pay.vocabulary import PROVIDERS


class OnlinePayPage(ModulePage):
    """`payments_shown`, `exceptions_shown` and `reconciled(Reconciliation)` once each list
    is on screen; `receipt_ready(DocumentDialog)` with an issued receipt."""

    payments_shown = Signal()
    exceptions_shown = Signal()
    reconciled = Signal(object)
    receipt_ready = Signal(object)

    def build(self) -> None:
        self.setObjectName("onlinePayPage")
        self.payments: tuple[OnlinePaymentRow, ...] = ()
        self.open_exceptions: tuple[ExceptionRow, ...] = ()
        self.result: Reconciliation | None = None
        self._find_serial = 0
        self.tabs_over_message(
            [
                (self._receipts_tab(), self.tr("Receipts for online payments")),
                (self._exceptions_tab(), self.tr("Payments kept aside")),
                (self._reconcile_tab(), self.tr("Reconciliation")),
            ]
        )
        self.find()
        self.load_exceptions()

    # ---- receipts ---------------------------------------------------------------------------

    def _receipts_tab(self) -> QWidget:
        self.find_edit = QLineEdit()
        self.find_edit.setPlaceholderText(self.tr("Account no., order no. or trade no. (Enter)"))
        self.find_edit.returnPressed.connect(lambda: self.find())
        self.payments_table = ReadOnlyTable(
            [self.tr("Paid at"), self.tr("Account"), self.tr("Holder"), self.tr("Amount"),
             self.tr("Channel"), self.tr("Trade no."), self.tr("Order no."),
             self.tr("Receipt"), self.tr("Issuing branch")]
        )  # fmt: skip
        self.payments_table.activated.connect(lambda _: self.issue_selected())
        issue = QPushButton(self.tr("Issue receipt (F9)"))
        issue.setObjectName("primaryButton")
        issue.setShortcut("F9")
        issue.clicked.connect(lambda: self.issue_selected())
        row = QHBoxLayout()
        row.addWidget(self.find_edit, 1)
        row.addWidget(issue)
        row.addWidget(self.refresh_button(self.refresh))
        return tab_page(row, self.payments_table, stretch=self.payments_table)

    def find(self, text: str | None = None) -> None:
        key = self.find_edit.text() if text is None else text
        self._find_serial += 1
        serial = self._find_serial
        self.runner.run(
            lambda s: online_payments(s, key),
            on_success=lambda rows: self._show_payments(serial, rows),
            owner=self,
        )

    def _show_payments(self, serial: int, rows: tuple[OnlinePaymentRow, ...]) -> None:
        if serial != self._find_serial:
            return  # a newer search is on its way
        self.payments = rows
        self.payments_table.fill(
            [[r.paid_at.astimezone(BUSINESS_TZ), r.account_no, r.holder_name, r.amount,
              r.provider_label, r.trade_no, r.order_no, r.receipt_no, r.receipt_branch]
             for r in rows],
            keys=[r.payment_id for r in rows],
            tints=[None if r.receipt_no else DUE_SOON_TINT for r in rows],
        )  # fmt: skip
        self.payments_shown.emit()
        self.loaded.emit()

    def issue_selected(self) -> None:
        key = self.payments_table.selected_key()
        if key is not None:
            self.issue(int(str(key)))

    def issue(self, payment_id: int) -> None:
        """The receipt, numbered by this branch, once; then previewed to print."""
        actor, branch = self.identity.actor, self.identity.branch_code

        def work(session: Session) -> tuple[str, str, bytes]:
            issued = issue_online_receipt(session, actor, payment_id, branch)
            return receipt_pdf(session, issued.receipt_no)

        def ready(document: tuple[str, str, bytes]) -> None:
            filename, _, content = document
            dialog = DocumentDialog(
                self.tr("Receipt"), filename, content, preferences=self.preferences, parent=self
            )
            self.receipt_ready.emit(dialog)
            dialog.open()
            self.find()

        self.message.clear()
        self.runner.run(work, on_success=ready, on_failure=self._refused, owner=self)

    def _refused(self, error: object) -> None:
        message = getattr(error, "message", str(error))
        self.message.setText(message)
        self.refused.emit(message)

    # ---- exceptions -------------------------------------------------------------------------

    def _exceptions_tab(self) -> QWidget:
        self.exceptions_table = ReadOnlyTable(
            [self.tr("Kept since"), self.tr("Channel"), self.tr("Why"), self.tr("Order no."),
             self.tr("Trade no."), self.tr("Account"), self.tr("Amount"), self.tr("Detail")]
        )  # fmt: skip
        credit = QPushButton(self.tr("Credit the account…"))
        credit.clicked.connect(lambda: self.ask_decide(CREDIT))
        refund = QPushButton(self.tr("Refunded…"))
        refund.clicked.connect(lambda: self.ask_decide(REFUND))
        row = QHBoxLayout()
        row.addWidget(self.refresh_button(self.refresh))
        row.addStretch(1)
        row.addWidget(credit)
        row.addWidget(refund)
        return tab_page(self.exceptions_table, row, stretch=self.exceptions_table)

    def refresh(self) -> None:
        """Both lists again: payments arrive and are kept aside while the page is open."""
        self.find()
        self.load_exceptions()

    def load_exceptions(self) -> None:
        self.runner.run(exceptions, on_success=self._show_exceptions, owner=self)

    def _show_exceptions(self, rows: tuple[ExceptionRow, ...]) -> None:
        self.open_exceptions = rows
        moment = now()
        self.exceptions_table.fill(
            [[r.created_at.astimezone(BUSINESS_TZ), r.provider_label, r.kind_label, r.order_no,
              r.trade_no, r.account_no, r.amount, r.detail] for r in rows],
            keys=[r.exception_id for r in rows],
            tints=[OVERDUE_TINT if (moment - r.created_at).days >= 1 else None for r in rows],
        )  # fmt: skip
        self.tabs.setTabText(1, self.tr("Payments kept aside ({count})").format(count=len(rows)))
        self.exceptions_shown.emit()

    def ask_decide(self, decision: str) -> None:
        key = self.exceptions_table.selected_key()
        if key is None:
            return
        caption = (
            self.tr("Refund reference and note:")
            if decision == REFUND
            else self.tr("Why the money goes to the account:")
        )
        note, ok = QInputDialog.getText(self, self.tr("Decide"), caption)
        if ok and note.strip():
            reference = note.split()[0] if decision == REFUND else ""
            self.decide(int(str(key)), decision, note, refund_reference=reference)

    def decide(
        self, exception_id: int, decision: str, note: str, *, refund_reference: str = ""
    ) -> None:
        actor = self.identity.actor
        self.run_change(
            lambda s: resolve_exception(
                s, actor, exception_id, decision, note, refund_reference=refund_reference
            ),
            self.message,
            self.load_exceptions,
        )

    # ---- reconciliation --------------------------------------------------------------------

    def _reconcile_tab(self) -> QWidget:
        self.provider_combo = QComboBox()
        for provider in PROVIDERS:
            self.provider_combo.addItem(provider_label(provider), provider)
        choose = QPushButton(self.tr("Import the day's statement…"))
        choose.clicked.connect(lambda: self.ask_import())
        self.export_button = QPushButton(self.tr("Export Excel…"))
        self.export_button.setEnabled(False)
        self.export_button.clicked.connect(lambda: self.export_reconciliation())
        self.summary = QLabel()
        self.lines_table = ReadOnlyTable(
            [self.tr("Result"), self.tr("Trade no."), self.tr("Order no."), self.tr("Account"),
             self.tr("Time"), self.tr("Statement"), self.tr("Ours"), self.tr("Note")]
        )  # fmt: skip
        row = QHBoxLayout()
        row.addWidget(QLabel(self.tr("Provider:")))
        row.addWidget(self.provider_combo)
        row.addWidget(choose)
        row.addStretch(1)
        row.addWidget(self.export_button)
        return tab_page(row, self.summary, self.lines_table, stretch=self.lines_table)

    def ask_import(self) -> None:
        chosen, _ = QFileDialog.getOpenFileName(self, self.tr("The provider's statement"))
        if chosen:
            self.import_file(Path(chosen), str(self.provider_combo.currentData()))

    def import_file(self, path: Path, provider: str) -> None:
        """Store the statement and match it against our payments of its days."""
        actor, data, name = self.identity.actor, path.read_bytes(), path.name

        def work(session: Session) -> Reconciliation:
            statement_id = import_statement(session, actor, provider, name, data)
            return reconcile(session, statement_id)

        self.message.clear()
        self.runner.run(work, on_success=self._show_result, on_failure=self._refused, owner=self)

    def _show_result(self, result: Reconciliation) -> None:
        self.result = result
        self.summary.setText(
            self.tr(
                "{provider} {first} – {last}: statement {statement}, ours {ours}; "
                "{unexplained} lines to look into"
            ).format(
                provider=result.provider_label,
                first=result.first_day,
                last=result.last_day,
                statement=f"{result.statement_total:,.2f}",
                ours=f"{result.our_total:,.2f}",
                unexplained=result.unexplained,
            )
        )
        problems = ("missing_ours", "missing_statement", "mismatch")
        self.lines_table.fill(
            [[STATUS_LABELS.get(line.status, line.status), line.trade_no, line.order_no,
              line.account_no, line.trade_time, line.statement_amount, line.our_amount,
              line.note] for line in result.lines],
            tints=[OVERDUE_TINT if line.status in problems else None for line in result.lines],
        )  # fmt: skip
        self.export_button.setEnabled(True)
        self.reconciled.emit(result)

    def export_reconciliation(self, path: Path | None = None) -> Path | None:
        if self.result is None:
            return None
        filename, _, content = reconciliation_xlsx(self.result, datetime.now(BUSINESS_TZ))
        if path is None:
            path = ask_save_path(
                self, self.tr("Export Excel"), Path.home() / filename, "Excel (*.xlsx)"
            )
            if path is None:
                return None
        path.write_bytes(content)
        announce_saved(self, path)
        return path
