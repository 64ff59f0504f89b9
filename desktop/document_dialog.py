"""Preview a document (receipt, settlement report) and print it or save it as PDF."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QSettings, Qt
from PySide6.QtGui import QKeySequence, QPixmap, QShortcut
from PySide6.QtPrintSupport import QPrintDialog, QPrinter, QPrinterInfo
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QLabel,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from desktop.preferences import open_preferences
from desktop.printing import prepare_printer, print_pdf, prints_to_file, render_pages
from desktop.saved_files import announce_saved, ask_save_path

LAST_PRINTER = "printing/last_printer"
LAST_SAVE_DIR = "printing/last_save_dir"


class DocumentDialog(QDialog):
    """Shows the pages of `pdf`; 打印 (Enter, Ctrl+P) is the default, 保存 PDF (Ctrl+S)."""

    def __init__(
        self,
        title: str,
        filename: str,
        pdf: bytes,
        *,
        preferences: QSettings | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("documentDialog")
        self.setWindowTitle(title)
        self.filename = filename
        self.pdf = pdf
        self._preferences = preferences if preferences is not None else open_preferences()
        self.printed_pages = 0

        pages = QWidget()
        column = QVBoxLayout(pages)
        column.setSpacing(12)
        self.page_labels: list[QLabel] = []
        for image in render_pages(pdf):
            label = QLabel()
            label.setObjectName("documentPage")
            label.setPixmap(QPixmap.fromImage(image))
            label.setAlignment(Qt.AlignmentFlag.AlignHCenter)
            column.addWidget(label)
            self.page_labels.append(label)
        scroll = QScrollArea()
        scroll.setWidget(pages)
        scroll.setWidgetResizable(True)
        scroll.setAlignment(Qt.AlignmentFlag.AlignHCenter)

        self.buttons = buttons = QDialogButtonBox()
        self.print_button = QPushButton(self.tr("&Print"))
        self.print_button.setObjectName("primaryButton")
        self.print_button.setDefault(True)
        self.save_button = QPushButton(self.tr("&Save PDF…"))
        self.close_button = QPushButton(self.tr("Close"))
        buttons.addButton(self.print_button, QDialogButtonBox.ButtonRole.AcceptRole)
        buttons.addButton(self.save_button, QDialogButtonBox.ButtonRole.ActionRole)
        buttons.addButton(self.close_button, QDialogButtonBox.ButtonRole.RejectRole)
        # AcceptRole would close the dialog before printing; wire the buttons by hand.
        self.print_button.clicked.connect(lambda: self.print_document())
        self.save_button.clicked.connect(lambda: self.save_document())
        self.close_button.clicked.connect(self.reject)
        QShortcut(QKeySequence.StandardKey.Print, self, activated=lambda: self.print_document())
        QShortcut(QKeySequence.StandardKey.Save, self, activated=lambda: self.save_document())

        layout = QVBoxLayout(self)
        layout.addWidget(scroll, 1)
        layout.addWidget(buttons)
        first = self.page_labels[0].pixmap().size() if self.page_labels else None
        if first is not None:
            self.resize(min(first.width() + 60, 1100), min(first.height() + 110, 800))

    def add_button(self, text: str) -> QPushButton:
        """A further action beside print and save (e.g. export the same report to Excel)."""
        button = QPushButton(text)
        self.buttons.addButton(button, QDialogButtonBox.ButtonRole.ActionRole)
        return button

    def print_document(self, printer: QPrinter | None = None) -> bool:
        """Print on `printer`, or ask which printer in the print dialog (remembering the
        last one chosen). Printed to a file, the box after says where the file went."""
        if printer is None:
            printer = QPrinter(QPrinter.PrinterMode.HighResolution)
            last = str(self._preferences.value(LAST_PRINTER, "") or "")
            printers = QPrinterInfo.availablePrinterNames()
            if last and last in printers:
                printer.setPrinterName(last)
            if not printers:
                # The dialog can then only print to a file: the document's own name in the
                # last folder used, rather than Qt's ~/print.pdf.
                printer.setOutputFileName(str(self._save_folder() / self.filename))
            prepare_printer(printer, self.pdf)
            dialog = QPrintDialog(printer, self)
            dialog.setObjectName("printDialog")
            if dialog.exec() != QDialog.DialogCode.Accepted:
                return False
            self._preferences.setValue(LAST_PRINTER, printer.printerName())
        else:
            prepare_printer(printer, self.pdf)
        self.printed_pages = print_pdf(self.pdf, printer)
        if prints_to_file(printer):
            announce_saved(self.parentWidget() or self, Path(printer.outputFileName()))
        self.accept()
        return True

    def _save_folder(self) -> Path:
        return Path(str(self._preferences.value(LAST_SAVE_DIR, str(Path.home()))))

    def save_document(self, path: Path | None = None) -> Path | None:
        """Write the PDF to `path`, or ask where (starting in the last folder used); the
        box after says where it went."""
        if path is None:
            path = ask_save_path(
                self, self.tr("Save PDF"), self._save_folder() / self.filename, "PDF (*.pdf)"
            )
            if path is None:
                return None
            self._preferences.setValue(LAST_SAVE_DIR, str(path.parent))
        path.write_bytes(self.pdf)
        announce_saved(self, path)
        return path
