"""Asking where a file goes and telling where it went: every PDF and Excel file the desktop
writes ends with a box that names the full path, with 打开所在文件夹 (and the same line in
the status bar), so nobody has to hunt for what they just saved."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from PySide6.QtCore import QCoreApplication, Qt, QUrl
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import QFileDialog, QMainWindow, QMessageBox, QWidget

STATUS_MS = 15_000


def ask_save_path(parent: QWidget, title: str, suggested: Path, filters: str) -> Path | None:
    """Where to save, starting at `suggested`; None if the user cancelled."""
    chosen, _ = QFileDialog.getSaveFileName(parent, title, str(suggested), filters)
    return Path(chosen) if chosen else None


def open_folder(folder: Path) -> bool:
    return QDesktopServices.openUrl(QUrl.fromLocalFile(str(folder)))


def announce_saved(parent: QWidget, paths: Path | str | Sequence[Path | str]) -> QMessageBox:
    """Say where `paths` (one file, or several in one folder) were written; the box is
    shown without blocking and 打开所在文件夹 opens their folder."""
    files = [Path(paths)] if isinstance(paths, Path | str) else [Path(p) for p in paths]
    folder = files[0].parent if files else Path.home()
    if len(files) == 1:
        text = QCoreApplication.translate("SavedFiles", "Saved to:\n{path}").format(path=files[0])
        status = QCoreApplication.translate("SavedFiles", "Saved to {path}").format(path=files[0])
    else:
        count = len(files)
        text = QCoreApplication.translate("SavedFiles", "{count} files saved in:\n{folder}").format(
            count=count, folder=folder
        )
        status = QCoreApplication.translate("SavedFiles", "{count} files saved in {folder}").format(
            count=count, folder=folder
        )
    window = parent.window()
    if isinstance(window, QMainWindow):
        window.statusBar().showMessage(status, STATUS_MS)
    box = QMessageBox(
        QMessageBox.Icon.Information,
        QCoreApplication.translate("SavedFiles", "Saved"),
        text,
        parent=parent,
    )
    box.setObjectName("savedMessage")
    box.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    box.addButton(QMessageBox.StandardButton.Ok)
    folder_button = box.addButton(
        QCoreApplication.translate("SavedFiles", "Open containing folder"),
        QMessageBox.ButtonRole.ActionRole,
    )
    folder_button.setObjectName("openFolderButton")
    folder_button.clicked.connect(lambda: open_folder(folder))
    box.open()
    return box
