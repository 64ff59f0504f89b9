"""Every kind of workbook MeterDesk writes, opened by three readers: openpyxl, LibreOffice
(headless, converting each sheet to CSV as shown) and Gnumeric (ssconvert, as shown).

Each reader must show the same cells: openpyxl's values rendered through their number
formats (money 1,234.50, dates 2026-11-02, times to the minute) equal LibreOffice's and
Gnumeric's text cell by cell, on every sheet. openpyxl's values are compared with what the
report was given, and no workbook holds an empty text cell (blank is no cell). LibreOffice
converts all the workbooks in one start, with a private profile under the test's folder.
"""

from __future__ import annotations

import csv
import io
import re
import subprocess
import zipfile
from collections.abc import Callable
from dataclasses import replace
from datetime import date, datetime
from decimal import Decimal as D
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook

from devices.handheld import ColumnProfile, RouteEntry, route_bytes
from reports.billing_run import write_run_xlsx
from reports.clock import BUSINESS_TZ
from reports.handheld_result import ImportLineRow, render_import_result_xlsx
from reports.meter_registry import RegistryLine, render_meter_registry_xlsx
from reports.payments_export import PaymentExportRow, render_payments_xlsx
from reports.reconciliation import ReconRow, render_reconciliation_xlsx
from reports.settlement import RefundRow
from reports.settlement_xlsx import render_settlement_xlsx
from reports.statement import Statement, StatementLine, render_statement_xlsx
from reports.tables import render_table_xlsx
from reports.unread_meters import UnreadLine, render_unread_xlsx
from tests.documents import samples

GENERATED = datetime(2026, 11, 25, 9, 0, tzinfo=BUSINESS_TZ)
PAID = datetime(2026, 11, 24, 8, 15, tzinfo=BUSINESS_TZ)


def _billing_run() -> bytes:
    out = io.BytesIO()
    write_run_xlsx("2026-11", 120, [("E000001", "无读数"), ("W000002", "表已拆除")], out)
    return out.getvalue()


SETTLEMENT = replace(
    samples.SETTLEMENT_CLOSED,
    refunds=(RefundRow("TK20261124-0001", PAID, "A1002", "欧阳建国", "现金", D("35.50"), True),),
)
PAYMENTS = (
    PaymentExportRow("A1001", "张三", "2026-10", "电费", D("1234567.89"), "现金", "D20261124-0001",
                     PAID, "东校区营业厅"),
    PaymentExportRow("A1002", "北苑第二食堂（餐饮服务有限公司）", "", "预存", D("0.01"), "微信",
                     "D20261124-0002", PAID, ""),
)  # fmt: skip
STATEMENT = Statement(
    account_no="A2026000001", holder_name="欧阳建国", address="东校区 12号楼 3单元 1102",
    billing_mode="postpaid", start=date(2026, 9, 1), end=None, opening=D("-1234567.89"),
    lines=(
        StatementLine(date(2026, 9, 1), "账单 2026-09", "电费、水费", D("1000000.01"), None,
                      D("-2234567.90")),
        StatementLine(date(2026, 9, 2), "DA2026000001", "收款（网银转账）", None,
                      D("999999.99"), D("-1234567.91")),
    ),
    closing=D("-1234567.91"), balance=D("15.50"), deposit=D("200.00"),
    open_principal=D("1250.00"), open_late_fee=D("3.25"), generated_at=GENERATED,
)  # fmt: skip
ROUTE_PROFILE = ColumnProfile("p", "xlsx", "表地址", "本次读数", "抄表时间", "状态",
                              meter_no_column="表号", location_column="位置",
                              previous_column="上次读数")  # fmt: skip

# Each kind: how it is written, and cells of it (sheet, cell) → the value openpyxl must read.
KINDS: dict[str, tuple[Callable[[], bytes], dict[tuple[str, str], Any]]] = {
    "table": (
        lambda: render_table_xlsx(samples.TABLE_REPORT)[2],
        {("欠费明细", "A1"): "欠费明细（生成于 2026-11-25 09:00）", ("欠费明细", "A4"): "户号",
         ("欠费明细", "E5"): 199.36, ("欠费明细", "G5"): datetime(2026, 10, 1),
         ("欠费明细", "B7"): None, ("欠费明细", "D8"): 3540.125, ("欠费明细", "E9"): 1421.51},
    ),
    "settlement": (
        lambda: render_settlement_xlsx(SETTLEMENT),
        {("收据明细", "A2"): samples.SETTLEMENT_CLOSED.receipts[0].receipt_no,
         ("退款明细", "A2"): "TK20261124-0001", ("退款明细", "B2"): datetime(2026, 11, 24, 8, 15),
         ("退款明细", "F2"): 35.5, ("退款明细", "F3"): 35.5},
    ),
    "payments": (
        lambda: render_payments_xlsx(PAYMENTS, "缴费明细", GENERATED)[2],
        {("缴费明细", "E3"): 1234567.89, ("缴费明细", "C4"): "预存", ("缴费明细", "I4"): None,
         ("缴费明细", "H3"): datetime(2026, 11, 24, 8, 15), ("缴费明细", "A5"): "合计 2 笔",
         ("缴费明细", "E5"): 1234567.9},
    ),
    "registry": (
        lambda: render_meter_registry_xlsx(
            [RegistryLine("E000123", "HW00012345", "电表", "东校区", "1号楼", "2单元301", "",
                          "A1001", "张三", 6, D("1"), "在用", D("12345.678"), date(2019, 5, 6)),
             RegistryLine("W000045", "", "水表", "西校区", "研究生公寓18号楼", "", "井内", "", "",
                          5, D("0.1"), "备用", None, None)],
            "表计台账", GENERATED)[2],
        {},
    ),
    "statement": (lambda: render_statement_xlsx(STATEMENT)[2], {}),
    "reconciliation": (
        lambda: render_reconciliation_xlsx(
            "微信支付对账 2026-11-24",
            [("对账日期", "2026-11-24"), ("差异笔数", 1), ("差额", D("-0.01"))],
            [ReconRow("一致", "4200001", "MD001", "A1001", datetime(2026, 11, 24, 10, 1),
                      D("50.00"), D("50.00"), ""),
             ReconRow("我方缺单", "4200002", "", "", None, D("0.01"), None, "账单中有，本系统无")],
            GENERATED)[2],
        {},
    ),
    "handheld-result": (
        lambda: render_import_result_xlsx(
            [ImportLineRow(1, "已导入", "HW0001", "E000123", D("1234.5"),
                           datetime(2026, 11, 20, 9, 30, 5), ""),
             ImportLineRow(2, "异常", "HW0002", "", None, None, "读数不是数字：12a")],
            "掌上机导入结果", GENERATED)[2],
        {},
    ),
    "billing-run": (_billing_run, {}),
    "unread": (
        lambda: render_unread_xlsx(
            [UnreadLine("E000123", "电表", "东校区", "1号楼", "2单元301", "A1001", "张三",
                        D("1406"), 2, True),
             UnreadLine("W000045", "水表", "西校区", "18号楼", "", "", "", None)],
            "2026-11", "东校区", GENERATED),
        {},
    ),
    "route": (
        lambda: route_bytes(ROUTE_PROFILE, [RouteEntry("HW0001", "E000123", "东校区 1号楼",
                                                       D("1234.5")),
                                            RouteEntry("HW0002", "W000045")]),
        {("抄表路线", "A1"): "表地址", ("抄表路线", "D2"): 1234.5, ("抄表路线", "C3"): None,
         ("抄表路线", "G3"): "0"},
    ),
}  # fmt: skip

_DATE_FORMATS = {
    "yyyy-mm-dd": "%Y-%m-%d",
    "yyyy-mm-dd hh:mm": "%Y-%m-%d %H:%M",
    "yyyy-mm-dd hh:mm:ss": "%Y-%m-%d %H:%M:%S",
}


def shown(value: Any, number_format: str) -> str:
    """A cell as a spreadsheet shows it, from its value and number format."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, datetime):
        return value.strftime(_DATE_FORMATS[number_format])
    fixed = re.fullmatch(r'(#,##)?0(?:\.(0+|#+))?(%)?(?:"(.*)")?', number_format)
    if number_format == "General":
        return str(int(value)) if float(value).is_integer() else repr(value)
    assert fixed, f"no rendering for the number format {number_format!r}"
    grouping, places, percent, suffix = fixed.groups()
    number = value * 100 if percent else value
    if places and places.startswith("#"):  # 0.### : up to that many places, the point kept
        text = f"{number:.{len(places)}f}".rstrip("0")
    else:
        text = f"{number:{',' if grouping else ''}.{len(places or '')}f}"
    return text + (percent or "") + (suffix or "")


def trimmed(grid: list[list[str]]) -> list[list[str]]:
    rows = [list(row) for row in grid]
    for row in rows:
        while row and row[-1] == "":
            row.pop()
    while rows and not rows[-1]:
        rows.pop()
    return rows


def openpyxl_sheets(content: bytes) -> dict[str, list[list[str]]]:
    book = load_workbook(io.BytesIO(content), data_only=True)
    return {
        sheet.title: trimmed(
            [[shown(c.value, c.number_format) for c in row] for row in sheet.iter_rows()]
        )
        for sheet in book.worksheets
    }


def read_csv(path: Path) -> list[list[str]]:
    rows = csv.reader(io.StringIO(path.read_text(encoding="utf-8")))
    # Gnumeric shows a negative number with the minus sign (U+2212) where others use "-".
    return trimmed([[re.sub(r"^\u2212(?=\d)", "-", cell) for cell in row] for row in rows])


@pytest.fixture(scope="module")
def converted(tmp_path_factory) -> dict[str, tuple[bytes, dict[str, Path], dict[str, Path]]]:
    """Each kind: its bytes, and per sheet the CSV LibreOffice and Gnumeric made of it."""
    folder = tmp_path_factory.mktemp("workbooks")
    written = {}
    for kind, (write, _) in KINDS.items():
        written[kind] = write()
        (folder / f"{kind}.xlsx").write_bytes(written[kind])
    libre, gnumeric = folder / "libreoffice", folder / "gnumeric"
    gnumeric.mkdir()
    # 44 comma, 34 quote, 76 UTF-8, …, true: cells as shown; -1: every sheet to its own file.
    subprocess.run(
        ["soffice", f"-env:UserInstallation={(folder / 'profile').as_uri()}", "--headless",
         "--convert-to", "csv:Text - txt - csv (StarCalc):44,34,76,1,,0,false,true,true,false,"
         "false,-1", "--outdir", str(libre), *(str(folder / f"{k}.xlsx") for k in KINDS)],
        check=True, capture_output=True, timeout=50,
    )  # fmt: skip
    out = {}
    for kind, content in written.items():
        names = load_workbook(io.BytesIO(content), read_only=True).sheetnames
        subprocess.run(
            ["ssconvert", "-S", "-T", "Gnumeric_stf:stf_assistant", "-O",
             "format=preserve separator=, eol=unix charset=UTF-8",
             str(folder / f"{kind}.xlsx"), str(gnumeric / f"{kind}_%n.csv")],
            check=True, capture_output=True, timeout=20,
        )  # fmt: skip
        out[kind] = (
            content,
            {name: libre / f"{kind}-{name}.csv" for name in names},
            {name: gnumeric / f"{kind}_{n}.csv" for n, name in enumerate(names)},
        )
    return out


@pytest.mark.parametrize("kind", list(KINDS))
def test_libreoffice_and_gnumeric_show_the_cells_openpyxl_reads(kind, converted):
    content, libre, gnumeric = converted[kind]
    expected = openpyxl_sheets(content)
    assert list(expected) == list(libre) == list(gnumeric)
    for sheet, grid in expected.items():
        assert any(any(row) for row in grid), f"{kind}/{sheet} reads empty"
        assert read_csv(libre[sheet]) == grid, f"LibreOffice, {kind}/{sheet}"
        assert read_csv(gnumeric[sheet]) == grid, f"Gnumeric, {kind}/{sheet}"


@pytest.mark.parametrize("kind", list(KINDS))
def test_cells_hold_what_the_report_gave_and_no_blank_is_a_cell(kind, converted):
    content, _, _ = converted[kind]
    book = load_workbook(io.BytesIO(content), data_only=True)
    for (sheet, ref), value in KINDS[kind][1].items():
        assert book[sheet][ref].value == value, (sheet, ref)
    # An empty text cell is not blank to Excel (COUNTA, ISBLANK, Ctrl+arrow).
    with zipfile.ZipFile(io.BytesIO(content)) as package:
        shared = package.read("xl/sharedStrings.xml").decode() if "xl/sharedStrings.xml" in (
            package.namelist()) else ""  # fmt: skip
        empty_shared = [str(n) for n, text in enumerate(re.findall(r"<si>(.*?)</si>", shared))
                        if re.fullmatch(r"<t[^>]*>\s*</t>|<t[^>]*/>", text)]  # fmt: skip
        for name in package.namelist():
            if name.startswith("xl/worksheets/"):
                xml = package.read(name).decode()
                # Text cells (inline or shared) each with some text.
                inline = re.findall(r'<c [^>]*t="inlineStr"[^>]*(?:/>|>(.*?)</c>)', xml)
                assert all(re.search(r"<t[^>]*>[^<]", cell) for cell in inline), name
                for index in empty_shared:
                    assert not re.search(rf't="s"[^>]*><v>{index}</v>', xml), name


def test_the_table_reads_back_as_the_report_rows(converted):
    content, _, _ = converted["table"]
    sheet = load_workbook(io.BytesIO(content), data_only=True).active
    report = samples.TABLE_REPORT
    # Title, filters, the note, the header: the rows from row 5.
    for number, row in enumerate(report.rows, start=5):
        read = [c.value for c in sheet[number]][: len(report.columns)]
        wanted = [
            None if v in (None, "") else
            float(v) if isinstance(v, D) else
            datetime(v.year, v.month, v.day) if isinstance(v, date) else v
            for v in row.values
        ]  # fmt: skip
        assert read == wanted, number
