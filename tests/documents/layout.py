"""A rendered PDF as reviewable text: each page's text runs and drawn shapes with their
places, read back from the file (pdfium, already the desktop's PDF viewer) rather than from
our own drawing code, so the golden files say what a reader of the PDF gets.

One line per text run, in reading order (top to bottom, then left to right)::

    text  x  14.0  y  24.6  w  28.3  13pt  水电保障中心
    text  x 114.1  y  70.6  w  16.0  10pt  #595959  收款人：

`x` is the run's origin from the left edge and `y` its baseline from the top edge, in mm
(0.1 mm); `w` how far its ink reaches right of the origin. Colour and alpha are shown when not
black; rotated text shows its angle and ink box instead. Shapes follow, as boxes
(`x0–x1 y0–y1`, from the top-left, line width included), with runs of equally tall filled
bars (a barcode) collapsed into one `bars` line that counts them.
"""

from __future__ import annotations

import ctypes
import math
import os
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from difflib import unified_diff
from pathlib import Path
from xml.etree import ElementTree

import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c

GOLDEN = Path(__file__).parent / "golden"
UPDATE = "MD_UPDATE_GOLDEN"
_MM = 72 / 25.4


def _mm(points: float) -> str:
    return f"{points / _MM:5.1f}"


def _colour(obj: pdfium.PdfObject, stroke: bool = False) -> str:
    r, g, b, a = (ctypes.c_uint() for _ in range(4))
    get = pdfium_c.FPDFPageObj_GetStrokeColor if stroke else pdfium_c.FPDFPageObj_GetFillColor
    get(obj, r, g, b, a)
    rgb = (r.value, g.value, b.value)
    text = "" if rgb == (0, 0, 0) else "#{:02x}{:02x}{:02x}".format(*rgb)
    return text + ("" if a.value == 255 else f" alpha {a.value}")


def _objects(page: pdfium.PdfPage, textpage: pdfium.PdfTextPage) -> Iterator[pdfium.PdfObject]:
    for obj in page.get_objects(textpage=textpage):
        if obj.type == pdfium_c.FPDF_PAGEOBJ_FORM:
            # Inner objects report places in the form's space: only the identity is read right.
            matrix = obj.get_matrix().get()
            if matrix != (1, 0, 0, 1, 0, 0):
                raise NotImplementedError(f"form XObject placed with {matrix}")
            continue
        yield obj


def _text_line(obj: pdfium.PdfTextObj, height: float) -> tuple[tuple[float, float], str]:
    a, b, _, _, e, f = obj.get_matrix().get()
    left, bottom, right, top = obj.get_bounds()
    size = obj.get_font_size() * math.hypot(a, b)
    content = obj.extract().rstrip()
    colour = _colour(obj)
    angle = round(math.degrees(math.atan2(b, a)))
    if angle:
        box = (
            f"{_mm(left)}–{_mm(right).strip()}  {_mm(height - top)}–{_mm(height - bottom).strip()}"
        )
        place = f"rot {angle}°  box {box}"
    else:
        place = f"x {_mm(e)}  y {_mm(height - f)}  w {_mm(right - e)}"
    parts = ["text", place, f"{round(size, 1):g}pt", colour, content]
    return (height - f, e), "  ".join(p for p in parts if p)


def _shape_line(
    obj: pdfium.PdfObject, height: float
) -> tuple[tuple[float, float, float, float], str, str]:
    fill_mode, stroke = ctypes.c_int(), ctypes.c_int()
    pdfium_c.FPDFPath_GetDrawMode(obj, fill_mode, stroke)
    if fill_mode.value:
        kind, colour = "fill", _colour(obj)
    else:
        kind, colour = "stroke", _colour(obj, stroke=True)
    left, bottom, right, top = obj.get_bounds()
    return (height - top, height - bottom, left, right), kind, colour


def _shapes(obj_boxes: list[tuple[tuple[float, float, float, float], str, str]]) -> list[str]:
    lines: list[str] = []
    index = 0
    while index < len(obj_boxes):
        (top, bottom, left, right), kind, colour = obj_boxes[index]
        count = 1
        # A barcode is drawn as one filled rectangle a bar, all of the same height.
        while (
            kind == "fill"
            and index + count < len(obj_boxes)
            and obj_boxes[index + count][1] == "fill"
            and obj_boxes[index + count][0][:2] == (top, bottom)
            and obj_boxes[index + count][0][2] >= right
        ):
            right = obj_boxes[index + count][0][3]
            count += 1
        name = f"bars {count}" if count > 1 else kind
        box = f"x {_mm(left)}–{_mm(right).strip()}  y {_mm(top)}–{_mm(bottom).strip()}"
        lines.append("  ".join(p for p in (name, box, colour) if p))
        index += count
    return lines


def layout(pdf: bytes) -> str:
    """The reviewable text of every page of `pdf` (see the module's docstring)."""
    document = pdfium.PdfDocument(pdf)
    out: list[str] = []
    try:
        for number, page in enumerate(document, start=1):
            width, height = page.get_size()
            out.append(f"page {number}  {_mm(width).strip()} × {_mm(height).strip()} mm")
            textpage = page.get_textpage()
            texts: list[tuple[tuple[float, float], str]] = []
            shapes = []
            for obj in _objects(page, textpage):
                if obj.type == pdfium_c.FPDF_PAGEOBJ_TEXT:
                    texts.append(_text_line(obj, height))
                elif obj.type == pdfium_c.FPDF_PAGEOBJ_PATH:
                    shapes.append(_shape_line(obj, height))
                else:
                    raise NotImplementedError(f"page object of type {obj.type}")
            # Reading order; drawing order stays within a line, which sorted() keeps.
            out += [
                line
                for _, line in sorted(texts, key=lambda t: (round(t[0][0], 1), round(t[0][1], 1)))
            ]
            out += _shapes(shapes)
    finally:
        document.close()
    return "\n".join(out) + "\n"


def assert_golden(name: str, actual: str) -> None:
    """`actual` equals golden/`name`.txt, or a unified diff says how it differs.

    With MD_UPDATE_GOLDEN=1 the golden file is (re)written instead: review its diff in git.
    """
    path = GOLDEN / f"{name}.txt"
    if os.environ.get(UPDATE) == "1":
        path.write_text(actual, encoding="utf-8")
        return
    expected = path.read_text(encoding="utf-8") if path.exists() else ""
    if actual != expected:
        diff = "".join(
            unified_diff(
                expected.splitlines(keepends=True),
                actual.splitlines(keepends=True),
                f"golden/{name}.txt",
                "rendered",
            )
        )
        raise AssertionError(
            f"{name} is rendered differently from its golden file "
            f"(if the change is meant, rerun with {UPDATE}=1 and review the diff):\n{diff}"
        )


def pdftotext(pdf: bytes, tmp_path: Path) -> str:
    """What poppler's pdftotext reads from `pdf`, in the order drawn (-raw): another reader
    than pdfium, and without its column guessing, which splits a run to fit its columns."""
    source = tmp_path / "document.pdf"
    source.write_bytes(pdf)
    return subprocess.run(
        ["pdftotext", "-raw", "-enc", "UTF-8", str(source), "-"],
        capture_output=True, text=True, check=True,
    ).stdout  # fmt: skip


def drawn_text(pdf: bytes) -> list[tuple[str, str, bool]]:
    """Each text run of `pdf` as (text, font name, whether the font is embedded)."""
    document = pdfium.PdfDocument(pdf)
    runs = []
    try:
        for page in document:
            textpage = page.get_textpage()
            for obj in page.get_objects(filter=[pdfium_c.FPDF_PAGEOBJ_TEXT], textpage=textpage):
                font = obj.get_font()
                embedded = bool(pdfium_c.FPDFFont_GetIsEmbedded(font))
                runs.append((obj.extract(), font.get_base_name(), embedded))
    finally:
        document.close()
    return runs


@dataclass(frozen=True)
class TextLine:
    """A line as poppler's `pdftotext -bbox-layout` reads it: its words joined by spaces and
    its box in points from the page's top-left corner."""

    page: int
    text: str
    box: tuple[float, float, float, float]  # x0, y0, x1, y1
    words: tuple[tuple[str, tuple[float, float, float, float]], ...]


@dataclass(frozen=True)
class ReadPage:
    number: int
    width: float
    height: float
    lines: tuple[TextLine, ...]

    @property
    def text(self) -> str:
        return "\n".join(line.text for line in self.lines)

    @property
    def rows(self) -> list[str]:
        """The words as the eye reads them across the page: those sharing a baseline (within
        1.5 pt), left to right, whatever blocks poppler split them into (table cells)."""
        words = sorted(
            (word for line in self.lines for word in line.words), key=lambda w: (w[1][3], w[1][0])
        )
        rows: list[list[tuple[str, tuple[float, float, float, float]]]] = []
        for word in words:
            if rows and abs(rows[-1][0][1][3] - word[1][3]) <= 1.5:
                rows[-1].append(word)
            else:
                rows.append([word])
        return [" ".join(t for t, _ in sorted(row, key=lambda w: w[1][0])) for row in rows]


def read_lines(pdf: bytes, tmp_path: Path) -> list[ReadPage]:
    """Every page of `pdf` as poppler reads it, lines and words with their boxes."""
    source = tmp_path / "positions.pdf"
    source.write_bytes(pdf)
    xhtml = subprocess.run(
        ["pdftotext", "-bbox-layout", "-enc", "UTF-8", str(source), "-"],
        capture_output=True, text=True, check=True,
    ).stdout  # fmt: skip
    ns = "{http://www.w3.org/1999/xhtml}"
    root = ElementTree.fromstring(xhtml)

    def box(element: ElementTree.Element) -> tuple[float, float, float, float]:
        return tuple(float(element.attrib[k]) for k in ("xMin", "yMin", "xMax", "yMax"))  # type: ignore[return-value]

    pages = []
    for number, page in enumerate(root.iter(f"{ns}page"), start=1):
        lines = []
        for line in page.iter(f"{ns}line"):
            words = tuple((w.text or "", box(w)) for w in line.iter(f"{ns}word"))
            lines.append(TextLine(number, " ".join(w for w, _ in words), box(line), words))
        pages.append(
            ReadPage(number, float(page.attrib["width"]), float(page.attrib["height"]),
                     tuple(lines))
        )  # fmt: skip
    return pages


def pdffonts(pdf: bytes, tmp_path: Path) -> list[tuple[str, bool]]:
    """(name, embedded) of every font the PDF names, as poppler's pdffonts lists them."""
    source = tmp_path / "fonts.pdf"
    source.write_bytes(pdf)
    out = subprocess.run(
        ["pdffonts", str(source)], capture_output=True, text=True, check=True
    ).stdout.splitlines()[2:]
    # Columns: name, type (may hold a space), encoding, emb, sub, uni, object, id.
    return [(line.split()[0], line.split()[-5] == "yes") for line in out if line.strip()]
