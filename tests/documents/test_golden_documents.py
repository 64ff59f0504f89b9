"""Golden files of the rendered documents (receipts, payment notices, the day's settlement,
reading sheets, report tables, labels): each document of `samples` is rendered and read
back as text runs and shapes with their places (`layout`), and compared with
golden/<name>.txt, so a change of layout shows up in review as a diff of that file.

After a meant change: ``MD_UPDATE_GOLDEN=1 .venv/bin/pytest tests/documents``, then look at
the diff of tests/documents/golden/ (and at the page: ``pdftoppm -png -r 60``) before
committing it. The label printers' TSPL and ZPL are compared as the command text itself.

A second reader, poppler's pdftotext, must find the same Chinese in every PDF, with every
font embedded, so a document reads the same on a PC without our font.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pytest

from devices.label_printers import PrinterSettings, tspl, zpl
from reports.labels import SheetLayout, render_labels
from reports.notice import render_notices
from reports.receipt import render_receipt
from reports.route_sheet import render_route_sheet_pdf
from reports.settlement import render_settlement_pdf
from reports.tables import render_table_pdf
from tests.documents import layout as golden_layout
from tests.documents import samples
from tests.documents.layout import assert_golden, drawn_text, layout, pdffonts, pdftotext


def _receipt(size: str, key: str) -> Callable[[], bytes]:
    return lambda: render_receipt(samples.RECEIPTS[key], size)[2]  # type: ignore[arg-type]


# name → (the PDF, what a reader must find in it: hand-written, including the hand-computed
# totals in Chinese capitals).
PDFS: dict[str, tuple[Callable[[], bytes], tuple[str, ...]]] = {
    "receipt-a5-cash": (_receipt("a5", "cash"), (
        "水电保障中心", "收据号：D20261123-0007", "收款时间：2026-11-23 09:31", "户名：张三",
        "东校区 1号楼 2单元 301", "污水处理费", "人民币壹佰玖拾陆元柒角伍分", "¥196.75",
        "实收：¥200.00", "找零：¥3.25", "收款人：王芳")),
    "receipt-a5-many": (_receipt("a5", "many"), (
        "重打（第 2 次）", "欧阳娜娜（研究生院后勤管理办公室代缴）", "西校区 研究生公寓（紫荆园）",
        "2026-07～2026-11", "其余 5 项合计", "427.50", "人民币壹仟伍佰叁拾玖元整", "¥1,539.00",
        "参考号：CQ-20261201-88")),
    "receipt-a5-void": (_receipt("a5", "void"), (
        "作废", "作废原因：收错户号，应为 A1001", "网银转账", "BK88230011", "人民币叁拾元整")),
    "receipt-form-cash": (_receipt("form", "cash"), (
        "收据号：D20261123-0007", "户名：张三", "人民币壹佰玖拾陆元柒角伍分", "找零：¥3.25",
        "收款单位（盖章）")),
    "receipt-form-many": (_receipt("form", "many"), (
        "重打（第 2 次）", "2025-12～2026-11", "其余 12 项合计", "1,026.00",
        "人民币壹仟伍佰叁拾玖元整", "¥1,539.00")),
    "receipt-form-void": (_receipt("form", "void"), ("作废原因：收错户号，应为 A1001",)),
    "notices": (lambda: render_notices(samples.NOTICES, "东校区-1号楼")[2], (
        "水电费缴款通知单", "E000123", "1088", "1300", "530.5 估", "124.66",
        "人民币壹佰玖拾玖元叁角陆分",
        "请于 2026 年 11 月 20 日前缴清", "柜台：东区收费点、西区收费点（现金、支票、转账）",
        "北苑第二食堂", "2000（×40）", "其余 3 块表", "往期欠费（2026-08、2026-09）：¥1,207.15",
        "合计应缴：¥4,614.55", "人民币肆仟陆佰壹拾肆元伍角伍分", "卫生费",
        "请于 2026 年 12 月 5 日前缴清", "扫码缴费",
        "微信：扫描右侧二维码，或关注本中心公众号绑定户号后在线缴费。",
        "微信：关注本中心微信公众号，绑定户号后在线缴费。")),
    "settlement-closed": (lambda: render_settlement_pdf(samples.SETTLEMENT_CLOSED), (
        "东区收费点 收费日结报表", "王芳", "2026-11-23", "人民币壹仟柒佰伍拾玖元叁角整",
        "1,759.30", "短款", "5.00", "赵主管", "午间交款", "作废：收错户号",
        "合计 63 笔", "第 3 页 共 3 页")),
    "settlement-open": (lambda: render_settlement_pdf(samples.SETTLEMENT_OPEN), (
        "未日结", "2026-11-24", "人民币肆拾元整", "第 1 页 共 1 页")),
    "route-sheet": (lambda: render_route_sheet_pdf(samples.ROUTE_SHEET), (
        "抄表卡 东校区/1号楼 2026-11", "共 3 块表。", "本月预计范围", "1406–1724", "2026-10-28",
        "抄表人：", "第 1 页 共 1 页")),
    "table-report": (lambda: render_table_pdf(samples.TABLE_REPORT), (
        "欠费明细", "条件：账期 2026-08 至 2026-10，全部校区",
        "欠费比例：该户欠费占全部欠费的比例。",
        "东校区 1号楼 小计", "214.36", "1,207.15", "3,540.125", "84.9%", "1,421.51", "100.0%",
        "生成于 2026-11-25 09:00")),
    "labels-roll": (lambda: render_labels(samples.LABELS[:3])[2], (
        "水电保障中心 电表", "东校区 1号楼", "2单元301", "E000123", "W000045", "E100001")),
    "labels-a4": (lambda: render_labels(samples.LABELS, SheetLayout(70, 35, "a4"))[2], (
        "E2026110100017", "西校区 研究生公寓18号楼", "B座1703")),
}  # fmt: skip


@pytest.mark.parametrize("name", sorted(PDFS))
def test_pdf_layout_matches_its_golden_file(name: str) -> None:
    render, _ = PDFS[name]
    pdf = render()
    # No creation time or random id in the file: a reprint is the same document.
    assert render() == pdf
    assert_golden(name, layout(pdf))


@pytest.mark.parametrize("name", sorted(PDFS))
def test_pdftotext_reads_the_same_chinese_from_embedded_fonts(name: str, tmp_path: Path) -> None:
    render, phrases = PDFS[name]
    pdf = render()
    runs = drawn_text(pdf)
    assert {font for _, font, embedded in runs if not embedded} == set()
    # Nor does the file name a font it never draws in (reportlab's Helvetica).
    assert all(embedded for _, embedded in pdffonts(pdf, tmp_path))
    # The two readers order and space the runs differently: compare without white space.
    read = re.sub(r"\s+", "", pdftotext(pdf, tmp_path))
    for text, _, _ in runs:
        assert re.sub(r"\s+", "", text) in read
    for phrase in phrases:
        assert re.sub(r"\s+", "", phrase) in read, phrase


@pytest.mark.parametrize("language", ["tspl", "zpl"])
def test_label_printer_commands_match_their_golden_file(language: str) -> None:
    settings = PrinterSettings(language=language)
    data = (tspl if language == "tspl" else zpl)(samples.PRINT_LABELS, settings)
    encoding = "gbk" if language == "tspl" else "utf-8"
    text = data.decode(encoding)
    ending = "CRLF" if text.count("\r\n") == text.count("\n") else "LF"
    header = f"# {language.upper()}, {encoding}, lines end {ending}\n"
    assert_golden(f"labels-{language}", header + text.replace("\r\n", "\n"))


def test_a_golden_mismatch_shows_a_diff_and_the_update_flag_rewrites_it(tmp_path, monkeypatch):
    monkeypatch.setattr(golden_layout, "GOLDEN", tmp_path)
    (tmp_path / "sample.txt").write_text("page 1\ntext  收　据\n", encoding="utf-8")
    monkeypatch.delenv(golden_layout.UPDATE, raising=False)
    with pytest.raises(AssertionError) as failure:
        assert_golden("sample", "page 1\ntext  收据\n")
    assert "-text  收　据\n+text  收据\n" in str(failure.value)
    assert "MD_UPDATE_GOLDEN=1" in str(failure.value)
    monkeypatch.setenv(golden_layout.UPDATE, "1")
    assert_golden("sample", "page 1\ntext  收据\n")
    assert (tmp_path / "sample.txt").read_text(encoding="utf-8") == "page 1\ntext  收据\n"
