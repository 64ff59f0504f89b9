"""`meterdesk-desktop --screenshots DIR`: render the real widgets to PNG files with no
display (QT_QPA_PLATFORM=offscreen), for CI artefacts and the README."""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

from PySide6.QtCore import QEventLoop, QSettings, QTimer
from PySide6.QtWidgets import QApplication, QWidget

from desktop.connection import describe_database, schema_problem
from desktop.login import LoginDialog
from desktop.main_window import MainWindow
from desktop.tasks import TaskRunner
from server.config import Settings
from server.db.engine import is_embedded, make_engine, make_sessionmaker
from server.services.staff.sign_in import StaffIdentity

LOGIN_PNG = "login.png"
MAIN_WINDOW_PNG = "main_window.png"
DASHBOARD_PNG = "dashboard.png"
MAIN_WINDOW_SIZE = (1024, 640)
MODULE_WINDOW_SIZE = (1366, 800)
SIGN_IN_TIMEOUT_MS = 30_000
PAGE_LOAD_TIMEOUT_MS = 60_000

# Shown when no password is given: the screenshot must not need a real account.
SAMPLE_IDENTITY = StaffIdentity(
    staff_id=0,
    login="sample",
    name="示例用户",
    department="收费科",
    post="收费员",
    branch_id=None,
    branch_name="示例分中心",
)


def _render(widget: QWidget, path: Path) -> None:
    widget.show()
    QApplication.processEvents()  # let layouts and the style sheet settle
    if not widget.grab().save(str(path)):
        raise OSError(f"cannot write {path}")


def take_screenshots(
    out_dir: Path,
    *,
    database_url: str,
    settings: Settings,
    login: str | None = None,
    password: str | None = None,
) -> int:
    """Write login.png, main_window.png and one module_<key>.png per module the user may
    open into `out_dir`; 0 on success.

    With `password`, the dialog signs in as `login` against the database for real, so
    the main window shows that account; otherwise it shows SAMPLE_IDENTITY and the
    database is not touched.
    """
    out_dir.mkdir(parents=True, exist_ok=True)
    embedded = is_embedded(settings)
    database = describe_database(database_url, embedded=embedded)
    if password:
        problem = schema_problem(database_url, embedded=embedded)
        if problem:
            print(problem, file=sys.stderr)
            return 1
    engine = make_engine(database_url)
    runner = TaskRunner(make_sessionmaker(engine))
    # Scratch preferences: a screenshot run must neither read nor change the user's.
    with tempfile.TemporaryDirectory(prefix="md_shots_") as scratch:
        preferences = QSettings(str(Path(scratch) / "prefs.ini"), QSettings.Format.IniFormat)
        try:
            dialog = LoginDialog(runner, preferences=preferences, login=login, database=database)
            _render(dialog, out_dir / LOGIN_PNG)
            identity = SAMPLE_IDENTITY
            if password:
                signed_in = _sign_in(dialog, password)
                if signed_in is None:
                    print(dialog.error_label.text() or "sign-in timed out", file=sys.stderr)
                    return 1
                identity = signed_in
            dialog.close()
            window = MainWindow(identity, database, runner=runner, preferences=preferences)
            window.resize(*MAIN_WINDOW_SIZE)
            window.show_page(window.welcome_page)
            _render(window, out_dir / MAIN_WINDOW_PNG)
            written = [out_dir / LOGIN_PNG, out_dir / MAIN_WINDOW_PNG]
            # Every module this user may open, as it looks once its data has arrived.
            window.resize(*MODULE_WINDOW_SIZE)
            if window.home_page is not window.welcome_page:
                window.show_page(window.home_page)
                _wait_idle(runner)
                _render(window, out_dir / DASHBOARD_PNG)
                written.append(out_dir / DASHBOARD_PNG)
            for spec in window.modules:
                window.show_module(spec.key)
                _wait_idle(runner)
                path = out_dir / f"module_{spec.key}.png"
                _render(window, path)
                written.append(path)
            window.close()
        finally:
            runner.shutdown()
            engine.dispose()
    print("\n".join(str(path) for path in written))
    return 0


def _wait_idle(runner: TaskRunner) -> None:
    """Until the page's queries (and any they start in turn) are answered, bounded."""
    deadline = time.monotonic() + PAGE_LOAD_TIMEOUT_MS / 1000
    while time.monotonic() < deadline:
        QApplication.processEvents(QEventLoop.ProcessEventsFlag.AllEvents, 50)
        if not runner.busy:
            # A result may queue a follow-up query: settle, then look again.
            QApplication.processEvents()
            if not runner.busy:
                return


def _sign_in(dialog: LoginDialog, password: str) -> StaffIdentity | None:
    """Drive the real dialog and wait (bounded) for the server's answer."""
    loop = QEventLoop()
    dialog.signed_in.connect(loop.quit)
    dialog.attempt_failed.connect(loop.quit)
    QTimer.singleShot(SIGN_IN_TIMEOUT_MS, loop.quit)
    dialog.password_edit.setText(password)
    dialog.submit()
    if dialog.busy:
        loop.exec()
    return dialog.identity
