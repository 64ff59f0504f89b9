"""Payment notices from the desktop: gather and render on a worker, with n / total progress.

Rendering a building's notices is one worker job (gather the bills, then draw page after
page); each page reports through a Qt signal, so the progress dialog moves while the window
stays responsive, and Cancel stops the job at the next page. "Save all buildings" walks the
period's buildings in the same job and writes one PDF per building into the chosen folder.
Each notice carries its account's pay page as a QR code when companion.base_url is set.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtWidgets import QMessageBox, QProgressDialog, QWidget
from sqlalchemy.orm import Session

from desktop.tasks import TaskError, TaskRunner
from reports.notice import render_notices
from server.config import ConfigError, load_settings
from server.services.billing.payment_notices import NoticeBuilding, gather_notices
from server.services.core.calendar import Period

log = logging.getLogger(__name__)


def companion_base_url() -> str:
    """companion.base_url, or "" (notices without a QR code) when the settings are bad."""
    try:
        return load_settings().get("companion", "base_url").strip()
    except ConfigError as error:
        log.warning("payment notices without the pay page's QR code: %s", error)
        return ""


class NoticesCancelled(Exception):
    """The user pressed Cancel; raised from the progress callback inside the renderer."""


@dataclass(frozen=True)
class NoticesDocument:
    filename: str
    pdf: bytes
    pages: int


@dataclass(frozen=True)
class NoticesSaved:
    """What "save all buildings" wrote, and whether it was stopped before the end."""

    paths: tuple[str, ...]
    pages: int
    cancelled: bool


class _Relay(QObject):
    # Emitted on the worker thread, delivered queued on the GUI thread.
    advanced = Signal(int, int)


class NoticeExport(QObject):
    """One export with its progress dialog; `finished(object)` carries a NoticesDocument, a
    NoticesSaved, or None when it was cancelled or refused (the refusal is shown)."""

    finished = Signal(object)

    def __init__(self, runner: TaskRunner, parent: QWidget) -> None:
        super().__init__(parent)
        self.runner = runner
        self._parent = parent
        self._cancel = threading.Event()
        self._relay = _Relay(self)
        self.dialog = QProgressDialog(parent)
        self.dialog.setWindowTitle(self.tr("Payment notices"))
        self.dialog.setLabelText(self.tr("Reading the bills…"))
        self.dialog.setWindowModality(Qt.WindowModality.WindowModal)
        self.dialog.setMinimumDuration(0)
        self.dialog.setAutoClose(False)
        self.dialog.setAutoReset(False)
        self.dialog.setRange(0, 0)  # busy until the first page is drawn
        self.dialog.canceled.connect(self._cancel.set)
        self._relay.advanced.connect(self._advance)
        self._offset = 0  # pages of the buildings already written (save all)
        self.total = 0

    def _advance(self, done: int, total: int) -> None:
        if self._cancel.is_set():
            return
        grand = self.total or total
        self.dialog.setMaximum(grand)
        self.dialog.setValue(min(done, grand))
        self.dialog.setLabelText(self.tr("Notice {done} / {total}").format(done=done, total=grand))

    def _progress(self, offset: Callable[[], int]) -> Callable[[int, int], None]:
        def report(done: int, total: int) -> None:
            if self._cancel.is_set():
                raise NoticesCancelled
            self._relay.advanced.emit(offset() + done, total)

        return report

    def _start(self, work: Callable[[Session], object]) -> None:
        self.dialog.show()
        self.runner.run(work, on_success=self._done, on_failure=self._failed, owner=self._parent)

    def _done(self, result: object) -> None:
        self.dialog.hide()  # close() would emit canceled and reset the count
        self.finished.emit(result)

    def _failed(self, error: TaskError) -> None:
        self.dialog.hide()  # close() would emit canceled and reset the count
        QMessageBox.warning(self._parent, self.tr("Payment notices"), error.message)
        self.finished.emit(None)

    def render(
        self, period: Period, *, building: NoticeBuilding | None = None, account_no: str = ""
    ) -> None:
        """The notices of one building (one page per account, by room) or one account."""
        self.total = building.bills if building is not None else 1
        progress = self._progress(lambda: 0)
        base_url = companion_base_url()

        def work(session: Session) -> NoticesDocument | None:
            if building is not None:
                notices = gather_notices(
                    session, period, building_id=building.building_id, base_url=base_url
                )
                scope = building.label
            else:
                notices = gather_notices(session, period, account_no=account_no, base_url=base_url)
                scope = account_no.strip()
            try:
                filename, _, pdf = render_notices(notices, scope, progress=progress)
            except NoticesCancelled:
                return None
            return NoticesDocument(filename, pdf, len(notices))

        self._start(work)

    def save_all(self, period: Period, buildings: tuple[NoticeBuilding, ...], folder: Path) -> None:
        """One PDF per building into `folder`; Cancel keeps the files already written."""
        self.total = sum(b.bills for b in buildings)
        written: list[int] = [0]
        progress = self._progress(lambda: written[0])
        base_url = companion_base_url()

        def work(session: Session) -> NoticesSaved:
            paths: list[str] = []
            for building in buildings:
                notices = gather_notices(
                    session, period, building_id=building.building_id, base_url=base_url
                )
                try:
                    filename, _, pdf = render_notices(notices, building.label, progress=progress)
                except NoticesCancelled:
                    return NoticesSaved(tuple(paths), written[0], cancelled=True)
                target = folder / filename
                target.write_bytes(pdf)
                paths.append(str(target))
                written[0] += len(notices)
            return NoticesSaved(tuple(paths), written[0], cancelled=False)

        self._start(work)
