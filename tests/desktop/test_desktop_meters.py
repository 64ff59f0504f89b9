"""The meters page (表计管理) driven for real against PostgreSQL: filters by campus,
building, kind and status with the count; register a meter; hardware numbers mapped (a
duplicate refused); the replacement wizard driven page by page; the Excel export; and the
service's refusal for a clerk."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from decimal import Decimal as D
from pathlib import Path

import pytest
from openpyxl import load_workbook
from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QDialogButtonBox, QMessageBox, QWizard
from sqlalchemy import create_engine, select
from sqlalchemy.orm import Session

from desktop.app import ensure_application
from desktop.meters_page import MetersPage
from desktop.tasks import TaskRunner
from server.db.engine import make_engine, make_sessionmaker, unit_of_work
from server.db.models import AuditEvent, Meter, MeterReplacement, Reading
from server.services.core import calendar
from server.services.core.errors import DomainError, PermissionDenied
from server.services.metering.meter_registry import (
    MeterFilter,
    NewMeter,
    list_meters,
    register,
    set_hardware_no,
)
from server.services.staff import org
from server.services.staff.sign_in import StaffIdentity, staff_identity
from tests import factories as f
from tests.desktop_support import CLERK_LOGIN, seed_staff

WAIT_MS = 10_000
LAST_READ = (calendar.now() - timedelta(days=10)).date().isoformat()


@pytest.fixture
def world(fresh_database_url: str) -> StaffIdentity:
    """东校区 1号楼: A001 with electricity M-1 (read 100 ten days ago) and water W-1;
    西校区 2号楼: a building meter M-2 of its own. 赵经理 (manager) signs in."""
    seed_staff(fresh_database_url)
    engine = create_engine(fresh_database_url)
    try:
        with unit_of_work(make_sessionmaker(engine)) as session:
            a = f.account(session, "A001")
            f.meter(session, "M-1", a)
            f.meter(session, "W-1", a, kind="water", digits=5)
            f.read(session, "M-1", LAST_READ, "100")
            west = org.ensure_campus(session, "西校区", "W")
            org.ensure_building(session, west, "2号楼")
            register(
                session, f.ACTOR,
                NewMeter("M-2", "electricity", 7, "40", campus="西校区", building="2号楼",
                         location="配电房"),
            )  # fmt: skip
            org.add_staff_with_role(
                session, f.ACTOR, login="zhao", name="赵经理", password="Manager-2026",
                role="manager", branch_code="E01",
            )  # fmt: skip
            return staff_identity(session, "zhao")
    finally:
        engine.dispose()


@pytest.fixture
def page(
    qtbot, world: StaffIdentity, fresh_database_url: str, tmp_path: Path
) -> Iterator[MetersPage]:
    ensure_application("en")
    engine = make_engine(fresh_database_url)
    runner = TaskRunner(make_sessionmaker(engine))
    preferences = QSettings(str(tmp_path / "prefs.ini"), QSettings.Format.IniFormat)
    meters = MetersPage(world, runner, preferences=preferences)
    qtbot.addWidget(meters)
    meters.resize(1280, 800)
    with qtbot.waitSignal(meters.loaded, timeout=WAIT_MS), qtbot.waitActive(meters):
        meters.show()
        meters.activateWindow()
    yield meters
    runner.shutdown()
    engine.dispose()


def numbers(page: MetersPage) -> list[str]:
    return [page.table.text_at(r, 0) for r in range(page.table.row_count())]


def listed(qtbot, page: MetersPage, **filters: str) -> list[str]:
    with qtbot.waitSignal(page.listed, timeout=WAIT_MS):
        page.set_filter(**filters)
    return numbers(page)


def read_db(url: str, query):
    engine = create_engine(url)
    try:
        with Session(engine) as session:
            return session.execute(query).all()
    finally:
        engine.dispose()


def test_filters_and_the_count(qtbot, page: MetersPage):
    # Loaded by itself: meters in use, by campus, building, room, kind.
    assert numbers(page) == ["M-1", "W-1", "M-2"]
    assert page.count_label.text() == "3 meters"
    assert page.table.text_at(0, 12) == "100"  # last reading
    assert [page.table.text_at(2, c) for c in (3, 4, 6, 10)] == ["西校区", "2号楼", "配电房", "40"]

    assert listed(qtbot, page, campus="西校区", status="active") == ["M-2"]
    assert [
        page.place_picker.building_combo.itemText(i)
        for i in range(page.place_picker.building_combo.count())
    ] == [
        "All buildings",
        "2号楼",
    ]
    assert listed(qtbot, page, campus="东校区", building="1号楼") == ["M-1", "W-1"]
    assert listed(qtbot, page, kind="water") == ["W-1"]
    assert listed(qtbot, page, status="replaced") == []

    page.limit = 2
    assert listed(qtbot, page) == ["M-1", "W-1"]
    assert page.count_label.text() == "3 meters, the first 2 shown: narrow the filters"

    page.limit = 500
    page.text_edit.setText("W-")
    with qtbot.waitSignal(page.listed, timeout=WAIT_MS):
        page.refresh()
    assert numbers(page) == ["W-1"]


def test_register_and_map_hardware_numbers(qtbot, page: MetersPage, monkeypatch, tmp_path):
    page.ask_register()
    dialog = page.dialog
    ok = dialog.buttons.button(QDialogButtonBox.StandardButton.Ok)
    assert not ok.isEnabled() and "Meter no." in dialog.hint.text()
    qtbot.keyClicks(dialog.meter_no_edit, "W-9")
    dialog.kind_combo.setCurrentIndex(dialog.kind_combo.findData("water"))
    assert dialog.digits_spin.value() == 5
    assert "Account no. or building" in dialog.hint.text()
    qtbot.keyClicks(dialog.account_edit, "A001")
    dialog.multiplier_edit.setText("0")
    assert "Multiplier" in dialog.hint.text() and not ok.isEnabled()
    dialog.multiplier_edit.setText("1")
    qtbot.keyClicks(dialog.hardware_edit, "HW-9")
    assert ok.isEnabled()
    with qtbot.waitSignal(page.saved, timeout=WAIT_MS) as saved:
        ok.click()
    row = saved.args[0]
    assert (row.meter_no, row.kind, row.digits, row.hardware_no, row.account_no) == (
        "W-9", "water", 5, "HW-9", "A001"
    )  # fmt: skip
    qtbot.waitUntil(lambda: "W-9" in numbers(page), timeout=WAIT_MS)

    # Map a hardware number to M-1, then try the same number on W-1: refused, nothing kept.
    with qtbot.waitSignal(page.saved, timeout=WAIT_MS):
        page.set_hardware_no("M-1", "0012345678")
    qtbot.waitUntil(lambda: page.table.text_at(0, 1) == "0012345678", timeout=WAIT_MS)
    shown: list[str] = []
    monkeypatch.setattr(QMessageBox, "warning", lambda parent, title, text: shown.append(text))
    with qtbot.waitSignal(page.refused, timeout=WAIT_MS) as refused:
        page.set_hardware_no("W-1", "0012345678")
    assert refused.args == ["硬件号 0012345678 已对应表号 M-1"] and shown == refused.args

    # The hardware dialog opens on the selected meter, checked as typed.
    assert page.select_meter("W-1")
    page.ask_hardware_no()
    line = page.dialog
    line.edit.setText("has space")
    assert not line.buttons.button(QDialogButtonBox.StandardButton.Ok).isEnabled()
    line.edit.setText("77")
    with qtbot.waitSignal(page.saved, timeout=WAIT_MS) as saved:
        line.buttons.button(QDialogButtonBox.StandardButton.Ok).click()
    assert saved.args[0].hardware_no == "77"

    with qtbot.waitSignal(page.saved, timeout=WAIT_MS) as saved:
        page.set_location("W-1", "厨房水槽下")
    assert saved.args[0].location == "厨房水槽下"

    # Export what the filter matches: a frozen header row, Chinese headers.
    with qtbot.waitSignal(page.listed, timeout=WAIT_MS):
        page.set_filter(campus="东校区")
    with qtbot.waitSignal(page.exported, timeout=WAIT_MS):
        page.export(tmp_path / "meters.xlsx")
    book = load_workbook(tmp_path / "meters.xlsx")
    sheet = book["表计台账"]
    assert sheet.freeze_panes == "A3"
    rows = list(sheet.iter_rows(min_row=2, values_only=True))
    assert rows[0][:3] == ("表号", "硬件号", "类型")
    assert [(r[0], r[1], r[6]) for r in rows[1:]] == [
        ("M-1", "0012345678", None),
        ("W-1", "77", "厨房水槽下"),
        ("W-9", "HW-9", None),
    ]


def test_the_replacement_wizard(qtbot, page: MetersPage, fresh_database_url: str):
    assert page.select_meter("M-1")
    with qtbot.waitSignal(page.listed, timeout=WAIT_MS):  # the same selection after F5
        page.refresh()
    page.ask_replace()
    wizard = page.wizard
    assert wizard is not None
    old = wizard.old_page
    qtbot.waitUntil(lambda: old.isComplete(), timeout=WAIT_MS)
    assert "last reading 100" in old.info.text()
    wizard.next()

    final = wizard.final_page
    final.final_edit.setText("99")
    assert not final.isComplete() and "below the last reading 100" in final.hint.text()
    final.final_edit.setText("1000000")
    assert not final.isComplete() and "6 digits" in final.hint.text()
    final.final_edit.setText("150.5")
    assert final.isComplete()
    wizard.next()

    new = wizard.new_page
    assert new.kind_combo.currentData() == "electricity" and not new.kind_combo.isEnabled()
    assert new.digits_spin.value() == 6
    new.meter_no_edit.setText("M-1")
    assert not new.isComplete()  # the new meter needs its own number
    new.meter_no_edit.setText("N-1")
    new.digits_spin.setValue(8)
    new.hardware_edit.setText("HN-1")
    assert new.isComplete()
    wizard.next()

    initial = wizard.initial_page
    initial.initial_edit.setText("0.3")
    assert initial.isComplete()
    wizard.next()

    assert wizard.currentPage() is wizard.confirm_page
    summary = wizard.confirm_page.summary.text()
    assert "final reading 150.5" in summary and "initial reading 0.3" in summary
    wizard.confirm_page.note_edit.setText("表计烧毁")
    with qtbot.waitSignal(page.replaced, timeout=WAIT_MS) as replaced:
        wizard.button(QWizard.WizardButton.FinishButton).click()
    result = replaced.args[0]
    assert (result.old_meter_no, result.new_meter_no, result.old_usage) == (
        "M-1", "N-1", D("50.500")
    )  # fmt: skip

    [(old_final, new_initial, note)] = read_db(
        fresh_database_url,
        select(MeterReplacement.old_final, MeterReplacement.new_initial, MeterReplacement.note),
    )
    assert (old_final, new_initial, note) == (D("150.500"), D("0.300"), "表计烧毁")
    readings = read_db(
        fresh_database_url,
        select(Meter.meter_no, Reading.value, Reading.source)
        .join(Meter, Meter.id == Reading.meter_id)
        .order_by(Reading.id),
    )
    assert [tuple(r) for r in readings] == [
        ("M-1", D("100.000"), "field"),
        ("M-1", D("150.500"), "field"),
        ("N-1", D("0.300"), "initial"),
    ]
    # The registry now shows N-1 in use on A001 and M-1 among replaced meters.
    qtbot.waitUntil(lambda: "N-1" in numbers(page), timeout=WAIT_MS)
    row = numbers(page).index("N-1")
    assert page.table.text_at(row, 7) == "A001" and page.table.text_at(row, 1) == "HN-1"
    assert listed(qtbot, page, status="replaced") == ["M-1"]


# ---- the services --------------------------------------------------------------------------


def test_a_clerk_cannot_edit_meters(session: Session):
    f.branches(session)
    a = f.account(session, "A001")
    f.meter(session, "M-1", a)
    f.meter(session, "M-2", a)
    campus = org.ensure_campus(session, "东校区")
    branch = org.ensure_branch(session, campus, "E01", "东区分中心")
    org.create_staff(
        session, f.ACTOR, login=CLERK_LOGIN, name="张三", password="Dianfei-2026",
        department=org.ensure_department(session, "SF", "收费科"),
        post=org.ensure_post(session, "clerk", "收费员"), branch=branch,
    )  # fmt: skip
    clerk = staff_identity(session, CLERK_LOGIN).actor
    with pytest.raises(PermissionDenied, match="表计管理"):
        set_hardware_no(session, clerk, "M-1", "H-1")
    with pytest.raises(PermissionDenied, match="表计管理"):
        register(session, clerk, NewMeter("M-3", "electricity", 6, account_no="A001"))

    row = set_hardware_no(session, f.ACTOR, "M-1", " H-1 ")
    assert row.hardware_no == "H-1"
    with pytest.raises(DomainError, match="已对应表号 M-1"):
        set_hardware_no(session, f.ACTOR, "M-2", "H-1")
    with pytest.raises(DomainError, match="已对应表号 M-1"):
        register(session, f.ACTOR, NewMeter("M-3", "electricity", 6, hardware_no="H-1"))
    assert set_hardware_no(session, f.ACTOR, "M-1", "H-1").hardware_no == "H-1"  # same: fine
    set_hardware_no(session, f.ACTOR, "M-1", "")
    events = session.scalars(
        select(AuditEvent.data)
        .where(AuditEvent.action == "meter.hardware_no")
        .order_by(AuditEvent.id)
    ).all()
    assert [(e["before"], e["after"]) for e in events] == [
        ({"hardware_no": ""}, {"hardware_no": "H-1"}),
        ({"hardware_no": "H-1"}, {"hardware_no": ""}),
    ]
    assert list_meters(session, MeterFilter(text="M-")).total == 2
