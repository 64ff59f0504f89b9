"""A second manager's approval (复核) of a correction above `billing.approval_limit`, and the
dialog every correction is confirmed in (a reason, then the approval when the amount needs
one, then the service on a worker)."""

from __future__ import annotations

import logging
from collections.abc import Callable
from decimal import Decimal

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLayout,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)
from sqlalchemy.orm import Session

from desktop.tasks import TaskError, TaskRunner
from desktop.widgets import MUTED, CheckedDialog, hint_label, money_text, ok_cancel
from server.config import DEFAULTS, ConfigError, load_settings
from server.services.core import permissions
from server.services.core.approval import approval_limit, check_approval
from server.services.core.audit import Actor
from server.services.core.errors import DomainError
from server.services.staff.sign_in import sign_in

log = logging.getLogger(__name__)


def desk_approval_limit() -> Decimal | None:
    """`billing.approval_limit` (None: no limit); a bad setting asks at the default rather
    than stopping every correction, and the log says why."""
    try:
        return approval_limit(load_settings())
    except (ConfigError, DomainError) as error:
        log.warning("billing.approval_limit at its default: %s", error)
        return Decimal(DEFAULTS["billing"]["approval_limit"])


# What the approver must be, checked on the worker once they signed in: another manager
# for an amount above the limit (check_approval), a manager for a refund a clerk pays out.
ApproverCheck = Callable[[Session, Actor], object]


def verify_approver(
    session: Session, login: str, password: str, check: ApproverCheck
) -> Actor | str:
    """The approver signed in as `login`, or why not (a wrong password counts towards the
    lockout like any sign-in); `check` refuses one who may not approve."""
    result = sign_in(session, login, password)
    if result.identity is None:
        return result.error
    approver = result.identity.actor
    check(session, approver)
    return approver


def second_manager(actor: Actor, amount: Decimal, limit: Decimal) -> ApproverCheck:
    """Another manager than `actor`, for `amount` above `limit`."""
    return lambda session, approver: check_approval(session, actor, approver, amount, limit)


def a_manager(what: str) -> ApproverCheck:
    """Any manager, deciding `what` (退款) for a clerk who may not."""
    return lambda session, approver: permissions.require_manager(session, approver, what)


class ApprovalDialog(QDialog):
    """Another manager types their login and password; `approved(Actor)` fires once the
    sign-in service says yes and they may approve, and the dialog closes."""

    approved = Signal(object)
    attempt_failed = Signal(str)

    def __init__(
        self,
        runner: TaskRunner,
        explanation: str,
        check: ApproverCheck,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("approvalDialog")
        self.setWindowTitle(self.tr("Manager's approval"))
        self.runner = runner
        self.check = check
        self.explanation = QLabel(explanation)
        self.explanation.setWordWrap(True)
        self.login_edit = QLineEdit()
        self.login_edit.setObjectName("approverLogin")
        self.login_edit.setMaxLength(64)
        self.password_edit = QLineEdit()
        self.password_edit.setObjectName("approverPassword")
        self.password_edit.setEchoMode(QLineEdit.EchoMode.Password)
        form = QFormLayout()
        form.addRow(self.tr("Approver's login:"), self.login_edit)
        form.addRow(self.tr("Password:"), self.password_edit)
        self.hint = hint_label()
        self.buttons = ok_cancel(self)
        self.approve_button = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.approve_button.setText(self.tr("Approve"))
        for edit in (self.login_edit, self.password_edit):
            edit.textChanged.connect(lambda _: self._update())
        layout = QVBoxLayout(self)
        layout.addWidget(self.explanation)
        layout.addLayout(form)
        layout.addWidget(self.hint)
        layout.addWidget(self.buttons)
        self.setMinimumWidth(420)
        self.busy = False
        self._update()

    def _update(self) -> None:
        whole = bool(self.login_edit.text().strip() and self.password_edit.text())
        self.approve_button.setEnabled(whole and not self.busy)

    def accept(self) -> None:
        """Checked by the sign-in service on a worker; closes only when approved."""
        if self.busy or not self.approve_button.isEnabled():
            return
        self.busy = True
        self._update()
        check = self.check
        login, password = self.login_edit.text().strip(), self.password_edit.text()
        self.runner.run(
            lambda s: verify_approver(s, login, password, check),
            on_success=self._answered,
            on_failure=lambda error: self._refused(error.message),
            owner=self,
        )

    def _answered(self, answer: Actor | str) -> None:
        if isinstance(answer, str):
            self._refused(answer)
            return
        self.busy = False
        super().accept()
        self.approved.emit(answer)

    def _refused(self, message: str) -> None:
        self.busy = False
        self.hint.setText(message)
        self.password_edit.clear()
        self.password_edit.setFocus()
        self._update()
        self.attempt_failed.emit(message)


class CorrectionDialog(CheckedDialog):
    """A correction confirmed with a reason. OK (`self.buttons`, renamed by the subclass)
    is enabled once `problem()` is '' — a reason typed, among what the subclass checks.
    Above the approval limit an ApprovalDialog asks for a second manager first; then
    `work(reason, approver)` runs on a worker, a refusal is shown in the hint with the
    dialog kept, and on success the dialog closes and `finished_with(result)` fires."""

    finished_with = Signal(object)
    refused = Signal(str)
    approval_opened = Signal(object)

    def __init__(
        self,
        runner: TaskRunner,
        actor: Actor,
        limit: Decimal | None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.runner = runner
        self.actor = actor
        self.what = ""  # named by the subclass, for the approval's explanation
        self.limit = limit
        self.approval: ApprovalDialog | None = None
        self.reason_edit = QLineEdit()
        self.reason_edit.setObjectName("reasonEdit")
        self.reason_edit.setMaxLength(200)
        self.reason_edit.setPlaceholderText(self.tr("Required: why, as it will be kept"))
        self.reason_edit.textChanged.connect(lambda _: self.validate())
        self.hint = hint_label()
        self.approval_note = QLabel()
        self.approval_note.setStyleSheet(f"color: {MUTED.name()};")
        self.buttons = ok_cancel(self)
        self.confirm_button = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.confirm_button.setObjectName("confirmButton")
        self.busy = False

    def lay_out(
        self, who: str, body: list[QWidget | QLayout], stretch: QWidget | None = None
    ) -> None:
        """`who` (the account) over the `body` parts (`stretch` takes the height left),
        then the reason, the approval note, the hint and the buttons."""
        self.who_label = QLabel(who)
        self.who_label.setObjectName("accountTitle")
        reason_row = QFormLayout()
        reason_row.addRow(self.tr("Reason:"), self.reason_edit)
        layout = QVBoxLayout(self)
        layout.addWidget(self.who_label)
        for part in body:
            if isinstance(part, QLayout):
                layout.addLayout(part)
            else:
                layout.addWidget(part, 1 if part is stretch else 0)
        layout.addLayout(reason_row)
        layout.addWidget(self.approval_note)
        layout.addWidget(self.hint)
        layout.addWidget(self.buttons)

    def approval_amount(self) -> Decimal:
        """The amount held against the limit (its absolute value)."""
        raise NotImplementedError

    def work(self, reason: str, approver: Actor | None) -> Callable[[Session], object]:
        raise NotImplementedError

    def reason_problem(self) -> str:
        return "" if self.reason_edit.text().strip() else self.tr("Type the reason.")

    def needs_approval(self) -> bool:
        return self.limit is not None and abs(self.approval_amount()) > self.limit

    def problem(self) -> str:
        return self.reason_problem()

    def validate(self) -> bool:
        whole = super().validate()
        if self.busy:
            self.confirm_button.setEnabled(False)
        if self.limit is None:
            self.approval_note.setText("")
        elif self.needs_approval():
            self.approval_note.setText(
                self.tr("Above {limit}: another manager approves before it is done.").format(
                    limit=money_text(self.limit)
                )
            )
        else:
            self.approval_note.setText(
                self.tr("Within {limit}: no second approval needed.").format(
                    limit=money_text(self.limit)
                )
            )
        return whole

    def accept(self) -> None:
        if self.busy or not self.validate():
            return
        self.proceed()

    def proceed(self) -> None:
        """Submit, after a second manager's approval when the amount is above the limit."""
        if not self.needs_approval():
            self.submit(None)
            return
        assert self.limit is not None
        amount = self.approval_amount()
        explanation = self.tr(
            "{what}: {amount} yuan is above {limit} yuan and needs another manager's "
            "approval. The approving manager signs in here."
        ).format(what=self.what, amount=money_text(abs(amount)), limit=money_text(self.limit))
        self.ask_approval(explanation, second_manager(self.actor, amount, self.limit), self.submit)

    def ask_approval(
        self, explanation: str, check: ApproverCheck, then: Callable[[Actor], None]
    ) -> None:
        """An ApprovalDialog over this one; `then(approver)` once it approved."""
        approval = ApprovalDialog(self.runner, explanation, check, self)
        approval.approved.connect(then)
        self.approval = approval
        self.approval_opened.emit(approval)
        approval.open()

    def submit(self, approver: Actor | None) -> None:
        self.busy = True
        self.validate()
        self.runner.run(
            self.work(self.reason_edit.text().strip(), approver),
            on_success=self._succeeded,
            on_failure=self._failed,
            owner=self,
        )

    def _succeeded(self, result: object) -> None:
        self.busy = False
        QDialog.accept(self)
        self.finished_with.emit(result)

    def _failed(self, error: TaskError) -> None:
        self.busy = False
        self.validate()
        self.hint.setText(error.message)
        self.refused.emit(error.message)
