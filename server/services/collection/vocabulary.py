"""The collection words screens use (payment channels and their labels): the values stored
in the database, given here so UI code takes them from the service and never from the ORM
models."""

from server.db.models.payments import CASH, CHANNEL_LABELS, CHEQUE, TRANSFER

__all__ = ["CASH", "CHANNEL_LABELS", "CHEQUE", "TRANSFER"]
