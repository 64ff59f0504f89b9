"""The sign-in dialog."""

from __future__ import annotations

from PySide6.QtCore import QSettings, Qt, Signal
from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import (
    QDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from desktop.connection import DatabaseInfo
from desktop.preferences import LAST_LOGIN, open_preferences
from desktop.tasks import TaskError, TaskRunner
from server.services.staff.sign_in import SignInResult, StaffIdentity, sign_in

ERROR_COLOR = QColor("#c62828")


class LoginDialog(QDialog):
    """Asks for login name and password; accepted once the server says yes.

    `signed_in(StaffIdentity)` fires on success, `attempt_failed(str)` with the message
    shown on each refusal.
    """

    signed_in = Signal(object)
    attempt_failed = Signal(str)

    def __init__(
        self,
        runner: TaskRunner,
        *,
        preferences: QSettings | None = None,
        login: str | None = None,
        database: DatabaseInfo | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self._runner = runner
        self._preferences = preferences if preferences is not None else open_preferences()
        self.identity: StaffIdentity | None = None
        self._closed = False
        self.setObjectName("loginDialog")
        self.setWindowTitle(self.tr("MeterDesk Metering & Billing — Sign in"))
        self.setMinimumWidth(400)

        title = QLabel("MeterDesk")
        title.setObjectName("appTitle")
        subtitle = QLabel(self.tr("Water & Electricity Metering and Billing"))
        subtitle.setObjectName("appSubtitle")

        self.login_edit = QLineEdit()
        self.login_edit.setPlaceholderText(self.tr("Staff number or login name"))
        self.login_edit.setMaxLength(64)
        self.password_edit = QLineEdit()
        self.password_edit.setEchoMode(QLineEdit.EchoMode.Password)
        self.password_edit.setPlaceholderText(self.tr("Password"))
        form = QFormLayout()
        form.addRow(self.tr("Login name:"), self.login_edit)
        form.addRow(self.tr("Password:"), self.password_edit)

        self.error_label = QLabel()
        self.error_label.setObjectName("loginError")
        self.error_label.setWordWrap(True)
        # Set on the widget itself so the error reads red whatever style sheet is loaded.
        palette = self.error_label.palette()
        palette.setColor(QPalette.ColorRole.WindowText, ERROR_COLOR)
        self.error_label.setPalette(palette)
        self.error_label.hide()

        self.sign_in_button = QPushButton(self.tr("Sign in"))
        self.sign_in_button.setObjectName("primaryButton")
        # Default button: Enter in either field submits.
        self.sign_in_button.setDefault(True)
        self.sign_in_button.clicked.connect(self.submit)
        self.cancel_button = QPushButton(self.tr("Exit"))
        self.cancel_button.setAutoDefault(False)
        self.cancel_button.clicked.connect(self.reject)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self.cancel_button)
        buttons.addWidget(self.sign_in_button)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(28, 24, 28, 20)
        layout.setSpacing(10)
        layout.addWidget(title)
        layout.addWidget(subtitle)
        layout.addSpacing(8)
        layout.addLayout(form)
        layout.addWidget(self.error_label)
        layout.addLayout(buttons)
        if database is not None:
            # Which database a counter signs in to matters (demo vs production).
            self.database_label = QLabel(
                self.tr("Database: {label}").format(label=database.label())
            )
            self.database_label.setObjectName("databaseHint")
            layout.addWidget(self.database_label)

        remembered = login if login is not None else self._preferences.value(LAST_LOGIN, "")
        self.login_edit.setText(str(remembered or ""))
        (self.password_edit if self.login_edit.text() else self.login_edit).setFocus()

    @property
    def busy(self) -> bool:
        return not self.sign_in_button.isEnabled()

    def submit(self) -> None:
        if self.busy:
            return
        login = self.login_edit.text().strip()
        password = self.password_edit.text()
        if not login:
            self._show_error(self.tr("Please enter your login name."))
            self.login_edit.setFocus()
            return
        if not password:
            self._show_error(self.tr("Please enter your password."))
            self.password_edit.setFocus()
            return
        self._set_busy(True)
        self._runner.run(
            lambda session: sign_in(session, login, password),
            on_success=self._finished,
            on_failure=self._failed,
            owner=self,
        )

    def done(self, result: int) -> None:
        self._closed = True
        super().done(result)

    def _finished(self, result: SignInResult) -> None:
        self._set_busy(False)
        if self._closed:
            return  # the user gave up (Exit, Esc) while the server was answering
        if result.identity is None:
            self._refused(result.error)
            return
        self.identity = result.identity
        self._preferences.setValue(LAST_LOGIN, result.identity.login)
        self._preferences.sync()
        self.error_label.hide()
        self.signed_in.emit(result.identity)
        self.accept()

    def _failed(self, error: TaskError) -> None:
        self._set_busy(False)
        if not self._closed:
            self._refused(error.message)

    def _refused(self, message: str) -> None:
        self._show_error(message)
        self.password_edit.clear()
        self.password_edit.setFocus()
        self.attempt_failed.emit(message)

    def _show_error(self, message: str) -> None:
        self.error_label.setText(message)
        self.error_label.show()

    def _set_busy(self, busy: bool) -> None:
        for widget in (self.login_edit, self.password_edit, self.sign_in_button):
            widget.setEnabled(not busy)
        self.sign_in_button.setText(self.tr("Signing in…") if busy else self.tr("Sign in"))
        if busy:
            self.setCursor(Qt.CursorShape.BusyCursor)
        else:
            self.unsetCursor()
