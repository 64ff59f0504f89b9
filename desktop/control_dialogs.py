"""The 费控 page's dialogs, each a CorrectionDialog (a reason kept with who and when, the
service on a worker, a refusal shown in the dialog): switching one account, switching a
whole building (a second manager approves first), cancelling a queued command, and setting
or lifting a 保电 mark."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, time, timedelta
from decimal import Decimal

from PySide6.QtCore import QDate
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDateEdit,
    QFormLayout,
    QLabel,
    QLineEdit,
    QWidget,
)
from sqlalchemy.orm import Session

from desktop.approval_dialog import ApproverCheck, CorrectionDialog
from desktop.tasks import TaskRunner
from server.services.control import commands, protection
from server.services.control.commands import OFF
from server.services.core.approval import check_approval
from server.services.core.audit import Actor
from server.services.core.calendar import BUSINESS_TZ
from server.services.metering.review_desk import BuildingChoice

Clock = Callable[[], datetime]


def another_manager(actor: Actor) -> ApproverCheck:
    """A manager other than `actor`: bulk switching is decided by two people."""
    return lambda session, approver: check_approval(
        session, actor, approver, Decimal(0), Decimal(0)
    )


class ControlDialog(CorrectionDialog):
    """A 费控 decision: no amount, so no limit; the reason is what the audit keeps."""

    def __init__(self, runner: TaskRunner, actor: Actor, parent: QWidget | None) -> None:
        super().__init__(runner, actor, None, parent)
        self.reason_edit.setPlaceholderText(self.tr("Required: why (kept with who and when)"))


class SwitchDialog(ControlDialog):
    """手动通断 of one account's switchable meters, with a reason; the service refuses
    switching off an account under 保电."""

    def __init__(
        self, runner: TaskRunner, actor: Actor, account_no: str, holder: str,
        meters: tuple[str, ...], state: str, clock: Clock, parent: QWidget | None = None,
    ) -> None:  # fmt: skip
        super().__init__(runner, actor, parent)
        self.setObjectName("switchDialog")
        self.account_no, self.state, self.clock = account_no, state, clock
        if state == OFF:
            self.setWindowTitle(self.tr("Switch off account {account}").format(account=account_no))
            self.confirm_button.setText(self.tr("Switch off"))
            warning = self.tr(
                "The meters below are switched off (relay tripped, valve closed) as soon as the "
                "command is sent. Switching off a home is serious: check the account first."
            )
        else:
            self.setWindowTitle(self.tr("Switch on account {account}").format(account=account_no))
            self.confirm_button.setText(self.tr("Switch on"))
            warning = self.tr("The meters below are switched back on when the command is sent.")
        note = QLabel(warning)
        note.setWordWrap(True)
        form = QFormLayout()
        form.addRow(self.tr("Meters:"), QLabel("、".join(meters)))
        self.lay_out(f"{account_no}  {holder}", [note, form])
        self.setMinimumWidth(460)
        self.validate()

    def work(self, reason: str, approver: Actor | None) -> Callable[[Session], object]:
        actor, account_no, state, moment = self.actor, self.account_no, self.state, self.clock()
        return lambda s: tuple(commands.switch_account(s, actor, account_no, state, reason, moment))


class BuildingSwitchDialog(ControlDialog):
    """整栋楼通断: every account of a building (accounts under a power hold stay on when switching
    off), approved by another manager who signs in here."""

    def __init__(
        self, runner: TaskRunner, actor: Actor, buildings: tuple[BuildingChoice, ...],
        chosen: int | None, state: str, clock: Clock, parent: QWidget | None = None,
    ) -> None:  # fmt: skip
        super().__init__(runner, actor, parent)
        self.setObjectName("buildingSwitchDialog")
        self.state, self.clock = state, clock
        off = state == OFF
        self.setWindowTitle(
            self.tr("Switch off a building") if off else self.tr("Switch on a building")
        )
        self.confirm_button.setText(self.tr("Ask for approval…"))
        self.building_combo = QComboBox()
        self.building_combo.setObjectName("buildingCombo")
        for choice in buildings:
            self.building_combo.addItem(choice.key, choice.building_id)
        if chosen is not None:
            self.building_combo.setCurrentIndex(max(self.building_combo.findData(chosen), 0))
        note = QLabel(
            self.tr(
                "Every account of the building is switched off; accounts under a power hold stay "
                "on. Another manager approves before any command is queued."
            )
            if off
            else self.tr(
                "Every account of the building is switched on. Another manager approves "
                "before any command is queued."
            )
        )
        note.setWordWrap(True)
        form = QFormLayout()
        form.addRow(self.tr("Building:"), self.building_combo)
        self.lay_out(self.windowTitle(), [note, form])
        self.setMinimumWidth(480)
        self.validate()

    def needs_approval(self) -> bool:
        return True

    def problem(self) -> str:
        if self.building_combo.currentData() is None:
            return self.tr("Choose the building.")
        return self.reason_problem()

    def proceed(self) -> None:
        explanation = (
            self.tr(
                "{building}: switching a whole building off needs another manager's approval. "
                "The approving manager signs in here."
            )
            if self.state == OFF
            else self.tr(
                "{building}: switching a whole building on needs another manager's approval. "
                "The approving manager signs in here."
            )
        ).format(building=self.building_combo.currentText())
        self.ask_approval(explanation, another_manager(self.actor), self.submit)

    def work(self, reason: str, approver: Actor | None) -> Callable[[Session], object]:
        actor, state, moment = self.actor, self.state, self.clock()
        building_id = int(self.building_combo.currentData())
        return lambda s: tuple(
            commands.switch_building(s, actor, building_id, state, reason, moment, approver)
        )


class CancelCommandDialog(ControlDialog):
    """Take a queued command back before it is sent, with a reason."""

    def __init__(
        self, runner: TaskRunner, actor: Actor, command: commands.CommandRow, clock: Clock,
        parent: QWidget | None = None,
    ) -> None:  # fmt: skip
        super().__init__(runner, actor, parent)
        self.setObjectName("cancelCommandDialog")
        self.command_id, self.clock = command.command_id, clock
        self.setWindowTitle(self.tr("Cancel command {id}").format(id=command.command_id))
        self.confirm_button.setText(self.tr("Cancel the command"))
        form = QFormLayout()
        form.addRow(self.tr("Command:"), QLabel(f"{command.action_label}  {command.meter_no}"))
        form.addRow(self.tr("Why it was queued:"), QLabel(command.reason))
        self.lay_out(f"{command.account_no}  {command.holder_name}", [form])
        self.setMinimumWidth(460)
        self.validate()

    def work(self, reason: str, approver: Actor | None) -> Callable[[Session], object]:
        actor, command_id, moment = self.actor, self.command_id, self.clock()
        return lambda s: commands.cancel_command(s, actor, command_id, reason, moment)


class ProtectDialog(ControlDialog):
    """保电 set on an account or a building (a reason, and the last day it holds if it
    lapses), or lifted (a reason); a manager's decision, checked by the service."""

    def __init__(
        self, runner: TaskRunner, actor: Actor, buildings: tuple[BuildingChoice, ...],
        clock: Clock, *, protected: bool, account_no: str = "", building: str = "",
        parent: QWidget | None = None,
    ) -> None:  # fmt: skip
        super().__init__(runner, actor, parent)
        self.setObjectName("protectDialog")
        self.protected, self.clock = protected, clock
        self.setWindowTitle(self.tr("Set power hold") if protected else self.tr("Lift power hold"))
        self.confirm_button.setText(
            self.tr("Set power hold") if protected else self.tr("Lift power hold")
        )
        self.target_combo = QComboBox()
        self.target_combo.setObjectName("targetCombo")
        self.target_combo.addItem(self.tr("An account"), "account")
        self.target_combo.addItem(self.tr("A whole building"), "building")
        self.account_edit = QLineEdit(account_no)
        self.account_edit.setObjectName("protectAccountEdit")
        self.building_combo = QComboBox()
        self.building_combo.setObjectName("protectBuildingCombo")
        for choice in buildings:
            self.building_combo.addItem(choice.key, choice.key)
        if building:
            self.target_combo.setCurrentIndex(1)
            self.building_combo.setCurrentIndex(max(self.building_combo.findData(building), 0))
        self.until_check = QCheckBox(self.tr("Lapses after"))
        self.until_check.setObjectName("untilCheck")
        self.until_edit = QDateEdit()
        self.until_edit.setObjectName("untilEdit")
        self.until_edit.setCalendarPopup(True)
        self.until_edit.setDisplayFormat("yyyy-MM-dd")
        today = clock().astimezone(BUSINESS_TZ).date()
        self.until_edit.setDate(QDate(today.year, today.month, today.day).addDays(7))
        self.until_edit.setEnabled(False)
        self.until_check.toggled.connect(self.until_edit.setEnabled)
        for signal in (
            self.target_combo.currentIndexChanged,
            self.building_combo.currentIndexChanged,
        ):
            signal.connect(lambda _: self._target_changed())
        self.account_edit.textChanged.connect(lambda _: self.validate())
        self.form = form = QFormLayout()
        form.addRow(self.tr("Protect:"), self.target_combo)
        form.addRow(self.tr("Account:"), self.account_edit)
        form.addRow(self.tr("Building:"), self.building_combo)
        if protected:
            form.addRow(self.until_check, self.until_edit)
        else:
            # Lifting names the mark chosen on the page.
            for widget in (self.target_combo, self.account_edit, self.building_combo):
                widget.setEnabled(False)
        note = QLabel(
            self.tr(
                "An account or building under a power hold is never switched off, by the policy "
                "or by hand."
            )
            if protected
            else self.tr("Once lifted, the policy may switch the account off again.")
        )
        note.setWordWrap(True)
        self.lay_out(self.windowTitle(), [note, form])
        self.setMinimumWidth(460)
        self._target_changed()

    def _target_changed(self) -> None:
        on_account = self.target_combo.currentData() == "account"
        self.form.setRowVisible(self.account_edit, on_account)
        self.form.setRowVisible(self.building_combo, not on_account)
        self.validate()

    def problem(self) -> str:
        if self.target_combo.currentData() == "account" and not self.account_edit.text().strip():
            return self.tr("Type the account number.")
        if self.target_combo.currentData() == "building" and self.building_combo.count() == 0:
            return self.tr("Choose the building.")
        return self.reason_problem()

    def until(self) -> datetime | None:
        """The end of the chosen day, business time: the mark holds through that day."""
        if not (self.protected and self.until_check.isChecked()):
            return None
        day = self.until_edit.date().toPython() + timedelta(days=1)
        return datetime.combine(day, time(0, 0), BUSINESS_TZ)  # type: ignore[arg-type]

    def work(self, reason: str, approver: Actor | None) -> Callable[[Session], object]:
        actor, protected, moment, until = self.actor, self.protected, self.clock(), self.until()
        on_account = self.target_combo.currentData() == "account"
        account_no = self.account_edit.text().strip() if on_account else None
        building = None if on_account else str(self.building_combo.currentData())
        return lambda s: protection.set_protection(
            s, actor, protected=protected, reason=reason, now=moment, account_no=account_no,
            building=building, until=until,
        )  # fmt: skip
