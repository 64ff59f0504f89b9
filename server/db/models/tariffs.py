"""Tariffs (水价, 电价): per kind and customer class, effective-dated, components with tiers."""

from __future__ import annotations

from datetime import date

from sqlalchemy import CheckConstraint, Date, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from server.db.base import Base, Name, Quantity, Timestamp, UnitPrice

MONTHLY = "monthly"
ANNUAL = "annual"


class Tariff(Base):
    __tablename__ = "tariff"
    __table_args__ = (
        UniqueConstraint("kind", "customer_class_id", "effective_from"),
        CheckConstraint("kind in ('water', 'electricity')", name="kind"),
        CheckConstraint("tier_basis in ('monthly', 'annual')", name="tier_basis"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(12))
    customer_class_id: Mapped[int] = mapped_column(ForeignKey("customer_class.id"))
    effective_from: Mapped[date] = mapped_column(Date)
    name: Mapped[Name] = mapped_column(default="")
    # 'monthly': tiers apply to each month's usage; 'annual' (年阶梯): to the usage
    # accumulated in the calendar year, each month priced where the year's total has got to.
    tier_basis: Mapped[str] = mapped_column(String(8), default=MONTHLY, server_default=MONTHLY)
    created_at: Mapped[Timestamp]

    components: Mapped[list[TariffComponent]] = relationship(
        lazy="raise", order_by="TariffComponent.position", back_populates="tariff"
    )


class TariffComponent(Base):
    """One priced item of a tariff, e.g. 水费 or 污水处理费."""

    __tablename__ = "tariff_component"
    __table_args__ = (UniqueConstraint("tariff_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    tariff_id: Mapped[int] = mapped_column(ForeignKey("tariff.id"))
    name: Mapped[Name]
    position: Mapped[int] = mapped_column(Integer, default=0)

    tariff: Mapped[Tariff] = relationship(lazy="raise", back_populates="components")
    tiers: Mapped[list[TariffTier]] = relationship(lazy="raise", order_by="TariffTier.start")


class TariffTier(Base):
    """The price of the part of the month's usage at or above `start` (up to the next tier)."""

    __tablename__ = "tariff_tier"
    __table_args__ = (
        UniqueConstraint("component_id", "start"),
        CheckConstraint("start >= 0", name="start"),
        CheckConstraint("unit_price >= 0", name="price"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    component_id: Mapped[int] = mapped_column(ForeignKey("tariff_component.id"))
    start: Mapped[Quantity]
    unit_price: Mapped[UnitPrice]
