"""The Qt binding itself must survive a clerk's day of clicks.

PySide6 6.12.0 released one reference to None on every call of a Python slot, so after
some thousands of clicks the interpreter aborted ("deallocating None"); pyproject.toml
keeps that release out and this test fails if such a binding is installed.
"""

from __future__ import annotations

import sys

from PySide6.QtWidgets import QPushButton

CLICKS = 2_000


def test_python_slots_keep_none_alive(qtbot):
    button = QPushButton("收款")
    qtbot.addWidget(button)
    calls: list[int] = []
    button.clicked.connect(lambda: calls.append(1))
    before = sys.getrefcount(None)
    for _ in range(CLICKS):
        button.click()
    assert len(calls) == CLICKS
    # Other code may take or drop a few references meanwhile; the bug dropped one per call.
    assert sys.getrefcount(None) - before > -CLICKS // 2
