"""All mapped tables; importing this package registers them on `Base.metadata`."""

from server.db.models.accounts import Account, AccountLedgerEntry, CustomerClass
from server.db.models.audit import AuditEvent
from server.db.models.billing import Bill, BillingRun, BillLine, BillMeter
from server.db.models.handheld import HandheldImport, HandheldProfile
from server.db.models.late_fees import LateFee, LateFeePolicy
from server.db.models.metering import Meter, MeterReplacement, Photo, Reading
from server.db.models.org import Branch, Building, Campus, Department, Post, Staff
from server.db.models.payments import (
    Allocation,
    DocumentCounter,
    Payment,
    Receipt,
    ReceiptReprint,
    ReceiptVoid,
)
from server.db.models.tariffs import Tariff, TariffComponent, TariffTier
from server.db.models.till import CashHandover, TillSession

__all__ = [
    "Account",
    "AccountLedgerEntry",
    "Allocation",
    "AuditEvent",
    "Bill",
    "BillLine",
    "BillMeter",
    "BillingRun",
    "Branch",
    "Building",
    "Campus",
    "CashHandover",
    "CustomerClass",
    "Department",
    "DocumentCounter",
    "HandheldImport",
    "HandheldProfile",
    "LateFee",
    "LateFeePolicy",
    "Meter",
    "MeterReplacement",
    "Payment",
    "Photo",
    "Post",
    "Reading",
    "Receipt",
    "ReceiptReprint",
    "ReceiptVoid",
    "Staff",
    "Tariff",
    "TariffComponent",
    "TariffTier",
    "TillSession",
]
