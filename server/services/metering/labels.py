"""Meter barcode labels (条码生成): pick meters, then a label PDF or label-printer bytes.

Meters are picked by building (every active meter in it) or by number (any status: a
label is reprinted for a meter already in the field). The label shows the meter number
(as Code128 and in text), the kind, and campus / building / room.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy.orm import Session

from devices.label_printers import PrinterError, PrinterSettings, PrintLabel, commands, send
from reports.labels import LabelData, SheetLayout, place_line, render_labels
from server.services.core.errors import DomainError
from server.services.metering.meter_picker import MeterPlace, meters_by_numbers, meters_of_building


def pick_meters(
    session: Session,
    *,
    building: str | None = None,
    meter_nos: Sequence[str] = (),
    kind: str | None = None,
) -> list[MeterPlace]:
    """The meters to label: those of `building` ('楼名' or '校区/楼名'), or `meter_nos`."""
    if bool(building) == bool(meter_nos):
        raise DomainError("请指定楼宇或表号（二选一）")
    if building:
        places = meters_of_building(session, building, kind=kind, with_last=False)
        if not places:
            raise DomainError(f"{building} 没有在用的表计")
        return places
    return meters_by_numbers(session, meter_nos)


def label_data(places: Sequence[MeterPlace], title: str = "") -> list[LabelData]:
    return [
        LabelData(p.meter_no, p.kind_label, p.campus, p.building, p.room_text, title)
        for p in places
    ]


def labels_pdf(
    labels: Sequence[LabelData], layout: SheetLayout | None = None
) -> tuple[str, str, bytes]:
    """`(filename, mimetype, bytes)` of the label PDF (preview, print or save)."""
    try:
        return render_labels(labels, layout or SheetLayout())
    except ValueError as exc:
        raise DomainError(str(exc)) from exc


def printer_labels(labels: Sequence[LabelData]) -> list[PrintLabel]:
    return [
        PrintLabel(label.meter_no, label.kind_label, place_line(label), label.room, label.title)
        for label in labels
    ]


def printer_bytes(labels: Sequence[LabelData], settings: PrinterSettings) -> bytes:
    """TSPL or ZPL commands for the labels, as `settings.language` says."""
    try:
        return commands(printer_labels(labels), settings)
    except PrinterError as exc:
        raise DomainError(str(exc)) from exc


def print_labels(labels: Sequence[LabelData], settings: PrinterSettings, destination: str) -> int:
    """Send the labels to a label printer (pyserial URL / port, or a file); returns bytes sent."""
    data = printer_bytes(labels, settings)
    try:
        send(data, destination)
    except PrinterError as exc:
        raise DomainError(str(exc)) from exc
    return len(data)
