"""`meterdesk-desktop`: start the desktop suite.

Startup: settings → database URL (embedded PostgreSQL when none is configured) → schema
check → sign-in → main window. A problem before sign-in is explained in Chinese (message
box, and stderr) instead of a traceback.
"""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Sequence
from pathlib import Path
from types import TracebackType

from PySide6.QtCore import QCoreApplication, QSettings, QTimer
from PySide6.QtGui import QFont, QGuiApplication
from PySide6.QtWidgets import QApplication, QDialog, QMessageBox

from desktop.connection import describe_database, schema_problem
from desktop.i18n import DEFAULT_LOCALE, SOURCE_LOCALE, install_translations
from desktop.login import LoginDialog
from desktop.plain_text import install as install_plain_text
from desktop.preferences import APPLICATION, ORGANIZATION, open_preferences
from desktop.tasks import TaskRunner
from resources.paths import style_sheet_path
from server import __version__
from server import logs as server_logs
from server.config import ConfigError, Settings, config_exists, load_settings
from server.db.engine import database_url as resolve_database_url
from server.db.engine import is_embedded, make_engine, make_sessionmaker
from server.db.replica import read_routing, replica_settings

log = logging.getLogger(__name__)

PROGRAM = "meterdesk-desktop"
EXIT_OK = 0
EXIT_STARTUP_FAILED = 1

# Tried in order for Chinese text, so a Windows counter PC gets YaHei rather than SimSun.
CJK_FONTS = ["Microsoft YaHei UI", "Microsoft YaHei", "PingFang SC", "Noto Sans CJK SC",
             "WenQuanYi Micro Hei"]  # fmt: skip
HEADLESS_PLATFORMS = {"offscreen", "minimal"}


def ensure_application(locale: str | None = None) -> QApplication:
    """The QApplication, created if needed and set up once: names (for QSettings),
    translations, fonts, style sheet, labels that show people's text as typed. `locale`
    None keeps the language already chosen (zh_CN on first use)."""
    app = QApplication.instance()
    if app is None:
        app = QApplication([sys.argv[0] if sys.argv else "meterdesk-desktop"])
    assert isinstance(app, QApplication)
    current = app.property("meterdesk_locale")
    wanted = locale or current or DEFAULT_LOCALE
    if current != wanted:
        install_translations(app, wanted)
        app.setProperty("meterdesk_locale", wanted)
    if not app.property("meterdesk_configured"):
        app.setOrganizationName(ORGANIZATION)
        app.setApplicationName(APPLICATION)
        app.setApplicationVersion(__version__)
        font = QFont(app.font())
        font.setFamilies([app.font().family(), *CJK_FONTS])
        app.setFont(font)
        apply_style_sheet(app)
        install_plain_text(app)
        app.setProperty("meterdesk_configured", True)
    return app


def apply_style_sheet(app: QApplication) -> None:
    path = style_sheet_path()
    if path.exists():
        app.setStyleSheet(path.read_text(encoding="utf-8"))


def is_headless() -> bool:
    return QGuiApplication.platformName() in HEADLESS_PLATFORMS


def report_problem(message: str) -> None:
    """Tell the user why the desktop cannot start: stderr always, a message box when
    there is a screen to show it on (offscreen, it would wait forever for a click)."""
    log.error("%s", message, extra={"printed": True})
    print(message, file=sys.stderr)
    if QApplication.instance() is not None and not is_headless():
        title = QCoreApplication.translate("Startup", "MeterDesk cannot start")
        QMessageBox.critical(None, title, message)


def setup_logging(settings: Settings | None) -> None:
    """MD_HOME/logs/meterdesk-desktop.log (launched from a shortcut, the desktop has no
    console, and unexpected task errors must leave a trace), plus warnings on stderr."""
    if settings is not None:
        server_logs.setup_logging(settings, PROGRAM)
    root = logging.getLogger()
    if not any(getattr(h, "meterdesk_console", False) for h in root.handlers):
        console = logging.StreamHandler()
        console.setLevel(logging.WARNING)
        # report_problem prints its message plainly; don't repeat it with a log prefix.
        console.addFilter(lambda record: not getattr(record, "printed", False))
        server_logs.stamped(console)
        console.meterdesk_console = True  # type: ignore[attr-defined]
        root.addHandler(console)
    # pgserver narrates every start and stop of the embedded server at INFO.
    logging.getLogger("pgserver").setLevel(logging.WARNING)


def _log_uncaught(
    kind: type[BaseException], value: BaseException, tb: TracebackType | None
) -> None:
    # An exception in a slot must not vanish into a console nobody sees.
    log.critical("uncaught exception", exc_info=(kind, value, tb))


def run_desktop(
    database_url: str,
    *,
    settings: Settings | None = None,
    login: str | None = None,
    preferences: QSettings | None = None,
) -> int:
    """Sign in and run the main window on `database_url` until it is closed; the exit code.

    `settings` tells an embedded database from a central one (loaded when not given);
    `login` prefills the sign-in dialog; `preferences` replaces the user's QSettings.
    An embedded database whose schema is behind is migrated; any other mismatch is
    reported and nothing starts.
    """
    app = ensure_application()
    try:
        settings = settings or load_settings()
    except ConfigError as exc:
        report_problem(_config_message(exc))
        return EXIT_STARTUP_FAILED
    setup_logging(settings)  # idempotent; run_desktop may be called without main
    embedded = is_embedded(settings)
    try:
        problem = schema_problem(database_url, embedded=embedded)
    except Exception as exc:
        log.debug("schema check failed", exc_info=True)  # the user gets the message
        report_problem(_connection_message(exc))
        return EXIT_STARTUP_FAILED
    if problem:
        report_problem(problem)
        return EXIT_STARTUP_FAILED

    database = describe_database(database_url, embedded=embedded)
    preferences = preferences if preferences is not None else open_preferences()
    engine = make_engine(database_url)
    sessions = make_sessionmaker(engine)
    runner = TaskRunner(sessions, reads=read_routing(sessions, *replica_settings(settings)))
    try:
        # The main window and its pages load while the clerk types the password, so the
        # dialog appears sooner and the window follows sign-in at once.
        QTimer.singleShot(0, _preload_main_window)
        # Signing out (注销) or switching user comes back here, to the sign-in dialog.
        while True:
            dialog = LoginDialog(runner, preferences=preferences, login=login, database=database)
            if dialog.exec() != QDialog.DialogCode.Accepted or dialog.identity is None:
                return EXIT_OK
            from desktop.main_window import MainWindow

            identity = dialog.identity
            server_logs.set_who(f"{identity.login}@{identity.branch_code or '-'}")
            log.info("signed in: %s (%s)", identity.name, identity.branch_name or "no branch")
            window = MainWindow(identity, database, runner=runner, preferences=preferences)
            dialog.deleteLater()
            window.show()
            code = app.exec()
            if window.sign_in_again is None:
                return code
            log.info("signed out: %s", identity.login)
            login = window.sign_in_again
            window.deleteLater()
    finally:
        runner.shutdown()
        engine.dispose()


def _preload_main_window() -> None:
    import desktop.main_window  # noqa: F401


def _config_message(exc: Exception) -> str:
    return QCoreApplication.translate(
        "Startup", "The configuration file cannot be read: {error}"
    ).format(error=exc)


def _connection_message(exc: Exception) -> str:
    # SQLAlchemy wraps the driver's error and prefixes its class; the driver's own first
    # line ("connection to server at … failed: Connection refused") is what helps.
    cause = getattr(exc, "orig", None) or exc
    detail = str(cause).strip().splitlines()
    return QCoreApplication.translate("Startup", "Cannot connect to the database: {error}").format(
        error=detail[0] if detail else type(cause).__name__
    )


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="meterdesk-desktop", description="MeterDesk 水电计量收费系统 desktop"
    )
    # Handled in main rather than by argparse's "version" action, which exits the process.
    parser.add_argument("--version", action="store_true", help="print the version and exit")
    parser.add_argument("--login", metavar="NAME", help="prefill the login name")
    parser.add_argument(
        "--no-setup",
        action="store_true",
        help="never open the first-run wizard: use the configured or the embedded database",
    )
    parser.add_argument(
        "--screenshots",
        metavar="DIR",
        type=Path,
        help="render the login dialog and the main window to PNG files in DIR, then exit",
    )
    parser.add_argument(
        "--password",
        help="with --screenshots: sign in as --login for real (else a sample user is shown)",
    )
    parser.add_argument(
        "--lang",
        default=DEFAULT_LOCALE,
        choices=[DEFAULT_LOCALE, SOURCE_LOCALE],
        help="interface language (default %(default)s)",
    )
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if args.version:
        print(f"meterdesk-desktop {__version__}")
        return EXIT_OK
    ensure_application(args.lang)
    asks = args.screenshots is None and not args.no_setup and not is_headless()
    demo = False  # set up just now for demo and training
    if asks and not config_exists():
        # A new PC: ask where its data lives before anything starts a database.
        from desktop.setup_wizard import SetupWizard

        wizard = SetupWizard()
        if wizard.exec() != QDialog.DialogCode.Accepted:
            return EXIT_OK
        demo = wizard.choice.embedded.isChecked()
    try:
        settings = load_settings()
    except ConfigError as exc:
        setup_logging(None)
        report_problem(_config_message(exc))
        return EXIT_STARTUP_FAILED
    setup_logging(settings)
    sys.excepthook = _log_uncaught
    try:
        url = resolve_database_url(settings)
    except Exception as exc:
        log.debug("cannot resolve the database", exc_info=True)
        report_problem(_connection_message(exc))
        return EXIT_STARTUP_FAILED
    if args.screenshots is not None:
        from desktop.screenshots import take_screenshots

        return take_screenshots(
            args.screenshots,
            database_url=url,
            settings=settings,
            login=args.login,
            password=args.password,
        )
    if demo:
        from desktop.setup_wizard import seed_demo_database

        problem = seed_demo_database(url)
        if problem:
            report_problem(problem)
            return EXIT_STARTUP_FAILED
    return run_desktop(url, settings=settings, login=args.login or ("admin" if demo else None))


if __name__ == "__main__":
    sys.exit(main())
