"""Per-user desktop preferences (QSettings): last login, window geometry.

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


def open_preferences() -> QSettings:
    """The user's preferences (registry on Windows, ~/.config/MeterDesk on Linux)."""
    return QSettings(ORGANIZATION, APPLICATION)
