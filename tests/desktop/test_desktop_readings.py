"""The readings page driven for real (pytest-qt, offscreen) against PostgreSQL: figures typed
into the entry grid are judged at once (red for a figure below the last one, amber for a
surge) and saved with the server's verdict; held and self-service readings are accepted,
corrected or rejected beside their photo; the unread meters of a month are listed and
exported to Excel."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal as D
from pathlib import Path

import pytest
from openpyxl import load_workbook
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QInputDialog
from sqlalchemy import create_engine, select
from sqlalchemy.orm import Session

from desktop.app import ensure_application
from desktop.readings_entry import HELD_COLOUR, SAVED_COLOUR, WARNING_COLOUR, EntryModel
from desktop.readings_page import ReadingsPage
from desktop.readings_review import CorrectDialog
from server.db.engine import make_sessionmaker, unit_of_work
from server.db.models import Meter, Reading
from server.services.core import calendar
from server.services.core.calendar import BUSINESS_TZ, Period
from server.services.core.errors import PermissionDenied
from server.services.core.photos import store_photo
from server.services.metering import readings as metering
from server.services.metering.review_desk import entry_sheet, review_queue, unread_meters
from server.services.staff.org import add_staff_with_role
from server.services.staff.sign_in import StaffIdentity, staff_identity
from tests import factories as f
from tests.core.test_photos import jpeg_taken
from tests.desktop_support import ACTOR, CLERK_LOGIN, PASSWORD, page_runner, seed_staff

WAIT_MS = 10_000
MANAGER_LOGIN = "wangwu"


@dataclass(frozen=True)
class World:
    manager: StaffIdentity
    clerk: StaffIdentity
    this_month: Period
    last_month: Period


def day_of(period: Period, day: int = 10) -> str:
    return period.first_day.replace(day=day).isoformat()


@pytest.fixture
def world(fresh_database_url: str) -> World:
    """Accounts A001 (张三) and A002 (王五), both 东校区 1号楼 2单元301. Meters:
    M-1 last 500 (last month); M-2 read 100, 110, 120, 130 in the four months before this one
    (10 a month); M-3 read 50 four months ago only; M-5 read 10 last month and 20 by its
    resident this month with a photo (held); M-6 read 300 last month and 250 this month
    (held: lower); M-7 read 5 last month, 8 by its resident this month (held); M-8 never."""
    seed_staff(fresh_database_url)
    engine = create_engine(fresh_database_url)
    this_month = Period.of(calendar.now())
    months = {back: this_month.shift(-back) for back in range(1, 5)}
    try:
        with unit_of_work(make_sessionmaker(engine)) as session:
            add_staff_with_role(
                session, ACTOR, login=MANAGER_LOGIN, name="王五", password=PASSWORD,
                role="manager", branch_code=None,
            )  # fmt: skip
            a1 = f.account(session, "A001")
            a2 = f.account(session, "A002", holder_name="王五")
            for number in ("M-1", "M-2", "M-3", "M-5", "M-6", "M-7"):
                f.meter(session, number, a1)
            f.meter(session, "M-8", a2)
            f.read(session, "M-1", day_of(months[2]), "480")
            f.read(session, "M-1", day_of(months[1]), "500")
            for back, value in ((4, "100"), (3, "110"), (2, "120"), (1, "130")):
                f.read(session, "M-2", day_of(months[back]), value)
            f.read(session, "M-3", day_of(months[4]), "50")
            f.read(session, "M-5", day_of(months[1]), "10")
            f.read(session, "M-6", day_of(months[1]), "300")
            f.read(session, "M-7", day_of(months[1]), "5")
            moment = calendar.now() - timedelta(minutes=1)
            # Taken a month before it was sent: the desk says so.
            photo = store_photo(
                session,
                jpeg_taken("2026:11:02 14:05:00"),
                uploaded_at=datetime(2026, 12, 6, 9, 10, tzinfo=BUSINESS_TZ),
            )
            metering.record_reading(
                session, ACTOR, "M-5", D("20"), moment, "self", photo_id=photo.photo_id
            )
            metering.record_reading(session, ACTOR, "M-6", D("250"), moment, "field")
            metering.record_reading(session, ACTOR, "M-7", D("8"), moment, "self")
            return World(
                staff_identity(session, MANAGER_LOGIN),
                staff_identity(session, CLERK_LOGIN),
                this_month,
                months[1],
            )
    finally:
        engine.dispose()


@pytest.fixture
def page(qtbot, world: World, fresh_database_url: str, tmp_path: Path) -> Iterator[ReadingsPage]:
    ensure_application("en")
    with page_runner(fresh_database_url, tmp_path) as (runner, preferences):
        readings = ReadingsPage(world.manager, runner, preferences=preferences)
        qtbot.addWidget(readings)
        readings.resize(1280, 800)
        with qtbot.waitSignal(readings.loaded, timeout=WAIT_MS), qtbot.waitActive(readings):
            readings.show()
            readings.activateWindow()
        yield readings


def read_db(url: str, query):
    engine = create_engine(url)
    try:
        with Session(engine) as session:
            return session.execute(query).all()
    finally:
        engine.dispose()


def readings_of(url: str, meter_no: str) -> list[tuple[D, str, str, list[str], int | None]]:
    rows = read_db(
        url,
        select(Reading.value, Reading.status, Reading.source, Reading.flags, Reading.corrects_id)
        .join(Meter, Meter.id == Reading.meter_id)
        .where(Meter.meter_no == meter_no)
        .order_by(Reading.id),
    )
    return [tuple(r) for r in rows]  # type: ignore[misc]


def grid_row(page: ReadingsPage, meter_no: str) -> int:
    model = page.entry_tab.entry_model
    return next(r for r in range(model.rowCount()) if model.rows[r].meter_no == meter_no)


def type_figure(qtbot, page: ReadingsPage, meter_no: str, figure: str) -> int:
    row = grid_row(page, meter_no)
    index = page.entry_tab.entry_model.index(row, EntryModel.CURRENT)
    page.entry_tab.entry_grid.setCurrentIndex(index)
    page.entry_tab.entry_grid.edit(index)
    editor = page.entry_tab.entry_grid.indexWidget(index)
    assert editor is not None
    editor.selectAll()
    qtbot.keyClicks(editor, figure) if figure else qtbot.keyClick(editor, Qt.Key.Key_Delete)
    qtbot.keyClick(editor, Qt.Key.Key_Return)
    # The delegate commits on Enter through a queued call.
    qtbot.waitUntil(lambda: page.entry_tab.entry_model.entries[row].text == figure, timeout=WAIT_MS)
    return row


def cell(page: ReadingsPage, row: int, column: int, role=Qt.ItemDataRole.DisplayRole):
    return page.entry_tab.entry_model.data(page.entry_tab.entry_model.index(row, column), role)


def test_the_entry_grid_judges_each_figure_as_it_is_typed(
    qtbot, page: ReadingsPage, fresh_database_url: str
):
    assert page.entry_tab.place_picker.campus_combo.currentText() == "东校区"
    assert page.entry_tab.place_picker.building_combo.currentText() == "1号楼"
    model = page.entry_tab.entry_model
    assert [model.rows[r].meter_no for r in range(model.rowCount())] == [
        "M-1", "M-2", "M-3", "M-5", "M-6", "M-7", "M-8"
    ]  # fmt: skip
    m1 = grid_row(page, "M-1")
    assert cell(page, m1, 4) == "500"
    assert cell(page, grid_row(page, "M-6"), 4) == "300"  # the held 250 is not the last

    # Below the last accepted figure: red, with the reason, held once saved.
    row = type_figure(qtbot, page, "M-1", "400")
    assert cell(page, row, 0, Qt.ItemDataRole.BackgroundRole) == HELD_COLOUR
    assert "读数低于上次" in cell(page, row, 8)
    assert cell(page, row, 7) == ""
    # The next meter's figure cell is current: the clerk goes on typing.
    qtbot.waitUntil(
        lambda: page.entry_tab.entry_grid.currentIndex().row() == row + 1, timeout=WAIT_MS
    )

    # 130 → 230 is 100 against 10 a month for the last three months: a surge, amber.
    row = type_figure(qtbot, page, "M-2", "230")
    assert cell(page, row, 0, Qt.ItemDataRole.BackgroundRole) == WARNING_COLOUR
    assert cell(page, row, 8) == "用量突增"
    assert cell(page, row, 7) == "100"

    # Only one month of history behind M-3: 50 → 60 is an ordinary 10.
    row = type_figure(qtbot, page, "M-3", "60")
    assert cell(page, row, 0, Qt.ItemDataRole.BackgroundRole) is None
    assert cell(page, row, 7) == "10"

    # Not a figure: named, and Save is off until it is fixed.
    row = type_figure(qtbot, page, "M-8", "12a")
    assert "M-8" in cell(page, row, 8)
    assert not page.entry_tab.save_button.isEnabled()
    type_figure(qtbot, page, "M-8", "")
    assert page.entry_tab.save_button.isEnabled()
    assert (
        "3 typed" in page.entry_tab.entry_status.text()
        and "1 to be held" in page.entry_tab.entry_status.text()
    )

    with qtbot.waitSignal(page.saved, timeout=WAIT_MS) as saved:
        qtbot.keyClick(page.entry_tab.entry_grid, Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)
    assert [(r.meter_no, r.status, r.flags) for _, r in saved.args[0]] == [
        ("M-1", "held", ("lower_than_previous",)),
        ("M-2", "accepted", ("surge",)),
        ("M-3", "accepted", ()),
    ]
    assert readings_of(fresh_database_url, "M-1")[-1] == (
        D("400"), "held", "field", ["lower_than_previous"], None
    )  # fmt: skip
    assert readings_of(fresh_database_url, "M-2")[-1][:2] == (D("230"), "accepted")
    m3 = grid_row(page, "M-3")
    assert cell(page, m3, 0, Qt.ItemDataRole.BackgroundRole) == SAVED_COLOUR
    assert cell(page, grid_row(page, "M-1"), 0, Qt.ItemDataRole.BackgroundRole) == HELD_COLOUR
    # A saved figure is not typed over: a change is a correction in the review.
    assert not model.flags(model.index(m3, EntryModel.CURRENT)) & Qt.ItemFlag.ItemIsEditable
    # The held one joined the review queue.
    qtbot.waitUntil(lambda: len(page.review_tab.queue) == 4, timeout=WAIT_MS)


def test_review_accepts_corrects_and_rejects(
    qtbot, page: ReadingsPage, fresh_database_url: str, monkeypatch
):
    assert [(q.meter_no, q.source, q.reason) for q in page.review_tab.queue] == [
        ("M-5", "self", "自助抄表待审核"),
        ("M-6", "field", "读数低于上次"),
        ("M-7", "self", "自助抄表待审核"),
    ]
    assert page.tabs.tabText(1) == "Review (3)"
    # The first is selected, its photo shown beside its figure.
    qtbot.waitUntil(lambda: not page.review_tab.photo_panel.pixmap().isNull(), timeout=WAIT_MS)
    assert page.review_tab.photo_panel.capture_label.text() == (
        "拍摄于 2026-11-02 14:05，上传于 2026-12-06 09:10"
    )
    assert page.review_tab.figure_label.text() == "M-5：20"
    with qtbot.waitSignal(page.reviewed, timeout=WAIT_MS):
        qtbot.mouseClick(page.review_tab.accept_button, Qt.MouseButton.LeftButton)
    assert readings_of(fresh_database_url, "M-5")[-1][:2] == (D("20"), "accepted")

    qtbot.waitUntil(
        lambda: [q.meter_no for q in page.review_tab.queue] == ["M-6", "M-7"], timeout=WAIT_MS
    )
    assert page.review_tab.queue_table.selected_key() == page.review_tab.queue[0].reading_id
    dialog = CorrectDialog(page.review_tab.queue[0])
    qtbot.addWidget(dialog)
    assert "Reason" in dialog.hint.text() and not dialog.check()
    dialog.value_edit.setText("3x")
    dialog.reason_edit.setText("看错一位")
    assert "Correct figure" in dialog.hint.text()
    dialog.value_edit.setText("320")
    assert dialog.check() and dialog.value() == D("320")
    original = page.review_tab.queue[0].reading_id
    with qtbot.waitSignal(page.reviewed, timeout=WAIT_MS):
        page.review_tab.correct(original, D("320"), "看错一位")
    m6 = readings_of(fresh_database_url, "M-6")
    assert m6[-2][:2] == (D("250"), "superseded")
    assert m6[-1] == (D("320"), "accepted", "field", [], original)

    qtbot.waitUntil(lambda: [q.meter_no for q in page.review_tab.queue] == ["M-7"], timeout=WAIT_MS)
    monkeypatch.setattr(QInputDialog, "getText", lambda *a, **k: ("照片看不清", True))
    with qtbot.waitSignal(page.reviewed, timeout=WAIT_MS):
        qtbot.mouseClick(page.review_tab.reject_button, Qt.MouseButton.LeftButton)
    assert readings_of(fresh_database_url, "M-7")[-1][:2] == (D("8"), "rejected")
    qtbot.waitUntil(lambda: page.review_tab.queue == (), timeout=WAIT_MS)
    assert not page.review_tab.accept_button.isEnabled()


def record_elsewhere(url: str, meter_no: str, value: str) -> None:
    """A resident's reading arriving from the H5 page: this window hears nothing of it."""
    engine = create_engine(url)
    try:
        with unit_of_work(make_sessionmaker(engine)) as session:
            moment = calendar.now() - timedelta(seconds=30)
            metering.record_reading(session, ACTOR, meter_no, D(value), moment, "self")
    finally:
        engine.dispose()


def test_f5_anywhere_in_the_page_and_the_refresh_button_reload_the_queue(
    qtbot, page: ReadingsPage, fresh_database_url: str
):
    page.tabs.setCurrentIndex(1)
    assert page.tabs.tabText(1) == "Review (3)"
    record_elsewhere(fresh_database_url, "M-1", "510")
    # F5 with the focus on the queue's table.
    page.review_tab.queue_table.setFocus()
    qtbot.waitUntil(page.review_tab.queue_table.hasFocus, timeout=WAIT_MS)
    with qtbot.waitSignal(page.queue_loaded, timeout=WAIT_MS):
        qtbot.keyClick(page.review_tab.queue_table, Qt.Key.Key_F5)
    assert page.tabs.tabText(1) == "Review (4)"
    assert [q.meter_no for q in page.review_tab.queue] == ["M-5", "M-6", "M-7", "M-1"]

    record_elsewhere(fresh_database_url, "M-8", "12")
    assert page.review_tab.queue_refresh_button.text() == "Refresh (F5)"
    with qtbot.waitSignals([page.queue_loaded, page.sheet_loaded], timeout=WAIT_MS):
        qtbot.mouseClick(page.review_tab.queue_refresh_button, Qt.MouseButton.LeftButton)
    assert page.review_tab.queue_status.text() == "5 readings waiting"

    # On the entry tab, figures typed and not saved survive a refresh.
    page.tabs.setCurrentIndex(0)
    row = type_figure(qtbot, page, "M-2", "140")
    with (
        qtbot.assertNotEmitted(page.sheet_loaded, wait=300),
        qtbot.waitSignal(page.queue_loaded, timeout=WAIT_MS),
    ):
        qtbot.keyClick(page.entry_tab.entry_grid, Qt.Key.Key_F5)
    assert page.entry_tab.entry_model.entries[row].text == "140"


def test_unread_meters_of_a_month_and_their_workbook(
    qtbot, page: ReadingsPage, world: World, tmp_path: Path
):
    # This month nothing is accepted yet (the three readings are held): all 7 unread.
    assert page.unread_tab.unread is not None and page.unread_tab.unread.period == str(
        world.this_month
    )
    assert (len(page.unread_tab.unread.meters), page.unread_tab.unread.active) == (7, 7)

    last = str(world.last_month)
    with qtbot.waitSignal(page.unread_loaded, timeout=WAIT_MS):
        page.unread_tab.set_unread_scope(last, "东校区")
    # Last month M-1, M-2, M-5, M-6, M-7 were read; M-3 (four months ago) and M-8 were not.
    table = page.unread_tab.unread_table
    assert [table.text_at(r, 0) for r in range(table.row_count())] == ["M-3", "M-8"]
    assert page.unread_tab.unread_status.text() == f"{last}: 2 of 7 meters not read"
    assert page.unread_tab.unread_table.text_at(0, 7) == "50"
    assert page.unread_tab.unread_table.text_at(1, 7) == ""

    target = tmp_path / "unread.xlsx"
    with qtbot.waitSignal(page.exported, timeout=WAIT_MS) as exported:
        page.unread_tab.export_unread(target)
    assert exported.args == [str(target)]
    sheet = load_workbook(target).active
    assert sheet.title == "未抄表计清单"
    title = sheet["A1"].value
    assert title.startswith(f"{last} 未抄表计清单（东校区，共 2 块，生成于 ")
    assert sheet.freeze_panes == "A3"
    assert [c.value for c in sheet[2]] == [
        "序号", "表号", "类型", "校区", "楼宇", "房间", "户号", "户名", "上次读数", "估抄"
    ]  # fmt: skip
    # Nothing here was billed on an estimate: the 估抄 column is blank.
    assert [c.value for c in sheet[3]] == [
        1, "M-3", "电表", "东校区", "1号楼", "2单元301", "A001", "张三", 50, None
    ]  # fmt: skip
    assert [c.value for c in sheet[4]][:3] == [2, "M-8", "电表"]
    assert sheet[4][8].value is None
    assert sheet.max_row == 4


def test_reading_desk_services(world: World, fresh_database_url: str):
    """Read-only services on their own, and the write refused to a clerk without 抄表."""
    engine = create_engine(fresh_database_url)
    try:
        with Session(engine) as session:
            check_services(session, world)
    finally:
        engine.dispose()


def check_services(session: Session, world: World) -> None:
    rows = entry_sheet(session, "东校区/1号楼")
    m2 = next(r for r in rows if r.meter_no == "M-2")
    assert m2.previous == D("130") and m2.history == (D("10"), D("10"), D("10"))
    assert m2.assess(D("230")).flags == ("surge",)
    assert len(review_queue(session)) == 3
    west = unread_meters(session, str(world.last_month), campus="西校区")
    assert (west.meters, west.active, west.scope) == ((), 0, "西校区")
    with pytest.raises(PermissionDenied):
        metering.record_reading(session, world.clerk.actor, "M-3", D("70"), calendar.now(), "field")
