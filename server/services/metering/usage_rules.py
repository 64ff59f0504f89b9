"""The metering rules as pure functions: usage, rollover and the anomaly flags.

Kept free of the database so the reading service, the legacy import and the billing run
apply exactly the same rule.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

LOWER_THAN_PREVIOUS = "lower_than_previous"
SURGE = "surge"
ROLLOVER = "rollover"

# Readings and usage are stored with 3 decimals (NUMERIC(16, 3)).
QUANTITY = Decimal("0.001")
# The unit usage is counted in, per meter kind (server.db.models.metering.KINDS).
KIND_UNITS = {"electricity": "kWh", "water": "m³"}

SURGE_FACTOR = Decimal(3)
SURGE_MIN_USAGE = Decimal(10)
SURGE_MIN_MONTHS = 3
SURGE_HISTORY_MONTHS = 12

# Flags that hold a reading for review (not billed until someone decides).
HOLDING_FLAGS = frozenset({LOWER_THAN_PREVIOUS})

FLAG_LABELS = {
    LOWER_THAN_PREVIOUS: "读数低于上次",
    SURGE: "用量突增",
    ROLLOVER: "表计翻转",
}


@dataclass(frozen=True)
class Usage:
    """Usage between two readings; `usage` is None when it is an anomaly, not a figure."""

    usage: Decimal | None
    wrapped: bool = False

    @property
    def flags(self) -> tuple[str, ...]:
        if self.usage is None:
            return (LOWER_THAN_PREVIOUS,)
        return (ROLLOVER,) if self.wrapped else ()


def usage_between(prev: Decimal, curr: Decimal, digits: int, multiplier: Decimal) -> Usage:
    """(curr − prev) × multiplier, adding 10^digits when the register wrapped.

    A register below its previous value wrapped only if the wrapped distance is under half
    the register's range; anything else is a reading lower than the previous one.
    """
    if curr >= prev:
        return Usage(_quantity((curr - prev) * multiplier))
    span = Decimal(10) ** digits
    wrapped = span - prev + curr
    if wrapped < span / 2:
        return Usage(_quantity(wrapped * multiplier), wrapped=True)
    return Usage(None)


def usage_after(
    prev: Decimal, curr: Decimal, digits: int, multiplier: Decimal, *, estimated: bool
) -> Decimal | None:
    """`usage_between`, except that after an estimated reading (`estimated`) a figure below
    it is negative usage, the estimates having gone past the register, not an anomaly."""
    if curr >= prev:
        # usage_between's first case, without its Usage: a billing run asks two million times.
        return _quantity((curr - prev) * multiplier)
    usage = usage_between(prev, curr, digits, multiplier).usage
    if usage is None and estimated:
        return _quantity((curr - prev) * multiplier)
    return usage


def _quantity(value: Decimal) -> Decimal:
    return value.quantize(QUANTITY, rounding=ROUND_HALF_UP)


def quantity_text(value: Decimal) -> str:
    """A reading or usage as people write it: 1300, 112.5 — not 1300.000 or 1.3E+3."""
    return format(value.normalize(), "f")


def mean_monthly_usage(monthly: Sequence[Decimal]) -> Decimal | None:
    """The mean of up to 12 months of accepted usage; None with fewer than 3 months."""
    if len(monthly) < SURGE_MIN_MONTHS:
        return None
    recent = list(monthly)[-SURGE_HISTORY_MONTHS:]
    return sum(recent, Decimal(0)) / len(recent)


def is_surge(usage: Decimal, monthly_history: Sequence[Decimal]) -> bool:
    mean = mean_monthly_usage(monthly_history)
    if mean is None:
        return False
    return usage > SURGE_FACTOR * mean and usage > SURGE_MIN_USAGE


@dataclass(frozen=True)
class Assessment:
    usage: Decimal | None
    flags: tuple[str, ...]

    @property
    def held(self) -> bool:
        return any(flag in HOLDING_FLAGS for flag in self.flags)


def assess(
    prev: Decimal | None,
    curr: Decimal,
    digits: int,
    multiplier: Decimal,
    monthly_history: Sequence[Decimal] = (),
) -> Assessment:
    """Flags for a new reading against the previous accepted one, as shown at entry."""
    if prev is None:
        return Assessment(None, ())
    result = usage_between(prev, curr, digits, multiplier)
    flags = list(result.flags)
    if result.usage is not None and is_surge(result.usage, monthly_history):
        flags.append(SURGE)
    return Assessment(result.usage, tuple(flags))


def describe_flags(flags: Sequence[str]) -> str:
    return "，".join(FLAG_LABELS.get(flag, flag) for flag in flags)
