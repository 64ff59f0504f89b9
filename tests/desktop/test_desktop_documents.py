"""Documents on paper and on disk: 打印 opens the real print dialog (never a silent
~/print.pdf); printing to a file writes the document itself; every save names the full
path in a box whose 打开所在文件夹 opens the folder."""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from datetime import datetime
from decimal import Decimal as D
from pathlib import Path

import pytest
from PySide6.QtCore import QObject, QSettings, Qt, QUrl, Slot
from PySide6.QtGui import QDesktopServices
from PySide6.QtPrintSupport import QPrintDialog, QPrinter
from PySide6.QtWidgets import (
    QApplication,
    QDialog,
    QMessageBox,
    QPushButton,
    QWidget,
)

from desktop.app import ensure_application
from desktop.document_dialog import LAST_SAVE_DIR, DocumentDialog
from desktop.saved_files import announce_saved
from reports.receipt import ReceiptData, ReceiptLine, render_receipt
from tests.desktop_support import answer_file_dialog, answer_modal

WAIT_MS = 10_000


class FolderOpener(QObject):
    """Stands in for the file manager: what QDesktopServices was asked to open."""

    def __init__(self) -> None:
        super().__init__()
        self.opened: list[str] = []

    @Slot(QUrl)
    def open(self, url: QUrl) -> None:
        self.opened.append(url.toLocalFile())


@pytest.fixture
def opener() -> Iterator[FolderOpener]:
    handler = FolderOpener()
    QDesktopServices.setUrlHandler("file", handler, "open")
    yield handler
    QDesktopServices.unsetUrlHandler("file")


@pytest.fixture
def home(tmp_path: Path, monkeypatch) -> Path:
    folder = tmp_path / "home"
    folder.mkdir()
    monkeypatch.setenv("HOME", str(folder))
    return folder


def receipt_pdf() -> bytes:
    return render_receipt(
        ReceiptData(
            receipt_no="E2026000007", branch_name="东区分中心", account_no="A001",
            holder_name="张三", address="东校区 1号楼 2单元301",
            lines=(ReceiptLine("2026-10", "电费", D("65.00")),), total=D("65.00"),
            channel="现金", reference="", clerk="李收费", issued_at=datetime(2026, 11, 23, 9, 31),
        )
    )[2]  # fmt: skip


@pytest.fixture
def dialog(qtbot, tmp_path: Path, home: Path) -> DocumentDialog:
    ensure_application("zh_CN")
    preferences = QSettings(str(tmp_path / "p.ini"), QSettings.Format.IniFormat)
    preferences.setValue(LAST_SAVE_DIR, str(tmp_path / "docs"))
    (tmp_path / "docs").mkdir()
    shown = DocumentDialog("收据", "收据_E2026000007.pdf", receipt_pdf(), preferences=preferences)
    qtbot.addWidget(shown)
    shown.show()
    # Its shortcuts (Ctrl+S, Ctrl+P) act only in the active window: in a long run another
    # test's window can still be the active one when this one shows.
    shown.activateWindow()
    qtbot.waitUntil(shown.isActiveWindow, timeout=WAIT_MS)
    return shown


def pdftotext(path: Path) -> str:
    return subprocess.run(
        ["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True
    ).stdout


def saved_box() -> QMessageBox | None:
    return next(
        (
            w
            for w in QApplication.topLevelWidgets()
            if isinstance(w, QMessageBox) and w.objectName() == "savedMessage" and w.isVisible()
        ),
        None,
    )


def button_of(widget, text: str) -> QPushButton:
    return next(b for b in widget.findChildren(QPushButton) if b.text() == text)


def answer_print_dialog(qtbot, choice: str, seen: list[str]) -> None:
    """Once the print dialog is up, click `choice` on it, as a person would."""

    def click(up: QDialog) -> None:
        seen.append(up.windowTitle())
        qtbot.mouseClick(button_of(up, choice), Qt.MouseButton.LeftButton)

    answer_modal(qtbot, QPrintDialog, click)


def test_print_opens_the_print_dialog_and_cancel_writes_nothing(
    qtbot, dialog: DocumentDialog, home: Path, tmp_path: Path
):
    seen: list[str] = []
    answer_print_dialog(qtbot, "取消", seen)
    qtbot.mouseClick(dialog.print_button, Qt.MouseButton.LeftButton)
    assert seen == ["打印"]
    assert dialog.printed_pages == 0 and dialog.isVisible()
    assert list(home.iterdir()) == [] and list((tmp_path / "docs").iterdir()) == []


def test_printing_to_a_file_writes_the_document_and_says_where(
    qtbot, dialog: DocumentDialog, tmp_path: Path, home: Path, opener: FolderOpener
):
    # No printer on this PC: the dialog offers the document's name in the last folder.
    seen: list[str] = []
    answer_print_dialog(qtbot, "打印(&P)", seen)
    qtbot.mouseClick(dialog.print_button, Qt.MouseButton.LeftButton)
    target = tmp_path / "docs" / "收据_E2026000007.pdf"
    assert dialog.printed_pages == 1 and target.exists()
    assert not (home / "print.pdf").exists()
    text = pdftotext(target)
    assert "E2026000007" in text and "陆拾伍元整" in text and "2026-11-23 09:31" in text
    qtbot.waitUntil(lambda: saved_box() is not None, timeout=WAIT_MS)
    box = saved_box()
    assert box is not None and box.text() == f"已保存到：\n{target}"
    qtbot.mouseClick(button_of(box, "打开所在文件夹"), Qt.MouseButton.LeftButton)
    assert opener.opened == [str(tmp_path / "docs")]


def test_a_printer_given_prints_every_page(qtbot, dialog: DocumentDialog, tmp_path: Path):
    printer = QPrinter(QPrinter.PrinterMode.HighResolution)
    printer.setOutputFormat(QPrinter.OutputFormat.PdfFormat)
    printer.setOutputFileName(str(tmp_path / "printed.pdf"))
    assert dialog.print_document(printer)
    assert dialog.printed_pages == 1
    assert "本收据为缴费凭证，请妥善保管" in pdftotext(tmp_path / "printed.pdf")


def test_save_says_where_the_file_went(
    qtbot, dialog: DocumentDialog, tmp_path: Path, opener: FolderOpener
):
    target = tmp_path / "out" / "r.pdf"
    target.parent.mkdir()

    # Ctrl+S asks where, in the real file dialog; the name is typed and Enter pressed.
    answer_file_dialog(qtbot, target)
    qtbot.keyClick(dialog, "s", Qt.KeyboardModifier.ControlModifier)
    assert target.exists() and "陆拾伍元整" in pdftotext(target)
    qtbot.waitUntil(lambda: saved_box() is not None, timeout=WAIT_MS)
    box = saved_box()
    assert box is not None and box.text() == f"已保存到：\n{target}"
    qtbot.mouseClick(button_of(box, "打开所在文件夹"), Qt.MouseButton.LeftButton)
    assert opener.opened == [str(tmp_path / "out")]


def test_several_files_are_announced_by_their_folder(qtbot, tmp_path: Path):
    ensure_application("zh_CN")
    page = QWidget()
    qtbot.addWidget(page)
    box = announce_saved(page, [tmp_path / "a.pdf", tmp_path / "b.pdf"])
    assert box.text() == f"2 个文件已保存到：\n{tmp_path}"
    assert box.windowTitle() == "已保存"
