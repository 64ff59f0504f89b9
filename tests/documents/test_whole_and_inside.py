"""Every PDF kind on its worst case (`worst_cases`), read back by poppler with positions
(`pdftotext -bbox-layout`): every figure a person needs — money, meter, hardware, account,
receipt and cheque numbers, dates and times — appears whole, every word lies inside the
page, an ellipsis only ever shortens free text (a name, an address), and `pdffonts` lists
only embedded fonts, no Helvetica. The layouts of the worst notice, route sheet and
meters report are golden files too (positions, not pixels).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from pathlib import Path

import pytest

from reports.notice import render_notices
from reports.receipt import render_receipt
from reports.refund import render_refund
from reports.route_sheet import render_route_sheet_pdf
from reports.settlement import render_settlement_pdf
from reports.statement import render_statement_pdf
from reports.tables import Column, Row, TableReport, render_table_pdf
from tests.documents import worst_cases as w
from tests.documents.layout import ReadPage, assert_golden, layout, pdffonts, read_lines
from tests.documents.test_statement_documents import statement


def _squash(text: str) -> str:
    return re.sub(r"\s+", "", text)


def assert_whole_and_inside(
    pages: Sequence[ReadPage], required: Sequence[str], free: Sequence[str]
) -> None:
    """Each `required` text within one line of a page, every word inside its page, and
    every "…" at the end of a piece of one of the `free` texts."""
    for page in pages:
        for line in page.lines:
            for word, (x0, y0, x1, y1) in line.words:
                assert x0 >= 0 and y0 >= 0, (page.number, word)
                assert x1 <= page.width + 0.01 and y1 <= page.height + 0.01, (page.number, word)
    lines = [_squash(line.text) for page in pages for line in page.lines]
    rows = [_squash(row) for page in pages for row in page.rows]
    for text in required:
        assert any(_squash(text) in line for line in lines + rows), f"not found whole: {text}"
    squashed_free = [_squash(text) for text in free]
    for page in pages:
        for line in page.lines:  # poppler's lines: one table cell or one drawn run
            for word in line.text.split(" "):
                if "…" in word:
                    # What is left of a cut word is the start of a free text.
                    cut = word.split("…")[0][-5:]
                    assert any(cut in text for text in squashed_free), f"cut: {line.text}"


def test_payment_notice_with_ten_unpaid_months_and_eight_digit_amounts(tmp_path: Path) -> None:
    pdf = render_notices([w.NOTICE], "C-20260001234")[2]
    pages = read_lines(pdf, tmp_path)
    assert len(pages) == 1
    required = [
        # The ten months summed up, the amount beside them whole (the reported bug).
        "往期欠费（2026-01 至 2026-10，共 10 个月）：¥12,345,678.90",
        "本期应缴：¥12,345,678.90",
        "合计应缴：¥24,691,357.80",
        "人民币壹仟贰佰叁拾肆万伍仟陆佰柒拾捌元玖角整",
        "人民币贰仟肆佰陆拾玖万壹仟叁佰伍拾柒元捌角整",
        "12,000,000.00", "345,000.00", "678.90",
        "C-20260001234", "2026-11",
        # Five meters shown in full, the other three summed: 3 × 5,678 = 17,034.
        *(f"W00000012345{n} 水表 12340000 12345678 5678" for n in range(5)),
        "其余 3 块表 17034",
    ]  # fmt: skip
    assert_whole_and_inside(pages, required, [w.LONG_NAME, w.LONG_ADDRESS])
    assert_golden("worst-notice", layout(pdf))


@pytest.mark.parametrize("size", ["a5", "form"])
def test_receipt_of_fifteen_bills_and_a_prepayment_by_cheque(size: str, tmp_path: Path) -> None:
    pdf = render_receipt(w.RECEIPT, size)[2]  # type: ignore[arg-type]
    pages = read_lines(pdf, tmp_path)
    assert len(pages) == 1
    text = "\n".join(_squash(row) for row in pages[0].rows)
    # The summary row sums bills only, from its first period to the last (2026-10), and
    # is n × 800,000.00; the prepayment keeps its own row, after it.
    summary = re.search(r"(\d{4}-\d{2})～2026-10其余(\d+)项合计([\d,]+\.\d\d)", text)
    assert summary is not None, text
    count = int(summary[2])
    assert summary[3] == f"{count * 800000:,.2f}"
    shown = 15 - count
    first = shown + 7  # months after 2025-01 of the first bill summed (bills start 2025-08)
    assert summary[1] == f"{2025 + first // 12}-{first % 12 + 1:02d}"
    assert text.index("其余") < text.index("预存345,678.90")
    assert "～2026-10其余" in text and "～～" not in text
    required = [
        "X20261201-000123", "C-20260001234", "2026-12-01 16:05", "¥12,345,678.90",
        "人民币壹仟贰佰叁拾肆万伍仟陆佰柒拾捌元玖角整", "预存 345,678.90",
        f"{w.BANK} {w.CHEQUE}", "重打（第 12 次）",
        *(f"{line.period} 电费（含公摊） 800,000.00" for line in w.RECEIPT_BILLS[:shown]),
    ]  # fmt: skip
    assert_whole_and_inside(pages, required, [w.LONG_NAME, w.LONG_ADDRESS, w.RECEIPT.branch_name])


def test_refund_form_of_an_eight_digit_amount(tmp_path: Path) -> None:
    pages = read_lines(render_refund(w.REFUND)[2], tmp_path)
    required = [
        "R20261201-000045", "C-20260001234", "2026-12-01 16:30", "12,345,678.90",
        "¥12,345,678.90", "人民币壹仟贰佰叁拾肆万伍仟陆佰柒拾捌元玖角整", w.CHEQUE,
    ]  # fmt: skip
    assert_whole_and_inside(
        pages, required, [w.LONG_NAME, w.LONG_ADDRESS, w.BANK, w.REFUND.branch_name]
    )


def test_day_report_of_150_receipts_with_cheques(tmp_path: Path) -> None:
    pages = read_lines(render_settlement_pdf(w.SETTLEMENT), tmp_path)
    required = [
        *(row.receipt_no for row in w.DAY_ROWS),
        *(row.account_no for row in w.DAY_ROWS),
        w.CHEQUE, "12,345,678.90", "1,234.50", "24,874,063.80", "24,691,357.80",
        "182,706.00", "R20261201-000045", "合计 150 笔",
        "人民币贰仟肆佰捌拾柒万肆仟零陆拾叁元捌角整",
    ]  # fmt: skip
    assert_whole_and_inside(pages, required, [w.LONG_NAME, w.SETTLEMENT.branch_name, w.BANK])
    # The cheque number stands on its own line under the bank's name, never cut.
    rows = [_squash(row) for page in pages for row in page.rows]
    assert sum(w.CHEQUE in row for row in rows) == 2
    # The receipt list's header is repeated on every page it runs over.
    listed = [p for p in pages if any(r.receipt_no in p.text for r in w.DAY_ROWS)]
    assert len(listed) >= 2
    for page in listed:
        assert "收据号" in page.text and "参考号" in page.text
    # The cash reconciliation is one block: its title and its last line on one page.
    cash = [p for p in pages if "二、现金核对" in p.text]
    assert len(cash) == 1 and "长短款" in cash[0].text and "清点现金" in cash[0].text
    # The signatures are one block on one page: both signers and both dates.
    signed = [p for p in pages if "收费员签字" in p.text]
    assert len(signed) == 1
    block = _squash(signed[0].text)
    assert "复核人签字" in block and block.count("日期：") == 2


def test_route_sheet_of_40_meters_with_long_numbers_and_names(tmp_path: Path) -> None:
    pdf = render_route_sheet_pdf(w.ROUTE_SHEET)
    pages = read_lines(pdf, tmp_path)
    required = [
        *(line.meter_no for line in w.ROUTE_LINES),
        *(line.account.split(" ")[0] for line in w.ROUTE_LINES),
        "12345678.5", "2026-10-28", "12345700 ～ 12349999", "共 40 块表。",
    ]  # fmt: skip
    assert_whole_and_inside(pages, required, [w.LONG_NAME, *(line.place for line in w.ROUTE_LINES)])
    # A holder's name wraps in its tall row rather than being cut to a few characters: the
    # first 12 characters of the long name are read in one piece on the sheet.
    assert w.LONG_NAME[:12] in "".join(_squash(p.text) for p in pages)
    for page in pages:
        assert "本次读数" in page.text and "表号" in page.text  # header on every page
    assert_golden("worst-route-sheet", layout(pdf))


def test_meters_report_of_17_columns_prints_every_number_date_and_time(tmp_path: Path) -> None:
    pdf = render_table_pdf(w.METERS_REPORT)
    pages = read_lines(pdf, tmp_path)
    required = [
        *(str(row.values[0]) for row in w.METER_ROWS),  # meter numbers
        *(str(row.values[1]) for row in w.METER_ROWS),  # twenty-digit hardware numbers
        *(str(row.values[9]) for row in w.METER_ROWS),  # accounts
        "2019-06-01", "2026-10-28 09:05", "12,345,678.5", "W000000100001",
    ]  # fmt: skip
    free = [
        w.LONG_NAME, "LXSG-20E 旋翼式冷水水表（远传光电直读，带阀控）",
        "研究生公寓（紫荆园）18号楼", "地下一层设备间东侧表箱",
        *(str(row.values[16]) for row in w.METER_ROWS),
    ]  # fmt: skip
    assert_whole_and_inside(pages, required, free)
    # Each of the 60 rows shows its install date and last-read time (none cut to "2019-0…").
    text = "\n".join(p.text for p in pages)
    assert "60块（在用60）" in _squash(text)  # the totals label, wrapped in its cell
    assert text.count("2019-06-01") >= 60 and text.count("2026-10-28 09:05") == 60
    for page in pages:
        assert "硬件号" in page.text or "换表记录" in page.text  # a header on every page
    assert_golden("worst-meters-report", layout(pdf))


def test_arrears_report_prints_long_subtotal_labels_whole(tmp_path: Path) -> None:
    pages = read_lines(render_table_pdf(w.ARREARS_REPORT), tmp_path)
    text = _squash("".join(p.text for p in pages))
    # A label too long for its cells wraps: read back without the line breaks, it is whole.
    for label in ("楼宇小计（30 户）", f"{w.CAMPUS} 小计（30 户）", "30 户"):
        assert _squash(label) in text, label
    required = ["370,370,367.00", "37,037,036.70", "12,345,678.90", "1,234,567.89",
                *(str(row.values[2]) for row in w.ARREARS_ROWS)]  # fmt: skip
    assert_whole_and_inside(pages, required, [w.LONG_NAME, w.CAMPUS, w.BUILDING])


def test_a_report_too_wide_for_the_page_splits_its_columns_led_by_the_key(
    tmp_path: Path,
) -> None:
    # 1 + 12 columns of twenty digits: at the smallest size (6 pt) a twenty-digit number is
    # about 67 pt, so 13 columns need ~950 pt of the 757 pt across A4 landscape.
    columns = (Column("表号"), *(Column(f"编号{n}") for n in range(1, 13)))
    rows = tuple(Row((f"W{r:012d}", *(f"{n:02d}{r:018d}" for n in range(1, 13)))) for r in range(5))
    report = TableReport("wide", "宽表", "", columns, rows, w.at(25, 9, 0))
    pages = read_lines(render_table_pdf(report), tmp_path)
    required = [value for row in rows for value in row.values]
    assert_whole_and_inside(pages, required, [])
    text = "\n".join(p.text for p in pages)
    groups = text.count("表号")
    assert groups >= 2  # the columns went into groups, each led by the key column
    for row in rows:
        assert text.count(row.values[0]) == groups


def test_account_statement_of_60_million_yuan_lines(tmp_path: Path) -> None:
    # Opening −1,234,567.89; 30 bills of 1,000,000.01 and 30 payments of 999,999.99 after
    # them: the balance ends 30 × 0.02 lower, at −1,234,568.49.
    pages = read_lines(render_statement_pdf(statement(60)), tmp_path)
    required = ["-1,234,567.89", "1,000,000.01", "999,999.99", "-1,234,568.49",
                "-2,234,567.90", "A2026000001", "DA2026000001", "2026-09-01"]  # fmt: skip
    assert_whole_and_inside(pages, required, [])
    for page in pages:
        assert "余额" in page.text and "摘要" in page.text  # header on every page


# Every PDF kind, for the font check.
RENDERERS: dict[str, Callable[[], bytes]] = {
    "notice": lambda: render_notices([w.NOTICE], "x")[2],
    "receipt-a5": lambda: render_receipt(w.RECEIPT, "a5")[2],
    "receipt-form": lambda: render_receipt(w.RECEIPT, "form")[2],
    "refund": lambda: render_refund(w.REFUND)[2],
    "day-report": lambda: render_settlement_pdf(w.SETTLEMENT),
    "route-sheet": lambda: render_route_sheet_pdf(w.ROUTE_SHEET),
    "meters-report": lambda: render_table_pdf(w.METERS_REPORT),
    "statement": lambda: render_statement_pdf(statement(60)),
}


@pytest.mark.parametrize("kind", sorted(RENDERERS))
def test_pdffonts_lists_only_the_embedded_cjk_font(kind: str, tmp_path: Path) -> None:
    fonts = pdffonts(RENDERERS[kind](), tmp_path)
    assert fonts, kind
    assert all(embedded for _, embedded in fonts), fonts
    assert not any("Helvetica" in name for name, _ in fonts), fonts
