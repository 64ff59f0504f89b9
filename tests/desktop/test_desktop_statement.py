"""The account statement view (账户明细) driven for real against PostgreSQL: the hand-computed
lines of A001, a date range, a bad date refused, and the statement saved as PDF and Excel
through the real file dialog."""

from __future__ import annotations

import io
import subprocess
from collections.abc import Iterator
from datetime import timedelta
from decimal import Decimal as D
from pathlib import Path

import openpyxl
import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QWidget
from sqlalchemy import create_engine

from desktop.accounts_page import AccountsPage
from desktop.app import ensure_application
from desktop.statement_view import StatementView
from server.db.engine import make_sessionmaker, unit_of_work
from tests.desktop.test_desktop_accounts import build_account_a001, page, world  # noqa: F401 (fixtures)
from tests.desktop_support import answer_file_dialog, page_runner, seed_staff

WAIT_MS = 10_000


@pytest.fixture
def view(qtbot, fresh_database_url: str, tmp_path: Path, monkeypatch) -> Iterator[StatementView]:
    monkeypatch.setenv("HOME", str(tmp_path))
    seed_staff(fresh_database_url)
    engine = create_engine(fresh_database_url)
    try:
        with unit_of_work(make_sessionmaker(engine)) as session:
            build_account_a001(session)
    finally:
        engine.dispose()
    ensure_application("en")
    with page_runner(fresh_database_url, tmp_path) as (runner, _):
        host = QWidget()
        qtbot.addWidget(host)
        refusals: list[str] = []
        shown = StatementView(runner, lambda e: refusals.append(e.message), host)
        shown.refusals = refusals  # type: ignore[attr-defined]
        host.resize(1100, 600)
        host.show()
        with qtbot.waitSignal(shown.shown, timeout=WAIT_MS):
            shown.set_account("A001")
        yield shown


def texts(view: StatementView) -> list[list[str]]:
    table = view.table
    return [[table.text_at(r, c) for c in range(6)] for r in range(table.row_count())]


def test_lines_in_order_with_the_running_balance(qtbot, view: StatementView):
    # A001 (one transaction): P1 80.00 and P2 70.00 billed; 80.00 paid (P1); 30.00 paid and
    # voided. Running: −80, −150, −70, −40, −70; 70.00 owed, balance 0.
    statement = view.statement
    assert statement is not None
    p1, p2 = (line.document for line in statement.lines[:2])
    receipt, voided = statement.lines[2].document, statement.lines[3].document
    day = statement.lines[0].day.isoformat()
    assert texts(view) == [
        ["", "", "期初余额", "", "", "0.00"],
        [day, p1, p1[3:] + " 电费、水费", "80.00", "", "-80.00"],
        [day, p2, p2[3:] + " 电费、水费", "70.00", "", "-150.00"],
        [day, receipt, "收款（现金）", "", "80.00", "-70.00"],
        [day, voided, "收款（现金）", "", "30.00", "-40.00"],
        [day, voided, "冲正（收据作废）：收错户号", "30.00", "", "-70.00"],
        ["", "", "本期合计 / 期末余额", "180.00", "110.00", "-70.00"],
    ]
    # Every column but 摘要 is as wide as its figures and in view; 摘要 takes what is left.
    table = view.table
    assert table.columnViewportPosition(5) + table.columnWidth(5) <= table.viewport().width()
    assert view.position_label.text() == (
        "当前账户余额 0.00 元，未缴本金 70.00 元，未缴滞纳金 0.00 元，押金 0.00 元（另行保管）"
    )

    # From tomorrow: everything is before, in the opening balance.
    tomorrow = (statement.lines[0].day + timedelta(days=1)).isoformat()
    view.from_edit.setText(tomorrow)
    with qtbot.waitSignal(view.shown, timeout=WAIT_MS):
        qtbot.mouseClick(view.show_button, Qt.MouseButton.LeftButton)
    assert texts(view) == [
        [tomorrow, "", "期初余额", "", "", "-70.00"],
        ["", "", "本期合计 / 期末余额", "0.00", "0.00", "-70.00"],
    ]

    view.to_edit.setText("2026-02-30")
    qtbot.mouseClick(view.show_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: bool(view.refusals), timeout=WAIT_MS)  # type: ignore[attr-defined]
    assert view.refusals == ["日期无效：2026-02-30（该月没有这一天）"]  # type: ignore[attr-defined]


def test_saved_as_pdf_and_excel(qtbot, view: StatementView, tmp_path: Path):
    pdf = tmp_path / "a001.pdf"
    answer_file_dialog(qtbot, pdf)
    with qtbot.waitSignal(view.exported, timeout=WAIT_MS) as saved:
        qtbot.mouseClick(view.pdf_button, Qt.MouseButton.LeftButton)
    assert saved.args == [str(pdf)]
    text = subprocess.run(["pdftotext", "-raw", "-enc", "UTF-8", str(pdf), "-"],
                          capture_output=True, text=True, check=True).stdout  # fmt: skip
    assert "账户明细" in text and "户号 A001 户名 张三" in text
    assert "冲正（收据作废）：收错户号 30.00 -70.00" in text

    xlsx = tmp_path / "a001.xlsx"
    answer_file_dialog(qtbot, xlsx)
    with qtbot.waitSignal(view.exported, timeout=WAIT_MS):
        qtbot.mouseClick(view.excel_button, Qt.MouseButton.LeftButton)
    sheet = openpyxl.load_workbook(io.BytesIO(xlsx.read_bytes()))["账户明细"]
    last = [c.value for c in list(sheet.iter_rows())[-1]]
    assert last == [None, None, "本期合计 / 期末余额", 180, 110, -70]


def test_a_refusal_reaches_the_page(qtbot, view: StatementView):
    view.set_account("X404")
    qtbot.waitUntil(lambda: bool(view.refusals), timeout=WAIT_MS)  # type: ignore[attr-defined]
    assert view.refusals == ["户号 X404 不存在"]  # type: ignore[attr-defined]


def test_the_accounts_page_shows_the_statement_on_its_tab(qtbot, page: AccountsPage):  # noqa: F811
    # A001 is open; its statement is read only once the tab is clicked.
    statement = page.statement_view
    assert statement.statement is None
    bar = page.tabs.tabBar()
    index = page.tabs.indexOf(statement)
    assert page.tabs.tabText(index) == "Account statement"
    with qtbot.waitSignal(statement.shown, timeout=WAIT_MS) as shown:
        qtbot.mouseClick(bar, Qt.MouseButton.LeftButton, pos=bar.tabRect(index).center())
    assert shown.args[0].account_no == "A001" and shown.args[0].closing == D("-70.00")
    assert texts(statement)[-1] == ["", "", "本期合计 / 期末余额", "180.00", "110.00", "-70.00"]

    # Another account opened while the tab shows: its statement follows.
    page.search_edit.setText("王五")
    with qtbot.waitSignal(statement.shown, timeout=WAIT_MS) as shown:
        qtbot.keyClick(page.search_edit, Qt.Key.Key_Return)
    assert shown.args[0].account_no == "A002"
    assert texts(statement) == [
        ["", "", "期初余额", "", "", "0.00"],
        ["", "", "本期合计 / 期末余额", "0.00", "0.00", "0.00"],
    ]
