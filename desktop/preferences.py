"""Per-user desktop preferences (QSettings): last login, window geometry, receipt paper.

Widgets take a `QSettings` argument so tests and the screenshot mode can point them at a
scratch file instead of the user's real preferences.
"""

from __future__ import annotations

from PySide6.QtCore import QSettings

ORGANIZATION = "MeterDesk"
APPLICATION = "MeterDesk Desktop"

LAST_LOGIN = "login/last"
MAIN_WINDOW_GEOMETRY = "main_window/geometry"
MAIN_WINDOW_STATE = "main_window/state"
# Which paper this PC's receipt printer holds: "a5" or "form" (241 × 93 mm continuous).
RECEIPT_SIZE = "counter/receipt_size"
RECEIPT_SIZES = ("a5", "form")


def open_preferences() -> QSettings:
    """The user's preferences (registry on Windows, ~/.config/MeterDesk on Linux)."""
    return QSettings(ORGANIZATION, APPLICATION)
