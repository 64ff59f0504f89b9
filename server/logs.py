"""Logging to rotating files in MD_HOME/logs, one file per program."""

from __future__ import annotations

import logging
from logging.handlers import RotatingFileHandler

from server.config import Settings

FORMAT = "%(asctime)s %(process)d %(levelname)s [%(who)s] %(name)s: %(message)s"

# Who works in this process (the desktop: "login@branch" once signed in), on every line,
# so a support person reading a counter PC's log knows whose day it was.
_who = "-"


def set_who(label: str) -> None:
    global _who
    _who = label or "-"


def _stamp(record: logging.LogRecord) -> bool:
    record.who = _who
    return True


def stamped(handler: logging.Handler) -> logging.Handler:
    """`handler` with FORMAT and the worker's name on each record."""
    handler.setFormatter(logging.Formatter(FORMAT))
    handler.addFilter(_stamp)
    return handler


def setup_logging(settings: Settings, program: str) -> None:
    folder = settings.home / "logs"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{program}.log"
    root = logging.getLogger()
    if any(getattr(h, "baseFilename", None) == str(path) for h in root.handlers):
        return
    handler = RotatingFileHandler(path, maxBytes=5 * 1024 * 1024, backupCount=5, encoding="utf-8")
    stamped(handler)
    root.setLevel(settings.get("log", "level").upper() or "INFO")
    root.addHandler(handler)
