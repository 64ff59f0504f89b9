"""One way to look at a photo anywhere on the desk: a panel beside a queue (readings to
review, service requests, 新装换装 dials) and, on a double click or 查看, a preview to zoom
and rotate. Both say when the photo was taken, if long before it was sent."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtGui import QKeyEvent, QMouseEvent, QPixmap, QResizeEvent, QTransform, QWheelEvent
from PySide6.QtWidgets import (
    QDialog,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)
from sqlalchemy.orm import Session

from desktop.tasks import TaskRunner
from desktop.widgets import ALERT
from server.services.core.photos import PhotoView

ZOOM_STEP = 1.25
# Bounded so a 1600 px photo never becomes a pixmap of hundreds of megabytes.
MIN_ZOOM = 0.05
MAX_ZOOM = 4.0


def _capture_label() -> QLabel:
    label = QLabel()
    label.setObjectName("photoCaptured")
    label.setStyleSheet(f"color: {ALERT.name()}; font-weight: bold;")
    label.setWordWrap(True)
    label.hide()
    return label


class PhotoViewer(QScrollArea):
    """A photo at a zoom (wheel, + / −, 0 or F to fit) and a rotation in quarter turns
    (R right, L left). Fitting follows the window until the user zooms."""

    changed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("photoViewer")
        self.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.image = QLabel()
        self.image.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.setWidget(self.image)
        self.original = QPixmap()
        self.rotation = 0
        self.zoom = 1.0
        self.fitting = True

    def set_pixmap(self, pixmap: QPixmap) -> None:
        self.original = pixmap
        self.rotation = 0
        self.fit()

    def _turned(self) -> QPixmap:
        return self.original.transformed(QTransform().rotate(self.rotation))

    def _render(self) -> None:
        turned = self._turned()
        # No scroll bars while fitting: one appearing would shrink the area fitted into.
        policy = (
            Qt.ScrollBarPolicy.ScrollBarAlwaysOff
            if self.fitting
            else Qt.ScrollBarPolicy.ScrollBarAsNeeded
        )
        self.setHorizontalScrollBarPolicy(policy)
        self.setVerticalScrollBarPolicy(policy)
        if self.fitting:
            area = self.viewport().size()
            self.zoom = min(
                MAX_ZOOM,
                max(MIN_ZOOM, min(area.width() / turned.width(), area.height() / turned.height())),
            )
        shown = turned.scaled(
            max(1, round(turned.width() * self.zoom)),
            max(1, round(turned.height() * self.zoom)),
            Qt.AspectRatioMode.IgnoreAspectRatio,
            Qt.TransformationMode.SmoothTransformation,
        )
        self.image.setPixmap(shown)
        self.image.resize(shown.size())
        self.changed.emit()

    def shown(self) -> QPixmap:
        return self.image.pixmap()

    def zoom_by(self, factor: float) -> None:
        if self.original.isNull():
            return
        self.fitting = False
        self.zoom = min(MAX_ZOOM, max(MIN_ZOOM, self.zoom * factor))
        self._render()

    def zoom_in(self) -> None:
        self.zoom_by(ZOOM_STEP)

    def zoom_out(self) -> None:
        self.zoom_by(1 / ZOOM_STEP)

    def fit(self) -> None:
        self.fitting = True
        if not self.original.isNull():
            self._render()

    def rotate(self, degrees: int) -> None:
        if self.original.isNull():
            return
        self.rotation = (self.rotation + degrees) % 360
        self._render()

    def keyPressEvent(self, event: QKeyEvent) -> None:
        actions: dict[int, Callable[[], None]] = {
            Qt.Key.Key_Plus: self.zoom_in,
            Qt.Key.Key_Equal: self.zoom_in,
            Qt.Key.Key_Minus: self.zoom_out,
            Qt.Key.Key_0: self.fit,
            Qt.Key.Key_F: self.fit,
            Qt.Key.Key_R: lambda: self.rotate(90),
            Qt.Key.Key_L: lambda: self.rotate(-90),
        }
        action = actions.get(event.key())
        if action is None:
            super().keyPressEvent(event)
            return
        action()

    def wheelEvent(self, event: QWheelEvent) -> None:
        steps = event.angleDelta().y() / 120
        if steps:
            self.zoom_by(ZOOM_STEP**steps)
        event.accept()

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        if self.fitting and not self.original.isNull():
            self._render()


class PhotoDialog(QDialog):
    """The preview: the viewer with buttons for what its keys do, and the capture warning."""

    def __init__(self, pixmap: QPixmap, view: PhotoView, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("photoDialog")
        self.setWindowTitle(self.tr("Photo"))
        self.resize(900, 700)
        self.viewer = PhotoViewer()
        self.capture_label = _capture_label()
        self.capture_label.setText(view.capture_warning)
        self.capture_label.setVisible(bool(view.capture_warning))
        buttons = QHBoxLayout()
        self.buttons: dict[str, QPushButton] = {}
        for key, text, tip, action in (
            ("zoom_in", self.tr("Zoom in"), "+", self.viewer.zoom_in),
            ("zoom_out", self.tr("Zoom out"), "−", self.viewer.zoom_out),
            ("fit", self.tr("Fit"), "0 / F", self.viewer.fit),
            ("left", self.tr("Rotate left"), "L", lambda: self.viewer.rotate(-90)),
            ("right", self.tr("Rotate right"), "R", lambda: self.viewer.rotate(90)),
        ):
            button = QPushButton(text)
            button.setToolTip(tip)
            # The keys stay with the viewer: a button never takes the focus from it.
            button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
            button.clicked.connect(action)
            buttons.addWidget(button)
            self.buttons[key] = button
        buttons.addStretch(1)
        close = QPushButton(self.tr("Close"))
        close.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        close.clicked.connect(self.reject)
        buttons.addWidget(close)
        layout = QVBoxLayout(self)
        layout.addWidget(self.capture_label)
        layout.addWidget(self.viewer, 1)
        layout.addLayout(buttons)
        self.viewer.set_pixmap(pixmap)
        self.viewer.setFocus()


class _Thumbnail(QLabel):
    double_clicked = Signal()

    def mouseDoubleClickEvent(self, event: QMouseEvent) -> None:
        self.double_clicked.emit()
        event.accept()


class PhotoPanel(QWidget):
    """A photo fitted beside a queue, loaded through the service the page names; a double
    click or 查看 opens the preview. `shown` fires once a photo is on screen."""

    shown = Signal()

    def __init__(self, runner: TaskRunner, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.runner = runner
        # Bumped on every load, so a photo that arrives late for another row is dropped.
        self._serial = 0
        self.view: PhotoView | None = None
        self.dialog: PhotoDialog | None = None
        self.image = _Thumbnail(self.tr("No photo"))
        self.image.setObjectName("photoPanelImage")
        self.image.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.image.setMinimumSize(320, 240)
        self.image.double_clicked.connect(lambda: self.open_preview())
        self.capture_label = _capture_label()
        self.open_button = QPushButton(self.tr("View…"))
        self.open_button.clicked.connect(lambda: self.open_preview())
        self.open_button.setEnabled(False)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.image, 1)
        layout.addWidget(self.capture_label)
        row = QHBoxLayout()
        row.addStretch(1)
        row.addWidget(self.open_button)
        layout.addLayout(row)

    def pixmap(self) -> QPixmap:
        return self.image.pixmap()

    def load(self, fetch: Callable[[Session], PhotoView | None] | None, owner: QObject) -> None:
        """Show what `fetch` finds (None: no photo); without `fetch`, no photo."""
        self._serial += 1
        self.view = None
        self.open_button.setEnabled(False)
        self.capture_label.hide()
        self.image.setPixmap(QPixmap())
        if fetch is None:
            self.image.setText(self.tr("No photo"))
            return
        self.image.setText(self.tr("Loading photo…"))
        serial = self._serial
        self.runner.run(fetch, on_success=lambda view: self._show(serial, view), owner=owner)

    def _show(self, serial: int, view: PhotoView | None) -> None:
        if serial != self._serial:
            return
        if view is None:
            self.image.setText(self.tr("No photo"))
            return
        pixmap = QPixmap()
        if not pixmap.loadFromData(view.content):
            self.image.setText(self.tr("The photo cannot be shown"))
            return
        self.view = view
        self.image.setPixmap(
            pixmap.scaled(
                self.image.size(),
                Qt.AspectRatioMode.KeepAspectRatio,
                Qt.TransformationMode.SmoothTransformation,
            )
        )
        self.capture_label.setText(view.capture_warning)
        self.capture_label.setVisible(bool(view.capture_warning))
        self.open_button.setEnabled(True)
        self.shown.emit()

    def open_preview(self) -> None:
        if self.view is None:
            return
        pixmap = QPixmap()
        pixmap.loadFromData(self.view.content)
        self.dialog = PhotoDialog(pixmap, self.view, self)
        self.dialog.open()
