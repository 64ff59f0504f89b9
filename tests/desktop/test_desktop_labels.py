"""The barcode labels page driven for real (pytest-qt, offscreen) against PostgreSQL: a
building's meters picked and previewed as a label PDF; TSPL sent to a label printer that is
a local TCP listener standing in for port 9100, then reprinted; meters picked by number."""

from __future__ import annotations

import io
import socket
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from pypdf import PdfReader
from PySide6.QtCore import QItemSelectionModel, QSettings
from sqlalchemy import create_engine

from desktop.app import ensure_application
from desktop.labels_page import LabelsPage
from desktop.tasks import TaskRunner
from devices.label_printers import PrinterSettings
from server.db.engine import make_engine, make_sessionmaker, unit_of_work
from server.services.metering.labels import label_data, printer_bytes
from server.services.staff.org import add_staff_with_role
from server.services.staff.sign_in import StaffIdentity, staff_identity
from tests import factories as f
from tests.desktop_support import PASSWORD, seed_staff

WAIT_MS = 10_000
MANAGER_LOGIN = "wangwu"


@pytest.fixture
def world(fresh_database_url: str) -> StaffIdentity:
    """东校区 1号楼 (account A001, 2单元301): electricity meters E-101, E-102 and water meter
    W-201; 西校区 1号楼 (account B001): E-900."""
    seed_staff(fresh_database_url)
    engine = create_engine(fresh_database_url)
    try:
        with unit_of_work(make_sessionmaker(engine)) as session:
            add_staff_with_role(
                session, f.ACTOR, login=MANAGER_LOGIN, name="王五", password=PASSWORD,
                role="manager", branch_code=None,
            )  # fmt: skip
            east = f.account(session, "A001")
            f.meter(session, "E-101", east)
            f.meter(session, "E-102", east)
            f.meter(session, "W-201", east, kind="water")
            west = f.account(session, "B001", campus="西校区")
            f.meter(session, "E-900", west)
            return staff_identity(session, MANAGER_LOGIN)
    finally:
        engine.dispose()


@pytest.fixture
def preferences(tmp_path: Path) -> QSettings:
    return QSettings(str(tmp_path / "prefs.ini"), QSettings.Format.IniFormat)


@pytest.fixture
def page(
    qtbot, world: StaffIdentity, fresh_database_url: str, preferences: QSettings
) -> Iterator[LabelsPage]:
    ensure_application("en")
    engine = make_engine(fresh_database_url)
    runner = TaskRunner(make_sessionmaker(engine))
    labels = LabelsPage(world, runner, preferences=preferences)
    qtbot.addWidget(labels)
    labels.resize(1280, 800)
    with qtbot.waitSignal(labels.loaded, timeout=WAIT_MS):
        labels.show()
    yield labels
    runner.shutdown()
    engine.dispose()


def meters_shown(page: LabelsPage) -> list[str]:
    return [page.meters_table.text_at(r, 0) for r in range(page.meters_table.row_count())]


class Listener:
    """A label printer's port 9100: accepts connections and keeps what each one sent."""

    def __init__(self) -> None:
        self.server = socket.create_server(("127.0.0.1", 0))
        self.port = self.server.getsockname()[1]
        self.received: list[bytes] = []
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self) -> None:
        while True:
            try:
                connection, _ = self.server.accept()
            except OSError:
                return
            with connection:
                chunks = []
                while data := connection.recv(65536):
                    chunks.append(data)
                self.received.append(b"".join(chunks))

    def close(self) -> None:
        self.server.close()


@pytest.fixture
def printer() -> Iterator[Listener]:
    listener = Listener()
    yield listener
    listener.close()


def test_a_building_is_loaded_at_once_and_previewed(qtbot, page: LabelsPage):
    # The first campus (by name) and its first building come up without a click.
    assert page.place_picker.campus_combo.currentText() == "东校区"
    assert meters_shown(page) == ["E-101", "E-102", "W-201"]
    assert page.meters_table.text_at(0, 4) == "2单元301"
    assert page.size_edit.text() == "50x30"
    with qtbot.waitSignal(page.meters_picked, timeout=WAIT_MS):
        page.kind_combo.setCurrentIndex(page.kind_combo.findData("electricity"))
    assert meters_shown(page) == ["E-101", "E-102"]

    with qtbot.waitSignal(page.document_ready, timeout=WAIT_MS) as ready:
        page.preview_button.click()
    dialog = ready.args[0]
    reader = PdfReader(io.BytesIO(dialog.pdf))
    # A roll: one 50 × 30 mm label a page, its number in text under the barcode.
    assert len(reader.pages) == 2
    box = reader.pages[0].mediabox
    assert (round(float(box.width) / 72 * 25.4), round(float(box.height) / 72 * 25.4)) == (50, 30)
    texts = [p.extract_text() for p in reader.pages]
    assert "E-101" in texts[0] and "E-102" in texts[1]
    assert "东校区" in texts[0] and "电表" in texts[0]
    dialog.close()

    # An A4 sheet holds both on one page; a size that cannot be printed is named.
    page.sheet_combo.setCurrentIndex(page.sheet_combo.findData("a4"))
    with qtbot.waitSignal(page.document_ready, timeout=WAIT_MS) as ready:
        page.preview_button.click()
    sheet = PdfReader(io.BytesIO(ready.args[0].pdf))
    assert len(sheet.pages) == 1
    assert "E-101" in sheet.pages[0].extract_text() and "E-102" in sheet.pages[0].extract_text()
    ready.args[0].close()
    page.size_edit.setText("5x3")
    assert not page.preview_button.isEnabled()
    assert "标签尺寸 5x3 超出范围" in page.size_hint.text()


def test_tspl_goes_to_the_printer_and_is_reprinted(
    qtbot, page: LabelsPage, printer: Listener, preferences: QSettings
):
    page.select_building("西校区", "1号楼")
    qtbot.waitUntil(lambda: meters_shown(page) == ["E-900"], timeout=WAIT_MS)
    page.title_edit.setText("水电保障中心")
    destination = f"socket://127.0.0.1:{printer.port}"
    page.destination_edit.setText(destination)
    assert not page.reprint_button.isEnabled()
    qtbot.waitUntil(page.print_button.isEnabled, timeout=WAIT_MS)
    with qtbot.waitSignal(page.printed, timeout=WAIT_MS) as printed:
        page.print_button.click()
    qtbot.waitUntil(lambda: len(printer.received) == 1, timeout=WAIT_MS)
    sent = printer.received[0]
    assert printed.args == [len(sent)]
    assert sent.startswith(b"SIZE 50 mm,30 mm\r\nGAP 2 mm,0 mm\r\n")
    assert b'"E-900"' in sent and "水电保障中心".encode("gbk") in sent
    # Exactly what the service makes for this meter with these settings.
    (label,) = page.labels()
    assert sent == printer_bytes([label], PrinterSettings())
    assert label == label_data(page.places, "水电保障中心")[0]
    # Remembered on this PC.
    assert preferences.value("labels/destination") == destination
    assert preferences.value("labels/language") == "tspl"

    # 重打: the same bytes again, even after the picking changed.
    page.select_building("东校区", "1号楼")
    qtbot.waitUntil(lambda: len(meters_shown(page)) == 3, timeout=WAIT_MS)
    with qtbot.waitSignal(page.printed, timeout=WAIT_MS):
        page.reprint_button.click()
    qtbot.waitUntil(lambda: len(printer.received) == 2, timeout=WAIT_MS)
    assert printer.received[1] == sent


def test_by_numbers_selected_rows_and_zpl_to_a_file(qtbot, page: LabelsPage, tmp_path: Path):
    with qtbot.waitSignal(page.meters_picked, timeout=WAIT_MS):
        page.numbers_edit.setPlainText("E-900, W-201\nE-101")
        assert page.by_numbers.isChecked()
        page.pick_button.click()
    assert meters_shown(page) == ["E-900", "W-201", "E-101"]
    # Only the selected rows are printed.
    model = page.meters_table.selectionModel()
    flags = QItemSelectionModel.SelectionFlag.Select | QItemSelectionModel.SelectionFlag.Rows
    for row in (0, 2):
        model.select(page.meters_table.model().index(row, 0), flags)
    assert [label.meter_no for label in page.labels()] == ["E-900", "E-101"]
    page.language_combo.setCurrentIndex(page.language_combo.findData("zpl"))
    out = tmp_path / "labels.zpl"
    page.destination_edit.setText(str(out))
    with qtbot.waitSignal(page.printed, timeout=WAIT_MS):
        page.print_button.click()
    content = out.read_bytes()
    assert content.count(b"^XA") == 2 and b"E-900" in content and b"W-201" not in content

    # A number that does not exist is named.
    page.numbers_edit.setPlainText("E-101 NOPE-1")
    page.pick_button.click()
    qtbot.waitUntil(lambda: "NOPE-1" in page.pick_error.text(), timeout=WAIT_MS)
    assert page.pick_error.text() == "表号 NOPE-1 不存在"
    assert not page.preview_button.isEnabled()


def test_an_unreachable_printer_is_a_clear_message(qtbot, page: LabelsPage):
    closed = socket.create_server(("127.0.0.1", 0))
    port = closed.getsockname()[1]
    closed.close()
    page.destination_edit.setText(f"socket://127.0.0.1:{port}")
    page.print_button.click()
    qtbot.waitUntil(lambda: "无法连接打印机" in page.print_status.text(), timeout=WAIT_MS)
    assert page.last_job is None and not page.reprint_button.isEnabled()
