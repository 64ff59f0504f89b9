"""One account's bill outside a billing run: a rebill's replacement, a move-out's final
bill, an adjustment's debit.

`draft_account_bill` prices an account's meters for a period (or a part-month span) by the
run's rules and writes nothing, so the desktop can show a rebill before it is confirmed;
`issue_bill` writes a drafted bill and settles it from the balance as the run does.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from server.db.models import Account, Bill, BillLine, BillMeter
from server.db.models.accounts import PREPAID
from server.db.models.billing import ADJUSTMENT, BILL_OPEN, BILL_PAID, BILL_VOID, FINAL, REGULAR
from server.services.billing import balances
from server.services.billing.billing_run import SkippedMeter, meter_charge
from server.services.billing.drafts import Draft, price_drafts, resolve_tariffs, year_to_date
from server.services.billing.pricing import DraftLine, Span
from server.services.billing.tariffs import load_tariff_book
from server.services.core import audit
from server.services.core.audit import Actor
from server.services.core.calendar import Period, business_datetime
from server.services.core.errors import DomainError, InvalidInput, NotFound
from server.services.core.money import ZERO

# The ledger's words for what a bill drew from the balance, by bill kind.
_DRAW_NOTES = {REGULAR: "账单", FINAL: "结算账单", ADJUSTMENT: "调账"}


@dataclass(frozen=True)
class DraftMeter:
    meter_id: int
    meter_no: str
    kind: str
    multiplier: Decimal
    prev: Decimal
    curr: Decimal
    usage: Decimal
    prev_reading_id: int
    curr_reading_id: int
    estimated: bool = False


@dataclass(frozen=True)
class PricedBill:
    """A bill as it would be issued; nothing of it is written yet."""

    account_id: int
    period: Period
    covers: tuple[date, date] | None
    meters: tuple[DraftMeter, ...]
    lines: tuple[DraftLine, ...]
    total: Decimal
    skipped: tuple[SkippedMeter, ...] = ()


# The account's meters in the shape of billing_run._CANDIDATES (so meter_charge judges them
# alike), ending with whether the current and the previous readings are estimates. An
# actual reading of the period is preferred to the period's estimate (a late read rebilled). The
# previous reading is the last non-void bill's of an earlier period, or of this period on
# another account (a move-in goes on from the previous occupant's final bill); the bill
# being replaced does not count. A meter of the replaced bill is billed again even if it has
# since moved to another account; a meter with no reading before the span's end was not
# there yet.
_ACCOUNT_METERS = """
    select m.id, m.meter_no, m.kind, m.digits, m.multiplier, m.account_id,
           case when exists (select 1 from reading h
                             where h.meter_id = m.id and h.status = 'held'
                               and h.read_at >= :start and h.read_at < :end) then 'held' end,
           cur.id, cur.value,
           coalesce(billed.curr_reading_id, prior.id, init.id),
           coalesce(billed.curr, prior.value, init.value),
           coalesce(cur.source = 'estimate', false), previous.source = 'estimate'
    from meter m
    left join lateral (
        select r.id, r.value, r.source from reading r
        where r.meter_id = m.id and r.status = 'accepted'
          and r.read_at >= :start and r.read_at < :end
        order by r.source = 'estimate', r.read_at desc, r.id desc limit 1) cur on true
    left join lateral (
        select r.id, r.value from reading r
        where r.meter_id = m.id and r.status = 'accepted' and r.source = 'initial'
          and r.read_at >= :start and r.read_at < :end
        order by r.read_at, r.id limit 1) init on true
    left join lateral (
        select bm.curr_reading_id, bm.curr
        from bill_meter bm join bill b on b.id = bm.bill_id
        where bm.meter_id = m.id and b.status <> 'void'
          and b.id is distinct from cast(:replacing as integer)
          and (b.period < :period or (b.period = :period and b.account_id <> :account))
        order by b.period desc, b.id desc limit 1) billed on true
    left join lateral (
        select r.id, r.value from reading r
        where billed.curr_reading_id is null
          and r.meter_id = m.id and r.status = 'accepted' and r.source <> 'estimate'
          and r.read_at < :start
        order by r.read_at desc, r.id desc limit 1) prior on true
    left join reading previous on previous.id = coalesce(billed.curr_reading_id, prior.id)
    where ((m.account_id = :account
            and (m.status = 'active'
                 or exists (select 1 from meter_replacement mr
                            where mr.old_meter_id = m.id and mr.replaced_at >= :start)))
           or m.id in (select bm.meter_id from bill_meter bm
                       where bm.bill_id = cast(:replacing as integer)))
      and exists (select 1 from reading r
                  where r.meter_id = m.id and r.status = 'accepted' and r.read_at < :end)
    order by m.id
"""


def draft_account_bill(
    session: Session,
    account_id: int,
    period: Period,
    *,
    covers: tuple[date, date] | None = None,
    replacing: int | None = None,
) -> PricedBill:
    """The bill of `account_id` for `period` from the readings and tariffs now in force.

    `covers` (first and last day, inclusive) bills a part of the period, as a final bill at
    move-out does: the current reading is the latest accepted one dated in those days.
    `replacing` is the bill a rebill replaces: its readings are not the previous ones.
    Reads only.
    """
    account = session.get(Account, account_id)
    if account is None:
        raise NotFound(f"账户 {account_id} 不存在")
    if covers and covers[0] > covers[1]:
        raise InvalidInput(f"账期 {period} 的结算起止日期有误：{covers[0]} 晚于 {covers[1]}")
    span = Span(*covers) if covers else Span.of(period)
    rows = session.execute(
        text(_ACCOUNT_METERS),
        {
            "account": account_id,
            "period": str(period),
            "start": business_datetime(span.first),
            "end": business_datetime(span.last + timedelta(days=1)),
            "replacing": replacing,
        },
    ).all()
    draft = Draft(account_id, customer_class_id=account.customer_class_id)
    skipped: list[SkippedMeter] = []
    for row in rows:
        charge = meter_charge(tuple(row))
        if isinstance(charge, SkippedMeter):
            skipped.append(charge)
        elif charge is not None:
            draft.meters.append(charge)
    ready, unpriced = resolve_tariffs([draft], load_tariff_book(session), span)
    skipped.extend(SkippedMeter(meter_no, "no_tariff") for meter_no in unpriced)
    priced = price_drafts(ready, {}, span, year_to_date(session, period, ready))
    lines = priced[0].lines if priced else []
    return PricedBill(
        account_id=account_id,
        period=period,
        covers=covers,
        meters=tuple(DraftMeter(*m) for m in draft.meters),
        lines=tuple(lines),
        total=priced[0].total if priced else ZERO,
        skipped=tuple(sorted(skipped, key=lambda s: (s.meter_no, s.reason))),
    )


def issue_bill(
    session: Session,
    actor: Actor,
    account_id: int,
    priced: PricedBill,
    *,
    kind: str,
    replaces_id: int | None = None,
    covers: tuple[date, date] | None = None,
) -> int:
    """Write a drafted bill (holder and address copied as they stand) and settle it: a
    prepaid account's bill draws its whole total from the balance and is paid; a postpaid
    one is open and takes what credit the balance holds (balances.draw_credit).

    Who may issue is the caller's check (rebill, move-out, adjustment). Returns the bill id.
    """
    number = session.scalar(select(Account.account_no).where(Account.id == account_id))
    if number is None:
        raise NotFound(f"账户 {account_id} 不存在")
    account, address, _ = balances.lock_account(session, number)
    if not account.active:
        raise DomainError(f"户号 {number} 已销户，不能出账")
    period = str(priced.period)
    if kind == REGULAR and session.scalar(
        select(Bill.id).where(
            Bill.account_id == account_id,
            Bill.period == period,
            Bill.kind == REGULAR,
            Bill.status != BILL_VOID,
        )
    ):
        raise DomainError(f"户号 {number} 账期 {period} 已有账单")
    span = covers or priced.covers
    draws = kind in _DRAW_NOTES and (account.billing_mode == PREPAID or priced.total < 0)
    bill = Bill(
        account_id=account_id,
        period=period,
        account_no=account.account_no,
        holder_name=account.holder_name,
        address=address,
        billing_mode=account.billing_mode,
        total=priced.total,
        status=BILL_PAID if draws or priced.total == 0 else BILL_OPEN,
        kind=kind,
        replaces_id=replaces_id,
        covers_from=span[0] if span else None,
        covers_to=span[1] if span else None,
    )
    session.add(bill)
    session.flush()
    session.add_all(
        BillMeter(
            bill_id=bill.id,
            meter_id=m.meter_id,
            meter_no=m.meter_no,
            kind=m.kind,
            multiplier=m.multiplier,
            prev=m.prev,
            curr=m.curr,
            usage=m.usage,
            prev_reading_id=m.prev_reading_id,
            curr_reading_id=m.curr_reading_id,
            estimated=m.estimated,
        )
        for m in priced.meters
    )
    session.add_all(
        BillLine(
            bill_id=bill.id,
            kind=line.kind,
            component=line.component,
            usage=line.usage,
            amount=line.amount,
            tariff_id=line.tariff_id,
            note=line.note,
        )
        for line in priced.lines
    )
    if draws:
        # A credit bill (an estimate trued up below what was billed) gives its total back.
        balances.move_balance(
            session, account_id, -priced.total, "bill", None,
            f"{period} {_DRAW_NOTES[kind]}", bill.id,
        )  # fmt: skip
    session.flush()
    balances.draw_credit(session, account)
    audit.record(
        session,
        actor,
        "bill.issue",
        "bill",
        bill.id,
        {
            "account_no": account.account_no,
            "period": period,
            "kind": kind,
            "total": str(priced.total),
            "replaces": replaces_id,
        },
    )
    return bill.id
