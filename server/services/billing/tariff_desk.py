"""The tariffs desk (价格管理): the tariffs of every kind and class with their effective
dates, and the late-fee policy of each class, as the office reads them.

Reading only; new tariffs go through tariffs.create_tariff (append-only: a change is a new
effective-dated tariff) and policies through late_fees.set_late_fee_policy.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from server.db.models import CustomerClass
from server.db.models.tariffs import MONTHLY
from server.services.billing.late_fees import Policy, policy_on
from server.services.billing.tariffs import TIER_BASIS_LABELS, ComponentSpec, load_tariff_book
from server.services.core.calendar import now as business_now
from server.services.core.errors import InvalidInput

KIND_LABELS = {"electricity": "电", "water": "水"}


def kind_of(text: str) -> str:
    """'electricity' from 电 or electricity, 'water' from 水 or water."""
    wanted = text.strip()
    for kind, label in KIND_LABELS.items():
        if wanted in (kind, label):
            return kind
    raise InvalidInput(f"价格类型应为 电 或 水（electricity / water），收到「{text}」")


@dataclass(frozen=True)
class ClassChoice:
    class_id: int
    code: str
    name: str


def customer_classes(session: Session) -> tuple[ClassChoice, ...]:
    rows = session.execute(
        select(CustomerClass.id, CustomerClass.code, CustomerClass.name).order_by(CustomerClass.id)
    )
    return tuple(ClassChoice(i, c, n) for i, c, n in rows)


@dataclass(frozen=True)
class TariffRow:
    tariff_id: int
    kind: str
    customer_class: str
    effective_from: date
    components: tuple[ComponentSpec, ...]
    in_force: bool  # the one that applies today for its kind and class
    tier_basis: str = MONTHLY
    name: str = ""

    @property
    def kind_label(self) -> str:
        return KIND_LABELS.get(self.kind, self.kind)

    @property
    def basis_label(self) -> str:
        """月阶梯 or 年阶梯."""
        return TIER_BASIS_LABELS.get(self.tier_basis, self.tier_basis)

    def as_json(self) -> dict[str, object]:
        return {
            "kind": self.kind,
            "class": self.customer_class,
            "from": self.effective_from.isoformat(),
            "name": self.name,
            "tier_basis": self.tier_basis,
            "in_force": self.in_force,
            "components": {
                c.name: [
                    [f"{t.start.normalize():f}", f"{t.unit_price.normalize():f}"] for t in c.tiers
                ]
                for c in self.components
            },
        }

    @property
    def summary(self) -> str:
        """'电费 0起0.5/200起0.8；…' — the tiers of each component on one line."""
        return "；".join(
            f"{c.name} " + "/".join(f"{t.start.normalize():f}起{t.unit_price.normalize():f}"
                                    for t in c.tiers)
            for c in self.components
        )  # fmt: skip


def tariff_rows(session: Session, today: date | None = None) -> tuple[TariffRow, ...]:
    """Every tariff by kind, class and effective date, marking the ones in force today."""
    day = today or business_now().date()
    classes = {c.class_id: c.name for c in customer_classes(session)}
    book = load_tariff_book(session)
    rows = []
    for view in book.views():
        current = book.in_force(view.kind, view.customer_class_id, day)
        rows.append(
            TariffRow(
                view.tariff_id,
                view.kind,
                classes.get(view.customer_class_id, str(view.customer_class_id)),
                view.effective_from,
                view.components,
                current is not None and current.tariff_id == view.tariff_id,
                view.tier_basis,
                view.name,
            )
        )
    return tuple(rows)


@dataclass(frozen=True)
class ClassPolicy:
    customer_class: ClassChoice
    policy: Policy | None  # None: no late fees for this class


def late_fee_overview(session: Session, today: date | None = None) -> tuple[ClassPolicy, ...]:
    """The late-fee policy in force today for each customer class."""
    day = today or business_now().date()
    return tuple(
        ClassPolicy(c, policy_on(session, c.class_id, day)) for c in customer_classes(session)
    )
