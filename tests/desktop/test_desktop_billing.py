"""The billing page driven for real (pytest-qt, offscreen) against PostgreSQL: run 2026-10
with a progress dialog and read the summary, browse the bills with filters and open one,
make a building's payment notices with progress, save every building's, and a clerk's run
refused by the service."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from openpyxl import load_workbook
from pypdf import PdfReader
from PySide6.QtCore import QSettings, Qt
from PySide6.QtWidgets import QMessageBox, QPushButton
from sqlalchemy import create_engine, func, select
from sqlalchemy.orm import Session

from desktop.app import ensure_application
from desktop.billing_dialogs import BillDetailDialog, RunProgressDialog
from desktop.billing_page import BillingPage
from desktop.modules import MODULES
from desktop.tasks import TaskRunner
from server.db.engine import make_engine, make_sessionmaker, unit_of_work
from server.db.models import Bill
from server.services.billing.billing_run import run_billing
from server.services.core.calendar import Period
from server.services.core.errors import PermissionDenied
from server.services.staff.org import add_staff_with_role
from server.services.staff.sign_in import StaffIdentity, staff_identity
from tests import factories as f
from tests.desktop_support import CLERK_LOGIN, seed_staff

WAIT_MS = 15_000
WATER = {"水费": [("0", "2.5"), ("10", "3.5")], "污水处理费": [("0", "0.95")]}


def _seed(url: str) -> None:
    """Residents' electricity at 0.5 a unit and water in two tiers plus sewage; no tariff
    for 单位. 2026-10:
    - A001 张三 (东校区 1号楼): E1 100 → 150 = 50 units → 25.00
    - A002 王五 (东校区 1号楼): E2 0 → 30 → 15.00; W2 100 → 112: 水费 10 × 2.5 + 2 × 3.5 =
      32.00, 污水处理费 12 × 0.95 = 11.40 → 58.40
    - A006 李八 (西校区 1号楼): E7 0 → 20 → 10.00
    - A003 王六: E3 read in September only, E6 never read → 2 × 本期未抄
    - A004 赵七: E4 read in October only → 无上期读数
    - A005 (单位): E5 0 → 10 → 无适用价格
    """
    engine = create_engine(url)
    try:
        with unit_of_work(make_sessionmaker(engine)) as session:
            f.tariff(session, components={"电费": [("0", "0.5")]})
            f.tariff(session, kind="water", components=WATER)
            a1 = f.account(session, "A001", holder_name="张三")
            a2 = f.account(session, "A002", holder_name="王五")
            a3 = f.account(session, "A003", holder_name="王六")
            a4 = f.account(session, "A004", holder_name="赵七")
            a5 = f.account(session, "A005", holder_name="后勤处", customer_class="单位")
            a6 = f.account(session, "A006", holder_name="李八", campus="西校区")
            for number, account, kind in (
                ("E1", a1, "electricity"), ("E2", a2, "electricity"), ("W2", a2, "water"),
                ("E3", a3, "electricity"), ("E6", a3, "electricity"),
                ("E4", a4, "electricity"), ("E5", a5, "electricity"), ("E7", a6, "electricity"),
            ):  # fmt: skip
                f.meter(session, number, account, kind=kind)
            for number, september, october in (
                ("E1", "100", "150"), ("E2", "0", "30"), ("W2", "100", "112"),
                ("E3", "10", None), ("E4", None, "40"), ("E5", "0", "10"), ("E7", "0", "20"),
            ):  # fmt: skip
                if september is not None:
                    f.read(session, number, "2026-09-28", september)
                if october is not None:
                    f.read(session, number, "2026-10-28", october)
            add_staff_with_role(
                session, f.ACTOR, login="zhao", name="赵经理", password="Manager-2026",
                role="manager", branch_code=None,
            )  # fmt: skip
    finally:
        engine.dispose()


@pytest.fixture
def world(fresh_database_url: str) -> tuple[StaffIdentity, StaffIdentity]:
    """(manager 赵经理, clerk 张三)."""
    seed_staff(fresh_database_url)
    _seed(fresh_database_url)
    engine = create_engine(fresh_database_url)
    try:
        with Session(engine) as session:
            return staff_identity(session, "zhao"), staff_identity(session, CLERK_LOGIN)
    finally:
        engine.dispose()


def make_page(qtbot, identity: StaffIdentity, url: str, tmp_path: Path) -> Iterator[BillingPage]:
    ensure_application("en")
    engine = make_engine(url)
    runner = TaskRunner(make_sessionmaker(engine))
    preferences = QSettings(str(tmp_path / "prefs.ini"), QSettings.Format.IniFormat)
    page = BillingPage(identity, runner, preferences=preferences)
    qtbot.addWidget(page)
    page.resize(1200, 760)
    with qtbot.waitSignal(page.loaded, timeout=WAIT_MS), qtbot.waitActive(page):
        page.show()
        page.activateWindow()
    with qtbot.waitSignal(page.bills_shown, timeout=WAIT_MS):
        page.set_period("2026-10")
    yield page
    runner.shutdown()
    engine.dispose()


@pytest.fixture
def page(qtbot, world, fresh_database_url: str, tmp_path: Path) -> Iterator[BillingPage]:
    yield from make_page(qtbot, world[0], fresh_database_url, tmp_path)


def bill_count(url: str) -> int:
    engine = create_engine(url)
    try:
        with Session(engine) as session:
            return session.scalar(select(func.count()).select_from(Bill)) or 0
    finally:
        engine.dispose()


def test_the_module_is_registered_for_billing():
    [spec] = [m for m in MODULES if m.key == "billing"]
    assert (spec.shortcut, spec.page) == ("Ctrl+6", "desktop.billing_page:BillingPage")


def test_run_a_period_then_browse_and_open_a_bill(
    qtbot, page: BillingPage, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
):
    assert page.bills_table.row_count() == 0
    assert page.count_label.text().startswith("0 ")
    # Ctrl+R asks (估抄 off, as the setting is by default), then Yes runs with the busy bar
    # and its clock up while the worker bills.
    qtbot.keyClick(page.period_combo, Qt.Key.Key_R, Qt.KeyboardModifier.ControlModifier)
    ask = page.run_question
    assert ask is not None and ask.isVisible()
    assert ask.text() == "Bill the period 2026-10 now?"
    assert not ask.estimate_check.isChecked()
    with qtbot.waitSignal(page.run_finished, timeout=WAIT_MS) as finished:
        qtbot.mouseClick(ask.button(QMessageBox.StandardButton.Yes), Qt.MouseButton.LeftButton)
        progress = page.progress
        assert isinstance(progress, RunProgressDialog) and progress.isVisible()
        assert progress.bar.maximum() == 0 and "2026-10" in progress.label.text()
    result = finished.args[0]
    assert page.progress is None and page.run_button.isEnabled()
    assert result.created == 3
    assert page.summary_label.text().startswith("2026-10: 3 bills created, 4 meters skipped")
    reasons = {
        page.reasons_table.text_at(r, 0): page.reasons_table.text_at(r, 1)
        for r in range(page.reasons_table.row_count())
    }
    assert reasons == {"本期未抄": "2", "无上期读数": "1", "无适用价格": "1"}
    assert page.reasons_table.text_at(0, 0) == "本期未抄"  # most first
    skipped = [
        (page.skipped_table.text_at(r, 0), page.skipped_table.text_at(r, 1))
        for r in range(page.skipped_table.row_count())
    ]
    assert skipped == [("E3", "本期未抄"), ("E4", "无上期读数"), ("E5", "无适用价格"),
                       ("E6", "本期未抄")]  # fmt: skip

    with qtbot.waitSignal(page.exported, timeout=WAIT_MS):
        page.export_result(tmp_path / "run.xlsx")
    book = load_workbook(tmp_path / "run.xlsx")
    assert book.sheetnames == ["出账汇总", "跳过表计"]
    assert [c.value for c in book["出账汇总"]["B"][:3]] == ["2026-10", 3, 4]
    assert [r for r in book["跳过表计"].iter_rows(values_only=True)][1] == ("E3", "本期未抄")

    # The list refreshed by itself: 25.00 + 58.40 + 10.00 = 93.40.
    qtbot.waitUntil(lambda: page.bills_table.row_count() == 3, timeout=WAIT_MS)
    assert page.count_label.text() == "3 bills, 93.40 in all"
    rows = [[page.bills_table.text_at(r, c) for c in range(5)] for r in range(3)]
    assert rows[1] == ["A002", "王五", "东校区 1号楼 2单元 301", "58.40", "未缴"]

    # Filters: 西校区 alone; then every campus, accounts from A00 that are paid (none).
    with qtbot.waitSignal(page.bills_shown, timeout=WAIT_MS) as shown:
        page.place_picker.campus_combo.setCurrentIndex(
            page.place_picker.campus_combo.findData("西校区")
        )
    assert [r.account_no for r in shown.args[0].rows] == ["A006"]
    assert page.bills_table.text_at(0, 3) == "10.00"
    with qtbot.waitSignal(page.bills_shown, timeout=WAIT_MS):
        page.place_picker.campus_combo.setCurrentIndex(0)
    with qtbot.waitSignal(page.bills_shown, timeout=WAIT_MS) as shown:
        page.status_combo.setCurrentIndex(page.status_combo.findData("paid"))
    assert shown.args[0].count == 0
    with qtbot.waitSignal(page.bills_shown, timeout=WAIT_MS):
        page.status_combo.setCurrentIndex(0)
    page.account_edit.setText("A002")
    with qtbot.waitSignal(page.bills_shown, timeout=WAIT_MS) as shown:
        qtbot.keyClick(page.account_edit, Qt.Key.Key_Return)
    assert shown.args[0].count == 1 and page.bills_table.row_count() == 1

    # Enter (or a double-click) on a row opens the bill: both meters, three lines.
    page.tabs.setCurrentIndex(1)
    page.bills_table.selectRow(0)
    with qtbot.waitSignal(page.bill_opened, timeout=WAIT_MS) as opened:
        qtbot.keyClick(page.bills_table, Qt.Key.Key_Return)
    dialog: BillDetailDialog = opened.args[0]
    assert dialog.total_label.text() == "58.40"
    meters = [[dialog.meters_table.text_at(r, c) for c in range(5)] for r in range(2)]
    assert meters == [["E2", "电表", "0", "30", "30"], ["W2", "水表", "100", "112", "12"]]
    assert [dialog.lines_table.text_at(r, 2) for r in range(3)] == ["15.00", "32.00", "11.40"]
    dialog.close()

    # Running again creates nothing twice.
    with qtbot.waitSignal(page.run_finished, timeout=WAIT_MS) as again:
        page.run_period()
    assert again.args[0].created == 0 and again.args[0].already_billed == 3


def test_notices_of_a_building_with_progress_and_all_buildings_to_a_folder(
    qtbot, page: BillingPage, fresh_database_url: str, tmp_path: Path
):
    with qtbot.waitSignal(page.run_finished, timeout=WAIT_MS):
        page.run_period()
    qtbot.waitUntil(lambda: page.buildings_table.row_count() == 2, timeout=WAIT_MS)
    assert [page.buildings_table.text_at(r, 0) for r in range(2)] == [
        "东校区/1号楼",
        "西校区/1号楼",
    ]
    assert page.buildings_table.text_at(0, 1) == "2"

    page.tabs.setCurrentIndex(2)
    page.buildings_table.selectRow(0)
    with qtbot.waitSignal(page.notices_ready, timeout=WAIT_MS) as ready:
        qtbot.mouseClick(page.notices_button, Qt.MouseButton.LeftButton)
        assert page.export is not None and page.export.dialog.isVisible()
    # The progress dialog counted the pages: n / total, here 2 of 2.
    assert (page.export.dialog.value(), page.export.dialog.maximum()) == (2, 2)
    assert page.export.dialog.labelText() == "Notice 2 / 2"
    assert not page.export.dialog.isVisible()
    document = ready.args[0]
    assert document.filename == "缴款通知单-2026-10-东校区-1号楼.pdf"
    assert len(document.page_labels) == 2
    pages = [p.extract_text() for p in PdfReader(document.save_document(tmp_path / "b.pdf")).pages]
    assert "张三" in pages[0] and "¥25.00" in pages[0] and "贰拾伍元整" in pages[0]
    assert "王五" in pages[1] and "¥58.40" in pages[1] and "伍拾捌元肆角整" in pages[1]
    assert all("水电费缴款通知单" in p and "2026 年 11 月 30 日" in p for p in pages)
    document.close()

    # One account; an empty number is refused on the spot, naming the field.
    page.by_account.setChecked(True)
    page.make_notices()
    assert page.notice_hint.text() == "Account no. is required" and page.export.dialog.isHidden()
    page.notice_account_edit.setText("A006")
    with qtbot.waitSignal(page.notices_ready, timeout=WAIT_MS) as ready:
        page.make_notices()
    [only] = PdfReader(ready.args[0].save_document(tmp_path / "a.pdf")).pages
    assert "李八" in only.extract_text() and "壹拾元整" in only.extract_text()
    ready.args[0].close()

    folder = tmp_path / "all"
    folder.mkdir()
    with qtbot.waitSignal(page.notices_saved, timeout=WAIT_MS) as saved:
        page.save_all_notices(folder)
    outcome = saved.args[0]
    assert (outcome.pages, outcome.cancelled) == (3, False)
    assert sorted(p.name for p in folder.iterdir()) == [
        "缴款通知单-2026-10-东校区-1号楼.pdf",
        "缴款通知单-2026-10-西校区-1号楼.pdf",
    ]
    # The box names the folder they went to.
    told = [w.text() for w in page.findChildren(QMessageBox, "savedMessage") if w.isVisible()]
    assert told[-1] == f"2 files saved in:\n{folder}"
    assert page.notice_hint.text() == "2 PDF files, 3 notices saved"


def test_cancel_stops_the_notices(qtbot, page: BillingPage, tmp_path: Path):
    with qtbot.waitSignal(page.run_finished, timeout=WAIT_MS):
        page.run_period()
    qtbot.waitUntil(lambda: page.buildings_table.row_count() == 2, timeout=WAIT_MS)
    folder = tmp_path / "none"
    folder.mkdir()
    with qtbot.waitSignal(page.notices_saved, timeout=WAIT_MS) as saved:
        page.save_all_notices(folder)
        # At once, before the worker draws its first page.
        qtbot.mouseClick(page.export.dialog.findChild(QPushButton), Qt.MouseButton.LeftButton)
    assert (saved.args[0].paths, saved.args[0].cancelled) == ((), True)
    assert list(folder.iterdir()) == []
    assert page.notice_hint.text() == "0 PDF files, 0 notices saved (stopped before the end)"


def test_the_run_estimates_unread_meters_when_ticked(
    qtbot, world, fresh_database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    """The setting billing.estimate ticks 估抄未抄表计; E3 and E6 are unread and have no
    three months of history, so they are skipped as such rather than as unread. E8 (A007),
    read 0, 10, 20, 36 from June to September, is billed on (10 + 10 + 16) / 3 = 12.00:
    36 → 48, 12 × 0.5 = 6.00."""
    monkeypatch.setenv("MD_HOME", str(tmp_path / "md_home"))
    monkeypatch.setenv("MD_BILLING_ESTIMATE", "true")
    engine = create_engine(fresh_database_url)
    with unit_of_work(make_sessionmaker(engine)) as session:
        f.meter(session, "E8", f.account(session, "A007", holder_name="周九"))
        for day, value in (("06-28", "0"), ("07-28", "10"), ("08-28", "20"), ("09-28", "36")):
            f.read(session, "E8", f"2026-{day}", value)
    engine.dispose()
    for page in make_page(qtbot, world[0], fresh_database_url, tmp_path):
        qtbot.mouseClick(page.run_button, Qt.MouseButton.LeftButton)
        ask = page.run_question
        assert ask is not None and ask.estimate_check.isChecked()
        assert ask.estimate_check.text() == "Estimate unread meters"
        with qtbot.waitSignal(page.run_finished, timeout=WAIT_MS) as finished:
            qtbot.mouseClick(ask.button(QMessageBox.StandardButton.Yes), Qt.MouseButton.LeftButton)
        assert [(s.meter_no, s.reason) for s in finished.args[0].skipped] == [
            ("E3", "no_history"), ("E4", "no_previous"), ("E5", "no_tariff"),
            ("E6", "no_history"),
        ]  # fmt: skip
        assert page.summary_label.text() == (
            "2026-10: 4 bills created, 4 meters skipped. 1 meters billed on an estimate (估)."
        )
        skipped = [
            (page.skipped_table.text_at(r, 0), page.skipped_table.text_at(r, 1))
            for r in range(page.skipped_table.row_count())
        ]
        assert skipped[0] == ("E3", "历史不足3个月")
        # Unticked, No leaves the period alone.
        qtbot.mouseClick(page.run_button, Qt.MouseButton.LeftButton)
        ask = page.run_question
        qtbot.mouseClick(ask.estimate_check, Qt.MouseButton.LeftButton)
        assert not ask.estimate_check.isChecked()
        qtbot.mouseClick(ask.button(QMessageBox.StandardButton.No), Qt.MouseButton.LeftButton)
        assert page.progress is None and page.run_button.isEnabled()
    assert bill_count(fresh_database_url) == 4


def test_a_clerk_cannot_run_the_billing(
    qtbot, world, fresh_database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    clerk = world[1]
    warnings: list[str] = []
    monkeypatch.setattr(QMessageBox, "warning", lambda _p, _t, text, *a: warnings.append(text))
    for page in make_page(qtbot, clerk, fresh_database_url, tmp_path):
        page.run_period()
        qtbot.waitUntil(lambda: bool(warnings), timeout=WAIT_MS)
        assert warnings == ["zhangsan 张三 没有“账务管理”权限"]
        assert page.progress is None and page.result is None
    assert bill_count(fresh_database_url) == 0
    engine = create_engine(fresh_database_url)
    try:
        with Session(engine) as session, pytest.raises(PermissionDenied, match="账务管理"):
            run_billing(session, clerk.actor, Period.parse("2026-10"))
    finally:
        engine.dispose()
