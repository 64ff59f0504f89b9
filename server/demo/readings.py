"""Simulated monthly readings of the demo meters, judged as `record_reading` judges them.

A meter's register runs on with its usage (seasons, noise, the odd surge); one reading a
month is taken from it, except in a month it was not read or was misread. Each reading is
judged by `usage_rules.assess` against the meter's latest accepted reading, with the meter's
accepted usage per calendar month of the 12 months before as the surge history, so the
stored status, flags, usage and previous reading are what the reading service would have
written had the readings been entered one by one in date order.

This is the hot loop of the demo (1.3 million readings at full size): rows are built as
lists of plain values and text, ready for COPY, with no ORM objects and no datetimes.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from server.db.models.metering import ACCEPTED, HELD, METER_ACTIVE
from server.demo.catalog import REGISTER_STEP, MeterModel
from server.services.core.calendar import Period
from server.services.metering.usage_rules import assess

THOUSANDTHS = 1000  # registers are simulated in integer thousandths, as readings are stored
READ_DAY_MINUTES = 9 * 60  # readers work 08:00–17:00
ROUND_DAYS = 4  # a campus's reading round

WRAP, REPLACE, SURGE_EVENT, MISREAD, UNREAD = "wrap", "replace", "surge", "misread", "unread"
# A figure keyed too high that passed as plausible, billed, then corrected (demo.corrections).
MISKEY = "miskey"
MISKEY_SHARE = 0.2  # of the month's usage keyed over

# A reading row: id, meter_id, value, read_at, source, status, flags, usage, previous_id,
# staff_id, note, review_note. Ids are row indexes until the chunk's ids are allocated.
ID, VALUE, STATUS, FLAGS, PREVIOUS = 0, 2, 5, 6, 8


@dataclass(slots=True)
class MeterPlan:
    meter_no: str
    hardware_no: str
    model: MeterModel
    digits: int
    multiplier: Decimal
    account: int  # index of the account in the demo's plan
    installed_on: date
    status: str = METER_ACTIVE
    id: int = 0


@dataclass(slots=True)
class Point:
    """A metering point of an account: its meter and, after a replacement, the new one."""

    meter: MeterPlan
    campus: int
    usage: float  # typical monthly usage after the multiplier
    season: tuple[float, ...]  # usage factor by calendar month
    start: int  # the register at the first reading, in thousandths
    event: str = ""  # one of the events above, in `event_month` (an index into the periods)
    event_month: int = -1
    replacement: MeterPlan | None = None
    keyed_over: int = 0  # MISKEY: thousandths of the register keyed over the dial


@dataclass(frozen=True, slots=True)
class Replacement:
    old: MeterPlan
    new: MeterPlan
    replaced_at: str
    old_final: str
    new_initial: str
    final_reading: int  # the row index while its chunk is built, then the reading id
    initial_reading: int
    staff_id: int | None


@dataclass(frozen=True, slots=True)
class Round:
    """When a campus reads its meters in one month: the moments a reader may pick."""

    prefix: str  # "YYYY-MM-"
    minutes: list[int]  # minute of the month of each moment
    stamps: list[str]  # and the moment as PostgreSQL reads a timestamptz (sorts as it reads)

    def stamp(self, minute_of_month: int) -> str:
        day, minute = divmod(minute_of_month, 24 * 60)
        return f"{self.prefix}{day + 1:02d} {minute // 60:02d}:{minute % 60:02d}:00+08"


class Schedule:
    """The demo's months, and per campus and month its reading round: four working days
    from the 18th–24th or, in the month under way, any minute before `cap`."""

    def __init__(self, rng: random.Random, campuses: int, periods: list[Period], cap: datetime):
        self.ordinals = [p.year * 12 + p.month - 1 for p in periods]
        self.months_of_year = [p.month - 1 for p in periods]
        self.rounds: list[list[Round]] = []
        for _ in range(campuses):
            rounds = []
            for period in periods:
                day = rng.randint(18, 24)
                last = period.start.replace(day=day) + timedelta(days=ROUND_DAYS - 1, hours=17)
                if period.start <= cap < min(period.end, last):
                    elapsed = int((cap - period.start).total_seconds() // 60)
                    minutes = list(range(max(1, elapsed - 1)))
                else:
                    minutes = [
                        (day - 1 + d) * 24 * 60 + 8 * 60 + m
                        for d in range(ROUND_DAYS)
                        for m in range(READ_DAY_MINUTES)
                    ]
                empty = Round(f"{period.year:04d}-{period.month:02d}-", [], [])
                stamps = [empty.stamp(m) for m in minutes]
                rounds.append(replace(empty, minutes=minutes, stamps=stamps))
            self.rounds.append(rounds)


@dataclass(slots=True)
class _Register:
    """What `record_reading` would find in the database for one meter, kept in memory."""

    meter: MeterPlan
    span: int  # 10^digits in thousandths
    prev_value: Decimal | None = None
    prev_milli: int = 0
    prev_row: int | None = None
    # Accepted usage per month (ordinals and totals, oldest first) of the last 12 months.
    months: list[int] = field(default_factory=list)
    totals: list[Decimal] = field(default_factory=list)

    def record(
        self,
        register: int,
        read_at: str,
        ordinal: int,
        source: str,
        staff_id: int | None,
        note: str,
        rows: list[list[Any]],
    ) -> int:
        """Judge and append one reading as `record_reading` would; return its row index."""
        milli = register % self.span
        value = Decimal(milli).scaleb(-3)
        meter = self.meter
        months, totals = self.months, self.totals
        if self.prev_value is None:
            verdict = assess(None, value, meter.digits, meter.multiplier)
        else:
            # readings.monthly_usage_history: the 12 calendar months before this one.
            while months and months[0] < ordinal - 12:
                del months[0], totals[0]
            history = totals[:-1] if months and months[-1] == ordinal else totals
            verdict = assess(self.prev_value, value, meter.digits, meter.multiplier, history)
        index, previous, usage, flags = len(rows), self.prev_row, verdict.usage, verdict.flags
        if flags and verdict.held:
            status = HELD
        else:
            status = ACCEPTED
            self.prev_value, self.prev_milli, self.prev_row = value, milli, index
            if usage is not None:
                if months and months[-1] == ordinal:
                    totals[-1] += usage
                else:
                    months.append(ordinal)
                    totals.append(usage)
        rows.append(
            [
                index,
                meter.id,
                str(value),
                read_at,
                source,
                status,
                # An array literal; flags are plain identifiers, so no quoting is needed.
                "{" + ",".join(flags) + "}" if flags else "{}",
                None if usage is None else str(usage),
                previous,
                staff_id,
                note,
                "",
            ]
        )
        return index


def point_readings(
    point: Point,
    schedule: Schedule,
    reader_id: int | None,
    rng: random.Random,
    rows: list[list[Any]],
) -> Replacement | None:
    """Append the point's readings to `rows`; return its meter replacement, if any."""
    meter = point.meter
    source = meter.model.source
    staff_id = None if source == "remote" else reader_id
    step = REGISTER_STEP[meter.model.kind]
    per_step = THOUSANDTHS / float(meter.multiplier) / step
    state = _Register(meter, 10**meter.digits * THOUSANDTHS)
    register = point.start
    replaced = None
    random_ = rng.random
    usage, season, event_month = point.usage, point.season, point.event_month
    rounds = schedule.rounds[point.campus]
    for month, (ordinal, month_of_year) in enumerate(
        zip(schedule.ordinals, schedule.months_of_year, strict=True)
    ):
        when = rounds[month]
        drawn = int(random_() * len(when.stamps))
        increment = 0
        if month:
            noise = 1 + 0.24 * (random_() + random_() - 1)  # triangular, σ ≈ 0.1
            used = usage * season[month_of_year] * noise
            if month == event_month and point.event == SURGE_EVENT:
                used *= 4 + 2 * random_()  # a leak, a heater left on
            increment = round(used * per_step) * step
        if month != event_month:
            register += increment
            state.record(register, when.stamps[drawn], ordinal, source, staff_id, "", rows)
            continue
        event = point.event
        if event == REPLACE:
            assert point.replacement is not None
            replaced_minute = rng.randint(4, 12) * 24 * 60 + rng.randint(9, 16) * 60
            # The old meter counted part of the month, the new one the rest.
            part = round(increment * (0.2 + 0.2 * random_()) / step) * step
            replaced, state = _replace(
                state,
                point.replacement,
                register + part,
                when.stamp(replaced_minute),
                ordinal,
                staff_id,
                rows,
            )
            register = increment - part
            read_at = when.stamp(max(when.minutes[drawn], replaced_minute + 60))
            state.record(register, read_at, ordinal, source, staff_id, "", rows)
            continue
        register += increment
        if event == UNREAD:
            continue
        if event == MISKEY:
            point.keyed_over = max(round(increment * MISKEY_SHARE / step) * step, step)
            keyed = register + point.keyed_over
            state.record(keyed, when.stamps[drawn], ordinal, source, staff_id, "", rows)
            continue
        if event == MISREAD and state.prev_milli:
            # A figure below the last one: held for review while the register runs on.
            slip = round(state.prev_milli * (0.01 + 0.07 * random_()) / step) * step
            misread = state.prev_milli - min(max(slip, step), state.prev_milli)
            state.record(misread, when.stamps[drawn], ordinal, source, staff_id, "", rows)
            continue
        state.record(register, when.stamps[drawn], ordinal, source, staff_id, "", rows)
    return replaced


def _replace(
    state: _Register,
    new: MeterPlan,
    register: int,
    replaced_at: str,
    ordinal: int,
    staff_id: int | None,
    rows: list[list[Any]],
) -> tuple[Replacement, _Register]:
    """As readings.replace_meter: the old meter's final reading, judged like any field
    reading, then the new meter's initial reading at the same moment."""
    final = state.record(register, replaced_at, ordinal, "field", staff_id, "换表止码", rows)
    assert rows[final][STATUS] == ACCEPTED, "the register only runs forward"
    initial = len(rows)
    zero = Decimal(0).scaleb(-3)
    opening = [initial, new.id, str(zero), replaced_at, "initial", ACCEPTED, "{}", None, None]
    rows.append([*opening, staff_id, "换表起码", ""])
    replacement = Replacement(
        state.meter, new, replaced_at, rows[final][VALUE], str(zero), final, initial, staff_id
    )
    return replacement, _Register(new, state.span, zero, 0, initial)
