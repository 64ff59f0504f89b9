"""Documents on screen and on paper: the PDF that `reports` made is what gets previewed and
printed, rendered by PDFium, so the preview, the printout and the saved file never differ."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QRect, QSizeF, Qt
from PySide6.QtGui import QImage, QPageLayout, QPageSize, QPainter
from PySide6.QtPrintSupport import QPrinter

# Screen preview resolution; printing renders at the printer's own resolution instead.
PREVIEW_DPI = 110
POINTS_PER_INCH = 72


def render_pages(pdf: bytes, dpi: int = PREVIEW_DPI) -> list[QImage]:
    """Each page of `pdf` as an image at `dpi`."""
    import pypdfium2

    document = pypdfium2.PdfDocument(pdf)
    try:
        images = []
        for page in document:
            bitmap = page.render(scale=dpi / POINTS_PER_INCH)
            pil = bitmap.to_pil().convert("RGB")
            data = pil.tobytes("raw", "RGB")
            image = QImage(data, pil.width, pil.height, pil.width * 3, QImage.Format.Format_RGB888)
            # copy(): the QImage must own its pixels once `data` goes away.
            images.append(image.copy())
            page.close()
        return images
    finally:
        document.close()


def page_size_mm(pdf: bytes) -> tuple[float, float]:
    """The first page's size in millimetres (receipts come in A5 and 241 × 93 mm)."""
    import pypdfium2

    document = pypdfium2.PdfDocument(pdf)
    try:
        width, height = document[0].get_size()
        return width * 25.4 / POINTS_PER_INCH, height * 25.4 / POINTS_PER_INCH
    finally:
        document.close()


def prepare_printer(printer: QPrinter, pdf: bytes) -> None:
    """Set the paper to the document's own size, with no margins of Qt's own."""
    width, height = page_size_mm(pdf)
    orientation = (
        QPageLayout.Orientation.Landscape if width > height else QPageLayout.Orientation.Portrait
    )
    # Portrait dimensions; the orientation turns the continuous form sideways.
    size = QPageSize(QSizeF(min(width, height), max(width, height)), QPageSize.Unit.Millimeter)
    printer.setPageLayout(
        QPageLayout(size, orientation, printer.pageLayout().margins(), QPageLayout.Unit.Millimeter)
    )
    printer.setFullPage(True)


def page_count(pdf: bytes) -> int:
    import pypdfium2

    document = pypdfium2.PdfDocument(pdf)
    try:
        return len(document)
    finally:
        document.close()


def prints_to_file(printer: QPrinter) -> bool:
    """'Print to file (PDF)' was chosen (the only choice on a PC with no printer)."""
    return printer.outputFormat() == QPrinter.OutputFormat.PdfFormat and bool(
        printer.outputFileName()
    )


def print_pdf(pdf: bytes, printer: QPrinter) -> int:
    """Paint every page of `pdf` on `printer` at its resolution; returns the page count.
    Printed to a file, the file is the document itself (text stays text, not pictures)."""
    if prints_to_file(printer):
        Path(printer.outputFileName()).write_bytes(pdf)
        return page_count(pdf)
    pages = render_pages(pdf, dpi=max(printer.resolution(), 150))
    painter = QPainter()
    if not painter.begin(printer):
        raise OSError(printer.printerName() or printer.outputFileName() or "printer")
    try:
        for index, image in enumerate(pages):
            if index:
                printer.newPage()
            target = painter.viewport()
            scaled = image.size().scaled(target.size(), Qt.AspectRatioMode.KeepAspectRatio)
            painter.drawImage(QRect(target.topLeft(), scaled), image)
    finally:
        painter.end()
    return len(pages)
