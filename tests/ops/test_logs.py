"""The rotating log names whose day it was on every line."""

from __future__ import annotations

import logging
from pathlib import Path

from server import logs
from server.config import load_settings


def test_each_line_carries_the_signed_in_staff_member(tmp_path: Path, monkeypatch):
    monkeypatch.setenv("MD_HOME", str(tmp_path))
    root = logging.getLogger()
    before = list(root.handlers)
    logs.set_who("")  # whoever an earlier desktop test signed in
    try:
        logs.setup_logging(load_settings(tmp_path), "meterdesk-desktop")
        logging.getLogger("desktop.test").warning("before sign-in")
        logs.set_who("wang@D")
        logging.getLogger("desktop.test").warning("收款 65.00")
    finally:
        logs.set_who("")
        for handler in root.handlers[:]:
            if handler not in before:
                root.removeHandler(handler)
                handler.close()
    lines = (tmp_path / "logs" / "meterdesk-desktop.log").read_text(encoding="utf-8").splitlines()
    assert lines[0].endswith("WARNING [-] desktop.test: before sign-in")
    assert lines[1].endswith("WARNING [wang@D] desktop.test: 收款 65.00")
