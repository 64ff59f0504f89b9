"""Demo data (演示数据): a plausible university service center, written in one transaction.

Three campuses with their counters, staff with known passwords, tariffs, accounts of the
three customer classes, their meters and `months` of monthly readings with seasons and a
few anomalies: held misreadings, surges, rollovers, unread months, meter replacements.

Every reading is judged by `usage_rules.assess` as `readings.record_reading` would have judged
it, entered in date order: against the meter's latest accepted reading, with the meter's
accepted usage per calendar month as the surge history, both kept in memory per meter
(see demo.readings). What the demo looks like is in demo.catalog.

Then, unless told not to, the centre's past year is replayed through the real services up
to the caller's clock (demo.activity, with demo.counter and demo.residents): the last 12
complete months billed and mostly paid at the counters, today's receipts, readings with
photos, bindings and requests waiting, published notices. That part goes at the services'
pace (300 accounts in about 10 s).

Speed: 50,000 accounts (100,000 meters, 1.3 million readings) load in about half a
minute on two cores (demo.load). The bulk tables are written with COPY, readings in chunks on a
second thread while the next chunk is judged; their foreign keys are checked once at the
end instead of row by row, and ids are reserved in one step. All of it happens in the
caller's transaction, which commits or rolls back as a whole.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

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
from server.db.models.accounts import PREPAID
from server.demo import activity as demo_activity
from server.demo import catalog
from server.demo import masters as demo_masters
from server.demo.activity import ActivitySummary
from server.demo.centre import DemoAccount, Miskey
from server.demo.control import seed_control
from server.demo.load import (
    BULK_TABLES,
    BulkLoad,
    Progress,
    ReadingCounts,
    foreign_keys_checked_after,
)
from server.demo.readings import MISKEY, UNREAD
from server.services.billing.tariffs import ComponentSpec, TariffSpec, Tier, validate_tariff
from server.services.core import audit
from server.services.core.audit import Actor
from server.services.core.calendar import Period
from server.services.core.errors import DomainError
from server.services.staff.org import (
    ROLES,
    ensure_branch,
    ensure_campus,
    ensure_department,
    ensure_post,
)
from server.services.staff.sign_in import hash_password


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
    prepaid_control: bool = False,
) -> DemoSummary:
    """Fill an empty database with demo data; a seed and a clock always give the same data.

    `now` is the demo's present (the CLI passes the real clock). `months` of readings end
    at `end_period` (default: `now`'s month, read only up to `now`). With `in_use` the
    centre's past year is then replayed through the services up to `now` (demo.activity:
    the last 12 complete months billed and mostly paid, today's receipts, reviews,
    bindings, requests, notices). With `master_meters` every building gets master meters
    over its meters, a few of them leaking (demo.masters); the rest of the data is the same
    either way. With `prepaid_control` (and `in_use`) the classes get 费控 thresholds and a
    few prepaid accounts run out, one lab under 保电 (demo.control). The caller commits.
    Refused if the database already has accounts.
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
    if prepaid_control and in_use:
        seed_control(session, now)
    audit.record(session, actor, "demo.generate", "database", None, summary.as_json())
    session.flush()
    return summary


class _Generator(BulkLoad):
    # The replay of the year draws from a stream of its own (see generate_demo_data).
    activity_rng: random.Random | None = None

    def run(self, accounts: int, seed: int) -> DemoSummary:
        campus_ids, branches = self._organisation()
        logins, reader_ids = self._staff(branches)
        class_ids = dict(self.session.execute(select(CustomerClass.code, CustomerClass.id)).all())
        tariffs = self._tariffs(class_ids)
        self.report("组织机构、人员与价格", 1, 1)

        plans, buildings = self._plan_accounts(accounts)
        points = self._plan_meters(plans)
        self._plan_events(points, plans)
        counts = ReadingCounts()
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
            demo_accounts = [
                DemoAccount(p.id, p.account_no, p.holder_name, p.class_code, p.campus,
                            building_ids[p.building], p.billing_mode, p.mobile)
                for p in plans
            ]  # fmt: skip
            # What the readings left for the replay to correct: the figures keyed over the
            # dial, and the month with unread meters, billed on estimates.
            miskeys = tuple(
                Miskey(
                    p.meter.meter_no, self.periods[p.event_month], Decimal(p.keyed_over).scaleb(-3)
                )
                for p in points
                if p.event == MISKEY and p.keyed_over
            )
            unread = min((self.periods[p.event_month] for p in points if p.event == UNREAD),
                         default=None)  # fmt: skip
            activity = demo_activity.replay(
                self.session, self.activity_rng, demo_accounts, self.periods, self.cap,
                self.report, miskeys=miskeys, estimate_in=unread,
            )  # fmt: skip

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
        for login, post, staff_branch, branch_name in wanted:
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
                    branch_id=staff_branch,
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
