"""The online-payment words screens use (the providers): the values stored in the database,
given here so UI code takes them from the service and never from the ORM models."""

from server.db.models.online_pay import PROVIDERS

__all__ = ["PROVIDERS"]
