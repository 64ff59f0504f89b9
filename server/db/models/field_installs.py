"""新装换装 reported by field staff on site, waiting for the desk to confirm (migration 0010).

The report keeps what was seen (numbers, readings, photos) apart from the meter registry:
only the desk's confirmation registers or replaces a meter, through the metering service.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import CheckConstraint, DateTime, ForeignKey, Index, Integer, Numeric, String, text
from sqlalchemy.orm import Mapped, mapped_column

from server.db.base import Base, Timestamp

INSTALL_NEW = "new"
INSTALL_REPLACE = "replace"

INSTALL_PENDING = "pending"
INSTALL_CONFIRMED = "confirmed"
INSTALL_REJECTED = "rejected"


class FieldInstall(Base):
    __tablename__ = "field_install"
    __table_args__ = (
        CheckConstraint("kind in ('new', 'replace')", name="kind"),
        CheckConstraint("status in ('pending', 'confirmed', 'rejected')", name="status"),
        CheckConstraint("new_kind in ('water', 'electricity')", name="new_kind"),
        CheckConstraint("digits between 1 and 12", name="digits"),
        CheckConstraint("multiplier > 0", name="multiplier"),
        CheckConstraint("new_initial >= 0", name="new_initial"),
        CheckConstraint(
            "kind <> 'replace' or (old_meter_id is not null and old_final is not null"
            " and old_photo_id is not null)",
            name="replace_old",
        ),
        CheckConstraint("status <> 'rejected' or btrim(reason) <> ''", name="reason"),
        CheckConstraint(
            "status <> 'confirmed' or new_meter_id is not null", name="confirmed_meter"
        ),
        Index(
            "ix_field_install_pending",
            "reported_at",
            postgresql_where=text("status = 'pending'"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(10))
    old_meter_id: Mapped[int | None] = mapped_column(ForeignKey("meter.id"))
    old_final: Mapped[Decimal | None] = mapped_column(Numeric(16, 3))
    old_photo_id: Mapped[int | None] = mapped_column(ForeignKey("photo.id"))
    new_meter_no: Mapped[str] = mapped_column(String(32))
    new_kind: Mapped[str] = mapped_column(String(12))
    digits: Mapped[int] = mapped_column(Integer)
    multiplier: Mapped[Decimal] = mapped_column(Numeric(12, 4))
    new_initial: Mapped[Decimal] = mapped_column(Numeric(16, 3))
    new_photo_id: Mapped[int] = mapped_column(ForeignKey("photo.id"))
    building_id: Mapped[int | None] = mapped_column(ForeignKey("building.id"))
    location: Mapped[str] = mapped_column(String(200), default="")
    account_id: Mapped[int | None] = mapped_column(ForeignKey("account.id"))
    note: Mapped[str] = mapped_column(String(200), default="")
    reported_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    reported_actor: Mapped[str] = mapped_column(String(120))
    # When the work was done on site; the replacement is dated by it, not by the confirmation.
    reported_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    status: Mapped[str] = mapped_column(String(10), default=INSTALL_PENDING)
    # The metering rules' last refusal of a confirmation, shown at the desk until resolved.
    refusal: Mapped[str] = mapped_column(String(300), default="")
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    decided_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    reason: Mapped[str] = mapped_column(String(200), default="")
    new_meter_id: Mapped[int | None] = mapped_column(ForeignKey("meter.id"))
    replacement_id: Mapped[int | None] = mapped_column(ForeignKey("meter_replacement.id"))
    created_at: Mapped[Timestamp]
