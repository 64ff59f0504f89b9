"""A streaming .xlsx writer for big tables: rows go straight into the zip as SpreadsheetML.

openpyxl's write-only mode costs some 25 µs of CPU a cell on these machines: the meter
inventory of 50,000 accounts (100,000 rows × 17 columns) took over 40 s, against a budget
of 10 s for a 100,000-row export. XlsxWriter's constant_memory mode, the usual library for
this, took 13–17 s on the same export where this writer takes 3–6 s (bench_reports prints
both). This writes the same file format with plain string building and only what the
report tables use: one sheet, inline strings, numbers, dates, number formats, four fonts,
the header fill, centred headers, column widths and frozen rows. The small documents
(settlement, payments export) stay on openpyxl. The tests open every kind of workbook we
write in openpyxl, LibreOffice and Gnumeric and compare the cells."""

from __future__ import annotations

import re
import zipfile
from collections.abc import Sequence
from datetime import date, datetime
from decimal import Decimal
from typing import IO, Any
from xml.sax.saxutils import escape, quoteattr

from openpyxl.utils import get_column_letter

from reports.clock import excel_time

# Font keys (the fonts of styles.xml, in order).
PLAIN, BOLD, TITLE, RED = 0, 1, 2, 3
_FONTS = (
    '<font><sz val="11"/><color theme="1"/><name val="Calibri"/><family val="2"/></font>',
    '<font><b/><sz val="11"/><color theme="1"/><name val="Calibri"/><family val="2"/></font>',
    '<font><b/><sz val="12"/><color theme="1"/><name val="Calibri"/><family val="2"/></font>',
    '<font><sz val="11"/><color rgb="FFC81414"/><name val="Calibri"/><family val="2"/></font>',
)
_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_PKG = "http://schemas.openxmlformats.org/package/2006/relationships"
_EPOCH = datetime(1899, 12, 30)
# Characters XML 1.0 cannot carry at all (a stray control character from an import).
_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")
_FLUSH_ROWS = 500


class SheetWriter:
    """One sheet written row by row into an .xlsx at `target` (a path or binary stream).

    `style(number_format, font, header)` gives the style index a cell is written with;
    `append(values, styles)` writes a row (None and "" leave the cell blank: no cell);
    `close()` writes the styles and finishes the file. Use as a context manager.
    """

    def __init__(
        self,
        target: str | IO[bytes],
        sheet_name: str,
        widths: Sequence[float],
        frozen_rows: int,
    ) -> None:
        self._zip = zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED, compresslevel=3)
        self._name = sheet_name[:31]
        self._letters = [get_column_letter(i) for i in range(1, len(widths) + 1)]
        self._formats: dict[str, int] = {}
        self._xfs: dict[tuple[int, int, bool], int] = {(0, PLAIN, False): 0}
        self._row = 0
        self._chunks: list[str] = []
        self._sheet = self._zip.open("xl/worksheets/sheet1.xml", "w", force_zip64=True)
        cols = "".join(
            f'<col min="{i}" max="{i}" width="{w}" customWidth="1"/>'
            for i, w in enumerate(widths, start=1)
        )
        top = f"A{frozen_rows + 1}"
        pane = (
            f'<pane ySplit="{frozen_rows}" topLeftCell="{top}" activePane="bottomLeft" '
            f'state="frozen"/><selection pane="bottomLeft" activeCell="{top}" sqref="{top}"/>'
            if frozen_rows
            else ""
        )
        self._write(
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            f'<worksheet xmlns="{_MAIN}" xmlns:r="{_REL}">'
            f'<sheetViews><sheetView workbookViewId="0">{pane}</sheetView></sheetViews>'
            f'<sheetFormatPr defaultRowHeight="15"/><cols>{cols}</cols><sheetData>'
        )

    def __enter__(self) -> SheetWriter:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def style(
        self, number_format: str | None = None, font: int = PLAIN, header: bool = False
    ) -> int:
        """The index of the cell style with this number format, font and (header) fill."""
        if number_format is None:
            format_id = 0
        else:
            format_id = self._formats.setdefault(number_format, 164 + len(self._formats))
        key = (format_id, font, header)
        if key not in self._xfs:
            self._xfs[key] = len(self._xfs)
        return self._xfs[key]

    def append(self, values: Sequence[Any], styles: Sequence[int] | int = 0) -> None:
        self._row += 1
        row = self._row
        cells = []
        letters = self._letters
        for index, value in enumerate(values):
            # A blank is no cell: an empty text cell is not blank to COUNTA, ISBLANK or
            # Ctrl+arrow in Excel.
            if value is None or value == "":
                continue
            s = styles if isinstance(styles, int) else styles[index]
            # Every cell names where it is: the standard lets a cell right after the previous
            # one leave it out, but Gnumeric then reads the sheet as empty.
            ref = f' r="{letters[index]}{row}"'
            attr = f' s="{s}"' if s else ""
            if isinstance(value, str):
                # Most cells are plain text: skip the regex and the escape when they can't
                # change anything (isprintable is False for every control character).
                text = value if value.isprintable() else _ILLEGAL.sub("", value)
                if not text:
                    continue
                if "&" in text or "<" in text or ">" in text:
                    text = escape(text)
                cells.append(
                    f'<c{ref}{attr} t="inlineStr"><is><t xml:space="preserve">{text}</t></is></c>'
                )
            elif isinstance(value, bool):
                cells.append(f'<c{ref}{attr} t="b"><v>{int(value)}</v></c>')
            elif isinstance(value, Decimal):
                cells.append(f"<c{ref}{attr}><v>{value:f}</v></c>")
            elif isinstance(value, int | float):
                cells.append(f"<c{ref}{attr}><v>{value}</v></c>")
            elif isinstance(value, datetime):
                serial = (excel_time(value) - _EPOCH).total_seconds() / 86400
                cells.append(f"<c{ref}{attr}><v>{serial}</v></c>")
            elif isinstance(value, date):
                cells.append(f"<c{ref}{attr}><v>{(value - _EPOCH.date()).days}</v></c>")
            else:
                raise TypeError(f"cannot write {type(value).__name__} to a cell")
        self._chunks.append(f'<row r="{row}">{"".join(cells)}</row>')
        if len(self._chunks) >= _FLUSH_ROWS:
            self._write("".join(self._chunks))
            self._chunks = []

    def _write(self, text: str) -> None:
        self._sheet.write(text.encode("utf-8"))

    def close(self) -> None:
        if self._sheet.closed:
            return
        self._write("".join(self._chunks) + "</sheetData></worksheet>")
        self._sheet.close()
        self._zip.writestr("xl/styles.xml", self._styles())
        self._zip.writestr("[Content_Types].xml", _CONTENT_TYPES)
        self._zip.writestr("_rels/.rels", _ROOT_RELS)
        self._zip.writestr("xl/_rels/workbook.xml.rels", _WORKBOOK_RELS)
        self._zip.writestr(
            "xl/workbook.xml",
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            f'<workbook xmlns="{_MAIN}" xmlns:r="{_REL}"><sheets>'
            f'<sheet name={quoteattr(self._name)} sheetId="1" r:id="rId1"/></sheets></workbook>',
        )
        self._zip.close()

    def _styles(self) -> str:
        formats = "".join(
            f"<numFmt numFmtId={quoteattr(str(i))} formatCode={quoteattr(code)}/>"
            for code, i in self._formats.items()
        )
        xfs = []
        for (format_id, font, header), _ in sorted(self._xfs.items(), key=lambda kv: kv[1]):
            fill = 2 if header else 0
            align = '<alignment horizontal="center"/>' if header else ""
            xfs.append(
                f'<xf numFmtId="{format_id}" fontId="{font}" fillId="{fill}" borderId="0" '
                f'xfId="0" applyNumberFormat="1" applyFont="1" applyFill="1" '
                f'applyAlignment="{1 if header else 0}">{align}</xf>'
            )
        return (
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            f'<styleSheet xmlns="{_MAIN}">'
            + (f'<numFmts count="{len(self._formats)}">{formats}</numFmts>' if formats else "")
            + f'<fonts count="{len(_FONTS)}">{"".join(_FONTS)}</fonts>'
            '<fills count="3"><fill><patternFill patternType="none"/></fill>'
            '<fill><patternFill patternType="gray125"/></fill>'
            '<fill><patternFill patternType="solid"><fgColor rgb="FFDDE7F0"/>'
            '<bgColor indexed="64"/></patternFill></fill></fills>'
            '<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border>'
            "</borders>"
            '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/>'
            "</cellStyleXfs>"
            f'<cellXfs count="{len(xfs)}">{"".join(xfs)}</cellXfs>'
            '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/>'
            "</cellStyles></styleSheet>"
        )


_CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" '
    'ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/xl/workbook.xml" ContentType="application/'
    'vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
    '<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/'
    'vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
    '<Override PartName="/xl/styles.xml" ContentType="application/'
    'vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>'
    "</Types>"
)
_ROOT_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    f'<Relationships xmlns="{_PKG}"><Relationship Id="rId1" '
    f'Type="{_REL}/officeDocument" Target="xl/workbook.xml"/></Relationships>'
)
_WORKBOOK_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    f'<Relationships xmlns="{_PKG}">'
    f'<Relationship Id="rId1" Type="{_REL}/worksheet" Target="worksheets/sheet1.xml"/>'
    f'<Relationship Id="rId2" Type="{_REL}/styles" Target="styles.xml"/></Relationships>'
)
