"""The main window: menus, a stack of pages (welcome, the counter), the status bar."""

from __future__ import annotations

from PySide6.QtCore import QSettings, Qt, qVersion
from PySide6.QtGui import QAction, QActionGroup, QCloseEvent, QKeySequence
from PySide6.QtWidgets import (
    QFormLayout,
    QFrame,
    QLabel,
    QMainWindow,
    QMenu,
    QMessageBox,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from desktop.connection import DatabaseInfo
from desktop.counter_page import CounterPage
from desktop.preferences import (
    MAIN_WINDOW_GEOMETRY,
    MAIN_WINDOW_STATE,
    RECEIPT_SIZES,
    open_preferences,
)
from desktop.tasks import TaskRunner
from server import __version__
from server.services.auth import StaffIdentity

DEFAULT_SIZE = (1100, 720)


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
    """The shell that module pages are added to (`add_page`)."""

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
        self.setWindowTitle(self.tr("MeterDesk Metering & Billing"))

        self.pages = QStackedWidget()
        self.setCentralWidget(self.pages)
        self.welcome_page = WelcomePage(identity, database)
        self.add_page(self.welcome_page)
        # The counter is where a staff member of a branch works: it opens first.
        self.counter_page: CounterPage | None = None
        if runner is not None and identity.branch_code:
            self.counter_page = CounterPage(identity, runner, preferences=self._preferences)
            self.add_page(self.counter_page)
            self.pages.setCurrentWidget(self.counter_page)

        self._build_menus()
        self._build_status_bar()
        self._restore_geometry()

    def add_page(self, page: QWidget) -> int:
        return self.pages.addWidget(page)

    def show_page(self, page: QWidget) -> None:
        self.pages.setCurrentWidget(page)
        if page is self.counter_page:
            self.counter_page.focus_search()

    def _build_menus(self) -> None:
        bar = self.menuBar()
        self.file_menu: QMenu = bar.addMenu(self.tr("&File"))
        self.quit_action = QAction(self.tr("E&xit"), self)
        # Explicit, because QKeySequence.Quit is empty on Windows and clerks expect Ctrl+Q.
        self.quit_action.setShortcut(QKeySequence("Ctrl+Q"))
        self.quit_action.setMenuRole(QAction.MenuRole.QuitRole)
        self.quit_action.triggered.connect(self.close)
        self.file_menu.addAction(self.quit_action)

        self.go_menu: QMenu = bar.addMenu(self.tr("&Go"))
        self.welcome_action = QAction(self.tr("&Home"), self)
        self.welcome_action.setShortcut(QKeySequence("Ctrl+0"))
        self.welcome_action.triggered.connect(lambda: self.show_page(self.welcome_page))
        self.go_menu.addAction(self.welcome_action)
        if self.counter_page is not None:
            counter = self.counter_page
            self.counter_action = QAction(self.tr("&Counter"), self)
            self.counter_action.setShortcut(QKeySequence("Ctrl+1"))
            self.counter_action.triggered.connect(lambda: self.show_page(counter))
            self.go_menu.addAction(self.counter_action)

            self.settings_menu: QMenu = bar.addMenu(self.tr("&Settings"))
            paper = self.settings_menu.addMenu(self.tr("Receipt paper"))
            group = QActionGroup(self)
            captions = {"a5": self.tr("A5 sheet"), "form": self.tr("Continuous form 241 × 93 mm")}
            self.receipt_size_actions: dict[str, QAction] = {}
            for size in RECEIPT_SIZES:
                action = QAction(captions[size], group)
                action.setCheckable(True)
                action.setChecked(counter.receipt_size == size)
                action.setData(size)
                paper.addAction(action)
                self.receipt_size_actions[size] = action
            group.triggered.connect(lambda action: counter.set_receipt_size(str(action.data())))

        self.help_menu: QMenu = bar.addMenu(self.tr("&Help"))
        self.about_action = QAction(self.tr("&About MeterDesk"), self)
        self.about_action.setMenuRole(QAction.MenuRole.AboutRole)
        self.about_action.triggered.connect(self.show_about)
        self.help_menu.addAction(self.about_action)

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
        if self.runner is not None:
            self.runner.busy_changed.connect(self.busy_status.setVisible)

    def about_text(self) -> str:
        return self.tr(
            "<h3>MeterDesk {version}</h3>"
            "<p>Water & electricity metering and billing for the university service center.</p>"
            "<p>Database: {database}<br>Qt {qt}</p>"
        ).format(version=__version__, database=self.database.label(), qt=qVersion())

    def show_about(self) -> None:
        QMessageBox.about(self, self.tr("About MeterDesk"), self.about_text())

    def _restore_geometry(self) -> None:
        geometry = self._preferences.value(MAIN_WINDOW_GEOMETRY)
        if geometry is None or not self.restoreGeometry(geometry):
            self.resize(*DEFAULT_SIZE)
        state = self._preferences.value(MAIN_WINDOW_STATE)
        if state is not None:
            self.restoreState(state)

    def closeEvent(self, event: QCloseEvent) -> None:
        self._preferences.setValue(MAIN_WINDOW_GEOMETRY, self.saveGeometry())
        self._preferences.setValue(MAIN_WINDOW_STATE, self.saveState())
        self._preferences.sync()
        super().closeEvent(event)
