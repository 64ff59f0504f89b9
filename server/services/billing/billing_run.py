"""The monthly billing run (出账) and reading bills back.

One regular bill per account and period; moved-out and closed accounts are not billed. A
meter's reading of period P is its latest accepted reading dated in P; its previous is the
reading its last bill ended on (the latest non-void bill by period, whatever the account, so
a rebill of an old period is not taken and a move-in goes on from the final bill), else the
latest accepted reading before P, else (a meter put in during P by a replacement) its
initial reading. The run is set-based: a query per _BATCH accounts gathers their meters with
their two readings (so its memory stays flat, a million accounts or fifty thousand), Python
prices them (billing.drafts and billing.pricing: a tariff change inside the month prices each
tariff's days; annual tiers start from the year to date, gathered in one query when an annual
tariff is involved), and COPY writes the bills, so 50,000 accounts bill in seconds.

Balances: a prepaid bill draws its whole total from the account balance (kind 'bill'), which
may go negative. A postpaid bill draws min(balance, total) from a positive balance, the
credit an overpayment left (kind 'credit_used'), and is written paid or partial accordingly;
a postpaid bill below zero (an estimate trued up) gives its credit to the balance as a
prepaid one does. What a bill has been paid is bills.paid_on_bill, allocations plus these
draws.
"""

from __future__ import annotations

from collections.abc import Callable, Generator, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from decimal import Decimal
from functools import partial
from threading import Lock
from typing import Any

import psycopg
from psycopg import sql
from sqlalchemy import Engine, func, select, text
from sqlalchemy.orm import Session, selectinload

from server.db.bulk import (
    allocate_ids,
    copy_rows,
    psycopg_connection,
    read_ahead,
    write_behind,
)
from server.db.models import Account, Bill, BillingRun
from server.db.models.accounts import PREPAID
from server.db.models.billing import BILL_OPEN, BILL_PAID, BILL_PARTIAL, REGULAR
from server.db.transaction_settings import set_for_transaction, transaction_settings
from server.services.accounts.accounts import address_of
from server.services.billing import balances, estimates
from server.services.billing.bill_views import BillView, bill_view
from server.services.billing.drafts import (
    Draft,
    MeterCharge,
    PriceCache,
    PricedDraft,
    price_drafts,
    resolve_tariffs,
    year_to_date,
)
from server.services.billing.estimates import EstimatedMeter, Estimates
from server.services.billing.pricing import Span
from server.services.billing.tariffs import load_tariff_book
from server.services.core import audit, permissions
from server.services.core.audit import Actor
from server.services.core.calendar import Period, transaction_time
from server.services.core.gc_pause import gc_paused
from server.services.metering.usage_rules import usage_after

# Reasons a meter is left out of a run; the CLI and the desktop show the Chinese label.
SKIP_REASONS = {
    "held": "读数待审核",
    "unread": "本期未抄",
    "no_previous": "无上期读数",
    "lower_than_previous": "读数低于上期",
    "no_tariff": "无适用价格",
    "billed_later": "已在更晚账期出账",
    **estimates.REASONS,
}

_BILLING_LOCK = 645_2007  # advisory-lock namespace of billing runs
_CHUNK = 5000  # accounts priced and written at a time
_BATCH = 20_000  # accounts gathered at a time (see _batches)
_SETTINGS = {
    # Each batch's query is planned for a cost that switches JIT compiling on, and compiling
    # takes longer than the query (some 0.5 s for 20,000 accounts).
    "jit": "off",
}

# The accounts a run bills, in order; read once, then billed _BATCH at a time.
_TO_BILL = """
    select a.id from account a
    where a.active and a.moved_out_on is null
      and a.id not in (select x.account_id from bill x
                       where x.period = %(period)s and x.kind = 'regular')
    order by a.id
"""

# The candidate meters of a batch of accounts, each with its two readings, in account order.
# Every lookup is a probe of an index per meter, so the first batch's rows come at once and
# each batch costs the same, however many accounts the database holds.
_CANDIDATES = """
    select m.id, m.meter_no, m.kind, m.digits, m.multiplier, m.account_id,
           case when exists (select 1 from reading h
                             where h.meter_id = m.id and h.status = 'held'
                               and h.read_at >= %(start)s and h.read_at < %(end)s) then 'held'
                when coalesce(rebilled.period, last.period) > %(period)s then 'billed_later' end,
           cur.id, cur.value,
           coalesce(rebilled.curr_reading_id, last_meter.curr_reading_id, prior.id, init.id),
           coalesce(rebilled.curr, last_meter.curr, prior.value, init.value),
           cur.source = 'estimate', previous.source = 'estimate'
    from meter m
    left join lateral (
        select r.id, r.value, r.source from reading r
        where r.meter_id = m.id and r.status = 'accepted'
          and r.read_at >= %(start)s and r.read_at < %(end)s
        order by r.read_at desc, r.id desc limit 1) cur on true
    -- The meter's bill rows newest first through its index, each bill's status looked up by
    -- a probe (a scalar subquery, which the planner cannot turn into a join that scans
    -- every bill per meter when the statistics say the bill table is empty).
    left join lateral (
        select bm.curr_reading_id, bm.curr, bm.bill_id
        from bill_meter bm
        where bm.meter_id = m.id
          and (select b.status from bill b where b.id = bm.bill_id) <> 'void'
        order by bm.id desc limit 1) last_meter on true
    left join lateral (
        select b.period, b.replaces_id from bill b where b.id = last_meter.bill_id) last on true
    left join lateral (
        select bm.curr_reading_id, bm.curr, b.period
        from bill_meter bm join bill b on b.id = bm.bill_id
        where last.replaces_id is not null and bm.meter_id = m.id and b.status <> 'void'
        order by b.period desc, b.id desc limit 1) rebilled on true
    left join lateral (
        select r.id, r.value from reading r
        where last_meter.curr_reading_id is null
          and r.meter_id = m.id and r.status = 'accepted' and r.source <> 'estimate'
          and r.read_at < %(start)s
        order by r.read_at desc, r.id desc limit 1) prior on true
    left join lateral (
        select r.id, r.value from reading r
        where last_meter.curr_reading_id is null and prior.id is null
          and r.meter_id = m.id and r.status = 'accepted' and r.source = 'initial'
          and r.read_at >= %(start)s and r.read_at < %(end)s
        order by r.read_at, r.id limit 1) init on true
    -- A previous reading found by `prior` is no estimate (it filters them out): only a bill's
    -- is looked up again, a visit to the reading table per meter saved (2 million a run).
    left join reading previous
      on previous.id = coalesce(rebilled.curr_reading_id, last_meter.curr_reading_id)
    where m.account_id = any(%(ids)s)
      and (m.status = 'active'
           or exists (select 1 from meter_replacement mr
                      where mr.old_meter_id = m.id and mr.replaced_at >= %(start)s))
    order by m.account_id
"""


@dataclass(frozen=True)
class SkippedMeter:
    meter_no: str
    reason: str

    @property
    def label(self) -> str:
        return SKIP_REASONS.get(self.reason, self.reason)


@dataclass(frozen=True)
class BillingRunResult:
    period: str
    created: int
    skipped: tuple[SkippedMeter, ...]
    run_id: int | None = None
    # Accounts that already had a bill for the period before this run.
    already_billed: int = 0
    # Unread meters billed on an estimate (估抄).
    estimated: tuple[EstimatedMeter, ...] = ()

    def as_json(self) -> dict[str, Any]:
        return {
            "period": self.period,
            "created": self.created,
            "estimated": [e.as_json() for e in self.estimated],
            "skipped": [{"meter_no": s.meter_no, "reason": s.reason} for s in self.skipped],
        }


_ACCOUNTS = """
    select a.id, a.account_no, a.holder_name, a.customer_class_id, a.billing_mode,
           c.name, coalesce(b.name, ''), a.unit, a.room
    from account a
    join campus c on c.id = a.campus_id
    left join building b on b.id = a.building_id
    where a.id = any(%(ids)s)
"""


def _batches(
    raw: psycopg.Connection[Any], period: Period, turns: Lock
) -> Generator[tuple[list[tuple], dict[int, tuple]], None, None]:
    """The candidate meters (_CANDIDATES' rows) of _BATCH accounts at a time, each batch with
    its accounts (_ACCOUNTS' rows by id).

    Read on a thread of its own (`read_ahead`) on `raw`, used in `turns` (see
    _candidate_connection). The bills the run writes meanwhile are other accounts'."""
    params = {"period": str(period), "start": period.start, "end": period.end}
    with turns, raw.cursor() as cursor:
        to_bill = [account_id for (account_id,) in cursor.execute(_TO_BILL, params)]
    for start in range(0, len(to_bill), _BATCH):
        ids = to_bill[start : start + _BATCH]
        with turns, raw.cursor() as cursor:
            rows = cursor.execute(_CANDIDATES, {**params, "ids": ids}).fetchall()
            accounts = {row[0]: row for row in cursor.execute(_ACCOUNTS, {"ids": ids})}
        yield rows, accounts


@contextmanager
def _candidate_connection(
    session: Session, turns: Lock, caller_wrote: bool
) -> Iterator[tuple[psycopg.Connection[Any], Lock]]:
    """Where the candidates are read and the bills' ids taken, and the turns that connection
    is used in.

    When the caller had written nothing in this transaction before the run, a second
    connection reads them in its snapshot (exported and imported), so a second PostgreSQL
    backend computes them while this one stores bills; its turns are its own. Rows the
    caller wrote and has not committed only this connection sees: the reader then shares it
    in `turns`. (The run's own row is not among the candidates' tables.)
    """
    if caller_wrote:
        yield psycopg_connection(session), turns
        return
    snapshot = session.scalar(text("select pg_export_snapshot()"))
    bind = session.get_bind()
    engine = bind if isinstance(bind, Engine) else bind.engine
    with engine.connect() as second:
        raw = second.execution_options(isolation_level="REPEATABLE READ").connection
        reader = raw.driver_connection
        assert isinstance(reader, psycopg.Connection)
        # The transaction's first statement; its end (the pool's rollback) ends the settings.
        reader.execute(sql.SQL("set transaction snapshot {}").format(sql.Literal(snapshot)))
        set_for_transaction(second, _SETTINGS)
        yield reader, Lock()


def _gather(
    rows: list[tuple],
    accounts: dict[int, tuple],
    estimate: Callable[[list[tuple]], Estimates] | None,
    turns: Lock,
) -> tuple[list[Draft], list[SkippedMeter], list[EstimatedMeter]]:
    """Candidate meters with their two readings, grouped into account drafts; with
    `estimate`, the unread meters go through it (on the session's connection, in `turns`)
    and those estimated are billed too."""
    drafts: dict[int, Draft] = {}
    skipped: list[SkippedMeter] = []
    unread: list[tuple] | None = None if estimate is None else []
    for row in rows:
        _take(row, drafts, skipped, unread)
    estimated: list[EstimatedMeter] = []
    if estimate is not None and unread:
        with turns:
            found = estimate(unread)
        for row in found.rows:
            _take(row, drafts, skipped)
        skipped.extend(SkippedMeter(meter_no, reason) for meter_no, reason in found.skipped)
        estimated = found.estimated
    for draft in drafts.values():
        _, number, holder, class_id, mode, campus, building, unit, room = accounts[draft.account_id]
        draft.account_no, draft.holder_name = number, holder
        draft.customer_class_id, draft.billing_mode = class_id, mode
        draft.address = address_of(campus, building, unit, room)
        if len(draft.meters) > 1:
            draft.meters.sort()  # rows come in account order only; a bill lists meters by id
    return sorted(drafts.values(), key=lambda d: d.account_id), skipped, estimated


def meter_charge(row: tuple) -> MeterCharge | SkippedMeter | None:
    """A candidate meter's charge, or why it is left out (None: nothing to bill yet).

    `row` is shaped as _CANDIDATES returns it; billing one account (account_bills) reads its
    meters in the same shape, so both judge a meter alike. Its last two columns say whether
    the current reading and the previous one are estimates (估抄): after an estimate, an
    actual figure below it is negative usage (a credit), not an anomaly.
    """
    meter_id, meter_no, kind, digits, multiplier, _, blocked, curr_id, curr = row[:9]
    prev_id, prev, estimated, after_estimate = row[9:13]
    if blocked:
        return SkippedMeter(meter_no, blocked)
    if curr_id is None:
        return SkippedMeter(meter_no, "unread")
    if prev_id is None:
        return SkippedMeter(meter_no, "no_previous")
    if prev_id == curr_id:
        # A meter put in this period and not read since: nothing to bill yet.
        return None
    # After an estimate the actual figure trues up, below the estimate too (a credit).
    usage = usage_after(prev, curr, digits, multiplier, estimated=bool(after_estimate))
    if usage is None:
        return SkippedMeter(meter_no, "lower_than_previous")
    return (meter_id, meter_no, kind, multiplier, prev, curr, usage, prev_id, curr_id,
            bool(estimated))  # fmt: skip


def _take(
    row: tuple,
    drafts: dict[int, Draft],
    skipped: list[SkippedMeter],
    unread: list[tuple] | None = None,
) -> None:
    """Sort one candidate meter into its account's draft or the skipped list, or, when the
    run estimates, an unread one into `unread`."""
    charge = meter_charge(row)
    if isinstance(charge, SkippedMeter):
        if unread is not None and charge.reason == "unread":
            unread.append(row)
        else:
            skipped.append(charge)
    elif charge is not None:
        draft = drafts.get(row[5])
        if draft is None:
            draft = drafts[row[5]] = Draft(row[5])
        draft.meters.append(charge)


BILL_COLUMNS = (
    "id", "account_id", "period", "account_no", "holder_name", "address", "billing_mode",
    "total", "status", "run_id",
)  # fmt: skip
BILL_METER_COLUMNS = (
    "bill_id", "meter_id", "meter_no", "kind", "multiplier", "prev", "curr", "usage",
    "prev_reading_id", "curr_reading_id", "estimated",
)  # fmt: skip
BILL_LINE_COLUMNS = ("bill_id", "kind", "component", "usage", "amount", "tariff_id", "note")


@dataclass(slots=True)
class _Chunk:
    """Priced bills with their ids, and their meter and line rows, made on the pricing
    thread; the writer adds what depends on the balances (statuses and draws)."""

    bills: list[tuple[int, PricedDraft]]
    meter_rows: list[tuple[Any, ...]]
    line_rows: list[tuple[Any, ...]]


def _rows(bills: list[PricedDraft], bill_ids: list[int]) -> _Chunk:
    numbered = list(zip(bill_ids, bills, strict=True))
    meter_rows: list[tuple[Any, ...]] = []
    line_rows: list[tuple[Any, ...]] = []
    for bill_id, bill in numbered:
        meter_rows.extend((bill_id, *meter) for meter in bill.draft.meters)
        line_rows.extend(
            (bill_id, x.kind, x.component, x.usage, x.amount, x.tariff_id, x.note)
            for x in bill.lines
        )
    return _Chunk(numbered, meter_rows, line_rows)


def _write(session: Session, period: Period, run_id: int, chunk: _Chunk, turns: Lock) -> None:
    """Write a chunk's bills, meters, lines, balance draws and ledger rows. The connection
    is used in `turns` (see run_billing); the bill rows are made between them."""
    prepaid = []  # and postpaid credits
    postpaid = []
    for bill_id, bill in chunk.bills:
        if bill.draft.billing_mode == PREPAID or bill.total < 0:
            prepaid.append((bill_id, bill))
        elif bill.total > 0:
            postpaid.append((bill_id, bill))
    # Before the bill rows are made, so each is written with its status.
    with turns:
        drawn = _draw_credit(session, postpaid) if postpaid else {}
    text_period = str(period)
    bill_rows = []
    for bill_id, bill in chunk.bills:
        draft = bill.draft
        if draft.billing_mode == PREPAID or bill.total <= 0:
            status = BILL_PAID
        elif draft.account_id in drawn:
            status = BILL_PAID if drawn[draft.account_id][0] == bill.total else BILL_PARTIAL
        else:
            status = BILL_OPEN
        bill_rows.append(
            (bill_id, draft.account_id, text_period, draft.account_no, draft.holder_name,
             draft.address, draft.billing_mode, bill.total, status, run_id)
        )  # fmt: skip
    with turns:
        _store(
            session, period, bill_rows, chunk.meter_rows, chunk.line_rows, prepaid, postpaid, drawn
        )


def _store(
    session: Session,
    period: Period,
    bill_rows: list[tuple[Any, ...]],
    meter_rows: list[tuple[Any, ...]],
    line_rows: list[tuple[Any, ...]],
    prepaid: list[tuple[int, PricedDraft]],
    postpaid: list[tuple[int, PricedDraft]],
    drawn: dict[int, tuple[Decimal, Decimal]],
) -> None:
    copy_rows(session, "bill", BILL_COLUMNS, bill_rows)
    copy_rows(session, "bill_meter", BILL_METER_COLUMNS, meter_rows)
    copy_rows(session, "bill_line", BILL_LINE_COLUMNS, line_rows)
    if prepaid:
        _draw_prepaid(session, period, prepaid)
    if drawn:
        copy_rows(
            session,
            "account_ledger",
            ("account_id", "kind", "amount", "balance_after", "bill_id", "note"),
            (
                (b.draft.account_id, "credit_used", -drawn[b.draft.account_id][0],
                 drawn[b.draft.account_id][1], bill_id, f"{period} 账单抵扣余额")
                for bill_id, b in postpaid
                if b.draft.account_id in drawn
            ),
        )  # fmt: skip


def _draw_true_up_credits(session: Session, period: Period, run_id: int) -> None:
    """A postpaid bill below zero (an estimate trued up, 估抄冲回) put its credit on the
    balance; that credit pays the account's open bills at once, as any credit does."""
    accounts = session.scalars(
        select(Account)
        .join(Bill, Bill.account_id == Account.id)
        .where(
            Bill.period == str(period),
            Bill.run_id == run_id,
            Bill.total < 0,
            Account.billing_mode != PREPAID,
        )
        .order_by(Account.id)
        .with_for_update(of=Account)
    ).all()
    for account in accounts:
        balances.draw_credit(session, account)


def _draw_prepaid(session: Session, period: Period, bills: list[tuple[int, PricedDraft]]) -> None:
    """Prepaid bills draw on the account balance, which may go negative (credits add)."""
    balances: dict[int, Decimal] = dict(
        session.execute(
            text(
                "update account a set balance = a.balance - d.total "
                "from unnest(cast(:ids as integer[]), cast(:totals as numeric[])) as d(id, total) "
                "where a.id = d.id returning a.id, a.balance"
            ),
            {
                "ids": [b.draft.account_id for _, b in bills],
                "totals": [b.total for _, b in bills],
            },
        ).all()
    )
    copy_rows(
        session,
        "account_ledger",
        ("account_id", "kind", "amount", "balance_after", "bill_id", "note"),
        (
            (b.draft.account_id, "bill", -b.total, balances[b.draft.account_id], bill_id,
             f"{period} 账单")
            for bill_id, b in bills
        ),
    )  # fmt: skip


# The locked rows are re-read at their newest version, so `least` sees the balance the
# update changes; accounts without credit are neither locked nor written.
_DRAW_CREDIT = """
    with credit as (
        select a.id, least(a.balance, d.total) as drawn
        from account a
        join unnest(cast(:ids as integer[]), cast(:totals as numeric[])) as d(id, total)
          on a.id = d.id
        where a.balance > 0
        order by a.id
        for update of a)
    update account a set balance = a.balance - c.drawn
    from credit c where a.id = c.id
    returning a.id, c.drawn, a.balance
"""


def _draw_credit(
    session: Session, bills: list[tuple[int, PricedDraft]]
) -> dict[int, tuple[Decimal, Decimal]]:
    """Postpaid bills draw on the account's credit: {account_id: (drawn, balance after)}."""
    rows = session.execute(
        text(_DRAW_CREDIT),
        {"ids": [b.draft.account_id for _, b in bills], "totals": [b.total for _, b in bills]},
    )
    return {account_id: (drawn, balance) for account_id, drawn, balance in rows}


def run_billing(
    session: Session,
    actor: Actor,
    period: Period,
    *,
    estimate: bool = False,
    estimate_limit: int = 2,
) -> BillingRunResult:
    """Bill every account not yet billed for `period`; running it again creates nothing.

    `estimate`: unread meters are billed on an estimate (估抄, `estimates`), unless their
    last `estimate_limit` bills already were."""
    permissions.require(session, actor, "billing")
    session.execute(
        select(func.pg_advisory_xact_lock(_BILLING_LOCK, period.year * 100 + period.month))
    )
    already_billed = session.scalar(
        select(func.count())
        .select_from(Bill)
        .where(Bill.period == str(period), Bill.kind == REGULAR)
    )
    estimating = (
        partial(estimates.estimate_unread, session, actor.staff_id, period, limit=estimate_limit)
        if estimate
        else None
    )
    span = Span.of(period)
    book = load_tariff_book(session)
    caller_wrote = bool(session.scalar(text("select pg_current_xact_id_if_assigned() is not null")))
    run = BillingRun(
        period=str(period),
        staff_id=actor.staff_id,
        created=0,  # counted below, with what is skipped
        # The transaction's own clock, as a payment takes it: the demo's replayed year runs
        # under a simulated one, and the bill_notices job tells residents of recent runs only.
        created_at=transaction_time(session),
    )
    session.add(run)
    session.flush()
    run_id = run.id
    created = 0
    skipped: list[SkippedMeter] = []
    estimated: list[EstimatedMeter] = []
    cache: PriceCache = {}
    # Three threads: one reads the candidates ahead (on a second connection, or on this one
    # in turns: _candidate_connection), this one gathers and prices them, one writes the
    # bills. So PostgreSQL computes the next rows and stores the last bills while Python
    # prices: both cores work.
    turns = Lock()

    def write(chunk: _Chunk) -> None:
        _write(session, period, run_id, chunk, turns)

    with (
        gc_paused(),
        transaction_settings(session, _SETTINGS),
        _candidate_connection(session, turns, caller_wrote) as (reader, reader_turns),
        read_ahead(_batches(reader, period, reader_turns), "billing candidates") as batches,
        write_behind(write, "billing") as put,
    ):
        for rows, accounts in batches:
            drafts, left_out, batch_estimated = _gather(rows, accounts, estimating, turns)
            ready, unpriced = resolve_tariffs(drafts, book, span)
            skipped.extend(left_out)
            skipped.extend(SkippedMeter(meter_no, "no_tariff") for meter_no in unpriced)
            # An estimate of a meter left unpriced stands unbilled: the next bill goes on
            # from the last actual reading.
            unbilled = set(unpriced)
            estimated.extend(e for e in batch_estimated if e.meter_no not in unbilled)
            with turns:
                years = year_to_date(session, period, ready)
            for start in range(0, len(ready), _CHUNK):
                bills = price_drafts(ready[start : start + _CHUNK], cache, span, years)
                with reader_turns:
                    bill_ids = allocate_ids(reader, "bill", len(bills))
                put(_rows(bills, bill_ids))
            created += len(ready)
    skipped.sort(key=lambda s: (s.meter_no, s.reason))
    run.created = created
    run.skipped = [{"meter_no": s.meter_no, "reason": s.reason} for s in skipped]
    _draw_true_up_credits(session, period, run_id)
    audit.record(
        session,
        actor,
        "billing.run",
        "billing_run",
        run.id,
        {"period": str(period), "created": created, "skipped": len(skipped),
         "estimated": [e.meter_no for e in estimated]},
    )  # fmt: skip
    return BillingRunResult(
        str(period), created, tuple(skipped), run_id, already_billed or 0, tuple(estimated)
    )


def list_bills(session: Session, period: Period, account_no: str | None = None) -> list[BillView]:
    query = (
        select(Bill)
        .where(Bill.period == str(period))
        .options(selectinload(Bill.meters), selectinload(Bill.lines))
        .order_by(Bill.account_no)
    )
    if account_no:
        query = query.where(Bill.account_no == account_no.strip())
    return [bill_view(b) for b in session.scalars(query)]
