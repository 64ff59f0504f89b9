"""The handheld import page driven for real (pytest-qt, offscreen) against PostgreSQL: a GBK
CSV from a terminal dropped on the page, checked (nothing written), imported (readings in
the database), imported again (all duplicates), the result exported to Excel; the route of
a building; the profile editor; a BLE water meter read through the fake bleak of test_ble."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal as D
from pathlib import Path

import pytest
from openpyxl import load_workbook
from PySide6.QtCore import QMimeData, QPointF, Qt, QUrl
from PySide6.QtGui import QDropEvent
from sqlalchemy import create_engine, func, select
from sqlalchemy.orm import Session

from desktop.app import ensure_application
from desktop.handheld_page import HandheldPage
from desktop.outcome_table import OUTCOME_COLOURS
from devices.ble import NUS_SERVICE
from server.db.engine import make_engine, make_sessionmaker, unit_of_work
from server.db.models import Meter, Reading
from server.db.models.handheld import HandheldProfile
from server.services.core.calendar import BUSINESS_TZ
from server.services.core.errors import PermissionDenied
from server.services.metering import handheld_import as hi
from server.services.metering.handheld_file_profiles import (
    ProfileSpec,
    create_profile,
    update_profile,
)
from server.services.staff.org import add_staff_with_role
from server.services.staff.sign_in import StaffIdentity, staff_identity
from tests import factories as f
from tests.desktop_support import CLERK_LOGIN, PASSWORD, page_runner, seed_staff
from tests.metering.test_ble import ADDRESS, Adv, Device, FakeClient, FakeScanner

WAIT_MS = 10_000
MANAGER_LOGIN = "wangwu"
CSV_PROFILE = "CSV 通用（GBK，逗号分隔）"


@dataclass(frozen=True)
class World:
    manager: StaffIdentity
    clerk: StaffIdentity
    read_at: datetime  # the time on the file's lines (yesterday 09:30)


@pytest.fixture
def world(fresh_database_url: str) -> World:
    """E1 (hw 000011112222) last read 1000 and E2 (hw 000011113333) last 500, a month ago;
    water meter W1 at BLE address ADDRESS, never read; all in 东校区 1号楼."""
    seed_staff(fresh_database_url)
    engine = create_engine(fresh_database_url)
    month_ago = (datetime.now(BUSINESS_TZ) - timedelta(days=30)).date().isoformat()
    yesterday = datetime.now(BUSINESS_TZ).replace(hour=9, minute=30, second=0, microsecond=0)
    try:
        with unit_of_work(make_sessionmaker(engine)) as session:
            add_staff_with_role(
                session, f.ACTOR, login=MANAGER_LOGIN, name="王五", password=PASSWORD,
                role="manager", branch_code=None,
            )  # fmt: skip
            acc = f.account(session, "A001")
            for no, hw, kind in (
                ("E1", "000011112222", "electricity"),
                ("E2", "000011113333", "electricity"),
                ("W1", ADDRESS, "water"),
            ):
                f.meter(session, no, acc, kind=kind)
                session.execute(
                    Meter.__table__.update().where(Meter.meter_no == no).values(hardware_no=hw)
                )
            f.read(session, "E1", month_ago, "1000")
            f.read(session, "E2", month_ago, "500")
            return World(
                staff_identity(session, MANAGER_LOGIN),
                staff_identity(session, CLERK_LOGIN),
                yesterday - timedelta(days=1),
            )
    finally:
        engine.dispose()


@pytest.fixture
def page(qtbot, world: World, fresh_database_url: str, tmp_path: Path) -> Iterator[HandheldPage]:
    ensure_application("en")
    with page_runner(fresh_database_url, tmp_path) as (runner, preferences):
        handheld = HandheldPage(world.manager, runner, preferences=preferences)
        qtbot.addWidget(handheld)
        handheld.resize(1280, 800)
        with qtbot.waitSignal(handheld.loaded, timeout=WAIT_MS):
            handheld.show()
        yield handheld


def read_db(url: str, query):
    engine = create_engine(url)
    try:
        with Session(engine) as session:
            return session.execute(query).all()
    finally:
        engine.dispose()


def terminal_csv(path: Path, when: datetime) -> Path:
    stamp = when.strftime("%Y-%m-%d %H:%M:%S")
    lines = [
        "表号,读数,抄表时间,状态",
        f"000011112222,1120.5,{stamp},1",  # 2 imported: 120.5 used
        f"000011113333,480,{stamp},1",  # 3 lower than 500: anomaly (held)
        f"999999999999,1,{stamp},1",  # 4 unknown meter
        f"000011112222,12a4,{stamp},1",  # 5 not a number
    ]
    path.write_bytes("\r\n".join(lines).encode("gbk"))
    return path


def drop(page: HandheldPage, path: Path) -> None:
    data = QMimeData()
    data.setUrls([QUrl.fromLocalFile(str(path))])
    event = QDropEvent(
        QPointF(10, 10),
        Qt.DropAction.CopyAction,
        data,
        Qt.MouseButton.LeftButton,
        Qt.KeyboardModifier.NoModifier,
    )
    page.dropEvent(event)


def run(qtbot, page: HandheldPage, *, dry_run: bool):
    with qtbot.waitSignal(page.import_done, timeout=WAIT_MS) as done:
        (page.check_button if dry_run else page.import_button).click()
    return done.args[0]


def table_lines(page: HandheldPage) -> list[tuple[str, str, str, str]]:
    table = page.result_table
    return [
        (table.text_at(r, 0), table.text_at(r, 2), table.text_at(r, 3), table.text_at(r, 5))
        for r in range(table.row_count())
    ]


def readings_count(url: str) -> int:
    return read_db(url, select(func.count()).select_from(Reading))[0][0]


def test_check_import_and_import_again(
    qtbot, page: HandheldPage, world: World, fresh_database_url: str, tmp_path: Path
):
    path = terminal_csv(tmp_path / "0323.csv", world.read_at)
    assert not page.check_button.isEnabled()
    drop(page, path)
    assert page.file_edit.text() == str(path)
    page.select_profile(CSV_PROFILE)
    assert page.check_button.isEnabled() and page.import_button.isEnabled()
    before = readings_count(fresh_database_url)

    # 预检: every line judged, nothing written.
    result = run(qtbot, page, dry_run=True)
    assert result.dry_run
    expected = [
        ("2", "E1", "1120.5", "已导入"),
        ("3", "E2", "480", "异常"),
        ("4", "", "1", "未知表计"),
        ("5", "", "", "无法识别"),
    ]
    assert table_lines(page) == expected
    assert page.summary_label.text().startswith("试导入（未写入） 0323.csv：共 4 行")
    assert readings_count(fresh_database_url) == before
    colours = [page.result_table.colour_at(r) for r in range(4)]
    assert colours == [
        OUTCOME_COLOURS["imported"],
        OUTCOME_COLOURS["anomaly"],
        OUTCOME_COLOURS["unknown"],
        OUTCOME_COLOURS["unparsable"],
    ]
    assert page.result_table.text_at(3, 6).startswith("读数")

    # 导入: the two good lines are written, the anomaly held.
    result = run(qtbot, page, dry_run=False)
    assert not result.dry_run and result.import_id is not None
    assert table_lines(page) == expected
    stored = read_db(
        fresh_database_url,
        select(Meter.meter_no, Reading.value, Reading.source, Reading.status, Reading.read_at)
        .join(Meter, Meter.id == Reading.meter_id)
        .where(Reading.source == "handheld")
        .order_by(Meter.meter_no),
    )
    assert [(r[0], r[1], r[2], r[3]) for r in stored] == [
        ("E1", D("1120.5"), "handheld", "accepted"),
        ("E2", D("480"), "handheld", "held"),
    ]
    assert stored[0][4] == world.read_at
    assert readings_count(fresh_database_url) == before + 2

    # The same file again adds nothing: both written lines are duplicates now.
    run(qtbot, page, dry_run=False)
    assert [line[3] for line in table_lines(page)] == ["重复", "重复", "未知表计", "无法识别"]
    assert page.result_table.colour_at(0) == OUTCOME_COLOURS["duplicate"]
    assert readings_count(fresh_database_url) == before + 2

    # The result of the last import as a workbook: a title, the header, one row a line.
    out = tmp_path / "result.xlsx"
    with qtbot.waitSignal(page.exported, timeout=WAIT_MS):
        page.export_result(out)
    rows = list(load_workbook(out).active.iter_rows(values_only=True))
    body = [(r[0], r[1], r[2], r[3]) for r in rows[2:]]
    assert body == [
        (2, "重复", "000011112222", "E1"),
        (3, "重复", "000011113333", "E2"),
        (4, "未知表计", "999999999999", None),
        (5, "无法识别", "000011112222", None),
    ]


def test_a_file_that_cannot_be_read_is_refused_whole(
    qtbot, page: HandheldPage, fresh_database_url: str, tmp_path: Path, monkeypatch
):
    path = tmp_path / "bad.csv"
    path.write_bytes("表号,读数\r\n1,2\r\n".encode("gbk"))
    page.set_file(path)
    page.select_profile(CSV_PROFILE)
    shown: list[str] = []
    monkeypatch.setattr(
        "desktop.handheld_page.QMessageBox.warning", lambda _p, _t, text: shown.append(text)
    )
    page.check_button.click()
    qtbot.waitUntil(lambda: bool(shown), timeout=WAIT_MS)
    assert "缺少列" in shown[0] and "bad.csv" in shown[0]
    assert page.result is None and page.check_button.isEnabled()


def test_route_of_a_building(qtbot, page: HandheldPage, tmp_path: Path):
    page.select_profile(CSV_PROFILE)
    page.select_building("东校区", "1号楼")
    page.kind_combo.setCurrentIndex(page.kind_combo.findData("electricity"))
    out = tmp_path / "route.csv"
    with qtbot.waitSignal(page.route_saved, timeout=WAIT_MS):
        page.export_route(out)
    text = out.read_bytes().decode("gbk")
    assert "000011112222" in text and "000011113333" in text
    assert ADDRESS not in text  # the water meter is not on an electricity route


def test_profile_editor_copies_checks_and_saves(qtbot, page: HandheldPage, fresh_database_url: str):
    dialog = page.profiles_dialog()
    qtbot.addWidget(dialog)
    dialog.select(CSV_PROFILE)
    # Built-ins are read-only; the copy is what gets edited.
    assert dialog.name_edit.isReadOnly() and not dialog.save_button.isEnabled()
    assert "Copy to edit" in dialog.hint.text()
    with qtbot.waitSignal(dialog.saved, timeout=WAIT_MS) as saved:
        dialog.copy_current("某厂掌上机")
    copy = saved.args[0]
    assert not copy.builtin and copy.spec.hardware_column == "表号"
    qtbot.waitUntil(lambda: dialog.current is not None and dialog.current.id == copy.id)
    assert not dialog.name_edit.isReadOnly()

    # Checked as typed: the hint names the field, and Save stays off.
    dialog.encoding_edit.setText("klingon")
    dialog.column_edits["time_column"].setText("读数")
    assert not dialog.save_button.isEnabled()
    assert "编码「klingon」无效" in dialog.hint.text()
    assert "同一列不能有两种用途：读数" in dialog.hint.text()
    dialog.encoding_edit.setText("utf-8")
    dialog.column_edits["time_column"].setText("时间")
    assert dialog.save_button.isEnabled() and dialog.hint.text() == ""
    with qtbot.waitSignal(dialog.saved, timeout=WAIT_MS):
        dialog.save_button.click()
    stored = read_db(
        fresh_database_url,
        select(HandheldProfile.encoding, HandheldProfile.time_column).where(
            HandheldProfile.name == "某厂掌上机"
        ),
    )
    assert [tuple(r) for r in stored] == [("utf-8", "时间")]
    # The page's picker has the new profile.
    qtbot.waitUntil(lambda: page.profile_combo.findText("某厂掌上机") >= 0, timeout=WAIT_MS)


def test_a_ble_water_meter_is_read_and_recorded(qtbot, page: HandheldPage, fresh_database_url: str):
    FakeScanner.devices = {
        "C8:47:8C:00:00:01": (
            Device("C8:47:8C:00:00:01", None),
            Adv("WM-0001", [NUS_SERVICE], -60),
        ),
        "AA": (Device("AA", "Phone"), Adv("Phone", [], -40)),
    }
    FakeClient.mode = "ok"
    page.ble.ble_scanner, page.ble.ble_client = FakeScanner, FakeClient
    page.ble.prefix_edit.setText("WM-")
    with qtbot.waitSignal(page.ble.ble_scanned, timeout=WAIT_MS) as scanned:
        page.ble.scan_button.click()
    assert [d.address for d in scanned.args[0]] == ["C8:47:8C:00:00:01"]
    assert page.ble.device_combo.count() == 1
    page.ble.ble_meter_edit.setText("W1")
    assert not page.ble.record_button.isEnabled()
    with qtbot.waitSignal(page.ble.ble_read, timeout=WAIT_MS) as got:
        page.ble.read_button.click()
    assert got.args[0].flow == D("321.07")
    assert "321.07 m³" in page.ble.ble_status.text()
    with qtbot.waitSignal(page.ble.ble_recorded, timeout=WAIT_MS) as recorded:
        page.ble.record_button.click()
    assert recorded.args[0].value == D("321.07")
    stored = read_db(
        fresh_database_url,
        select(Reading.value, Reading.source).join(Meter).where(Meter.meter_no == "W1"),
    )
    assert [tuple(r) for r in stored] == [(D("321.07"), "ble")]

    # A meter that is not a water meter is refused before any Bluetooth traffic.
    page.ble.ble_meter_edit.setText("E1")
    with qtbot.waitSignal(page.ble.ble_failed, timeout=WAIT_MS) as failed:
        page.ble.read_button.click()
    assert failed.args[0] == "表计 E1 不是水表，不能用蓝牙读取"


class NoAdapter:
    error: Exception = RuntimeError("org.bluez not found")

    @classmethod
    async def discover(cls, timeout: float = 5.0, **kwargs):
        raise cls.error


def test_no_bluetooth_adapter_is_a_clear_message(qtbot, page: HandheldPage):
    from bleak.exc import BleakError

    page.ble.ble_scanner = NoAdapter
    NoAdapter.error = BleakError("No Bluetooth adapters found.")
    with qtbot.waitSignal(page.ble.ble_failed, timeout=WAIT_MS) as failed:
        page.ble.scan()
    assert failed.args[0] == "蓝牙扫描失败（蓝牙是否打开？）：No Bluetooth adapters found."
    NoAdapter.error = RuntimeError("org.bluez not found")
    with qtbot.waitSignal(page.ble.ble_failed, timeout=WAIT_MS) as failed:
        page.ble.scan()
    assert failed.args[0].startswith("没有可用的蓝牙适配器，或蓝牙未打开")
    assert page.ble.ble_status.text() == failed.args[0]
    assert page.ble.device_combo.count() == 0


def test_import_and_profiles_need_the_readings_module(
    world: World, fresh_database_url: str, tmp_path: Path
):
    path = terminal_csv(tmp_path / "r.csv", world.read_at)
    engine = make_engine(fresh_database_url)
    try:
        with unit_of_work(make_sessionmaker(engine)) as session:
            clerk = world.clerk.actor
            # A clerk (counter, accounts) may look at a file but not import it.
            checked = hi.import_handheld(session, clerk, path, CSV_PROFILE, dry_run=True)
            assert checked.written == 2
            with pytest.raises(PermissionDenied, match="抄表"):
                hi.import_handheld(session, clerk, path, CSV_PROFILE)
            spec = ProfileSpec("某厂", "csv", "BH", "DS", "SJ")
            with pytest.raises(PermissionDenied, match="抄表"):
                create_profile(session, clerk, spec)
            made = create_profile(session, world.manager.actor, spec)
            with pytest.raises(PermissionDenied, match="抄表"):
                update_profile(session, clerk, made.id, spec)
    finally:
        engine.dispose()
