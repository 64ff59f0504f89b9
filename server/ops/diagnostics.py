"""A zip for support: the logs, the settings with secrets masked, and the versions.

GUI-free so the desktop's "export diagnostics" (Help menu) and an operator's script make the
same file. Nothing secret leaves the machine: settings are written through
`Setting.display_value`, the masking `meterdesk config show` uses, and no database is
opened (support needs the zip most when the database cannot be reached).
"""

from __future__ import annotations

import platform
import sys
import zipfile
from importlib import metadata
from pathlib import Path

from server import __version__
from server.config import Settings

# The libraries whose version explains most support cases; read from the installed
# distributions' metadata so nothing (Qt above all) is imported for it.
DISTRIBUTIONS = (
    "PySide6-Essentials",
    "SQLAlchemy",
    "psycopg",
    "alembic",
    "pgserver",
    "reportlab",
    "pyserial",
    "bleak",
    "wechatpy",
    "fastapi",
)


def versions_text() -> str:
    lines = [
        f"meterdesk {__version__}",
        f"python {sys.version.split()[0]} ({sys.executable})",
        f"platform {platform.platform()}",
        f"frozen {bool(getattr(sys, 'frozen', False))}",
    ]
    for name in DISTRIBUTIONS:
        try:
            lines.append(f"{name} {metadata.version(name)}")
        except metadata.PackageNotFoundError:
            lines.append(f"{name} (not installed)")
    return "\n".join(lines) + "\n"


def settings_text(settings: Settings) -> str:
    lines = [f"# MD_HOME = {settings.home}"]
    for item in settings.items.values():
        lines.append(f"{item.name} = {item.display_value()!r}  # {item.source}")
    return "\n".join(lines) + "\n"


def write_diagnostics_zip(path: Path, settings: Settings) -> Path:
    """Write the zip to `path`: logs/…, settings.txt, versions.txt. Returns `path`."""
    path.parent.mkdir(parents=True, exist_ok=True)
    logs = settings.home / "logs"
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("versions.txt", versions_text())
        archive.writestr("settings.txt", settings_text(settings))
        # The rotated files too (meterdesk-desktop.log.1 …): the fault is often a day old.
        for log_file in sorted(logs.glob("*.log*")) if logs.is_dir() else []:
            if log_file.is_file():
                archive.write(log_file, f"logs/{log_file.name}")
    return path
