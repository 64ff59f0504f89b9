"""What every bulk source of readings shares: the meters looked up in bulk, the readings
already stored, each meter's new readings judged in time order against them exactly as
`readings.record_reading` judges one (usage, rollover, hold, surge against the monthly
history) but in memory, and the judged readings written by COPY.

The handheld import and bench reads use it, and so does the legacy workbook (`legacy/`),
which turns what the judge objects to into `sheet!row` problems.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time
from decimal import Decimal
from typing import Any, Protocol

from sqlalchemy import (
    ColumnElement,
    Integer,
    String,
    any_,
    cast,
    extract,
    func,
    literal,
    select,
    text,
)
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import Session

from server.db.bulk import allocate_ids, copy_rows
from server.db.models import Meter, Reading
from server.db.models.metering import ACCEPTED, HELD, METER_ACTIVE
from server.services.core.audit import Actor
from server.services.core.calendar import BUSINESS_TZ
from server.services.metering.usage_rules import SURGE_HISTORY_MONTHS, assess, quantity_text

# A reading known by its day only (the old system, a handheld's date column) is put at noon
# business time, which keeps it inside that day in every time zone a client might show.
READ_TIME = time(12)


def among(column: Any, values: Iterable[str]) -> ColumnElement[bool]:
    # One array parameter instead of one parameter per value: workbooks hold 10^5 keys.
    return column == any_(literal(sorted(set(values)), ARRAY(String)))


@dataclass
class MeterInfo:
    """A meter as the readings and replacements need it, from the sheet or the database."""

    meter_no: str
    kind: str
    digits: int
    multiplier: Decimal
    account_no: str
    status: str = METER_ACTIVE
    id: int | None = None
    # The legacy workbook's row (legacy.sheets.MeterIn) of a meter new from a workbook.
    sheet: Any = None
    # The master meter (总表) a new meter from the sheet hangs under.
    parent: MeterInfo | None = None


@dataclass
class Existing:
    """A reading already in the database, as the timeline of its meter needs it."""

    id: int
    read_at: datetime
    value: Decimal
    status: str
    usage: Decimal | None
    month: int


@dataclass
class Event:
    """A reading to write, judged in its meter's timeline."""

    meter: MeterInfo
    read_at: datetime
    value: Decimal
    source: str
    note: str
    sheet: str
    row: int
    month: int
    status: str = ACCEPTED
    flags: tuple[str, ...] = ()
    usage: Decimal | None = None
    previous: Event | Existing | None = None
    id: int | None = None


def month_index(moment: date | datetime) -> int:
    """Months since year 0 in business time: the key of the monthly usage history."""
    if isinstance(moment, datetime):
        moment = moment.astimezone(BUSINESS_TZ).date()
    return moment.year * 12 + moment.month - 1


def among_ids(column: Any, ids: Sequence[int]) -> Any:
    # One array parameter: ten thousand bound parameters cost more to compile than to run.
    return column == any_(literal(list(ids), ARRAY(Integer)))


def meters_for(session: Session, keys: set[str]) -> dict[str, MeterInfo]:
    """Hardware number (or, failing that, meter number) → meter; Excel and DBF numeric
    columns drop leading zeros, so a key also matches a hardware number zero-padded."""
    columns = (Meter.id, Meter.meter_no, Meter.kind, Meter.digits, Meter.multiplier,
               Meter.status)  # fmt: skip

    def info(r: Any) -> MeterInfo:
        return MeterInfo(r.meter_no, r.kind, r.digits, r.multiplier, "", r.status, r.id)

    # One lookup per kind of key, each on its own index: an OR of three `= any(array)` would
    # compare every meter with every key.
    found: dict[str, MeterInfo] = {}
    if keys:
        query = select(Meter.hardware_no, *columns).where(among(Meter.hardware_no, keys))
        found.update({r.hardware_no: info(r) for r in session.execute(query)})
    rest = keys - found.keys()
    if rest:
        query = select(*columns).where(among(Meter.meter_no, rest))
        found.update({r.meter_no: info(r) for r in session.execute(query)})
    short = {k.lstrip("0") or "0": k for k in keys - found.keys() if k.isdigit()}
    if short:
        stripped = func.ltrim(Meter.hardware_no, "0")
        query = select(stripped.label("stripped"), *columns).where(among(stripped, short))
        found.update({short[r.stripped]: info(r) for r in session.execute(query)})
    return found


def existing_readings(
    session: Session, meter_ids: set[int], since: datetime
) -> tuple[dict[int, list[Existing]], dict[int, Existing]]:
    """Readings of the meters from `since` on (any status), and the last accepted before."""
    if not meter_ids:
        return {}, {}
    ids = literal(sorted(meter_ids), ARRAY(Reading.meter_id.type))
    columns = (Reading.meter_id, Reading.id, Reading.read_at, Reading.value, Reading.status)
    # The month as month_index counts it, worked out by the server: in Python it costs more
    # than fetching the row.
    local = func.timezone(str(BUSINESS_TZ), Reading.read_at)
    month = cast(extract("year", local) * 12 + extract("month", local) - 1, Integer)
    recent: dict[int, list[Existing]] = defaultdict(list)
    for meter_id, *values in session.execute(
        select(*columns, Reading.usage, month)
        .where(Reading.meter_id == any_(ids), Reading.read_at >= since)
        .order_by(Reading.meter_id, Reading.read_at, Reading.id)
    ):
        recent[meter_id].append(Existing(*values))
    # The index on (meter_id, read_at) where accepted answers this per meter at once.
    last_accepted = text(
        """
        select r.meter_id, r.id, r.read_at, r.value, r.status, r.usage
        from unnest(cast(:ids as integer[])) as m(id)
        cross join lateral (
            select * from reading r
            where r.meter_id = m.id and r.status = 'accepted' and r.read_at < :since
            order by r.read_at desc, r.id desc limit 1) r
        """
    )
    before = {
        r.meter_id: Existing(r.id, r.read_at, r.value, r.status, r.usage, month_index(r.read_at))
        for r in session.execute(last_accepted, {"ids": sorted(meter_ids), "since": since})
    }
    return recent, before


# ---------------------------------------------------------------------------------------
# Readings in date order per meter, as record_reading would judge them


def judge_timeline(
    meter: MeterInfo,
    existing: list[Existing],
    before: Existing | None,
    events: list[Event],
    problems: Conflicts,
    *,
    repeats_from: str | None = None,
    replacements_from: str | None = None,
) -> tuple[list[Event], int]:
    """The events to write (flagged, with their previous) and how many were already there.

    An event from `repeats_from` whose value is already held at its time counts as there
    (a workbook imported twice); an event from `replacements_from` is an old meter's final
    figure, and held it is a problem.
    """
    at_time: dict[datetime, list[Decimal]] = defaultdict(list)
    for reading in existing:
        at_time[reading.read_at].append(reading.value)
    fresh: list[Event] = []
    present = 0
    for event in events:
        values = at_time.get(event.read_at)
        if values is None:
            fresh.append(event)
        elif event.sheet == repeats_from and event.value in values:
            present += 1
        else:
            problems.add(
                event.sheet,
                event.row,
                f"表号 {meter.meter_no} 在 {event.read_at.date()} 已有读数 "
                f"{'、'.join(quantity_text(v) for v in values)}，"
                f"表中为 {quantity_text(event.value)}",
            )
    merged: list[tuple[datetime, int, int, Existing | Event]] = [
        (r.read_at, 0, r.id, r) for r in existing
    ]
    merged += [(e.read_at, 1, index, e) for index, e in enumerate(fresh)]
    merged.sort(key=lambda item: item[:3])
    last: Existing | Event | None = before
    monthly: dict[int, Decimal] = {}
    for _, _, _, item in merged:
        if isinstance(item, Event) and item.source == "initial":
            last = item
            continue
        if isinstance(item, Event):
            history = [
                monthly[m]
                for m in range(item.month - SURGE_HISTORY_MONTHS, item.month)
                if m in monthly
            ]
            verdict = assess(
                last.value if last else None,
                item.value,
                meter.digits,
                meter.multiplier,
                history,
            )
            item.flags, item.usage, item.previous = verdict.flags, verdict.usage, last
            item.status = HELD if verdict.held else ACCEPTED
            if item.status == HELD and item.sheet == replacements_from:
                assert last is not None
                problems.add(
                    item.sheet,
                    item.row,
                    f"旧表止码 {quantity_text(item.value)} "
                    f"低于上次读数 {quantity_text(last.value)}",
                )
        if item.status == ACCEPTED:
            last = item
            if item.usage is not None:
                monthly[item.month] = monthly.get(item.month, Decimal(0)) + item.usage
    return fresh, present


class Conflicts(Protocol):
    """Where the judge reports a reading it cannot take (the legacy import's Problems)."""

    def add(self, sheet: str, row: int, message: str) -> None: ...


class Unexpected:
    """For callers that took duplicates and conflicts out beforehand: one is a bug."""

    def add(self, sheet: str, row: int, message: str) -> None:
        raise AssertionError(f"{sheet}!{row}: {message}")


def write_readings(session: Session, actor: Actor, events: list[Event]) -> None:
    """Write judged events by COPY (each gets its id); the caller holds the transaction."""
    for event, reading_id in zip(
        events, allocate_ids(session, "reading", len(events)), strict=True
    ):
        event.id = reading_id
    copy_rows(
        session,
        "reading",
        (
            "id",
            "meter_id",
            "value",
            "read_at",
            "source",
            "status",
            "flags",
            "usage",
            "previous_id",
            "staff_id",
            "note",
            "review_note",
        ),
        (
            (
                e.id,
                e.meter.id,
                e.value,
                e.read_at,
                e.source,
                e.status,
                # An array literal: flags are plain identifiers, so no quoting is needed.
                "{" + ",".join(e.flags) + "}",
                e.usage,
                e.previous.id if e.previous is not None else None,
                actor.staff_id,
                e.note,
                "",
            )
            for e in events
        ),
    )
