"""个人信息: the signed-in staff member's own details and password."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QGroupBox,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)
from sqlalchemy.orm import Session

from desktop.tasks import TaskError, TaskRunner
from desktop.widgets import ALERT
from server.services.core.audit import Actor
from server.services.core.errors import DomainError
from server.services.staff.own_profile import (
    Profile,
    ProfileChanges,
    change_password,
    check_changes,
    my_profile,
    update_profile,
)


class ProfileDialog(QDialog):
    """Name, department, post and branch shown; contact details and the password editable.

    Fields are checked as they are typed (the same rule the service applies), and the
    service's refusal is shown in the dialog rather than closing it.
    """

    loaded = Signal()
    saved = Signal()

    def __init__(self, actor: Actor, runner: TaskRunner, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("profileDialog")
        self.setWindowTitle(self.tr("My profile"))
        self.actor = actor
        self.runner = runner
        self.shown: dict[str, QLabel] = {}
        who = QGroupBox(self.tr("Who"))
        who_form = QFormLayout(who)
        for key, caption in (
            ("name", self.tr("Name:")),
            ("login", self.tr("Login name:")),
            ("department", self.tr("Department:")),
            ("post", self.tr("Post:")),
            ("branch", self.tr("Branch:")),
        ):
            self.shown[key] = QLabel()
            who_form.addRow(caption, self.shown[key])

        contact = QGroupBox(self.tr("Contact"))
        contact_form = QFormLayout(contact)
        self.mobile_edit = QLineEdit()
        self.phone_edit = QLineEdit()
        self.email_edit = QLineEdit()
        self.wechat_edit = QLineEdit()
        for caption, edit in (
            (self.tr("Mobile:"), self.mobile_edit),
            (self.tr("Office phone:"), self.phone_edit),
            (self.tr("Email:"), self.email_edit),
            (self.tr("WeChat id:"), self.wechat_edit),
        ):
            edit.textChanged.connect(lambda _: self._check())
            contact_form.addRow(caption, edit)

        password = QGroupBox(self.tr("Change password (leave empty to keep it)"))
        password_form = QFormLayout(password)
        self.old_edit = QLineEdit()
        self.new_edit = QLineEdit()
        self.again_edit = QLineEdit()
        for caption, edit in (
            (self.tr("Current password:"), self.old_edit),
            (self.tr("New password:"), self.new_edit),
            (self.tr("New password again:"), self.again_edit),
        ):
            edit.setEchoMode(QLineEdit.EchoMode.Password)
            edit.textChanged.connect(lambda _: self._check())
            password_form.addRow(caption, edit)

        self.hint = QLabel()
        self.hint.setObjectName("formHint")
        self.hint.setWordWrap(True)
        self.hint.setStyleSheet(f"color: {ALERT.name()};")
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel
        )
        self.save_button = self.buttons.button(QDialogButtonBox.StandardButton.Save)
        self.buttons.accepted.connect(self.save)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        for part in (who, contact, password):
            layout.addWidget(part)
        layout.addWidget(self.hint)
        layout.addWidget(self.buttons)
        self.save_button.setEnabled(False)
        runner.run(lambda s: my_profile(s, actor), on_success=self._show, owner=self)

    def _show(self, profile: Profile) -> None:
        for key in ("name", "login", "department", "post", "branch"):
            self.shown[key].setText(getattr(profile, key))
        self.mobile_edit.setText(profile.mobile)
        self.phone_edit.setText(profile.office_phone)
        self.email_edit.setText(profile.email)
        self.wechat_edit.setText(profile.wechat)
        self._check()
        self.loaded.emit()

    def changes(self) -> ProfileChanges:
        return ProfileChanges(
            self.mobile_edit.text(),
            self.phone_edit.text(),
            self.email_edit.text(),
            self.wechat_edit.text(),
        )

    def _problem(self) -> str:
        try:
            check_changes(self.changes())
        except DomainError as exc:
            return str(exc)
        if self.new_edit.text() or self.old_edit.text():
            if not self.old_edit.text():
                return self.tr("Type the current password to change it")
            if self.new_edit.text() != self.again_edit.text():
                return self.tr("The two new passwords differ")
        return ""

    def _check(self) -> None:
        problem = self._problem()
        self.hint.setText(problem)
        self.save_button.setEnabled(not problem)

    def save(self) -> None:
        if self._problem():
            return
        actor, changes = self.actor, self.changes()
        old, new = self.old_edit.text(), self.new_edit.text()

        def work(session: Session) -> None:
            update_profile(session, actor, changes)
            if new:
                change_password(session, actor, old, new)

        self.save_button.setEnabled(False)
        self.runner.run(work, on_success=self._saved, on_failure=self._refused, owner=self)

    def _saved(self, _: object) -> None:
        self.saved.emit()
        self.accept()

    def _refused(self, error: TaskError) -> None:
        self.hint.setText(error.message)
        self.save_button.setEnabled(True)
