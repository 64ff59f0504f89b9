"""The demo centre's counters (demo.activity): the year's bills and payments, and today.

Each of the last 12 complete months is billed on the 2nd of the next month; residents pay
at their campus's counter on working days (most within a month of each bill, some every
two or three months, a few in part, a few stop paying months ago), prepaid accounts top
up when a bill has drawn their balance low, and each clerk opens and closes the till on a
day with payments. Today every branch has taken a handful of payments, its till open.
"""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import ROUND_DOWN, Decimal

from sqlalchemy import func, select

from server.db.models import Account, Bill, Branch, Receipt
from server.db.models.accounts import PREPAID
from server.db.models.payments import CASH, CHEQUE, TRANSFER
from server.demo import catalog
from server.demo.centre import Centre, DemoAccount, Visit
from server.services.billing.billing_run import run_billing
from server.services.collection.allocation import amount_owed, open_items
from server.services.collection.payments import PaymentRequest, take_payment
from server.services.collection.till import close_till, open_till
from server.services.core.calendar import Period, business_datetime
from server.services.core.money import ZERO
from server.services.staff.sign_in import StaffIdentity

BILL_DAY, BILL_TIME = 2, time(9, 0)  # the run of month P on the 2nd of the next month
COUNTER_OPENS, COUNTER_CLOSES = 8 * 60 + 30, 17 * 60  # minutes of the day
# Of the postpaid accounts: how many stop paying (and 3–5 bills ago) and how many pay part.
ARREARS_PER, PARTIAL_PER = 25, 40
ARREARS_MONTHS = (3, 5)
# How often the others come to pay (every month, every 2 or 3 months) and how likely.
PAYING_EVERY = ((1, 2, 3), (0.5, 0.35, 0.15))  # (every n months, likelihood)
SKIP_A_MONTH = 0.07
PAY_WITHIN_DAYS = (3, 27)
TOP_UP_WITHIN_DAYS = (1, 12)
TOP_UP_STEP = {catalog.RESIDENT: 50, catalog.DORMITORY: 50, catalog.UNIT: 1000}
# Channels by class: (channel, weight).
CHANNELS = {
    catalog.RESIDENT: ((CASH, 7), (TRANSFER, 3)),
    catalog.DORMITORY: ((CASH, 17), (TRANSFER, 3)),
    catalog.UNIT: ((TRANSFER, 3), (CHEQUE, 2)),
    catalog.SHOP: ((CASH, 1), (TRANSFER, 1)),
}
BANKS = ("中国工商银行", "中国建设银行", "中国农业银行", "中国银行", "交通银行")
TODAY_RECEIPTS = (4, 6)  # per branch, at least
CASH_FLOAT = Decimal("1000.00")


@dataclass(frozen=True)
class BranchDay:
    branch: str
    receipts: int
    amount: Decimal


class CounterYear(Centre):
    """The year's billing runs and counter days, and today's payments."""

    def _choose_payers(self, bound: list[int]) -> tuple[list[int], list[int]]:
        """Who stops paying and who pays part (of the postpaid accounts not bound), who
        pays on the phone, and how often everyone comes; (arrears, partial)."""
        rng = self.rng
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
            i: 1 if i in self.partial else rng.choices(*PAYING_EVERY)[0]
            for i in range(len(self.accounts))
        }
        self.offset = {i: rng.randrange(self.every[i]) for i in range(len(self.accounts))}
        return arrears, partial

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
            for errand in self.office.pop(day, []):
                errand()
            self._counter_day(day, self.visits.pop(day, []), close=True)
            day += timedelta(days=1)
        if self.today in runs:
            self._billing_run(runs[self.today], len(runs) - 1)

    def _billing_run(self, period: Period, window: int) -> None:
        moment = self._bill_moment(period)
        self.set_now(moment)
        run_billing(self.session, self.managers[0].actor, period,
                    estimate=period == self.estimate_in)  # fmt: skip
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
        self.visits[day].append(Visit(minute, index, top_up))

    def _counter_day(self, day: date, visits: list[Visit], *, close: bool) -> None:
        """Each branch with visitors: the clerk opens the till, takes what is owed, closes."""
        by_campus: dict[int, list[Visit]] = defaultdict(list)
        for visit in sorted(visits):
            by_campus[self.accounts[visit.account].campus].append(visit)
        errands = {c for d, c in self.at_counter if d == day}
        for campus in sorted(by_campus.keys() | errands):
            clerk = self.clerks[campus]
            first = by_campus[campus][0].minute if by_campus[campus] else COUNTER_OPENS
            self.set_now(self._at(day, max(0, min(COUNTER_OPENS, first - 1))))
            # Paying money out (a refund) takes a float in the drawer.
            drawer = CASH_FLOAT if (day, campus) in self.at_counter else ZERO
            open_till(self.session, clerk.actor, drawer)
            for visit in by_campus[campus]:
                self.set_now(self._at(day, visit.minute))
                drawer += self._pay(clerk, visit, day)
            for errand in self.at_counter.pop((day, campus), []):
                drawer += errand()
            if close:
                # The clerk counts the drawer: the float and the cash taken and paid out.
                self.set_now(self._at(day, COUNTER_CLOSES + 20))
                close_till(self.session, clerk.actor, drawer)

    def _at(self, day: date, minute: int) -> datetime:
        return business_datetime(day) + timedelta(minutes=minute)

    def _pay(self, clerk: StaffIdentity, visit: Visit, day: date) -> Decimal:
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

    def _amount(self, account: DemoAccount, visit: Visit, day: date) -> Decimal:
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
                    visits.append(Visit(rng.randrange(start, end), index, top_up))
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
