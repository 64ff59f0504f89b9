"""The demo centre's corrections and comings and goings (demo.activity), through the services.

- Readings keyed over the dial (demo.readings MISKEY) are corrected late in the month
  after their bill (correct_reading_of_day) and the bill is rebilled (rebill_bill): a paid
  one leaves credit; the first two credits are refunded, one in cash at the counter from the
  clerk's open till (with a float), one by bank transfer (refund_balance).
- One bill raised before its readings were checked is cancelled (cancel_bill); its usage
  goes on the next month's bill.
- Adjustments (adjust_account): a 表封损坏赔偿 debit and a 好意减免 credit.
- Early in the year the office adds the class 商户 (a 500.00 deposit, annual electricity
  tiers); a household moves out (move_out: a final bill for part of the month), a shop moves
  in at the same place (move_in: its deposit billed) and another shop opens (open_account);
  both pay their deposits at the counter. Months later the first shop moves out: its deposit
  pays its final bill and the rest is refunded by transfer.
- One month's unread meters are billed on estimates, trued up the next month (counter.py
  passes the run its `estimate`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import date, datetime, time, timedelta
from decimal import ROUND_DOWN, Decimal
from functools import partial

from sqlalchemy import select

from server.db.models import Account, Bill, Meter, Reading
from server.db.models.accounts import POSTPAID, PREPAID
from server.db.models.billing import BILL_VOID, REGULAR
from server.db.models.metering import ACCEPTED, METER_ACTIVE
from server.db.models.payments import CASH, TRANSFER
from server.db.models.tariffs import ANNUAL, MONTHLY
from server.demo import catalog
from server.demo.centre import DemoAccount, Miskey
from server.demo.counter import CounterYear
from server.services.accounts.accounts import AccountSpec, account_view
from server.services.accounts.customer_classes import add_customer_class
from server.services.billing.adjustments import adjust_account
from server.services.billing.corrections import cancel_bill, rebill_bill
from server.services.billing.tariffs import ComponentSpec, TariffSpec, Tier, create_tariff
from server.services.collection.deposits import open_account
from server.services.collection.move_in import MoveInSpec, move_in
from server.services.collection.move_out import move_out
from server.services.collection.refunds import refund_balance
from server.services.core.audit import Actor
from server.services.core.calendar import Period, business_datetime
from server.services.core.money import ZERO
from server.services.metering.readings import correct_reading_of_day

OFFICE_TIME, COUNTER_TIME = time(10, 0), time(17, 5)
DEBIT = (Decimal("80.00"), "表封损坏赔偿：表箱铅封被撬，按规定赔偿")
CREDIT = (Decimal("-35.00"), "好意减免：停水检修期间用水不便，减免部分水费")
CANCEL_REASON = "抄表数据未经复核即出账，作废；用量并入下月账单"
REBILL_REASON = "抄表员误录读数，按表盘照片更正后重新出账"
REFUNDS_OF_CREDIT = 2  # the first credits of rebills paid back: cash, then transfer
# billing.approval_limit's default: above it the next campus's manager approves.
APPROVAL_LIMIT = Decimal("500")
BANK = "中国工商银行"


class CorrectionsYear(CounterYear):
    """Plans the office's corrections into the replayed year (see the module's doc)."""

    refunds_planned = 0
    shops: list[int]
    errand_day: date

    def _plan_corrections(self, busy: set[int]) -> None:
        """Put each piece of work on its day; `busy` are accounts with plans of their own."""
        self.shops = []
        for miskey in self.miskeys:
            self._errand(self._day(miskey.period.shift(1), 26), partial(self._rebill, miskey))
        billed = self.billed
        if len(billed) < 11:
            return
        keyed = [m.meter_no for m in self.miskeys]
        owners = set(
            self.session.scalars(select(Meter.account_id).where(Meter.meter_no.in_(keyed)))
        )
        free = [i for i, a in enumerate(self.accounts) if i not in busy
                and a.account_id not in owners and a.billing_mode != PREPAID]  # fmt: skip
        households = [i for i in free if self.accounts[i].class_code == catalog.RESIDENT]
        if len(households) < 2:  # a demo of a handful of accounts
            return
        moving, damaged = households[0], households[1]
        cancelled = [i for i in free if i not in (moving, damaged)]
        self._errand(self._day(billed[1].shift(1), 9), lambda: self._shops_arrive(moving))
        self._errand(self._day(billed[6].shift(1), 4), lambda: self._cancel(cancelled, billed[6]))
        self._errand(self._day(billed[7].shift(1), 12), lambda: self._adjust(damaged, *DEBIT))
        if self.stops:
            owing = min(self.stops)
            self._errand(self._day(billed[8].shift(1), 15), lambda: self._adjust(owing, *CREDIT))
        self._errand(self._day(billed[9].shift(1), 18), self._shop_leaves)

    # -- days -------------------------------------------------------------------------------

    def _day(self, month: Period, day: int, after: int = 0) -> date:
        """The first working day from `day` of `month` (plus `after` days)."""
        at = month.first_day.replace(day=day) + timedelta(days=after)
        while not self.work.is_workday(at):
            at += timedelta(days=1)
        return at

    def _errand(self, day: date, work: Callable[[], object]) -> None:
        """Office work on `day` (not after today's run: the replay's year ends yesterday)."""
        if day < self.today:
            self.office[day].append(lambda: self._in_office(day, work))

    def _in_office(self, day: date, work: Callable[[], object]) -> None:
        self.errand_day = day
        self.set_now(business_datetime(day, OFFICE_TIME))
        work()

    def _approval(self, campus: int) -> tuple[Actor, Actor]:
        """The campus's manager, and the next campus's to approve what is above the limit."""
        return self.managers[campus].actor, self.managers[(campus + 1) % 3].actor

    def _index(self, account_id: int) -> int:
        return next(i for i, a in enumerate(self.accounts) if a.account_id == account_id)

    # -- corrections ------------------------------------------------------------------------

    def _rebill(self, miskey: Miskey) -> None:
        account_id, value, read_at = self.session.execute(
            select(Meter.account_id, Reading.value, Reading.read_at)
            .join(Reading, Reading.meter_id == Meter.id)
            .where(Meter.meter_no == miskey.meter_no, Reading.status == ACCEPTED)
            .where(Reading.read_at >= business_datetime(miskey.period.first_day))
            .where(Reading.read_at < business_datetime(miskey.period.shift(1).first_day))
            .order_by(Reading.read_at.desc())
            .limit(1)
        ).one()
        assert account_id is not None  # a billed meter has its account
        index = self._index(account_id)
        account = self.accounts[index]
        manager, approver = self._approval(account.campus)
        day = read_at.astimezone(self.moment.tzinfo).date()
        correct_reading_of_day(
            self.session, self.readers[account.campus].actor, miskey.meter_no, day,
            value - miskey.over, "误录读数，按表盘照片更正",
        )  # fmt: skip
        if miskey.period not in self.billed:  # keyed before the replay's year
            return
        result = rebill_bill(
            self.session, manager, account.account_no, miskey.period, REBILL_REASON,
            approval_limit=APPROVAL_LIMIT, approver=approver,
        )  # fmt: skip
        if result.credit_left > 0 and self.refunds_planned < REFUNDS_OF_CREDIT:
            self.refunds_planned += 1
            channel = CASH if self.refunds_planned == 1 else TRANSFER
            self._plan_refund(index, channel, "更正账单后多缴金额退还")

    def _cancel(self, candidates: list[int], period: Period) -> None:
        """The first candidate with an unpaid bill of the period has it cancelled."""
        for index in candidates:
            account = self.accounts[index]
            status = self.session.scalar(
                select(Bill.status).where(
                    Bill.account_id == account.account_id, Bill.period == str(period),
                    Bill.kind == REGULAR, Bill.status != BILL_VOID,
                )
            )  # fmt: skip
            if status == "open":
                manager, approver = self._approval(account.campus)
                cancel_bill(
                    self.session, manager, account.account_no, period, CANCEL_REASON,
                    approval_limit=APPROVAL_LIMIT, approver=approver,
                )  # fmt: skip
                return

    def _adjust(self, index: int, amount: Decimal, reason: str) -> None:
        account = self.accounts[index]
        manager, approver = self._approval(account.campus)
        adjust_account(self.session, manager, account.account_no, amount, reason,
                       approval_limit=APPROVAL_LIMIT, approver=approver)  # fmt: skip

    # -- refunds ----------------------------------------------------------------------------

    def _plan_refund(self, index: int, channel: str, reason: str) -> None:
        """The holder is paid back the account's credit the next working day: in cash at
        the campus's counter before its till closes, or by transfer from the office."""
        day = self._day(Period.of(self.errand_day), self.errand_day.day, after=1)
        if day >= self.today:
            return
        if channel == CASH:
            campus = self.accounts[index].campus
            self.at_counter[(day, campus)].append(lambda: self._refund(index, CASH, reason, day))
        else:
            self._errand(day, lambda: self._refund(index, TRANSFER, reason, day))

    def _refund(self, index: int, channel: str, reason: str, day: date) -> Decimal:
        """The credit paid back; the cash it took from the drawer (negative)."""
        account = self.accounts[index]
        balance = self.session.scalar(
            select(Account.balance).where(Account.id == account.account_id)
        )
        if not balance or balance <= 0:
            return ZERO
        manager, approver = self._approval(account.campus)
        clerk = self.clerks[account.campus]
        reference = bank = ""
        if channel == CASH:
            self.set_now(business_datetime(day, COUNTER_TIME))
        else:
            self.references += 1
            reference = f"TK{day:%Y%m%d}{self.references:06d}"
            bank = BANK
        refund_balance(
            self.session, manager, account.account_no, balance, channel, clerk=clerk.actor,
            reference=reference, bank=bank, reason=reason, approval_limit=APPROVAL_LIMIT,
            approver=approver,
        )  # fmt: skip
        return -balance if channel == CASH else ZERO

    # -- shops: a class with a deposit, a move-out, a move-in, a new account -----------------

    def _shops_arrive(self, moving: int) -> None:
        manager = self.managers[0].actor
        add_customer_class(self.session, manager, catalog.SHOP, catalog.SHOP_NAME,
                           catalog.SHOP_BINDINGS, catalog.SHOP_DEPOSIT)  # fmt: skip
        since = Period.of(self.errand_day).first_day
        for kind, name, components, annual in catalog.SHOP_TARIFFS:
            spec = TariffSpec(
                kind=kind, customer_class=catalog.SHOP_NAME, effective_from=since, name=name,
                components=tuple(
                    ComponentSpec(part, tuple(Tier(Decimal(s), Decimal(p)) for s, p in tiers))
                    for part, tiers in components
                ),
                tier_basis=ANNUAL if annual else MONTHLY,
            )  # fmt: skip
            create_tariff(self.session, manager, spec)
        household = self.accounts[moving]
        manager = self.managers[household.campus].actor
        self._move_out(moving)
        place = account_view(self.session, household.account_no)
        first = self._shop(household, 0)
        move_in(self.session, manager, MoveInSpec(first.account_no, household.account_no,
                                                first.holder_name, first.mobile,
                                                catalog.SHOP_NAME))  # fmt: skip
        # A second shop opens in the same building a week later; its meters are yet to be
        # fitted, so its deposit is its only bill.
        second = self._shop(household, 1)
        when = self._day(Period.of(self.errand_day), self.errand_day.day, after=7)
        self._errand(when, lambda: self._open_shop(second, place.campus, place.building))
        self._take_on(first)
        # Both come to the counter: the household pays its final bill, the shop its deposit.
        self._plan_visit(self.errand_day, (1, 3), moving)
        self._plan_visit(self.errand_day, (1, 3), len(self.accounts) - 1)

    def _shop(self, near: DemoAccount, n: int) -> DemoAccount:
        account_no = f"{near.campus + 1}4{n + 1:06d}"
        name = catalog.SHOP_NAMES[n]
        return DemoAccount(0, account_no, name, catalog.SHOP, near.campus, near.building_id,
                           POSTPAID, near.mobile[:-4] + f"{7100 + n}")  # fmt: skip

    def _take_on(self, shop: DemoAccount) -> None:
        """The shop's account joins the replay: billed every month, paying every month."""
        account_id = self.session.scalar(
            select(Account.id).where(Account.account_no == shop.account_no)
        )
        assert account_id is not None
        self.accounts.append(replace(shop, account_id=account_id))
        index = len(self.accounts) - 1
        self.every[index], self.offset[index] = 1, 0
        self.shops.append(index)

    def _open_shop(self, shop: DemoAccount, campus: str, building: str) -> None:
        open_account(self.session, self.managers[shop.campus].actor, AccountSpec(
            shop.account_no, shop.holder_name, catalog.SHOP_NAME, campus, building,
            room="底商 2 号", mobile=shop.mobile,
        ))  # fmt: skip
        self._take_on(shop)
        self._plan_visit(self.errand_day, (1, 3), len(self.accounts) - 1)

    def _shop_leaves(self) -> None:
        """The first shop moves out: its deposit pays its final bill, the rest is refunded."""
        if not self.shops:
            return
        index = self.shops[0]
        self._move_out(index)
        self._plan_refund(index, TRANSFER, "退房结算押金余额退还")

    def _move_out(self, index: int) -> None:
        """Final readings on the day, between the meter's readings before and after."""
        account = self.accounts[index]
        at = business_datetime(self.errand_day, OFFICE_TIME)
        readings = {}
        for meter_id, meter_no in self.session.execute(
            select(Meter.id, Meter.meter_no)
            .where(Meter.account_id == account.account_id, Meter.status == METER_ACTIVE)
            .order_by(Meter.meter_no)
        ):
            readings[meter_no] = self._value_at(meter_id, at)
        move_out(self.session, self.managers[account.campus].actor, account.account_no,
                 self.errand_day, readings)  # fmt: skip

    def _value_at(self, meter_id: int, at: datetime) -> Decimal:
        accepted = select(Reading.value, Reading.read_at).where(
            Reading.meter_id == meter_id, Reading.status == ACCEPTED
        )
        before = self.session.execute(
            accepted.where(Reading.read_at < at).order_by(Reading.read_at.desc()).limit(1)
        ).one()
        after = self.session.execute(
            accepted.where(Reading.read_at > at).order_by(Reading.read_at).limit(1)
        ).one_or_none()
        if after is None or after.value < before.value:
            return before.value
        share = Decimal((at - before.read_at) / (after.read_at - before.read_at))
        return (before.value + (after.value - before.value) * share).quantize(
            Decimal("0.01"), ROUND_DOWN
        )
