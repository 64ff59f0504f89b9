"""Tariffs: which one applies on which days, and pricing usage through tiers."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from fractions import Fraction

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from server.db.models import Tariff, TariffComponent, TariffTier
from server.db.models.metering import KINDS
from server.db.models.tariffs import ANNUAL, MONTHLY
from server.services.accounts.accounts import class_by_name
from server.services.core import audit, permissions
from server.services.core.audit import Actor
from server.services.core.errors import DomainError, InvalidInput
from server.services.core.money import round_fen


@dataclass(frozen=True)
class Tier:
    start: Decimal
    unit_price: Decimal


@dataclass(frozen=True)
class ComponentSpec:
    name: str
    tiers: tuple[Tier, ...]


@dataclass(frozen=True)
class TariffSpec:
    kind: str
    customer_class: str
    effective_from: date
    components: tuple[ComponentSpec, ...]
    name: str = ""
    # MONTHLY, or ANNUAL (年阶梯): tiers apply to the usage accumulated in the year.
    tier_basis: str = MONTHLY


TIER_BASIS_LABELS = {MONTHLY: "月阶梯", ANNUAL: "年阶梯"}
WHOLE = Fraction(1)


@dataclass(frozen=True)
class TierCharge:
    start: Decimal
    usage: Decimal
    unit_price: Decimal

    def as_json(self) -> dict[str, str]:
        return {"start": str(self.start), "usage": str(self.usage), "price": str(self.unit_price)}


@dataclass(frozen=True)
class ComponentCharge:
    name: str
    usage: Decimal
    amount: Decimal
    tiers: tuple[TierCharge, ...] = field(default=())


def _portions(
    ordered: Sequence[Tier], usage: Decimal, scale: Fraction = WHOLE, start: Decimal = Decimal(0)
) -> Iterator[tuple[Tier, Decimal]]:
    """The part of the usage from `start` to `start + usage` each tier prices: from its
    start up to the next tier's start, both times `scale` (a part month's thresholds)."""
    end = start + usage
    last = len(ordered) - 1
    whole = scale == 1
    for index, tier in enumerate(ordered):
        low = tier.start if whole else tier.start * scale.numerator / scale.denominator
        if end <= low:
            return
        top = end
        if index < last:
            following = ordered[index + 1].start
            if not whole:
                following = following * scale.numerator / scale.denominator
            top = min(end, following)
        if top > start:
            yield tier, top - max(start, low)


def component_amount(
    ordered: Sequence[Tier], usage: Decimal, scale: Fraction = WHOLE, start: Decimal = Decimal(0)
) -> Decimal:
    """A component's amount for `usage`, rounded half-up to the fen once for the whole.

    `scale` multiplies the tier thresholds (a part month, a tariff in force some of the
    days); `start` is where the usage begins on the tiers (an annual tariff's year to date).
    """
    return round_fen(
        sum((p * t.unit_price for t, p in _portions(ordered, usage, scale, start)), Decimal(0))
    )


def price_tiers(tiers: Sequence[Tier], usage: Decimal) -> tuple[Decimal, tuple[TierCharge, ...]]:
    """The amount and the per-tier breakdown (for notices) of one component."""
    ordered = sorted(tiers, key=lambda t: t.start)
    charges = tuple(TierCharge(t.start, p, t.unit_price) for t, p in _portions(ordered, usage))
    return component_amount(ordered, usage), charges


def price_usage(components: Sequence[ComponentSpec], usage: Decimal) -> list[ComponentCharge]:
    result = []
    for component in components:
        amount, charges = price_tiers(component.tiers, usage)
        result.append(ComponentCharge(component.name, usage, amount, charges))
    return result


def validate_tariff(spec: TariffSpec) -> None:
    if spec.kind not in KINDS:
        raise InvalidInput(f"价格类型应为水或电，收到「{spec.kind}」")
    if spec.tier_basis not in TIER_BASIS_LABELS:
        raise InvalidInput(f"阶梯方式应为月阶梯或年阶梯，收到「{spec.tier_basis}」")
    if not spec.components:
        raise DomainError("价格至少要有一个收费项目")
    names = [c.name for c in spec.components]
    if len(set(names)) != len(names):
        raise DomainError(f"收费项目重复：{names}")
    for component in spec.components:
        starts = [t.start for t in component.tiers]
        if not starts or min(starts) != 0:
            raise DomainError(f"收费项目 {component.name} 须有从 0 起的第一档")
        if len(set(starts)) != len(starts):
            raise DomainError(f"收费项目 {component.name} 的阶梯起点重复")
        if any(t.unit_price < 0 for t in component.tiers):
            raise DomainError(f"收费项目 {component.name} 的单价不能为负")


def create_tariff(session: Session, actor: Actor, spec: TariffSpec) -> Tariff:
    permissions.require(session, actor, "tariffs")
    validate_tariff(spec)
    customer_class = class_by_name(session, spec.customer_class)
    clash = session.scalar(
        select(Tariff.id).where(
            Tariff.kind == spec.kind,
            Tariff.customer_class_id == customer_class.id,
            Tariff.effective_from == spec.effective_from,
        )
    )
    if clash:
        raise DomainError(
            f"{customer_class.name}{'水' if spec.kind == 'water' else '电'}价 "
            f"{spec.effective_from} 已有一套价格"
        )
    tariff = Tariff(
        kind=spec.kind,
        customer_class_id=customer_class.id,
        effective_from=spec.effective_from,
        name=spec.name,
        tier_basis=spec.tier_basis,
    )
    session.add(tariff)
    session.flush()
    for position, component in enumerate(spec.components):
        row = TariffComponent(tariff_id=tariff.id, name=component.name, position=position)
        session.add(row)
        session.flush()
        session.add_all(
            TariffTier(component_id=row.id, start=t.start, unit_price=t.unit_price)
            for t in component.tiers
        )
    session.flush()
    audit.record(
        session,
        actor,
        "tariff.create",
        "tariff",
        tariff.id,
        {
            "kind": spec.kind,
            "class": customer_class.code,
            "from": str(spec.effective_from),
            "tier_basis": spec.tier_basis,
        },
    )
    return tariff


@dataclass(frozen=True)
class TariffView:
    tariff_id: int
    kind: str
    customer_class_id: int
    effective_from: date
    components: tuple[ComponentSpec, ...]
    tier_basis: str = MONTHLY
    name: str = ""


class TariffBook:
    """All tariffs in memory, to find the one in force for a kind, class and day."""

    def __init__(self, tariffs: Sequence[TariffView]):
        self._by_key: dict[tuple[str, int], list[TariffView]] = {}
        for tariff in sorted(tariffs, key=lambda t: t.effective_from):
            self._by_key.setdefault((tariff.kind, tariff.customer_class_id), []).append(tariff)

    def in_force(self, kind: str, customer_class_id: int, day: date) -> TariffView | None:
        found = None
        for tariff in self._by_key.get((kind, customer_class_id), []):
            if tariff.effective_from <= day:
                found = tariff
        return found

    def segments(
        self, kind: str, customer_class_id: int, first_day: date, last_day: date
    ) -> list[tuple[TariffView, int]]:
        """The tariffs in force over the days first_day..last_day (inclusive), each with
        its number of days, in order; [] unless a tariff is in force on every day."""
        current = self.in_force(kind, customer_class_id, first_day)
        if current is None:
            return []
        found = []
        start = first_day
        for tariff in self._by_key[(kind, customer_class_id)]:
            if first_day < tariff.effective_from <= last_day:
                found.append((current, (tariff.effective_from - start).days))
                current, start = tariff, tariff.effective_from
        found.append((current, (last_day - start).days + 1))
        return found

    def views(self) -> tuple[TariffView, ...]:
        """Every tariff, by kind, class and effective date (the tariff list shows them)."""
        return tuple(t for key in sorted(self._by_key) for t in self._by_key[key])


def load_tariff_book(session: Session) -> TariffBook:
    tariffs = session.scalars(
        select(Tariff).options(selectinload(Tariff.components).selectinload(TariffComponent.tiers))
    ).all()
    return TariffBook(
        [
            TariffView(
                t.id,
                t.kind,
                t.customer_class_id,
                t.effective_from,
                tuple(
                    ComponentSpec(
                        c.name,
                        tuple(
                            sorted(
                                (Tier(x.start, x.unit_price) for x in c.tiers),
                                key=lambda t: t.start,
                            )
                        ),
                    )
                    for c in t.components
                ),
                t.tier_basis,
                t.name,
            )
            for t in tariffs
        ]
    )
