"""The demo centre in use: its past year of work replayed through the real services.

After demo.data has written the accounts, meters and readings, this replays what the
centre did with them, in date order, under the simulated clock of demo.clock:

- each of the last 12 complete months is billed (run_billing) on the 2nd of the next
  month at 09:00 by the manager of the first campus;
- residents pay at their campus's counter (take_payment) on working days: most within a
  month of each bill, some every two or three months, a few in part (partial payers), a
  few stop paying months ago (arrears); prepaid accounts top up when a bill has drawn
  their balance low. Each counter's clerk opens the till (open_till) on a day with
  payments and closes it (close_till) with the cash the day expects;
- today every branch has taken a handful of payments and its clerk's till is still open;
- two residents registered on WeChat and had accounts bound a month and a half ago; they
  and a few others raised bindings (some past their 1-working-day deadline, one whose
  claim does not match), service requests of each kind (some past their SLA, some
  answered), and the two bound residents read their own meters today with a photo of
  the dial; two readers entered a misread figure with a photo: all four wait for review;
- the office has published its FAQ, contacts, tips, a notice and an outage ahead.

Everything is attributed to the demo staff or WeChat users and audited by the services;
the choices come from the caller's random stream, so a seed and a clock give the same
centre. Amounts are whatever the real services make of the demo's readings and tariffs.
"""

from __future__ import annotations

import io
import math
import random
import re
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import ROUND_DOWN, Decimal
from typing import Any

from PIL import Image, ImageDraw, ImageFont
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from server.db.models import (
    Account,
    Bill,
    Binding,
    Branch,
    Meter,
    Payment,
    Reading,
    Receipt,
    ServiceRequest,
    TillSession,
)
from server.db.models.accounts import PREPAID
from server.db.models.companion import BINDING_PENDING, REQUEST_ANSWERED, REQUEST_OPEN
from server.db.models.metering import ELECTRICITY, HELD
from server.db.models.payments import CASH, CHEQUE, TRANSFER
from server.demo import catalog
from server.demo.clock import simulated_clock
from server.services.billing.billing_run import run_billing
from server.services.billing.bills import OPEN_STATUSES, paid_on_bill
from server.services.collection.payments import (
    PaymentRequest,
    amount_owed,
    open_items,
    take_payment,
)
from server.services.collection.till import close_till, open_till
from server.services.core.calendar import BUSINESS_TZ, Period, business_datetime
from server.services.core.money import ZERO
from server.services.core.photos import store_photo
from server.services.core.workdays import WorkCalendar, request_due
from server.services.metering.field_readings import field_reading
from server.services.metering.readings import latest_accepted_before, meter_by_no
from server.services.metering.usage_rules import KIND_UNITS
from server.services.residents.bindings import approve_binding, my_bindings, request_binding
from server.services.residents.bulletins import publish_notice
from server.services.residents.portal import MeterChoice, bound_meters, self_read
from server.services.residents.service_requests import (
    SLOTS,
    RequestSpec,
    answer_request,
    raise_request,
)
from server.services.residents.wechat_users import Resident, follower, register_phone, send_code
from server.services.staff.sign_in import StaffIdentity, staff_identity

Progress = Callable[[str, int, int], None]

BILLED_MONTHS = 12
BILL_DAY, BILL_TIME = 2, time(9, 0)  # the run of month P on the 2nd of the next month
COUNTER_OPENS, COUNTER_CLOSES = 8 * 60 + 30, 17 * 60  # minutes of the day
# Of the postpaid accounts: how many stop paying (and 3–5 bills ago) and how many pay part.
ARREARS_PER, PARTIAL_PER = 25, 40
ARREARS_MONTHS = (3, 5)
# How often the others come to pay (every month, every 2 or 3 months) and how likely.
PAYING_EVERY = ((1, 0.5), (2, 0.35), (3, 0.15))
SKIP_A_MONTH = 0.07
PAY_WITHIN_DAYS = (3, 27)
TOP_UP_WITHIN_DAYS = (1, 12)
TOP_UP_STEP = {catalog.RESIDENT: 50, catalog.DORMITORY: 50, catalog.UNIT: 1000}
# Channels by class: (channel, weight).
CHANNELS = {
    catalog.RESIDENT: ((CASH, 7), (TRANSFER, 3)),
    catalog.DORMITORY: ((CASH, 17), (TRANSFER, 3)),
    catalog.UNIT: ((TRANSFER, 3), (CHEQUE, 2)),
}
BANKS = ("中国工商银行", "中国建设银行", "中国农业银行", "中国银行", "交通银行")
TODAY_RECEIPTS = (4, 6)  # per branch, at least

BOUND_OPENIDS = ("o-demo-resident-1", "o-demo-resident-2")
PENDING_OPENIDS = tuple(f"o-demo-applicant-{i}" for i in range(1, 5))
_CODE = re.compile(r"验证码 (\d{6})")


@dataclass(frozen=True)
class DemoAccount:
    """What the replay needs of a demo account."""

    account_id: int
    account_no: str
    holder_name: str
    class_code: str
    campus: int  # index into catalog.CAMPUSES
    building_id: int
    billing_mode: str
    mobile: str


@dataclass(frozen=True)
class BranchDay:
    branch: str
    receipts: int
    amount: Decimal


@dataclass(frozen=True)
class ActivitySummary:
    billed_periods: tuple[str, ...]
    bills: int
    bills_open: int
    bills_partial: int
    billed: Decimal
    payments: int
    collected: Decimal
    top_ups: int
    tills: int
    arrears: Decimal
    arrears_accounts: tuple[str, ...]  # chosen to stop paying
    partial_accounts: tuple[str, ...]  # chosen to pay part
    today: tuple[BranchDay, ...]
    photo_reviews: int  # readings with a photo waiting for review
    bound: tuple[tuple[str, str], ...]  # (openid, account_no) of the bound residents
    bindings_pending: int
    bindings_overdue: int
    requests_open: int
    requests_overdue: int
    requests_answered: int
    notices: int

    def describe(self) -> list[str]:
        periods = self.billed_periods
        span = f"{periods[0]} 至 {periods[-1]}" if periods else "无"
        lines = [
            f"已出账 {len(periods)} 个月（{span}）：账单 {self.bills} 张，"
            f"金额 {self.billed}；未缴 {self.bills_open} 张，部分缴费 {self.bills_partial} 张",
            f"收款 {self.payments} 笔，{self.collected} 元（其中预收费充值 {self.top_ups} 笔），"
            f"日结 {self.tills} 班",
            f"欠费 {self.arrears} 元；长期欠费户号：{'、'.join(self.arrears_accounts) or '无'}；"
            f"部分缴费户号：{'、'.join(self.partial_accounts) or '无'}",
            "今日收款（班次未日结）："
            + "，".join(f"{d.branch} {d.receipts} 笔 {d.amount} 元" for d in self.today),
            f"待审核的带照片读数 {self.photo_reviews} 条；待审核绑定 {self.bindings_pending} 条"
            f"（超期 {self.bindings_overdue}）；处理中诉求 {self.requests_open} 条"
            f"（超时 {self.requests_overdue}），已答复 {self.requests_answered} 条；"
            f"公告 {self.notices} 条",
            "已绑定户号的演示微信用户（H5 开发登录 openid → 户号）："
            + "，".join(f"{openid} → {no}" for openid, no in self.bound),
        ]
        return lines

    def as_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {}
        for key, value in self.__dict__.items():
            if isinstance(value, Decimal):
                value = str(value)
            elif key == "today":
                value = [[d.branch, d.receipts, str(d.amount)] for d in value]
            data[key] = value
        return data


@dataclass(order=True)
class _Visit:
    """Someone coming to a counter on a day: to pay their bills or top up."""

    minute: int
    account: int = field(compare=False)  # index into the accounts
    top_up: bool = field(default=False, compare=False)


def replay(
    session: Session,
    rng: random.Random,
    accounts: Sequence[DemoAccount],
    periods: Sequence[Period],
    moment: datetime,
    progress: Progress,
) -> ActivitySummary:
    """Replay the centre's year up to `moment` (see the module's doc); the caller commits."""
    return _Replay(session, rng, accounts, periods, moment.astimezone(BUSINESS_TZ), progress).run()


class _Replay:
    def __init__(
        self,
        session: Session,
        rng: random.Random,
        accounts: Sequence[DemoAccount],
        periods: Sequence[Period],
        moment: datetime,
        progress: Progress,
    ):
        self.session = session
        self.rng = rng
        self.accounts = list(accounts)
        self.moment = moment
        self.today = moment.date()
        self.report = progress
        # Months with a month of readings before them, complete by now: the last 12.
        complete = [p for p in periods[1:] if p.end + timedelta(minutes=2) <= moment]
        self.billed = complete[-BILLED_MONTHS:]
        self.work = WorkCalendar({})
        codes = [code for code, *_ in catalog.CAMPUSES]
        self.codes = codes
        self.clerks = [staff_identity(session, f"clerk_{c.lower()}") for c in codes]
        self.managers = [staff_identity(session, f"manager_{c.lower()}") for c in codes]
        self.readers = [staff_identity(session, f"reader_{c.lower()}") for c in codes]
        self.visits: dict[date, list[_Visit]] = defaultdict(list)
        self.references = 0
        self.set_now: Callable[[datetime], None] = lambda moment: None
        self.top_ups = 0

    def run(self) -> ActivitySummary:
        rng = self.rng
        bound = self._choose_bound()
        postpaid = [i for i, a in enumerate(self.accounts)
                    if a.billing_mode != PREPAID and i not in bound]  # fmt: skip
        rng.shuffle(postpaid)
        arrears = postpaid[: max(2, len(postpaid) // ARREARS_PER)]
        partial = postpaid[len(arrears) : len(arrears) + max(1, len(postpaid) // PARTIAL_PER)]
        self.partial = set(partial)
        # The first bound resident has yet to pay the latest bill: one to pay on the phone.
        self.pays_online = [i for i in bound[:1] if self.accounts[i].billing_mode != PREPAID]
        months = len(self.billed)
        # The window (billing run) from which each account stops paying.
        self.stops = {i: months - rng.randint(*ARREARS_MONTHS) for i in arrears}
        # Partial payers come every month (their remainder is carried to the next visit).
        self.every = {
            i: 1 if i in self.partial else rng.choices(*zip(*PAYING_EVERY, strict=True))[0]
            for i in range(len(self.accounts))
        }
        self.offset = {i: rng.randrange(self.every[i]) for i in range(len(self.accounts))}
        with simulated_clock(self.session) as set_now:
            self.set_now = set_now
            self._bind_residents(bound)
            self._replay_year()
            today = self._today()
            photos = self._photo_readings()
            self._bindings_waiting()
            self._requests()
            notices = self._notices(bound)
            self.report("绑定、诉求、待审核读数与公告", 1, 1)
        return self._summary(arrears, partial, today, photos, notices)

    # -- the year's bills and payments -----------------------------------------------------

    def _bill_moment(self, period: Period) -> datetime:
        planned = business_datetime(period.shift(1).first_day.replace(day=BILL_DAY), BILL_TIME)
        # A run not due yet by the clock happens early today, before today's payments.
        return max(
            period.end + timedelta(minutes=1), min(planned, self.moment - timedelta(hours=2))
        )

    def _replay_year(self) -> None:
        runs = {self._bill_moment(p).date(): p for p in self.billed}
        if not runs:
            return
        day = min(runs)
        while day < self.today:
            if day in runs:
                self._billing_run(runs[day], len([d for d in runs if d <= day]) - 1)
            self._counter_day(day, self.visits.pop(day, []), close=True)
            day += timedelta(days=1)
        if self.today in runs:
            self._billing_run(runs[self.today], len(runs) - 1)

    def _billing_run(self, period: Period, window: int) -> None:
        moment = self._bill_moment(period)
        self.set_now(moment)
        run_billing(self.session, self.managers[0].actor, period)
        rng = self.rng
        for index, account in enumerate(self.accounts):
            if account.billing_mode == PREPAID:
                continue
            if index in self.stops and window >= self.stops[index]:
                continue
            if index in self.pays_online and window == len(self.billed) - 1:
                continue
            every = self.every[index]
            if (window - self.offset[index]) % every:
                continue
            # Only a monthly payer lets a month go by: the next visit pays both.
            if every == 1 and rng.random() < SKIP_A_MONTH:
                continue
            self._plan_visit(moment.date(), PAY_WITHIN_DAYS, index)
        self._plan_top_ups(period, moment.date())
        self.report("出账与收款", window + 1, len(self.billed))

    def _plan_top_ups(self, period: Period, billed_on: date) -> None:
        """Prepaid accounts whose balance is under this month's bill top up soon."""
        index = {a.account_id: i for i, a in enumerate(self.accounts)}
        low = self.session.execute(
            select(Account.id)
            .join(Bill, Bill.account_id == Account.id)
            .where(Bill.period == str(period), Account.billing_mode == PREPAID)
            .where(Account.balance < Bill.total)
            .order_by(Account.id)
        ).scalars()
        for account_id in low:
            if account_id in index:
                self._plan_visit(billed_on, TOP_UP_WITHIN_DAYS, index[account_id], top_up=True)

    def _plan_visit(
        self, after: date, within: tuple[int, int], index: int, top_up: bool = False
    ) -> None:
        day = after + timedelta(days=self.rng.randint(*within))
        while not self.work.is_workday(day):
            day += timedelta(days=1)
        minute = self.rng.randrange(COUNTER_OPENS + 10, COUNTER_CLOSES)
        self.visits[day].append(_Visit(minute, index, top_up))

    def _counter_day(self, day: date, visits: list[_Visit], *, close: bool) -> None:
        """Each branch with visitors: the clerk opens the till, takes what is owed, closes."""
        by_campus: dict[int, list[_Visit]] = defaultdict(list)
        for visit in sorted(visits):
            by_campus[self.accounts[visit.account].campus].append(visit)
        for campus in sorted(by_campus):
            clerk = self.clerks[campus]
            first = by_campus[campus][0].minute
            self.set_now(self._at(day, max(0, min(COUNTER_OPENS, first - 1))))
            open_till(self.session, clerk.actor, ZERO)
            drawer = ZERO
            for visit in by_campus[campus]:
                self.set_now(self._at(day, visit.minute))
                drawer += self._pay(clerk, visit, day)
            if close:
                # The clerk counts the drawer: the cash taken, as the float was nil.
                self.set_now(self._at(day, COUNTER_CLOSES + 20))
                close_till(self.session, clerk.actor, drawer)

    def _at(self, day: date, minute: int) -> datetime:
        return business_datetime(day) + timedelta(minutes=minute)

    def _pay(self, clerk: StaffIdentity, visit: _Visit, day: date) -> Decimal:
        """Take the visitor's money (if they owe any after all); the cash it left."""
        account = self.accounts[visit.account]
        amount = self._amount(account, visit, day)
        if amount <= 0:
            return ZERO
        rng = self.rng
        channels = CHANNELS[account.class_code]
        [channel] = rng.choices([c for c, _ in channels], [w for _, w in channels])
        reference = bank = ""
        tendered = None
        self.references += 1
        if channel == TRANSFER:
            reference = f"{day:%Y%m%d}{self.references:06d}"
            bank = rng.choice(BANKS) if rng.random() < 0.5 else ""
        elif channel == CHEQUE:
            reference, bank = f"{30000000 + self.references:08d}", rng.choice(BANKS)
        elif rng.random() < 0.4:
            step = 100 if amount > 50 else 50
            tendered = Decimal(math.ceil(amount / step) * step)
        request = PaymentRequest(
            account.account_no,
            amount,
            channel,
            self.codes[account.campus],
            reference=reference,
            bank=bank,
            tendered=tendered,
        )
        take_payment(self.session, clerk.actor, request)
        self.top_ups += visit.top_up
        return amount if channel == CASH else ZERO

    def _amount(self, account: DemoAccount, visit: _Visit, day: date) -> Decimal:
        if visit.top_up:
            balance, largest = self.session.execute(
                select(Account.balance, func.max(Bill.total))
                .outerjoin(Bill, Bill.account_id == Account.id)
                .where(Account.id == account.account_id)
                .group_by(Account.balance)
            ).one()
            step = TOP_UP_STEP[account.class_code]
            # Enough for three to five of its dearest months.
            wanted = (largest or Decimal(step)) * self.rng.choice((3, 4, 5)) - balance
            return Decimal(max(1, math.ceil(wanted / step)) * step)
        owed = amount_owed(open_items(self.session, account.account_id, day))
        if visit.account in self.partial and owed > 20:
            share = owed * Decimal(self.rng.uniform(0.4, 0.8))
            return (share / 10).quantize(Decimal(1), ROUND_DOWN) * 10
        return owed

    # -- today ------------------------------------------------------------------------------

    def _today(self) -> tuple[BranchDay, ...]:
        """Today's visitors, and a few more at branches with fewer than a handful, before now;
        the tills stay open."""
        rng = self.rng
        # Who meant to come today, and whether to top up.
        planned = {v.account: v.top_up for v in self.visits.pop(self.today, [])}
        start = max(0, min(COUNTER_OPENS, self._minute_now() - 90))
        if self.billed and (billed := self._bill_moment(self.billed[-1])).date() == self.today:
            start = max(start, billed.hour * 60 + billed.minute + 1)
        end = max(start + 1, min(COUNTER_CLOSES, self._minute_now() - 1))
        visits = []
        for campus in range(len(self.codes)):
            wanted = rng.randint(*TODAY_RECEIPTS)
            here = [i for i, a in enumerate(self.accounts) if a.campus == campus
                    and i not in self.stops and i not in self.pays_online]  # fmt: skip
            rng.shuffle(here)
            here.sort(key=lambda i: i not in planned)
            for index in here:
                if wanted <= 0 and index not in planned:
                    break
                top_up = planned.get(index, self.accounts[index].billing_mode == PREPAID)
                if top_up or open_items(self.session, self.accounts[index].account_id, self.today):
                    visits.append(_Visit(rng.randrange(start, end), index, top_up))
                    wanted -= 1
        self._counter_day(self.today, visits, close=False)
        self.report("今日收款", 1, 1)
        return self._today_figures()

    def _minute_now(self) -> int:
        return self.moment.hour * 60 + self.moment.minute

    def _today_figures(self) -> tuple[BranchDay, ...]:
        start = business_datetime(self.today)
        rows = self.session.execute(
            select(Branch.name, func.count(Receipt.id), func.sum(Receipt.total))
            .join(Branch, Branch.id == Receipt.branch_id)
            .where(Receipt.issued_at >= start, Receipt.issued_at < start + timedelta(days=1))
            .group_by(Branch.code, Branch.name)
            .order_by(Branch.code)
        ).all()
        return tuple(BranchDay(name, count, total) for name, count, total in rows)

    # -- residents on WeChat ----------------------------------------------------------------

    def _choose_bound(self) -> list[int]:
        """A postpaid and a prepaid resident household of the first campus (or any)."""
        chosen = []
        for mode_prepaid in (False, True):
            candidates = [
                i for i, a in enumerate(self.accounts)
                if a.class_code == catalog.RESIDENT and (a.billing_mode == PREPAID) == mode_prepaid
            ]  # fmt: skip
            if candidates:
                chosen.append(self.rng.choice(candidates))
        return chosen

    def _register(self, openid: str, phone: str, ip: str) -> Resident:
        """关注 and 注册 with the SMS code the resident receives."""
        resident = follower(self.session, openid)
        inbox = _Inbox()
        send_code(self.session, resident.user_id, phone, inbox, ip)
        answer = register_phone(self.session, resident.user_id, phone, inbox.code())
        assert not answer, answer
        return resident

    def _bind_residents(self, bound: list[int]) -> None:
        self.bound: list[tuple[Resident, DemoAccount]] = []
        when = business_datetime(self._workday_before(45), time(10, 0))
        for n, (openid, index) in enumerate(zip(BOUND_OPENIDS, bound, strict=False)):
            account = self.accounts[index]
            self.set_now(when + timedelta(minutes=20 * n))
            resident = self._register(openid, account.mobile, f"10.8.1.{n + 1}")
            request_binding(
                self.session, resident.user_id, account.account_no, account.holder_name,
                f"10.8.1.{n + 1}",
            )  # fmt: skip
            [binding] = my_bindings(self.session, resident.user_id)
            self.set_now(when + timedelta(hours=3, minutes=20 * n))
            approve_binding(self.session, self.managers[account.campus].actor, binding.binding_id)
            self.bound.append((resident, account))

    def _workday_before(self, days: int) -> date:
        day = self.today - timedelta(days=days)
        while not self.work.is_workday(day):
            day -= timedelta(days=1)
        return day

    def _bindings_waiting(self) -> None:
        """Four requests: two inside the deadline, two past it; one claim does not match."""
        rng = self.rng
        residents = [i for i, a in enumerate(self.accounts) if a.class_code == catalog.RESIDENT]
        taken = {a.account_no for _, a in self.bound}
        choices = [i for i in residents if self.accounts[i].account_no not in taken]
        picks = rng.sample(choices, min(len(choices), len(PENDING_OPENIDS)))
        moments = (
            business_datetime(self._workday_before(8), time(9, 40)),
            business_datetime(self._workday_before(4), time(15, 10)),
            self.moment - timedelta(hours=5),
            self.moment - timedelta(minutes=25),
        )
        claims = ("holder", "mobile", "wrong", "holder")
        for n, (openid, index, when, claim) in enumerate(
            zip(PENDING_OPENIDS, picks, moments, claims, strict=False)
        ):
            account = self.accounts[index]
            self.set_now(when)
            ip = f"10.8.2.{n + 1}"
            resident = self._register(openid, _phone(rng), ip)
            typed = {
                "holder": account.holder_name,
                "mobile": account.mobile,
                "wrong": f"{account.holder_name[0]}先生",
            }[claim]
            request_binding(self.session, resident.user_id, account.account_no, typed, ip)

    # -- service requests -------------------------------------------------------------------

    def _requests(self) -> None:
        """Requests of every kind from the bound residents: open within and past their SLA,
        and answered ones."""
        if not self.bound:
            return
        first, second = self.bound if len(self.bound) > 1 else self.bound * 2
        past = business_datetime(self._workday_before(3), time(10, 5))
        older = business_datetime(self._workday_before(6), time(14, 30))
        oldest = business_datetime(self._workday_before(10), time(9, 15))
        recent = self.moment - timedelta(minutes=40)
        soon = self.today + timedelta(days=3)

        def spec(who: tuple[Resident, DemoAccount], kind: str, topic: str, text: str,
                 **more: Any) -> tuple[Resident, DemoAccount, RequestSpec]:  # fmt: skip
            account = who[1]
            home = f"{catalog.CAMPUSES[account.campus][1]}{account.holder_name}家"
            if kind in ("fault", "visit"):
                more.setdefault("place", home)
            return who[0], account, RequestSpec(
                kind, topic, text, contact_phone=account.mobile, **more
            )  # fmt: skip

        wanted = [
            (oldest, spec(second, "complaint", "表扬",
                          "上次上门更换水表的师傅很细心，走前把地面也收拾干净了，谢谢！"),
             "感谢您的肯定，我们会转达给维修班组。"),
            (older, spec(first, "energy", "跑冒滴漏", "教学楼三楼男卫生间水龙头一直滴水，关不紧。",
                         place="第一教学楼三楼男卫生间"),
             "已安排维修人员更换水龙头阀芯，感谢您的反馈。"),
            (past, spec(first, "fault", "表计故障", "电表屏幕不亮，不知道是否还在计量。",
                        account_id=first[1].account_id), ""),
            (past + timedelta(minutes=50), spec(
                second, "visit", "故障检查", "家里跳闸后一直合不上，请派人上门检查线路。",
                slot=f"{(past + timedelta(days=2)).date().isoformat()} {SLOTS[0]}"), ""),
            (recent - timedelta(minutes=30), spec(
                second, "visit", "入住登记", "下周搬入，请上门登记水电表起码。",
                slot=f"{soon.isoformat()} {SLOTS[1]}"), ""),
            (recent, spec(first, "service", "计量疑问",
                          "本月电费比上月高了不少，想请核对一下电表读数。",
                          account_id=first[1].account_id), ""),
        ]  # fmt: skip
        for when, (resident, account, request), answer in wanted:
            self.set_now(when)
            photo = None
            if request.kind == "fault":
                # The resident's photo of the meter with its display dark.
                meter = self._electricity_meter(resident)
                picture = dial_photo(meter.meter_no if meter else "", None, ELECTRICITY)
                photo = store_photo(self.session, picture).photo_id
            request_id = raise_request(
                self.session, resident.actor, request, wechat_user_id=resident.user_id,
                photo_id=photo,
            )  # fmt: skip
            if answer:
                self.set_now(request_due(self.session, when) - timedelta(minutes=35))
                answer_request(
                    self.session, self.managers[account.campus].actor, request_id, answer
                )

    def _electricity_meter(self, resident: Resident) -> MeterChoice | None:
        meters = [m for m in bound_meters(self.session, resident.user_id)
                  if m.kind == ELECTRICITY and m.last_value is not None]  # fmt: skip
        return meters[0] if meters else None

    # -- readings with photos ---------------------------------------------------------------

    def _photo_readings(self) -> int:
        """The bound residents read their electricity meters; two readers misread a figure."""
        count = 0
        for n, (resident, _) in enumerate(self.bound):
            meter = self._electricity_meter(resident)
            if meter is None or meter.last_value is None:
                continue
            self.set_now(self.moment - timedelta(minutes=75 - 20 * n))
            value = _ahead(meter_by_no(self.session, meter.meter_no).digits, meter.last_value,
                           Decimal(self.rng.randint(300, 2500)) / 100)  # fmt: skip
            photo = dial_photo(meter.meter_no, value, meter.kind)
            self_read(self.session, resident, meter.meter_no, str(value), photo)
            count += 1
        # A reader typed two digits the wrong way round; the photo shows the dial.
        taken = {m.meter_no for r, _ in self.bound for m in bound_meters(self.session, r.user_id)}
        for campus in (1, 2):
            if campus >= len(self.readers):
                continue
            meter_no = self._misread_candidate(campus, taken)
            if meter_no is None:
                continue
            meter = meter_by_no(self.session, meter_no)
            self.set_now(self.moment - timedelta(minutes=150 - 30 * campus))
            last = latest_accepted_before(self.session, meter.id, self.moment)
            assert last is not None
            true = _ahead(meter.digits, last.value, Decimal(self.rng.randint(200, 900)) / 100)
            typed = _misread(true)
            if typed >= last.value:
                continue
            field_reading(
                self.session, self.readers[campus], meter_no, str(typed),
                dial_photo(meter_no, true, meter.kind), "照片与读数请核对",
            )  # fmt: skip
            count += 1
        return count

    def _misread_candidate(self, campus: int, taken: set[str]) -> str | None:
        ids = [a.account_id for a in self.accounts
               if a.campus == campus and a.class_code == catalog.RESIDENT]  # fmt: skip
        held = select(Reading.meter_id).where(Reading.status == HELD)
        rows = self.session.scalars(
            select(Meter.meter_no)
            .where(Meter.account_id.in_(ids), Meter.kind == ELECTRICITY, Meter.status == "active")
            .where(Meter.id.not_in(held), Meter.meter_no.not_in(taken))
            .order_by(Meter.meter_no)
        ).all()
        return self.rng.choice(rows) if rows else None

    # -- published notices ------------------------------------------------------------------

    def _notices(self, bound: list[int]) -> int:
        manager = self.managers[0].actor
        branches = "\n".join(
            f"{branch}：{address}，电话 {phone}（工作日 8:30–11:30、14:30–17:00）"
            for _, _, branch, address, phone in catalog.CAMPUSES
        )
        items = [(kind, title, body) for kind, title, body in NOTICES]
        items.insert(1, ("contact", "联系我们", f"水电保障中心各校区分中心：\n{branches}"))
        published = 0
        for n, (kind, title, body) in enumerate(items):
            self.set_now(business_datetime(self._workday_before(60 - 6 * n), time(10, 0)))
            publish_notice(self.session, manager, kind, title, body)
            published += 1
        if bound:
            building = self.accounts[bound[0]].building_id
            starts = business_datetime(self.today + timedelta(days=2), time(8, 30))
            self.set_now(self.moment - timedelta(hours=2))
            publish_notice(
                self.session, manager, "outage", "计划停电通知",
                "因配电设备检修，届时该楼栋将停电，请提前做好准备。给您带来不便，敬请谅解。",
                building_ids=(building,), starts_at=starts,
                ends_at=starts + timedelta(hours=3, minutes=30),
            )  # fmt: skip
            published += 1
        return published

    # -- what came of it --------------------------------------------------------------------

    def _summary(
        self,
        arrears: list[int],
        partial: list[int],
        today: tuple[BranchDay, ...],
        photos: int,
        notices: int,
    ) -> ActivitySummary:
        session = self.session
        bills, billed, open_, part = session.execute(
            select(
                func.count(),
                func.coalesce(func.sum(Bill.total), ZERO),
                func.count().filter(Bill.status == "open"),
                func.count().filter(Bill.status == "partial"),
            )
        ).one()
        owed = session.scalar(
            select(func.coalesce(func.sum(Bill.total - paid_on_bill()), ZERO)).where(
                Bill.status.in_(OPEN_STATUSES)
            )
        )
        payments, collected = session.execute(
            select(func.count(), func.coalesce(func.sum(Payment.amount), ZERO))
        ).one()
        pending = Binding.status == BINDING_PENDING
        bindings, bindings_late = session.execute(
            select(func.count(), func.count().filter(Binding.due_at < self.moment)).where(pending)
        ).one()
        is_open = ServiceRequest.status == REQUEST_OPEN
        requests, late, answered = session.execute(
            select(
                func.count().filter(is_open),
                func.count().filter(is_open, ServiceRequest.due_at < self.moment),
                func.count().filter(ServiceRequest.status == REQUEST_ANSWERED),
            )
        ).one()
        tills = session.scalar(select(func.count()).select_from(TillSession))
        return ActivitySummary(
            billed_periods=tuple(str(p) for p in self.billed),
            bills=bills,
            bills_open=open_,
            bills_partial=part,
            billed=billed,
            payments=payments,
            collected=collected,
            top_ups=self.top_ups,
            tills=tills or 0,
            arrears=owed,
            arrears_accounts=tuple(sorted(self.accounts[i].account_no for i in arrears)),
            partial_accounts=tuple(sorted(self.accounts[i].account_no for i in partial)),
            today=today,
            photo_reviews=photos,
            bound=tuple((r.openid, a.account_no) for r, a in self.bound),
            bindings_pending=bindings,
            bindings_overdue=bindings_late,
            requests_open=requests,
            requests_overdue=late,
            requests_answered=answered,
            notices=notices,
        )


class _Inbox:
    """The resident's phone: keeps the SMS the code comes in."""

    def __init__(self) -> None:
        self.texts: list[str] = []

    def send(self, phone: str, text: str) -> None:
        self.texts.append(text)

    def code(self) -> str:
        found = _CODE.search(self.texts[-1])
        assert found is not None, self.texts[-1]
        return found.group(1)


def _phone(rng: random.Random) -> str:
    return f"1{rng.choice('3578')}{rng.randrange(10**9):09d}"


def _ahead(digits: int, value: Decimal, usage: Decimal) -> Decimal:
    """The register `usage` on from `value`, wrapping as the meter does."""
    return ((value + usage) % Decimal(10) ** digits).quantize(Decimal("0.001"))


def _misread(value: Decimal) -> Decimal:
    """A typical slip that gives a lower figure: the first two adjacent whole digits that
    fall swapped round, else the last whole digit left out."""
    whole, _, fraction = f"{value:.3f}".partition(".")
    for i in range(len(whole) - 1):
        if whole[i] > whole[i + 1]:
            swapped = f"{whole[:i]}{whole[i + 1]}{whole[i]}{whole[i + 2 :]}"
            return Decimal(f"{swapped}.{fraction}")
    return Decimal(f"{whole[:-1] or 0}.{fraction}")


def dial_photo(meter_no: str, value: Decimal | None, kind: str) -> bytes:
    """A JPEG of a meter's face showing `value` in its register window (blank if None)."""
    image = Image.new("RGB", (640, 420), (188, 196, 201))
    draw = ImageDraw.Draw(image)
    draw.rounded_rectangle((36, 30, 604, 390), 28, fill=(238, 240, 236), outline=(70, 76, 82),
                           width=5)  # fmt: skip
    small, large = ImageFont.load_default(size=30), ImageFont.load_default(size=72)
    draw.text((70, 60), f"No. {meter_no}", fill=(30, 30, 30), font=small)
    draw.rectangle((66, 150, 574, 270), fill=(22, 26, 30))
    if value is not None:
        draw.text((320, 210), f"{value:.2f}", fill=(250, 250, 240), font=large, anchor="mm")
    unit = KIND_UNITS[kind].replace("³", "3")
    draw.text((570, 300), unit, fill=(30, 30, 30), font=small, anchor="ra")
    out = io.BytesIO()
    image.save(out, "JPEG", quality=85)
    return out.getvalue()


# (kind, title, body) of the published pages, in the order they went up.
NOTICES = (
    ("faq", "如何绑定户号？",
     "关注公众号并用手机号注册后，在“户号绑定”中填写户号和户主姓名（或预留手机号）。"
     "工作人员在 1 个工作日内审核，通过后即可查询用量、查看缴款通知单和自助抄表。"
     "居民每个微信号最多绑定 2 个户号，单位最多 10 个。"),
    ("faq", "电费、水费是怎么计算的？",
     "居民生活用电实行阶梯电价：每月 230 千瓦时以内 0.5483 元/千瓦时，230–400 千瓦时 "
     "0.5983 元，400 千瓦时以上 0.8483 元。居民用水每月 15 吨以内 2.45 元/吨，另收污水"
     "处理费 0.95 元/吨。账单在每月 2 日出具，可在各校区分中心柜台或公众号缴纳。"),
    ("faq", "预收费户如何充值？余额不足怎么办？",
     "预收费户可在任一校区分中心柜台预存，每月出账时从余额中扣除。余额不足时请及时充值，"
     "公众号“我的用量”可随时查看余额和近 12 个月的账单。"),
    ("tips", "夏季空调节电小窍门",
     "空调温度设定在 26℃ 左右，每调高 1℃ 约可省电 7%；定期清洗滤网；外出前半小时关闭"
     "空调；配合电风扇使用可以更快凉爽。"),
    ("tips", "如何自查家中是否漏水？",
     "关闭家中所有用水器具后观察水表：若指针或红色三角仍在转动，说明有漏水，请检查马桶"
     "水箱和水龙头，或在公众号“服务诉求”中报修。"),
    ("info", "春节期间营业时间安排",
     "春节假期各校区分中心暂停柜台业务，假期前后正常营业。假期内可通过公众号在线缴费，"
     "收据可在恢复营业后到任一分中心换开。"),
)  # fmt: skip
