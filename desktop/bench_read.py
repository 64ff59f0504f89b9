"""台架读表: a field engineer reads a meter on the bench from the handheld page.

The meter sits on the bench behind the handheld terminal's USB serial link, an infrared or
RS485 adapter, or a data collector reached over the network (`socket://host:port`,
`rfc2217://…`); the engineer picks the port, the protocol and the address (or discovers
it with the broadcast read-address), reads the standard identifiers and may record the
total as the reading of the meter whose hardware number is that address. Every byte on
the line shows in the sniffer box, as the log a vendor asks for.

The serial I/O runs on the task runner, like everything else: the window never waits.
"""

from __future__ import annotations

import logging
from typing import TextIO, cast

from PySide6.QtCore import QObject, QSettings, Qt, Signal
from PySide6.QtGui import QFontDatabase
from PySide6.QtWidgets import (
    QComboBox,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)
from serial.tools import list_ports

from desktop.bench_link import FRAME, PORT, TIMEOUT, BenchResult, discover_address, read_bench
from desktop.tasks import BusyTasks, TaskError, TaskRunner
from desktop.widgets import ReadOnlyTable
from devices.transport import PROTOCOLS, PortSettings, Sniffer
from server.config import ConfigError, load_settings
from server.services.metering.bench_readings import record_bench_reading
from server.services.metering.readings import ReadingResult
from server.services.metering.usage_rules import describe_flags, quantity_text
from server.services.staff.sign_in import StaffIdentity

PORT_KEY = "bench/port"
PROTOCOL_KEY = "bench/protocol"
ADDRESS_KEY = "bench/address"
PROTOCOL_NAMES = {
    "dlt645-2007": "DL/T 645-2007",
    "dlt645-1997": "DL/T 645-1997",
    "cjt188": "CJ/T 188",
}
ADDRESS_DIGITS = {"dlt645-2007": 12, "dlt645-1997": 12, "cjt188": 14}
SNIFFER_LINES = 500


def bench_port_setting() -> tuple[str, bool]:
    """The configured bench port (`devices.bench_port`) and whether the environment set it
    (as `meterdesk demo` does for its simulated meters)."""
    try:
        setting = load_settings().items["devices.bench_port"]
    except (ConfigError, KeyError, OSError):
        return "", False
    return setting.value.strip(), setting.source.startswith("env")


class SnifferFeed(QObject):
    """A file-like the Sniffer writes to from the worker thread; each line reaches the box
    through a queued signal, so the widget is only touched on the GUI thread."""

    line = Signal(str)

    def write(self, text: str) -> int:
        for part in text.splitlines():
            if part:
                self.line.emit(part)
        return len(text)

    def flush(self) -> None:
        pass


class BenchReadPanel(QWidget):
    """`bench_read(BenchResult)` once a read's values (or its failure) are shown,
    `address_found(str)`, `bench_recorded(ReadingResult)`, `bench_failed(str)` with the
    message shown."""

    bench_read = Signal(object)
    address_found = Signal(str)
    bench_recorded = Signal(object)
    bench_failed = Signal(str)

    def __init__(
        self,
        identity: StaffIdentity,
        runner: TaskRunner,
        *,
        preferences: QSettings | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("benchRead")
        self.identity = identity
        self.runner = runner
        self.preferences = preferences
        self.result: BenchResult | None = None
        # Line settings per protocol unless set (tests shorten the wait for a silent meter).
        self.patience: PortSettings | None = None
        self.tasks = BusyTasks(self.runner, self, self._check, width=120)
        self.feed = SnifferFeed(self)
        self.sniffer = Sniffer(logging.getLogger("devices.sniffer"), cast(TextIO, self.feed))
        self._build()
        self._restore()
        self._check()

    # ---- layout ---------------------------------------------------------------------------

    def _build(self) -> None:
        self.port_combo = QComboBox()
        self.port_combo.setObjectName("benchPort")
        self.port_combo.setEditable(True)
        self.port_combo.setMinimumContentsLength(24)
        self.port_combo.lineEdit().setPlaceholderText(
            self.tr("COM3, /dev/ttyUSB0, socket://host:port or rfc2217://host:port")
        )
        self.port_combo.editTextChanged.connect(lambda _: self._check())
        self.refresh_button = QPushButton(self.tr("Refresh ports"))
        self.refresh_button.clicked.connect(lambda: self.list_ports())
        self.protocol_combo = QComboBox()
        for protocol in PROTOCOLS:
            self.protocol_combo.addItem(PROTOCOL_NAMES[protocol], protocol)
        self.protocol_combo.currentIndexChanged.connect(lambda _: self._check())
        self.address_edit = QLineEdit()
        self.address_edit.setObjectName("benchAddress")
        self.address_edit.setPlaceholderText(self.tr("Meter address (hardware no.)"))
        self.address_edit.textChanged.connect(lambda _: self._check())
        self.address_edit.returnPressed.connect(lambda: self.read())
        self.address_button = QPushButton(self.tr("Read address"))
        self.address_button.setToolTip(
            self.tr("Ask the one meter on the line for its address (broadcast)")
        )
        self.address_button.clicked.connect(lambda: self.find_address())
        self.read_button = QPushButton(self.tr("Read"))
        self.read_button.setObjectName("primaryButton")
        self.read_button.clicked.connect(lambda: self.read())
        self.record_button = QPushButton(self.tr("Record as reading"))
        self.record_button.setToolTip(
            self.tr("Record the total as the reading of the meter with this hardware number")
        )
        self.record_button.clicked.connect(lambda: self.record())
        self.hint = QLabel()
        self.hint.setObjectName("benchHint")
        self.hint.setStyleSheet("color: #c62828;")
        self.status = QLabel()
        self.status.setObjectName("benchStatus")
        self.status.setWordWrap(True)
        self.status.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.table = ReadOnlyTable(
            [
                self.tr("Identifier"),
                self.tr("Item"),
                self.tr("Value"),
                self.tr("Unit"),
                self.tr("Note"),
            ]
        )
        self.log_view = QPlainTextEdit()
        self.log_view.setObjectName("benchSniffer")
        self.log_view.setReadOnly(True)
        self.log_view.setMaximumBlockCount(SNIFFER_LINES)
        self.log_view.setMaximumHeight(130)
        self.log_view.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))
        self.log_view.setLineWrapMode(QPlainTextEdit.LineWrapMode.NoWrap)
        # Queued: the sniffer writes from the worker thread.
        self.feed.line.connect(self.log_view.appendPlainText, Qt.ConnectionType.QueuedConnection)

        grid = QGridLayout()
        grid.addWidget(QLabel(self.tr("Port:")), 0, 0, Qt.AlignmentFlag.AlignRight)
        grid.addWidget(self.port_combo, 0, 1)
        grid.addWidget(self.refresh_button, 0, 2)
        grid.addWidget(QLabel(self.tr("Protocol:")), 0, 3, Qt.AlignmentFlag.AlignRight)
        grid.addWidget(self.protocol_combo, 0, 4)
        grid.addWidget(QLabel(self.tr("Meter address:")), 1, 0, Qt.AlignmentFlag.AlignRight)
        grid.addWidget(self.address_edit, 1, 1)
        grid.addWidget(self.address_button, 1, 2)
        buttons = QHBoxLayout()
        buttons.addWidget(self.read_button)
        buttons.addWidget(self.record_button)
        buttons.addWidget(self.tasks.progress)
        buttons.addStretch(1)
        grid.addLayout(buttons, 1, 3, 1, 2)
        grid.setColumnStretch(1, 1)
        layout = QVBoxLayout(self)
        layout.addLayout(grid)
        layout.addWidget(self.hint)
        layout.addWidget(self.status)
        layout.addWidget(self.table, 1)
        layout.addWidget(QLabel(self.tr("Line log (sent TX / received RX):")))
        layout.addWidget(self.log_view)

    def list_ports(self) -> None:
        """The PC's serial ports (USB adapters, a docked terminal) and the configured port,
        keeping whatever is typed in the box."""
        typed = self.port_combo.currentText()
        configured, _ = bench_port_setting()
        self.port_combo.blockSignals(True)
        self.port_combo.clear()
        if configured:
            self.port_combo.addItem(
                self.tr("{port} (configured)").format(port=configured), configured
            )
        for port in sorted(list_ports.comports(), key=lambda p: p.device):
            label = port.device
            if port.description and port.description != "n/a":
                label += f" — {port.description}"
            self.port_combo.addItem(label, port.device)
        self.port_combo.setEditText(typed)
        self.port_combo.blockSignals(False)
        self._check()

    def _restore(self) -> None:
        self.list_ports()
        configured, from_env = bench_port_setting()
        prefs = self.preferences
        remembered = str(prefs.value(PORT_KEY, "") or "") if prefs is not None else ""
        # The environment is set for this launch (the demo's simulated meters, an engineer
        # who means it), so it beats what this PC remembered from an earlier one.
        port = configured if from_env and configured else remembered or configured
        if not port and self.port_combo.count():
            port = str(self.port_combo.itemData(0))
        self.port_combo.setEditText(port)
        if prefs is not None:
            index = self.protocol_combo.findData(prefs.value(PROTOCOL_KEY, PROTOCOLS[0]))
            self.protocol_combo.setCurrentIndex(max(index, 0))
            self.address_edit.setText(str(prefs.value(ADDRESS_KEY, "") or ""))

    def _remember(self) -> None:
        if self.preferences is None:
            return
        self.preferences.setValue(PORT_KEY, self.port())
        self.preferences.setValue(PROTOCOL_KEY, self.protocol())
        self.preferences.setValue(ADDRESS_KEY, self.address_edit.text().strip())

    # ---- input ----------------------------------------------------------------------------

    def port(self) -> str:
        text = self.port_combo.currentText().strip()
        index = self.port_combo.findText(text)
        # A listed item shows a description; the device (or URL) is what opens it.
        if index >= 0 and self.port_combo.itemData(index):
            return str(self.port_combo.itemData(index))
        return text

    def protocol(self) -> str:
        return str(self.protocol_combo.currentData())

    def address_problem(self) -> str:
        text = self.address_edit.text().strip()
        digits = ADDRESS_DIGITS[self.protocol()]
        if not text:
            return ""
        if not text.isdigit() or not text.isascii():
            return self.tr("Meter address: digits only")
        if len(text) > digits:
            return self.tr("Meter address: at most {n} digits for {protocol}").format(
                n=digits, protocol=PROTOCOL_NAMES[self.protocol()]
            )
        return ""

    def address(self) -> str:
        return self.address_edit.text().strip().zfill(ADDRESS_DIGITS[self.protocol()])

    def _check(self) -> None:
        problem = self.address_problem()
        self.hint.setText(problem)
        idle = self.tasks.idle
        has_port = bool(self.port())
        has_address = bool(self.address_edit.text().strip())
        self.read_button.setEnabled(idle and has_port and has_address and not problem)
        # DL/T 645-1997 has no read-address command.
        self.address_button.setEnabled(idle and has_port and self.protocol() != "dlt645-1997")
        result = self.result
        self.record_button.setEnabled(
            idle and result is not None and result.total is not None and not result.failure
        )

    def _note(self, text: str, *, error: bool = False) -> None:
        self.status.setStyleSheet("color: #c62828;" if error else "")
        self.status.setText(text)

    # ---- reading --------------------------------------------------------------------------

    def read(self) -> None:
        if not self.read_button.isEnabled():
            return
        port, protocol, address = self.port(), self.protocol(), self.address()
        sniffer, patience = self.sniffer, self.patience
        self._remember()
        self.result = None
        self.table.fill([])
        self._note(self.tr("Reading {address} on {port}…").format(address=address, port=port))
        self.tasks.run(
            lambda _session: read_bench(port, protocol, address, sniffer, patience),
            self._show_read,
            self._task_failed,
        )

    def failure_text(self, result: BenchResult) -> str:
        where = {
            "address": result.address or self.tr("(broadcast)"),
            "port": result.port,
            "detail": result.detail,
        }
        if result.failure == TIMEOUT:
            text = self.tr(
                "No reply from the meter at {address} on {port} ({detail}). Check the port, "
                "the protocol, the address and the wiring."
            )
        elif result.failure == FRAME:
            text = self.tr("The reply from {address} could not be understood: {detail}")
        elif result.failure == PORT:
            text = self.tr("Cannot use the port {port}: {detail}")
        else:
            text = self.tr("The meter at {address} answered abnormally: {detail}")
        return text.format(**where)

    def _show_read(self, result: BenchResult) -> None:
        self.result = result
        rows = [[r.di, r.name, r.value, r.unit, r.note] for r in result.rows]
        self.table.fill(rows, keys=[r.di + r.name for r in result.rows])
        if result.failure:
            message = self.failure_text(result)
            self._note(message, error=True)
            self.bench_failed.emit(message)
        else:
            total = "—" if result.total is None else f"{result.total} {result.unit}"
            self._note(
                self.tr("Meter {address}: total {total}; meter clock {clock}.").format(
                    address=result.address, total=total, clock=result.clock or "—"
                )
            )
        self._check()
        self.bench_read.emit(result)

    def _task_failed(self, error: TaskError) -> None:
        self._note(error.message, error=True)
        self.bench_failed.emit(error.message)

    def find_address(self) -> None:
        if not self.address_button.isEnabled():
            return
        port, protocol = self.port(), self.protocol()
        sniffer, patience = self.sniffer, self.patience
        self._note(self.tr("Asking the meter on {port} for its address…").format(port=port))
        self.tasks.run(
            lambda _session: discover_address(port, protocol, sniffer, patience),
            self._show_address,
            self._task_failed,
        )

    def _show_address(self, result: BenchResult) -> None:
        if result.failure:
            message = self.failure_text(result)
            self._note(message, error=True)
            self.bench_failed.emit(message)
            return
        self.address_edit.setText(result.address)
        self._remember()
        self._note(
            self.tr("The meter on the line answers at {address}.").format(address=result.address)
        )
        self.address_found.emit(result.address)

    # ---- recording ------------------------------------------------------------------------

    def record(self) -> None:
        result = self.result
        if result is None or result.total is None or result.failure:
            return
        actor, total = self.identity.actor, result.total
        note = (
            f"表内时间 {result.clock}；端口 {result.port}"
            if result.clock
            else (f"端口 {result.port}")
        )
        self.tasks.run(
            lambda s: record_bench_reading(
                s, actor, result.protocol, result.address, total, result.unit, note=note
            ),
            self._recorded,
            self._task_failed,
        )

    def _recorded(self, recorded: ReadingResult) -> None:
        flags = describe_flags(recorded.flags)
        self._note(
            self.tr("Recorded {value} for {meter}.").format(
                value=quantity_text(recorded.value), meter=recorded.meter_no
            )
            + (f" {flags}" if flags else "")
        )
        self.result = None
        self._check()
        self.bench_recorded.emit(recorded)
