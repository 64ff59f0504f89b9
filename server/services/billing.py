"""The monthly billing run (出账) and reading bills back.

One bill per account and period. A meter's reading of period P is its latest accepted
reading dated in P; its previous is the reading its last bill ended on, else the latest
accepted reading before P, else (a meter put in during P by a replacement) its initial
reading. The run is set-based: one query gathers every candidate meter with its two
readings, Python prices them, and COPY writes the bills, so 50,000 accounts bill in seconds.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select, text
from sqlalchemy.orm import Session, selectinload

from server.db.models import Bill, BillingRun
from server.db.models.accounts import PREPAID
from server.db.models.billing import BILL_OPEN, BILL_PAID
from server.services import audit
from server.services.accounts import address_of
from server.services.audit import Actor
from server.services.calendar import Period
from server.services.tariffs import TariffBook, load_tariff_book, price_usage
from server.services.usage import quantity_text, usage_between

# Reasons a meter is left out of a run; the CLI and the desktop show the Chinese label.
SKIP_REASONS = {
    "held": "读数待审核",
    "unread": "本期未抄",
    "no_previous": "无上期读数",
    "lower_than_previous": "读数低于上期",
    "no_tariff": "无适用价格",
    "billed_later": "已在更晚账期出账",
}

_BILLING_LOCK = 645_2007  # advisory-lock namespace of billing runs

_CANDIDATES = text(
    """
    select m.id as meter_id, m.meter_no, m.kind, m.digits, m.multiplier,
           a.id as account_id, a.account_no, a.holder_name, a.customer_class_id,
           a.billing_mode, c.name as campus, coalesce(b.name, '') as building, a.unit, a.room,
           exists (select 1 from reading h
                   where h.meter_id = m.id and h.status = 'held'
                     and h.read_at >= :start and h.read_at < :end) as held,
           cur.id as curr_id, cur.value as curr,
           billed.id as billed_id, billed.value as billed, billed.read_at >= :start as billed_later,
           prior.id as prior_id, prior.value as prior,
           init.id as init_id, init.value as init
    from meter m
    join account a on a.id = m.account_id
    join campus c on c.id = a.campus_id
    left join building b on b.id = a.building_id
    left join lateral (
        select r.id, r.value from reading r
        where r.meter_id = m.id and r.status = 'accepted'
          and r.read_at >= :start and r.read_at < :end
        order by r.read_at desc, r.id desc limit 1) cur on true
    left join lateral (
        select r.id, r.value, r.read_at
        from bill_meter bm join reading r on r.id = bm.curr_reading_id
        where bm.meter_id = m.id
        order by r.read_at desc, bm.id desc limit 1) billed on true
    left join lateral (
        select r.id, r.value from reading r
        where r.meter_id = m.id and r.status = 'accepted' and r.read_at < :start
        order by r.read_at desc, r.id desc limit 1) prior on true
    left join lateral (
        select r.id, r.value from reading r
        where r.meter_id = m.id and r.status = 'accepted' and r.source = 'initial'
          and r.read_at >= :start and r.read_at < :end
        order by r.read_at, r.id limit 1) init on true
    where a.active
      and not exists (select 1 from bill x where x.account_id = a.id and x.period = :period)
      and (m.status = 'active'
           or exists (select 1 from meter_replacement mr
                      where mr.old_meter_id = m.id and mr.replaced_at >= :start))
    order by a.id, m.id
    """
)


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

    def as_json(self) -> dict[str, Any]:
        return {
            "period": self.period,
            "created": self.created,
            "skipped": [{"meter_no": s.meter_no, "reason": s.reason} for s in self.skipped],
        }


@dataclass
class _MeterCharge:
    meter_id: int
    meter_no: str
    kind: str
    multiplier: Decimal
    prev: Decimal
    curr: Decimal
    usage: Decimal
    prev_id: int
    curr_id: int


@dataclass
class _Draft:
    account_id: int
    account_no: str
    holder_name: str
    address: str
    billing_mode: str
    customer_class_id: int
    meters: list[_MeterCharge] = field(default_factory=list)


def _gather(session: Session, period: Period) -> tuple[list[_Draft], list[SkippedMeter]]:
    params = {"period": str(period), "start": period.start, "end": period.end}
    drafts: dict[int, _Draft] = {}
    skipped: list[SkippedMeter] = []
    for row in session.execute(_CANDIDATES, params).mappings():
        if row["held"]:
            skipped.append(SkippedMeter(row["meter_no"], "held"))
            continue
        if row["billed_later"]:
            skipped.append(SkippedMeter(row["meter_no"], "billed_later"))
            continue
        if row["curr_id"] is None:
            skipped.append(SkippedMeter(row["meter_no"], "unread"))
            continue
        for key in ("billed", "prior", "init"):
            if row[f"{key}_id"] is not None:
                prev_id, prev = row[f"{key}_id"], row[key]
                break
        else:
            skipped.append(SkippedMeter(row["meter_no"], "no_previous"))
            continue
        if prev_id == row["curr_id"]:
            # A meter put in this period and not read since: nothing to bill yet.
            continue
        usage = usage_between(prev, row["curr"], row["digits"], row["multiplier"]).usage
        if usage is None:
            skipped.append(SkippedMeter(row["meter_no"], "lower_than_previous"))
            continue
        draft = drafts.get(row["account_id"])
        if draft is None:
            draft = drafts[row["account_id"]] = _Draft(
                account_id=row["account_id"],
                account_no=row["account_no"],
                holder_name=row["holder_name"],
                address=address_of(row["campus"], row["building"], row["unit"], row["room"]),
                billing_mode=row["billing_mode"],
                customer_class_id=row["customer_class_id"],
            )
        draft.meters.append(
            _MeterCharge(
                meter_id=row["meter_id"],
                meter_no=row["meter_no"],
                kind=row["kind"],
                multiplier=row["multiplier"],
                prev=prev,
                curr=row["curr"],
                usage=usage,
                prev_id=prev_id,
                curr_id=row["curr_id"],
            )
        )
    return list(drafts.values()), skipped


@dataclass
class _PricedBill:
    draft: _Draft
    lines: list[tuple[str, str, Decimal, Decimal, int, list[dict[str, str]]]]
    total: Decimal


def _price(
    drafts: Iterable[_Draft], book: TariffBook, period: Period, skipped: list[SkippedMeter]
) -> list[_PricedBill]:
    priced = []
    for draft in drafts:
        by_kind: dict[str, list[_MeterCharge]] = defaultdict(list)
        for meter in draft.meters:
            by_kind[meter.kind].append(meter)
        lines = []
        for kind in sorted(by_kind, reverse=True):
            tariff = book.in_force(kind, draft.customer_class_id, period.first_day)
            if tariff is None:
                skipped.extend(SkippedMeter(m.meter_no, "no_tariff") for m in by_kind[kind])
                draft.meters = [m for m in draft.meters if m.kind != kind]
                continue
            usage = sum((m.usage for m in by_kind[kind]), Decimal(0))
            for charge in price_usage(tariff.components, usage):
                tiers = [t.as_json() for t in charge.tiers]
                lines.append((kind, charge.name, usage, charge.amount, tariff.tariff_id, tiers))
        if draft.meters:
            total = sum((line[3] for line in lines), Decimal("0.00"))
            priced.append(_PricedBill(draft, lines, total))
    return priced


def _allocate_ids(session: Session, table: str, count: int) -> list[int]:
    if count == 0:
        return []
    return list(
        session.scalars(
            text(
                f"select nextval(pg_get_serial_sequence('{table}', 'id')) "
                "from generate_series(1, :n)"
            ),
            {"n": count},
        )
    )


def _copy(session: Session, table: str, columns: Sequence[str], rows: Iterable[Sequence]) -> None:
    raw = session.connection().connection.driver_connection
    statement = f"copy {table} ({', '.join(columns)}) from stdin"
    with raw.cursor() as cursor, cursor.copy(statement) as copy:
        for row in rows:
            copy.write_row(row)


def _write(session: Session, period: Period, run_id: int, bills: list[_PricedBill]) -> None:
    bill_ids = _allocate_ids(session, "bill", len(bills))
    statuses = []
    for bill in bills:
        prepaid = bill.draft.billing_mode == PREPAID
        statuses.append(BILL_PAID if prepaid or bill.total == 0 else BILL_OPEN)
    _copy(
        session,
        "bill",
        (
            "id",
            "account_id",
            "period",
            "account_no",
            "holder_name",
            "address",
            "billing_mode",
            "total",
            "status",
            "run_id",
        ),
        (
            (
                bill_id,
                b.draft.account_id,
                str(period),
                b.draft.account_no,
                b.draft.holder_name,
                b.draft.address,
                b.draft.billing_mode,
                b.total,
                status,
                run_id,
            )
            for bill_id, b, status in zip(bill_ids, bills, statuses, strict=True)
        ),
    )
    _copy(
        session,
        "bill_meter",
        (
            "bill_id",
            "meter_id",
            "meter_no",
            "kind",
            "multiplier",
            "prev",
            "curr",
            "usage",
            "prev_reading_id",
            "curr_reading_id",
        ),
        (
            (
                bill_id,
                m.meter_id,
                m.meter_no,
                m.kind,
                m.multiplier,
                m.prev,
                m.curr,
                m.usage,
                m.prev_id,
                m.curr_id,
            )
            for bill_id, b in zip(bill_ids, bills, strict=True)
            for m in b.draft.meters
        ),
    )
    _copy(
        session,
        "bill_line",
        ("bill_id", "kind", "component", "usage", "amount", "tariff_id", "tiers"),
        (
            (bill_id, kind, name, usage, amount, tariff_id, json.dumps(tiers))
            for bill_id, b in zip(bill_ids, bills, strict=True)
            for kind, name, usage, amount, tariff_id, tiers in b.lines
        ),
    )
    prepaid = [
        (bill_id, b)
        for bill_id, b in zip(bill_ids, bills, strict=True)
        if b.draft.billing_mode == PREPAID
    ]
    if prepaid:
        _draw_prepaid(session, period, prepaid)


def _draw_prepaid(session: Session, period: Period, bills: list[tuple[int, _PricedBill]]) -> None:
    """Prepaid bills draw on the account balance, which may go negative."""
    balances = dict(
        session.execute(
            text(
                "update account a set balance = a.balance - d.total "
                "from unnest(cast(:ids as integer[]), cast(:totals as numeric[])) as d(id, total) "
                "where a.id = d.id returning a.id, a.balance"
            ),
            {"ids": [b.draft.account_id for _, b in bills], "totals": [b.total for _, b in bills]},
        ).all()
    )
    _copy(
        session,
        "account_ledger",
        ("account_id", "kind", "amount", "balance_after", "bill_id", "note"),
        (
            (
                b.draft.account_id,
                "bill",
                -b.total,
                balances[b.draft.account_id],
                bill_id,
                f"{period} 账单",
            )
            for bill_id, b in bills
        ),
    )


def run_billing(session: Session, actor: Actor, period: Period) -> BillingRunResult:
    """Bill every account not yet billed for `period`; running it again creates nothing."""
    session.execute(
        select(func.pg_advisory_xact_lock(_BILLING_LOCK, period.year * 100 + period.month))
    )
    already_billed = session.scalar(
        select(func.count()).select_from(Bill).where(Bill.period == str(period))
    )
    drafts, skipped = _gather(session, period)
    bills = _price(drafts, load_tariff_book(session), period, skipped)
    skipped.sort(key=lambda s: (s.meter_no, s.reason))
    run = BillingRun(
        period=str(period),
        staff_id=actor.staff_id,
        created=len(bills),
        skipped=[{"meter_no": s.meter_no, "reason": s.reason} for s in skipped],
    )
    session.add(run)
    session.flush()
    _write(session, period, run.id, bills)
    audit.record(
        session,
        actor,
        "billing.run",
        "billing_run",
        run.id,
        {"period": str(period), "created": len(bills), "skipped": len(skipped)},
    )
    return BillingRunResult(str(period), len(bills), tuple(skipped), run.id, already_billed or 0)


@dataclass(frozen=True)
class BillMeterView:
    meter_no: str
    kind: str
    prev: Decimal
    curr: Decimal
    usage: Decimal


@dataclass(frozen=True)
class BillLineView:
    kind: str
    component: str
    usage: Decimal
    amount: Decimal


@dataclass(frozen=True)
class BillView:
    bill_id: int
    account_no: str
    holder_name: str
    address: str
    period: str
    total: Decimal
    status: str
    meters: tuple[BillMeterView, ...]
    lines: tuple[BillLineView, ...]

    def as_json(self) -> dict[str, Any]:
        return {
            "account_no": self.account_no,
            "period": self.period,
            "total": str(self.total),
            "status": self.status,
            "meters": [
                {
                    "meter_no": m.meter_no,
                    "prev": quantity_text(m.prev),
                    "curr": quantity_text(m.curr),
                    "usage": quantity_text(m.usage),
                }
                for m in self.meters
            ],
            "lines": [
                {
                    "kind": line.kind,
                    "component": line.component,
                    "usage": quantity_text(line.usage),
                    "amount": str(line.amount),
                }
                for line in self.lines
            ],
        }


def list_bills(session: Session, period: Period, account_no: str | None = None) -> list[BillView]:
    query = (
        select(Bill)
        .where(Bill.period == str(period))
        .options(selectinload(Bill.meters), selectinload(Bill.lines))
        .order_by(Bill.account_no)
    )
    if account_no:
        query = query.where(Bill.account_no == account_no.strip())
    return [
        BillView(
            bill_id=b.id,
            account_no=b.account_no,
            holder_name=b.holder_name,
            address=b.address,
            period=b.period,
            total=b.total,
            status=b.status,
            meters=tuple(
                BillMeterView(m.meter_no, m.kind, m.prev, m.curr, m.usage) for m in b.meters
            ),
            lines=tuple(BillLineView(x.kind, x.component, x.usage, x.amount) for x in b.lines),
        )
        for b in session.scalars(query)
    ]
