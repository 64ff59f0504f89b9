"""Where the packaged resources live.

Found relative to this file so one lookup works from a source checkout, an installed
wheel (package-data) and a PyInstaller bundle (which keeps the package layout).
"""

from __future__ import annotations

from pathlib import Path

RESOURCES_DIR = Path(__file__).resolve().parent


def resources_dir() -> Path:
    return RESOURCES_DIR


def translations_dir() -> Path:
    """Compiled `.qm` catalogues and their `.ts` sources."""
    return RESOURCES_DIR / "translations"


def style_sheet_path() -> Path:
    return RESOURCES_DIR / "style.qss"
