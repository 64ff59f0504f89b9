"""The account statement's PDF and .xlsx from a plain `Statement`: Chinese read back by
poppler's pdftotext, every figure whole (never cut), the header repeated on each page; the
workbook's dates and money as numbers with their formats.

LibreOffice (soffice) and gnumeric (ssconvert) are not installed here, so the workbook is
read back with openpyxl only."""

from __future__ import annotations

import io
import re
from datetime import date, datetime, timedelta
from decimal import Decimal as D

import openpyxl

from reports.clock import BUSINESS_TZ
from reports.statement import (
    Statement,
    StatementLine,
    render_statement_pdf,
    render_statement_xlsx,
    table_rows,
)
from tests.documents.layout import drawn_text, pdftotext

LONG = (
    "2026-09 电费、水费、公共照明分摊（已作废，见红字冲销 HZ2026000123）"
    "更正原因：抄表员录入读数时多输一位"
)


def statement(lines: int = 3) -> Statement:
    """Opening −1,234,567.89; lines alternate a 1,000,000.01 bill and a 999,999.99 payment."""
    rows = []
    balance = D("-1234567.89")
    for n in range(lines):
        debit = D("1000000.01") if n % 2 == 0 else None
        credit = None if n % 2 == 0 else D("999999.99")
        balance += (credit or 0) - (debit or 0)
        document = "账单 2026-09" if debit else f"DA2026{n:06d}"
        summary = LONG if n == 0 else "收款（网银转账）"
        day = date(2026, 9, 1) + timedelta(days=n % 28)
        rows.append(StatementLine(day, document, summary, debit, credit, balance))
    return Statement(
        account_no="A2026000001", holder_name="欧阳建国", address="东校区 12号楼 3单元 1102",
        billing_mode="postpaid", start=date(2026, 9, 1), end=None, opening=D("-1234567.89"),
        lines=tuple(rows), closing=balance, balance=D("15.50"), deposit=D("200.00"),
        open_principal=D("1250.00"), open_late_fee=D("3.25"),
        generated_at=datetime(2026, 12, 7, 9, 30, tzinfo=BUSINESS_TZ),
    )  # fmt: skip


def test_pdf_reads_back_with_every_figure_whole(tmp_path):
    s = statement(3)
    pdf = render_statement_pdf(s)
    text = pdftotext(pdf, tmp_path)
    # Opening −1,234,567.89, then −2,234,567.90, −1,234,567.91, −2,234,567.92; debits
    # 2,000,000.02, credits 999,999.99.
    for figure in ("-1,234,567.89", "1,000,000.01", "-2,234,567.90", "999,999.99",
                   "-1,234,567.91", "-2,234,567.92", "2,000,000.02", "2026-09-01", "2026-09-03",
                   "DA2026000001", "A2026000001", "欧阳建国", "东校区 12号楼 3单元 1102",
                   "账户明细", "期初余额", "本期合计 / 期末余额",
                   "2026-09-01 至 2026-12-07"):  # fmt: skip
        assert figure in text, figure
    position = "当前账户余额 15.50 元，未缴本金 1,250.00 元，未缴滞纳金 3.25 元，押金 200.00 元"
    assert position in text
    # The long 摘要 wraps onto lines instead of being cut.
    assert "…" not in text
    assert "更正原因：抄表员录入读数时多输一位" in re.sub(r"\s", "", text)
    assert all(embedded for _, _, embedded in drawn_text(pdf))


def test_pdf_of_many_lines_repeats_its_header_on_each_page(tmp_path):
    text = pdftotext(render_statement_pdf(statement(120)), tmp_path)
    pages = int(re.search(r"第 1 页 共 (\d+) 页", text).group(1))
    assert pages >= 3
    assert text.count("日期 单据 摘要 应收(借) 实收(贷) 余额") == pages
    # Line 120 (n = 119, a payment): 60 bills and 60 payments after the opening.
    assert "-1,234,568.49" in text and "DA2026000119" in text


def test_xlsx_has_the_opening_lines_and_closing_as_numbers():
    s = statement(3)
    name, mimetype, data = render_statement_xlsx(s)
    assert name == "账户明细_A2026000001_20261207.xlsx" and mimetype.endswith("sheet")
    sheet = openpyxl.load_workbook(io.BytesIO(data))["账户明细"]
    values = [[c.value for c in row] for row in sheet.iter_rows()]
    assert values[0][0] == "账户明细 A2026000001 欧阳建国（生成于 2026-12-07 09:30）"
    assert values[1][0] == "地址 东校区 12号楼 3单元 1102　期间 2026-09-01 至 2026-12-07"
    assert values[3] == ["日期", "单据", "摘要", "应收(借)", "实收(贷)", "余额"]
    assert values[4] == [datetime(2026, 9, 1), None, "期初余额", None, None, -1234567.89]
    assert values[5] == [datetime(2026, 9, 1), "账单 2026-09", LONG, 1000000.01, None,
                         -2234567.9]  # fmt: skip
    assert values[6][1:] == ["DA2026000001", "收款（网银转账）", None, 999999.99, -1234567.91]
    assert values[8] == [None, None, "本期合计 / 期末余额", 2000000.02, 999999.99, -2234567.92]
    assert len(values) == 9 and sheet.freeze_panes == "A5"
    assert sheet["F5"].number_format == "#,##0.00" and sheet["A6"].number_format == "yyyy-mm-dd"
    # What a preview shows is what the documents print.
    assert table_rows(s)[1][5] == "-2,234,567.90" and table_rows(s)[-1][3] == "2,000,000.02"


def test_xlsx_columns_are_as_wide_as_their_figures():
    # "-1,234,567.89" is 13 characters: its column is 15 wide, more than the least 13.
    sheet = openpyxl.load_workbook(io.BytesIO(render_statement_xlsx(statement(3))[2]))["账户明细"]
    widths = {c: sheet.column_dimensions[c].width for c in "ABCDEF"}
    assert widths == {"A": 12, "B": 20, "C": 44, "D": 14, "E": 13, "F": 15}
