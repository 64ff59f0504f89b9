"""Demo data (演示数据): a plausible university service center, written in one transaction.

Three campuses with their counters, staff with known passwords, tariffs, accounts of the
three customer classes, their meters and `months` of monthly readings with seasons and a
few anomalies: held misreadings, surges, rollovers, unread months, meter replacements.

Every reading is judged by `usage_rules.assess` as `readings.record_reading` would have judged
it, entered in date order: against the meter's latest accepted reading, with the meter's
accepted usage per calendar month as the surge history, both kept in memory per meter
(see demo.readings). What the demo looks like is in demo.catalog.

Then, unless told not to, the centre's past year is replayed through the real services up
to the caller's clock (demo.activity): the last 12 complete months billed and mostly paid
at the counters, today's receipts, readings with photos, bindings and requests waiting,
published notices. That part goes at the services' pace (300 accounts in about 10 s).

Speed: 50,000 accounts (100,000 meters, 1.3 million readings) load in about half a
minute on two cores. The bulk tables are written with COPY, readings in chunks on a
second thread while the next chunk is judged; their foreign keys are checked once at the
end instead of row by row, and ids are reserved in one step. All of it happens in the
caller's transaction, which commits or rolls back as a whole.
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

from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from server.db.bulk import allocate_ids, copy_behind, copy_rows, reserve_ids
from server.db.models import (
    Account,
    CustomerClass,
    Department,
    Post,
    Staff,
    Tariff,
    TariffComponent,
    TariffTier,
)
from server.db.models.accounts import POSTPAID, PREPAID
from server.db.models.metering import (
    ELECTRICITY,
    METER_ACTIVE,
    METER_REPLACED,
    WATER,
)
from server.demo import activity as demo_activity
from server.demo import catalog
from server.demo import masters as demo_masters
from server.demo.activity import ActivitySummary, DemoAccount
from server.demo.readings import (
    FLAGS,
    ID,
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
from server.services.billing.tariffs import ComponentSpec, TariffSpec, Tier, validate_tariff
from server.services.core import audit
from server.services.core.audit import Actor
from server.services.core.calendar import Period
from server.services.core.errors import DomainError
from server.services.metering.usage_rules import LOWER_THAN_PREVIOUS, ROLLOVER, SURGE
from server.services.staff.org import (
    ROLES,
    ensure_branch,
    ensure_campus,
    ensure_department,
    ensure_post,
)
from server.services.staff.sign_in import hash_password

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


@dataclass(frozen=True)
class DemoLogin:
    login: str
    password: str
    name: str
    post: str
    branch: str


@dataclass(frozen=True)
class DemoSummary:
    seed: int
    first_period: str
    last_period: str
    campuses: int
    branches: int
    buildings: int
    accounts: int
    residents: int
    dormitories: int
    units: int
    prepaid: int
    meters: int
    readings: int
    replacements: int
    held: int
    surges: int
    rollovers: int
    unread: int
    tariffs: int
    staff: tuple[DemoLogin, ...]
    # Master meters (总表) of the buildings, over the accounts' meters (demo.masters).
    masters: int = 0
    # The centre in use: bills, payments, tills, bindings, requests (demo.activity).
    activity: ActivitySummary | None = None

    def describe(self) -> str:
        lines = [
            f"演示数据已生成（随机种子 {self.seed}，"
            f"账期 {self.first_period} 至 {self.last_period}）",
            f"校区 {self.campuses} 个，分中心 {self.branches} 个，楼宇 {self.buildings} 栋",
            f"户号 {self.accounts} 户：居民 {self.residents}，集体宿舍 {self.dormitories}，"
            f"单位 {self.units}；其中预收费 {self.prepaid} 户",
            f"表计 {self.meters} 块（换表 {self.replacements} 次）",
            f"读数 {self.readings} 条：待审核 {self.held}，用量突增 {self.surges}，"
            f"表计翻转 {self.rollovers}，漏抄 {self.unread}",
            f"价格 {self.tariffs} 套",
            *(
                [f"楼栋总表 {self.masters} 块（总分表平衡报表：meterdesk report loss）"]
                if self.masters
                else []
            ),
            *(self.activity.describe() if self.activity else []),
            "演示登录账号（用户名 / 密码）：",
        ]
        for s in self.staff:
            where = f"（{s.branch}）" if s.branch else ""
            lines.append(f"  {s.login} / {s.password}  {s.post} {s.name}{where}")
        return "\n".join(lines)

    def as_json(self) -> dict[str, Any]:
        """Counts and logins; the passwords stay out (this goes into the audit trail)."""
        data: dict[str, Any] = {k: v for k, v in self.__dict__.items() if k != "staff"}
        data["staff"] = [s.login for s in self.staff]
        data["activity"] = self.activity.as_json() if self.activity else None
        return data


def generate_demo_data(
    session: Session,
    actor: Actor,
    *,
    accounts: int,
    seed: int,
    now: datetime,
    months: int = 14,
    end_period: Period | None = None,
    progress: Progress | None = None,
    master_meters: bool = False,
    in_use: bool = True,
) -> DemoSummary:
    """Fill an empty database with demo data; a seed and a clock always give the same data.

    `now` is the demo's present (the CLI passes the real clock). `months` of readings end
    at `end_period` (default: `now`'s month, read only up to `now`). With `in_use` the
    centre's past year is then replayed through the services up to `now` (demo.activity:
    the last 12 complete months billed and mostly paid, today's receipts, reviews,
    bindings, requests, notices). With `master_meters` every building gets master meters
    over its meters, a few of them leaking (demo.masters); the rest of the data is the same
    either way. The caller commits. Refused if the database already has accounts.
    """
    if accounts < 1:
        raise DomainError(f"演示户数至少为 1，收到 {accounts}")
    if not 1 <= months <= 120:
        raise DomainError(f"演示读数月数应在 1–120 之间，收到 {months}")
    if session.scalar(select(func.count()).select_from(Account)):
        raise DomainError("数据库中已有户号，演示数据只能写入空数据库")
    if now.tzinfo is None:
        raise DomainError(f"演示数据的当前时间须带时区，收到「{now}」")
    last = end_period or Period.of(now)
    periods = [last.shift(i - months + 1) for i in range(months)]
    generator = _Generator(session, random.Random(seed), periods, progress, now)
    # Masters and the replay draw from streams of their own, so the rest does not change.
    generator.masters_rng = random.Random(seed * 7919 + 1) if master_meters else None
    generator.activity_rng = random.Random(seed * 104729 + 3) if in_use else None
    summary = generator.run(accounts, seed)
    audit.record(session, actor, "demo.generate", "database", None, summary.as_json())
    session.flush()
    return summary


@dataclass(slots=True)
class _AccountPlan:
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
class _Counts:
    readings: int = 0
    held: int = 0
    surges: int = 0
    rollovers: int = 0
    unread: int = 0


class _Generator:
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
        self.activity_rng: random.Random | None = None

    def run(self, accounts: int, seed: int) -> DemoSummary:
        campus_ids, branches = self._organisation()
        logins, reader_ids = self._staff(branches)
        class_ids = dict(self.session.execute(select(CustomerClass.code, CustomerClass.id)).all())
        tariffs = self._tariffs(class_ids)
        self.report("组织机构、人员与价格", 1, 1)

        plans, buildings = self._plan_accounts(accounts)
        points = self._plan_meters(plans)
        self._plan_events(points, accounts)
        counts = _Counts()
        with foreign_keys_checked_after(self.session, BULK_TABLES):
            building_ids = self._write_buildings(campus_ids, buildings)
            self._write_accounts(plans, class_ids, campus_ids, building_ids)
            self.report("户号", len(plans), len(plans))
            masters = self._write_masters(points, plans, building_ids)
            meters = self._write_meters(points, plans, building_ids, masters)
            self.report("表计", len(meters), len(meters))
            replacements = self._write_readings(points, reader_ids, counts)
            self._write_replacements(replacements)
            if self.masters_rng is not None:
                counts.readings += demo_masters.write_master_readings(
                    self.session, self.masters_rng, masters, self.periods
                )
        # Statistics for the planner now, not when autovacuum comes round: the first
        # billing run or search right after the load would otherwise be planned blind.
        self.session.execute(text(f"analyze {', '.join(('building', *BULK_TABLES))}"))
        activity = None
        if self.activity_rng is not None:
            accounts = [
                DemoAccount(p.id, p.account_no, p.holder_name, p.class_code, p.campus,
                            building_ids[p.building], p.billing_mode, p.mobile)
                for p in plans
            ]  # fmt: skip
            activity = demo_activity.replay(
                self.session, self.activity_rng, accounts, self.periods, self.cap, self.report
            )

        return DemoSummary(
            seed=seed,
            first_period=str(self.periods[0]),
            last_period=str(self.periods[-1]),
            campuses=len(catalog.CAMPUSES),
            branches=len(branches),
            buildings=len(buildings),
            accounts=len(plans),
            residents=sum(p.class_code == catalog.RESIDENT for p in plans),
            dormitories=sum(p.class_code == catalog.DORMITORY for p in plans),
            units=sum(p.class_code == catalog.UNIT for p in plans),
            prepaid=sum(p.billing_mode == PREPAID for p in plans),
            meters=len(meters) + len(masters),
            readings=counts.readings,
            replacements=len(replacements),
            held=counts.held,
            surges=counts.surges,
            rollovers=counts.rollovers,
            unread=counts.unread,
            tariffs=tariffs,
            staff=tuple(logins),
            masters=len(masters),
            activity=activity,
        )

    # -- organisation, staff and tariffs: a few dozen rows, through the ORM ----------------

    def _organisation(self) -> tuple[list[int], list[tuple[int, str]]]:
        campus_ids, branches = [], []
        for code, name, branch_name, address, phone in catalog.CAMPUSES:
            campus = ensure_campus(self.session, name, code)
            branch = ensure_branch(self.session, campus, code, branch_name)
            branch.address = branch.address or address
            branch.phone = branch.phone or phone
            campus_ids.append(campus.id)
            branches.append((branch.id, branch.name))
        for department_code, department, post_code, post in ROLES.values():
            ensure_department(self.session, department_code, department)
            ensure_post(self.session, post_code, post)
        self.session.flush()
        return campus_ids, branches

    def _staff(self, branches: list[tuple[int, str]]) -> tuple[list[DemoLogin], list[int]]:
        departments = dict(self.session.execute(select(Department.code, Department.id)).all())
        posts = dict(self.session.execute(select(Post.code, Post.id)).all())
        post_names = {role: post for role, (_, _, _, post) in ROLES.items()}
        wanted: list[tuple[str, str, int | None, str]] = [("admin", "admin", None, "")]
        for (code, *_), (branch_id, branch_name) in zip(catalog.CAMPUSES, branches, strict=True):
            for post in catalog.BRANCH_POSTS:
                wanted.append((f"{post}_{code.lower()}", post, branch_id, branch_name))
        logins_wanted = [login for login, *_ in wanted]
        # Someone already set up (say, a real admin) keeps their login and password.
        taken = set(self.session.scalars(select(Staff.login).where(Staff.login.in_(logins_wanted))))
        # argon2 is slow by design: one hash per distinct password serves every demo login.
        hashes = {password: hash_password(password) for password in catalog.DEMO_PASSWORDS.values()}
        logins, rows = [], []
        for login, post, branch_id, branch_name in wanted:
            if login in taken:
                continue
            department, password = ROLES[post][0], catalog.DEMO_PASSWORDS[post]
            name = self._person_name()
            rows.append(
                Staff(
                    login=login,
                    name=name,
                    password_hash=hashes[password],
                    department_id=departments[department],
                    post_id=posts[post],
                    branch_id=branch_id,
                    mobile=self._mobile(),
                    active=True,
                    failed_logins=0,
                )
            )
            logins.append(DemoLogin(login, password, name, post_names[post], branch_name))
        self.session.add_all(rows)
        self.session.flush()
        ids = dict(
            self.session.execute(
                select(Staff.login, Staff.id).where(Staff.login.in_(logins_wanted))
            ).all()
        )
        readers = [ids[f"reader_{code.lower()}"] for code, *_ in catalog.CAMPUSES]
        return logins, readers

    def _tariffs(self, class_ids: dict[str, int]) -> int:
        """The demo's prices, for each kind and class that has none yet; how many were added."""
        # Not tariffs.create_tariff: that audits each one, and the demo is one audit event.
        effective_from = self.periods[-1].shift(-12 * catalog.TARIFF_YEARS_BACK).first_day
        priced = set(self.session.execute(select(Tariff.kind, Tariff.customer_class_id)).all())
        added = 0
        for (kind, class_code), (name, components) in catalog.TARIFFS.items():
            if (kind, class_ids[class_code]) in priced:
                continue
            added += 1
            spec = TariffSpec(
                kind=kind,
                customer_class=class_code,
                effective_from=effective_from,
                name=name,
                components=tuple(
                    ComponentSpec(part, tuple(Tier(Decimal(s), Decimal(p)) for s, p in tiers))
                    for part, tiers in components
                ),
            )
            validate_tariff(spec)
            tariff = Tariff(
                kind=kind,
                customer_class_id=class_ids[class_code],
                effective_from=effective_from,
                name=name,
            )
            self.session.add(tariff)
            self.session.flush()
            for position, component in enumerate(spec.components):
                row = TariffComponent(tariff_id=tariff.id, name=component.name, position=position)
                self.session.add(row)
                self.session.flush()
                self.session.add_all(
                    TariffTier(component_id=row.id, start=t.start, unit_price=t.unit_price)
                    for t in component.tiers
                )
        self.session.flush()
        return added

    # -- accounts --------------------------------------------------------------------------

    def _person_name(self) -> str:
        rng = self.rng
        given = rng.choice(catalog.GIVEN_NAMES)
        if rng.random() < 0.7:
            given += rng.choice(catalog.GIVEN_NAMES)
        return rng.choice(catalog.SURNAMES) + given

    def _mobile(self) -> str:
        return f"1{self.rng.choice('3578')}{self.rng.randrange(10**9):09d}"

    def _plan_accounts(self, total: int) -> tuple[list[_AccountPlan], list[tuple[int, str]]]:
        """Accounts fill buildings room by room; 户号 = campus, class, then a sequence."""
        rng = self.rng
        plans: list[_AccountPlan] = []
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
                        _AccountPlan(
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
        plans: list[_AccountPlan],
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

    def _plan_meters(self, plans: list[_AccountPlan]) -> list[Point]:
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

    def _plan_events(self, points: list[Point], accounts: int) -> None:
        """Give a few distinct metering points one event each, in a month where it can show."""
        rng = self.rng
        months = len(self.periods)
        wanted = (
            # event, how many, first and last month, which points
            (WRAP, max(1, accounts // 5000), 1, months - 1, lambda p: p.meter.digits == 4),
            (REPLACE, max(2, accounts // 5000), 1, months - 2, lambda p: p.meter.multiplier == 1),
            # A surge needs 3 months of usage to stand out against.
            (SURGE_EVENT, max(3, accounts // 1000), 4, months - 1, lambda p: True),
            (MISREAD, max(2, accounts // 2500), 1, months - 1, lambda p: True),
            (UNREAD, max(2, accounts // 1000), 1, months - 1, lambda p: True),
        )
        free = list(range(len(points)))
        rng.shuffle(free)
        for event, count, first, last, eligible in wanted:
            if last < first:
                continue
            for index in [i for i in free if eligible(points[i])][:count]:
                points[index].event = event
                points[index].event_month = rng.randint(first, last)
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
        self, points: list[Point], plans: list[_AccountPlan], building_ids: list[int]
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
        plans: list[_AccountPlan],
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
        self, points: list[Point], reader_ids: list[int], counts: _Counts
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
                found = []
                for point in chunk:
                    reader = reader_ids[point.campus]
                    replaced = point_readings(point, schedule, reader, self.rng, rows)
                    if replaced:
                        found.append(replaced)
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
