"""The modules of the desktop suite, in menu order, and who sees which.

A module is shown to a staff member who holds its permission (server.services.core.permissions;
the services refuse the rest anyway). Pages are imported and built on first use, so the
window opens fast and a clerk never loads the tariff editor.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass

from PySide6.QtCore import QT_TRANSLATE_NOOP, QCoreApplication, QSettings
from PySide6.QtWidgets import QWidget

from desktop.tasks import TaskRunner
from server.services.staff.sign_in import StaffIdentity

CONTEXT = "Modules"


@dataclass(frozen=True)
class ModuleSpec:
    key: str  # a key of server.services.core.permissions.MODULES
    title: str  # English source, translated in CONTEXT
    shortcut: str
    page: str  # "package.module:Class"; the class takes (identity, runner, preferences=)
    # The counter issues receipts numbered by branch: staff of no branch cannot use it.
    needs_branch: bool = False
    # The permission it takes when not its own key (two pages of one module, e.g. the
    # handheld import under 抄表).
    permission: str = ""

    def label(self) -> str:
        return QCoreApplication.translate(CONTEXT, self.title)

    def available_to(self, identity: StaffIdentity) -> bool:
        return (self.permission or self.key) in identity.modules and (
            bool(identity.branch_code) or not self.needs_branch
        )

    def create(
        self, identity: StaffIdentity, runner: TaskRunner, preferences: QSettings | None
    ) -> QWidget:
        module_name, class_name = self.page.split(":")
        page_class = getattr(importlib.import_module(module_name), class_name)
        page: QWidget = page_class(identity, runner, preferences=preferences)
        return page


MODULES: tuple[ModuleSpec, ...] = (
    ModuleSpec(
        "counter",
        QT_TRANSLATE_NOOP("Modules", "Counter"),
        "Ctrl+1",
        "desktop.counter_page:CounterPage",
        needs_branch=True,
    ),
    ModuleSpec(
        "accounts",
        QT_TRANSLATE_NOOP("Modules", "Accounts"),
        "Ctrl+2",
        "desktop.accounts_page:AccountsPage",
    ),
    ModuleSpec(
        "meters",
        QT_TRANSLATE_NOOP("Modules", "Meters"),
        "Ctrl+3",
        "desktop.meters_page:MetersPage",
    ),
    ModuleSpec(
        "readings",
        QT_TRANSLATE_NOOP("Modules", "Readings"),
        "Ctrl+4",
        "desktop.readings_page:ReadingsPage",
    ),
    ModuleSpec(
        "tariffs",
        QT_TRANSLATE_NOOP("Modules", "Tariffs"),
        "Ctrl+5",
        "desktop.tariffs_page:TariffsPage",
    ),
    ModuleSpec(
        "billing",
        QT_TRANSLATE_NOOP("Modules", "Billing"),
        "Ctrl+6",
        "desktop.billing_page:BillingPage",
    ),
    ModuleSpec(
        "handheld",
        QT_TRANSLATE_NOOP("Modules", "Handheld import"),
        "Ctrl+7",
        "desktop.handheld_page:HandheldPage",
        permission="readings",
    ),
    ModuleSpec(
        "labels",
        QT_TRANSLATE_NOOP("Modules", "Barcode labels"),
        "Ctrl+8",
        "desktop.labels_page:LabelsPage",
        permission="meters",
    ),
    ModuleSpec(
        "online",
        QT_TRANSLATE_NOOP("Modules", "Online payments"),
        "Ctrl+Shift+P",
        "desktop.online_pay_page:OnlinePayPage",
        needs_branch=True,
        permission="counter",
    ),
    ModuleSpec(
        "exchange",
        QT_TRANSLATE_NOOP("Modules", "Data exchange"),
        "Ctrl+Shift+X",
        "desktop.exchange_page:ExchangePage",
        permission="readings",
    ),
    ModuleSpec(
        "reports",
        QT_TRANSLATE_NOOP("Modules", "Reports"),
        "Ctrl+Shift+R",
        "desktop.reports_page:ReportsPage",
    ),
    ModuleSpec(
        "service",
        QT_TRANSLATE_NOOP("Modules", "Resident services"),
        "Ctrl+Shift+S",
        "desktop.service_page:ServicePage",
    ),
    ModuleSpec(
        "reminders",
        QT_TRANSLATE_NOOP("Modules", "Reminders and messages"),
        "Ctrl+Shift+M",
        "desktop.reminders_page:RemindersPage",
        permission="service",
    ),
    ModuleSpec(
        "control",
        QT_TRANSLATE_NOOP("Modules", "Prepaid control"),
        "Ctrl+Shift+K",
        "desktop.control_page:ControlPage",
        permission="meters",
    ),
    ModuleSpec(
        "admin",
        QT_TRANSLATE_NOOP("Modules", "Administration"),
        "Ctrl+9",
        "desktop.admin_page:AdminPage",
    ),
)


def modules_for(identity: StaffIdentity) -> tuple[ModuleSpec, ...]:
    return tuple(spec for spec in MODULES if spec.available_to(identity))
