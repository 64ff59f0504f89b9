"""The handheld page's Bluetooth water meter (蓝牙水表): scan for meters, read one's
figure on the spot, record it as the meter's reading. The Bluetooth I/O runs on the page's
tasks, like everything else: the window never waits."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from PySide6.QtCore import QSettings, Qt, Signal
from PySide6.QtWidgets import QComboBox, QGridLayout, QGroupBox, QLabel, QLineEdit, QPushButton
from sqlalchemy.orm import Session

from desktop.tasks import BusyTasks, TaskError
from devices.ble import BleDevice, BleError, BleSettings, read_water_meter_sync, scan_sync
from devices.cjt188 import MeterData
from server.services.core.errors import DomainError
from server.services.metering.ble_readings import ble_address, record_ble_reading
from server.services.metering.readings import ReadingResult
from server.services.metering.usage_rules import describe_flags, quantity_text
from server.services.staff.sign_in import StaffIdentity

BLE_PREFIX = "handheld/ble_prefix"


def _device_error(exc: Exception) -> DomainError:
    """A Bluetooth failure as a message for the reader (the runner shows DomainErrors as is)."""
    if isinstance(exc, BleError):
        return DomainError(str(exc))
    # No adapter, Bluetooth switched off, no BlueZ/D-Bus: bleak raises all sorts here.
    return DomainError(f"没有可用的蓝牙适配器，或蓝牙未打开（{type(exc).__name__}：{exc}）")


class BleReadBox(QGroupBox):
    """`ble_scanned(tuple)`, `ble_read(MeterData)`, `ble_recorded(ReadingResult)` and
    `ble_failed(str)` once the box shows them. Runs on the page's tasks (its busy bar)."""

    ble_scanned = Signal(object)
    ble_read = Signal(object)
    ble_recorded = Signal(object)
    ble_failed = Signal(str)

    def __init__(
        self, identity: StaffIdentity, tasks: BusyTasks, preferences: QSettings | None = None
    ) -> None:
        super().__init__()
        self.setTitle(self.tr("Bluetooth water meter"))
        self.identity = identity
        self.tasks = tasks
        self.preferences = preferences
        self.devices: tuple[BleDevice, ...] = ()
        self.meter_data: MeterData | None = None
        self.ble_settings = BleSettings()
        # bleak's BleakScanner / BleakClient when None; tests put fakes here.
        self.ble_scanner: Any = None
        self.ble_client: Any = None
        self.prefix_edit = QLineEdit()
        self.prefix_edit.setPlaceholderText(self.tr("Name prefix (optional)"))
        if self.preferences is not None:
            self.prefix_edit.setText(str(self.preferences.value(BLE_PREFIX, "") or ""))
        self.scan_button = QPushButton(self.tr("Scan"))
        self.scan_button.clicked.connect(lambda: self.scan())
        self.device_combo = QComboBox()
        self.device_combo.setMinimumContentsLength(22)
        self.ble_meter_edit = QLineEdit()
        self.ble_meter_edit.setPlaceholderText(self.tr("Meter no."))
        self.ble_meter_edit.textChanged.connect(lambda _: self.update_buttons())
        self.ble_meter_edit.returnPressed.connect(lambda: self.read_meter())
        self.read_button = QPushButton(self.tr("Read"))
        self.read_button.clicked.connect(lambda: self.read_meter())
        self.record_button = QPushButton(self.tr("Record reading"))
        self.record_button.clicked.connect(lambda: self.record_meter())
        self.ble_status = QLabel()
        self.ble_status.setObjectName("hint")
        self.ble_status.setWordWrap(True)
        self.ble_status.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        grid = QGridLayout(self)
        grid.addWidget(self.prefix_edit, 0, 0)
        grid.addWidget(self.scan_button, 0, 1)
        grid.addWidget(self.device_combo, 0, 2, 1, 2)
        grid.addWidget(QLabel(self.tr("Meter no.:")), 1, 0, Qt.AlignmentFlag.AlignRight)
        grid.addWidget(self.ble_meter_edit, 1, 1)
        grid.addWidget(self.read_button, 1, 2)
        grid.addWidget(self.record_button, 1, 3)
        grid.addWidget(self.ble_status, 2, 0, 1, 4)
        grid.setColumnStretch(2, 1)
        self.update_buttons()

    def update_buttons(self) -> None:
        has_meter = bool(self.ble_meter_edit.text().strip())
        self.read_button.setEnabled(has_meter and self.device_combo.currentData() is not None)
        self.record_button.setEnabled(has_meter and self.meter_data is not None)

    def _ble_failed(self, error: TaskError) -> None:
        self.ble_status.setText(error.message)
        self.ble_status.setStyleSheet("color: #c62828;")
        self.ble_failed.emit(error.message)

    def _ble_note(self, text: str) -> None:
        self.ble_status.setStyleSheet("")
        self.ble_status.setText(text)

    def scan(self) -> None:
        prefix = self.prefix_edit.text().strip() or None
        if self.preferences is not None:
            self.preferences.setValue(BLE_PREFIX, prefix or "")
        scanner, settings = self.ble_scanner, self.ble_settings

        def find(_session: Session) -> tuple[BleDevice, ...]:
            try:
                found = scan_sync(prefix, timeout=settings.scan_timeout, scanner=scanner)
            except Exception as exc:
                raise _device_error(exc) from exc
            # bleak's device handle is not a value to pass between threads; the address
            # is what connecting needs.
            return tuple(replace(device, handle=None) for device in found)

        self._ble_note(self.tr("Scanning for Bluetooth meters…"))
        self.tasks.run(find, self._show_devices, self._ble_failed)

    def _show_devices(self, devices: tuple[BleDevice, ...]) -> None:
        self.devices = devices
        self.device_combo.clear()
        for device in devices:
            signal = "" if device.rssi is None else f"  {device.rssi} dBm"
            self.device_combo.addItem(
                f"{device.name or '?'}  {device.address}{signal}", device.address
            )
        self._ble_note(
            self.tr("{count} device(s) found.").format(count=len(devices))
            if devices
            else self.tr("No Bluetooth meter found. Is it awake and in range?")
        )
        self.update_buttons()
        self.ble_scanned.emit(devices)

    def read_meter(self) -> None:
        device = self.device_combo.currentData()
        meter_no = self.ble_meter_edit.text().strip()
        if device is None or not meter_no:
            return
        client, settings = self.ble_client, self.ble_settings

        def read(session: Session) -> MeterData:
            address = ble_address(session, meter_no)
            # The session waits idle through the Bluetooth exchange (seconds at most: every
            # step of it has a deadline); nothing is written here.
            try:
                return read_water_meter_sync(device, address, settings, client=client)
            except Exception as exc:
                raise _device_error(exc) from exc

        self.meter_data = None
        self._ble_note(self.tr("Reading {meter}…").format(meter=meter_no))
        self.tasks.run(read, self._show_meter_data, self._ble_failed)

    def _show_meter_data(self, data: MeterData) -> None:
        self.meter_data = data
        flow = "—" if data.flow is None else f"{quantity_text(data.flow)} {data.flow_unit}"
        clock = data.clock.strftime("%Y-%m-%d %H:%M:%S") if data.clock else "—"
        self._ble_note(
            self.tr("Meter {address}: flow {flow}; meter clock {clock}; status {status}").format(
                address=data.address, flow=flow, clock=clock, status=data.status.hex(" ").upper()
            )
        )
        self.update_buttons()
        self.ble_read.emit(data)

    def record_meter(self) -> None:
        data = self.meter_data
        meter_no = self.ble_meter_edit.text().strip()
        if data is None or not meter_no:
            return
        actor = self.identity.actor
        self.tasks.run(
            lambda s: record_ble_reading(s, actor, meter_no, data),
            self._recorded,
            self._ble_failed,
        )

    def _recorded(self, result: ReadingResult) -> None:
        flags = describe_flags(result.flags)
        self._ble_note(
            self.tr("Recorded {value} for {meter}.").format(
                value=quantity_text(result.value), meter=result.meter_no
            )
            + (f" {flags}" if flags else "")
        )
        self.meter_data = None
        self.update_buttons()
        self.ble_recorded.emit(result)
