"""The daily settlement report (日结报表): figures gathered from a real day on PostgreSQL, the
PDF's text and the workbook's cells, and the `till report` command. Figures are hand-computed.
"""

from __future__ import annotations

import io
from datetime import date, timedelta
from decimal import Decimal as D

import pytest
from click.testing import CliRunner
from openpyxl import load_workbook
from pypdf import PdfReader
from sqlalchemy import create_engine
from sqlalchemy.orm import Session

from reports.fonts import cjk_font
from reports.settlement import (
    ChannelLine,
    ReceiptRow,
    SettlementReport,
    over_short_text,
    render_settlement_pdf,
    settlement_filename,
)
from reports.settlement_xlsx import RECEIPT_HEADERS
from reports.xlsx import MONEY_FORMAT
from server.cli import cli
from server.db.engine import make_sessionmaker, unit_of_work
from server.services.collection.payments import PaymentRequest, PaymentResult, take_payment
from server.services.collection.settlement_report import (
    find_till,
    latest_till,
    settlement_pdf,
    settlement_report,
    settlement_xlsx,
)
from server.services.collection.till import close_till, hand_over, open_till
from server.services.collection.voids import void_receipt
from server.services.core import calendar
from server.services.core.audit import Actor
from server.services.core.errors import DomainError
from server.services.staff.org import add_staff_with_role
from server.services.staff.sign_in import staff_identity
from tests import factories as f

TITLE = "东区收费点 收费日结报表"


def staff(session: Session, login: str, role: str = "clerk") -> Actor:
    add_staff_with_role(
        session, f.ACTOR, login=login, name=login.upper(), password="Counter2026",
        role=role, branch_code="D",
    )  # fmt: skip
    return staff_identity(session, login).actor


def pay(session: Session, actor: Actor, amount: str, channel: str = "cash", **kw) -> PaymentResult:
    return take_payment(session, actor, PaymentRequest("A001", D(amount), channel, "D", **kw))


@pytest.fixture
def day(session):
    """wang's day at branch D, still open: float 200.00; cash 40.00 (tendered 50.00, change
    10.00); cheque 25.00; cash 30.00 voided; 20.00 handed over to zhao."""
    f.branches(session)
    a = f.account(session)
    f.bill(session, a, "2026-09", "40.00")
    f.bill(session, a, "2026-10", "25.00")
    wang, zhao = staff(session, "wang"), staff(session, "zhao", "manager")
    till = open_till(session, wang, D("200.00"))
    cash = pay(session, wang, "40.00", tendered=D("50.00"))
    cheque = pay(session, wang, "25.00", "cheque", reference="CQ7", bank="工行")
    wrong = pay(session, wang, "30.00")  # no bill left: kept as credit, then voided
    void_receipt(session, wang, wrong.receipt_no, "收错户号")
    hand_over(session, wang, D("20.00"), "zhao", "午间交款")
    numbers = (cash.receipt_no, cheque.receipt_no, wrong.receipt_no)
    return session, wang, zhao, till.till_id, numbers


def close(session: Session, wang: Actor) -> None:
    # expected = 200.00 + (50.00 + 30.00) − 10.00 − 30.00 − 20.00 = 220.00; counted 215.00
    close_till(session, wang, D("215.00"), "少 5.00，原因待查")


def pdf_text(pdf: bytes) -> tuple[int, str]:
    reader = PdfReader(io.BytesIO(pdf))
    # Text runs come back one per line; the checks are about content, not line breaks.
    return len(reader.pages), "".join(p.extract_text() for p in reader.pages).replace("\n", "")


def test_report_of_a_settled_day(day):
    session, wang, _, till_id, (cash_no, cheque_no, void_no) = day
    close(session, wang)
    report = settlement_report(session, till_id)
    today = calendar.now().date()

    assert (report.branch_code, report.branch_name, report.clerk) == (
        "D",
        "东区收费点",
        "wang WANG",
    )
    assert report.business_date == today and report.closed
    assert report.opened_at.utcoffset() == timedelta(hours=8)  # business time
    assert report.closed_at is not None and report.closed_at.utcoffset() == timedelta(hours=8)
    assert (report.float_amount, report.cash_tendered, report.change_given) == (
        D("200.00"), D("80.00"), D("10.00")
    )  # fmt: skip
    assert (report.cash_voided, report.handed_over, report.expected_cash) == (
        D("30.00"), D("20.00"), D("220.00")
    )  # fmt: skip
    assert (report.cash_counted, report.over_short) == (D("215.00"), D("-5.00"))
    assert report.note == "少 5.00，原因待查"
    assert [(h.to, h.amount, h.note) for h in report.handovers] == [
        ("zhao ZHAO", D("20.00"), "午间交款")
    ]
    assert report.channels == (
        ChannelLine("现金", 1, D("40.00")),
        ChannelLine("支票", 1, D("25.00")),
    )
    assert (report.total_count, report.total_amount) == (2, D("65.00"))
    assert [
        (r.receipt_no, r.account_no, r.holder_name, r.channel, r.reference, r.amount, r.voided,
         r.void_reason)
        for r in report.receipts
    ] == [
        (cash_no, "A001", "张三", "现金", "", D("40.00"), False, ""),
        (cheque_no, "A001", "张三", "支票", "工行 CQ7", D("25.00"), False, ""),
        (void_no, "A001", "张三", "现金", "", D("30.00"), True, "收错户号"),
    ]  # fmt: skip
    assert all(r.issued_at.utcoffset() == timedelta(hours=8) for r in report.receipts)
    assert settlement_filename(report, "pdf") == f"日结-D-{today.isoformat()}-wang.pdf"


def test_a_void_after_the_close_does_not_change_the_settled_report(md_env):
    # Each step its own transaction, as at the counter: the database clock moves between them.
    engine = create_engine(md_env)
    factory = make_sessionmaker(engine)
    with unit_of_work(factory) as session:
        f.branches(session)
        f.bill(session, f.account(session), "2026-09", "25.00")
        wang, zhao = staff(session, "wang"), staff(session, "zhao", "manager")
        till_id = open_till(session, wang, D("0.00")).till_id
        cheque_no = pay(session, wang, "25.00", "cheque", reference="CQ7", bank="工行").receipt_no
    with unit_of_work(factory) as session:
        close_till(session, wang, D("0.00"))
    with unit_of_work(factory) as session:
        before = settlement_report(session, till_id)
    with unit_of_work(factory) as session:
        void_receipt(session, zhao, cheque_no, "退票")  # a bounced cheque, days later
    with unit_of_work(factory) as session:
        after = settlement_report(session, till_id)
    engine.dispose()
    assert after.receipts == before.receipts
    assert [(r.receipt_no, r.voided) for r in after.receipts] == [(cheque_no, False)]
    assert (after.total_amount, after.expected_cash) == (D("25.00"), D("0.00"))


def test_an_open_till_is_marked_and_has_no_count(day):
    session, _, _, till_id, _ = day
    report = settlement_report(session, till_id)
    assert not report.closed
    assert (report.closed_at, report.cash_counted, report.over_short) == (None, None, None)
    assert report.expected_cash == D("220.00")  # as it stands
    _, text = pdf_text(settlement_pdf(session, till_id))
    assert "【未日结】" in text and "日结时间未日结" in text


def test_pdf_shows_the_day(day):
    session, wang, _, till_id, numbers = day
    close(session, wang)
    pdf = settlement_pdf(session, till_id)
    assert pdf.startswith(b"%PDF")
    pages, text = pdf_text(pdf)
    assert pages == 1
    for expected in [
        TITLE,
        "分中心D 东区收费点",
        "收费员wang WANG",
        f"营业日期{calendar.now().date().isoformat()}",
        *numbers,
        "作废：收错户号",
        "作废（不计入合计）130.00",
        "现金140.00",
        "支票125.00",
        "合计265.00",
        "人民币陆拾伍元整",
        "备用金 + 现金实收 − 找零 − 作废现金 − 交款 = 应有现金",
        "备用金200.00",
        "加：现金实收80.00",
        "减：找零10.00",
        "减：作废现金30.00",
        "减：交款20.00",
        "应有现金220.00",
        "清点现金215.00",
        "长短款短款 5.00",
        "少 5.00，原因待查",
        "zhao ZHAO20.00午间交款",
        "工行 CQ7",
        "合计 2 笔65.00不含作废",
        "收费员签字",
        "复核人签字",
        "第 1 页 共 1 页",
    ]:
        assert expected in text, expected
    if cjk_font().embedded:
        assert b"/FontFile2" in pdf  # the TrueType font travels with the document


def test_workbook_of_the_day(day, tmp_path):
    session, wang, _, till_id, (cash_no, cheque_no, void_no) = day
    close(session, wang)
    path = tmp_path / "day.xlsx"
    settlement_xlsx(session, till_id, path)
    book = load_workbook(path)
    assert book.sheetnames == ["日结汇总", "收据明细"]

    summary = book["日结汇总"]
    title = summary["A1"].value
    today = calendar.now().date().isoformat()
    assert title.startswith(f"{TITLE}　收费员 wang WANG　营业日期 {today}（生成于 ")
    cells = {row[0].value: row for row in summary.iter_rows() if row[0].value is not None}
    figures = {
        "现金": D("40.00"), "支票": D("25.00"), "作废（不计入合计）": D("30.00"),
        "合计": D("65.00"), "备用金": D("200.00"), "加：现金实收": D("80.00"),
        "减：找零": D("10.00"), "减：作废现金": D("30.00"), "减：交款": D("20.00"),
        "应有现金": D("220.00"), "清点现金": D("215.00"),
    }  # fmt: skip
    for label, amount in figures.items():
        money = cells[label][2] if label in ("现金", "支票", "作废（不计入合计）", "合计") else None
        money = money or cells[label][1]
        assert D(str(money.value)) == amount, label
        assert money.number_format == MONEY_FORMAT, label
    assert cells["合计"][1].value == 2
    assert (cells["长短款"][1].value, cells["长短款"][2].value) == (-5, "短款 5.00")
    assert cells["合计（大写）"][1].value == "人民币陆拾伍元整"
    assert cells["备注"][1].value == "少 5.00，原因待查"

    sheet = book["收据明细"]
    rows = list(sheet.iter_rows())
    assert tuple(c.value for c in rows[0]) == RECEIPT_HEADERS
    assert sheet.freeze_panes == "A2"
    assert sheet.column_dimensions["A"].width == 18
    body = [[c.value for c in row] for row in rows[1:-1]]
    assert [(r[0], r[2], r[4], r[5], r[6], r[7], r[8]) for r in body] == [
        (cash_no, "A001", "现金", None, 40, "正常", None),
        (cheque_no, "A001", "支票", "工行 CQ7", 25, "正常", None),
        (void_no, "A001", "现金", None, 30, "作废", "收错户号"),
    ]
    assert all(row[6].number_format == MONEY_FORMAT for row in rows[1:])
    assert rows[1][1].number_format == "yyyy-mm-dd hh:mm"
    voided_row, standing_row = rows[3], rows[1]
    assert all(cell.font.strike for cell in voided_row[:7])
    assert not any(cell.font.strike for cell in standing_row)
    totals = [c.value for c in rows[-1]]
    assert (totals[0], totals[6]) == ("合计 2 笔（不含作废）", 65)
    assert rows[-1][6].number_format == MONEY_FORMAT and rows[-1][0].font.bold


def test_find_and_latest_till(day, monkeypatch):
    session, wang, zhao, till_id, _ = day
    today = calendar.now().date()
    assert find_till(session, "wang", today) == till_id
    assert find_till(session, " wang ") == till_id  # no date: the latest
    assert latest_till(session, wang.staff_id) == till_id
    assert latest_till(session, zhao.staff_id) is None
    with pytest.raises(DomainError, match=r"^工作人员 nobody 不存在$"):
        find_till(session, "nobody", today)
    with pytest.raises(DomainError, match=r"^wang 在 2020-01-01 没有班次（当日未开班）$"):
        find_till(session, "wang", date(2020, 1, 1))
    with pytest.raises(DomainError, match="zhao 还没有开过班"):
        find_till(session, "zhao")
    with pytest.raises(DomainError, match="班次 0 不存在"):
        settlement_report(session, 0)
    # The next day's till is the latest.
    close(session, wang)
    moment = calendar.business_datetime(today + timedelta(days=1)) + timedelta(hours=9)
    monkeypatch.setattr(calendar, "now", lambda: moment)
    next_day = open_till(session, wang).till_id
    assert find_till(session, "wang") == latest_till(session, wang.staff_id) == next_day
    assert find_till(session, "wang", today) == till_id


def test_a_long_day_runs_over_pages_with_the_header_repeated():
    moment = calendar.now().replace(hour=9, minute=0, second=0, microsecond=0)
    rows = tuple(
        ReceiptRow(f"D2026{i:07d}", moment, f"A{i:04d}", "欧阳" * 12, "现金", "", D("1.00"),
                   voided=i == 5, void_reason="收错户号" if i == 5 else "")
        for i in range(1, 121)
    )  # fmt: skip
    report = SettlementReport(
        branch_code="D", branch_name="东区收费点", clerk="wang WANG",
        business_date=moment.date(), opened_at=moment, closed_at=moment, float_amount=D("0.00"),
        cash_tendered=D("120.00"), change_given=D("0.00"), cash_voided=D("1.00"),
        handed_over=D("0.00"), handovers=(), expected_cash=D("119.00"),
        cash_counted=D("120.50"), over_short=D("0.50"), note="",
        channels=(ChannelLine("现金", 119, D("119.00")),), total_count=119,
        total_amount=D("119.00"), receipts=rows, generated_at=moment,
    )  # fmt: skip
    reader = PdfReader(io.BytesIO(render_settlement_pdf(report)))
    pages = [page.extract_text().replace("\n", "") for page in reader.pages]
    assert len(pages) == 4  # 120 rows of 8-point text after the summaries
    for number, page in enumerate(pages, start=1):
        assert f"第 {number} 页 共 4 页" in page
        assert "收据号时间户号户名收款方式参考号金额（元）状态" in page  # header repeated
    text = "".join(pages)
    # Columns are sized from the data: with no cheque references, the name has the room.
    assert "欧阳" * 12 in text and "…" not in text
    assert "长短款长款 0.50" in text and "人民币壹佰壹拾玖元整" in text


def test_over_short_wording():
    assert over_short_text(D("1.50")) == "长款 1.50"
    assert over_short_text(D("-1.50")) == "短款 1.50"
    assert over_short_text(D("0.00")) == "无长短款"
    assert over_short_text(None) == ""


def test_till_report_command_writes_pdf_and_xlsx(md_env, tmp_path):
    engine = create_engine(md_env)
    with unit_of_work(make_sessionmaker(engine)) as session:
        f.branches(session)
        a = f.account(session)
        f.bill(session, a, "2026-09", "40.00")
        add_staff_with_role(session, f.ACTOR, login="clerk1", name="李收费",
                            password="Counter2026", role="clerk", branch_code="D")  # fmt: skip
        open_till(session, staff_identity(session, "clerk1").actor, D("100.00"))
    engine.dispose()
    runner = CliRunner()
    base = ["--branch", "D", "--clerk", "clerk1"]
    paid = runner.invoke(cli, ["pay", "A001", "40", "--channel", "cash", "--tendered", "50", *base])
    assert paid.exit_code == 0, paid.output
    closed = runner.invoke(cli, ["till", "close", "--clerk", "clerk1", "--cash-counted", "140"])
    assert closed.exit_code == 0, closed.output

    pdf = tmp_path / "day.pdf"
    done = runner.invoke(cli, ["till", "report", "--clerk", "clerk1", "-o", str(pdf)])
    assert (done.exit_code, done.output) == (0, f"已写入 {pdf}\n")
    _, text = pdf_text(pdf.read_bytes())
    # 100.00 + 50.00 − 10.00 = 140.00, counted 140.00
    assert TITLE in text and "应有现金140.00" in text and "长短款无长短款" in text

    today = calendar.now().date().isoformat()
    xlsx = tmp_path / "day.xlsx"
    done = runner.invoke(
        cli, ["till", "report", "--clerk", "clerk1", "--date", today, "-o", str(xlsx)]
    )
    assert (done.exit_code, done.output) == (0, f"已写入 {xlsx}\n")
    sheet = load_workbook(xlsx)["收据明细"]
    assert [c.value for c in list(sheet.iter_rows())[-1]][6] == 40


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--clerk", "nobody"], "错误：工作人员 nobody 不存在\n"),
        (
            ["--clerk", "clerk1", "--date", "2020-01-01"],
            "错误：clerk1 在 2020-01-01 没有班次（当日未开班）\n",
        ),
        (["--clerk", "clerk1"], "错误：clerk1 还没有开过班，没有日结报表\n"),
    ],
)
def test_till_report_refusals_exit_2(md_env, tmp_path, args, message):
    engine = create_engine(md_env)
    with unit_of_work(make_sessionmaker(engine)) as session:
        f.branches(session)
        add_staff_with_role(session, f.ACTOR, login="clerk1", name="李收费",
                            password="Counter2026", role="clerk", branch_code="D")  # fmt: skip
    engine.dispose()
    out = tmp_path / "day.pdf"
    result = CliRunner().invoke(cli, ["till", "report", *args, "-o", str(out)])
    assert (result.exit_code, result.output) == (2, message)
    assert not out.exists()


def test_till_report_wants_a_known_suffix(tmp_path):
    result = CliRunner().invoke(
        cli, ["till", "report", "--clerk", "clerk1", "-o", str(tmp_path / "day.csv")]
    )
    assert result.exit_code == 2 and "输出文件须为 .pdf 或 .xlsx" in result.output
