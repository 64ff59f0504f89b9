"""The desk's photo preview, driven by real keys, wheel and buttons: zoom steps of 1.25,
fitting, quarter turns; a fault report's photo in the request queue with its capture
warning, opened by a double click."""

from __future__ import annotations

from datetime import datetime

import pytest
from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtGui import QColor, QPixmap, QWheelEvent
from PySide6.QtWidgets import QApplication, QFrame

from desktop.app import ensure_application
from desktop.photo_viewer import PhotoDialog, PhotoViewer
from server.db.engine import make_engine, make_sessionmaker, unit_of_work
from server.services.core.calendar import BUSINESS_TZ
from server.services.core.photos import PhotoView, store_photo
from server.services.residents.service_requests import RequestSpec, raise_request
from server.services.staff.org import add_staff_with_role
from server.services.staff.sign_in import staff_identity
from tests import factories as f
from tests.core.test_photos import jpeg_taken
from tests.desktop.test_desktop_service import WAIT_MS, page  # noqa: F401 (fixture)

RED, BLUE = QColor(255, 0, 0), QColor(0, 0, 255)


def halves(width: int, height: int) -> QPixmap:
    """Left half red, right half blue: which side ends up on top tells the rotation."""
    pixmap = QPixmap(width, height)
    pixmap.fill(BLUE)
    image = pixmap.toImage()
    for x in range(width // 2):
        for y in range(height):
            image.setPixelColor(x, y, RED)
    return QPixmap.fromImage(image)


def size(viewer: PhotoViewer) -> tuple[int, int]:
    shown = viewer.shown()
    return shown.width(), shown.height()


def colour_at(viewer: PhotoViewer, x: int, y: int) -> tuple[int, int, int]:
    colour = viewer.shown().toImage().pixelColor(x, y)
    return colour.red(), colour.green(), colour.blue()


@pytest.fixture
def viewer(qtbot) -> PhotoViewer:
    ensure_application("zh_CN")
    view = PhotoViewer()
    view.setFrameShape(QFrame.Shape.NoFrame)
    qtbot.addWidget(view)
    view.resize(400, 300)
    view.show()
    qtbot.waitExposed(view)
    view.set_pixmap(halves(800, 400))
    view.setFocus()
    return view


def test_keys_zoom_fit_and_turn(qtbot, viewer):
    # Fitted into 400×300: min(400/800, 300/400) = 0.5.
    assert size(viewer) == (400, 200)
    qtbot.keyClick(viewer, Qt.Key.Key_Plus)
    assert size(viewer) == (500, 250)  # 0.5 × 1.25 = 0.625
    qtbot.keyClick(viewer, Qt.Key.Key_Plus)
    assert size(viewer) == (625, 312)  # 0.78125: 625 × 312.5, rounded half to even
    qtbot.keyClick(viewer, Qt.Key.Key_Minus)
    qtbot.keyClick(viewer, Qt.Key.Key_Minus)
    assert size(viewer) == (400, 200)
    # A quarter turn right keeps the zoom: 400×800 at 0.5; the red left half is now on top.
    qtbot.keyClick(viewer, Qt.Key.Key_R)
    assert size(viewer) == (200, 400)
    assert colour_at(viewer, 100, 10) == (255, 0, 0)
    assert colour_at(viewer, 100, 390) == (0, 0, 255)
    # F fits the turned photo: min(400/400, 300/800) = 0.375.
    qtbot.keyClick(viewer, Qt.Key.Key_F)
    assert size(viewer) == (150, 300)
    # L turns back: the red half on the left again, fitted at 0.5.
    qtbot.keyClick(viewer, Qt.Key.Key_L)
    assert size(viewer) == (400, 200)
    assert colour_at(viewer, 10, 100) == (255, 0, 0)
    assert colour_at(viewer, 390, 100) == (0, 0, 255)
    # Two more L: upside down, the red half on the right.
    qtbot.keyClick(viewer, Qt.Key.Key_L)
    qtbot.keyClick(viewer, Qt.Key.Key_L)
    assert viewer.rotation == 180
    assert colour_at(viewer, 390, 100) == (255, 0, 0)


def test_wheel_zooms_by_its_notches(qtbot, viewer):
    def wheel(notches: int) -> None:
        centre = QPointF(200, 150)
        event = QWheelEvent(
            centre, viewer.mapToGlobal(centre), QPoint(), QPoint(0, 120 * notches),
            Qt.MouseButton.NoButton, Qt.KeyboardModifier.NoModifier,
            Qt.ScrollPhase.NoScrollPhase, False,
        )  # fmt: skip
        QApplication.sendEvent(viewer.viewport(), event)

    wheel(1)
    assert size(viewer) == (500, 250)
    wheel(-2)
    assert size(viewer) == (320, 160)  # 0.5 / 1.25 = 0.4
    qtbot.keyClick(viewer, Qt.Key.Key_0)
    assert size(viewer) == (400, 200)


def test_dialog_buttons_and_capture_warning(qtbot):
    ensure_application("zh_CN")
    view = PhotoView(
        7, b"", datetime(2026, 12, 6, 9, 10, tzinfo=BUSINESS_TZ),
        datetime(2026, 11, 2, 14, 5, tzinfo=BUSINESS_TZ),
    )  # fmt: skip
    dialog = PhotoDialog(halves(800, 400), view)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    assert dialog.capture_label.isVisible()
    assert dialog.capture_label.text() == "拍摄于 2026-11-02 14:05，上传于 2026-12-06 09:10"
    assert [b.text() for b in dialog.buttons.values()] == [
        "放大", "缩小", "适应窗口", "向左旋转", "向右旋转",
    ]  # fmt: skip
    fitted = dialog.viewer.zoom
    qtbot.mouseClick(dialog.buttons["zoom_in"], Qt.MouseButton.LeftButton)
    zoom = dialog.viewer.zoom
    assert zoom == pytest.approx(fitted * 1.25)
    assert size(dialog.viewer) == (round(800 * zoom), round(400 * zoom))
    qtbot.mouseClick(dialog.buttons["right"], Qt.MouseButton.LeftButton)
    assert size(dialog.viewer) == (round(400 * zoom), round(800 * zoom))
    # The keys still reach the viewer after a button was clicked.
    qtbot.keyClick(dialog.viewer, Qt.Key.Key_R)
    assert dialog.viewer.rotation == 180


@pytest.fixture
def desk(fresh_database_url: str):
    """A manager; a fault report whose photo was taken on 2 November, sent on 6 December,
    and a complaint without one."""
    engine = make_engine(fresh_database_url)
    with unit_of_work(make_sessionmaker(engine)) as session:
        f.branches(session)
        add_staff_with_role(
            session, f.ACTOR, login="zhao", name="赵经理", password="Manager-2026",
            role="manager", branch_code="D",
        )  # fmt: skip
        photo = store_photo(
            session, jpeg_taken("2026:11:02 14:05:00"), "故障照片",
            uploaded_at=datetime(2026, 12, 6, 9, 10, tzinfo=BUSINESS_TZ),
        )  # fmt: skip
        raise_request(
            session, f.ACTOR, RequestSpec("fault", "线路故障", "楼道灯不亮", place="3号楼"),
            photo_id=photo.photo_id,
        )  # fmt: skip
        raise_request(session, f.ACTOR, RequestSpec("complaint", "投诉", "窗口太慢"))
        manager = staff_identity(session, "zhao")
    engine.dispose()
    return manager


def test_a_fault_reports_photo_is_seen_in_the_queue(qtbot, page):  # noqa: F811
    page.show()
    page.tabs.setCurrentIndex(1)
    table = page.requests_table
    by_kind = {table.text_at(r, 2): r for r in range(table.row_count())}
    assert table.text_at(by_kind["故障上报"], 9) == "有照片"
    assert table.text_at(by_kind["投诉建议"], 9) == ""
    table.selectRow(by_kind["投诉建议"])
    panel = page.request_photo
    assert panel.image.text() == "无照片" and not panel.open_button.isEnabled()
    table.selectRow(by_kind["故障上报"])
    qtbot.waitUntil(lambda: not panel.pixmap().isNull(), timeout=WAIT_MS)
    assert panel.capture_label.text() == "拍摄于 2026-11-02 14:05，上传于 2026-12-06 09:10"
    assert panel.capture_label.isVisible()
    # The 40×20 photo fitted into the panel keeps its 2:1 shape.
    shown = panel.pixmap()
    assert shown.width() == 2 * shown.height()
    qtbot.mouseDClick(panel.image, Qt.MouseButton.LeftButton)
    dialog = panel.dialog
    assert dialog is not None and dialog.isVisible()
    # Fitting a 40×20 photo stops at the largest zoom, 4: 160×80, turned 80×160.
    assert size(dialog.viewer) == (160, 80)
    qtbot.keyClick(dialog.viewer, Qt.Key.Key_R)
    assert size(dialog.viewer) == (80, 160)
    assert dialog.viewer.original.size().toTuple() == (40, 20)
