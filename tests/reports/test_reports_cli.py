"""`meterdesk report NAME … -o FILE.xlsx|.pdf`: files read back cell by cell (openpyxl) and
as text (pypdf); bad input is one Chinese line, exit 2, and no file left behind. Also the
renderer's formats on a report built by hand (no database)."""

from __future__ import annotations

import io
import zipfile
from datetime import datetime
from decimal import Decimal as D

import pytest
from click.testing import CliRunner
from openpyxl import load_workbook
from pypdf import PdfReader
from sqlalchemy import create_engine

from reports.tables import (
    DATE,
    FLAGGED,
    MONEY,
    PERCENT,
    QUANTITY,
    TOTAL,
    Column,
    Row,
    TableReport,
    cell_text,
    quantity_format,
    render_table_pdf,
    render_table_xlsx,
)
from server.cli import cli
from server.db.engine import make_sessionmaker, unit_of_work
from server.services.core.calendar import BUSINESS_TZ
from tests.reports.test_reports_metering import build_world


@pytest.fixture(scope="module")
def runner():
    return CliRunner()


@pytest.fixture
def world(md_env):
    engine = create_engine(md_env)
    with unit_of_work(make_sessionmaker(engine)) as session:
        build_world(session)
    engine.dispose()


def invoke(runner, *args):
    return runner.invoke(cli, ["report", *map(str, args)])


def test_loss_as_excel_cell_by_cell(runner, world, tmp_path):
    target = tmp_path / "loss.xlsx"
    result = invoke(runner, "loss", "--period", "2026-10", "-o", target)
    assert result.exit_code == 0, result.output
    assert result.output.strip() == f"已写入 {target}：总分表平衡，3 行"
    sheet = load_workbook(target).active
    assert sheet.title == "总分表平衡"
    assert sheet["A1"].value.startswith("总分表平衡（生成于 ") and sheet["A1"].font.bold
    assert sheet["A2"].value == "条件：账期 2026-10，阈值 电 5%、水 8%"
    assert sheet["A3"].value.startswith("损耗量 = 总表用量 − 分表用量合计")
    assert sheet.freeze_panes == "A5"
    assert [c.value for c in sheet[4]] == [
        "账期", "校区", "楼宇", "总表号", "类型", "位置", "分表数", "总表用量", "分表用量合计",
        "损耗量", "单位", "损耗率", "阈值", "结论",
    ]  # fmt: skip
    assert sheet["A4"].font.bold and sheet["A4"].fill.fgColor.rgb.endswith("DDE7F0")
    m1 = [c.value for c in sheet[5]]
    assert m1 == ["2026-10", "东校区", "2号楼", "M1", "电表", "配电间", 3, 400, 330, 70, "kWh",
                  0.175, 0.05, "超限"]  # fmt: skip
    assert sheet["H5"].number_format == "#,##0" and sheet["L5"].number_format == "0.0%"
    assert sheet["A5"].font.color.rgb.endswith("C81414")  # flagged: red
    assert [c.value for c in sheet[6]][3::10] == ["MW", "正常"]
    assert sheet["A6"].font.color.type == "theme"  # not flagged: the default colour
    assert sheet["A7"].value == "合计" and sheet["N7"].value == "超限 1 行"
    assert sheet["A7"].font.bold and sheet.max_row == 7
    assert sheet.column_dimensions["C"].width == 14


def test_loss_as_pdf(runner, world, tmp_path):
    target = tmp_path / "loss.pdf"
    result = invoke(runner, "loss", "--period", "2026-10", "--threshold", "4%", "-o", target)
    assert result.exit_code == 0, result.output
    reader = PdfReader(io.BytesIO(target.read_bytes()))
    page = reader.pages[0]
    assert page.mediabox.width > page.mediabox.height  # A4 landscape
    text = page.extract_text()
    for expected in ("总分表平衡", "阈值 电 4%、水 4%", "M1", "17.5%", "MW", "5.0%", "超限 2 行",
                     "第 1 页 共 1 页"):  # fmt: skip
        assert expected in text, expected


def test_arrears_usage_and_meters_workbooks(runner, world, tmp_path):
    arrears = tmp_path / "arrears.xlsx"
    assert invoke(runner, "arrears", "--as-of", "2099-12-31", "-o", arrears).exit_code == 0
    sheet = load_workbook(arrears).active
    rows = [[c.value for c in row] for row in sheet.iter_rows(min_row=5)]
    # A001: 2025-10 55.00 (25.00 + 30.00), 2026-09 470.00 (425.00 + 45.00), 2026-10 65.00
    # (40.00 + 25.00); A002: 2026-10 15.25. All over 180 days past due by 2099.
    assert [r[2] for r in rows] == [
        "A001",
        "A002",
        "楼宇小计（2 户）",
        "东校区 小计（2 户）",
        "2 户",
    ]
    assert [r[10:12] for r in rows] == [[590, 590], [15.25, 15.25], [605.25, 605.25],
                                        [605.25, 605.25], [605.25, 605.25]]  # fmt: skip
    assert sheet["K5"].number_format == "#,##0.00"

    usage = tmp_path / "usage.xlsx"
    result = invoke(runner, "usage", "--from", "2026-09", "--to", "2026-10", "--by", "campus",
                    "-o", usage)  # fmt: skip
    assert result.exit_code == 0, result.output
    sheet = load_workbook(usage).active
    assert [c.value for c in sheet[5]][:6] == ["东校区", "电", 2, 960.5, "kWh", 480.25]
    assert sheet["D5"].number_format == "#,##0.0"  # 960.5: one place, as the figure has

    meters = tmp_path / "meters.xlsx"
    result = invoke(runner, "meters", "--campus", "东校区", "-o", meters)
    assert result.exit_code == 0 and "13 行" in result.output  # 12 meters and the totals
    sheet = load_workbook(meters).active
    assert sheet.max_row == 3 + 13  # title, filters, header (no notes), rows
    assert sheet.cell(sheet.max_row, 4).value == "12 块（在用 11，已换下 1）"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ("nosuch",),
            "错误：未知报表「nosuch」，可选：usage、arrears、collection、cash、unread、"
            "anomalies、loss、meters",
        ),
        (("loss", "--period", "2026-13"), "错误：月份无效：2026-13（月份应为 01–12）"),
        (("loss",), "错误：总分表平衡需要账期：--period YYYY-MM 或 --from/--to"),
        (
            ("cash", "--from", "2026-10-05", "--to", "2026-10-01"),
            "错误：结束日期 2026-10-01 早于开始日期 2026-10-05",
        ),
        (("cash", "--from", "2026/10/05"), "错误：开始日期格式应为 YYYY-MM-DD，收到「2026/10/05」"),
        (
            ("usage", "--from", "2026-10", "--to", "2026-09"),
            "错误：结束账期 2026-09 早于开始账期 2026-10",
        ),
        (
            ("loss", "--period", "2026-10", "--threshold", "abc"),
            "错误：损耗率阈值应为小数或百分数（如 0.05 或 5%），收到「abc」",
        ),
        (
            ("arrears", "--period", "2026-10"),
            "错误：欠费清单不按账期查询（arrears 用 --as-of 指定截至日期）",
        ),
        (("arrears", "--campus", "北校区"), "错误：校区 北校区 不存在"),
        (
            ("usage", "--period", "2026-10", "--by", "floor"),
            "错误：用能查询的汇总方式应为 account / building / campus / kind，收到「floor」",
        ),
    ],
)
def test_bad_input_is_one_line_and_exit_2(runner, md_env, tmp_path, args, message):
    target = tmp_path / "out.xlsx"
    result = invoke(runner, *args, "-o", target)
    assert result.exit_code == 2
    assert result.output.strip() == message
    assert not target.exists() and not (tmp_path / ".out.xlsx.part").exists()


def test_wrong_suffix(runner, md_env, tmp_path):
    result = invoke(runner, "meters", "-o", tmp_path / "m.csv")
    assert result.exit_code == 2
    assert result.output.strip() == "错误：输出文件须为 .pdf 或 .xlsx，收到 m.csv"


# -- the renderer on a report built by hand ----------------------------------------------

COLUMNS = (
    Column("名称"),
    Column("金额", MONEY),
    Column("用量", QUANTITY),
    Column("比率", PERCENT),
    Column("时间", DATE),
)


def hand_report(rows: int) -> TableReport:
    moment = datetime(2026, 11, 2, 9, 30, tzinfo=BUSINESS_TZ)
    body = [Row((f"第{i}行", D("1234.5"), D("12.340"), D("0.1234"), moment)) for i in range(rows)]
    body.append(Row(("超限", D("0.00"), D("7"), None, None), FLAGGED))
    body.append(Row(("合计", D(rows) * D("1234.5"), None, None, None), TOTAL))
    return TableReport("demo", "测试报表", "全部", COLUMNS, tuple(body), moment, ("说明一行",))


def test_formats_and_texts():
    assert [quantity_format(D(v)) for v in ("12", "12.000", "12.5", "12.34", "0.001")] == [
        "#,##0", "#,##0", "#,##0.0", "#,##0.00", "#,##0.000"
    ]  # fmt: skip
    assert [cell_text(c, v) for c, v in zip(COLUMNS, hand_report(1).rows[0].values,
                                             strict=True)] == [
        "第0行", "1,234.50", "12.34", "12.3%", "2026-11-02 09:30"
    ]  # fmt: skip


def test_long_report_pdf_repeats_its_header_and_numbers_pages():
    report = hand_report(900)
    assert report.totals is not None and report.totals.values[1] == D("1111050.0")
    reader = PdfReader(io.BytesIO(render_table_pdf(report)))
    pages = len(reader.pages)
    assert pages > 10
    for number, page in enumerate(reader.pages, start=1):
        text = page.extract_text()
        assert "名称" in text and "金额" in text  # the header on every page
        assert f"第 {number} 页 共 {pages} 页" in text
    assert "1,111,050.00" in reader.pages[-1].extract_text()
    name, mime, content = render_table_xlsx(report)
    assert name == "测试报表_20261102_0930.xlsx" and mime.endswith("spreadsheetml.sheet")
    sheet = load_workbook(io.BytesIO(content)).active
    assert sheet.max_row == 4 + 902
    assert sheet["E5"].number_format == "yyyy-mm-dd hh:mm"
    assert sheet["B5"].number_format == "#,##0.00" and sheet["C5"].number_format == "#,##0.00"


def test_stream_writer_escapes_text_and_keeps_values():
    from datetime import date

    from reports.xlsx_stream import SheetWriter

    out = io.BytesIO()
    name = "名称<&>很长的工作表名字超过三十一个字符会被截断的那种名字啊"
    with SheetWriter(out, name, [10, 10, 10], 1) as sheet:
        sheet.append(["户名", "金额", "日期"], sheet.style(header=True))
        sheet.append(['<李&"王">\x01 ', D("-1234.5"), date(2026, 11, 2)],
                     [0, sheet.style("#,##0.00"), sheet.style("yyyy-mm-dd")])  # fmt: skip
        sheet.append([None, 7, True])
        sheet.append(["", "\x02", "末"])
    content = out.getvalue()
    with zipfile.ZipFile(io.BytesIO(content)) as package:
        xml = package.read("xl/worksheets/sheet1.xml").decode()
    # Every cell says where it is (Gnumeric reads cells without r= as nothing), and a blank
    # value, or text that is nothing but characters XML cannot carry, is no cell at all.
    assert xml.count("<c ") == xml.count("<c r=") == 3 + 3 + 2 + 1
    assert '<c r="C4" t="inlineStr"><is><t xml:space="preserve">末</t></is></c></row>' in xml
    book = load_workbook(io.BytesIO(content))
    ws = book.active
    assert ws.title == name[:31]
    assert [c.value for c in ws[2]] == ['<李&"王"> ', -1234.5, datetime(2026, 11, 2)]
    assert ws["B2"].number_format == "#,##0.00" and ws["C2"].number_format == "yyyy-mm-dd"
    assert [c.value for c in ws[3]] == [None, 7, True]
    assert [c.value for c in ws[4]] == [None, None, "末"]
    assert ws.freeze_panes == "A2" and ws["A1"].alignment.horizontal == "center"
