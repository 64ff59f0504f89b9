"""`meterdesk account statement` against a fresh database: JSON, the printed table, PDF and
xlsx by the file's suffix, and its refusals."""

from __future__ import annotations

import io
import json
import subprocess
from decimal import Decimal as D

import openpyxl
import pytest
from click.testing import CliRunner
from sqlalchemy import create_engine

from server.cli import cli
from server.db.engine import make_sessionmaker, unit_of_work
from server.services.collection.payments import PaymentRequest, take_payment
from tests import factories as f


@pytest.fixture
def world(md_env: str) -> str:
    """A001: 2099-01 100.00 and 2099-02 80.00 billed, 150.00 paid (receipt returned)."""
    engine = create_engine(md_env)
    with unit_of_work(make_sessionmaker(engine)) as session:
        f.branches(session)
        a = f.account(session, "A001")
        f.bill(session, a, "2099-01", "100.00")
        f.bill(session, a, "2099-02", "80.00")
        request = PaymentRequest("A001", D("150.00"), "cash", "D")
        receipt = take_payment(session, f.ACTOR, request).receipt_no
    engine.dispose()
    return receipt


def test_json_and_the_printed_table(world):
    runner = CliRunner()
    result = runner.invoke(cli, ["account", "statement", "A001", "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    day = data["lines"][0]["date"]
    assert data["lines"] == [
        {"date": day, "document": "账单 2099-01", "summary": "2099-01 电费", "debit": "100.00",
         "credit": None, "balance": "-100.00"},
        {"date": day, "document": "账单 2099-02", "summary": "2099-02 电费", "debit": "80.00",
         "credit": None, "balance": "-180.00"},
        {"date": day, "document": world, "summary": "收款（现金）", "debit": None,
         "credit": "150.00", "balance": "-30.00"},
    ]  # fmt: skip
    assert {k: data[k] for k in ("account_no", "from", "to", "opening", "closing", "debits",
                                 "credits", "balance", "open_principal", "deposit")} == {
        "account_no": "A001", "from": None, "to": None, "opening": "0.00", "closing": "-30.00",
        "debits": "180.00", "credits": "150.00", "balance": "0.00", "open_principal": "30.00",
        "deposit": "0.00",
    }  # fmt: skip

    printed = runner.invoke(cli, ["account", "statement", "A001", "--from", "2099-01-01"])
    assert printed.exit_code == 0, printed.output
    assert printed.output.splitlines() == [
        "2099-01-01\t\t期初余额\t\t\t-30.00",
        "\t\t本期合计 / 期末余额\t0.00\t0.00\t-30.00",
        "当前账户余额 0.00 元，未缴本金 30.00 元，未缴滞纳金 0.00 元，押金 0.00 元（另行保管）",
    ]


def test_pdf_and_xlsx_by_the_suffix(world, tmp_path):
    runner = CliRunner()
    pdf = tmp_path / "a001.pdf"
    result = runner.invoke(cli, ["account", "statement", "A001", "-o", str(pdf)])
    assert result.exit_code == 0, result.output
    assert result.output == f"已写入 {pdf}：户号 A001，3 笔\n"
    text = subprocess.run(["pdftotext", "-raw", "-enc", "UTF-8", str(pdf), "-"],
                          capture_output=True, text=True, check=True).stdout  # fmt: skip
    assert "账户明细" in text and f"{world} 收款（现金） 150.00 -30.00" in text

    xlsx = tmp_path / "a001.xlsx"
    assert runner.invoke(cli, ["account", "statement", "A001", "-o", str(xlsx)]).exit_code == 0
    sheet = openpyxl.load_workbook(io.BytesIO(xlsx.read_bytes()))["账户明细"]
    rows = [[c.value for c in row] for row in sheet.iter_rows()]
    assert rows[-1] == [None, None, "本期合计 / 期末余额", 180, 150, -30]


@pytest.mark.parametrize(
    ("args", "said"),
    [
        (["X404"], "错误：户号 X404 不存在"),
        (["A001", "--from", "2099-02-01", "--to", "2099-01-01"],
         "错误：结束日期 2099-01-01 早于开始日期 2099-02-01"),
        (["A001", "-o", "a.csv"], "输出文件须为 .pdf 或 .xlsx，收到 a.csv"),
        (["A001", "--json", "-o", "a.pdf"], "--json 与 -o 只能选一个"),
    ],
)  # fmt: skip
def test_refusals(world, args, said, tmp_path, monkeypatch):
    out = tmp_path / "out"
    out.mkdir()
    monkeypatch.chdir(out)
    result = CliRunner().invoke(cli, ["account", "statement", *args])
    assert result.exit_code == 2 and said in result.output
    assert list(out.iterdir()) == []
