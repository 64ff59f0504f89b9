"""The move-out wizard (退房结算): final readings → the final bill → what is owed or
refundable → pay or refund at once → print → close the account.

The final bill and the settlement are shown before anything is written: the service prices
them by the very path that issues them and rolls back (`preview_move_out`). The settlement
page commits the move-out; from there on the wizard only goes forward, and each step calls
its own service (take a payment, refund, print, close), so a move-out left half-way is
finished later from the counter and `meterdesk account close`.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import date
from decimal import Decimal
from typing import Any

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QLabel, QWidget, QWizard
from sqlalchemy.orm import Session

from desktop.approval_dialog import desk_approval_limit
from desktop.balance_dialogs import RefundDialog
from desktop.document_dialog import DocumentDialog
from desktop.move_out_pages import (
    BillPage,
    ClosePage,
    PayPage,
    PrintPage,
    ReadingsPage,
    SettlementPage,
)
from desktop.tasks import TaskError, TaskRunner
from desktop.widgets import money_text
from server.services.billing.payment_notices import notices_pdf
from server.services.collection.move_out import (
    MoveOutForm,
    MoveOutResult,
    Settlement,
    move_out,
    move_out_form,
    moved_out,
    preview_move_out,
    settlement,
)
from server.services.collection.payments import take_payment
from server.services.collection.refunds import RefundResult, refund_pdf
from server.services.core import permissions
from server.services.core.calendar import Period
from server.services.residents.bindings import close_and_unbind
from server.services.staff.sign_in import StaffIdentity

REFUND_REASON = "退房结算退款"


class MoveOutWizard(QWizard):
    """`form_loaded` once the account's meters are shown; `previewed(MoveOutResult)` with
    the final bill priced; `moved_out(MoveOutResult)` once it is issued; `settled_now
    (Settlement)` after a payment or refund; `document_ready(DocumentDialog)`; `closed(str)`
    with the account closed; `refused(str)` when a service said no."""

    form_loaded = Signal()
    previewed = Signal(object)
    moved_out = Signal(object)
    settled_now = Signal(object)
    document_ready = Signal(object)
    closed = Signal(str)
    refused = Signal(str)

    def __init__(
        self,
        runner: TaskRunner,
        identity: StaffIdentity,
        account_no: str,
        today: date,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle(self.tr("Move out {no}").format(no=account_no))
        self.runner = runner
        self.identity = identity
        self.account_no = account_no
        self.today = today
        self.form: MoveOutForm | None = None
        self.preview: MoveOutResult | None = None
        self.preview_of: tuple[date, dict[str, Decimal]] | None = None
        self.result: MoveOutResult | None = None
        self.settled: Settlement | None = None
        # The settlement payment's request key: a retry after a lost connection sends it
        # again, so the money is taken once (server.services.collection.payments).
        self.payment_key = uuid.uuid4()
        self.refund_no = ""
        self.document: DocumentDialog | None = None
        self.refund_dialog: RefundDialog | None = None
        self.busy = False
        self.readings_page = ReadingsPage(self)
        self.bill_page = BillPage(self)
        self.settlement_page = SettlementPage(self)
        self.pay_page = PayPage(self)
        self.print_page = PrintPage(self)
        self.close_page = ClosePage(self)
        self.page_ids = {
            page: self.addPage(page)
            for page in (self.readings_page, self.bill_page, self.settlement_page,
                         self.pay_page, self.print_page, self.close_page)
        }  # fmt: skip
        today = self.today
        self._run(
            lambda s: move_out_form(s, account_no, today), self._loaded, self.readings_page.hint
        )

    def outcome_text(self, s: Settlement) -> str:
        if s.to_pay:
            return self.tr("To pay: {amount}").format(amount=money_text(s.to_pay))
        if s.refundable:
            return self.tr("Refundable: {amount}").format(amount=money_text(s.refundable))
        return self.tr("Settled: nothing owed, nothing to refund")

    def _run(self, work: Callable[[Session], Any], done: Callable[[Any], None],
             hint: QLabel) -> None:  # fmt: skip
        if self.busy:
            return
        self.busy = True

        def success(value: Any) -> None:
            self.busy = False
            hint.setText("")
            done(value)

        def failure(error: TaskError) -> None:
            self.busy = False
            hint.setText(error.message)
            self.refused.emit(error.message)

        self.runner.run(work, on_success=success, on_failure=failure, owner=self)

    def _loaded(self, form: MoveOutForm) -> None:
        self.form = form
        self.readings_page.show_form(form)
        if form.moved_out_on is None:
            self.form_loaded.emit()
            return
        # Moved out before: finish it from what is owed or refundable.
        number, today = self.account_no, self.today

        def resume(result: MoveOutResult) -> None:
            self.preview = self.result = result
            self.settled = result.settlement
            self.setStartId(self.page_ids[self.pay_page])
            self.restart()
            self.form_loaded.emit()

        self._run(lambda s: moved_out(s, number, today), resume, self.readings_page.hint)

    def ask_preview(self, wanted: tuple[date, dict[str, Decimal]]) -> None:
        actor, number, today = self.identity.actor, self.account_no, self.today

        def done(result: MoveOutResult) -> None:
            self.preview, self.preview_of = result, wanted
            self.previewed.emit(result)
            self.next()

        self._run(
            lambda s: preview_move_out(s, actor, number, wanted[0], wanted[1], on=today),
            done,
            self.readings_page.hint,
        )

    def commit(self) -> None:
        assert self.preview_of is not None
        (day, readings), actor = self.preview_of, self.identity.actor
        number, today = self.account_no, self.today

        def done(result: MoveOutResult) -> None:
            self.result, self.settled = result, result.settlement
            self.moved_out.emit(result)
            self.next()

        self._run(
            lambda s: move_out(s, actor, number, day, readings, on=today),
            done,
            self.settlement_page.hint,
        )

    def settle(self) -> None:
        """Take what is owed, or open the refund of what is left; then read the settlement
        again."""
        s = self.settled
        if s is None:
            return
        if not s.to_pay:
            self._ask_refund(s.refundable)
            return
        actor, number, today = self.identity.actor, self.account_no, self.today
        request = self.pay_page.payment(
            number, s.to_pay, self.identity.branch_code, self.payment_key
        )

        def work(session: Session) -> Settlement:
            take_payment(session, actor, request)
            return settlement(session, number, today)

        def paid(settled: Settlement) -> None:
            self.payment_key = uuid.uuid4()
            self._settled(settled, self.tr("Payment taken"))

        self._run(work, paid, self.pay_page.hint)

    def _ask_refund(self, amount: Decimal) -> None:
        identity, staff_id = self.identity, self.identity.staff_id
        assert self.result is not None
        holder = self.result.holder_name

        def opened(manager: bool) -> None:
            dialog = RefundDialog(
                self.account_no, holder, amount, self.runner,
                identity.actor if manager else None, identity.actor, desk_approval_limit(), self,
            )  # fmt: skip
            dialog.reason_edit.setText(REFUND_REASON)
            dialog.finished_with.connect(self._refunded)
            self.refund_dialog = dialog
            dialog.open()

        self._run(lambda s: permissions.is_manager(s, staff_id), opened, self.pay_page.hint)

    def _refunded(self, result: RefundResult) -> None:
        self.refund_no = result.refund_no
        number, today = self.account_no, self.today
        note = self.tr("Refund form {no} issued").format(no=result.refund_no)
        self._run(lambda s: settlement(s, number, today),
                  lambda settled: self._settled(settled, note), self.pay_page.hint)  # fmt: skip

    def _settled(self, settled: Settlement, note: str) -> None:
        self.settled = settled
        self.pay_page.done_label.setText(note)
        self.pay_page.show_settlement(settled)
        self.settled_now.emit(settled)

    def show_document(self, which: str) -> None:
        number, refund_no = self.account_no, self.refund_no
        result = self.result
        assert result is not None

        def work(session: Session) -> tuple[str, str, bytes]:
            if which == "refund":
                return refund_pdf(session, refund_no)
            return notices_pdf(session, Period.parse(result.period), account_no=number)

        def done(document: tuple[str, str, bytes]) -> None:
            filename, _, pdf = document
            self.document = DocumentDialog(self.windowTitle(), filename, pdf, parent=self)
            self.document.open()
            self.document_ready.emit(self.document)

        self._run(work, done, self.close_page.hint)

    def accept(self) -> None:
        """Finish: close the account, and only then the wizard."""
        actor, number = self.identity.actor, self.account_no
        reason = self.close_page.reason_edit.text().strip() or "退房销户"

        def done(_: object) -> None:
            self.closed.emit(number)
            super(MoveOutWizard, self).accept()

        self._run(lambda s: close_and_unbind(s, actor, number, reason), done, self.close_page.hint)
