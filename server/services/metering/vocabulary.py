"""The metering words screens use (meter kinds, reading statuses): the values stored in the
database, given here so UI code takes them from the service and never from the ORM models."""

from server.db.models.metering import ACCEPTED, ELECTRICITY, HELD, KINDS, REJECTED, WATER

__all__ = ["ACCEPTED", "ELECTRICITY", "HELD", "KINDS", "REJECTED", "WATER"]
