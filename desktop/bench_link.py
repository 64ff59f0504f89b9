"""A bench read itself, without a window: open the line in the meter's protocol, read the
standard identifiers (total first) or the broadcast address, and say what came back or
why it failed (BenchResult). desktop.bench_read shows it."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import serial

from devices import cjt188, dlt645
from devices.decode import DETAIL_LABELS
from devices.errors import FrameError
from devices.registers import Edition, Value, data_item
from devices.transport import DEFAULT_SETTINGS, MeterLink, NoReply, PortSettings, Sniffer

# The standard identifiers a bench read asks for, total first (DL/T 645-2007 Appendix A,
# DL/T 645-1997 §8): forward active total and tariffs 1–4, voltage, current, date, time.
READS: dict[str, tuple[int, ...]] = {
    "dlt645-2007": (
        0x00010000,
        0x00010100,
        0x00010200,
        0x00010300,
        0x00010400,
        0x02010100,
        0x02020100,
        0x04000101,
        0x04000102,
    ),
    "dlt645-1997": (0x9010, 0x9011, 0x9012, 0x9013, 0x9014, 0xB611, 0xB621, 0xC010, 0xC011),
}


# Why a read failed, for the message the engineer sees.
TIMEOUT, FRAME, PORT, ABNORMAL = "timeout", "frame", "port", "abnormal"


@dataclass(frozen=True)
class BenchRow:
    di: str
    name: str
    value: str  # "—" when the meter had none
    unit: str
    note: str = ""


@dataclass(frozen=True)
class BenchResult:
    """What one bench read gave: rows to show, the total to record, or why it failed.

    `failure` is "" or one of TIMEOUT/FRAME/PORT/ABNORMAL with `detail` from the devices
    code (Chinese already); rows read before a failure are kept.
    """

    protocol: str
    port: str
    address: str
    rows: tuple[BenchRow, ...] = ()
    total: Decimal | None = None
    unit: str = ""
    clock: str = ""
    failure: str = ""
    detail: str = ""


def _open(url: str, protocol: str, sniffer: Sniffer, patience: PortSettings | None) -> MeterLink:
    settings = patience or DEFAULT_SETTINGS[protocol]
    return MeterLink(url, protocol, settings=settings, sniffer=sniffer)


def _value_row(di: str, value: Value, note: str = "") -> BenchRow:
    text = value.text()
    if text is None:
        return BenchRow(di, value.name, "—", value.unit, note or "无数据（FF）")
    return BenchRow(di, value.name, text, value.unit, note)


def read_bench(
    url: str,
    protocol: str,
    address: str,
    sniffer: Sniffer,
    patience: PortSettings | None = None,
) -> BenchResult:
    """Read the standard identifiers of the meter at `address` on `url` (no Qt, no DB)."""
    base = BenchResult(protocol, url, address)
    try:
        link = _open(url, protocol, sniffer, patience)
    except (serial.SerialException, OSError, ValueError) as exc:
        return _failed(base, PORT, str(exc))
    with link:
        if protocol == "cjt188":
            return _read_water(link, base)
        return _read_electricity(link, base)


def _failed(result: BenchResult, failure: str, detail: str, **rest: Any) -> BenchResult:
    return BenchResult(
        result.protocol, result.port, result.address, failure=failure, detail=detail, **rest
    )


def _read_electricity(link: MeterLink, base: BenchResult) -> BenchResult:
    edition = Edition(base.protocol)
    rows: list[BenchRow] = []
    abnormal: list[str] = []
    total: Decimal | None = None
    day = moment = ""
    failure = detail = ""
    for di in READS[base.protocol]:
        di_text = data_item(edition, di).di_text
        try:
            reply = link.read(base.address, di)
        except NoReply as exc:
            # A silent meter stays silent: asking the next identifier only waits again.
            failure, detail = TIMEOUT, str(exc)
            break
        except FrameError as exc:
            failure, detail = FRAME, str(exc)
            break
        except (serial.SerialException, OSError) as exc:
            failure, detail = PORT, str(exc)
            break
        if isinstance(reply, dlt645.AbnormalReply):
            name = data_item(edition, di).name
            rows.append(BenchRow(di_text, name, "—", data_item(edition, di).unit, reply.message))
            abnormal.append(f"{di_text} {reply.message}")
            continue
        for value in reply.values:
            rows.append(_value_row(di_text, value))
            if di == READS[base.protocol][0] and isinstance(value.value, Decimal):
                total = value.value
            if value.value is not None and data_item(edition, di).kind == "date":
                day = value.text() or ""
            if value.value is not None and data_item(edition, di).kind == "time":
                moment = value.text() or ""
    if not failure and abnormal and len(abnormal) == len(rows):
        failure, detail = ABNORMAL, "；".join(abnormal)
    return BenchResult(
        base.protocol,
        base.port,
        base.address,
        tuple(rows),
        total,
        "kWh" if total is not None else "",
        f"{day} {moment}".strip(),
        failure,
        detail,
    )


def _read_water(link: MeterLink, base: BenchResult) -> BenchResult:
    try:
        reply = link.read(base.address)
    except NoReply as exc:
        return _failed(base, TIMEOUT, str(exc))
    except FrameError as exc:
        return _failed(base, FRAME, str(exc))
    except (serial.SerialException, OSError) as exc:
        return _failed(base, PORT, str(exc))
    if isinstance(reply, cjt188.AbnormalReply):
        return _failed(base, ABNORMAL, reply.message)
    clock = reply.clock.strftime("%Y-%m-%d %H:%M:%S") if reply.clock else ""
    battery = {None: "—", True: "是", False: "否"}[reply.battery_low]
    rows = [_value_row("901F", value) for value in reply.values] + [
        BenchRow("901F", DETAIL_LABELS["clock"], clock or "—", ""),
        BenchRow("901F", DETAIL_LABELS["valve"], reply.valve_text, ""),
        BenchRow("901F", DETAIL_LABELS["battery_low"], battery, ""),
        BenchRow("901F", DETAIL_LABELS["status"], reply.status.hex(" ").upper(), ""),
    ]
    return BenchResult(
        base.protocol,
        base.port,
        base.address,
        tuple(rows),
        reply.flow,
        reply.flow_unit if reply.flow is not None else "",
        clock,
    )


def discover_address(
    url: str, protocol: str, sniffer: Sniffer, patience: PortSettings | None = None
) -> BenchResult:
    """The address of the one meter on the line (broadcast read-address), as a result."""
    base = BenchResult(protocol, url, "")
    try:
        with _open(url, protocol, sniffer, patience) as link:
            return BenchResult(protocol, url, link.read_address())
    except NoReply as exc:
        return _failed(base, TIMEOUT, str(exc))
    except FrameError as exc:
        return _failed(base, FRAME, str(exc))
    except (serial.SerialException, OSError, ValueError) as exc:
        return _failed(base, PORT, str(exc))
