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
from dataclasses import dataclass
from pathlib import Path

LANGUAGES = ("tspl", "zpl")


@dataclass(frozen=True)
class PrintLabel:
    """One label's text, as the printer gets it (see reports.labels.LabelData)."""

    meter_no: str
    head: str  # 电表 / 水电保障中心 电表
    place: str  # 东校区 1号楼
    room: str = ""


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


# Layout in dots at 8 dots/mm (scaled for other resolutions): a 24-dot font line on top,
# the barcode, the number and the room under it. Fits 50 × 30 mm; larger labels keep it.
_PAD = 2  # mm
_LINE = 24  # dots: TSS24 is 24 dots high


def _check(label: PrintLabel, settings: PrinterSettings) -> None:
    if not label.meter_no or not label.meter_no.isascii() or '"' in label.meter_no:
        raise PrinterError(f"表号 {label.meter_no!r} 不能打印为条码（须为不含引号的 ASCII）")
    if settings.copies < 1:
        raise PrinterError("份数至少为 1")


def _layout(settings: PrinterSettings) -> dict[str, int]:
    scale = settings.dots_per_mm / 8
    pad = settings.dots(_PAD)
    line = round(_LINE * scale)
    bottom = settings.dots(settings.height_mm) - pad
    room_y = bottom - line
    number_y = room_y - line - round(4 * scale)
    bar_y = pad + line + round(8 * scale)
    return {
        "pad": pad,
        "line": line,
        "bar_y": bar_y,
        "bar_h": number_y - round(6 * scale) - bar_y,
        "number_y": number_y,
        "room_y": room_y,
        "narrow": max(1, round(2 * scale)),
    }


def _tspl_text(text: str) -> str:
    # TSPL strings are double-quoted with no escape; a quote inside would end the command.
    return text.replace('"', "'")


def tspl(labels: Sequence[PrintLabel], settings: PrinterSettings = PrinterSettings()) -> bytes:
    """TSPL commands for `labels`, GBK-encoded (TSS24.BF2 reads GBK)."""
    at = _layout(settings)
    lines = [
        f"SIZE {settings.width_mm:g} mm,{settings.height_mm:g} mm",
        f"GAP {settings.gap_mm:g} mm,0 mm",
        f"DENSITY {settings.density}",
        "DIRECTION 1",
        "REFERENCE 0,0",
    ]
    font = settings.tspl_font
    for label in labels:
        _check(label, settings)
        lines += [
            "CLS",
            f'TEXT {at["pad"]},{at["pad"]},"{font}",0,1,1,"{_tspl_text(label.head)}"',
            f'TEXT {settings.dots(settings.width_mm) - at["pad"]},{at["pad"]},"{font}",0,1,1,3,'
            f'"{_tspl_text(label.place)}"',
            f'BARCODE {at["pad"]},{at["bar_y"]},"128",{at["bar_h"]},0,0,{at["narrow"]},'
            f'{at["narrow"]},"{label.meter_no}"',
            f'TEXT {at["pad"]},{at["number_y"]},"{font}",0,1,1,"{label.meter_no}"',
        ]
        if label.room:
            lines.append(
                f'TEXT {at["pad"]},{at["room_y"]},"{font}",0,1,1,"{_tspl_text(label.room)}"'
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
    at = _layout(settings)
    out = []
    for label in labels:
        _check(label, settings)
        right = settings.dots(settings.width_mm) - at["pad"]
        half = settings.dots(settings.width_mm) // 2
        parts = [
            "^XA",
            "^CI28",
            f"^CW1,{settings.zpl_font}",
            f"^PW{settings.dots(settings.width_mm)}",
            f"^LL{settings.dots(settings.height_mm)}",
            "^LH0,0",
            f"~SD{min(30, settings.density * 2):02d}",
            f"^FO{at['pad']},{at['pad']}^A1N,{at['line']},{at['line']}^FH^FD{_zpl_field(label.head)}^FS",
            f"^FO{half},{at['pad']}^A1N,{at['line']},{at['line']}^FB{right - half},1,0,R"
            f"^FH^FD{_zpl_field(label.place)}^FS",
            f"^FO{at['pad']},{at['bar_y']}^BY{at['narrow']}^BCN,{at['bar_h']},N,N,N"
            f"^FD{label.meter_no}^FS",
            f"^FO{at['pad']},{at['number_y']}^A1N,{at['line']},{at['line']}^FH^FD{_zpl_field(label.meter_no)}^FS",
        ]
        if label.room:
            parts.append(
                f"^FO{at['pad']},{at['room_y']}^A1N,{at['line']},{at['line']}^FH^FD{_zpl_field(label.room)}^FS"
            )
        parts += [f"^PQ{settings.copies}", "^XZ"]
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
