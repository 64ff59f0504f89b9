"""The account words screens use (billing modes): the values stored in the database, given
here so UI code takes them from the service and never from the ORM models."""

from server.db.models.accounts import POSTPAID, PREPAID

__all__ = ["POSTPAID", "PREPAID"]
