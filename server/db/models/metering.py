"""Meters (表计), replacements (换表), readings (抄表) and the photos taken with them."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import (
    CheckConstraint,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    Numeric,
    String,
    text,
)
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import Mapped, mapped_column, relationship

from server.db.base import Base, Quantity, Timestamp
from server.db.models.accounts import Account

WATER = "water"
ELECTRICITY = "electricity"
# In the order bills and notices list them.
KINDS = (ELECTRICITY, WATER)

METER_ACTIVE = "active"
METER_REPLACED = "replaced"
METER_REMOVED = "removed"

ACCEPTED = "accepted"
HELD = "held"
REJECTED = "rejected"
SUPERSEDED = "superseded"

READING_SOURCES = ("self", "field", "handheld", "ble", "remote", "import", "estimate", "initial")


class Meter(Base):
    __tablename__ = "meter"
    __table_args__ = (
        CheckConstraint("kind in ('water', 'electricity')", name="kind"),
        CheckConstraint("digits between 1 and 12", name="digits"),
        CheckConstraint("multiplier > 0", name="multiplier"),
        CheckConstraint("status in ('active', 'replaced', 'removed')", name="status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    meter_no: Mapped[str] = mapped_column(String(32), unique=True)
    hardware_no: Mapped[str | None] = mapped_column(String(32), unique=True)
    kind: Mapped[str] = mapped_column(String(12))
    model: Mapped[str] = mapped_column(String(60), default="")
    digits: Mapped[int] = mapped_column(Integer)
    multiplier: Mapped[Decimal] = mapped_column(Numeric(12, 4), default=Decimal(1))
    location: Mapped[str] = mapped_column(String(200), default="")
    status: Mapped[str] = mapped_column(String(10), default=METER_ACTIVE)
    account_id: Mapped[int | None] = mapped_column(ForeignKey("account.id"), index=True)
    building_id: Mapped[int | None] = mapped_column(ForeignKey("building.id"), index=True)
    # A master meter (总表) of a building or floor; issue-8 leak finding compares the two.
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("meter.id"), index=True)
    installed_on: Mapped[date | None] = mapped_column(Date)
    created_at: Mapped[Timestamp]

    account: Mapped[Account | None] = relationship(lazy="raise")


class MeterReplacement(Base):
    """换表: the old meter's final reading and the new one's initial, at one moment."""

    __tablename__ = "meter_replacement"

    id: Mapped[int] = mapped_column(primary_key=True)
    old_meter_id: Mapped[int] = mapped_column(ForeignKey("meter.id"), unique=True)
    new_meter_id: Mapped[int] = mapped_column(ForeignKey("meter.id"), unique=True)
    old_final: Mapped[Quantity]
    new_initial: Mapped[Quantity]
    replaced_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    old_final_reading_id: Mapped[int] = mapped_column(ForeignKey("reading.id"))
    new_initial_reading_id: Mapped[int] = mapped_column(ForeignKey("reading.id"))
    staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    note: Mapped[str] = mapped_column(String(200), default="")
    created_at: Mapped[Timestamp]


class Photo(Base):
    """A JPEG stored once by content hash, so every client sees it through the database."""

    __tablename__ = "photo"

    id: Mapped[int] = mapped_column(primary_key=True)
    sha256: Mapped[str] = mapped_column(String(64), unique=True)
    mime: Mapped[str] = mapped_column(String(40), default="image/jpeg")
    width: Mapped[int]
    height: Mapped[int]
    content: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[Timestamp]
    # The camera's own clock (EXIF DateTimeOriginal), when the upload carried one.
    captured_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class Reading(Base):
    """One reading of one meter. Append-only: a correction is a new row that `corrects` it."""

    __tablename__ = "reading"
    __table_args__ = (
        CheckConstraint("status in ('accepted', 'held', 'rejected', 'superseded')", name="status"),
        CheckConstraint(
            "source in ('self', 'field', 'handheld', 'ble', 'remote', 'import', 'estimate',"
            " 'initial')",
            name="source",
        ),
        CheckConstraint("value >= 0", name="value"),
        Index("ix_reading_meter_read_at", "meter_id", "read_at"),
        # Backward scans give a meter's latest accepted reading without a sort.
        Index(
            "ix_reading_accepted_latest",
            "meter_id",
            "read_at",
            "id",
            postgresql_where=text("status = 'accepted'"),
        ),
        Index("ix_reading_read_at", "read_at"),
        # A bill's reading references name the meter too (md_check_references on
        # bill_meter): checked from this index alone, without a visit to each reading row.
        Index("ix_reading_id_meter", "id", unique=True, postgresql_include=["meter_id"]),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    meter_id: Mapped[int] = mapped_column(ForeignKey("meter.id"))
    value: Mapped[Quantity]
    read_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    source: Mapped[str] = mapped_column(String(10))
    status: Mapped[str] = mapped_column(String(12))
    flags: Mapped[list[str]] = mapped_column(ARRAY(String(30)), default=list)
    # Usage against `previous_id` as computed at entry; NULL when there is nothing to compare.
    usage: Mapped[Decimal | None] = mapped_column(Numeric(16, 3))
    previous_id: Mapped[int | None] = mapped_column(ForeignKey("reading.id"))
    corrects_id: Mapped[int | None] = mapped_column(ForeignKey("reading.id"))
    photo_id: Mapped[int | None] = mapped_column(ForeignKey("photo.id"))
    staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    note: Mapped[str] = mapped_column(String(200), default="")
    reviewed_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    reviewed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    review_note: Mapped[str] = mapped_column(String(200), default="")
    created_at: Mapped[Timestamp]

    meter: Mapped[Meter] = relationship(lazy="raise")
