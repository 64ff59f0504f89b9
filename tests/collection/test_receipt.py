"""The receipt PDF: its text, marks and page sizes, and the CJK font it is drawn with."""

from __future__ import annotations

import dataclasses
import io
import subprocess
from datetime import datetime
from decimal import Decimal
from pathlib import Path

import pytest
from pypdf import PdfReader
from reportlab.lib.units import mm

from reports.fonts import FALLBACK_CID_FONT, cjk_font
from reports.receipt import ReceiptData, ReceiptLine, format_yuan, render_receipt

# Installed by .ci/run (installer/debian-packages.sh), as are poppler-utils' pdftoppm.
WQY = Path("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc")
SIZES = ["a5", "form"]


def receipt(**changes: object) -> ReceiptData:
    data = ReceiptData(
        receipt_no="BJ2026000123",
        branch_name="本部校区分中心",
        account_no="0102030405",
        holder_name="张三丰",
        address="学院路37号 教工宿舍 12号楼 3单元 502室",
        lines=(
            ReceiptLine("2026-09", "电费", Decimal("312.40")),
            ReceiptLine("2026-09", "水费（含污水处理费）", Decimal("92.10")),
            ReceiptLine("2026-10", "电费", Decimal("600.00")),
        ),
        total=Decimal("1004.50"),
        channel="现金",
        reference="",
        clerk="李收费",
        issued_at=datetime(2026, 11, 23, 9, 5),
        tendered=Decimal("1010.00"),
        change=Decimal("5.50"),
    )
    return dataclasses.replace(data, **changes)  # type: ignore[arg-type]


def page_of(pdf: bytes):
    reader = PdfReader(io.BytesIO(pdf))
    assert len(reader.pages) == 1
    return reader.pages[0]


def text_of(pdf: bytes) -> str:
    # Text runs come back one per line; the checks are about content, not line breaks.
    return page_of(pdf).extract_text().replace("\n", "")


@pytest.mark.parametrize("size", SIZES)
def test_receipt_shows_what_was_paid(size: str) -> None:
    filename, mimetype, pdf = render_receipt(receipt(), size)  # type: ignore[arg-type]
    assert filename == "收据-BJ2026000123.pdf"
    assert mimetype == "application/pdf"
    assert pdf.startswith(b"%PDF")
    text = text_of(pdf)
    for expected in [
        "收　据",
        "水电保障中心",
        "BJ2026000123",
        "本部校区分中心",
        "0102030405",
        "张三丰",
        "教工宿舍",
        "2026-09",
        "水费（含污水处理费）",
        "312.40",
        "¥1,004.50",
        "人民币壹仟零肆元伍角",
        "现金",
        "¥1,010.00",
        "¥5.50",
        "李收费",
        "2026-11-23 09:05",
    ]:
        assert expected in text, expected
    assert "作废" not in text
    assert "重打" not in text


@pytest.mark.parametrize("size", SIZES)
def test_cheque_receipt_shows_its_reference(size: str) -> None:
    data = receipt(channel="支票", reference="10203040 中国银行", tendered=None, change=None)
    text = text_of(render_receipt(data, size)[2])  # type: ignore[arg-type]
    assert "支票" in text
    assert "10203040 中国银行" in text
    assert "找零" not in text


@pytest.mark.parametrize("size", SIZES)
def test_void_receipt_is_marked_with_its_reason(size: str) -> None:
    data = receipt(voided=True, void_reason="金额录入错误")
    text = text_of(render_receipt(data, size)[2])  # type: ignore[arg-type]
    assert "作废" in text
    assert "作废原因：金额录入错误" in text
    assert "BJ2026000123" in text  # the figures stay readable under the watermark


@pytest.mark.parametrize("size", SIZES)
def test_reprint_is_marked_and_counted(size: str) -> None:
    text = text_of(render_receipt(receipt(reprint_count=2), size)[2])  # type: ignore[arg-type]
    assert "重打（第 2 次）" in text


@pytest.mark.parametrize(
    ("size", "width", "height"),
    [("a5", 419.53, 595.28), ("form", 241 * mm, 93 * mm)],
)
def test_page_sizes(size: str, width: float, height: float) -> None:
    box = page_of(render_receipt(receipt(), size)[2]).mediabox  # type: ignore[arg-type]
    assert float(box.width) == pytest.approx(width, abs=0.5)
    assert float(box.height) == pytest.approx(height, abs=0.5)


@pytest.mark.parametrize("size", SIZES)
def test_too_many_lines_are_summed_into_the_last_row(size: str) -> None:
    lines = tuple(ReceiptLine(f"2025-{m:02d}", "电费", Decimal("10.00")) for m in range(1, 13)) * 3
    data = receipt(lines=lines, total=Decimal("360.00"))
    text = text_of(render_receipt(data, size)[2])  # type: ignore[arg-type]
    assert "项合计" in text
    assert "人民币叁佰陆拾元整" in text


def test_lines_that_do_not_add_up_are_refused() -> None:
    with pytest.raises(ValueError, match="不符"):
        render_receipt(receipt(total=Decimal("1000.00")))


def test_a_receipt_without_lines_prints_its_total() -> None:
    data = receipt(lines=(), total=Decimal("200.00"))
    assert "人民币贰佰元整" in text_of(render_receipt(data)[2])


def test_unknown_size_is_refused() -> None:
    with pytest.raises(ValueError, match="尺寸"):
        render_receipt(receipt(), "a4")  # type: ignore[arg-type]


def test_filename_keeps_only_safe_characters() -> None:
    assert render_receipt(receipt(receipt_no="../X 1"))[0] == "收据-___X_1.pdf"


def test_money_in_figures() -> None:
    assert format_yuan(Decimal("1004.5")) == "¥1,004.50"
    assert format_yuan(Decimal("-5")) == "-¥5.00"
    assert format_yuan(Decimal("0")) == "¥0.00"


def test_font_lookup_finds_the_truetype_font() -> None:
    font = cjk_font()
    assert font.embedded
    assert font.path is not None and font.path.suffix.lower() in {".ttf", ".ttc"}
    explicit = cjk_font([WQY])
    assert explicit.path == WQY
    assert explicit.name != FALLBACK_CID_FONT


def test_truetype_font_is_embedded_in_the_pdf() -> None:
    pdf = render_receipt(receipt(), font_candidates=[WQY])[2]
    # A subset TrueType font program travels in the file (FontFile2), not a name to look up.
    assert b"/FontFile2" in pdf
    assert b"STSong-Light" not in pdf


def test_font_lookup_falls_back_to_stsong_without_files(tmp_path: Path) -> None:
    assert cjk_font([]).name == FALLBACK_CID_FONT
    not_a_font = tmp_path / "fake.ttf"
    not_a_font.write_bytes(b"not a font")
    missing = tmp_path / "missing.ttc"
    cff = tmp_path / "NotoSansCJK-Regular.otf"
    cff.write_bytes(b"OTTO")
    font = cjk_font([missing, not_a_font, cff])
    assert font.name == FALLBACK_CID_FONT
    assert not font.embedded


def test_receipt_renders_with_the_fallback_font() -> None:
    pdf = render_receipt(receipt(), "form", font_candidates=[])[2]
    assert b"STSong-Light" in pdf
    assert "BJ2026000123" in text_of(pdf)


@pytest.mark.parametrize("size", SIZES)
def test_receipt_rasterises(size: str, tmp_path: Path) -> None:
    # A PDF that a real renderer chokes on would pass the text checks above.
    source = tmp_path / "r.pdf"
    source.write_bytes(render_receipt(receipt(voided=True), size)[2])  # type: ignore[arg-type]
    result = subprocess.run(
        ["pdftoppm", "-r", "40", "-png", "-singlefile", str(source), str(tmp_path / "r")],
        capture_output=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "r.png").stat().st_size > 1000


def test_a5_wraps_a_long_address_instead_of_cutting_it() -> None:
    address = "北京市海淀区学院路37号 教工宿舍 12号楼 3单元 502室（东侧楼梯上三楼右转）"
    text = text_of(render_receipt(receipt(address=address), "a5")[2])
    assert address in text


@pytest.mark.parametrize("size", SIZES)
def test_same_receipt_gives_the_same_bytes(size: str) -> None:
    first = render_receipt(receipt(), size)[2]  # type: ignore[arg-type]
    assert render_receipt(receipt(), size)[2] == first  # type: ignore[arg-type]


def test_empty_receipt_number_is_refused() -> None:
    with pytest.raises(ValueError, match="收据号"):
        render_receipt(receipt(receipt_no=" "))
