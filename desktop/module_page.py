"""What every module page is: who works in it, the runner its queries go through, and this
PC's preferences; `build()` lays the page out and starts loading its data."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

from PySide6.QtCore import QCoreApplication, QSettings, Qt, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QFileDialog,
    QLabel,
    QPushButton,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)
from sqlalchemy.orm import Session

from desktop.tasks import TaskError, TaskRunner
from desktop.widgets import ALERT
from server.services.staff.sign_in import StaffIdentity


class ModulePage(QWidget):
    """`loaded` fires once the page's first data is on screen (the screenshots and the tests
    wait on it); `refused(str)` carries a service's refusal the page showed."""

    loaded = Signal()
    refused = Signal(str)

    def __init__(
        self,
        identity: StaffIdentity,
        runner: TaskRunner,
        *,
        preferences: QSettings | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.identity = identity
        self.runner = runner
        self.preferences = preferences
        self._refresh_key: QShortcut | None = None
        self.build()

    def build(self) -> None:
        raise NotImplementedError

    def last_folder(self, key: str) -> str:
        """The folder a file was last taken from or saved to under `key` (home at first, and
        without preferences)."""
        if self.preferences is None:
            return str(Path.home())
        return str(self.preferences.value(key, str(Path.home())))

    def ask_open_file(self, key: str, title: str, file_filter: str) -> Path | None:
        """A file to read, asked for from `last_folder(key)`; None when the person cancels."""
        chosen, _ = QFileDialog.getOpenFileName(self, title, self.last_folder(key), file_filter)
        return Path(chosen) if chosen else None

    def remember_folder(self, key: str, path: Path) -> None:
        """Remember the folder of `path` as the next `last_folder(key)`."""
        if self.preferences is not None:
            self.preferences.setValue(key, str(path.parent))

    def tabs_over_message(self, tabs: Sequence[tuple[QWidget, str]]) -> None:
        """Lay the page out as `tabs` (page, title) over `self.message`, the red line a
        refusal or a failed load is shown in."""
        self.tabs = QTabWidget()
        for page, title in tabs:
            self.tabs.addTab(page, title)
        self.message = QLabel()
        self.message.setStyleSheet(f"color: {ALERT.name()};")
        layout = QVBoxLayout(self)
        layout.addWidget(self.tabs, 1)
        layout.addWidget(self.message)

    def add_shortcut(self, key: str, slot: Callable[[], object]) -> QShortcut:
        """`key` wherever the focus is inside this page, and only there (on the counter
        page F5 means 现金, not refresh)."""
        shortcut = QShortcut(QKeySequence(key), self)
        shortcut.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        shortcut.activated.connect(lambda: slot())
        return shortcut

    def refresh_button(self, slot: Callable[[], object]) -> QPushButton:
        """A 刷新 (F5) button; F5 anywhere inside the page runs the first such `slot` (a
        page with tabs refreshes them all, so one key serves every button)."""
        # translate() with this class's context: self.tr() would look in the subclass's.
        button = QPushButton(QCoreApplication.translate("ModulePage", "Refresh (F5)"))
        button.setObjectName("refreshButton")
        button.clicked.connect(lambda: slot())
        if self._refresh_key is None:
            self._refresh_key = self.add_shortcut("F5", slot)
        return button

    def dry_run_buttons(
        self, tip: str, run: Callable[[bool], object]
    ) -> tuple[QPushButton, QPushButton]:
        """试运行 (its tooltip `tip`) and 导入 of a file imported row by row: `run(True)` judges
        every row and writes nothing, `run(False)` imports."""
        check = QPushButton(QCoreApplication.translate("ModulePage", "Dry run"))
        check.setToolTip(tip)
        check.clicked.connect(lambda: run(True))
        apply = QPushButton(QCoreApplication.translate("ModulePage", "Import"))
        apply.setObjectName("primaryButton")
        apply.clicked.connect(lambda: run(False))
        return check, apply

    def run_change(
        self, work: Callable[[Session], object], shown_in: QLabel, reload: Callable[[], None]
    ) -> None:
        """Run a change, then `reload` the page; a refusal is shown in `shown_in` (and sent
        as `refused`) and the page reloads as the database has it."""
        shown_in.clear()

        def failed(error: TaskError) -> None:
            shown_in.setText(error.message)
            self.refused.emit(error.message)
            reload()

        self.runner.run(work, on_success=lambda _: reload(), on_failure=failed, owner=self)
