"""Working out what a legacy workbook adds, before anything is written.

What each row refers to is looked up in bulk, rows whose key the database already holds
are counted as present, and the readings of each meter are judged in date order exactly as
`readings.record_reading` judges them (usage, rollover, hold, surge against the monthly
history), including against the readings already in the database, but in memory — by
the metering ingest engine (`metering.ingest`), whose objections become `sheet!row` problems.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from sqlalchemy import (
    any_,
    literal,
    or_,
    select,
)
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import Session, aliased

from reports.workbook import Row, cell_text
from server.db.models import (
    Account,
    CustomerClass,
    Meter,
    MeterReplacement,
    Reading,
    Tariff,
)
from server.db.models.metering import METER_ACTIVE, METER_REPLACED
from server.services.core.calendar import BUSINESS_TZ, business_datetime
from server.services.legacy.sheets import (
    ACCOUNTS,
    METERS,
    READINGS,
    REPLACEMENTS,
    SHEETS,
    TARIFFS,
    AccountIn,
    MeterIn,
    Problems,
    ReadingIn,
    ReplacementIn,
    TierIn,
    num,
    parse_accounts,
    parse_meters,
    parse_readings,
    parse_replacements,
    parse_tariffs,
)
from server.services.metering.ingest import (
    READ_TIME,
    Event,
    MeterInfo,
    among,
    existing_readings,
    judge_timeline,
    meters_for,
    month_index,
    reading_refusal,
)
from server.services.metering.meter_picker import KIND_LABELS
from server.services.metering.readings import METER_STATUS_LABELS
from server.services.metering.usage_rules import SURGE_HISTORY_MONTHS

SOURCE = "import"


@dataclass(frozen=True)
class SheetCount:
    """Rows of one sheet added, and rows whose key the database already held."""

    added: int = 0
    present: int = 0


# ---------------------------------------------------------------------------------------
# What the database already holds


@dataclass
class _DbReplacement:
    old_no: str
    new_no: str
    day: date


def _existing_replacements(session: Session, meter_ids: set[int]) -> list[_DbReplacement]:
    if not meter_ids:
        return []
    old, new = aliased(Meter), aliased(Meter)
    ids = literal(sorted(meter_ids), ARRAY(MeterReplacement.old_meter_id.type))
    rows = session.execute(
        select(old.meter_no, new.meter_no, MeterReplacement.replaced_at)
        .join(old, old.id == MeterReplacement.old_meter_id)
        .join(new, new.id == MeterReplacement.new_meter_id)
        .where(
            or_(
                MeterReplacement.old_meter_id == any_(ids),
                MeterReplacement.new_meter_id == any_(ids),
            )
        )
    )
    return [
        _DbReplacement(old_no, new_no, at.astimezone(BUSINESS_TZ).date())
        for old_no, new_no, at in rows
    ]


# ---------------------------------------------------------------------------------------
# The plan: everything to write, worked out and checked before anything is written


@dataclass
class ReplacementPlan:
    row: ReplacementIn
    old: MeterInfo
    new: MeterInfo
    final: Event
    initial: Event


@dataclass
class Plan:
    """Everything a checked workbook adds; the write step only turns it into rows."""

    accounts: list[AccountIn] = field(default_factory=list)
    meters: list[MeterInfo] = field(default_factory=list)
    tariffs: dict[tuple[str, int, date], list[TierIn]] = field(default_factory=dict)
    readings: list[Event] = field(default_factory=list)
    replacements: list[ReplacementPlan] = field(default_factory=list)
    # Meters already in the database that a replacement takes out, or hands an account to.
    replaced_ids: list[int] = field(default_factory=list)
    handed_over: list[tuple[int, str]] = field(default_factory=list)
    # 户号 → (id, building id) of the accounts already in the database that rows refer to.
    known_accounts: dict[str, tuple[int, int | None]] = field(default_factory=dict)


class Planner:
    """Checks a workbook's rows against each other and the database, and plans the writes.

    Problems go to `problems`; `run` returns the plan and leaves `counts` per sheet.
    """

    def __init__(
        self,
        session: Session,
        sheets: dict[str, list[Row]],
        broken: set[str],
        problems: Problems,
    ):
        self.session = session
        self.sheets = sheets
        self.broken = broken
        self.problems = problems
        self.plan = Plan()
        self.counts: dict[str, SheetCount] = dict.fromkeys(SHEETS, SheetCount())
        # Every meter rows may refer to: in the database, or new from the sheet.
        self.meters: dict[str, MeterInfo] = {}
        self.events: dict[str, list[Event]] = defaultdict(list)
        # Keys named in a sheet, valid or not, so that a bad row is reported once and not
        # again by every row that refers to it.
        self.sheet_accounts = {cell_text(r.get("户号")) for r in sheets[ACCOUNTS]}
        self.sheet_meters = {cell_text(r.get("表号")) for r in sheets[METERS]}
        # 表号 → the day a replacement took the meter out / put it in (sheet or database).
        self.taken_out: dict[str, date] = {}
        self.put_in: dict[str, date] = {}

    def run(self) -> Plan:
        class_rows = self.session.execute(
            select(CustomerClass.id, CustomerClass.code, CustomerClass.name).order_by(
                CustomerClass.id
            )
        ).all()
        classes = {r.name: r.id for r in class_rows} | {r.code: r.id for r in class_rows}
        class_names = [r.name for r in class_rows]
        problems, sheets = self.problems, self.sheets
        accounts_in = parse_accounts(sheets[ACCOUNTS], classes, class_names, problems)
        meters_in = parse_meters(sheets[METERS], problems)
        tiers_in = parse_tariffs(sheets[TARIFFS], classes, class_names, problems)
        readings_in = parse_readings(sheets[READINGS], problems)
        replacements_in = parse_replacements(sheets[REPLACEMENTS], problems)

        self._accounts(accounts_in, meters_in)
        referred = (
            set(meters_in)
            | {m.parent_no for m in meters_in.values() if m.parent_no}
            | {r.meter_no for r in readings_in}
            | {no for r in replacements_in for no in (r.old_no, r.new_no)}
        )
        self.meters = meters_for(self.session, referred, hardware=False)
        self._meters(meters_in)
        self._tariffs(tiers_in)
        self._replacements(replacements_in)
        self._readings(readings_in)
        self._judge()
        return self.plan

    def _unknown(self, sheet_keys: set[str], sheet: str, key: str) -> bool:
        """A key to report as missing: not named in its sheet, and that sheet was readable."""
        return key not in sheet_keys and sheet not in self.broken

    def _accounts(self, accounts_in: dict[str, AccountIn], meters_in: dict[str, MeterIn]) -> None:
        referred = set(accounts_in) | {m.account_no for m in meters_in.values() if m.account_no}
        if referred:
            self.plan.known_accounts = {
                r.account_no: (r.id, r.building_id)
                for r in self.session.execute(
                    select(Account.account_no, Account.id, Account.building_id).where(
                        among(Account.account_no, referred)
                    )
                )
            }
        self.plan.accounts = [
            a for a in accounts_in.values() if a.account_no not in self.plan.known_accounts
        ]
        self.counts[ACCOUNTS] = SheetCount(
            len(self.plan.accounts), len(accounts_in) - len(self.plan.accounts)
        )

    def _meters(self, meters_in: dict[str, MeterIn]) -> None:
        hardware = {m.hardware_no for m in meters_in.values() if m.hardware_no}
        taken: dict[str, str] = {}
        if hardware:
            taken = {
                r.hardware_no: r.meter_no
                for r in self.session.execute(
                    select(Meter.hardware_no, Meter.meter_no).where(
                        among(Meter.hardware_no, hardware)
                    )
                )
            }
        present = 0
        for meter in meters_in.values():
            if (
                meter.account_no
                and meter.account_no not in self.plan.known_accounts
                and self._unknown(self.sheet_accounts, ACCOUNTS, meter.account_no)
            ):
                self.problems.add(METERS, meter.row, f"户号 {meter.account_no} 不存在")
                continue
            if meter.meter_no in self.meters:
                present += 1
                continue
            owner = taken.get(meter.hardware_no)
            if owner is not None:
                self.problems.add(
                    METERS, meter.row, f"硬件号 {meter.hardware_no} 已被表 {owner} 使用"
                )
                continue
            info = MeterInfo(
                meter.meter_no,
                meter.kind,
                meter.digits,
                meter.multiplier,
                meter.account_no,
                sheet=meter,
            )
            self.plan.meters.append(info)
            self.meters[meter.meter_no] = info
        self._parents()
        self.counts[METERS] = SheetCount(len(self.plan.meters), present)

    def _parents(self) -> None:
        """上级表号 of the new meters: known, of the same kind, and no cycle among them
        (meters already stored cannot hang under new ones, so a cycle is in the sheet)."""
        for info in self.plan.meters:
            row = info.sheet
            assert row is not None
            if not row.parent_no:
                continue
            parent = self.meters.get(row.parent_no)
            if parent is None:
                if self._unknown(self.sheet_meters, METERS, row.parent_no):
                    self.problems.add(METERS, row.row, f"上级表号 {row.parent_no} 不存在")
                continue
            if parent.kind != info.kind:
                self.problems.add(
                    METERS, row.row,
                    f"上级表号 {row.parent_no} 是{KIND_LABELS[parent.kind]}，"
                    f"本表是{KIND_LABELS[info.kind]}：总分表须同类",
                )  # fmt: skip
                continue
            info.parent = parent
        for info in self.plan.meters:
            chain, above = [info.meter_no], info.parent
            while above is not None and above.meter_no not in chain:
                chain.append(above.meter_no)
                above = above.parent
            if above is not None and above.meter_no == info.meter_no:
                assert info.sheet is not None
                self.problems.add(
                    METERS, info.sheet.row,
                    f"上级表号 {info.sheet.parent_no} 形成循环："
                    + " → ".join([*chain, info.meter_no]),
                )  # fmt: skip

    def _tariffs(self, tiers_in: list[TierIn]) -> None:
        groups: dict[tuple[str, int, date], list[TierIn]] = defaultdict(list)
        for tier in tiers_in:
            groups[(tier.kind, tier.class_id, tier.effective_from)].append(tier)
        existing = set(
            self.session.execute(
                select(Tariff.kind, Tariff.customer_class_id, Tariff.effective_from)
            ).all()
        )
        added = present = 0
        for key, tiers in groups.items():
            if key in existing:
                present += len(tiers)
                continue
            by_component: dict[str, list[TierIn]] = defaultdict(list)
            for tier in tiers:
                by_component[tier.component].append(tier)
            for name, component in by_component.items():
                starts: dict[Decimal, int] = {}
                for tier in component:
                    if tier.start in starts:
                        self.problems.add(
                            TARIFFS,
                            tier.row,
                            f"项目 {name} 的阶梯起点 {num(tier.start)} 重复"
                            f"（第 {starts[tier.start]} 行已有）",
                        )
                    else:
                        starts[tier.start] = tier.row
                if Decimal(0) not in starts:
                    self.problems.add(TARIFFS, component[0].row, f"项目 {name} 没有从 0 起的第一档")
            self.plan.tariffs[key] = tiers
            added += len(tiers)
        self.counts[TARIFFS] = SheetCount(added, present)

    def _replacements(self, replacements_in: list[ReplacementIn]) -> None:
        db_ids = {m.id for m in self.meters.values() if m.id is not None}
        recorded = _existing_replacements(self.session, db_ids)
        by_old = {r.old_no: r for r in recorded}
        by_new = {r.new_no: r for r in recorded}
        read: set[int] = set()
        if db_ids:
            ids = literal(sorted(db_ids), ARRAY(Reading.meter_id.type))
            read = set(
                self.session.scalars(
                    select(Reading.meter_id).distinct().where(Reading.meter_id == any_(ids))
                )
            )
        put_in = {r.new_no: r.day for r in recorded} | {r.new_no: r.day for r in replacements_in}
        present = 0
        # In date order, so that a meter put in by one replacement and taken out by a later
        # one hands on the account it took over.
        for row in sorted(replacements_in, key=lambda r: r.day):
            known = by_old.get(row.old_no)
            if known is not None:
                if known.new_no == row.new_no:
                    present += 1
                else:
                    self.problems.add(
                        REPLACEMENTS, row.row, f"旧表 {row.old_no} 已换为 {known.new_no}"
                    )
                continue
            message = self._replacement_problem(row, by_new, read, put_in)
            if message is not None:
                if message:
                    self.problems.add(REPLACEMENTS, row.row, message)
                continue
            old, new = self.meters[row.old_no], self.meters[row.new_no]
            at = business_datetime(row.day, READ_TIME)
            month = month_index(row.day)
            final = Event(old, at, row.old_final, SOURCE, "换表止码", REPLACEMENTS, row.row, month)
            initial = Event(
                new, at, row.new_initial, "initial", "换表起码", REPLACEMENTS, row.row, month
            )
            self.events[old.meter_no].append(final)
            self.events[new.meter_no].append(initial)
            old.status = METER_REPLACED
            if old.id is not None:
                self.plan.replaced_ids.append(old.id)
            # As readings.replace_meter: the new meter takes over the old one's account.
            if not new.account_no and old.account_no:
                new.account_no = old.account_no
                if new.id is not None:
                    self.plan.handed_over.append((new.id, old.account_no))
            self.plan.replacements.append(ReplacementPlan(row, old, new, final, initial))
        self.taken_out = {r.old_no: r.day for r in recorded}
        self.taken_out |= {p.row.old_no: p.row.day for p in self.plan.replacements}
        self.put_in = {r.new_no: r.day for r in recorded}
        self.put_in |= {p.row.new_no: p.row.day for p in self.plan.replacements}
        self.counts[REPLACEMENTS] = SheetCount(len(self.plan.replacements), present)

    def _replacement_problem(
        self,
        row: ReplacementIn,
        by_new: dict[str, _DbReplacement],
        read: set[int],
        put_in: dict[str, date],
    ) -> str | None:
        """What is wrong with the row; '' when a bad row it refers to is reported already."""
        old, new = self.meters.get(row.old_no), self.meters.get(row.new_no)
        if old is None:
            return (
                f"旧表号 {row.old_no} 不存在"
                if self._unknown(self.sheet_meters, METERS, row.old_no)
                else ""
            )
        if new is None:
            return (
                f"新表号 {row.new_no} 不存在"
                if self._unknown(self.sheet_meters, METERS, row.new_no)
                else ""
            )
        if old.status != METER_ACTIVE:
            return f"旧表 {old.meter_no} {METER_STATUS_LABELS[old.status]}，不能再换表"
        if new.kind != old.kind:
            return f"新表 {new.meter_no} 与旧表 {old.meter_no} 类型不同"
        if new.meter_no in by_new:
            return f"新表 {new.meter_no} 已是表 {by_new[new.meter_no].old_no} 换上的新表"
        if new.status != METER_ACTIVE:
            return f"新表 {new.meter_no} {METER_STATUS_LABELS[new.status]}，不能作为换上的新表"
        if new.id is not None and new.id in read:
            return f"新表 {new.meter_no} 已有读数，不能作为换上的新表"
        if old.meter_no in put_in and put_in[old.meter_no] >= row.day:
            return f"旧表 {old.meter_no} 于 {put_in[old.meter_no]} 换上，换下日期应晚于换上日期"
        return reading_refusal(row.old_final, old.digits, "旧表止码") or reading_refusal(
            row.new_initial, new.digits, "新表起码"
        )

    def _readings(self, readings_in: list[ReadingIn]) -> None:
        seen: dict[tuple[str, date], int] = {}
        for r in readings_in:
            meter = self.meters.get(r.meter_no)
            if meter is None:
                if self._unknown(self.sheet_meters, METERS, r.meter_no):
                    self.problems.add(READINGS, r.row, f"表号 {r.meter_no} 不存在")
                continue
            key = (r.meter_no, r.day)
            if key in seen:
                self.problems.add(
                    READINGS,
                    r.row,
                    f"表号 {r.meter_no} 在 {r.day} 的读数重复（第 {seen[key]} 行已有）",
                )
                continue
            seen[key] = r.row
            out, put_in = self.taken_out.get(r.meter_no), self.put_in.get(r.meter_no)
            message = reading_refusal(r.value, meter.digits)
            if message is None and out is not None and r.day >= out:
                message = f"表 {r.meter_no} 已于 {out} 换下，抄表日期应早于换表日期"
            elif message is None and put_in is not None and r.day <= put_in:
                message = f"表 {r.meter_no} 于 {put_in} 换上，抄表日期应晚于换表日期"
            if message:
                self.problems.add(READINGS, r.row, message)
                continue
            at = business_datetime(r.day, READ_TIME)
            self.events[r.meter_no].append(
                Event(meter, at, r.value, SOURCE, "", READINGS, r.row, month_index(r.day))
            )

    def _judge(self) -> None:
        months = [e.month for events in self.events.values() for e in events]
        if not months:
            return
        # Surge needs up to 12 months of usage before the earliest new reading.
        first = min(months) - SURGE_HISTORY_MONTHS
        since = business_datetime(date(first // 12, first % 12 + 1, 1))
        ids = {i for i in (self.meters[no].id for no in self.events) if i is not None}
        recent, before = existing_readings(self.session, ids, since)
        present = 0
        for meter_no, events in self.events.items():
            meter = self.meters[meter_no]
            events.sort(key=lambda e: e.read_at)
            fresh, already = judge_timeline(
                meter,
                recent.get(meter.id, []) if meter.id is not None else [],
                before.get(meter.id) if meter.id is not None else None,
                events,
                self.problems,
                repeats_from=READINGS,
                replacements_from=REPLACEMENTS,
            )
            self.plan.readings.extend(fresh)
            present += already
        added = sum(1 for e in self.plan.readings if e.sheet == READINGS)
        self.counts[READINGS] = SheetCount(added, present)
