"""Payment notices (缴款通知单): the document from snapshots, the data per building and per
account from real bills, and `meterdesk notices`."""

from __future__ import annotations

import subprocess
from datetime import date
from decimal import Decimal as D
from pathlib import Path

import pytest
from click.testing import CliRunner
from pypdf import PdfReader
from sqlalchemy import create_engine, text

from reports.notice import NoticeData, NoticeLine, NoticeMeter, notice_filename, render_notices
from server.cli import cli
from server.db.engine import make_sessionmaker, unit_of_work
from server.services.billing.billing_run import run_billing
from server.services.billing.payment_notices import gather_notices, notice_buildings, notices_pdf
from server.services.core.calendar import Period
from server.services.core.errors import DomainError, NotFound
from server.services.staff.org import ensure_branch, ensure_campus
from tests import factories as f

OCT = Period.parse("2026-10")


def pdf_text(content: bytes, tmp_path: Path) -> list[str]:
    path = tmp_path / "n.pdf"
    path.write_bytes(content)
    return [page.extract_text() for page in PdfReader(str(path)).pages]


def sample(account_no: str = "A001", holder: str = "张三", arrears: str = "0") -> NoticeData:
    return NoticeData(
        period="2026-10",
        account_no=account_no,
        holder_name=holder,
        address="东校区 1号楼 2单元 301",
        meters=(
            NoticeMeter("E1", "电表", D("100.000"), D("150.000"), D("1"), D("50.000")),
            NoticeMeter("W1", "水表", D("20"), D("32"), D("1"), D("12")),
        ),
        lines=(
            NoticeLine("电费", D("50"), D("25.00")),
            NoticeLine("水费", D("12"), D("32.00")),
            NoticeLine("污水处理费", D("12"), D("11.40")),
        ),
        total=D("68.40"),
        due_date=date(2026, 11, 30),
        arrears=D(arrears),
        arrears_periods=("2026-09",) if D(arrears) else (),
        pay_at=("东区分中心", "西区分中心"),
    )


def test_a_notice_shows_readings_lines_total_capitals_due_date_and_how_to_pay(tmp_path):
    filename, mime, content = render_notices([sample()], "A001")
    assert (filename, mime) == ("缴款通知单-2026-10-A001.pdf", "application/pdf")
    [text] = pdf_text(content, tmp_path)
    for expected in (
        "水电费缴款通知单", "A001", "张三", "东校区 1号楼 2单元 301", "2026-10",
        "150", "50", "污水处理费", "11.40", "¥68.40", "陆拾捌元肆角整",
        "2026 年 11 月 30 日", "东区分中心", "微信",
    ):  # fmt: skip
        assert expected in text, expected
    assert "往期欠费" not in text


def test_arrears_add_to_what_is_due(tmp_path):
    _, _, content = render_notices([sample(arrears="40.00")], "A001")
    [text] = pdf_text(content, tmp_path)
    # 68.40 this period + 40.00 from 2026-09 = 108.40
    assert "往期欠费（2026-09）" in text and "¥108.40" in text and "壹佰零捌元肆角整" in text


def test_one_page_per_account_in_the_order_given_with_progress(tmp_path):
    seen: list[tuple[int, int]] = []
    notices = [sample("A001", "张三"), sample("A002", "李四"), sample("A003", "王五")]
    _, _, content = render_notices(
        notices, "东校区/1号楼", progress=lambda done, total: seen.append((done, total))
    )
    pages = pdf_text(content, tmp_path)
    assert [("A00" + str(i + 1)) in p for i, p in enumerate(pages)] == [True] * 3
    assert "李四" in pages[1] and "张三" not in pages[1]
    assert seen == [(1, 3), (2, 3), (3, 3)]
    assert notice_filename("2026-10", "东校区/1号楼") == "缴款通知单-2026-10-东校区-1号楼.pdf"


def test_a_notice_whose_lines_disagree_with_its_total_is_refused():
    wrong = sample()
    wrong = NoticeData(**{**wrong.__dict__, "total": D("70.00")})
    with pytest.raises(ValueError, match=r"A001.*不符"):
        render_notices([wrong], "A001")
    with pytest.raises(ValueError, match="没有可打印"):
        render_notices([], "A001")


def billed_building(session) -> None:
    """东校区 1号楼: A002 (李四, room 1201, 30 units) and A001 (张三, room 301, 50 units)
    billed for 2026-10 at 0.5 a unit; A002 still owes its 2026-09 bill of 40.00."""
    campus = ensure_campus(session, "东校区", "E")
    ensure_branch(session, campus, "E01", "东区分中心")
    f.tariff(session, components={"电费": [("0", "0.5")]})
    ids = {}
    for number, holder, start, end in (("A002", "李四", "0", "30"), ("A001", "张三", "100", "150")):
        ids[number] = f.account(session, number, holder_name=holder)
        f.meter(session, f"E-{number}", ids[number])
        f.read(session, f"E-{number}", "2026-09-28", start)
        f.read(session, f"E-{number}", "2026-10-28", end)
    session.execute(text("update account set room = '1201' where account_no = 'A002'"))
    f.bill(session, ids["A002"], "2026-09", "40.00")
    run_billing(session, f.ACTOR, OCT)


def test_a_buildings_notices_come_in_room_order_with_arrears(session):
    billed_building(session)
    [building] = notice_buildings(session, OCT)
    assert (building.label, building.bills) == ("东校区/1号楼", 2)
    notices = gather_notices(session, OCT, building="1号楼")
    assert [n.account_no for n in notices] == ["A001", "A002"]  # room 301 before 1201
    first, second = notices
    assert [(m.meter_no, m.prev, m.curr, m.usage) for m in first.meters] == [
        ("E-A001", D("100"), D("150"), D("50"))
    ]
    assert [(x.item, x.amount) for x in first.lines] == [("电费", D("25.00"))]
    assert (first.total, first.arrears, first.due_date) == (D("25.00"), D("0"), date(2026, 11, 30))
    assert (second.total, second.arrears, second.arrears_periods) == (
        D("15.00"),
        D("40.00"),
        ("2026-09",),
    )
    assert second.amount_due == D("55.00")
    assert first.pay_at == ("东区分中心",)
    [one] = gather_notices(session, OCT, account_no="A002")
    assert one == second
    assert gather_notices(session, OCT, building_id=building.building_id) == notices


def test_scopes_without_bills_say_what_is_missing(session):
    billed_building(session)
    with pytest.raises(NotFound, match="楼宇 9号楼 不存在"):
        gather_notices(session, OCT, building="9号楼")
    with pytest.raises(NotFound, match="户号 A999 不存在"):
        gather_notices(session, OCT, account_no="A999")
    with pytest.raises(NotFound, match="户号 A001 没有 2026-11 的账单"):
        gather_notices(session, Period.parse("2026-11"), account_no="A001")
    with pytest.raises(DomainError, match="请指定楼宇或户号"):
        gather_notices(session, OCT)


def test_notices_pdf_of_a_building(session, tmp_path):
    billed_building(session)
    filename, _, content = notices_pdf(session, OCT, building="东校区/1号楼")
    assert filename == "缴款通知单-2026-10-东校区-1号楼.pdf"
    pages = pdf_text(content, tmp_path)
    assert len(pages) == 2
    assert "张三" in pages[0] and "贰拾伍元整" in pages[0]
    assert "李四" in pages[1] and "伍拾伍元整" in pages[1] and "往期欠费（2026-09）" in pages[1]


def scanned(pdf: bytes, tmp_path: Path) -> list[list[str]]:
    """The QR codes a phone reads on each page, as zbarimg decodes the page at 150 dpi."""
    source = tmp_path / "scan.pdf"
    source.write_bytes(pdf)
    subprocess.run(["pdftoppm", "-r", "150", "-png", str(source), str(tmp_path / "scan")],
                   check=True, capture_output=True, timeout=60)  # fmt: skip
    pages = []
    for image in sorted(tmp_path.glob("scan-*.png")):
        # QR codes only: the account's Code128 is the counter scanner's, tested elsewhere.
        only_qr = ["-Sdisable", "-Sqrcode.enable"]
        result = subprocess.run(
            ["zbarimg", "--quiet", "--raw", *only_qr, str(image)],
            capture_output=True, text=True, timeout=60, check=False,
        )  # fmt: skip
        pages.append(sorted(result.stdout.split()))
    return pages


def test_each_notice_carries_its_accounts_pay_page_as_a_qr_code(session, tmp_path):
    billed_building(session)
    ids = dict(session.execute(text("select account_no, id from account")).all())
    notices = gather_notices(session, OCT, building="1号楼", base_url="https://wx.example.edu.cn/")
    assert [n.pay_url for n in notices] == [
        f"https://wx.example.edu.cn/h5/pay?account={ids['A001']}",
        f"https://wx.example.edu.cn/h5/pay?account={ids['A002']}",
    ]
    # A phone's scan of each page opens that page's account, not its neighbour's.
    assert scanned(render_notices(notices, "1号楼")[2], tmp_path) == [
        [f"https://wx.example.edu.cn/h5/pay?account={ids['A001']}"],
        [f"https://wx.example.edu.cn/h5/pay?account={ids['A002']}"],
    ]
    # Without the service's address there is nothing to scan to, so no code is printed.
    plain = gather_notices(session, OCT, account_no="A001")
    assert plain[0].pay_url == ""
    assert "扫码缴费" not in pdf_text(render_notices(plain, "A001")[2], tmp_path)[0]


def test_cli_writes_the_notices_of_a_building_or_an_account(md_env, tmp_path, monkeypatch):
    engine = create_engine(md_env)
    try:
        with unit_of_work(make_sessionmaker(engine)) as session:
            billed_building(session)
            a001 = session.execute(text("select id from account where account_no = 'A001'"))
            a001_id = a001.scalar_one()
    finally:
        engine.dispose()
    runner = CliRunner()
    out = tmp_path / "building.pdf"
    result = runner.invoke(cli, ["notices", "--period", "2026-10", "--building", "1号楼", "-o",
                                 str(out)])  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "2 份" in result.output
    assert len(PdfReader(str(out)).pages) == 2
    one = tmp_path / "one.pdf"
    monkeypatch.setenv("MD_COMPANION_BASE_URL", "https://wx.example.edu.cn")
    result = runner.invoke(cli, ["notices", "--period", "2026-10", "--account", "A001", "-o",
                                 str(one)])  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "张三" in PdfReader(str(one)).pages[0].extract_text()
    assert scanned(one.read_bytes(), tmp_path) == [
        [f"https://wx.example.edu.cn/h5/pay?account={a001_id}"]
    ]
    refused = runner.invoke(cli, ["notices", "--period", "2026-10", "--account", "A999", "-o",
                                  str(tmp_path / "x.pdf")])  # fmt: skip
    assert refused.exit_code == 2 and "户号 A999 不存在" in refused.output
    assert not (tmp_path / "x.pdf").exists()
    both = runner.invoke(cli, ["notices", "--period", "2026-10", "-o", str(tmp_path / "y.pdf")])
    assert both.exit_code != 0 and "--building" in both.output
