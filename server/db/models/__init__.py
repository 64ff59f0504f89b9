"""All mapped tables; importing this package registers them on `Base.metadata`."""

from server.db.models.accounts import Account, AccountLedgerEntry, CustomerClass
from server.db.models.audit import AuditEvent
from server.db.models.billing import Bill, BillingRun, BillLine, BillMeter
from server.db.models.companion import (
    Binding,
    Notice,
    OutboxMessage,
    RateEvent,
    ServiceRequest,
    SmsCode,
    WechatAccessToken,
    WechatUser,
    WorkdayOverride,
)
from server.db.models.control import (
    ControlCommand,
    ControlProtection,
    ControlWarning,
    MeterSwitchState,
)
from server.db.models.corrections import (
    Adjustment,
    CreditNote,
    DepositLedgerEntry,
    OfficeCounter,
    Refund,
)
from server.db.models.field_installs import FieldInstall
from server.db.models.handheld import HandheldImport, HandheldProfile
from server.db.models.jobs import JobRun
from server.db.models.late_fees import LateFee, LateFeePolicy
from server.db.models.metering import Meter, MeterReplacement, Photo, Reading
from server.db.models.online_pay import (
    PaymentException,
    PaymentNotification,
    PaymentOrder,
    PaymentStatement,
    PaymentStatementLine,
)
from server.db.models.org import (
    Branch,
    Building,
    Campus,
    Department,
    PermissionGrant,
    Post,
    Staff,
)
from server.db.models.payments import (
    Allocation,
    DocumentCounter,
    Payment,
    Receipt,
    ReceiptReprint,
    ReceiptVoid,
)
from server.db.models.reminders import Reminder, ReminderPause, ReminderPolicy
from server.db.models.service_status import ServiceStatus
from server.db.models.tariffs import Tariff, TariffComponent, TariffTier
from server.db.models.till import CashHandover, TillSession

__all__ = [
    "Account",
    "AccountLedgerEntry",
    "Adjustment",
    "Allocation",
    "AuditEvent",
    "Bill",
    "BillLine",
    "BillMeter",
    "BillingRun",
    "Binding",
    "Branch",
    "Building",
    "Campus",
    "CashHandover",
    "ControlCommand",
    "ControlProtection",
    "ControlWarning",
    "CreditNote",
    "CustomerClass",
    "Department",
    "DepositLedgerEntry",
    "DocumentCounter",
    "FieldInstall",
    "HandheldImport",
    "HandheldProfile",
    "JobRun",
    "LateFee",
    "LateFeePolicy",
    "Meter",
    "MeterReplacement",
    "MeterSwitchState",
    "Notice",
    "OfficeCounter",
    "OutboxMessage",
    "Payment",
    "PaymentException",
    "PaymentNotification",
    "PaymentOrder",
    "PaymentStatement",
    "PaymentStatementLine",
    "PermissionGrant",
    "Photo",
    "Post",
    "RateEvent",
    "Reading",
    "Receipt",
    "ReceiptReprint",
    "ReceiptVoid",
    "Refund",
    "Reminder",
    "ReminderPause",
    "ReminderPolicy",
    "ServiceRequest",
    "ServiceStatus",
    "SmsCode",
    "Staff",
    "Tariff",
    "TariffComponent",
    "TariffTier",
    "TillSession",
    "WechatAccessToken",
    "WechatUser",
    "WorkdayOverride",
]
