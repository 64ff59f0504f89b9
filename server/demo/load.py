"""The bulk load of the demo: accounts, buildings, meters and readings, written with COPY.

What demo.data plans from demo.catalog goes in here: accounts fill buildings room by room,
each gets its metering points, a few points an event (a wrap, a replacement, a surge, a
misreading, an unread month), and every point its monthly readings (demo.readings), in
chunks on a second thread while the next chunk is judged. The foreign keys of the bulk
tables are checked once at the end (`foreign_keys_checked_after`) and ids are reserved in
one step; all in the caller's transaction.
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import text
from sqlalchemy.orm import Session

from server.db.bulk import allocate_ids, copy_behind, copy_rows, reserve_ids
from server.db.models.accounts import POSTPAID, PREPAID
from server.db.models.metering import (
    ELECTRICITY,
    METER_ACTIVE,
    METER_REPLACED,
    WATER,
)
from server.demo import catalog
from server.demo import masters as demo_masters
from server.demo.readings import (
    FLAGS,
    ID,
    MISKEY,
    MISREAD,
    PREVIOUS,
    REPLACE,
    SURGE_EVENT,
    THOUSANDTHS,
    UNREAD,
    WRAP,
    MeterPlan,
    Point,
    Replacement,
    Schedule,
    point_readings,
)
from server.services.core.calendar import Period
from server.services.metering.usage_rules import LOWER_THAN_PREVIOUS, ROLLOVER, SURGE

Progress = Callable[[str, int, int], None]

CHUNK_POINTS = 5000  # metering points whose readings go in one COPY
BULK_TABLES = ("account", "account_ledger", "meter", "reading", "meter_replacement")

ACCOUNT_COLUMNS = (
    *("id", "account_no", "holder_name", "customer_class_id", "campus_id", "building_id"),
    *("unit", "room", "mobile", "billing_mode", "balance", "active"),
)
METER_COLUMNS = (
    *("id", "meter_no", "hardware_no", "kind", "model", "digits", "multiplier", "location"),
    *("status", "account_id", "building_id", "installed_on"),
)
READING_COLUMNS = (
    *("id", "meter_id", "value", "read_at", "source", "status", "flags", "usage"),
    *("previous_id", "staff_id", "note", "review_note"),
)
REPLACEMENT_COLUMNS = (
    *("old_meter_id", "new_meter_id", "old_final", "new_initial", "replaced_at"),
    *("old_final_reading_id", "new_initial_reading_id", "staff_id", "note"),
)


@dataclass(slots=True)
class AccountPlan:
    account_no: str
    holder_name: str
    class_code: str
    campus: int
    building: int
    unit: str
    room: str
    mobile: str
    billing_mode: str
    balance: Decimal
    id: int = 0


@dataclass
class ReadingCounts:
    readings: int = 0
    held: int = 0
    surges: int = 0
    rollovers: int = 0
    unread: int = 0


class BulkLoad:
    """The state of one load: the random stream, the periods, the progress report."""

    def __init__(
        self,
        session: Session,
        rng: random.Random,
        periods: list[Period],
        progress: Progress | None,
        now: datetime,
    ):
        self.session = session
        self.rng = rng
        self.periods = periods
        self.report = progress or (lambda stage, done, total: None)
        self.cap = now
        self.meter_counts = {ELECTRICITY: 0, WATER: 0}
        self.masters_rng: random.Random | None = None

    # -- accounts --------------------------------------------------------------------------

    def _person_name(self) -> str:
        rng = self.rng
        given = rng.choice(catalog.GIVEN_NAMES)
        if rng.random() < 0.7:
            given += rng.choice(catalog.GIVEN_NAMES)
        return rng.choice(catalog.SURNAMES) + given

    def _mobile(self) -> str:
        return f"1{self.rng.choice('3578')}{self.rng.randrange(10**9):09d}"

    def _plan_accounts(self, total: int) -> tuple[list[AccountPlan], list[tuple[int, str]]]:
        """Accounts fill buildings room by room; 户号 = campus, class, then a sequence."""
        rng = self.rng
        plans: list[AccountPlan] = []
        buildings: dict[tuple[int, str], int] = {}
        shares = [share for _, share in catalog.CLASS_SHARES]
        for campus, in_campus in enumerate(_quotas(total, catalog.CAMPUS_WEIGHTS)):
            campus_name = catalog.CAMPUSES[campus][1]
            for class_no, count in enumerate(_quotas(in_campus, shares), start=1):
                class_code = catalog.CLASS_SHARES[class_no - 1][0]
                for i in range(count):
                    unit = ""
                    if class_code == catalog.RESIDENT:
                        b, j = divmod(i, catalog.RESIDENT_PER_BUILDING)
                        building = f"家属区{b + 1}栋"
                        unit, room = str(j // 12 + 1), f"{j % 12 // 2 + 1}0{j % 2 + 1}"
                        holder = self._person_name()
                    elif class_code == catalog.DORMITORY:
                        b, j = divmod(i, catalog.DORM_PER_BUILDING)
                        building = f"学生公寓{b + 1}号楼"
                        room = f"{j // 30 + 1}{j % 30 + 1:02d}"
                        holder = f"{campus_name[0]}{b + 1}-{room}宿舍"
                    else:
                        b, j = divmod(i, catalog.UNIT_PER_BUILDING)
                        named = catalog.UNIT_BUILDINGS
                        building = named[b] if b < len(named) else f"综合楼{b - len(named) + 1}号"
                        room = f"{j // 8 + 1}{j % 8 + 1:02d}"
                        holder = rng.choice(catalog.UNIT_HOLDERS)
                    prepaid = rng.random() < catalog.PREPAID_SHARE[class_code]
                    balance = rng.randrange(*catalog.OPENING_BALANCE[class_code]) if prepaid else 0
                    plans.append(
                        AccountPlan(
                            account_no=f"{campus + 1}{class_no}{i + 1:06d}",
                            holder_name=holder,
                            class_code=class_code,
                            campus=campus,
                            building=buildings.setdefault((campus, building), len(buildings)),
                            unit=unit,
                            room=room,
                            mobile=self._mobile(),
                            billing_mode=PREPAID if prepaid else POSTPAID,
                            balance=Decimal(balance).quantize(Decimal("0.01")),
                        )
                    )
        return plans, list(buildings)

    def _write_buildings(
        self, campus_ids: list[int], buildings: list[tuple[int, str]]
    ) -> list[int]:
        ids = allocate_ids(self.session, "building", len(buildings))
        rows = ((i, campus_ids[c], name) for i, (c, name) in zip(ids, buildings, strict=True))
        copy_rows(self.session, "building", ("id", "campus_id", "name"), rows)
        return ids

    def _write_accounts(
        self,
        plans: list[AccountPlan],
        class_ids: dict[str, int],
        campus_ids: list[int],
        building_ids: list[int],
    ) -> None:
        ids = reserve_ids(self.session, "account", len(plans))
        for plan, account_id in zip(plans, ids, strict=True):
            plan.id = account_id
        rows = (
            (
                *(p.id, p.account_no, p.holder_name, class_ids[p.class_code]),
                *(campus_ids[p.campus], building_ids[p.building], p.unit, p.room, p.mobile),
                *(p.billing_mode, p.balance, True),
            )
            for p in plans
        )
        copy_rows(self.session, "account", ACCOUNT_COLUMNS, rows)
        # As accounts.create_account: an opening balance is the ledger's first entry.
        copy_rows(
            self.session,
            "account_ledger",
            ("account_id", "kind", "amount", "balance_after", "note"),
            ((p.id, "opening", p.balance, p.balance, "期初余额") for p in plans if p.balance),
        )

    # -- meters ----------------------------------------------------------------------------

    def _meter_numbers(self, kind: str) -> tuple[str, str]:
        """表号 (printed as a barcode) and 硬件号 (12-digit DL/T 645 or 14-digit CJ/T 188)."""
        self.meter_counts[kind] += 1
        seq = self.meter_counts[kind]
        if kind == ELECTRICITY:
            return f"E{seq:08d}", f"{seq:012d}"
        return f"W{seq:08d}", f"{seq:014d}"

    def _plan_meters(self, plans: list[AccountPlan]) -> list[Point]:
        rng = self.rng
        first_day = self.periods[0].first_day
        points: list[Point] = []
        for account, plan in enumerate(plans):
            for chance, choices in catalog.METERING_POINTS[plan.class_code]:
                if chance < 1 and rng.random() >= chance:
                    continue
                [model] = rng.choices([m for _, m in choices], [w for w, _ in choices])
                digits = rng.choice(model.digits)
                ratio = rng.choice(model.ratios)
                usage = model.usage * math.exp(rng.gauss(0, model.spread))
                # An old meter shows what it has counted in its years of service.
                years = rng.uniform(0.5, 12)
                step = catalog.REGISTER_STEP[model.kind]
                counted = round(usage / ratio * 12 * years * THOUSANDTHS / step) * step
                meter_no, hardware_no = self._meter_numbers(model.kind)
                meter = MeterPlan(
                    meter_no=meter_no,
                    hardware_no=hardware_no,
                    model=model,
                    digits=digits,
                    multiplier=Decimal(ratio),
                    account=account,
                    installed_on=first_day - timedelta(days=round(years * 365)),
                )
                season = catalog.SEASONS[(model.kind, plan.class_code)]
                start = counted % (10**digits * THOUSANDTHS)
                points.append(Point(meter, plan.campus, usage, season, start))
        return points

    def _plan_events(self, points: list[Point], plans: list[AccountPlan]) -> None:
        """Give a few distinct metering points one event each, in a month where it can show."""
        rng = self.rng
        months, accounts = len(self.periods), len(plans)

        def keyed(p: Point) -> bool:
            # A reader's slip on a postpaid account, billed and then paid for (or not).
            return p.meter.multiplier == 1 and plans[p.meter.account].billing_mode == POSTPAID

        wanted = (
            # event, how many, first and last month, which points, all in one month
            (WRAP, max(1, accounts // 5000), 1, months - 1, lambda p: p.meter.digits == 4, False),
            (REPLACE, max(2, accounts // 5000), 1, months - 2,
             lambda p: p.meter.multiplier == 1, False),
            # A surge needs 3 months of usage to stand out against.
            (SURGE_EVENT, max(3, accounts // 1000), 4, months - 1, lambda p: True, False),
            (MISREAD, max(2, accounts // 2500), 1, months - 1, lambda p: True, False),
            # Unread in one month, estimated by its run (3 months of history) and trued up
            # by the next one, which is billed too (demo.corrections).
            (UNREAD, max(3, accounts // 1000), 4, months - 3, lambda p: True, True),
            # Billed, then corrected in the month after, before the replay's present.
            (MISKEY, max(4, accounts // 1000), 2, months - 4, keyed, False),
        )  # fmt: skip
        free = list(range(len(points)))
        rng.shuffle(free)
        for event, count, first, last, eligible, together in wanted:
            if last < first:
                continue
            month = rng.randint(first, last)
            for index in [i for i in free if eligible(points[i])][:count]:
                points[index].event = event
                points[index].event_month = month if together else rng.randint(first, last)
            free = [i for i in free if not points[i].event]
        for point in points:
            meter = point.meter
            if point.event == WRAP:
                # Start just below the top of the register so that it wraps in that month.
                step = catalog.REGISTER_STEP[meter.model.kind]
                ahead = round(point.usage * THOUSANDTHS * (point.event_month - 0.5) / step) * step
                point.start = 10**meter.digits * THOUSANDTHS - max(ahead, step)
            elif point.event == REPLACE:
                meter.status = METER_REPLACED
                meter_no, hardware_no = self._meter_numbers(meter.model.kind)
                point.replacement = replace(
                    meter,
                    meter_no=meter_no,
                    hardware_no=hardware_no,
                    installed_on=self.periods[point.event_month].first_day,
                    status=METER_ACTIVE,
                )

    def _write_masters(
        self, points: list[Point], plans: list[AccountPlan], building_ids: list[int]
    ) -> dict[tuple[int, str], demo_masters.Master]:
        """Master meters per building and kind (none unless asked for)."""
        if self.masters_rng is None:
            return {}
        wanted = sorted(
            {(building_ids[plans[p.meter.account].building], p.meter.model.kind) for p in points}
        )
        installed = self.periods[0].first_day - timedelta(days=3 * 365)
        return demo_masters.plan_masters(self.session, self.masters_rng, wanted, installed)

    def _write_meters(
        self,
        points: list[Point],
        plans: list[AccountPlan],
        building_ids: list[int],
        masters: dict[tuple[int, str], demo_masters.Master],
    ) -> list[MeterPlan]:
        meters = [p.meter for p in points] + [p.replacement for p in points if p.replacement]
        ids = reserve_ids(self.session, "meter", len(meters))
        for meter, meter_id in zip(meters, ids, strict=True):
            meter.id = meter_id

        def parent(m: MeterPlan) -> int | None:
            master = masters.get((building_ids[plans[m.account].building], m.model.kind))
            return None if master is None else master.id

        rows = (
            (
                *(m.id, m.meter_no, m.hardware_no, m.model.kind, m.model.model, m.digits),
                *(m.multiplier, m.model.location, m.status, plans[m.account].id),
                *(building_ids[plans[m.account].building], m.installed_on, parent(m)),
            )
            for m in meters
        )
        copy_rows(self.session, "meter", (*METER_COLUMNS, "parent_id"), rows)
        return meters

    # -- readings --------------------------------------------------------------------------

    def _write_readings(
        self, points: list[Point], reader_ids: list[int], counts: ReadingCounts
    ) -> list[Replacement]:
        schedule = Schedule(self.rng, len(catalog.CAMPUSES), self.periods, self.cap)
        # Ids for as many readings as there can be (one a month, two more a replacement),
        # so rows get theirs while they are built; the few left over are gaps, as ever.
        replaced = sum(p.replacement is not None for p in points)
        most = len(points) * len(self.periods) + 2 * replaced
        ids = reserve_ids(self.session, "reading", most)
        taken = 0
        replacements: list[Replacement] = []
        with copy_behind(self.session, "reading", READING_COLUMNS) as copy:
            for first in range(0, len(points), CHUNK_POINTS):
                chunk = points[first : first + CHUNK_POINTS]
                rows: list[list[Any]] = []
                found: list[Replacement] = []
                for point in chunk:
                    reader = reader_ids[point.campus]
                    replacement = point_readings(point, schedule, reader, self.rng, rows)
                    if replacement:
                        found.append(replacement)
                # Rows refer to each other by their index in the chunk until now. They stay
                # in meter order: PostgreSQL appends to the (meter, time) indexes then.
                for row in rows:
                    row[ID] = ids[taken + row[ID]]
                    if row[PREVIOUS] is not None:
                        row[PREVIOUS] = ids[taken + row[PREVIOUS]]
                    flags = row[FLAGS]
                    if flags != "{}":
                        counts.held += LOWER_THAN_PREVIOUS in flags
                        counts.surges += SURGE in flags
                        counts.rollovers += ROLLOVER in flags
                copy(rows)
                replacements += (
                    replace(
                        r,
                        final_reading=ids[taken + r.final_reading],
                        initial_reading=ids[taken + r.initial_reading],
                    )
                    for r in found
                )
                taken += len(rows)
                counts.unread += sum(p.event == UNREAD for p in chunk)
                self.report("读数", first + len(chunk), len(points))
        counts.readings = taken
        return replacements

    def _write_replacements(self, replacements: list[Replacement]) -> None:
        rows = (
            (
                *(r.old.id, r.new.id, r.old_final, r.new_initial, r.replaced_at),
                *(r.final_reading, r.initial_reading, r.staff_id),
                "到期轮换" if r.old.model.kind == WATER else "表计故障",
            )
            for r in replacements
        )
        copy_rows(self.session, "meter_replacement", REPLACEMENT_COLUMNS, rows)


@contextmanager
def foreign_keys_checked_after(session: Session, tables: Sequence[str]) -> Iterator[None]:
    """Check the foreign keys of `tables` once, set-based, after a bulk load into them.

    PostgreSQL checks a foreign key row by row as rows arrive, which is most of the cost
    of loading a million readings. As its manual advises for populating a database
    ("Remove Foreign Key Constraints"), the keys are dropped for the load and added back
    afterwards in the same transaction, which checks every row in one join; nothing is
    committed unchecked, and a failed load rolls the keys back with the rows.

    Only the owner of the tables may alter them; anyone else loads with the keys in place,
    slower. Altering a table locks it until the commit: for bulk loads into an otherwise
    unused database (the demo), not for a live one.
    """
    keys = session.execute(
        text(
            "select c.conrelid::regclass::text, c.conname, pg_get_constraintdef(c.oid),"
            "       pg_has_role(t.relowner, 'MEMBER') and pg_has_role(r.relowner, 'MEMBER')"
            " from pg_constraint c"
            " join pg_class t on t.oid = c.conrelid join pg_class r on r.oid = c.confrelid"
            " where c.contype = 'f' and c.conrelid = any(cast(:tables as regclass[]))"
            " order by c.conrelid::regclass::text, c.conname"
        ),
        {"tables": list(tables)},
    ).all()
    if not all(owned for *_, owned in keys):
        yield
        return
    for table, name, _, _ in keys:
        session.execute(text(f'alter table {table} drop constraint "{name}"'))
    yield
    for table, name, definition, _ in keys:
        session.execute(text(f'alter table {table} add constraint "{name}" {definition}'))


def _quotas(total: int, weights: Sequence[float]) -> list[int]:
    """Split `total` by `weights` (largest remainder), so small totals still add up."""
    raw = [total * w / sum(weights) for w in weights]
    counts = [int(x) for x in raw]
    by_remainder = sorted(range(len(raw)), key=lambda i: (counts[i] - raw[i], i))
    for i in by_remainder[: total - sum(counts)]:
        counts[i] += 1
    return counts
