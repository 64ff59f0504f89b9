"""The counter page's till bar: how the clerk's day stands, and opening it (F2), handing
cash over, closing it (F10) and its day report (日结报表) to print, sign or save."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtWidgets import QDialog, QHBoxLayout, QLabel, QMessageBox, QPushButton, QWidget
from sqlalchemy.orm import Session

from desktop.document_dialog import DocumentDialog
from desktop.saved_files import announce_saved, ask_save_path
from desktop.tasks import TaskError
from desktop.till_dialogs import HandOverDialog, OpenTillDialog, SettlementDialog
from desktop.widgets import ALERT, money_text
from reports.settlement import (
    SettlementReport,
    render_settlement_pdf,
    settlement_filename,
)
from reports.settlement_xlsx import write_settlement_xlsx
from server.services.collection import till
from server.services.collection.counter_view import CounterDay, counter_day
from server.services.collection.settlement_report import settlement_report
from server.services.collection.till_figures import SettlementView
from server.services.core.calendar import BUSINESS_TZ

if TYPE_CHECKING:
    from desktop.counter_page import CounterPage


class TillBar(QWidget):
    """The line above the counter: the day's state and its buttons."""

    def __init__(self, page: CounterPage) -> None:
        super().__init__(page)
        self.page = page
        self.day_label = QLabel()
        self.day_label.setObjectName("dayLabel")
        self.open_till_button = QPushButton(self.tr("Open day (F2)"))
        self.hand_over_button = QPushButton(self.tr("Hand over"))
        self.close_day_button = QPushButton(self.tr("Close day (F10)"))
        self.report_button = QPushButton(self.tr("Day report"))
        self.report_button.clicked.connect(lambda: self.show_day_report())
        self.open_till_button.clicked.connect(lambda: self.ask_open_till())
        self.hand_over_button.clicked.connect(lambda: self.ask_hand_over())
        self.close_day_button.clicked.connect(lambda: self.ask_close_day())
        bar = QHBoxLayout(self)
        bar.setContentsMargins(0, 0, 0, 0)
        bar.addWidget(self.day_label, 1)
        for button in (
            self.open_till_button,
            self.hand_over_button,
            self.close_day_button,
            self.report_button,
        ):
            bar.addWidget(button)

    def show_day(self, day: CounterDay) -> None:
        if day.stale and day.till is not None:
            text = self.tr("The day {date} is still open: close it before taking money (F10)")
            self.day_label.setText(text.format(date=day.till.business_date.isoformat()))
            self.day_label.setStyleSheet(f"color: {ALERT.name()}; font-weight: 600;")
        elif day.till is not None:
            text = self.tr("{date} open since {time}, float {amount}, taken {taken}")
            self.day_label.setText(
                text.format(
                    date=day.business_date.isoformat(),
                    time=day.till.opened_at.astimezone(BUSINESS_TZ).strftime("%H:%M"),
                    amount=money_text(day.till.float_amount),
                    taken=money_text(day.taken),
                )
            )
            self.day_label.setStyleSheet("")
        elif day.closed_today:
            self.day_label.setText(
                self.tr("{date} is closed; no more payments today").format(
                    date=day.business_date.isoformat()
                )
            )
            self.day_label.setStyleSheet("")
        else:
            self.day_label.setText(self.tr("The day is not open: press F2 to open it"))
            self.day_label.setStyleSheet(f"color: {ALERT.name()}; font-weight: 600;")
        self.open_till_button.setEnabled(day.till is None and not day.closed_today)
        self.hand_over_button.setEnabled(day.can_take_money)
        self.close_day_button.setEnabled(day.till is not None)
        self.report_button.setEnabled(day.till_id is not None)

    def ask_open_till(self) -> None:
        if self.page.day is not None and (
            self.page.day.till is not None or self.page.day.closed_today
        ):
            return
        dialog = OpenTillDialog(self)
        if dialog.exec() == QDialog.DialogCode.Accepted:
            self.open_till(dialog.float_amount())

    def open_till(self, float_amount: Decimal | None) -> None:
        actor = self.page.identity.actor
        self.page.runner.run(
            lambda s: till.open_till(s, actor, float_amount),
            on_success=lambda _: self.page.refresh_day(),
            owner=self,
        )

    def ask_hand_over(self) -> None:
        """The branch's head cashiers to choose from; the dialog stays until it is done."""
        actor = self.page.identity.actor
        self.page.runner.run(
            lambda s: till.head_cashiers(s, actor), on_success=self._open_hand_over, owner=self
        )

    def _open_hand_over(self, receivers: tuple[till.HeadCashier, ...]) -> None:
        dialog = HandOverDialog(receivers, self)
        dialog.submitted.connect(
            lambda amount, login, note: self.hand_over(amount, login, note, dialog)
        )
        self.page.hand_over_opened.emit(dialog)
        dialog.open()

    def hand_over(
        self, amount: Decimal, to_login: str, note: str, dialog: HandOverDialog | None = None
    ) -> None:
        """Record the hand-over; a refusal is shown in `dialog`, which keeps what was typed."""
        actor = self.page.identity.actor

        def done(_: object) -> None:
            if dialog is not None:
                dialog.done_handing_over()
            self.page.refresh_day()
            self.page.show_message(
                QMessageBox.Icon.Information,
                self.tr("Hand cash over"),
                self.tr("{amount} handed over to {to}").format(
                    amount=money_text(amount), to=to_login
                ),
            )

        def refused(error: TaskError) -> None:
            if dialog is not None:
                dialog.show_error(error.message)
            else:
                self.page.show_message(
                    QMessageBox.Icon.Warning, self.tr("Hand cash over"), error.message
                )

        self.page.runner.run(
            lambda s: till.hand_over(s, actor, amount, to_login, note),
            on_success=done,
            on_failure=refused,
            owner=self,
        )

    def ask_close_day(self) -> None:
        """Fresh figures first: the dialog must show the day as it stands now."""
        if self.page.day is None or self.page.day.till is None:
            return
        staff_id = self.page.identity.staff_id
        self.page.runner.run(
            lambda s: counter_day(s, staff_id), on_success=self._confirm_close, owner=self
        )

    def _confirm_close(self, day: CounterDay) -> None:
        self.page.show_day(day)
        if day.report is None or day.till is None:
            return
        dialog = SettlementDialog(day.report, self)
        if dialog.exec() == QDialog.DialogCode.Accepted and dialog.counted_edit.value() is not None:
            self.close_day(dialog.counted_edit.value() or Decimal(0), dialog.note_edit.text())

    def close_day(self, cash_counted: Decimal, note: str = "") -> None:
        """Settle the till, then show the day report to print and sign."""
        actor = self.page.identity.actor

        def closed(view: SettlementView) -> None:
            self.page.refresh_day()
            self.show_day_report(view.till_id)

        self.page.runner.run(
            lambda s: till.close_till(s, actor, cash_counted, note), on_success=closed, owner=self
        )

    def show_day_report(self, till_id: int | None = None) -> None:
        """The settlement report (日结报表) of the day shown, as it stands, to print or save."""
        till_id = till_id or (self.page.day.till_id if self.page.day else None)
        if till_id is None:
            return

        def work(session: Session) -> tuple[SettlementReport, bytes]:
            report = settlement_report(session, till_id)
            return report, render_settlement_pdf(report)

        def ready(result: tuple[SettlementReport, bytes]) -> None:
            report, pdf = result
            dialog = DocumentDialog(
                report.title,
                settlement_filename(report, "pdf"),
                pdf,
                preferences=self.page.preferences,
                parent=self,
            )
            excel = dialog.add_button(self.tr("Export &Excel…"))
            excel.clicked.connect(lambda: self.export_day_report(report, dialog))
            self.page.last_document = dialog
            self.page.document_ready.emit(dialog)
            dialog.open()

        self.page.runner.run(work, on_success=ready, owner=self)

    def export_day_report(
        self, report: SettlementReport, parent: QWidget, path: Path | None = None
    ) -> None:
        """Write the report as .xlsx for the head cashier's files (off the GUI thread)."""
        if path is None:
            path = ask_save_path(
                parent,
                self.tr("Export Excel"),
                Path.home() / settlement_filename(report, "xlsx"),
                "Excel (*.xlsx)",
            )
            if path is None:
                return
        target = path

        def done(_: object) -> None:
            announce_saved(parent, target)
            self.page.exported.emit(str(target))

        self.page.runner.run(
            lambda _: write_settlement_xlsx(report, target), on_success=done, owner=self
        )
