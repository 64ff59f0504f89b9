"""Run service calls off the GUI thread (cf. Anki's QueryOp, Electrum's TaskThread).

A page calls `runner.run(fn, on_success=...)`; `fn(session)` runs on a pool thread inside
its own unit of work (commit on success, roll back on error) and returns plain values —
a frozen dataclass, or tuples of them. The result crosses back to the GUI thread through
a queued Qt signal. ORM objects are refused: they are bound to a session that is closed
by then and would lazy-load (or raise) from the wrong thread.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import itertools
import logging
from collections.abc import Callable
from contextlib import nullcontext
from decimal import Decimal
from enum import Enum
from typing import TYPE_CHECKING, Any, Generic, TypeVar

import shiboken6
from PySide6.QtCore import (
    QT_TRANSLATE_NOOP,
    QCoreApplication,
    QObject,
    QRunnable,
    QThreadPool,
    Signal,
    Slot,
)
from PySide6.QtWidgets import QMessageBox, QProgressBar, QWidget
from sqlalchemy import text
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import sessionmaker

from server.db.engine import unit_of_work
from server.services.core.errors import (
    Conflict,
    DomainError,
    InvalidInput,
    NotFound,
    PermissionDenied,
)

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from server.db.replica import ReadRouting

log = logging.getLogger(__name__)

T = TypeVar("T")

# Leaves of a portable result: immutable values that mean the same on any thread.
_PLAIN = (str, int, float, bool, bytes, Decimal, dt.date, dt.time, dt.timedelta, Enum)
# PostgreSQL gives a transaction an id on its first write (or row lock) and not before:
# whether a task changed anything, asked of the database rather than of each page.
_WROTE = text("SELECT txid_current_if_assigned() IS NOT NULL")


class NotPortable(TypeError):
    """A task returned something that must not leave its worker thread."""


def check_portable(value: object, where: str = "result") -> None:
    """Raise NotPortable unless `value` is None, a plain value, a frozen dataclass or a
    tuple/frozenset of those (recursively)."""
    if value is None or isinstance(value, _PLAIN):
        return
    if isinstance(value, tuple | frozenset):
        for index, item in enumerate(value):
            check_portable(item, f"{where}[{index}]")
        return
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        if not type(value).__dataclass_params__.frozen:  # type: ignore[attr-defined]
            raise NotPortable(f"{where}: {type(value).__name__} is a dataclass but not frozen")
        for field in dataclasses.fields(value):
            check_portable(getattr(value, field.name), f"{where}.{field.name}")
        return
    raise NotPortable(
        f"{where}: {type(value).__name__} cannot cross threads; "
        "return a frozen dataclass (never an ORM object)"
    )


@dataclasses.dataclass(frozen=True)
class TaskError:
    """Why a task failed, ready to show. `domain` is True for a business-rule refusal
    (DomainError), whose message is meant for the user as is; `title` says what kind of
    refusal it is ("" when the kind adds nothing: the window then bears the app's name).
    `connection` is True when the database was unreachable: a write may or may not have
    committed (the acknowledgement can be what was lost)."""

    message: str
    domain: bool
    title: str = ""
    connection: bool = False


# What the message box's title calls each kind of refusal; the first match wins.
REFUSAL_TITLES: tuple[tuple[type[DomainError], str], ...] = (
    (PermissionDenied, QT_TRANSLATE_NOOP("TaskRunner", "Not permitted")),
    (NotFound, QT_TRANSLATE_NOOP("TaskRunner", "Not found")),
    (Conflict, QT_TRANSLATE_NOOP("TaskRunner", "Cannot be done now")),
    (InvalidInput, QT_TRANSLATE_NOOP("TaskRunner", "Please check the input")),
)


class _Relay(QObject):
    """Owned by the runner and living on the GUI thread; workers emit its signals and Qt
    queues the delivery. One per runner, so a worker thread never drops the last
    reference to a QObject (deleting one off its thread crashes)."""

    succeeded = Signal(int, object, bool)  # id, result, whether the task wrote
    failed = Signal(int, object)


class Task(QObject, Generic[T]):
    """One submitted call; `finished` fires on the GUI thread after its callback ran."""

    finished = Signal()

    def __init__(
        self,
        fn: Callable[[Session], T],
        on_success: Callable[[T], None],
        on_failure: Callable[[TaskError], None] | None,
        owner: QObject | None,
    ) -> None:
        super().__init__()
        # Held here too, so the worker never drops the last reference to whatever the
        # callable captured (a widget, say): that happens on the GUI thread instead.
        self.fn = fn
        self.on_success = on_success
        self.on_failure = on_failure
        self.owner = owner
        self.done = False

    def owner_gone(self) -> bool:
        # A page closed while its query ran: drop the result rather than call into a
        # deleted widget.
        return self.owner is not None and not shiboken6.isValid(self.owner)


def _task_error(kind: str, text: str, refusal: type[DomainError] = DomainError) -> TaskError:
    # Translated here, on the GUI thread, rather than in the worker.
    if kind == "domain":
        title = next((t for cls, t in REFUSAL_TITLES if issubclass(refusal, cls)), "")
        return TaskError(
            text, True, QCoreApplication.translate("TaskRunner", title) if title else ""
        )
    if kind == "connection":
        message = QCoreApplication.translate(
            "TaskRunner",
            "Cannot reach the database (the connection was lost, or the server is switching "
            "to its standby). Try again in a moment; for a payment, first check the "
            "account's receipts whether it went through.",
        )
        return TaskError(message, domain=False, connection=True)
    message = QCoreApplication.translate(
        "TaskRunner", "An unexpected error occurred ({error}); details are in the log."
    ).format(error=text)
    return TaskError(message, domain=False)


def _show_error(error: TaskError, owner: QObject | None) -> None:
    parent = owner if isinstance(owner, QWidget) else None
    title = error.title or QCoreApplication.translate("TaskRunner", "MeterDesk")
    QMessageBox.warning(parent, title, error.message)


class _Job(QRunnable):
    def __init__(
        self,
        factory: sessionmaker[Session] | Callable[[], sessionmaker[Session]] | None,
        fn: Callable[[Session], Any],
        relay: _Relay,
        task_id: int,
    ) -> None:
        super().__init__()
        # A read-only task's factory is chosen as it starts, on the pool thread: the
        # replica's lag is asked then (server.db.replica).
        self._factory = factory
        self._fn: Callable[[Session], Any] | None = fn
        self._relay = relay
        self._task_id = task_id

    def run(self) -> None:  # on a pool thread
        fn, self._fn = self._fn, None
        assert fn is not None
        name = _name(fn)
        wrote = False
        try:
            factory = self._factory
            if factory is not None and not isinstance(factory, sessionmaker):
                factory = factory()
            unit = unit_of_work(factory) if factory is not None else nullcontext()
            with unit as session:
                result = fn(session)
                # Checked before the commit, so a task that leaks ORM objects also writes
                # nothing: the mistake shows up at once in development.
                check_portable(result)
                wrote = session is not None and bool(session.scalar(_WROTE))
        except DomainError as exc:
            outcome: tuple[str, object] = ("failed", ("domain", str(exc), type(exc)))
        except OperationalError:
            log.exception("database unreachable in task %s", name)
            outcome = ("failed", ("connection", ""))
        except Exception as exc:
            log.exception("task %s failed", name)
            outcome = ("failed", ("error", type(exc).__name__))
        else:
            outcome = ("succeeded", result)
        del fn  # before emitting: the Task on the GUI thread still holds it
        if outcome[0] == "succeeded":
            self._relay.succeeded.emit(self._task_id, outcome[1], wrote)
        else:
            self._relay.failed.emit(self._task_id, outcome[1])


def _name(fn: Callable[..., Any]) -> str:
    return getattr(fn, "__qualname__", None) or repr(fn)


class TaskRunner(QObject):
    """Runs `fn(session)` calls on a private thread pool, one session per call.

    Without a session factory (before any database is chosen, as in the setup wizard)
    the calls get None and run the same way off the GUI thread.
    """

    busy_changed = Signal(bool)
    # A task committed a change (a payment, a billing run, a review…): pages that show
    # figures drawn from everything (the dashboard) refresh on it.
    data_written = Signal()
    # False when a task found the database unreachable, True when one reaches it again.
    connection_changed = Signal(bool)

    def __init__(
        self,
        factory: sessionmaker[Session] | None,
        *,
        max_threads: int = 4,
        parent: QObject | None = None,
        reads: ReadRouting | None = None,
    ) -> None:
        super().__init__(parent)
        self._factory = factory
        # Where `run(..., read_only=True)` tasks read: a replica within its lag bound.
        self._reads = reads
        # A private pool, so shutdown waits for our jobs only; kept below the engine's
        # connection pool size so workers never queue for a connection.
        self._pool = QThreadPool(self)
        self._pool.setMaxThreadCount(max_threads)
        self._relay = _Relay(self)
        self._relay.succeeded.connect(self._deliver_success)
        self._relay.failed.connect(self._deliver_failure)
        self._pending: dict[int, Task[Any]] = {}
        self._ids = itertools.count(1)
        self.closed = False
        self.connected = True

    @property
    def busy(self) -> bool:
        return bool(self._pending)

    def run(
        self,
        fn: Callable[[Session], T],
        *,
        on_success: Callable[[T], None],
        on_failure: Callable[[TaskError], None] | None = None,
        owner: QObject | None = None,
        read_only: bool = False,
    ) -> Task[T]:
        """Submit `fn`; callbacks run on the GUI thread. Without `on_failure` a failure is
        shown in a message box over `owner`. If `owner` is deleted first, nothing is called.
        A `read_only` task (a report, the dashboard) may read the replica."""
        if self.closed:
            raise RuntimeError("the task runner has been shut down")
        task: Task[T] = Task(fn, on_success, on_failure, owner)
        task_id = next(self._ids)
        self._pending[task_id] = task
        if len(self._pending) == 1:
            self.busy_changed.emit(True)
        reads = self._reads if read_only and self._factory is not None else None
        self._pool.start(_Job(reads.sessions if reads else self._factory, fn, self._relay, task_id))
        return task

    @Slot(int, object, bool)
    def _deliver_success(self, task_id: int, result: object, wrote: bool) -> None:
        if wrote:
            self.data_written.emit()
        task = self._pending.get(task_id)
        if task is None:
            return
        if not self.connected:
            self.connected = True
            self.connection_changed.emit(True)
        try:
            if not self.closed and not task.owner_gone():
                task.on_success(result)
        finally:
            self._complete(task_id, task)

    @Slot(int, object)
    def _deliver_failure(self, task_id: int, failure: tuple[Any, ...]) -> None:
        task = self._pending.get(task_id)
        if task is None:
            return
        if failure[0] == "connection" and self.connected:
            self.connected = False
            self.connection_changed.emit(False)
        try:
            if self.closed or task.owner_gone():
                return
            error = _task_error(*failure)
            if task.on_failure is not None:
                task.on_failure(error)
            else:
                _show_error(error, task.owner)
        finally:
            self._complete(task_id, task)

    def _complete(self, task_id: int, task: Task[Any]) -> None:
        task.done = True
        del self._pending[task_id]
        if not self._pending:
            self.busy_changed.emit(False)
        task.finished.emit()

    def shutdown(self, timeout_ms: int = 10_000) -> bool:
        """Stop delivering results and wait for running jobs; True if all finished."""
        self.closed = True
        return self._pool.waitForDone(timeout_ms)


class BusyTasks:
    """A panel's tasks with its busy bar: the bar shows while any of them runs, and
    `changed` (the panel's button check) is called as each starts and ends."""

    def __init__(
        self, runner: TaskRunner, owner: QWidget, changed: Callable[[], None], width: int = 160
    ) -> None:
        self._runner = runner
        self._owner = owner
        self._changed = changed
        self._running = 0
        self.progress = QProgressBar()
        self.progress.setRange(0, 0)
        self.progress.setMaximumWidth(width)
        self.progress.setVisible(False)

    @property
    def idle(self) -> bool:
        return self._running == 0

    def run(
        self,
        fn: Callable[[Session], T],
        on_success: Callable[[T], None],
        on_failure: Callable[[TaskError], None] | None = None,
    ) -> None:
        self._running += 1
        self.progress.setVisible(True)
        self._changed()

        def done() -> None:
            self._running -= 1
            self.progress.setVisible(self._running > 0)
            self._changed()

        task = self._runner.run(fn, on_success=on_success, on_failure=on_failure, owner=self._owner)
        task.finished.connect(done)
