"""首次运行: the wizard that points a new counter or office PC at its database.

Central server: host, port, database, login, password and TLS mode, tried before anything
is saved (reachable, TLS, a schema this program understands); then the branch this PC
belongs to. The password goes to the keyring. Or the embedded database for demo and
training instead, which gets the demo's data (seed_demo_database) before the first sign-in.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QCoreApplication, QEventLoop, QObject, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QMessageBox,
    QProgressDialog,
    QPushButton,
    QRadioButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
    QWizard,
    QWizardPage,
)
from sqlalchemy.orm import Session

from desktop.connection import schema_problem
from desktop.tasks import TaskError, TaskRunner
from desktop.widgets import ALERT
from server.db.engine import make_engine, make_sessionmaker, owner_url
from server.ops.pc_setup import (
    DEMO_ACCOUNTS,
    SSL_MODES,
    ConnectionCheck,
    ConnectionSpec,
    check_connection,
    has_accounts,
    save_connection,
    seed_demo,
    use_embedded,
)
from server.services.core.audit import Actor
from server.services.core.calendar import now

DEFAULT_PORT = 5432
OK_COLOUR = "#2e7d32"


class ChoicePage(QWizardPage):
    def __init__(self) -> None:
        super().__init__()
        self.setTitle(self.tr("Where does this PC keep its data?"))
        self.central = QRadioButton(self.tr("The service center's database server (normal use)"))
        self.embedded = QRadioButton(
            self.tr("An embedded database on this PC only (demo and training)")
        )
        self.central.setChecked(True)
        self.demo_hint = QLabel(
            self.tr("It is filled with demo data on the first start: sign in as admin, "
                    "password admin123.")
        )  # fmt: skip
        self.demo_hint.setWordWrap(True)
        self.demo_hint.setVisible(False)
        self.embedded.toggled.connect(self.demo_hint.setVisible)
        layout = QVBoxLayout(self)
        layout.addWidget(self.central)
        layout.addWidget(self.embedded)
        layout.addWidget(self.demo_hint)
        # QWizard decides between 下一步 and 完成 when a page is shown, not when nextId()
        # changes; setFinalPage makes it decide again.
        self.embedded.toggled.connect(self.setFinalPage)

    def nextId(self) -> int:
        return SetupWizard.SERVER if self.central.isChecked() else -1


class ServerPage(QWizardPage):
    """Complete only once the connection as typed has been tried and works."""

    checked = Signal(object)

    def __init__(self, runner: TaskRunner) -> None:
        super().__init__()
        self.runner = runner
        self.setTitle(self.tr("Database server"))
        self.setSubTitle(self.tr("Ask the administrator for these; the password is kept in "
                                 "the system's keyring, not in a file."))  # fmt: skip
        self.host_edit = QLineEdit()
        self.host_edit.setPlaceholderText("db.example.edu.cn")
        self.port_spin = QSpinBox()
        self.port_spin.setRange(1, 65535)
        self.port_spin.setValue(DEFAULT_PORT)
        self.database_edit = QLineEdit("meterdesk")
        self.user_edit = QLineEdit("meterdesk_app")
        self.password_edit = QLineEdit()
        self.password_edit.setEchoMode(QLineEdit.EchoMode.Password)
        self.ssl_combo = QComboBox()
        captions = {
            "disable": self.tr("No encryption"),
            "prefer": self.tr("Encrypt when the server can"),
            "require": self.tr("Always encrypt (recommended)"),
            "verify-full": self.tr("Encrypt and verify the server's certificate"),
        }
        for mode in SSL_MODES:
            self.ssl_combo.addItem(captions[mode], mode)
        self.ssl_combo.setCurrentIndex(SSL_MODES.index("require"))
        self.test_button = QPushButton(self.tr("Test connection"))
        self.test_button.clicked.connect(lambda: self.test())
        self.result_label = QLabel()
        self.result_label.setWordWrap(True)
        form = QFormLayout(self)
        form.addRow(self.tr("Server:"), self.host_edit)
        form.addRow(self.tr("Port:"), self.port_spin)
        form.addRow(self.tr("Database:"), self.database_edit)
        form.addRow(self.tr("Login:"), self.user_edit)
        form.addRow(self.tr("Password:"), self.password_edit)
        form.addRow(self.tr("Encryption:"), self.ssl_combo)
        form.addRow(self.test_button)
        form.addRow(self.result_label)
        self.result: ConnectionCheck | None = None
        self._tested: ConnectionSpec | None = None
        for edit in (self.host_edit, self.database_edit, self.user_edit, self.password_edit):
            edit.textChanged.connect(lambda _: self.completeChanged.emit())
        self.port_spin.valueChanged.connect(lambda _: self.completeChanged.emit())
        self.ssl_combo.currentIndexChanged.connect(lambda _: self.completeChanged.emit())

    def spec(self) -> ConnectionSpec:
        return ConnectionSpec(
            host=self.host_edit.text().strip(),
            port=self.port_spin.value(),
            database=self.database_edit.text().strip(),
            user=self.user_edit.text().strip(),
            password=self.password_edit.text(),
            sslmode=str(self.ssl_combo.currentData()),
        )

    def test(self) -> None:
        spec = self.spec()
        self.test_button.setEnabled(False)
        self.result_label.setText(self.tr("Connecting…"))
        self.runner.run(
            lambda _: check_connection(spec),
            on_success=lambda result: self._tested_as(spec, result),
            on_failure=lambda error: self._failed(error),
            owner=self,
        )

    def _tested_as(self, spec: ConnectionSpec, result: ConnectionCheck) -> None:
        self.test_button.setEnabled(True)
        self.result, self._tested = result, spec
        self.result_label.setText(("✓ " if result.ok else "✗ ") + result.message)
        self.result_label.setStyleSheet(f"color: {OK_COLOUR if result.ok else ALERT.name()};")
        self.completeChanged.emit()
        self.checked.emit(result)

    def _failed(self, error: TaskError) -> None:
        self.test_button.setEnabled(True)
        self.result_label.setText("✗ " + error.message)
        self.result_label.setStyleSheet(f"color: {ALERT.name()};")

    def isComplete(self) -> bool:
        return self.result is not None and self.result.ok and self._tested == self.spec()


class BranchPage(QWizardPage):
    def __init__(self, server: ServerPage) -> None:
        super().__init__()
        self.server = server
        self.setTitle(self.tr("This PC's branch"))
        self.setSubTitle(self.tr("Receipts printed here carry the branch's code."))
        self.branch_combo = QComboBox()
        layout = QVBoxLayout(self)
        layout.addWidget(self.branch_combo)

    def initializePage(self) -> None:
        self.branch_combo.clear()
        self.branch_combo.addItem(self.tr("(an office PC: no counter)"), "")
        result = self.server.result
        for branch in result.branches if result else ():
            self.branch_combo.addItem(f"{branch.name}（{branch.code}）", branch.code)

    def branch_code(self) -> str:
        return str(self.branch_combo.currentData() or "")


class SetupWizard(QWizard):
    """Saves on finish; `saved_to` is the config file written (None until then)."""

    CHOICE, SERVER, BRANCH = 0, 1, 2

    def __init__(self, home: Path | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("setupWizard")
        self.setWindowTitle(self.tr("MeterDesk setup"))
        self.home = home
        self.saved_to: Path | None = None
        self.runner = TaskRunner(None, max_threads=1, parent=self)
        self.choice = ChoicePage()
        self.server = ServerPage(self.runner)
        self.branch = BranchPage(self.server)
        self.setPage(self.CHOICE, self.choice)
        self.setPage(self.SERVER, self.server)
        self.setPage(self.BRANCH, self.branch)

    def accept(self) -> None:
        try:
            if self.choice.embedded.isChecked():
                self.saved_to = use_embedded(self.home)
            else:
                self.saved_to = save_connection(
                    self.server.spec(), self.branch.branch_code(), self.home
                )
        except Exception as exc:  # the keyring's own errors vary by platform
            QMessageBox.warning(
                self,
                self.windowTitle(),
                self.tr("The settings could not be saved: {error}").format(error=exc),
            )
            return
        super().accept()

    def done(self, result: int) -> None:
        self.runner.shutdown()
        super().done(result)


class _SeedProgress(QObject):
    # Emitted on the task's thread, delivered on the GUI thread.
    step = Signal(str, int, int)


def seed_demo_database(database_url: str, *, accounts: int = DEMO_ACCOUNTS) -> str | None:
    """A PC just set up for demo and training: its embedded database (migrated first) gets
    the demo's data unless it has accounts already, under a progress dialog. What went
    wrong, in words, or None."""
    problem = schema_problem(database_url, embedded=True)
    if problem:
        return problem
    title = QCoreApplication.translate("SetupWizard", "MeterDesk setup")
    preparing = QCoreApplication.translate("SetupWizard", "Preparing the demo data…")
    dialog = QProgressDialog(preparing, "", 0, 0)
    dialog.setObjectName("demoProgress")
    dialog.setWindowTitle(title)
    dialog.setCancelButton(None)  # one transaction on another thread: it cannot be stopped
    dialog.setMinimumDuration(0)
    progress = _SeedProgress(dialog)
    progress.step.connect(
        lambda stage, done, total: dialog.setLabelText(f"{preparing}\n{stage} {done}/{total}")
    )
    # As the database's owner: the demo's simulated clock is a schema of its own.
    engine = make_engine(owner_url(database_url, embedded=True))
    runner = TaskRunner(make_sessionmaker(engine), max_threads=1)
    outcome: list[str | None] = []
    loop = QEventLoop()

    def seed(session: Session) -> None:
        if not has_accounts(session):
            actor = Actor.system("desktop setup")
            seed_demo(session, actor, now=now(), accounts=accounts, progress=progress.step.emit)

    def finish(problem: str | None) -> None:
        outcome.append(problem)
        loop.quit()

    runner.run(
        seed,
        on_success=lambda _: finish(None),
        on_failure=lambda error: finish(error.message),
    )
    dialog.show()
    try:
        if not outcome:
            loop.exec()
    finally:
        dialog.close()
        runner.shutdown()
        engine.dispose()
    return outcome[0]
