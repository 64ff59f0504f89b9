"""Barcode labels: the PDF, TSPL and ZPL byte for byte, and sending to a TCP port 9100."""

from __future__ import annotations

import io
import socket
import threading

import pytest
from pypdf import PdfReader
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm

from devices.label_printers import PrinterSettings, PrintLabel, send, tspl, zpl
from reports.labels import LabelData, SheetLayout, parse_size, render_labels
from server.db.models import Meter
from server.services.core.errors import DomainError
from server.services.metering import labels as service
from tests.factories import account, meter

LABEL = PrintLabel("E000123", "电表", "东校区 1号楼", "2单元301")

# Hand-written from the TSPL manual (TSC TSPL/TSPL2 Programming Manual: SIZE, GAP, DENSITY,
# DIRECTION, REFERENCE, CLS, TEXT x,y,"font",rotation,x-mul,y-mul[,alignment],"content",
# BARCODE x,y,"128",height,readable,rotation,narrow,wide,"content", PRINT sets,copies) for
# a 50 × 30 mm label at 203 dpi (8 dots/mm: 400 × 240 dots, 2 mm = 16 dots padding, 368
# inside). TSS24.BF2 cells: 24 dots a Chinese character, 12 an ASCII one.
# - top line y 16: 电表 at x 16, 东校区 1号楼 right-aligned (TEXT alignment 3) at 384 − one
#   line, as even counting ASCII a whole cell 48 + a 24-dot gap + 7 · 24 ≤ 368;
# - bottom up, centred (alignment 2) at x 200: the room at y 240 − 16 − 24 = 200, E000123
#   4 dots above it at y 172;
# - Code128 of 7 characters in subset B: 11·7 + 35 = 112 modules, 224 dots at 2 dots a
#   module, centred at x 16 + (368 − 224) / 2 = 88; from 8 dots under the top line (16 + 24
#   + 8 = 48) to 8 dots over the number (164): 116 high.
EXPECTED_TSPL = (
    "SIZE 50 mm,30 mm\r\n"
    "GAP 2 mm,0 mm\r\n"
    "DENSITY 8\r\n"
    "DIRECTION 1\r\n"
    "REFERENCE 0,0\r\n"
    "CLS\r\n"
    'TEXT 16,16,"TSS24.BF2",0,1,1,"电表"\r\n'
    'TEXT 384,16,"TSS24.BF2",0,1,1,3,"东校区 1号楼"\r\n'
    'TEXT 200,172,"TSS24.BF2",0,1,1,2,"E000123"\r\n'
    'TEXT 200,200,"TSS24.BF2",0,1,1,2,"2单元301"\r\n'
    'BARCODE 88,48,"128",116,0,0,2,2,"E000123"\r\n'
    "PRINT 1,1\r\n"
).encode("gbk")

# ZPL II (Zebra Programming Guide: ^CI28 UTF-8, ^CW font letter ← stored font, ^PW/^LL
# label size in dots, ^A1 the bound font at 24 × 24 dots (3 mm), ^BY module width, ^BC
# Code128 with no interpretation line, ^PQ quantity). An ASCII character of the TrueType
# font is counted a full 24-dot cell (no glyph is wider): 东校区 1号楼 = 7 · 24 = 168 dots
# right-aligned at 384 − 168 = 216; E000123 = 168 centred at 16 + (368 − 168) / 2 = 116;
# 2单元301 = 144 at 128. The barcode as in the TSPL.
EXPECTED_ZPL = (
    "^XA\n"
    "^CI28\n"
    "^CW1,E:SIMSUN.TTF\n"
    "^PW400\n"
    "^LL240\n"
    "^LH0,0\n"
    "~SD16\n"
    "^FO16,16^A1N,24,24^FH^FD电表^FS\n"
    "^FO216,16^A1N,24,24^FH^FD东校区 1号楼^FS\n"
    "^FO116,172^A1N,24,24^FH^FDE000123^FS\n"
    "^FO128,200^A1N,24,24^FH^FD2单元301^FS\n"
    "^FO88,48^BY2^BCN,116,N,N,N^FDE000123^FS\n"
    "^PQ1\n"
    "^XZ\n"
).encode()


def pdf_pages(content: bytes) -> list[str]:
    return [page.extract_text().replace("\n", "") for page in PdfReader(io.BytesIO(content)).pages]


def test_tspl_byte_for_byte():
    assert tspl([LABEL]) == EXPECTED_TSPL
    # The Chinese goes as GBK: 电表 is D3 C3 B1 ED... in GB2312.
    assert "电表".encode("gbk") in EXPECTED_TSPL and b"\xb5\xe7\xb1\xed" in EXPECTED_TSPL


def test_tspl_two_labels_at_300_dpi_with_copies():
    settings = PrinterSettings(dpi=300, copies=2, width_mm=60, height_mm=40)
    text = tspl([LABEL, PrintLabel("W9", "水表", "西校区 2号楼")], settings).decode("gbk")
    assert text.count("CLS\r\n") == 2 and text.count("PRINT 1,2\r\n") == 2
    assert text.startswith("SIZE 60 mm,40 mm\r\n")
    # 12 dots/mm: 720 × 480 dots, padding 24, 672 inside; the font keeps its 24-dot cells.
    # 西校区 2号楼 right-aligned at 696; no room: W9 on the bottom line, y 480 − 24 − 24 =
    # 432, centred at 24 + 672 / 2 = 360. Code128 of 2
    # characters: 57 modules × 3 dots = 171, centred at 24 + 250 = 274, from 24 + 24 + 12 =
    # 60 to 12 dots over the number (420): 360 high.
    assert 'TEXT 696,24,"TSS24.BF2",0,1,1,3,"西校区 2号楼"\r\n' in text
    assert text.endswith(
        'TEXT 360,432,"TSS24.BF2",0,1,1,2,"W9"\r\n'
        'BARCODE 274,60,"128",360,0,0,3,3,"W9"\r\nPRINT 1,2\r\n'
    )


def test_zpl_byte_for_byte_and_the_font_is_a_setting():
    assert zpl([LABEL]) == EXPECTED_ZPL
    other = zpl([LABEL], PrinterSettings(language="zpl", zpl_font="R:MSUNG.FNT"))
    assert b"^CW1,R:MSUNG.FNT\n" in other
    # A caret in a field would start a command: escaped through ^FH.
    caret = zpl([PrintLabel("E1", "电表", "A^B_C", "")]).decode()
    assert "^FH^FDA_5EB_5FC^FS" in caret


def test_a_meter_number_that_cannot_be_a_barcode_is_refused():
    with pytest.raises(ValueError, match="不能打印为条码"):
        tspl([PrintLabel("电表1", "电表", "")])


def test_send_to_a_tcp_port_9100_listener_and_to_a_file(tmp_path):
    listener = socket.create_server(("127.0.0.1", 0))
    port = listener.getsockname()[1]
    received = bytearray()

    def serve() -> None:
        conn, _ = listener.accept()
        with conn:
            while chunk := conn.recv(4096):
                received.extend(chunk)

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    send(EXPECTED_TSPL, f"socket://127.0.0.1:{port}")
    thread.join(timeout=5)
    listener.close()
    assert bytes(received) == EXPECTED_TSPL
    send(EXPECTED_ZPL, str(tmp_path / "label.zpl"))
    assert (tmp_path / "label.zpl").read_bytes() == EXPECTED_ZPL
    with pytest.raises(ValueError, match="无法连接打印机"):
        send(b"x", f"socket://127.0.0.1:{port}", timeout=1)


def test_roll_pdf_one_label_a_page_at_the_label_size():
    labels = [
        LabelData("E000123", "电表", "东校区", "1号楼", "2单元301", "水电保障中心"),
        LabelData("W9", "水表", "西校区", "2号楼"),
    ]
    filename, mime, content = render_labels(labels, SheetLayout(40, 25))
    assert (filename, mime) == ("表计标签.pdf", "application/pdf")
    reader = PdfReader(io.BytesIO(content))
    assert len(reader.pages) == 2
    box = reader.pages[0].mediabox
    assert (round(float(box.width) / mm, 2), round(float(box.height) / mm, 2)) == (40, 25)
    # 40 mm: the head line is set smaller to keep the title and the place whole on it.
    assert pdf_pages(content) == [
        "水电保障中心 电表东校区 1号楼E000123 2单元301",
        "水表西校区 2号楼W9",
    ]


def test_a4_sheets_fit_3_by_9_labels_of_50_by_30():
    assert SheetLayout(sheet="a4").grid() == (3, 9)  # (210 − 16) // 50, (297 − 16) // 30
    labels = [LabelData(f"E{n:03d}", "电表", "东校区", "1号楼") for n in range(28)]
    content = render_labels(labels, SheetLayout(sheet="a4"))[2]
    reader = PdfReader(io.BytesIO(content))
    assert len(reader.pages) == 2  # 27 on the first sheet, 1 on the second
    assert float(reader.pages[0].mediabox.width) == pytest.approx(A4[0])
    texts = pdf_pages(content)
    assert "E000" in texts[0] and "E026" in texts[0] and "E027" not in texts[0]
    assert "E027" in texts[1]
    with pytest.raises(ValueError, match=r"最多 3 × 9"):
        SheetLayout(sheet="a4", columns=4, rows=2).grid()


def test_parse_size():
    assert parse_size("50x30") == (50, 30)
    assert parse_size("60×40") == (60, 40)
    with pytest.raises(ValueError, match="宽x高"):
        parse_size("fifty")


def test_the_service_picks_a_buildings_meters(session):
    acc = account(session, "A001")
    meter(session, "E1", acc)
    meter(session, "W1", acc, kind="water")
    session.execute(Meter.__table__.update().where(Meter.meter_no == "W1").values(location="井内"))
    places = service.pick_meters(session, building="东校区/1号楼")
    labels = service.label_data(places, title="水电中心")
    assert labels == [
        LabelData("E1", "电表", "东校区", "1号楼", "2单元301", "水电中心"),
        LabelData("W1", "水表", "东校区", "1号楼", "2单元301", "水电中心"),
    ]
    assert (
        service.label_data(service.pick_meters(session, meter_nos=["W1", "E1"]))[0].meter_no == "W1"
    )
    pages = pdf_pages(service.labels_pdf(labels)[2])
    assert pages[0] == "水电中心 电表东校区 1号楼E12单元301"
    text = service.printer_bytes(labels, PrinterSettings()).decode("gbk")
    assert 'TEXT 16,16,"TSS24.BF2",0,1,1,"水电中心 电表"\r\n' in text
    with pytest.raises(DomainError, match="表号 E9 不存在"):
        service.pick_meters(session, meter_nos=["E1", "E9"])
    with pytest.raises(DomainError, match="二选一"):
        service.pick_meters(session)
