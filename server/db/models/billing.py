"""Bills (账单): one per account and month, with the meters read and the priced lines."""

from __future__ import annotations

from sqlalchemy import CheckConstraint, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column, relationship

from server.db.base import Base, Money, Name, Quantity, Timestamp

PERIOD_CHECK = r"period ~ '^[0-9]{4}-(0[1-9]|1[0-2])$'"

BILL_OPEN = "open"
BILL_PAID = "paid"


class BillingRun(Base):
    __tablename__ = "billing_run"
    __table_args__ = (CheckConstraint(PERIOD_CHECK, name="period"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    period: Mapped[str] = mapped_column(String(7), index=True)
    staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    created: Mapped[int] = mapped_column(Integer)
    skipped: Mapped[list[dict[str, str]]] = mapped_column(JSONB, default=list)
    created_at: Mapped[Timestamp]


class Bill(Base):
    """Copies what it shows (holder, address) so a reprint shows what was issued."""

    __tablename__ = "bill"
    __table_args__ = (
        UniqueConstraint("account_id", "period"),
        CheckConstraint(PERIOD_CHECK, name="period"),
        CheckConstraint("status in ('open', 'partial', 'paid', 'void')", name="status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("account.id"))
    period: Mapped[str] = mapped_column(String(7), index=True)
    account_no: Mapped[str] = mapped_column(String(32))
    holder_name: Mapped[Name]
    address: Mapped[str] = mapped_column(String(200))
    billing_mode: Mapped[str] = mapped_column(String(10))
    total: Mapped[Money]
    status: Mapped[str] = mapped_column(String(10))
    run_id: Mapped[int | None] = mapped_column(ForeignKey("billing_run.id"))
    created_at: Mapped[Timestamp]

    meters: Mapped[list[BillMeter]] = relationship(lazy="raise", order_by="BillMeter.id")
    lines: Mapped[list[BillLine]] = relationship(lazy="raise", order_by="BillLine.id")


class BillMeter(Base):
    __tablename__ = "bill_meter"

    id: Mapped[int] = mapped_column(primary_key=True)
    bill_id: Mapped[int] = mapped_column(ForeignKey("bill.id"), index=True)
    meter_id: Mapped[int] = mapped_column(ForeignKey("meter.id"), index=True)
    meter_no: Mapped[str] = mapped_column(String(32))
    kind: Mapped[str] = mapped_column(String(12))
    multiplier: Mapped[Quantity]
    prev: Mapped[Quantity]
    curr: Mapped[Quantity]
    usage: Mapped[Quantity]
    prev_reading_id: Mapped[int] = mapped_column(ForeignKey("reading.id"))
    curr_reading_id: Mapped[int] = mapped_column(ForeignKey("reading.id"))


class BillLine(Base):
    __tablename__ = "bill_line"

    id: Mapped[int] = mapped_column(primary_key=True)
    bill_id: Mapped[int] = mapped_column(ForeignKey("bill.id"), index=True)
    kind: Mapped[str] = mapped_column(String(12))
    component: Mapped[Name]
    usage: Mapped[Quantity]
    amount: Mapped[Money]
    tariff_id: Mapped[int] = mapped_column(ForeignKey("tariff.id"))
    # [{"start": "0", "usage": "12.000", "price": "0.5800"}, ...] as priced, for the notice.
    tiers: Mapped[list[dict[str, str]]] = mapped_column(JSONB, default=list)
