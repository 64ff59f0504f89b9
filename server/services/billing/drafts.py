"""A bill in the making: an account's metered usage of each kind, the tariffs in force over
the days the bill covers, and its priced lines (billing.pricing). A billing run drafts
thousands at once, account_bills one; both go through here.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from sqlalchemy import text
from sqlalchemy.orm import Session

from server.db.models.metering import KINDS
from server.db.models.tariffs import ANNUAL
from server.services.billing.pricing import ESTIMATED, DraftLine, Span, price_kind
from server.services.billing.tariffs import TariffBook, TariffView
from server.services.core.calendar import Period
from server.services.core.money import ZERO

# (meter_id, meter_no, kind, multiplier, prev, curr, usage, prev_reading_id, curr_reading_id,
#  estimated: the current reading is an estimate)
MeterCharge = tuple[int, str, str, Decimal, Decimal, Decimal, Decimal, int, int, bool]
# The tariffs in force over a bill's days, each with its number of days.
Segments = list[tuple[TariffView, int]]


@dataclass(frozen=True)
class Tariffs:
    """The tariffs in force over a bill's days, and what a run asks of them for each bill."""

    segments: Segments
    ids: tuple[int, ...]
    annual: bool  # an annual tariff (年阶梯) among them: the year to date is wanted

    @classmethod
    def of(cls, segments: Segments) -> Tariffs:
        return cls(
            segments,
            tuple(t.tariff_id for t, _ in segments),
            any(t.tier_basis == ANNUAL for t, _ in segments),
        )


# Not frozen, and with slots: a run makes one per account and kind, a million and more, and
# a frozen dataclass's __init__ costs three times as much.
@dataclass(slots=True)
class Charge:
    """One kind's usage on a bill and what prices it."""

    kind: str
    usage: Decimal
    tariffs: Tariffs
    note: str  # 估 when a meter of the kind was estimated


@dataclass(slots=True)
class Draft:
    account_id: int
    meters: list[MeterCharge] = field(default_factory=list)
    charges: list[Charge] = field(default_factory=list)
    account_no: str = ""
    holder_name: str = ""
    address: str = ""
    billing_mode: str = ""
    customer_class_id: int = 0


@dataclass(slots=True)
class PricedDraft:
    draft: Draft
    lines: list[DraftLine]
    total: Decimal


def resolve_tariffs(
    drafts: Iterable[Draft], book: TariffBook, span: Span
) -> tuple[list[Draft], list[str]]:
    """Each draft's usage per kind with the tariffs in force over `span`: the drafts with
    something to bill, and the meters (numbers) no tariff prices, taken off their drafts.

    Done before pricing so a run knows how many bills it makes before it writes any.
    """
    ready = []
    unpriced: list[str] = []
    # A run's drafts share a span: each kind and class is looked up once.
    found: dict[tuple[str, int], Tariffs | None] = {}
    for draft in drafts:
        # {kind: [usage, estimated]}; electricity before water, as on the paper notices.
        usage_by_kind: dict[str, list[Any]] = {}
        for meter in (
            sorted(draft.meters, key=_kind_order) if len(draft.meters) > 1 else draft.meters
        ):
            summed = usage_by_kind.get(meter[2])
            if summed is None:
                usage_by_kind[meter[2]] = [meter[6], meter[9]]
            else:
                summed[0] += meter[6]
                summed[1] = summed[1] or meter[9]
        for kind, (usage, estimated) in usage_by_kind.items():
            key = (kind, draft.customer_class_id)
            tariffs = found.get(key, _UNSEEN)
            if tariffs is _UNSEEN:
                segments = book.segments(kind, key[1], span.first, span.last)
                tariffs = found[key] = Tariffs.of(segments) if segments else None
            if tariffs is not None:
                draft.charges.append(Charge(kind, usage, tariffs, ESTIMATED if estimated else ""))
            else:
                unpriced.extend(m[1] for m in draft.meters if m[2] == kind)
                draft.meters = [m for m in draft.meters if m[2] != kind]
        if draft.meters:
            ready.append(draft)
    return ready, unpriced


_UNSEEN = Tariffs([], (), False)
_KIND_ORDER = {kind: index for index, kind in enumerate(KINDS)}


def _kind_order(meter: MeterCharge) -> int:
    return _KIND_ORDER[meter[2]]


_YEAR_TO_DATE = text("""
    select b.account_id, bm.kind, sum(bm.usage)
    from bill b join bill_meter bm on bm.bill_id = b.id
    where b.account_id = any(:ids) and b.status <> 'void'
      and b.period >= :year_start and b.period < :period
    group by b.account_id, bm.kind
""")


def year_to_date(
    session: Session, period: Period, drafts: Iterable[Draft]
) -> dict[tuple[int, str], Decimal]:
    """{(account, kind): usage billed in the year before `period`} for the drafts an annual
    tariff prices (年阶梯); one query, none without such a tariff."""
    ids = [d.account_id for d in drafts if any(c.tariffs.annual for c in d.charges)]
    if not ids:
        return {}
    rows = session.execute(
        _YEAR_TO_DATE,
        {"ids": ids, "year_start": str(Period(period.year, 1)), "period": str(period)},
    )
    return {(account_id, kind): usage for account_id, kind, usage in rows}


# Each priced figure's lines and their sum.
PriceCache = dict[tuple[tuple[int, ...], Decimal, Decimal, str], tuple[list[DraftLine], Decimal]]


def price_drafts(
    drafts: Iterable[Draft],
    cache: PriceCache,
    span: Span,
    years: dict[tuple[int, str], Decimal],
) -> list[PricedDraft]:
    """Price each draft's charges over `span`; `years` is year_to_date's answer."""
    priced = []
    for draft in drafts:
        lines: list[DraftLine] = []
        total = ZERO
        for charge in draft.charges:
            tariffs = charge.tariffs
            reached = years.get((draft.account_id, charge.kind), ZERO) if tariffs.annual else ZERO
            key = (tariffs.ids, charge.usage, reached, charge.note)
            found = cache.get(key)
            if found is None:
                # Many accounts use the same amount in a month; price each figure once.
                kind_lines = price_kind(
                    charge.kind, charge.usage, tariffs.segments, span,
                    year_to_date=reached, note=charge.note,
                )  # fmt: skip
                found = cache[key] = (kind_lines, sum((x.amount for x in kind_lines), ZERO))
            lines += found[0]
            total += found[1]
        priced.append(PricedDraft(draft, lines, total))
    return priced
