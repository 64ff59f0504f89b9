"""Labels fitted to the label, checked on what a printer would draw.

The TSPL and ZPL the product emits are read back by a small box model of exactly those
commands (TEXT and BARCODE; ^FO, ^A, ^FB, ^BY, ^BC, ^FD), written here from the printer
manuals rather than from the layout code: TSPL's resident TSS fonts draw each GBK byte in
half a cell (a Chinese character a whole cell, an ASCII one half), a ZPL TrueType font no
glyph wider than the ^A width, a ^FB block wraps text wider than itself onto more lines
below, and a Code128 in subset B is 11 modules a character plus 35. On worst-case data
(long place names, titles, rooms and meter numbers, small labels, 203 and 300 dpi) no text
box may cross another or the barcode, and all stay on the label. The PDF labels are read
with poppler (pdftotext -bbox, pdftoppm) and zbar: every word on its label, none over the
barcode, and the barcode decodes to the meter number.
"""

from __future__ import annotations

import math
import re
import subprocess
from dataclasses import dataclass
from pathlib import Path
from xml.etree import ElementTree

import pytest
from PIL import Image

from devices.label_printers import PrinterSettings, PrintLabel, tspl, zpl
from reports.labels import LabelData, SheetLayout, place_line, render_labels

LONG_PLACE = "北苑 第二食堂（餐饮服务有限公司）后厨配电间"
WORST = (
    # The two of the issue: a title beside the place (the head 204 dots, the place 192
    # right-aligned at 384: 28 dots over it), and a place wider than its old 184-dot box.
    PrintLabel("E000125", "电表", "东校区 家属区1栋", "1单元101", "水电保障中心"),
    PrintLabel("E000123", "电表", "东校区 1号楼", "2单元301", "水电保障中心"),
    PrintLabel("E000124", "电表", "东校区 10号楼", "2单元301"),
    PrintLabel("E2026110100017", "电表", "西校区 研究生公寓18号楼", "B座1702", "水电保障中心"),
    PrintLabel("E100001", "电表", LONG_PLACE, "地下一层 B1-07 配电间东侧", "后勤集团水电保障中心"),
    PrintLabel("HW-2026-0000012345", "水表", LONG_PLACE + "（东侧管井）", "", "水电保障中心"),
    PrintLabel("W9", "水表", "", ""),
    PrintLabel("W000045", "水表", '西校区 "紫荆园" 18号楼', "", "水电保障中心"),
)
SIZES = (
    PrinterSettings(),  # 50 × 30 mm, 203 dpi
    PrinterSettings(width_mm=40, height_mm=25),
    PrinterSettings(width_mm=60, height_mm=40, dpi=300),
    PrinterSettings(dpi=300),
)


@dataclass(frozen=True)
class Box:
    what: str  # the text, or "barcode"
    x: float
    y: float
    w: float
    h: float

    def crosses(self, other: Box) -> bool:
        return (
            self.x < other.x + other.w
            and other.x < self.x + self.w
            and self.y < other.y + other.h
            and other.y < self.y + self.h
        )


def code128_b_width(data: str, narrow: int) -> int:
    return (11 * len(data) + 35) * narrow


def tspl_boxes(commands: bytes, dots_per_mm: int) -> list[tuple[tuple[int, int], list[Box]]]:
    """Per label: its size in dots (SIZE is in mm; the resolution is the printer's) and the
    boxes of what it draws."""
    labels: list[tuple[tuple[int, int], list[Box]]] = []
    size_mm = (0.0, 0.0)
    for line in commands.decode("gbk").split("\r\n"):
        if m := re.fullmatch(r"SIZE ([\d.]+) mm,([\d.]+) mm", line):
            size_mm = float(m[1]), float(m[2])
        elif line == "CLS":
            size = (round(size_mm[0] * dots_per_mm), round(size_mm[1] * dots_per_mm))
            labels.append((size, []))
        elif m := re.fullmatch(
            r'TEXT (\d+),(\d+),"([^"]+)",0,(\d+),(\d+)(?:,(\d))?,"([^"]*)"', line
        ):
            x, y, font, xm, ym, align, content = m.groups()
            cell = int(re.search(r"\d+", font)[0])  # TSS24.BF2: 24-dot cells
            width = len(content.encode("gbk")) * cell // 2 * int(xm)
            left = int(x) - {None: 0, "1": 0, "2": width // 2, "3": width}[align]
            labels[-1][1].append(Box(content, left, int(y), width, cell * int(ym)))
        elif m := re.fullmatch(r'BARCODE (\d+),(\d+),"128",(\d+),0,0,(\d+),(\d+),"([^"]+)"', line):
            x, y, height, narrow, _, data = m.groups()
            width = code128_b_width(data, int(narrow))
            labels[-1][1].append(Box("barcode", int(x), int(y), width, int(height)))
        else:
            known = ("", "SIZE", "GAP", "DENSITY", "DIRECTION", "REFERENCE", "PRINT")
            assert line.split(" ")[0] in known, f"the box model does not know {line!r}"
    return labels


def zpl_boxes(commands: bytes) -> list[tuple[tuple[int, int], list[Box]]]:
    labels: list[tuple[tuple[int, int], list[Box]]] = []
    for block in commands.decode("utf-8").split("^XZ"):
        if "^XA" not in block:
            continue
        width = int(re.search(r"\^PW(\d+)", block)[1])
        height = int(re.search(r"\^LL(\d+)", block)[1])
        boxes: list[Box] = []
        for field in re.findall(r"\^FO.*?\^FS", block):
            x, y = map(int, re.match(r"\^FO(\d+),(\d+)", field).groups())
            data = re.search(r"\^FD(.*)\^FS", field)[1]
            if "^FH" in field:
                data = re.sub(r"_([0-9A-F]{2})", lambda m: chr(int(m[1], 16)), data)
            if bc := re.search(r"\^BY(\d+)\^BCN,(\d+),N,N,N", field):
                narrow, bar_height = int(bc[1]), int(bc[2])
                boxes.append(Box("barcode", x, y, code128_b_width(data, narrow), bar_height))
                continue
            font = re.search(r"\^A1N,(\d+),(\d+)", field)
            assert font, f"the box model does not know {field!r}"
            h, w = int(font[1]), int(font[2])
            text_w = len(data) * w  # no glyph of the font wider than its cell
            block_box = re.search(r"\^FB(\d+),(\d+),(\d+),([LCRJ])", field)
            if block_box:
                # A field block wraps what does not fit onto lines below the first.
                room = int(block_box[1])
                lines = max(1, math.ceil(text_w / room))
                boxes.append(Box(data, x, y, room, lines * h + (lines - 1) * int(block_box[3])))
            else:
                boxes.append(Box(data, x, y, text_w, h))
        labels.append(((width, height), boxes))
    return labels


def assert_fits(size: tuple[int, int], boxes: list[Box]) -> None:
    width, height = size
    for box in boxes:
        assert box.x >= 0 and box.y >= 0, box
        assert box.x + box.w <= width and box.y + box.h <= height, (box, size)
    for index, box in enumerate(boxes):
        for other in boxes[index + 1 :]:
            assert not box.crosses(other), (box, other)


def whole_or_shortened(text: str, shown: str) -> None:
    """Free text (a place, a room) whole, or, when even two lines of the smallest type cannot
    hold it, its start kept and the rest shortened with an ellipsis."""
    # TSPL strings cannot hold a double quote: it is printed as an apostrophe.
    wanted, shown = (t.replace('"', "'").replace(" ", "") for t in (text, shown))
    if shown.endswith("…"):
        assert wanted.startswith(shown[:-1]) and len(shown) > 6, shown
    else:
        assert shown == wanted


@pytest.mark.parametrize("settings", SIZES, ids=lambda s: f"{s.width_mm:g}x{s.height_mm:g}@{s.dpi}")
@pytest.mark.parametrize("language", ["tspl", "zpl"])
def test_every_text_and_the_barcode_stay_apart_and_on_the_label(language, settings):
    dots_per_mm = settings.dots_per_mm
    if language == "tspl":
        labels = tspl_boxes(tspl(WORST, settings), dots_per_mm)
    else:
        labels = zpl_boxes(zpl(WORST, settings))
    assert len(labels) == len(WORST)
    for label, (size, boxes) in zip(WORST, labels, strict=True):
        assert size == (round(settings.width_mm * dots_per_mm),
                        round(settings.height_mm * dots_per_mm))  # fmt: skip
        assert_fits(size, boxes)
        (bar,) = [b for b in boxes if b.what == "barcode"]
        top = sorted((b for b in boxes if b.y < bar.y), key=lambda b: (b.y, b.x))
        under = sorted((b for b in boxes if b.y > bar.y), key=lambda b: b.y)
        # The kind (after the title, or alone when the title is dropped) leads the top lines;
        # the meter number, whole, leads those under the barcode.
        assert top[0].what in (label.head, f"{label.title} {label.head}")
        place = "".join(b.what for b in top[1:])
        whole_or_shortened(label.place, place)
        assert under[0].what == label.meter_no
        room = "".join(b.what for b in under[1:])
        whole_or_shortened(label.room, room)
        if settings.width_mm >= 50:
            # The usual label is wide enough for every place and room here, whole.
            assert not place.endswith("…") and not room.endswith("…")
        assert bar.h >= 6 * dots_per_mm  # 6 mm: scannable at an angle


PDF_WORST = (
    LabelData("E000123", "电表", "东校区", "1号楼", "2单元301", "水电保障中心"),
    LabelData("E2026110100017", "电表", "西校区", "研究生公寓18号楼", "B座1702", "水电保障中心"),
    LabelData(
        "E100001",
        "电表",
        "北苑",
        "第二食堂（餐饮服务有限公司）后厨配电间",
        "地下一层 B1-07 配电间东侧",
        "后勤集团水电保障中心",
    ),
    LabelData("HW-2026-0000012345", "水表", "北苑", "第二食堂（餐饮服务有限公司）后厨东侧管井"),
    LabelData("W9", "水表"),
)
DPI = 300


def pdf_words(pdf: Path) -> list[list[tuple[str, float, float, float, float]]]:
    """Per page, pdftotext's words with their boxes in points from the top-left."""
    xhtml = subprocess.run(["pdftotext", "-bbox", str(pdf), "-"], capture_output=True,
                           check=True).stdout  # fmt: skip
    ns = {"x": "http://www.w3.org/1999/xhtml"}
    pages = ElementTree.fromstring(xhtml).findall(".//x:page", ns)
    return [
        # In reading order: line by line (by the top, to the point), left to right.
        sorted(
            ((w.text or "", *(float(w.get(k)) for k in ("xMin", "yMin", "xMax", "yMax")))
             for w in page.findall("x:word", ns)),
            key=lambda word: (round(word[2]), word[1]),
        )
        for page in pages
    ]  # fmt: skip


def barcode_box(png: Path) -> tuple[float, float, float, float]:
    """The barcode in a page image, in points: the longest run of identical pixel rows with
    ink (a linear barcode's rows are all alike; no text makes such a run)."""
    image = Image.open(png).convert("L").point(lambda v: 0 if v < 128 else 255)
    width, height = image.size
    pixels = image.tobytes()
    rows = [pixels[y * width : (y + 1) * width] for y in range(height)]
    best, start = (0, 0), 0
    for y in range(1, height + 1):
        if y == height or rows[y] != rows[start]:
            if 0 in rows[start] and y - start > best[1] - best[0]:
                best = (start, y)
            start = y
    row = rows[best[0]]
    scale = 72 / DPI
    return row.index(0) * scale, best[0] * scale, (row.rindex(0) + 1) * scale, best[1] * scale


@pytest.mark.parametrize("size", [(50, 30), (40, 25), (70, 35)])
def test_pdf_labels_print_whole_inside_and_scan(size, tmp_path):
    width, height = size
    pdf = tmp_path / "labels.pdf"
    pdf.write_bytes(render_labels(PDF_WORST, SheetLayout(width, height))[2])
    subprocess.run(["pdftoppm", "-r", str(DPI), "-png", str(pdf), str(tmp_path / "p")],
                   check=True)  # fmt: skip
    pages = pdf_words(pdf)
    images = sorted(tmp_path.glob("p-*.png"))
    assert len(pages) == len(images) == len(PDF_WORST)
    for label, words, png in zip(PDF_WORST, pages, images, strict=True):
        page_w, page_h = width * 72 / 25.4, height * 72 / 25.4
        bar = barcode_box(png)
        for text, x0, y0, x1, y1 in words:
            assert x0 >= 0 and x1 <= page_w and y0 >= 0 and y1 <= page_h, (text, label)
            # Not over the barcode: a word's box clear of the bars' (0.2 pt of rounding).
            assert y1 <= bar[1] + 0.2 or y0 >= bar[3] - 0.2 or x1 <= bar[0] or x0 >= bar[2], (
                text, bar)  # fmt: skip
        read = "".join(w[0] for w in words)
        assert label.meter_no in [w[0] for w in words]  # whole, one word
        assert label.kind_label in read
        whole_or_shortened(place_line(label), read.split(label.kind_label, 1)[1].split(
            label.meter_no)[0])  # fmt: skip
        decoded = subprocess.run(["zbarimg", "-q", "--raw", str(png)], capture_output=True,
                                 text=True).stdout.split()  # fmt: skip
        assert decoded == [label.meter_no]


def test_a_label_too_small_for_the_number_is_refused_with_the_reason():
    # 40 mm at 8 dots/mm leaves 288 dots: a 41-character number's Code128 is (11 · 41 + 35)
    # = 486 modules even at one dot each.
    with pytest.raises(ValueError, match=r"表号 E1{40} 太长，40 mm 宽的标签放不下"):
        tspl([PrintLabel("E" + "1" * 40, "电表", "东校区")], PrinterSettings(width_mm=40))
    # 10 mm high: 80 dots less 32 of padding leave 48, short of the kind's line and the
    # number's (24 each) and a 6 mm (48-dot) barcode.
    with pytest.raises(ValueError, match="30 × 10 mm 的标签放不下表号 E1234567 的条码和文字"):
        zpl([PrintLabel("E1234567", "电表", "东校区 1号楼", "101")],
            PrinterSettings(width_mm=30, height_mm=10))  # fmt: skip
