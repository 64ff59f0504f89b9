"""The main window: module navigation, menus, a stack of pages, the status bar."""

from __future__ import annotations

import html
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QSettings, Qt, QTimer, Signal, qVersion
from PySide6.QtGui import QAction, QActionGroup, QCloseEvent, QKeySequence
from PySide6.QtWidgets import (
    QDialog,
    QFormLayout,
    QFrame,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QMainWindow,
    QMenu,
    QMessageBox,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from desktop.connection import DatabaseInfo
from desktop.modules import modules_for
from desktop.preferences import (
    MAIN_WINDOW_GEOMETRY,
    MAIN_WINDOW_STATE,
    RECEIPT_SIZE,
    RECEIPT_SIZES,
    open_preferences,
)
from desktop.profile_dialog import ProfileDialog
from desktop.saved_files import announce_saved, ask_save_path
from desktop.tasks import TaskRunner
from desktop.widgets import ask
from server import __version__
from server.config import load_settings
from server.ops.diagnostics import write_diagnostics_zip
from server.services.core.calendar import now
from server.services.staff.sign_in import StaffIdentity

if TYPE_CHECKING:
    from desktop.counter_page import CounterPage

# Fits a 1366×768 counter screen with the taskbar and title bar; the counter page is laid
# out for it (tests/desktop/test_desktop_counter.py looks at it there and at 1600×1000).
DEFAULT_SIZE = (1340, 700)
RECONNECT_INTERVAL_MS = 5_000


class WelcomePage(QWidget):
    """Who is signed in, where and on which database."""

    def __init__(self, identity: StaffIdentity, database: DatabaseInfo) -> None:
        super().__init__()
        self.setObjectName("welcomePage")
        self.title_label = QLabel(self.tr("Welcome, {name}").format(name=identity.name))
        self.title_label.setObjectName("welcomeTitle")

        card = QFrame()
        card.setObjectName("card")
        form = QFormLayout(card)
        form.setLabelAlignment(Qt.AlignmentFlag.AlignRight)
        form.setHorizontalSpacing(18)
        form.setVerticalSpacing(10)
        self.values: dict[str, QLabel] = {}
        rows = [
            ("name", self.tr("Name:"), identity.name),
            ("login", self.tr("Login name:"), identity.login),
            ("department", self.tr("Department:"), identity.department),
            ("post", self.tr("Post:"), identity.post),
            ("branch", self.tr("Branch:"), identity.branch_name or self.tr("(none)")),
            ("database", self.tr("Database:"), database.label()),
        ]
        for key, caption, value in rows:
            label = QLabel(value)
            label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            self.values[key] = label
            form.addRow(caption, label)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(40, 32, 40, 32)
        layout.setSpacing(16)
        layout.addWidget(self.title_label)
        layout.addWidget(card)
        layout.addStretch(1)


class MainWindow(QMainWindow):
    diagnostics_written = Signal(str)

    """The shell: a navigation list of the modules the staff member may use (pages built on
    first use), menus with the same shortcuts, and a status bar that shows who, where, which
    database and whether it answers."""

    def __init__(
        self,
        identity: StaffIdentity,
        database: DatabaseInfo,
        *,
        runner: TaskRunner | None = None,
        preferences: QSettings | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.identity = identity
        self.database = database
        self.runner = runner
        self._preferences = preferences if preferences is not None else open_preferences()
        self.setObjectName("mainWindow")
        # Set when the window closes for the sign-in dialog (注销, 切换用户): the login to
        # offer there, "" for another user; None when the program is quitting.
        self.sign_in_again: str | None = None
        self._leaving = False
        self.leave_question: QMessageBox | None = None
        self.runner_without_database = TaskRunner(None, max_threads=1, parent=self)
        self.setWindowTitle(self.tr("MeterDesk Metering & Billing"))

        self.modules = modules_for(identity) if runner is not None else ()
        self.module_pages: dict[str, QWidget] = {}
        self.pages = QStackedWidget()
        self.welcome_page = WelcomePage(identity, database)
        self.add_page(self.welcome_page)
        # Managers come home to the dashboard; everybody else to who-and-where.
        self.home_page: QWidget = self.welcome_page
        if runner is not None and "reports" in identity.modules:
            from desktop.dashboard_page import DashboardPage

            dashboard = DashboardPage(identity, runner, preferences=self._preferences)
            dashboard.open_requested.connect(self.open_from_dashboard)
            self.home_page = dashboard
            self.add_page(dashboard)
        self.nav = QListWidget()
        self.nav.setObjectName("moduleNav")
        self.nav.addItem(QListWidgetItem(self.tr("Home")))
        for spec in self.modules:
            self.nav.addItem(QListWidgetItem(spec.label()))
        self.nav.setFixedWidth(150)
        self.nav.currentRowChanged.connect(self._nav_changed)
        central = QWidget()
        row = QHBoxLayout(central)
        row.setContentsMargins(0, 0, 0, 0)
        row.setSpacing(0)
        row.addWidget(self.nav)
        row.addWidget(self.pages, 1)
        self.setCentralWidget(central)

        self._build_menus()
        self._build_status_bar()
        self._restore_geometry()
        # A branch's staff start at the counter, the others at home.
        first = next((s.key for s in self.modules if s.key == "counter"), None)
        if first is not None:
            self.show_module(first)
        else:
            self.show_page(self.home_page)

    def add_page(self, page: QWidget) -> int:
        return self.pages.addWidget(page)

    def page_for(self, key: str) -> QWidget | None:
        """The page of module `key`, built on first use; None if not available to this user."""
        spec = next((s for s in self.modules if s.key == key), None)
        if spec is None or self.runner is None:
            return None
        page = self.module_pages.get(key)
        if page is None:
            page = spec.create(self.identity, self.runner, self._preferences)
            self.module_pages[key] = page
            self.add_page(page)
        return page

    @property
    def counter_page(self) -> CounterPage | None:
        from desktop.counter_page import CounterPage  # pages load on first use

        page = self.page_for("counter")
        return page if isinstance(page, CounterPage) else None

    def show_module(self, key: str) -> QWidget | None:
        page = self.page_for(key)
        if page is not None:
            self.show_page(page)
        return page

    def show_page(self, page: QWidget) -> None:
        """Show `page` and mark its entry in the navigation (home is the first)."""
        keys = [key for key, shown in self.module_pages.items() if shown is page]
        row = next((i + 1 for i, s in enumerate(self.modules) if keys and s.key == keys[0]), 0)
        self.nav.blockSignals(True)
        self.nav.setCurrentRow(row)
        self.nav.blockSignals(False)
        self.pages.setCurrentWidget(page)
        focus = getattr(page, "focus_search", None)
        if callable(focus):
            focus()

    def open_from_dashboard(self, module: str, report: str) -> None:
        """A dashboard tile: the module behind it, on the report it stands for."""
        page = self.show_module(module)
        if report and page is not None:
            select = getattr(page, "select", None)
            if callable(select):
                select(report)
                page.run()  # type: ignore[attr-defined]

    def _nav_changed(self, row: int) -> None:
        if row <= 0:
            self.show_page(self.home_page)
            return
        page = self.page_for(self.modules[row - 1].key)
        if page is not None:
            self.show_page(page)

    def _build_menus(self) -> None:
        bar = self.menuBar()
        self.file_menu: QMenu = bar.addMenu(self.tr("&File"))
        self.profile_action = QAction(self.tr("My &profile…"), self)
        self.profile_action.triggered.connect(lambda: self.show_profile())
        self.profile_action.setEnabled(self.runner is not None)
        self.file_menu.addAction(self.profile_action)
        self.connection_action = QAction(self.tr("&Database connection…"), self)
        self.connection_action.triggered.connect(lambda: self.show_setup())
        self.file_menu.addAction(self.connection_action)
        self.file_menu.addSeparator()
        self.sign_out_action = QAction(self.tr("Sign &out"), self)
        self.sign_out_action.triggered.connect(lambda: self.sign_out(self.identity.login))
        self.file_menu.addAction(self.sign_out_action)
        self.switch_user_action = QAction(self.tr("S&witch user…"), self)
        self.switch_user_action.triggered.connect(lambda: self.sign_out(""))
        self.file_menu.addAction(self.switch_user_action)
        self.file_menu.addSeparator()
        self.quit_action = QAction(self.tr("E&xit"), self)
        # Explicit, because QKeySequence.Quit is empty on Windows and clerks expect Ctrl+Q.
        self.quit_action.setShortcut(QKeySequence("Ctrl+Q"))
        self.quit_action.setMenuRole(QAction.MenuRole.QuitRole)
        self.quit_action.triggered.connect(self.close)
        self.file_menu.addAction(self.quit_action)

        self.go_menu: QMenu = bar.addMenu(self.tr("&Go"))
        self.welcome_action = QAction(self.tr("&Home"), self)
        self.welcome_action.setShortcut(QKeySequence("Ctrl+0"))
        self.welcome_action.triggered.connect(lambda: self.nav.setCurrentRow(0))
        self.go_menu.addAction(self.welcome_action)
        self.module_actions: dict[str, QAction] = {}
        for spec in self.modules:
            action = QAction(spec.label(), self)
            action.setShortcut(QKeySequence(spec.shortcut))
            action.setData(spec.key)
            self.go_menu.addAction(action)
            self.module_actions[spec.key] = action
        self.go_menu.triggered.connect(
            lambda action: action.data() and self.show_module(str(action.data()))
        )

        if any(s.key == "counter" for s in self.modules):
            self.settings_menu: QMenu = bar.addMenu(self.tr("&Settings"))
            paper = self.settings_menu.addMenu(self.tr("Receipt paper"))
            group = QActionGroup(self)
            captions = {"a5": self.tr("A5 sheet"), "form": self.tr("Continuous form 241 × 93 mm")}
            chosen = str(self._preferences.value(RECEIPT_SIZE, "a5"))
            self.receipt_size_actions: dict[str, QAction] = {}
            for size in RECEIPT_SIZES:
                action = QAction(captions[size], group)
                action.setCheckable(True)
                action.setChecked(chosen == size or (size == "a5" and chosen not in RECEIPT_SIZES))
                action.setData(size)
                paper.addAction(action)
                self.receipt_size_actions[size] = action
            group.triggered.connect(lambda action: self._set_receipt_size(str(action.data())))

        self.help_menu: QMenu = bar.addMenu(self.tr("&Help"))
        self.diagnostics_action = QAction(self.tr("Export &diagnostics…"), self)
        self.diagnostics_action.triggered.connect(lambda: self.export_diagnostics())
        self.help_menu.addAction(self.diagnostics_action)
        self.about_action = QAction(self.tr("&About MeterDesk"), self)
        self.about_action.setMenuRole(QAction.MenuRole.AboutRole)
        self.about_action.triggered.connect(self.show_about)
        self.help_menu.addAction(self.about_action)

    def show_profile(self) -> ProfileDialog | None:
        if self.runner is None:
            return None
        dialog = ProfileDialog(self.identity.actor, self.runner, self)
        dialog.open()
        return dialog

    def export_diagnostics(self, path: Path | None = None) -> None:
        """Logs, settings (secrets masked) and versions in one zip for support."""
        if path is None:
            stamp = now().strftime("%Y%m%d_%H%M")
            path = ask_save_path(
                self,
                self.tr("Export diagnostics"),
                Path.home() / f"meterdesk-diagnostics-{stamp}.zip",
                "Zip (*.zip)",
            )
            if path is None:
                return
        target = path

        def done(written: str) -> None:
            announce_saved(self, target)
            self.diagnostics_written.emit(written)

        # No database needed: support wants this most when the database is away.
        self.runner_without_database.run(
            lambda _: str(write_diagnostics_zip(target, load_settings())),
            on_success=done,
            owner=self,
        )

    def show_setup(self) -> None:
        """The first-run wizard again; the new database is used from the next start."""
        from desktop.setup_wizard import SetupWizard

        wizard = SetupWizard(parent=self)
        if wizard.exec() == QDialog.DialogCode.Accepted:
            QMessageBox.information(
                self,
                self.tr("Database connection"),
                self.tr("Saved. MeterDesk uses the new settings from its next start."),
            )

    def _set_receipt_size(self, size: str) -> None:
        counter = self.counter_page
        if counter is not None:
            counter.set_receipt_size(size)
        else:
            self._preferences.setValue(RECEIPT_SIZE, size)

    def _build_status_bar(self) -> None:
        status = self.statusBar()
        who = self.tr("User: {name} ({login})").format(
            name=self.identity.name, login=self.identity.login
        )
        branch = self.tr("Branch: {branch}").format(
            branch=self.identity.branch_name or self.tr("(none)")
        )
        self.user_status = QLabel(who)
        self.branch_status = QLabel(branch)
        self.database_status = QLabel(
            self.tr("Database: {label}").format(label=self.database.label())
        )
        self.busy_status = QLabel(self.tr("Working…"))
        self.busy_status.hide()
        status.addWidget(self.busy_status)
        for label in (self.user_status, self.branch_status, self.database_status):
            status.addPermanentWidget(label)
        self.connection_status = QLabel(self.tr("Connection to the database lost — reconnecting…"))
        self.connection_status.setObjectName("connectionLost")
        self.connection_status.hide()
        status.addWidget(self.connection_status)
        # While the database is away, knock every few seconds; the pool reconnects itself.
        self._reconnect_timer = QTimer(self)
        self._reconnect_timer.setInterval(RECONNECT_INTERVAL_MS)
        self._reconnect_timer.timeout.connect(self._knock)
        if self.runner is not None:
            self.runner.busy_changed.connect(self.busy_status.setVisible)
            self.runner.connection_changed.connect(self._connection_changed)

    def _connection_changed(self, connected: bool) -> None:
        self.connection_status.setVisible(not connected)
        if connected:
            self._reconnect_timer.stop()
        else:
            self._reconnect_timer.start()

    def _knock(self) -> None:
        if self.runner is not None and not self.runner.closed:
            self.runner.run(
                lambda session: session.connection() and None,
                on_success=lambda _: None,
                on_failure=lambda _: None,
                owner=self,
            )

    def about_text(self) -> str:
        return self.tr(
            "<h3>MeterDesk {version}</h3>"
            "<p>Water & electricity metering and billing for the university service center.</p>"
            "<p>Database: {database}<br>Qt {qt}</p>"
        ).format(version=__version__, database=html.escape(self.database.label()), qt=qVersion())

    def show_about(self) -> None:
        # The one message meant as markup: rich text asked for explicitly (desktop.plain_text).
        box = QMessageBox(
            QMessageBox.Icon.Information,
            self.tr("About MeterDesk"),
            self.about_text(),
            QMessageBox.StandardButton.Ok,
            self,
        )
        box.setTextFormat(Qt.TextFormat.RichText)
        box.exec()

    def _restore_geometry(self) -> None:
        geometry = self._preferences.value(MAIN_WINDOW_GEOMETRY)
        if geometry is None or not self.restoreGeometry(geometry):
            self.resize(*DEFAULT_SIZE)
        state = self._preferences.value(MAIN_WINDOW_STATE)
        if state is not None:
            self.restoreState(state)

    def sign_out(self, login: str) -> None:
        """Back to the sign-in dialog, offering `login` ("" for another user)."""
        if self._till_open():
            self._confirm_leaving(login)
        else:
            self._leave(login)

    def _till_open(self) -> bool:
        counter = self.module_pages.get("counter")
        day = getattr(counter, "day", None)
        return day is not None and day.till is not None

    def _confirm_leaving(self, login: str | None) -> None:
        """Leaving with the till open is allowed (the day may go on after a break), but
        asked about: a till left open blocks the next day's takings until it is closed."""
        if self.leave_question is not None and self.leave_question.isVisible():
            return
        self.leave_question = ask(
            self,
            self.tr("The day is still open"),
            self.tr(
                "Your till is not closed yet. Leave anyway? Close the day first if you "
                "are done taking money."
            ),
            (self.tr("Leave"), self.tr("Stay")),
            on_yes=lambda: self._leave(login),
        )

    def _leave(self, login: str | None) -> None:
        self._leaving = True
        self.sign_in_again = login
        self.close()

    def closeEvent(self, event: QCloseEvent) -> None:
        if not self._leaving and self._till_open():
            event.ignore()
            self._confirm_leaving(None)
            return
        self._preferences.setValue(MAIN_WINDOW_GEOMETRY, self.saveGeometry())
        self._preferences.setValue(MAIN_WINDOW_STATE, self.saveState())
        self._preferences.sync()
        self.runner_without_database.shutdown()
        super().closeEvent(event)
