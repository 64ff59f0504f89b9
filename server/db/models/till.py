"""The clerk's till and day (日结): a session opened with a float and closed with cash counted.

A till session is append-only (migration 0004) except for its close columns, and those may
be written once: a trigger refuses any change to a session whose closed_at is set, so a
settled day's figures cannot be edited afterwards by any client. Hand-overs of cash to a
head cashier during the day are append-only rows of their own.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import CheckConstraint, Date, DateTime, ForeignKey, Index, Numeric, String, text
from sqlalchemy.orm import Mapped, mapped_column

from server.db.base import Base, Money, Timestamp


class TillSession(Base):
    __tablename__ = "till_session"
    __table_args__ = (
        CheckConstraint("float_amount >= 0", name="float_amount"),
        CheckConstraint("cash_counted is null or cash_counted >= 0", name="cash_counted"),
        # The close columns are written together, or not at all.
        CheckConstraint(
            "(closed_at is null) = (cash_counted is null)"
            " and (closed_at is null) = (expected_cash is null)"
            " and (closed_at is null) = (over_short is null)",
            name="closed",
        ),
        # One open till per clerk at a time, and one till per clerk and business day: a
        # closed day cannot be reopened to take more money.
        Index(
            "uq_till_session_open",
            "staff_id",
            unique=True,
            postgresql_where=text("closed_at is null"),
        ),
        Index("uq_till_session_staff_day", "staff_id", "business_date", unique=True),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    staff_id: Mapped[int] = mapped_column(ForeignKey("staff.id"))
    branch_id: Mapped[int] = mapped_column(ForeignKey("branch.id"))
    business_date: Mapped[date] = mapped_column(Date)
    float_amount: Mapped[Money]
    opened_at: Mapped[Timestamp]
    closed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    cash_counted: Mapped[Decimal | None] = mapped_column(Numeric(14, 2))
    expected_cash: Mapped[Decimal | None] = mapped_column(Numeric(14, 2))
    over_short: Mapped[Decimal | None] = mapped_column(Numeric(14, 2))
    note: Mapped[str] = mapped_column(String(200), default="")


class CashHandover(Base):
    """Cash taken out of a till during the day and given to a head cashier (交款)."""

    __tablename__ = "cash_handover"
    __table_args__ = (CheckConstraint("amount > 0", name="amount"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    till_session_id: Mapped[int] = mapped_column(ForeignKey("till_session.id"), index=True)
    amount: Mapped[Money]
    to_staff_id: Mapped[int] = mapped_column(ForeignKey("staff.id"))
    at: Mapped[Timestamp]
    note: Mapped[str] = mapped_column(String(200), default="")
