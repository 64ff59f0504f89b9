"""The tariffs page driven for real (pytest-qt, offscreen, in Chinese) against PostgreSQL:
the tariffs listed by kind and class with their tier basis, the editor's checks as typed, a
preview priced by the billing run's own function (0–200 at 0.5, above 200 at 0.8: 250 →
100.00 + 40.00 = 140.00), saving a new effective-dated tariff (annual tiers too), a new
customer class, and the late-fee policy of a class."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from decimal import Decimal as D
from pathlib import Path

import pytest
from PySide6.QtCore import QDate, QPoint, Qt
from sqlalchemy import create_engine, select
from sqlalchemy.orm import Session

from desktop.app import ensure_application
from desktop.tariff_dialogs import NAME, PRICE, START, TariffEditor
from desktop.tariffs_page import TariffsPage
from server.db.engine import make_sessionmaker, unit_of_work
from server.db.models import CustomerClass, LateFeePolicy, Tariff, TariffComponent, TariffTier
from server.services.billing.late_fees import set_late_fee_policy
from server.services.billing.tariff_desk import late_fee_overview, tariff_rows
from server.services.billing.tariffs import ComponentSpec, TariffSpec, Tier, create_tariff
from server.services.core.errors import PermissionDenied
from server.services.staff.org import add_staff_with_role
from server.services.staff.sign_in import StaffIdentity, staff_identity
from tests import factories as f
from tests.desktop_support import ACTOR, CLERK_LOGIN, PASSWORD, page_runner, seed_staff

WAIT_MS = 10_000


@dataclass(frozen=True)
class World:
    manager: StaffIdentity
    clerk: StaffIdentity


@pytest.fixture
def world(fresh_database_url: str) -> World:
    """居民 electricity 0.5 flat and water 2.5 + sewage 0.95, both from 2020-01-01; 居民
    late fees on from 2024-01-01 (15 days' grace, 0.0005 a day, at least 1.00)."""
    seed_staff(fresh_database_url)
    engine = create_engine(fresh_database_url)
    try:
        with unit_of_work(make_sessionmaker(engine)) as session:
            add_staff_with_role(
                session, ACTOR, login="wangwu", name="王五", password=PASSWORD,
                role="manager", branch_code=None,
            )  # fmt: skip
            f.tariff(session)
            f.tariff(
                session, "water", components={"水费": [("0", "2.5")], "污水处理费": [("0", "0.95")]}
            )
            set_late_fee_policy(
                session, ACTOR, "居民", enabled=True, grace_days=15, daily_rate=D("0.0005"),
                minimum=D("1.00"), cap=None, effective_from=date(2024, 1, 1),
            )  # fmt: skip
            return World(staff_identity(session, "wangwu"), staff_identity(session, CLERK_LOGIN))
    finally:
        engine.dispose()


@pytest.fixture
def page(qtbot, world: World, fresh_database_url: str, tmp_path: Path) -> Iterator[TariffsPage]:
    ensure_application("zh_CN")
    with page_runner(fresh_database_url, tmp_path) as (runner, preferences):
        tariffs = TariffsPage(world.manager, runner, preferences=preferences)
        qtbot.addWidget(tariffs)
        tariffs.resize(1280, 800)
        with qtbot.waitSignal(tariffs.loaded, timeout=WAIT_MS):
            tariffs.show()
        yield tariffs
        if tariffs.editor is not None:
            tariffs.editor.close()
    ensure_application("en")


def read_db(url: str, query):
    engine = create_engine(url)
    try:
        with Session(engine) as session:
            return session.execute(query).all()
    finally:
        engine.dispose()


def table_rows(table) -> list[list[str]]:
    return [
        [table.text_at(r, c) for c in range(table.rows_model.columnCount())]
        for r in range(table.row_count())
    ]


def test_tariffs_are_listed_by_kind_and_class_with_late_fees(page: TariffsPage):
    assert table_rows(page.tariffs_table) == [
        ["电", "居民", "2020-01-01", "月阶梯", "执行中", "电费 0起0.5"],
        ["水", "居民", "2020-01-01", "月阶梯", "执行中", "水费 0起2.5；污水处理费 0起0.95"],
    ]
    page.kind_filter.setCurrentIndex(page.kind_filter.findData("water"))
    assert [r[0] for r in table_rows(page.tariffs_table)] == ["水"]
    page.class_filter.setCurrentIndex(page.class_filter.findData("单位"))
    assert page.tariffs_table.row_count() == 0
    assert page.tariff_status.text() == "共 0 套价格"
    policies = {row[0]: row for row in table_rows(page.policies_table)}
    assert policies["居民"] == ["居民", "是", "15", "0.0005", "1.00", "不封顶", "2024-01-01"]
    assert policies["单位"][1:] == ["否", "", "", "", "", ""]


def test_the_editor_checks_as_typed_previews_and_saves(
    qtbot, page: TariffsPage, fresh_database_url: str
):
    editor = page.new_tariff()
    assert isinstance(editor, TariffEditor)
    qtbot.addWidget(editor)
    assert editor.hint.text() == "第 1 行 单价：请填写不小于 0 的单价（最多 4 位小数）"
    assert not editor.save_button.isEnabled()

    editor.set_cell(0, NAME, "电费")
    editor.set_cell(0, PRICE, "0.5")
    editor.add_row("", "200", "0.8")
    assert editor.hint.text() == "" and editor.save_button.isEnabled()

    # The preview prices the typed sample with the billing run's function.
    editor.sample_edit.setText("250")
    assert table_rows(editor.preview_table) == [
        ["电费", "0–200", "200", "0.5", "100.00"],
        ["电费", "200 以上", "50", "0.8", "40.00"],
        ["电费 小计", "", "", "", "140.00"],
    ]
    assert editor.total_label.text() == "合计：140.00"
    editor.sample_edit.setText("120")
    assert editor.total_label.text() == "合计：60.00"

    # Tiers must go up, prices cannot be negative, a component needs a name and a first
    # tier at 0; each message names the row and the field.
    editor.set_cell(1, START, "0")
    assert editor.hint.text() == "第 2 行：电费 的阶梯起点须从小到大（0 在 0 之后）"
    assert not editor.save_button.isEnabled()
    assert editor.preview_table.row_count() == 0
    editor.set_cell(1, START, "200")
    editor.set_cell(1, PRICE, "-0.8")
    assert editor.hint.text() == "第 2 行 单价：请填写不小于 0 的单价（最多 4 位小数）"
    editor.set_cell(1, PRICE, "0.8")
    editor.add_row("电费", "0", "0.1")
    assert "收费项目重复" in editor.hint.text()  # the server's own check, at once
    editor.set_cell(2, NAME, "附加费")
    editor.set_cell(2, START, "10")
    assert editor.hint.text() == "第 3 行：附加费 的第一档须从 0 起"
    editor.tiers_table.setCurrentCell(2, 0)
    editor.remove_current_row()
    editor.tiers_table.setCurrentCell(1, 0)
    editor.remove_current_row()
    editor.tiers_table.setCurrentCell(0, 0)
    editor.remove_current_row()
    assert editor.hint.text() == "至少要有一个收费项目"
    editor.add_row("电费", "0", "0.5")
    editor.add_row("", "200", "0.8")

    editor.from_edit.setDate(QDate(2027, 1, 1))
    with qtbot.waitSignal(page.tariff_saved, timeout=WAIT_MS) as saved:
        editor.save_button.click()
    tariff_id = saved.args[0]
    rows = read_db(
        fresh_database_url,
        select(Tariff.kind, CustomerClass.name, Tariff.effective_from, TariffComponent.name,
               TariffTier.start, TariffTier.unit_price)
        .join(CustomerClass, CustomerClass.id == Tariff.customer_class_id)
        .join(TariffComponent, TariffComponent.tariff_id == Tariff.id)
        .join(TariffTier, TariffTier.component_id == TariffComponent.id)
        .where(Tariff.id == tariff_id)
        .order_by(TariffTier.start),
    )  # fmt: skip
    assert [tuple(r) for r in rows] == [
        ("electricity", "居民", date(2027, 1, 1), "电费", D("0.000"), D("0.5000")),
        ("electricity", "居民", date(2027, 1, 1), "电费", D("200.000"), D("0.8000")),
    ]
    qtbot.waitUntil(lambda: page.tariffs_table.row_count() == 3, timeout=WAIT_MS)
    assert table_rows(page.tariffs_table)[1] == [
        "电", "居民", "2027-01-01", "月阶梯", "", "电费 0起0.5/200起0.8"
    ]  # fmt: skip

    # Append-only: the same kind, class and date again is refused, and the editor says so.
    page.tariffs_table.selectRow(1)
    again = page.new_tariff(copy_selected=True)
    assert again is not None
    qtbot.addWidget(again)
    assert again.tiers_table.rowCount() == 2 and again.hint.text() == ""
    again.from_edit.setDate(QDate(2027, 1, 1))
    again.save_button.click()
    qtbot.waitUntil(lambda: "已有一套价格" in again.hint.text(), timeout=WAIT_MS)
    assert again.isVisible()
    assert len(read_db(fresh_database_url, select(Tariff.id))) == 3


def test_late_fee_policy_dialog(qtbot, page: TariffsPage, fresh_database_url: str):
    page.policies_table.selectRow(
        next(r for r in range(page.policies_table.row_count())
             if page.policies_table.text_at(r, 0) == "单位")
    )  # fmt: skip
    dialog = page.edit_policy()
    assert dialog is not None
    qtbot.addWidget(dialog)
    assert dialog.class_combo.currentText() == "单位" and not dialog.enabled_box.isChecked()
    dialog.enabled_box.setChecked(True)
    dialog.grace_spin.setValue(10)
    dialog.rate_edit.setText("1%")
    assert "日费率" in dialog.hint.text() and not dialog.save_button.isEnabled()
    dialog.rate_edit.setText("0.001")
    dialog.minimum_edit.setText("5")
    dialog.cap_edit.setText("2")
    assert dialog.hint.text() == "封顶金额：低于最低金额" and not dialog.save_button.isEnabled()
    dialog.cap_edit.setText("200")
    dialog.from_edit.setDate(QDate(2026, 1, 1))
    with qtbot.waitSignal(page.policy_saved, timeout=WAIT_MS):
        dialog.save_button.click()
    rows = read_db(
        fresh_database_url,
        select(LateFeePolicy.enabled, LateFeePolicy.grace_days, LateFeePolicy.daily_rate,
               LateFeePolicy.minimum, LateFeePolicy.cap, LateFeePolicy.effective_from)
        .join(CustomerClass, CustomerClass.id == LateFeePolicy.customer_class_id)
        .where(CustomerClass.name == "单位"),
    )  # fmt: skip
    assert [tuple(r) for r in rows] == [
        (True, 10, D("0.001000"), D("5.00"), D("200.00"), date(2026, 1, 1))
    ]
    qtbot.waitUntil(
        lambda: {r[0]: r for r in table_rows(page.policies_table)}["单位"][1] == "是",
        timeout=WAIT_MS,
    )


def test_tariff_desk_services_and_refusal(world: World, fresh_database_url: str):
    engine = create_engine(fresh_database_url)
    try:
        with Session(engine) as session:
            rows = tariff_rows(session, date(2026, 6, 1))
            assert [(r.kind, r.customer_class, r.in_force) for r in rows] == [
                ("electricity", "居民", True),
                ("water", "居民", True),
            ]
            overview = {p.customer_class.name: p.policy for p in late_fee_overview(session)}
            assert overview["居民"] is not None and overview["居民"].grace_days == 15
            assert overview["单位"] is None
            spec = TariffSpec(
                "electricity", "居民", date(2027, 1, 1),
                (ComponentSpec("电费", (Tier(D(0), D("0.6")),)),),
            )  # fmt: skip
            with pytest.raises(PermissionDenied):
                create_tariff(session, world.clerk.actor, spec)
    finally:
        engine.dispose()


LEFT = Qt.MouseButton.LeftButton


def test_an_annual_tariff_is_saved_and_listed_as_such(
    qtbot, page: TariffsPage, fresh_database_url: str
):
    page.tariffs_table.selectRow(0)  # 电 居民, copied
    editor = page.new_tariff(copy_selected=True)
    assert editor is not None
    qtbot.addWidget(editor)
    assert not editor.annual_box.isChecked()
    assert editor.annual_box.text() == "年阶梯：阶梯按全年累计用量计"
    # On its box (the row is wider than the box and its text).
    qtbot.mouseClick(editor.annual_box, LEFT, pos=QPoint(8, editor.annual_box.height() // 2))
    assert editor.annual_box.isChecked()
    editor.from_edit.setDate(QDate(2027, 1, 1))
    with qtbot.waitSignal(page.tariff_saved, timeout=WAIT_MS) as saved:
        qtbot.mouseClick(editor.save_button, LEFT)
    [(basis,)] = read_db(
        fresh_database_url, select(Tariff.tier_basis).where(Tariff.id == saved.args[0])
    )
    assert basis == "annual"
    qtbot.waitUntil(lambda: page.tariffs_table.row_count() == 3, timeout=WAIT_MS)
    assert table_rows(page.tariffs_table)[1][:5] == ["电", "居民", "2027-01-01", "年阶梯", ""]
    # A copy of an annual tariff starts annual.
    page.tariffs_table.selectRow(1)
    again = page.new_tariff(copy_selected=True)
    assert again is not None
    qtbot.addWidget(again)
    assert again.annual_box.isChecked()


def test_a_new_customer_class_from_the_tariffs_page(
    qtbot, page: TariffsPage, fresh_database_url: str
):
    qtbot.mouseClick(page.class_button, LEFT)
    dialog = page.class_dialog
    assert dialog is not None and dialog.isVisible()
    ok = dialog.buttons.button(dialog.buttons.StandardButton.Ok)
    assert dialog.hint.text() == "类别代码：请填写英文字母、数字或符号（不含空格），如 shop"
    assert not ok.isEnabled()
    qtbot.keyClicks(dialog.code_edit, "resident")
    assert dialog.hint.text() == "类别名称：请填写，如 商户" and not ok.isEnabled()
    dialog.name_edit.insert("商户")  # as an input method commits it (keyClicks types Latin-1)
    dialog.deposit_edit.clear()
    qtbot.keyClicks(dialog.deposit_edit, "200")
    assert dialog.hint.text() == "" and ok.isEnabled()
    # The code is taken (居民's): the server refuses and the dialog stays open saying so.
    qtbot.mouseClick(ok, LEFT)
    qtbot.waitUntil(lambda: dialog.hint.text() == "用户类别代码「resident」已存在", timeout=WAIT_MS)
    assert dialog.isVisible() and ok.isEnabled()
    dialog.code_edit.clear()
    qtbot.keyClicks(dialog.code_edit, "shop")
    with qtbot.waitSignal(page.class_saved, timeout=WAIT_MS) as saved:
        qtbot.mouseClick(ok, LEFT)
    assert saved.args == ["商户"] and not dialog.isVisible()
    rows = read_db(
        fresh_database_url,
        select(CustomerClass.code, CustomerClass.max_bindings, CustomerClass.deposit).where(
            CustomerClass.name == "商户"
        ),
    )
    assert [tuple(r) for r in rows] == [("shop", 2, D("200.00"))]
    # The new class is in the filter and in the tariff editor at once.
    qtbot.waitUntil(lambda: page.class_filter.findData("商户") >= 0, timeout=WAIT_MS)
    editor = page.new_tariff()
    assert editor is not None
    qtbot.addWidget(editor)
    assert editor.class_combo.findData("商户") >= 0
