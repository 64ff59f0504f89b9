"""The counter page's receipts of the day: the clerk's receipts today, a receipt shown to
print (after a payment, or reprinted with F11) and voided (F12) with a reason."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtWidgets import QGroupBox, QHBoxLayout, QLabel, QMessageBox, QPushButton, QVBoxLayout
from sqlalchemy.orm import Session

from desktop.document_dialog import DocumentDialog
from desktop.tasks import TaskError
from desktop.till_dialogs import VoidDialog
from desktop.widgets import ReadOnlyTable, money_text
from server.services.collection.counter_view import CounterDay
from server.services.collection.receipts import receipt_pdf, reprint_receipt
from server.services.collection.voids import VoidPreview, void_preview, void_receipt

if TYPE_CHECKING:
    from desktop.counter_page import CounterPage

VOID_REASONS = ("收错户号", "金额有误", "收款方式有误", "支票退票")


class ReceiptsBox(QGroupBox):
    """My receipts today (我的今日收据), with reprint and void."""

    def __init__(self, page: CounterPage) -> None:
        super().__init__(page)
        self.page = page
        self.setTitle(self.tr("My receipts today"))
        self.receipts_table = ReadOnlyTable(
            [self.tr("Receipt"), self.tr("Time"), self.tr("Account"), self.tr("Holder"),
             self.tr("Amount"), self.tr("Channel"), self.tr("Reference"), self.tr("Status")]
        )  # fmt: skip
        self.reprint_button = QPushButton(self.tr("Reprint (F11)"))
        self.void_button = QPushButton(self.tr("Void (F12)"))
        self.reprint_button.clicked.connect(lambda: self.reprint_selected())
        self.void_button.clicked.connect(lambda: self.ask_void_selected())
        self.receipts_total = QLabel()
        buttons = QHBoxLayout()
        buttons.addWidget(self.receipts_total, 1)
        buttons.addWidget(self.reprint_button)
        buttons.addWidget(self.void_button)
        layout = QVBoxLayout(self)
        layout.addWidget(self.receipts_table)
        layout.addLayout(buttons)

    def show_day(self, day: CounterDay) -> None:
        self.receipts_table.fill(
            [
                [r.receipt_no, r.issued_at.strftime("%H:%M:%S"), r.account_no, r.holder_name,
                 r.amount, r.channel, r.reference,
                 self.tr("Void: {reason}").format(reason=r.void_reason) if r.voided else ""]
                for r in day.receipts
            ],
            keys=[r.receipt_no for r in day.receipts],
            struck=[r.voided for r in day.receipts],
        )  # fmt: skip
        self.receipts_total.setText(
            self.tr("{count} receipts, {amount} taken").format(
                count=sum(1 for r in day.receipts if not r.voided), amount=money_text(day.taken)
            )
        )

    def show_receipt(self, receipt_no: str, *, reprint: bool = False) -> None:
        """Render the receipt off the GUI thread, then preview it for printing."""
        actor, size = self.page.identity.actor, self.page.receipt_size

        def work(session: Session) -> tuple[str, str, bytes]:
            if reprint:
                reprint_receipt(session, actor, receipt_no)
            return receipt_pdf(session, receipt_no, size)  # type: ignore[arg-type]

        def ready(document: tuple[str, str, bytes]) -> None:
            filename, _, content = document
            title = self.tr("Receipt {no}").format(no=receipt_no)
            dialog = DocumentDialog(
                title, filename, content, preferences=self.page.preferences, parent=self
            )
            self.page.last_document = dialog
            self.page.document_ready.emit(dialog)
            dialog.open()
            if reprint:
                self.page.refresh_day()

        self.page.runner.run(work, on_success=ready, owner=self)

    def selected_receipt(self) -> str | None:
        key = self.receipts_table.selected_key()
        return None if key is None else str(key)

    def reprint_selected(self) -> None:
        receipt_no = self.selected_receipt()
        if receipt_no:
            self.show_receipt(receipt_no, reprint=True)

    def ask_void_selected(self) -> None:
        """Whether the receipt may be voided is asked first (a closed day is refused at
        once), then the dialog shows what is voided and waits for a reason."""
        receipt_no = self.selected_receipt()
        if not receipt_no:
            return
        actor = self.page.identity.actor
        self.page.runner.run(
            lambda s: void_preview(s, actor, receipt_no),
            on_success=self._ask_void_reason,
            on_failure=self._void_refused,
            owner=self,
        )

    def _ask_void_reason(self, receipt: VoidPreview) -> None:
        dialog = VoidDialog(receipt, VOID_REASONS, self)
        dialog.accepted.connect(lambda: self.void(receipt.receipt_no, dialog.reason()))
        self.page.void_dialog_opened.emit(dialog)
        dialog.open()

    def _void_refused(self, error: TaskError) -> None:
        self.page.show_message(QMessageBox.Icon.Warning, self.tr("Cannot void"), error.message)

    def void(self, receipt_no: str, reason: str) -> None:
        actor = self.page.identity.actor
        self.page.runner.run(
            lambda s: void_receipt(s, actor, receipt_no, reason),
            on_success=lambda _: self._voided(),
            owner=self,
        )

    def _voided(self) -> None:
        self.page.refresh_day()
        if self.page.panel is not None:
            self.page.open_account(self.page.panel.account_no)
