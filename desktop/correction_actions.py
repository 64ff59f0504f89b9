"""Where the correction dialogs open from: the billing page's selected bill (更正账单,
作废账单) and the account a page shows (调账, 退款: the accounts page and the counter).

Each opens its dialog over the page with the approval limit of the settings, and once the
service has done it reloads the page and says what was done (a refund's 退款单 is shown to
print, as a receipt is)."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import TYPE_CHECKING, Protocol

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QMessageBox, QPushButton

from desktop.approval_dialog import CorrectionDialog, desk_approval_limit
from desktop.balance_dialogs import AdjustDialog, RefundDialog
from desktop.correction_dialogs import CancelDialog, RebillDialog
from desktop.document_dialog import DocumentDialog
from desktop.module_page import ModulePage
from desktop.widgets import money_text, tell
from server.services.billing.adjustments import AdjustmentResult
from server.services.billing.bills import BillRow, bill_detail, bill_paid
from server.services.billing.corrections import (
    CORRECTABLE_KINDS,
    CancelResult,
    RebillResult,
    rebill_preview,
)
from server.services.collection.refunds import RefundResult, refund_pdf
from server.services.core import permissions

if TYPE_CHECKING:
    from desktop.billing_page import BillingPage


class ShownAccount(Protocol):
    """What a page shows of an account that the adjust and refund dialogs start from."""

    @property
    def account_no(self) -> str: ...
    @property
    def holder_name(self) -> str: ...
    @property
    def balance(self) -> Decimal: ...


class CorrectionOpener(QObject):
    """Opens a page's correction dialogs: `dialog_opened(dialog)` as one opens, `finished`
    with the service's result once it is done, `done(result)` when the page shows it."""

    dialog_opened = Signal(object)
    done = Signal(object)

    def __init__(self, page: ModulePage) -> None:
        super().__init__(page)
        self.page = page
        self.dialog: CorrectionDialog | None = None
        self.message: QMessageBox | None = None

    def open_dialog(self, dialog: CorrectionDialog) -> None:
        self.dialog = dialog
        dialog.finished_with.connect(self.finished)
        self.dialog_opened.emit(dialog)
        dialog.open()

    def finished(self, result: object) -> None:
        raise NotImplementedError

    def say(self, title: str, text: str) -> None:
        self.message = tell(self.page, QMessageBox.Icon.Information, title, text)


class AccountCorrections(CorrectionOpener):
    """调账… and 退款… buttons for the account `shown()` gives (None: none open, buttons
    off), `reload` after either; `document_ready(DocumentDialog)` with a refund's form."""

    document_ready = Signal(object)

    def __init__(
        self,
        page: ModulePage,
        shown: Callable[[], ShownAccount | None],
        reload: Callable[[], None],
    ) -> None:
        super().__init__(page)
        self.shown = shown
        self.reload = reload
        self.document: DocumentDialog | None = None
        self.adjust_button = QPushButton(self.tr("Adjust…"))
        self.adjust_button.setToolTip(self.tr("A charge or a credit with a reason; managers only"))
        self.adjust_button.clicked.connect(lambda: self.ask_adjust())
        self.refund_button = QPushButton(self.tr("Refund…"))
        self.refund_button.setToolTip(
            self.tr("Pay the account's credit back, authorized by a manager")
        )
        self.refund_button.clicked.connect(lambda: self.ask_refund())
        self.update_buttons()

    def update_buttons(self) -> None:
        account = self.shown()
        self.adjust_button.setEnabled(account is not None)
        self.refund_button.setEnabled(account is not None and account.balance > 0)

    def ask_adjust(self) -> None:
        account = self.shown()
        if account is None:
            return
        self.open_dialog(
            AdjustDialog(
                account.account_no,
                account.holder_name,
                account.balance,
                self.page.runner,
                self.page.identity.actor,
                desk_approval_limit(),
                self.page,
            )
        )

    def ask_refund(self) -> None:
        """The refund dialog; a manager signed in authorizes it themselves, for anyone else
        the dialog asks a manager to sign in (asked of the database, as the service will)."""
        account = self.shown()
        if account is None or account.balance <= 0:
            return
        identity = self.page.identity
        staff_id = identity.staff_id

        def opened(manager: bool) -> None:
            self.open_dialog(
                RefundDialog(
                    account.account_no,
                    account.holder_name,
                    account.balance,
                    self.page.runner,
                    identity.actor if manager else None,
                    identity.actor,
                    desk_approval_limit(),
                    self.page,
                )
            )

        self.page.runner.run(
            lambda s: permissions.is_manager(s, staff_id), on_success=opened, owner=self.page
        )

    def finished(self, result: object) -> None:
        self.reload()
        if isinstance(result, RefundResult):
            refund_no = result.refund_no

            def show(document: tuple[str, str, bytes]) -> None:
                filename, _, pdf = document
                self.document = DocumentDialog(
                    self.tr("Refund form {no}").format(no=refund_no),
                    filename,
                    pdf,
                    preferences=self.page.preferences,
                    parent=self.page,
                )
                self.document_ready.emit(self.document)
                self.document.open()
                self.done.emit(result)

            self.page.runner.run(
                lambda s: refund_pdf(s, refund_no), on_success=show, owner=self.page
            )
            return
        if isinstance(result, AdjustmentResult):
            self.say(self.tr("Adjustment"), self.adjustment_text(result))
        self.done.emit(result)

    def adjustment_text(self, result: AdjustmentResult) -> str:
        if result.amount > 0:
            text = self.tr("{no}: {account} charged {amount}.").format(
                no=result.note_no, account=result.account_no, amount=money_text(result.amount)
            )
            if result.owed > 0:
                text += " " + self.tr("Owed on its bill: {owed}.").format(
                    owed=money_text(result.owed)
                )
        else:
            text = self.tr("{no}: {account} credited {amount}.").format(
                no=result.note_no, account=result.account_no, amount=money_text(-result.amount)
            )
        return (
            text
            + " "
            + self.tr("Balance now {balance}.").format(balance=money_text(result.balance))
        )


class BillCorrections(CorrectionOpener):
    """更正账单… (Ctrl+E) and 作废账单… on the billing page's selected bill, as buttons and
    in the bills table's context menu; off for a void bill, an adjustment or a deposit."""

    def __init__(self, page: BillingPage) -> None:
        super().__init__(page)
        self.billing = page
        self.rebill_button = QPushButton(self.tr("Rebill… (Ctrl+E)"))
        self.rebill_button.setToolTip(
            self.tr("The bill again from the readings and tariffs in force now; managers only")
        )
        self.cancel_button = QPushButton(self.tr("Cancel bill…"))
        self.cancel_button.setToolTip(self.tr("A bill raised in error, with a credit note"))
        table = page.bills_table
        table.setContextMenuPolicy(Qt.ContextMenuPolicy.ActionsContextMenu)
        for button, slot in ((self.rebill_button, self.ask_rebill),
                             (self.cancel_button, self.ask_cancel)):  # fmt: skip
            button.clicked.connect(lambda _=False, slot=slot: slot())
            action = QAction(button.text(), table)
            action.triggered.connect(lambda _=False, slot=slot: slot())
            table.addAction(action)
        self.actions = table.actions()
        table.selectionModel().selectionChanged.connect(lambda *_: self.update_buttons())
        page.bills_shown.connect(lambda _: self.update_buttons())
        self.update_buttons()

    def update_buttons(self) -> None:
        enabled = self._selected() is not None
        for widget in (self.rebill_button, self.cancel_button, *self.actions):
            widget.setEnabled(enabled)

    def _selected(self) -> BillRow | None:
        """The selected bill if a rebill or cancel may take it: not void, and a regular or
        final bill (the services find it by account and period)."""
        bill = self.billing.selected_bill()
        if bill is None or bill.void or bill.kind not in CORRECTABLE_KINDS:
            return None
        return bill

    def ask_rebill(self) -> None:
        """The bill as it would be now, beside the one issued, before anything changes."""
        bill = self._selected()
        if bill is None:
            return
        page, account_no, period = self.page, bill.account_no, self.billing.period()
        self.page.runner.run(
            lambda s: rebill_preview(s, account_no, period),
            on_success=lambda preview: self.open_dialog(
                RebillDialog(preview, page.runner, page.identity.actor, desk_approval_limit(), page)
            ),
            owner=page,
        )

    def ask_cancel(self) -> None:
        bill = self._selected()
        if bill is None:
            return
        page, bill_id = self.page, bill.bill_id
        self.page.runner.run(
            lambda s: (bill_detail(s, bill_id), bill_paid(s, bill_id)),
            on_success=lambda found: self.open_dialog(
                CancelDialog(
                    found[0], found[1], page.runner, page.identity.actor, desk_approval_limit(),
                    page,
                )
            ),
            owner=page,
        )  # fmt: skip

    def finished(self, result: object) -> None:
        self.billing.period_changed()
        self.say(self.tr("Bill corrected"), self.result_text(result))
        self.done.emit(result)

    def result_text(self, result: object) -> str:
        if isinstance(result, CancelResult):
            return self.tr(
                "{no}: the bill {period} of {account} ({total}) is cancelled; {paid} paid on it "
                "went to the balance, now {balance}."
            ).format(
                no=result.credit_note_no, period=result.period, account=result.account_no,
                total=money_text(result.total), paid=money_text(result.paid_moved),
                balance=money_text(result.balance),
            )  # fmt: skip
        assert isinstance(result, RebillResult)
        return self.tr(
            "{no}: the bill {period} of {account} ({old}) is replaced by a bill of {new}; "
            "owed on it {owed}, balance now {balance}."
        ).format(
            no=result.credit_note_no, period=result.period, account=result.account_no,
            old=money_text(result.old_total), new=money_text(result.new_total),
            owed=money_text(result.owed), balance=money_text(result.balance),
        )  # fmt: skip
