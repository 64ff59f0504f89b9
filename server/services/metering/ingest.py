"""The reading-ingest engine: what every source of readings goes through.

- `check_reading_value`: what a figure must be to be a reading (≥ 0, at most 3 decimals,
  below 10^digits), one message per rule; each caller says which figure it was.
- `meters_for`: the meters by number or hardware number (zero-padded or not), in bulk.
- `judge_reading`: one reading judged against what the database holds (the last accepted
  reading before it, the monthly usage history), for the single-reading sources — desk
  entry (`readings.record_reading`, and through it field H5, BLE and bench reads).
  An estimate (估抄, source 'estimate') is a figure made up for a bill, not a look at the
  register: a reading is judged against the last accepted *actual* reading, and the
  monthly history counts actual usage only, so the next visit is never held for being
  lower than what the estimates guessed.
- `existing_readings` + `judge_timeline`: many readings judged per meter in time order
  against the readings already stored, by the same rules (`usage_rules.assess`) but in
  memory; `write_readings` writes what was judged by COPY. The handheld file, the remote
  platform and the legacy workbook go this way.

Sources turn what the engine refuses into their own reports (a line's outcome, a
`sheet!row` problem); the engine knows none of them (it never imports `legacy`).
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
from server.db.models import Account, Meter, Reading
from server.db.models.metering import ACCEPTED, HELD, METER_ACTIVE
from server.services.core.audit import Actor
from server.services.core.calendar import BUSINESS_TZ, Period
from server.services.core.errors import InvalidInput
from server.services.metering.usage_rules import (
    QUANTITY,
    SURGE_HISTORY_MONTHS,
    Assessment,
    assess,
    quantity_text,
)

# The source of a figure made up for a bill (估抄) rather than read off the register.
ESTIMATE = "estimate"
# A reading known by its day only (the old system, a handheld's date column) is put at noon
# business time, which keeps it inside that day in every time zone a client might show.
READ_TIME = time(12)
# The most digits a register has (a meter's 位数 is 1–12).
MAX_DIGITS = 12


def check_reading_value(value: Decimal, digits: int = MAX_DIGITS, what: str = "读数") -> Decimal:
    """`value` as stored (3 decimals), or InvalidInput when it cannot be what a `digits`-digit
    register shows; `what` names the figure for the person (表计 E1 的读数, 新表起码)."""
    if value < 0:
        raise InvalidInput(f"{what}不能为负：{quantity_text(value)}")
    # A figure of 25 digits or more is out of any register's range (said below); quantizing
    # it would overflow the decimal context.
    if value.adjusted() < 24 and value != value.quantize(QUANTITY):
        raise InvalidInput(f"{what}最多 3 位小数：{quantity_text(value)}")
    if value >= Decimal(10) ** digits:
        raise InvalidInput(f"{what} {quantity_text(value)} 超出 {digits} 位表的量程")
    return value.quantize(QUANTITY)


def reading_refusal(value: Decimal, digits: int, what: str = "读数") -> str | None:
    """What `check_reading_value` says of `value`, for sources that report rather than
    raise (a file's line, a workbook's row); None when it takes it."""
    try:
        check_reading_value(value, digits, what)
    except InvalidInput as exc:
        return str(exc)
    return None


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
    source: str = ""


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


def meters_for(
    session: Session, keys: set[str], *, hardware: bool = True, lock: bool = False
) -> dict[str, MeterInfo]:
    """Hardware number (or, failing that, meter number) → meter, with its account's 户号;
    Excel and DBF numeric columns drop leading zeros, so a key also matches a hardware
    number zero-padded. `hardware` False: meter numbers only (a 表号 typed or in a
    workbook); `lock`: the meters are locked until the transaction ends."""
    columns = (Meter.id, Meter.meter_no, Meter.kind, Meter.digits, Meter.multiplier,
               Meter.status, Account.account_no)  # fmt: skip

    def info(r: Any) -> MeterInfo:
        return MeterInfo(
            r.meter_no, r.kind, r.digits, r.multiplier, r.account_no or "", r.status, r.id
        )

    def query(*extra: Any) -> Any:
        chosen = select(*extra, *columns).outerjoin(Account, Account.id == Meter.account_id)
        return chosen.with_for_update(of=Meter) if lock else chosen

    # One lookup per kind of key, each on its own index: an OR of three `= any(array)` would
    # compare every meter with every key.
    found: dict[str, MeterInfo] = {}
    if keys and hardware:
        by_hardware = query(Meter.hardware_no).where(among(Meter.hardware_no, keys))
        found.update({r.hardware_no: info(r) for r in session.execute(by_hardware)})
    rest = keys - found.keys()
    if rest:
        by_number = query().where(among(Meter.meter_no, rest))
        found.update({r.meter_no: info(r) for r in session.execute(by_number)})
    short = {k.lstrip("0") or "0": k for k in keys - found.keys() if k.isdigit()}
    if short and hardware:
        stripped = func.ltrim(Meter.hardware_no, "0")
        padded = query(stripped.label("stripped")).where(among(stripped, short))
        found.update({short[r.stripped]: info(r) for r in session.execute(padded)})
    return found


def meter_for(
    session: Session, key: str, *, hardware: bool = True, lock: bool = False
) -> MeterInfo | None:
    """`meters_for` one key (stripped): the single-reading sources' lookup."""
    key = key.strip()
    return meters_for(session, {key}, hardware=hardware, lock=lock).get(key)


def latest_accepted_before(session: Session, meter_id: int, moment: datetime) -> Reading | None:
    """The last accepted actual reading before `moment` (estimates are not looked at)."""
    return session.scalar(
        select(Reading)
        .where(
            Reading.meter_id == meter_id,
            Reading.status == ACCEPTED,
            Reading.source != ESTIMATE,
            Reading.read_at < moment,
        )
        .order_by(Reading.read_at.desc(), Reading.id.desc())
        .limit(1)
    )


def monthly_usage_history(session: Session, meter_id: int, before: datetime) -> list[Decimal]:
    """Accepted actual usage per calendar month over the 12 months before `before`'s month."""
    return monthly_usage_histories(session, [meter_id], before).get(meter_id, [])


def monthly_usage_histories(
    session: Session, meter_ids: Sequence[int], before: datetime
) -> dict[int, list[Decimal]]:
    """`monthly_usage_history` of many meters in one query (the billing run's estimates)."""
    month = Period.of(before)
    start = month.shift(-SURGE_HISTORY_MONTHS).start
    bucket = func.date_trunc("month", func.timezone(str(BUSINESS_TZ), Reading.read_at))
    rows = session.execute(
        select(Reading.meter_id, bucket, func.sum(Reading.usage))
        .where(
            among_ids(Reading.meter_id, meter_ids),
            Reading.status == ACCEPTED,
            Reading.source != ESTIMATE,
            Reading.usage.is_not(None),
            Reading.read_at >= start,
            Reading.read_at < month.start,
        )
        .group_by(Reading.meter_id, bucket)
        .order_by(Reading.meter_id, bucket)
    ).all()
    history: dict[int, list[Decimal]] = defaultdict(list)
    for meter_id, _, total in rows:
        history[meter_id].append(total)
    return history


@dataclass(frozen=True)
class Judged:
    """One reading judged: the rules' verdict, the reading it follows, the monthly history."""

    assessment: Assessment
    previous: Reading | None
    history: list[Decimal]


def judge_reading(
    session: Session,
    meter_id: int,
    digits: int,
    multiplier: Decimal,
    value: Decimal,
    read_at: datetime,
) -> Judged:
    """One reading at `read_at` judged against what the database holds, as `judge_timeline`
    judges many: after the last accepted reading before it, against the monthly usage of
    the 12 months before its month."""
    previous = latest_accepted_before(session, meter_id, read_at)
    history = monthly_usage_history(session, meter_id, read_at)
    last = previous.value if previous is not None else None
    return Judged(assess(last, value, digits, multiplier, history), previous, history)


def existing_readings(
    session: Session, meter_ids: set[int], since: datetime
) -> tuple[dict[int, list[Existing]], dict[int, Existing]]:
    """Readings of the meters from `since` on (any status), and the last accepted actual
    reading before."""
    if not meter_ids:
        return {}, {}
    ids = literal(sorted(meter_ids), ARRAY(Reading.meter_id.type))
    columns = (Reading.meter_id, Reading.id, Reading.read_at, Reading.value, Reading.status)
    # The month as month_index counts it, worked out by the server: in Python it costs more
    # than fetching the row.
    local = func.timezone(str(BUSINESS_TZ), Reading.read_at)
    month = cast(extract("year", local) * 12 + extract("month", local) - 1, Integer)
    recent: dict[int, list[Existing]] = defaultdict(list)
    for meter_id, reading_id, read_at, value, status, usage, in_month, source in session.execute(
        select(*columns, Reading.usage, month, Reading.source)
        .where(Reading.meter_id == any_(ids), Reading.read_at >= since)
        .order_by(Reading.meter_id, Reading.read_at, Reading.id)
    ):
        recent[meter_id].append(
            Existing(reading_id, read_at, value, status, usage, in_month, source)
        )
    # The index on (meter_id, read_at) where accepted answers this per meter at once.
    last_accepted = text(
        """
        select r.meter_id, r.id, r.read_at, r.value, r.status, r.usage, r.source
        from unnest(cast(:ids as integer[])) as m(id)
        cross join lateral (
            select * from reading r
            where r.meter_id = m.id and r.status = 'accepted' and r.source <> 'estimate'
              and r.read_at < :since
            order by r.read_at desc, r.id desc limit 1) r
        """
    )
    before = {
        r.meter_id: Existing(
            r.id, r.read_at, r.value, r.status, r.usage, month_index(r.read_at), r.source
        )
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
        if item.status == ACCEPTED and item.source != ESTIMATE:
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
