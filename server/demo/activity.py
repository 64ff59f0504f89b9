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
- the office has published its FAQ, contacts, tips, a notice and an outage ahead, and its
  催缴 policy for households has been in force since the year began (demo.residents);
- the office's corrections and comings and goings (demo.corrections): readings keyed over
  the dial rebilled, a bill cancelled, adjustments, refunds, the class 商户 with deposits, a
  move-out, a move-in and the shop's own move-out, one month's unread meters estimated.

Everything is attributed to the demo staff or WeChat users and audited by the services;
the choices come from the caller's random stream, so a seed and a clock give the same
centre. Amounts are whatever the real services make of the demo's readings and tariffs.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from server.db.models import Bill, BillMeter, Binding, Payment, ServiceRequest, TillSession
from server.db.models.billing import FINAL
from server.db.models.companion import BINDING_PENDING, REQUEST_ANSWERED, REQUEST_OPEN
from server.db.models.corrections import CANCEL, REBILL, Adjustment, CreditNote, Refund
from server.demo.centre import DemoAccount, Miskey
from server.demo.clock import simulated_clock
from server.demo.corrections import CorrectionsYear
from server.demo.counter import BranchDay
from server.demo.load import Progress
from server.demo.residents import ResidentsSide
from server.services.billing.bills import OPEN_STATUSES, paid_on_bill
from server.services.core.calendar import BUSINESS_TZ, Period
from server.services.core.money import ZERO


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
    # The office's corrections and comings and goings (demo.corrections).
    rebills: int = 0
    cancelled: int = 0
    adjustments: int = 0
    refunds: int = 0
    refunded: Decimal = ZERO
    final_bills: int = 0
    shops: tuple[str, ...] = ()
    estimated: int = 0

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
            f"更正账单 {self.rebills} 张，作废 {self.cancelled} 张（红字冲销）；"
            f"调账 {self.adjustments} 笔；退款 {self.refunds} 笔 {self.refunded} 元；"
            f"退房结算 {self.final_bills} 户；"
            f"商户（押金）：{'、'.join(self.shops) or '无'}；估抄 {self.estimated} 块表次",
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


def replay(
    session: Session,
    rng: random.Random,
    accounts: Sequence[DemoAccount],
    periods: Sequence[Period],
    moment: datetime,
    progress: Progress,
    *,
    miskeys: Sequence[Miskey] = (),
    estimate_in: Period | None = None,
) -> ActivitySummary:
    """Replay the centre's year up to `moment` (see the module's doc); the caller commits.

    `miskeys`: readings keyed over the dial, corrected after their bill; `estimate_in`: the
    month whose run bills unread meters on estimates (demo.corrections)."""
    return _Replay(
        session,
        rng,
        accounts,
        periods,
        moment.astimezone(BUSINESS_TZ),
        progress,
        miskeys,
        estimate_in,
    ).run()


class _Replay(CorrectionsYear, ResidentsSide):
    """The whole replay: the counters' year and today, then the residents' side."""

    def run(self) -> ActivitySummary:
        bound = self._choose_bound()
        arrears, partial = self._choose_payers(bound)
        self._plan_corrections({*bound, *arrears, *partial})
        with simulated_clock(self.session) as set_now:
            self.set_now = set_now
            self._reminder_policy()
            self._bind_residents(bound)
            self._replay_year()
            today = self._today()
            photos = self._photo_readings()
            self._bindings_waiting()
            self._requests()
            notices = self._notices(bound)
            self.report("绑定、诉求、待审核读数与公告", 1, 1)
        return self._summary(arrears, partial, today, photos, notices)

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
        owed = session.execute(
            select(func.coalesce(func.sum(Bill.total - paid_on_bill()), ZERO)).where(
                Bill.status.in_(OPEN_STATUSES)
            )
        ).scalar_one()
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
        refunds, refunded = session.execute(
            select(func.count(), func.coalesce(func.sum(Refund.amount), ZERO))
        ).one()
        rebills, cancelled = session.execute(
            select(
                func.count().filter(CreditNote.kind == REBILL),
                func.count().filter(CreditNote.kind == CANCEL),
            )
        ).one()
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
            rebills=rebills,
            cancelled=cancelled,
            adjustments=session.scalar(select(func.count()).select_from(Adjustment)) or 0,
            refunds=refunds,
            refunded=refunded,
            final_bills=session.scalar(
                select(func.count()).select_from(Bill).where(Bill.kind == FINAL)
            )
            or 0,
            shops=tuple(self.accounts[i].account_no for i in self.shops),
            estimated=session.scalar(
                select(func.count()).select_from(BillMeter).where(BillMeter.estimated)
            )
            or 0,
        )
