"""Thermal label printers: TSPL (TSC, Gprinter, HPRT) and ZPL (Zebra) commands, and sending.

Both draw the same label as reports.labels (kind and place on top, Code128 of the meter
number, the number, the room) in printer dots: 203 dpi is 8 dots/mm (the default), 300 dpi
12. Chinese needs a font resident in the printer:

- TSPL: "TSS24.BF2" (24-dot simplified Chinese, GB2312/GBK), with the command bytes in GBK;
- ZPL: no Chinese in ^A0, so a TrueType font stored on the printer is bound to a font letter
  (``^CW1,E:SIMSUN.TTF``, the name a setting: it is whatever was downloaded) and the text is
  sent as UTF-8 (^CI28).

`send` hands the bytes to a pyserial URL (COM3, /dev/ttyUSB0, ``socket://host:9100`` — raw
TCP port 9100 is every network label printer's "JetDirect" port) or writes them to a file
(for a shared Windows printer queue, or to look at).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path

LANGUAGES = ("tspl", "zpl")


@dataclass(frozen=True)
class PrintLabel:
    """One label's text, as the printer gets it (see reports.labels.LabelData)."""

    meter_no: str
    head: str  # 电表 / 水表
    place: str  # 东校区 1号楼
    room: str = ""
    title: str = ""  # the owner's line (水电保障中心) before the head: the first thing dropped


@dataclass(frozen=True)
class PrinterSettings:
    language: str = "tspl"
    width_mm: float = 50
    height_mm: float = 30
    gap_mm: float = 2
    dpi: int = 203
    # TSPL's resident Chinese font; ZPL's stored TrueType font bound to letter 1.
    tspl_font: str = "TSS24.BF2"
    zpl_font: str = "E:SIMSUN.TTF"
    density: int = 8  # TSPL DENSITY 0–15 / ZPL ~SD 0–30 (darkness)
    copies: int = 1

    @property
    def dots_per_mm(self) -> int:
        return round(self.dpi / 25.4)

    def dots(self, millimetres: float) -> int:
        return round(millimetres * self.dots_per_mm)


class PrinterError(ValueError):
    """Commands that cannot be made, or a printer that cannot be reached; says which."""


# ---------------------------------------------------------------------------------------
# Fitting the label. The printer's fonts are cell fonts: TSPL's resident Chinese fonts
# (TSS24.BF2 and its kind: the number in the name is the cell) draw a GBK double-byte
# character in a square cell and an ASCII one in half of it; a ZPL TrueType CJK font
# (SimSun) draws a Chinese character in the ^A height and width, and no ASCII one wider.
# So a text's width in dots is known (or bounded) before it is printed, and each line is
# placed where it fits: nothing is left to the printer's wrapping, which runs text down
# over the barcode.

_PAD = 2  # mm, all round
_MIN_BAR = 6  # mm: a Code128 lower than this is hard to scan at an angle


@dataclass(frozen=True)
class Cell:
    """A font cell: `size` dots high and a Chinese character wide, an ASCII one `ascii`."""

    size: int
    ascii: int

    def width(self, text: str) -> int:
        """The width of `text` in dots."""
        return sum(self.ascii if char.isascii() else self.size for char in text)


def code128_dots(meter_no: str, narrow: int) -> int:
    """The width of the Code128 of `meter_no`, all in subset B (start, 11 modules a character,
    check, stop): what ZPL prints, and the most TSPL's automatic subsets can take."""
    return (11 * len(meter_no) + 35) * narrow


@dataclass(frozen=True)
class TextBox:
    """A line of text at (x, y) dots, its top-left, in the font cell `cell`; `align` is
    where the printer is told to anchor it ("right": at x + its width, "centre")."""

    x: int
    y: int
    text: str
    cell: Cell
    align: str = "left"


@dataclass(frozen=True)
class LabelLayout:
    """Where everything goes on one label, in dots."""

    texts: tuple[TextBox, ...]
    bar_x: int
    bar_y: int
    bar_height: int
    narrow: int


def _cells(settings: PrinterSettings) -> tuple[Cell, ...]:
    """The font cells to try, largest first. TSPL's resident font has the one cell of its
    name (its multipliers only enlarge), ASCII in half of it as the TSPL manual gives it. ZPL
    scales its TrueType font down to 2 mm; an ASCII glyph's advance there depends on the
    font, and at most the full cell is what is counted."""
    if settings.language == "tspl":
        digits = "".join(c for c in settings.tspl_font.split(".")[0] if c.isdigit())
        size = int(digits or 24)
        return (Cell(size, size // 2),)
    base = settings.dots(3)
    sizes = dict.fromkeys((base, round(base * 5 / 6), round(base * 2 / 3)))
    return tuple(Cell(size, size) for size in sizes)


def _wrap(text: str, cell: Cell, room: int) -> list[str]:
    """`text` in lines no wider than `room`, broken after the last space that fits when
    that fills half the line (北苑 alone would waste one), else between any two characters
    (Chinese has no spaces)."""
    lines: list[str] = []
    current = ""
    for char in text:
        if current and cell.width(current + char) > room:
            cut = current.rfind(" ")
            if cut > 0 and cell.width(current[:cut]) * 2 >= room:
                lines.append(current[:cut])
                current = current[cut + 1 :]
            else:
                lines.append(current)
                current = ""
        current += char
    lines.append(current)
    return [line.strip() for line in lines if line.strip()]


def _shorten(text: str, cell: Cell, room: int) -> str:
    # Free text only (a place), as the last resort: its start, the campus, stays.
    while text and cell.width(text + "…") > room:
        text = text[:-1]
    return text + "…"


def layout(label: PrintLabel, settings: PrinterSettings) -> LabelLayout:
    """The label fitted to its size: the meter number (barcode and text) whole, then the
    head with the owner's title and the place on one line, else the place on lines of its
    own under the head, in smaller type before the title is dropped; the room under the
    number. Raises PrinterError when even that leaves too low a barcode."""
    _check(label, settings)
    width, height = settings.dots(settings.width_mm), settings.dots(settings.height_mm)
    pad = settings.dots(_PAD)
    inner = width - 2 * pad
    scale = settings.dots_per_mm / 8
    leading, space = round(4 * scale), round(8 * scale)
    cells = _cells(settings)

    narrow = next(
        (n for n in range(max(1, round(2 * scale)), 0, -1)
         if code128_dots(label.meter_no, n) <= inner),
        None,
    )  # fmt: skip
    number_cell = next((c for c in cells if c.width(label.meter_no) <= inner), None)
    if narrow is None or number_cell is None:
        raise PrinterError(f"表号 {label.meter_no} 太长，{settings.width_mm:g} mm 宽的标签放不下")

    for rooms in _room_lines(label.room, cells, inner):
        # The bottom block, from the bottom edge up: the room, then the number.
        bottom: list[TextBox] = []
        y = height - pad
        for line, cell in reversed(rooms):
            y -= cell.size
            bottom.append(TextBox(pad + (inner - cell.width(line)) // 2, y, line, cell, "centre"))
            y -= leading
        y -= number_cell.size
        bottom.append(
            TextBox(pad + (inner - number_cell.width(label.meter_no)) // 2, y, label.meter_no,
                    number_cell, "centre")
        )  # fmt: skip
        bar_bottom = y - space
        for top in _top_blocks(label, cells, inner, leading):
            bar_y = pad + max(box.y + box.cell.size for box in top) + space
            if bar_bottom - bar_y >= settings.dots(_MIN_BAR):
                bar_width = code128_dots(label.meter_no, narrow)
                return LabelLayout(
                    tuple(replace(b, x=pad + b.x, y=pad + b.y) for b in top)
                    + tuple(reversed(bottom)),
                    pad + (inner - bar_width) // 2,
                    bar_y,
                    bar_bottom - bar_y,
                    narrow,
                )
    raise PrinterError(
        f"{settings.width_mm:g} × {settings.height_mm:g} mm 的标签放不下表号 {label.meter_no} "
        "的条码和文字，请用更大的标签"
    )


def _room_lines(room: str, cells: tuple[Cell, ...], inner: int) -> list[list[tuple[str, Cell]]]:
    """The room's lines to try: on one line in the largest type it fits in, else on two,
    and last shortened to one line (free text)."""
    if not room:
        return [[]]
    cell = next((c for c in cells if c.width(room) <= inner), cells[-1])
    lines = _wrap(room, cell, inner)
    if len(lines) > 2:
        lines = [lines[0], _shorten("".join(lines[1:]), cell, inner)]
    tries = [[(line, cell) for line in lines]]
    if len(lines) > 1:
        tries.append([(_shorten(room, cell, inner), cell)])
    return tries


def _top_blocks(
    label: PrintLabel, cells: tuple[Cell, ...], inner: int, leading: int
) -> list[list[TextBox]]:
    """The top lines to try, best first, relative to the top-left padding corner."""
    heads = [f"{label.title} {label.head}".strip()] if label.title else []
    heads.append(label.head)
    blocks: list[list[TextBox]] = []
    for head in heads:
        for cell in cells:  # head and place on one line, the place to the right
            # Sharing a line, they are kept a cell apart even were ASCII a whole cell wide.
            bound = Cell(cell.size, cell.size)
            place_w = cell.width(label.place)
            if bound.width(head) + cell.size + bound.width(label.place) <= inner:
                boxes = [TextBox(0, 0, head, cell)]
                if label.place:
                    boxes.append(TextBox(inner - place_w, 0, label.place, cell, "right"))
                blocks.append(boxes)
        for cell in cells:  # the place on a line or two of its own
            if cell.width(head) > inner:
                continue
            lines = _wrap(label.place, cell, inner)
            if len(lines) > 2:
                continue
            boxes = [TextBox(0, 0, head, cell)]
            for number, line in enumerate(lines, start=1):
                boxes.append(TextBox(inner - cell.width(line), number * (cell.size + leading),
                                     line, cell, "right"))  # fmt: skip
            blocks.append(boxes)
    # Last: the place shortened (free text), to two lines of the smallest type, then to
    # what the line beside the head leaves.
    cell = cells[-1]
    lines = _wrap(label.place, cell, inner)
    if len(lines) > 2:
        lines = [lines[0], _shorten("".join(lines[1:]), cell, inner)]
    blocks.append(
        [TextBox(0, 0, label.head, cell)]
        + [TextBox(inner - cell.width(line), n * (cell.size + leading), line, cell, "right")
           for n, line in enumerate(lines, start=1)]
    )  # fmt: skip
    if label.place:
        beside = _shorten(label.place, cell, inner - cell.width(label.head) - cell.size)
        blocks.append(
            [
                TextBox(0, 0, label.head, cell),
                TextBox(inner - cell.width(beside), 0, beside, cell, "right"),
            ]
        )
    return blocks


def _check(label: PrintLabel, settings: PrinterSettings) -> None:
    if not label.meter_no or not label.meter_no.isascii() or '"' in label.meter_no:
        raise PrinterError(f"表号 {label.meter_no!r} 不能打印为条码（须为不含引号的 ASCII）")
    if settings.copies < 1:
        raise PrinterError("份数至少为 1")


def _tspl_text(text: str) -> str:
    # TSPL strings are double-quoted with no escape; a quote inside would end the command.
    return text.replace('"', "'")


def tspl(labels: Sequence[PrintLabel], settings: PrinterSettings = PrinterSettings()) -> bytes:
    """TSPL commands for `labels`, GBK-encoded (TSS24.BF2 reads GBK)."""
    settings = replace(settings, language="tspl")
    lines = [
        f"SIZE {settings.width_mm:g} mm,{settings.height_mm:g} mm",
        f"GAP {settings.gap_mm:g} mm,0 mm",
        f"DENSITY {settings.density}",
        "DIRECTION 1",
        "REFERENCE 0,0",
    ]
    font = settings.tspl_font
    for label in labels:
        # The quote becomes an apostrophe before measuring: both are ASCII, half a cell.
        at = layout(label, settings)
        lines.append("CLS")
        for b in at.texts:
            # Right-aligned and centred lines are anchored by the printer itself (TEXT's
            # alignment 3 and 2), so they stay in place whatever its ASCII glyphs' width.
            if b.align == "left":
                anchor = f"{b.x},{b.y}"
            else:
                x = b.x + b.cell.width(b.text) // (1 if b.align == "right" else 2)
                anchor = f"{x},{b.y}"
            alignment = {"left": "", "right": ",3", "centre": ",2"}[b.align]
            lines.append(f'TEXT {anchor},"{font}",0,1,1{alignment},"{_tspl_text(b.text)}"')
        lines.append(
            f'BARCODE {at.bar_x},{at.bar_y},"128",{at.bar_height},0,0,{at.narrow},{at.narrow},'
            f'"{label.meter_no}"'
        )
        lines.append(f"PRINT 1,{settings.copies}")
    text = "".join(line + "\r\n" for line in lines)
    try:
        return text.encode("gbk")
    except UnicodeEncodeError as exc:
        raise PrinterError(
            f"「{text[exc.start : exc.end]}」不在 GBK 字库中，TSPL 打印机无法打印"
        ) from exc


def _zpl_field(text: str) -> str:
    # ^ and ~ start commands inside a field; ^FH lets them through as _5E and _7E.
    return text.replace("_", "_5F").replace("^", "_5E").replace("~", "_7E")


def zpl(labels: Sequence[PrintLabel], settings: PrinterSettings = PrinterSettings()) -> bytes:
    """ZPL II for `labels`, UTF-8 (^CI28) with the Chinese font bound to letter 1."""
    settings = replace(settings, language="zpl")
    out = []
    for label in labels:
        at = layout(label, settings)
        parts = [
            "^XA",
            "^CI28",
            f"^CW1,{settings.zpl_font}",
            f"^PW{settings.dots(settings.width_mm)}",
            f"^LL{settings.dots(settings.height_mm)}",
            "^LH0,0",
            f"~SD{min(30, settings.density * 2):02d}",
        ]
        # Each line is placed where it fits and written as a plain field: no field block
        # (^FB), whose wrapping would run a line a few dots too wide down over the barcode.
        parts += [
            f"^FO{b.x},{b.y}^A1N,{b.cell.size},{b.cell.size}^FH^FD{_zpl_field(b.text)}^FS"
            for b in at.texts
        ]
        parts += [
            f"^FO{at.bar_x},{at.bar_y}^BY{at.narrow}^BCN,{at.bar_height},N,N,N"
            f"^FD{label.meter_no}^FS",
            f"^PQ{settings.copies}",
            "^XZ",
        ]
        out.append("\n".join(parts) + "\n")
    return "".join(out).encode("utf-8")


def commands(labels: Sequence[PrintLabel], settings: PrinterSettings) -> bytes:
    if settings.language == "tspl":
        return tspl(labels, settings)
    if settings.language == "zpl":
        return zpl(labels, settings)
    raise PrinterError(f"未知打印机语言 {settings.language!r}，应为 tspl 或 zpl")


def is_port(destination: str) -> bool:
    """A pyserial URL or port name rather than a file path."""
    lowered = destination.lower()
    return "://" in destination or (
        lowered.startswith(("com", "/dev/"))
        and not lowered.endswith((".prn", ".txt", ".zpl", ".tspl"))
    )


def send(data: bytes, destination: str, *, timeout: float = 5.0, baudrate: int = 9600) -> None:
    """Send printer bytes to a port or URL, or write them to a file."""
    if not is_port(destination):
        try:
            Path(destination).write_bytes(data)
        except OSError as exc:
            raise PrinterError(f"无法写入 {destination}：{exc}") from exc
        return
    import serial

    try:
        port = serial.serial_for_url(
            destination, baudrate=baudrate, timeout=timeout, write_timeout=timeout
        )
    except (serial.SerialException, ValueError, OSError) as exc:
        raise PrinterError(f"无法连接打印机 {destination}：{exc}") from exc
    try:
        port.write(data)
        port.flush()
    except (serial.SerialException, OSError) as exc:
        raise PrinterError(f"发送到打印机 {destination} 失败：{exc}") from exc
    finally:
        port.close()
