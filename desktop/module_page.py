"""What every module page is: who works in it, the runner its queries go through, and this
PC's preferences; `build()` lays the page out and starts loading its data."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QSettings, Signal
from PySide6.QtWidgets import QLabel, QWidget
from sqlalchemy.orm import Session

from desktop.tasks import TaskError, TaskRunner
from server.services.auth import StaffIdentity


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
        self.build()

    def build(self) -> None:
        raise NotImplementedError

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
