"""Logging to rotating files in MD_HOME/logs, one file per program."""

from __future__ import annotations

import logging
from logging.handlers import RotatingFileHandler

from server.config import Settings

FORMAT = "%(asctime)s %(process)d %(levelname)s %(name)s: %(message)s"


def setup_logging(settings: Settings, program: str) -> None:
    folder = settings.home / "logs"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{program}.log"
    root = logging.getLogger()
    if any(getattr(h, "baseFilename", None) == str(path) for h in root.handlers):
        return
    handler = RotatingFileHandler(path, maxBytes=5 * 1024 * 1024, backupCount=5, encoding="utf-8")
    handler.setFormatter(logging.Formatter(FORMAT))
    root.setLevel(settings.get("log", "level").upper() or "INFO")
    root.addHandler(handler)
