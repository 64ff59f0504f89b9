"""抄表卡: expected ranges hand-computed from a history, the PDF's text, the CLI."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from io import BytesIO

import pytest
from click.testing import CliRunner
from pypdf import PdfReader
from sqlalchemy import create_engine

from server.cli import cli
from server.db.engine import make_sessionmaker, unit_of_work
from server.services.core.calendar import BUSINESS_TZ
from server.services.core.errors import DomainError
from server.services.metering.route_sheets import expected_range, route_sheet, route_sheet_pdf
from tests.factories import account, meter, read

NOW = dt.datetime(2026, 11, 5, 9, 0, tzinfo=BUSINESS_TZ)


def build(session) -> None:
    """In 东校区/1号楼: E1 (6 digits), E2 (4 digits, ×10), W1 (two readings only)."""
    acc = account(session, "A001", holder_name="张三")
    meter(session, "E1", acc)
    meter(session, "E2", acc, digits=4, multiplier="10")
    meter(session, "W1", acc, kind="water", digits=5)
    meter(session, "X9", None)  # no account, no building: not on the sheet
    # E1: usage 100, 150, 150, 200 in Jul–Oct → mean 150.
    for day, value in (("06-15", "1000"), ("07-15", "1100"), ("08-15", "1250"),
                       ("09-15", "1400"), ("10-15", "1600")):  # fmt: skip
        read(session, "E1", f"2026-{day}", value)
    # E2: 40, 40, 43 register units × 10 → usage 400, 400, 430, mean 410 = 41 units.
    for day, value in (("07-20", "9800"), ("08-20", "9840"), ("09-20", "9880"),
                       ("10-20", "9923")):  # fmt: skip
        read(session, "E2", f"2026-{day}", value)
    read(session, "W1", "2026-09-10", "20")
    read(session, "W1", "2026-10-10", "31.5")


def test_rule_by_hand():
    # 1600 + 0.5 × 150 = 1675; 1600 + 2 × 150 = 1900.
    monthly = [Decimal(100), Decimal(150), Decimal(150), Decimal(200)]
    assert expected_range(Decimal(1600), monthly, Decimal(1), 6) == (1675, 1900)
    # 9923 + 20.5 = 9943.5 → 9943 (down); 9923 + 82 = 10005 → wraps past 9999 to 5.
    monthly = [Decimal(400), Decimal(400), Decimal(430)]
    assert expected_range(Decimal(9923), monthly, Decimal(10), 4) == (9943, 5)
    # 10 + 0.5 × 3.333… = 11.67 → 11 (down); 10 + 6.67 = 16.67 → 17 (up).
    monthly = [Decimal(3), Decimal(3), Decimal(4)]
    assert expected_range(Decimal(10), monthly, Decimal(1), 5) == (11, 17)
    assert expected_range(Decimal(10), monthly[:2], Decimal(1), 5) is None


def test_sheet_lines_and_pdf_text(session):
    build(session)
    sheet = route_sheet(session, "1号楼", now=NOW)
    assert sheet.title == "抄表卡 东校区/1号楼 2026-11"
    assert [(x.meter_no, x.last_value, x.last_date, x.expected) for x in sheet.lines] == [
        ("E1", "1600", dt.date(2026, 10, 15), "1675 ～ 1900"),
        ("E2", "9923", dt.date(2026, 10, 20), "9943 ～ 5"),
        ("W1", "31.5", dt.date(2026, 10, 10), "—"),
    ]
    assert sheet.lines[0].account == "A001 张三"
    name, mime, content = route_sheet_pdf(session, "东校区/1号楼", now=NOW)
    assert (name, mime) == ("抄表卡-东校区-1号楼-2026-11.pdf", "application/pdf")
    text = PdfReader(BytesIO(content)).pages[0].extract_text()
    for expected in ("E1", "E2", "W1", "1600", "1675", "1900", "9923", "9943", "31.5",
                     "2026-10-15", "本月预计范围", "本次读数", "抄表卡"):  # fmt: skip
        assert expected in text, expected
    assert "X9" not in text


def test_unknown_or_empty_building(session):
    with pytest.raises(DomainError, match="楼宇 9号楼 不存在"):
        route_sheet(session, "9号楼", now=NOW)


def test_cli(md_env, tmp_path):
    engine = create_engine(md_env)
    with unit_of_work(make_sessionmaker(engine)) as session:
        build(session)
    engine.dispose()
    target = tmp_path / "sheet.pdf"
    result = CliRunner().invoke(
        cli, ["route-sheet", "--building", "1号楼", "--kind", "water", "-o", str(target)]
    )
    assert result.exit_code == 0, result.output
    assert result.output.strip() == f"已写入 {target}"
    text = PdfReader(target).pages[0].extract_text()
    assert "W1" in text and "E1" not in text
