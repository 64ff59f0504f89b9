"""Pricing one kind's usage over a span of days: the rules a billing run and a single bill
(rebill, final bill) share. Pure: the tariffs in force and the year to date come in.

- A span of part months (a final bill at move-out) scales monthly tier thresholds by its
  factor: whole months + days covered / days in the month of each part month.
- A tariff change inside the span splits the usage by the days each tariff was in force
  (shares to 0.001 half-up, the last takes the remainder); each share is priced on its
  tariff with thresholds scaled by the span's factor × its days / the span's days.
- An annual tariff (年阶梯) prices the usage where the year's total has got to: the tier
  portions between the year to date and it plus the usage, thresholds never scaled.
- Negative usage (an actual reading below the estimate billed before it) is a credit: per
  component, minus the price of its size on the tariff's tiers from 0.
"""

from __future__ import annotations

import calendar
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction
from functools import cached_property

from server.db.models.tariffs import ANNUAL
from server.services.billing.tariffs import WHOLE, TariffView, component_amount
from server.services.core.calendar import Period

SHARE = Decimal("0.001")  # a usage share, as precise as a bill's usage
ESTIMATED = "估"
TRUE_UP = "估抄冲回"


@dataclass(frozen=True)
class Span:
    """The days a bill covers, first and last inclusive."""

    first: date
    last: date

    @classmethod
    def of(cls, period: Period) -> Span:
        return cls(period.first_day, period.shift(1).first_day - timedelta(days=1))

    @property
    def days(self) -> int:
        return (self.last - self.first).days + 1

    def _months(self) -> list[tuple[int, int]]:
        """(days covered, days in the month) of each month the span touches."""
        months = []
        day = self.first
        while day <= self.last:
            length = calendar.monthrange(day.year, day.month)[1]
            month_end = date(day.year, day.month, length)
            covered = (min(month_end, self.last) - day).days + 1
            months.append((covered, length))
            day = month_end + timedelta(days=1)
        return months

    # Kept: a run prices thousands of usages over one span.
    @cached_property
    def factor(self) -> Fraction:
        """How many months' thresholds the span is worth (1 for a whole month)."""
        return sum((Fraction(d, n) for d, n in self._months()), Fraction(0))

    @cached_property
    def note(self) -> str:
        """「按日折算 15/31 天」 for the part months (「按日折算 1 个月+5/31 天」 beside whole
        ones); "" for whole months only."""
        months = self._months()
        parts = [f"{d}/{n}" for d, n in months if d != n]
        whole = len(months) - len(parts)
        if not parts:
            return ""
        return f"按日折算 {f'{whole} 个月+' if whole else ''}{'+'.join(parts)} 天"


@dataclass(frozen=True)
class DraftLine:
    """A priced bill line (tariff_id None: a line no tariff prices, e.g. an adjustment)."""

    kind: str
    component: str
    usage: Decimal
    amount: Decimal
    tariff_id: int | None
    note: str = ""


def shares(usage: Decimal, days: Sequence[int]) -> list[Decimal]:
    """`usage` split in proportion to `days`, to 0.001 half-up; the last takes the rest."""
    if len(days) == 1:
        return [usage]
    total = sum(days)
    parts = [(usage * d / total).quantize(SHARE, rounding=ROUND_HALF_UP) for d in days[:-1]]
    return [*parts, usage - sum(parts, Decimal(0))]


def _note(*parts: str) -> str:
    return " ".join(p for p in parts if p)


def price_kind(
    kind: str,
    usage: Decimal,
    segments: Sequence[tuple[TariffView, int]],
    span: Span,
    *,
    year_to_date: Decimal = Decimal(0),
    note: str = "",
) -> list[DraftLine]:
    """The bill lines of one kind's usage over `span`: per tariff in force (`segments`, from
    TariffBook.segments) one line per component. `year_to_date`: the kind's usage billed
    earlier in the year (annual tariffs); `note`: what every line also says (估)."""
    if usage < 0:
        tariff = segments[-1][0]
        return [
            DraftLine(kind, c.name, usage, -component_amount(c.tiers, -usage),
                      tariff.tariff_id, TRUE_UP)
            for c in tariff.components
        ]  # fmt: skip
    split = len(segments) > 1
    reached = year_to_date
    lines: list[DraftLine] = []
    start = span.first
    for (tariff, days), share in zip(
        segments, shares(usage, [d for _, d in segments]), strict=True
    ):
        since = f"{start:%m-%d} 起" if split else ""
        if tariff.tier_basis == ANNUAL:
            scale, begin, line_note = WHOLE, reached, _note(since, note)
        else:
            scale = span.factor * Fraction(days, span.days) if split else span.factor
            begin, line_note = Decimal(0), _note(since, span.note, note)
        lines.extend(
            DraftLine(kind, c.name, share, component_amount(c.tiers, share, scale, begin),
                      tariff.tariff_id, line_note)
            for c in tariff.components
        )  # fmt: skip
        reached += share
        start += timedelta(days=days)
    return lines
