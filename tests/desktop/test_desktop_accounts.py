"""The accounts page (用户信息管理) driven for real against PostgreSQL: search, open, the tabs
with hand-computed bills, receipts and the usage chart; create and edit with history; the
service's refusals (duplicate, unknown class, no permission)."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal as D
from pathlib import Path

import pytest
from PySide6.QtCore import QSettings, Qt
from PySide6.QtWidgets import QDialogButtonBox, QMessageBox
from sqlalchemy import create_engine
from sqlalchemy.orm import Session

from desktop.accounts_page import AccountsPage
from desktop.app import ensure_application
from desktop.tasks import TaskRunner
from server.db.engine import make_engine, make_sessionmaker, unit_of_work
from server.services.accounts.account_history import account_history
from server.services.accounts.accounts import update_account
from server.services.billing.billing_run import run_billing
from server.services.collection.account_detail import monthly_usage
from server.services.collection.payments import PaymentRequest, take_payment
from server.services.collection.voids import void_receipt
from server.services.core import calendar
from server.services.core.errors import DomainError, PermissionDenied
from server.services.staff import org
from server.services.staff.sign_in import StaffIdentity, staff_identity
from tests import factories as f
from tests.desktop_support import CLERK_LOGIN, seed_staff

WAIT_MS = 10_000
THIS_MONTH = calendar.Period.of(calendar.now())
P0, P1, P2 = THIS_MONTH.shift(-3), THIS_MONTH.shift(-2), THIS_MONTH.shift(-1)


def _day(period: calendar.Period) -> str:
    return f"{period}-15"


def build_account_a001(session: Session) -> None:
    """A001 (张三): electricity M-E1 reads 100 → 220 → 300 and water M-W1 10 → 18 → 30 in
    P0, P1, P2; at 0.50 /kWh and 2.50 /m³ the bills are P1 120×0.5 + 8×2.5 = 80.00 and
    P2 80×0.5 + 12×2.5 = 70.00. 80.00 paid (P1 paid off), then 30.00 paid and voided."""
    f.tariff(session, "electricity", components={"电费": [("0", "0.5")]})
    f.tariff(session, "water", components={"水费": [("0", "2.5")]})
    a = f.account(session, "A001")
    f.meter(session, "M-E1", a)
    f.meter(session, "M-W1", a, kind="water", digits=5)
    for period, e, w in ((P0, "100", "10"), (P1, "220", "18"), (P2, "300", "30")):
        f.read(session, "M-E1", _day(period), e)
        f.read(session, "M-W1", _day(period), w)
    run_billing(session, f.ACTOR, P1)
    run_billing(session, f.ACTOR, P2)
    request = {"channel": "cash", "branch_code": "E01"}
    take_payment(session, f.ACTOR, PaymentRequest("A001", D("80.00"), **request))
    second = take_payment(session, f.ACTOR, PaymentRequest("A001", D("30.00"), **request))
    void_receipt(session, f.ACTOR, second.receipt_no, "收错户号")


@pytest.fixture
def world(fresh_database_url: str) -> StaffIdentity:
    seed_staff(fresh_database_url)
    engine = create_engine(fresh_database_url)
    try:
        with unit_of_work(make_sessionmaker(engine)) as session:
            build_account_a001(session)
            f.account(session, "A002", holder_name="王五")
            f.account(session, "A003", holder_name="王六")
            return staff_identity(session, CLERK_LOGIN)  # clerks hold "accounts"
    finally:
        engine.dispose()


@pytest.fixture
def page(
    qtbot, world: StaffIdentity, fresh_database_url: str, tmp_path: Path
) -> Iterator[AccountsPage]:
    ensure_application("en")
    engine = make_engine(fresh_database_url)
    runner = TaskRunner(make_sessionmaker(engine))
    preferences = QSettings(str(tmp_path / "prefs.ini"), QSettings.Format.IniFormat)
    accounts = AccountsPage(world, runner, preferences=preferences)
    qtbot.addWidget(accounts)
    accounts.resize(1280, 800)
    with qtbot.waitSignal(accounts.loaded, timeout=WAIT_MS), qtbot.waitActive(accounts):
        accounts.show()
        accounts.activateWindow()
    yield accounts
    runner.shutdown()
    engine.dispose()


def test_search_open_and_the_tabs_show_the_account(qtbot, page: AccountsPage):
    # Loaded by itself: the first accounts listed, the first one open.
    assert page.results_table.row_count() == 3
    assert page.record is not None and page.record.account.account_no == "A001"

    page.search_edit.setText("王")
    with qtbot.waitSignal(page.searched, timeout=WAIT_MS):
        qtbot.keyClick(page.search_edit, Qt.Key.Key_Return)
    assert [page.results_table.text_at(r, 1) for r in range(2)] == ["王五", "王六"]

    page.search_edit.setText("M-E1")  # a meter number finds its account and opens it
    with qtbot.waitSignal(page.account_opened, timeout=WAIT_MS) as opened:
        qtbot.keyClick(page.search_edit, Qt.Key.Key_Return)
    record = opened.args[0]
    assert record.account.account_no == "A001"
    assert page.title_label.text() == "A001  张三"
    assert "东校区 1号楼 2单元 301" in page.detail_label.text()

    meters = page.meters_table
    assert [meters.text_at(r, 0) for r in range(2)] == ["M-E1", "M-W1"]
    assert meters.text_at(0, 7) == "300" and meters.text_at(1, 7) == "30"

    bills = page.bills_table
    assert bills.row_count() == 2
    assert [bills.text_at(0, c) for c in range(7)] == [
        str(P2),
        "未缴",
        "80",
        "12",
        "70.00",
        "0.00",
        "70.00",
    ]
    assert [bills.text_at(1, c) for c in range(7)] == [
        str(P1),
        "已缴清",
        "120",
        "8",
        "80.00",
        "80.00",
        "0.00",
    ]

    payments = page.payments_table
    assert payments.row_count() == 2
    amounts = sorted((payments.text_at(r, 2), payments.is_struck(r)) for r in range(2))
    assert amounts == [("30.00", True), ("80.00", False)]

    # The chart: one bar set per kind over 12 periods ending last month.
    series = page.usage_series
    assert series is not None
    electricity, water = series.barSets()
    assert electricity.count() == water.count() == 12
    assert [electricity.at(i) for i in (9, 10, 11)] == [0.0, 120.0, 80.0]
    assert [water.at(i) for i in (9, 10, 11)] == [0.0, 8.0, 12.0]
    assert sum(electricity.at(i) for i in range(12)) == 200.0

    page.tabs.setCurrentWidget(page.chart_view)  # renders without complaint
    page.grab()


def test_create_then_edit_keeps_history(qtbot, page: AccountsPage, monkeypatch):
    page.ask_create()
    dialog = page.dialog
    assert dialog is not None
    ok = dialog.buttons.button(QDialogButtonBox.StandardButton.Ok)
    assert not ok.isEnabled() and "Account no." in dialog.hint.text()
    qtbot.keyClicks(dialog.account_no_edit, "A009")
    assert "Holder" in dialog.hint.text()  # the hint names the next field that is wrong
    dialog.holder_edit.setText("韩梅梅")
    dialog.place_picker.building_combo.setCurrentText("5号楼")
    dialog.room_edit.setText("101")
    qtbot.keyClicks(dialog.mobile_edit, "138x")
    assert "Mobile" in dialog.hint.text() and not ok.isEnabled()
    dialog.mobile_edit.setText("13800000000")
    assert ok.isEnabled() and dialog.hint.text() == ""
    with (
        qtbot.waitSignal(page.saved, timeout=WAIT_MS) as saved,
        qtbot.waitSignal(page.account_opened, timeout=WAIT_MS),
    ):
        ok.click()
    assert saved.args == ["A009"]
    qtbot.waitUntil(
        lambda: page.record is not None and page.record.account.account_no == "A009",
        timeout=WAIT_MS,
    )
    assert page.record.account.address == "东校区 5号楼 101"
    assert page.history_table.row_count() == 1
    assert page.history_table.text_at(0, 2) == "开户"

    page.ask_edit()
    dialog = page.dialog
    assert dialog.account_no_edit.isReadOnly() and dialog.holder_edit.text() == "韩梅梅"
    dialog.holder_edit.setText("李雷")
    dialog.room_edit.setText("502")
    dialog.mode_combo.setCurrentIndex(dialog.mode_combo.findData("prepaid"))
    assert set(dialog.changes()) == {"holder_name", "room", "billing_mode"}
    with qtbot.waitSignal(page.saved, timeout=WAIT_MS):
        dialog.buttons.button(QDialogButtonBox.StandardButton.Ok).click()
    qtbot.waitUntil(lambda: page.history_table.row_count() == 4, timeout=WAIT_MS)
    rows = [[page.history_table.text_at(r, c) for c in range(2, 6)] for r in range(4)]
    assert rows == [
        ["修改", "户主", "韩梅梅", "李雷"],
        ["修改", "房号", "101", "502"],
        ["修改", "收费方式", "后收费", "预收费"],
        ["开户", "户号", "", "A009"],
    ]
    assert page.title_label.text() == "A009  李雷"
    assert page.history_table.text_at(0, 1).endswith("张三")

    # A duplicate account number: the service refuses and the page says why.
    shown: list[str] = []
    monkeypatch.setattr(QMessageBox, "warning", lambda parent, title, text: shown.append(text))
    with qtbot.waitSignal(page.refused, timeout=WAIT_MS) as refused:
        page.create(
            {"account_no": "A001", "holder_name": "某", "customer_class": "居民",
             "campus": "东校区", "building": "", "unit": "", "room": "", "mobile": "",
             "billing_mode": "postpaid"}
        )  # fmt: skip
    assert refused.args == ["户号 A001 已存在"] and shown == ["户号 A001 已存在"]


# ---- the services --------------------------------------------------------------------------


@pytest.fixture
def a001(session: Session) -> Session:
    f.branches(session)
    f.tariff(session, "electricity")
    f.account(session, "A001")
    return session


def test_update_account_audits_before_and_after(a001: Session):
    view = update_account(a001, f.ACTOR, "A001", {"mobile": "13900000000", "unit": "3"})
    assert view.mobile == "13900000000" and view.address == "东校区 1号楼 3单元 301"
    # Nothing changed: nothing recorded.
    update_account(a001, f.ACTOR, "A001", {"mobile": "13900000000"})
    history = account_history(a001, "A001")
    assert [(h.action, h.field, h.before, h.after) for h in history] == [
        ("修改", "单元", "2", "3"),
        ("修改", "手机", "", "13900000000"),
        ("开户", "户号", "", "A001"),
    ]


def test_update_account_refusals(a001: Session):
    with pytest.raises(DomainError, match="未知的用户类别"):
        update_account(a001, f.ACTOR, "A001", {"customer_class": "外星人"})
    with pytest.raises(DomainError, match="户主不能为空"):
        update_account(a001, f.ACTOR, "A001", {"holder_name": "  "})
    with pytest.raises(DomainError, match="不能修改 account_no"):
        update_account(a001, f.ACTOR, "A001", {"account_no": "A002"})
    with pytest.raises(DomainError, match="手机号"):
        update_account(a001, f.ACTOR, "A001", {"mobile": "abc"})
    # A staff member whose post holds no "accounts" module.
    campus = org.ensure_campus(a001, "东校区")
    branch = org.ensure_branch(a001, campus, "E01", "东区分中心")
    guard = org.create_staff(
        a001, f.ACTOR, login="guard", name="门卫", password="Guard-2026-x",
        department=org.ensure_department(a001, "BW", "保卫科"),
        post=org.ensure_post(a001, "guard", "门卫"), branch=branch,
    )  # fmt: skip
    actor = staff_identity(a001, "guard").actor
    assert actor.staff_id == guard.id
    with pytest.raises(PermissionDenied, match="用户信息管理"):
        update_account(a001, actor, "A001", {"mobile": "13900000000"})


def test_monthly_usage_sums_bill_meters_per_period_and_kind(session: Session):
    f.branches(session)
    build_account_a001_for_session(session)
    usage = monthly_usage(session, "A001", months=3, end=P2)
    assert usage.periods == (str(P0), str(P1), str(P2))
    assert usage.of("electricity") == (D("0.000"), D("120.000"), D("80.000"))
    assert usage.of("water") == (D("0.000"), D("8.000"), D("12.000"))


def build_account_a001_for_session(session: Session) -> None:
    campus = org.ensure_campus(session, "东校区")
    org.ensure_branch(session, campus, "E01", "东区分中心")
    build_account_a001(session)
