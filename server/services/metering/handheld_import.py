"""Importing a handheld terminal's readings (掌上机导入), and handing it its route.

Each line of the terminal's file ends in exactly one outcome, reported with its line
number: imported, anomaly (imported, flagged — and held when lower than the previous
reading), duplicate (that meter, time and value are already there: the same file imported
twice adds nothing), conflict (that meter and time hold another value: left for a person),
unknown meter, unread / failed (the terminal's own status) or unparsable (why). A bad line
never stops the good ones; a file that cannot be read at all is refused whole.

A line's cells are read by `handheld_lines`; the meters are found by the ingest engine's
lookup (`ingest.meters_for`: hardware number, then meter number), and readings are judged
set-based by its timeline judge (`ingest.judge_timeline`, which applies
`usage_rules.assess` in time order per meter against the readings already stored, as
`readings.record_reading` does one at a time), and go in by COPY: 10,000 lines take well
under the 2 s the benchmark allows, where one `record_reading` per line (six statements
each) would not.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from devices.handheld import (
    HARDWARE,
    ColumnProfile,
    HandheldDriver,
    HandheldError,
    RawLine,
    RouteEntry,
    read_export,
    route_bytes,
)
from reports.handheld_result import ImportLineRow, render_import_result_xlsx
from reports.workbook import cell_text
from server.db.models import Meter
from server.db.models.handheld import HandheldImport
from server.db.models.metering import HELD, METER_ACTIVE
from server.services.core import audit, permissions
from server.services.core.audit import Actor
from server.services.core.calendar import BUSINESS_TZ
from server.services.core.errors import DomainError
from server.services.metering.handheld_file_profiles import ProfileInfo, get_profile
from server.services.metering.handheld_lines import BadLine, Skipped, read_cells
from server.services.metering.ingest import (
    Event,
    MeterInfo,
    Unexpected,
    among_ids,
    existing_readings,
    judge_timeline,
    meters_for,
    reading_refusal,
    write_readings,
)
from server.services.metering.meter_picker import MeterPlace, meters_of_building
from server.services.metering.readings import METER_STATUS_LABELS, READING_STATUS_LABELS
from server.services.metering.usage_rules import (
    SURGE_HISTORY_MONTHS,
    describe_flags,
    quantity_text,
)

SOURCE = "handheld"

IMPORTED = "imported"
ANOMALY = "anomaly"
DUPLICATE = "duplicate"
CONFLICT = "conflict"
UNKNOWN = "unknown"
UNREAD = "unread"
FAILED = "failed"
UNPARSABLE = "unparsable"
OUTCOME_LABELS = {
    IMPORTED: "已导入",
    ANOMALY: "异常",
    DUPLICATE: "重复",
    CONFLICT: "冲突",
    UNKNOWN: "未知表计",
    UNREAD: "未抄",
    FAILED: "抄表失败",
    UNPARSABLE: "无法识别",
}
# Outcomes that wrote a reading.
WRITTEN = frozenset({IMPORTED, ANOMALY})


@dataclass(frozen=True)
class LineResult:
    """What became of one line of the file."""

    line: int
    outcome: str
    message: str
    hardware_no: str = ""
    meter_no: str | None = None
    value: Decimal | None = None
    read_at: datetime | None = None
    flags: tuple[str, ...] = ()
    status: str | None = None  # the reading's status (accepted / held) when written
    reading_id: int | None = None

    @property
    def outcome_label(self) -> str:
        return OUTCOME_LABELS[self.outcome]


@dataclass(frozen=True)
class HandheldImportResult:
    """The whole import: every line's result in file order, and the counts."""

    file_name: str
    profile_name: str
    lines: tuple[LineResult, ...]
    dry_run: bool
    import_id: int | None = None

    def count(self, outcome: str) -> int:
        return sum(1 for line in self.lines if line.outcome == outcome)

    @property
    def counts(self) -> dict[str, int]:
        return {outcome: self.count(outcome) for outcome in OUTCOME_LABELS}

    @property
    def written(self) -> int:
        return sum(1 for line in self.lines if line.outcome in WRITTEN)

    def summary(self) -> str:
        parts = [f"{OUTCOME_LABELS[k]} {n}" for k, n in self.counts.items() if n]
        verb = "试导入（未写入）" if self.dry_run else "导入"
        return f"{verb} {self.file_name}：共 {len(self.lines)} 行，" + "，".join(
            parts or ["无数据"]
        )

    def as_json(self) -> dict[str, Any]:
        return {
            "file": self.file_name,
            "profile": self.profile_name,
            "dry_run": self.dry_run,
            "import_id": self.import_id,
            "counts": self.counts,
            "lines": [
                {
                    "line": r.line,
                    "outcome": r.outcome,
                    "message": r.message,
                    "hardware_no": r.hardware_no,
                    "meter_no": r.meter_no,
                    "value": None if r.value is None else quantity_text(r.value),
                    "read_at": None if r.read_at is None else r.read_at.isoformat(),
                    "flags": list(r.flags),
                    "status": r.status,
                    "reading_id": r.reading_id,
                }
                for r in self.lines
            ],
        }


# --- one line --------------------------------------------------------------------


@dataclass
class _Line:
    raw: RawLine
    hardware_no: str = ""
    value: Decimal | None = None
    read_at: datetime | None = None
    result: LineResult | None = None
    meter: MeterInfo | None = None
    event: Event | None = None


def _read_line(raw: RawLine, profile: ColumnProfile, now: datetime) -> _Line:
    line = _Line(raw)
    if raw.error:
        line.result = LineResult(raw.line, UNPARSABLE, raw.error)
        return line
    line.hardware_no = cell_text(raw.cells.get(HARDWARE))
    try:
        cells = read_cells(raw, profile, now)
    except BadLine as exc:
        line.result = LineResult(raw.line, UNPARSABLE, str(exc), line.hardware_no)
        return line
    if isinstance(cells, Skipped):
        outcome = FAILED if cells.failed else UNREAD
        line.result = LineResult(raw.line, outcome, cells.message, line.hardware_no)
    else:
        line.value, line.read_at = cells.value, cells.read_at
    return line


# --- the import ----------------------------------------------------------------------


def _when(moment: datetime) -> str:
    return f"{moment.astimezone(BUSINESS_TZ):%Y-%m-%d %H:%M}"


def import_handheld(
    session: Session,
    actor: Actor,
    path: str | Path,
    profile: str | int,
    *,
    dry_run: bool = False,
    driver: HandheldDriver | None = None,
    now: datetime | None = None,
) -> HandheldImportResult:
    """Import the readings in a terminal's export file `path`, read by `profile` (id/name).

    `driver` replaces the file reader (a terminal's SDK, a test); `dry_run` judges every
    line exactly as an import would and writes nothing. Raises DomainError when the file
    as a whole cannot be read; the caller's unit of work commits.
    """
    if not dry_run:
        # A dry run only reads, so a reader may check a file before anyone may import it.
        permissions.require(session, actor, "readings")
    path = Path(path)
    stored: ProfileInfo = get_profile(session, profile)
    columns = stored.column_profile
    try:
        raw_lines = driver.readings() if driver is not None else read_export(path, columns)
    except HandheldError as exc:
        raise DomainError(str(exc)) from exc
    results = import_lines(session, actor, raw_lines, columns, dry_run=dry_run, now=now)
    result = HandheldImportResult(path.name, stored.name, results, dry_run)
    if dry_run:
        return result
    return replace(result, import_id=_log(session, actor, stored, path, result))


def import_lines(
    session: Session,
    actor: Actor,
    raw_lines: Sequence[RawLine],
    columns: ColumnProfile,
    *,
    source: str = SOURCE,
    label: str = "掌上机导入",
    dry_run: bool = False,
    now: datetime | None = None,
) -> tuple[LineResult, ...]:
    """Judge and (unless `dry_run`) write readings already read into `raw_lines`, one
    result per line; the remote-platform import (远传) shares this with the terminal's.
    `source` is the readings' source and `label` starts each reading's note."""
    now = now or datetime.now(BUSINESS_TZ)
    lines = [_read_line(raw, columns, now) for raw in raw_lines]
    pending = [line for line in lines if line.result is None]

    meters = meters_for(session, {line.hardware_no for line in pending})
    for line in pending:
        meter = meters.get(line.hardware_no)
        assert line.value is not None
        if meter is None:
            line.result = LineResult(
                line.raw.line,
                UNKNOWN,
                f"硬件号/表号 {line.hardware_no} 没有对应的表计",
                line.hardware_no,
                value=line.value,
                read_at=line.read_at,
            )
        elif meter.status != METER_ACTIVE:
            line.result = LineResult(
                line.raw.line,
                UNKNOWN,
                f"表计 {meter.meter_no} {METER_STATUS_LABELS[meter.status]}，不再接收读数",
                line.hardware_no,
                meter.meter_no,
                line.value,
                line.read_at,
            )
        elif refused := reading_refusal(line.value, meter.digits, f"表计 {meter.meter_no} 的读数"):
            line.result = LineResult(
                line.raw.line,
                UNPARSABLE,
                refused,
                line.hardware_no,
                meter.meter_no,
                line.value,
                line.read_at,
            )
        else:
            line.meter = meter
    _judge(
        session,
        [line for line in pending if line.meter is not None and not line.result],
        source,
        label,
    )

    if not dry_run:
        events = [line.event for line in lines if line.event is not None]
        write_readings(session, actor, events)
    results = []
    for line in lines:
        if line.event is not None:
            line.result = _written(line, None if dry_run else line.event.id)
        assert line.result is not None
        results.append(line.result)
    return tuple(results)


def _judge(session: Session, lines: list[_Line], source: str, label: str) -> None:
    """Sort duplicates and conflicts out, then judge the rest per meter in time order."""
    if not lines:
        return
    ids = sorted({line.meter.id for line in lines if line.meter and line.meter.id})
    # As record_reading does per reading: no other entry judges against the same previous.
    session.execute(
        select(Meter.id).where(among_ids(Meter.id, ids)).order_by(Meter.id).with_for_update()
    )
    first = min(_month_of(line.read_at) for line in lines if line.read_at) - SURGE_HISTORY_MONTHS
    since = datetime(first // 12, first % 12 + 1, 1, tzinfo=BUSINESS_TZ)
    recent, before = existing_readings(session, set(ids), since)
    stored: dict[tuple[int, datetime], list[Decimal]] = defaultdict(list)
    for meter_id, readings in recent.items():
        for reading in readings:
            stored[(meter_id, reading.read_at)].append(reading.value)
    in_file: dict[tuple[int, datetime], _Line] = {}
    per_meter: dict[int, list[Event]] = defaultdict(list)
    for line in lines:
        meter, value, read_at = line.meter, line.value, line.read_at
        assert meter is not None and meter.id is not None and value is not None and read_at
        key = (meter.id, read_at)
        common = (line.raw.line, line.hardware_no, meter.meter_no, value, read_at)
        earlier = in_file.get(key)
        if earlier is not None:
            same = earlier.value == value
            line.result = _result(
                *common,
                DUPLICATE if same else CONFLICT,
                f"与第 {earlier.raw.line} 行{'相同' if same else '同一时间但读数不同'}"
                f"（{quantity_text(earlier.value or Decimal(0))}）",
            )
            continue
        in_file[key] = line
        values = stored.get(key)
        if values and value in values:
            line.result = _result(*common, DUPLICATE, f"已导入过：{_when(read_at)} 读数相同")
            continue
        if values:
            shown = "、".join(quantity_text(v) for v in values)
            line.result = _result(
                *common, CONFLICT, f"{_when(read_at)} 已有读数 {shown}，与本行不同，未导入"
            )
            continue
        note = f"{label} 第 {line.raw.line} 行"[:200]
        line.event = Event(
            meter, read_at, value, source, note, "读数", line.raw.line, _month_of(read_at)
        )
        per_meter[meter.id].append(line.event)
    # Duplicates and conflicts were taken out above, so the judge has nothing to object to.
    for meter_id, events in per_meter.items():
        events.sort(key=lambda e: e.read_at)
        meter = events[0].meter
        judge_timeline(meter, recent.get(meter_id, []), before.get(meter_id), events, Unexpected())


def _month_of(moment: datetime) -> int:
    # ingest.month_index for a time already in business time (parse_time sees to that),
    # without its conversion: it runs once per line.
    return moment.year * 12 + moment.month - 1


def _result(
    line: int,
    hardware_no: str,
    meter_no: str,
    value: Decimal,
    read_at: datetime,
    outcome: str,
    message: str,
) -> LineResult:
    return LineResult(line, outcome, message, hardware_no, meter_no, value, read_at)


def _written(line: _Line, reading_id: int | None) -> LineResult:
    event = line.event
    assert event is not None
    if event.flags:
        message = describe_flags(event.flags)
        if event.status == HELD:
            message += f"，{READING_STATUS_LABELS[HELD]}"
        outcome = ANOMALY
    else:
        outcome = IMPORTED
        message = f"用量 {quantity_text(event.usage)}" if event.usage is not None else "首次读数"
    return LineResult(
        line.raw.line,
        outcome,
        message,
        line.hardware_no,
        event.meter.meter_no,
        event.value,
        event.read_at,
        event.flags,
        event.status,
        reading_id,
    )


def _log(
    session: Session, actor: Actor, profile: ProfileInfo, path: Path, result: HandheldImportResult
) -> int:
    try:
        digest = hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError:  # lines handed over by a driver, not read from this file
        digest = ""
    counts = result.counts
    row = HandheldImport(
        profile_id=profile.id,
        file_name=path.name[:255],
        sha256=digest,
        lines=len(result.lines),
        imported=result.written,
        duplicates=counts[DUPLICATE],
        conflicts=counts[CONFLICT],
        unknown=counts[UNKNOWN],
        anomalies=counts[ANOMALY],
        unread=counts[UNREAD],
        failed=counts[FAILED],
        unparsable=counts[UNPARSABLE],
        staff_id=actor.staff_id,
    )
    session.add(row)
    session.flush()
    audit.record(
        session,
        actor,
        "handheld.import",
        "handheld_import",
        row.id,
        {
            "file": path.name,
            "profile": profile.name,
            "imported": row.imported,
            "anomalies": row.anomalies,
        },
    )
    return row.id


def result_xlsx(result: HandheldImportResult) -> tuple[str, str, bytes]:
    """`(filename, mimetype, bytes)`: the import's per-line result as a workbook."""
    rows = [
        ImportLineRow(
            r.line,
            r.outcome_label,
            r.hardware_no,
            r.meter_no or "",
            r.value,
            r.read_at.astimezone(BUSINESS_TZ) if r.read_at else None,
            r.message,
        )
        for r in result.lines
    ]
    stem = Path(result.file_name).stem
    title = f"掌上机导入结果-{stem}" + ("（试导入）" if result.dry_run else "")
    return render_import_result_xlsx(rows, title, datetime.now(BUSINESS_TZ))


# --- the route ---------------------------------------------------------------------


@dataclass(frozen=True)
class RouteFile:
    """A route ready to hand to a terminal: `filename`, `content`, and what is in it."""

    filename: str
    content: bytes
    meters: tuple[MeterPlace, ...] = field(default=())


def route_for_building(
    session: Session, building: str, profile: str | int, *, kind: str | None = None
) -> RouteFile:
    """The meters of `building` ('楼名' or '校区/楼名') to read, in `profile`'s format,
    with each meter's last accepted reading for the reader to compare against."""
    stored = get_profile(session, profile)
    places = meters_of_building(session, building, kind=kind, active_only=True)
    if not places:
        raise DomainError(f"{building} 没有在用的表计")
    entries = [
        RouteEntry(p.hardware_no or p.meter_no, p.meter_no, p.place_text, p.last_value)
        for p in places
    ]
    try:
        content = route_bytes(stored.column_profile, entries)
    except HandheldError as exc:
        raise DomainError(str(exc)) from exc
    extension = stored.spec.file_format
    name = building.replace("/", "-")
    return RouteFile(f"抄表路线-{name}.{extension}", content, tuple(places))
