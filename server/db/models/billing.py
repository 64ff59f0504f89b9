"""Bills (账单): one per account and month, with the meters read and the priced lines.

The references of bill rows (to accounts, meters, readings, tariffs, runs) are checked by
statement-level triggers, set-based, instead of row-by-row foreign keys: a billing run
writes some 300,000 rows, and per-row key checks were most of its time. The parents they
point at are never deleted (triggers of migration 0002), which is the other half of what a
foreign key guarantees.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import CheckConstraint, Date, ForeignKey, Index, Integer, String, text
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column, relationship

from server.db.base import Base, Money, Name, Quantity, Timestamp

PERIOD_CHECK = r"period ~ '^[0-9]{4}-(0[1-9]|1[0-2])$'"

BILL_OPEN = "open"
BILL_PARTIAL = "partial"
BILL_PAID = "paid"
BILL_VOID = "void"

# A bill's kind: the monthly bill of a run (or its rebill), an off-cycle final bill at
# move-out, a debit adjustment (调账) and a deposit (押金) charged at move-in.
REGULAR = "regular"
FINAL = "final"
ADJUSTMENT = "adjustment"
DEPOSIT = "deposit"
BILL_KINDS = (REGULAR, FINAL, ADJUSTMENT, DEPOSIT)


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
        # One regular bill per account and period; a rebill's replacement stands beside
        # the void bill it replaces.
        Index(
            "uq_bill_regular",
            "account_id",
            "period",
            unique=True,
            postgresql_where=text("kind = 'regular' and status <> 'void'"),
        ),
        CheckConstraint(PERIOD_CHECK, name="period"),
        CheckConstraint("status in ('open', 'partial', 'paid', 'void')", name="status"),
        CheckConstraint("kind in ('regular', 'final', 'adjustment', 'deposit')", name="kind"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(index=True)
    period: Mapped[str] = mapped_column(String(7), index=True)
    account_no: Mapped[str] = mapped_column(String(32))
    holder_name: Mapped[Name]
    address: Mapped[str] = mapped_column(String(200))
    billing_mode: Mapped[str] = mapped_column(String(10))
    total: Mapped[Money]
    status: Mapped[str] = mapped_column(String(10))
    run_id: Mapped[int | None]
    kind: Mapped[str] = mapped_column(String(12), default=REGULAR, server_default=REGULAR)
    # The void bill this one replaces (更正账单).
    replaces_id: Mapped[int | None]
    # The days a part-month final bill covers; None for a whole period.
    covers_from: Mapped[date | None] = mapped_column(Date)
    covers_to: Mapped[date | None] = mapped_column(Date)
    created_at: Mapped[Timestamp]

    meters: Mapped[list[BillMeter]] = relationship(
        lazy="raise", order_by="BillMeter.id", primaryjoin="Bill.id == foreign(BillMeter.bill_id)"
    )
    lines: Mapped[list[BillLine]] = relationship(
        lazy="raise", order_by="BillLine.id", primaryjoin="Bill.id == foreign(BillLine.bill_id)"
    )


class BillMeter(Base):
    __tablename__ = "bill_meter"
    __table_args__ = (Index("ix_bill_meter_meter_latest", "meter_id", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    bill_id: Mapped[int] = mapped_column(index=True)
    meter_id: Mapped[int]
    meter_no: Mapped[str] = mapped_column(String(32))
    kind: Mapped[str] = mapped_column(String(12))
    multiplier: Mapped[Quantity]
    prev: Mapped[Quantity]
    curr: Mapped[Quantity]
    usage: Mapped[Quantity]
    prev_reading_id: Mapped[int]
    curr_reading_id: Mapped[int]
    # The current reading is an estimate (估抄).
    estimated: Mapped[bool] = mapped_column(default=False, server_default=text("false"))


class BillLine(Base):
    __tablename__ = "bill_line"

    id: Mapped[int] = mapped_column(primary_key=True)
    bill_id: Mapped[int] = mapped_column(index=True)
    kind: Mapped[str] = mapped_column(String(12))
    component: Mapped[Name]
    usage: Mapped[Quantity]
    amount: Mapped[Money]
    # Tariffs are append-only, so the tier breakdown of a line is recomputed from it; None
    # for a deposit or adjustment line, which no tariff prices.
    tariff_id: Mapped[int | None]
    # What the line is beyond its component, as the notice prints it: 估, 估抄冲回,
    # 按日折算 15/31 天, 2026-12-10 起新价…
    note: Mapped[str] = mapped_column(String(60), default="", server_default="")
