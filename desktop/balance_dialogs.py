"""The dialogs of an account's balance: 调账 (a charge or a credit) and 退款 (credit paid
back), each a CorrectionDialog (a reason, a second manager above the limit)."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

from PySide6.QtWidgets import (
    QComboBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QRadioButton,
    QWidget,
)
from sqlalchemy.orm import Session

from desktop.approval_dialog import CorrectionDialog, a_manager
from desktop.tasks import TaskRunner
from desktop.widgets import MoneyEdit, money_text
from server.services.billing.adjustments import adjust_account
from server.services.collection.refunds import REFUND_CHANNEL_LABELS, refund_balance
from server.services.core.audit import Actor
from server.services.core.money import ZERO


class AdjustDialog(CorrectionDialog):
    """调账: a charge (借记, owed on a bill of its own) or a credit (贷记, to the balance)."""

    def __init__(
        self, account_no: str, holder: str, balance: Decimal, runner: TaskRunner, actor: Actor,
        limit: Decimal | None, parent: QWidget | None = None,
    ) -> None:  # fmt: skip
        super().__init__(runner, actor, limit, parent)
        self.what = self.tr("Adjustment")
        self.setObjectName("adjustDialog")
        self.account_no = account_no
        self.setWindowTitle(self.tr("Adjust account {account}").format(account=account_no))
        self.confirm_button.setText(self.tr("Confirm adjustment"))
        self.charge_radio = QRadioButton(self.tr("Charge (debit)"))
        self.credit_radio = QRadioButton(self.tr("Credit (goodwill)"))
        self.amount_edit = MoneyEdit()
        self.amount_edit.setObjectName("amountEdit")
        for radio in (self.charge_radio, self.credit_radio):
            radio.toggled.connect(lambda _: self.validate())
        self.amount_edit.textChanged.connect(lambda _: self.validate())
        direction = QHBoxLayout()
        direction.addWidget(self.charge_radio)
        direction.addWidget(self.credit_radio)
        direction.addStretch(1)
        form = QFormLayout()
        form.addRow(self.tr("Balance:"), QLabel(money_text(balance)))
        form.addRow(self.tr("Adjustment:"), direction)
        form.addRow(self.tr("Amount:"), self.amount_edit)
        self.lay_out(f"{account_no}  {holder}", [form])
        self.setMinimumWidth(460)
        self.validate()

    def amount(self) -> Decimal:
        """The signed amount: a charge +, a credit −; 0 until both are chosen."""
        value = self.amount_edit.value() or ZERO
        return -value if self.credit_radio.isChecked() else value

    def approval_amount(self) -> Decimal:
        return self.amount()

    def problem(self) -> str:
        if not (self.charge_radio.isChecked() or self.credit_radio.isChecked()):
            return self.tr("Choose charge or credit.")
        value = self.amount_edit.value()
        if value is None or value <= 0:
            return self.tr("Type an amount above 0.")
        return self.reason_problem()

    def work(self, reason: str, approver: Actor | None) -> Callable[[Session], object]:
        actor, limit, account_no, amount = self.actor, self.limit, self.account_no, self.amount()
        return lambda s: adjust_account(
            s, actor, account_no, amount, reason, approval_limit=limit, approver=approver
        )


class RefundDialog(CorrectionDialog):
    """退款 of the account's credit, in cash from `clerk`'s till or by transfer. `manager`
    authorizes it; None when the clerk is not a manager: a manager then signs in to
    authorize each time it is confirmed."""

    def __init__(
        self, account_no: str, holder: str, balance: Decimal, runner: TaskRunner,
        manager: Actor | None,
        clerk: Actor, limit: Decimal | None, parent: QWidget | None = None,
    ) -> None:  # fmt: skip
        super().__init__(runner, manager or clerk, limit, parent)
        self.what = self.tr("Refund")
        self.self_authorized = manager is not None
        self.setObjectName("refundDialog")
        self.account_no = account_no
        self.balance = max(balance, ZERO)
        self.clerk = clerk
        self.setWindowTitle(self.tr("Refund to account {account}").format(account=account_no))
        self.confirm_button.setText(self.tr("Confirm refund"))
        self.amount_edit = MoneyEdit()
        self.amount_edit.setObjectName("amountEdit")
        self.amount_edit.set_value(self.balance)
        self.channel_combo = QComboBox()
        for channel, label in REFUND_CHANNEL_LABELS.items():
            self.channel_combo.addItem(label, channel)
        self.reference_edit = QLineEdit()
        self.reference_edit.setMaxLength(64)
        self.bank_edit = QLineEdit()
        self.bank_edit.setMaxLength(60)
        self.amount_edit.textChanged.connect(lambda _: self.validate())
        self.channel_combo.currentIndexChanged.connect(lambda _: self.validate())
        form = QFormLayout()
        form.addRow(self.tr("Refundable balance:"), QLabel(money_text(self.balance)))
        form.addRow(self.tr("Amount:"), self.amount_edit)
        form.addRow(self.tr("Refund by:"), self.channel_combo)
        form.addRow(self.tr("Bank serial no.:"), self.reference_edit)
        form.addRow(self.tr("Payee's bank:"), self.bank_edit)
        self.lay_out(f"{account_no}  {holder}", [form])
        self.setMinimumWidth(460)
        self.validate()

    def accept(self) -> None:
        if self.self_authorized:
            super().accept()
            return
        if self.busy or not self.validate():
            return
        explanation = self.tr(
            "A refund of {amount} yuan is decided by a manager: the authorizing manager "
            "signs in here."
        ).format(amount=money_text(self.approval_amount()))
        self.ask_approval(explanation, a_manager("退款"), self._authorized)

    def _authorized(self, manager: Actor) -> None:
        self.actor = manager
        self.proceed()

    def channel(self) -> str:
        return str(self.channel_combo.currentData())

    def approval_amount(self) -> Decimal:
        return self.amount_edit.value() or ZERO

    def problem(self) -> str:
        transfer = self.channel() != "cash"
        self.reference_edit.setEnabled(transfer)
        self.bank_edit.setEnabled(transfer)
        value = self.amount_edit.value()
        if value is None or value <= 0:
            return self.tr("Type an amount above 0.")
        if value > self.balance:
            return self.tr("{amount} is more than the refundable balance {balance}.").format(
                amount=money_text(value), balance=money_text(self.balance)
            )
        return self.reason_problem()

    def work(self, reason: str, approver: Actor | None) -> Callable[[Session], object]:
        actor, clerk, limit, account_no = self.actor, self.clerk, self.limit, self.account_no
        amount, channel = self.approval_amount(), self.channel()
        transfer = channel != "cash"
        reference = self.reference_edit.text().strip() if transfer else ""
        bank = self.bank_edit.text().strip() if transfer else ""
        return lambda s: refund_balance(
            s, actor, account_no, amount, channel, clerk=clerk, reference=reference, bank=bank,
            reason=reason, approval_limit=limit, approver=approver,
        )  # fmt: skip
