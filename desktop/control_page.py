"""费控 at the desk: each prepaid meter with its balance, its switch state as last read back
and its last command; the commands waiting or failed (with the meter's refusal), retried or
cancelled; a manual switch with a reason; a whole building switched, and the policy run
applied, only once another manager approved what the preview shows; 保电 marks.

Commands are sent on a worker (the sender commits each one itself), one by one with the
count shown, and the lists reload after. The building filter, the search (an account number
or a holder's name, from the start) and F5 reload the meters.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from PySide6.QtCore import QObject, QSettings, Signal
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QProgressBar,
    QPushButton,
    QVBoxLayout,
    QWidget,
)
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from desktop.approval_dialog import ApprovalDialog, CorrectionDialog
from desktop.control_dialogs import (
    BuildingSwitchDialog,
    CancelCommandDialog,
    ProtectDialog,
    SwitchDialog,
    another_manager,
)
from desktop.module_page import ModulePage
from desktop.place_picker import PlacePicker
from desktop.tasks import TaskError, TaskRunner
from desktop.widgets import DUE_SOON_TINT, OVERDUE_TINT, AlertText, ReadOnlyTable, tab_page
from server.config import load_settings
from server.db.engine import make_sessionmaker
from server.services.control import commands, overview, policy, protection, sender
from server.services.control.commands import FAILED, OFF, ON, QUEUED
from server.services.control.overview import MeterControlRow
from server.services.control.policy import PolicyPreview
from server.services.control.settings import ControlSettings
from server.services.core import permissions
from server.services.core.audit import Actor
from server.services.core.calendar import now
from server.services.metering.review_desk import BuildingChoice, building_choices
from server.services.metering.vocabulary import WATER
from server.services.residents.control_warnings import notify_warning
from server.services.staff.sign_in import StaffIdentity


@dataclass(frozen=True)
class Desk:
    meters: tuple[MeterControlRow, ...]
    commands: tuple[commands.CommandRow, ...]
    protections: tuple[protection.Protection, ...]
    buildings: tuple[BuildingChoice, ...]
    manager: bool


class _SendProgress(QObject):
    """Emitted on the worker as each command is sent (done, total); Qt queues it to the
    page's thread."""

    step = Signal(int, int)


class ControlPage(ModulePage):
    """`loaded` after each refresh; `refused(str)` with a service's refusal; `sent(SendReport)`
    once a send finished and the lists reloaded; `previewed(PolicyPreview)` once a preview
    (or an applied run) is shown; `dialog_opened(QDialog)` for each dialog it opens."""

    sent = Signal(object)
    previewed = Signal(object)
    dialog_opened = Signal(object)

    def __init__(
        self,
        identity: StaffIdentity,
        runner: TaskRunner,
        *,
        preferences: QSettings | None = None,
        parent: QWidget | None = None,
        clock: Callable[[], datetime] = now,
        control_settings: ControlSettings | None = None,
    ) -> None:
        self.clock = clock
        # None: read from the settings ([control]) when sending; tests put their own here.
        self.control_settings = control_settings
        super().__init__(identity, runner, preferences=preferences, parent=parent)

    def build(self) -> None:
        self.setObjectName("controlPage")
        self.desk: Desk | None = None
        self.preview: PolicyPreview | None = None
        self.dialog: QObject | None = None
        self.tabs_over_message(
            [
                (self._meters_tab(), self.tr("Prepaid meters")),
                (self._commands_tab(), self.tr("Pending and failed")),
                (self._policy_tab(), self.tr("Policy run")),
                (self._protections_tab(), self.tr("Power hold")),
            ]
        )
        self.send_button = QPushButton(self.tr("Send pending commands"))
        self.send_button.setObjectName("sendButton")
        self.send_button.setToolTip(
            self.tr("Send every queued command now over its building's port")
        )
        self.send_button.clicked.connect(lambda: self.send_pending())
        self.send_progress = QProgressBar()
        self.send_progress.setMaximumWidth(200)
        self.send_progress.setFormat(self.tr("Sent %v of %m"))
        self.send_progress.setVisible(False)
        self.send_summary = QLabel()
        row = QHBoxLayout()
        row.addWidget(self.message, 1)
        row.addWidget(self.send_summary)
        row.addWidget(self.send_progress)
        row.addWidget(self.send_button)
        row.addWidget(self.refresh_button(self.refresh))
        layout = self.layout()
        assert isinstance(layout, QVBoxLayout)
        layout.removeWidget(self.message)
        layout.addLayout(row)
        self._update_buttons()
        self.refresh()

    # ---- layout ---------------------------------------------------------------------------

    def _meters_tab(self) -> QWidget:
        self.place_picker = PlacePicker(
            self, all_campuses=self.tr("All campuses"), all_buildings=self.tr("All buildings")
        )
        self.place_picker.changed.connect(self.refresh)
        self.search_edit = QLineEdit()
        self.search_edit.setObjectName("controlSearch")
        self.search_edit.setPlaceholderText(self.tr("Account no. or holder (from the start)"))
        self.search_edit.returnPressed.connect(self.refresh)
        filters = QHBoxLayout()
        filters.addWidget(QLabel(self.tr("Campus")))
        filters.addWidget(self.place_picker.campus_combo)
        filters.addWidget(QLabel(self.tr("Building")))
        filters.addWidget(self.place_picker.building_combo)
        filters.addWidget(self.search_edit, 1)
        self.meters_table = ReadOnlyTable(
            [self.tr("Account"), self.tr("Holder"), self.tr("Building"), self.tr("Meter"),
             self.tr("Balance"), self.tr("Cut off below"), self.tr("Switch"),
             self.tr("Read back"), self.tr("Last command"), self.tr("Outcome"),
             self.tr("Queued"), self.tr("Meter's reply"), self.tr("Power hold")]
        )  # fmt: skip
        self.meters_table.setObjectName("controlMeters")
        self.meters_table.selectionModel().selectionChanged.connect(
            lambda *_: self._update_buttons()
        )
        self.off_button = QPushButton(self.tr("Switch off…"))
        self.off_button.setObjectName("switchOffButton")
        self.off_button.clicked.connect(lambda: self.ask_switch(OFF))
        self.on_button = QPushButton(self.tr("Switch on…"))
        self.on_button.setObjectName("switchOnButton")
        self.on_button.clicked.connect(lambda: self.ask_switch(ON))
        self.building_off_button = QPushButton(self.tr("Switch off building…"))
        self.building_off_button.clicked.connect(lambda: self.ask_building(OFF))
        self.building_on_button = QPushButton(self.tr("Switch on building…"))
        self.building_on_button.clicked.connect(lambda: self.ask_building(ON))
        self.protect_account_button = QPushButton(self.tr("Set power hold…"))
        self.protect_account_button.setToolTip(self.tr("Managers only"))
        self.protect_account_button.clicked.connect(lambda: self.ask_protect())
        buttons = QHBoxLayout()
        for button in (self.off_button, self.on_button):
            buttons.addWidget(button)
        buttons.addStretch(1)
        for button in (
            self.protect_account_button, self.building_off_button, self.building_on_button,
        ):  # fmt: skip
            buttons.addWidget(button)
        return tab_page(filters, self.meters_table, buttons, stretch=self.meters_table)

    def _commands_tab(self) -> QWidget:
        self.commands_table = ReadOnlyTable(
            [self.tr("No."), self.tr("Queued"), self.tr("Account"), self.tr("Holder"),
             self.tr("Meter"), self.tr("Command"), self.tr("Source"), self.tr("Reason"),
             self.tr("Requested by"), self.tr("Approved by"), self.tr("Status"),
             self.tr("Attempts"), self.tr("Meter's reply")]
        )  # fmt: skip
        self.commands_table.setObjectName("controlCommands")
        self.commands_table.selectionModel().selectionChanged.connect(
            lambda *_: self._update_buttons()
        )
        self.retry_button = QPushButton(self.tr("Retry"))
        self.retry_button.setToolTip(self.tr("Queue the selected failed command again"))
        self.retry_button.clicked.connect(lambda: self.retry_selected())
        self.cancel_button = QPushButton(self.tr("Cancel command…"))
        self.cancel_button.clicked.connect(lambda: self.ask_cancel())
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self.retry_button)
        buttons.addWidget(self.cancel_button)
        return tab_page(self.commands_table, buttons, stretch=self.commands_table)

    def _policy_tab(self) -> QWidget:
        self.preview_button = QPushButton(self.tr("Preview"))
        self.preview_button.setObjectName("previewButton")
        self.preview_button.setToolTip(
            self.tr("Who would be warned or switched off now, and why; nothing is changed")
        )
        self.preview_button.clicked.connect(lambda: self.run_preview())
        self.apply_button = QPushButton(self.tr("Apply…"))
        self.apply_button.setObjectName("applyButton")
        self.apply_button.setToolTip(
            self.tr("Give the warnings; switch-offs are queued once another manager approves")
        )
        self.apply_button.clicked.connect(lambda: self.ask_apply())
        self.policy_summary = QLabel()
        self.policy_summary.setWordWrap(True)
        self.policy_table = ReadOnlyTable(
            [self.tr("Account"), self.tr("Holder"), self.tr("Building"), self.tr("Balance"),
             self.tr("Threshold"), self.tr("Step"), self.tr("Why"), self.tr("Meters")]
        )  # fmt: skip
        self.policy_table.setObjectName("policyPreview")
        buttons = QHBoxLayout()
        buttons.addWidget(self.policy_summary, 1)
        buttons.addWidget(self.preview_button)
        buttons.addWidget(self.apply_button)
        return tab_page(buttons, self.policy_table, stretch=self.policy_table)

    def _protections_tab(self) -> QWidget:
        self.protections_table = ReadOnlyTable(
            [self.tr("Protected"), self.tr("Reason"), self.tr("Until"), self.tr("Set by"),
             self.tr("Since")]
        )  # fmt: skip
        self.protections_table.selectionModel().selectionChanged.connect(
            lambda *_: self._update_buttons()
        )
        self.protect_button = QPushButton(self.tr("Set power hold…"))
        self.protect_button.setToolTip(self.tr("Managers only"))
        self.protect_button.clicked.connect(lambda: self.ask_protect(blank=True))
        self.unprotect_button = QPushButton(self.tr("Lift power hold…"))
        self.unprotect_button.setToolTip(self.tr("Managers only"))
        self.unprotect_button.clicked.connect(lambda: self.ask_unprotect())
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self.protect_button)
        buttons.addWidget(self.unprotect_button)
        return tab_page(self.protections_table, buttons, stretch=self.protections_table)

    # ---- loading --------------------------------------------------------------------------

    def refresh(self) -> None:
        building_id, search = self.place_picker.building_id(), self.search_edit.text()
        staff_id, moment = self.identity.staff_id, self.clock()

        def load(session: Session) -> Desk:
            return Desk(
                tuple(
                    overview.prepaid_meters(session, moment, building_id=building_id, search=search)
                ),
                tuple(commands.pending_commands(session) + commands.failed_commands(session)),
                tuple(protection.protections(session, moment)),
                building_choices(session),
                permissions.is_manager(session, staff_id),
            )

        self.runner.run(
            load,
            on_success=self._show,
            on_failure=lambda error: self.message.setText(error.message),
            owner=self,
        )

    def _state_text(self, row: MeterControlRow) -> str:
        text = self._switch_text(row)
        # The meter's own 保电 read back: it refuses a trip from anywhere.
        return self.tr("{state} (held at the meter)").format(state=text) if row.held else text

    def _switch_text(self, row: MeterControlRow) -> str:
        water = row.kind == WATER
        if row.state == OFF:
            return self.tr("Valve closed") if water else self.tr("Power off")
        if row.state == ON:
            return self.tr("Valve open") if water else self.tr("Power on")
        return self.tr("Unknown")

    def _show(self, desk: Desk) -> None:
        first = self.desk is None
        self.desk = desk
        if first:
            self.place_picker.set_places(desk.buildings)
        failed_label = commands.STATUS_LABELS[FAILED]
        tints: list[QColor | None] = [
            OVERDUE_TINT if r.state == OFF else DUE_SOON_TINT if r.last_status == failed_label
            else None
            for r in desk.meters
        ]  # fmt: skip
        self.meters_table.fill(
            [
                [r.account_no, r.holder_name, r.building, r.meter_no,
                 r.balance,
                 r.cutoff_below, self._state_text(r), r.state_read_at, r.last_command,
                 AlertText(r.last_status) if r.last_status == failed_label else r.last_status,
                 r.last_at, r.last_error, r.protected]
                for r in desk.meters
            ],
            keys=list(range(len(desk.meters))),
            tints=tints,
        )  # fmt: skip
        self.commands_table.fill(
            [
                [c.command_id, c.created_at, c.account_no, c.holder_name, c.meter_no,
                 c.action_label, c.source_label, c.reason, c.requested_by, c.approved_by,
                 AlertText(c.status_label) if c.status == FAILED else c.status_label,
                 c.attempts, c.error]
                for c in desk.commands
            ],
            keys=[c.command_id for c in desk.commands],
            tints=[OVERDUE_TINT if c.status == FAILED else None for c in desk.commands],
        )  # fmt: skip
        failed = sum(c.status == FAILED for c in desk.commands)
        self.tabs.setTabText(
            1,
            self.tr("Pending and failed ({pending} / {failed})").format(
                pending=len(desk.commands) - failed, failed=failed
            ),
        )
        self.protections_table.fill(
            [[p.target, p.reason, p.until_text, p.set_by, p.set_at] for p in desk.protections],
            keys=list(range(len(desk.protections))),
        )
        self.tabs.setTabText(3, self.tr("Power hold ({count})").format(count=len(desk.protections)))
        # The service refuses 保电 to anyone else; the buttons are not offered.
        for button in (self.protect_button, self.unprotect_button, self.protect_account_button):
            button.setVisible(desk.manager)
        self._update_buttons()
        self.loaded.emit()

    def selected_meter(self) -> MeterControlRow | None:
        key = self.meters_table.selected_key()
        return None if key is None or self.desk is None else self.desk.meters[int(str(key))]

    def selected_command(self) -> commands.CommandRow | None:
        key = self.commands_table.selected_key()
        if key is None or self.desk is None:
            return None
        return next(c for c in self.desk.commands if c.command_id == key)

    def _update_buttons(self) -> None:
        meter, command = self.selected_meter(), self.selected_command()
        self.off_button.setEnabled(meter is not None)
        self.on_button.setEnabled(meter is not None)
        self.protect_account_button.setEnabled(meter is not None)
        self.retry_button.setEnabled(command is not None and command.status == FAILED)
        self.cancel_button.setEnabled(command is not None and command.status == QUEUED)
        self.unprotect_button.setEnabled(self.protections_table.selected_key() is not None)
        self.apply_button.setEnabled(self.preview is not None and not self.preview.applied)

    # ---- dialogs --------------------------------------------------------------------------

    def _open(self, dialog: CorrectionDialog) -> None:
        dialog.finished_with.connect(lambda _: self.refresh())
        dialog.refused.connect(self.refused.emit)
        self.dialog = dialog
        self.dialog_opened.emit(dialog)
        dialog.open()

    def ask_switch(self, state: str) -> None:
        meter = self.selected_meter()
        if meter is None or self.desk is None:
            return
        meters = tuple(r.meter_no for r in self.desk.meters if r.account_no == meter.account_no)
        self._open(
            SwitchDialog(
                self.runner, self.identity.actor, meter.account_no, meter.holder_name, meters,
                state, self.clock, self,
            )
        )  # fmt: skip

    def ask_building(self, state: str) -> None:
        if self.desk is None:
            return
        self._open(
            BuildingSwitchDialog(
                self.runner, self.identity.actor, self.desk.buildings,
                self.place_picker.building_id(), state, self.clock, self,
            )
        )  # fmt: skip

    def ask_cancel(self) -> None:
        command = self.selected_command()
        if command is not None and command.status == QUEUED:
            self._open(
                CancelCommandDialog(self.runner, self.identity.actor, command, self.clock, self)
            )

    def ask_protect(self, blank: bool = False) -> None:
        if self.desk is None:
            return
        meter = None if blank else self.selected_meter()
        self._open(
            ProtectDialog(
                self.runner, self.identity.actor, self.desk.buildings, self.clock,
                protected=True, account_no=meter.account_no if meter else "", parent=self,
            )
        )  # fmt: skip

    def ask_unprotect(self) -> None:
        key = self.protections_table.selected_key()
        if key is None or self.desk is None:
            return
        mark = self.desk.protections[int(str(key))]
        building = next(
            (b.key for b in self.desk.buildings if b.building == mark.building), mark.building
        )
        self._open(
            ProtectDialog(
                self.runner, self.identity.actor, self.desk.buildings, self.clock,
                protected=False, account_no=mark.account_no,
                building=building if not mark.account_no else "", parent=self,
            )
        )  # fmt: skip

    def retry_selected(self) -> None:
        command = self.selected_command()
        if command is None or command.status != FAILED:
            return
        actor, command_id, moment = self.identity.actor, command.command_id, self.clock()
        self.run_change(
            lambda s: commands.retry_command(s, actor, command_id, moment), self.message,
            self.refresh,
        )  # fmt: skip

    # ---- sending --------------------------------------------------------------------------

    def _settings(self) -> ControlSettings:
        # Read on the worker: a bad [control] setting is a refusal the page shows.
        return self.control_settings or ControlSettings.from_settings(load_settings())

    def send_pending(self) -> None:
        """Send every queued command now, one by one (the sender commits each), then
        reload."""
        moment = self.clock()
        progress = _SendProgress(self)
        progress.step.connect(self._sent_one)
        self.send_button.setEnabled(False)
        self.send_summary.clear()
        self.message.clear()

        def send(session: Session) -> sender.SendReport:
            settings = self._settings()
            engine = session.get_bind()
            assert isinstance(engine, Engine)
            sessions = make_sessionmaker(engine)
            ids = [c.command_id for c in commands.commands(session, (QUEUED,))]
            session.rollback()  # the sender takes its own sessions; hold no snapshot here
            total = sender.SendReport()
            progress.step.emit(0, len(ids))
            for done, command_id in enumerate(reversed(ids), 1):
                one = sender.send_due(sessions, settings, moment, only=[command_id])
                total = sender.SendReport(
                    *(getattr(total, f) + getattr(one, f)
                      for f in ("done", "retrying", "failed", "cancelled", "stale"))
                )  # fmt: skip
                progress.step.emit(done, len(ids))
            return total

        def finished(report: sender.SendReport) -> None:
            self.send_button.setEnabled(True)
            self.send_progress.setVisible(False)
            self.send_summary.setText(report.summary())
            self.refresh()
            self.sent.emit(report)

        def failed(error: TaskError) -> None:
            self.send_button.setEnabled(True)
            self.send_progress.setVisible(False)
            self.message.setText(error.message)
            self.refresh()

        self.runner.run(send, on_success=finished, on_failure=failed, owner=self)

    def _sent_one(self, done: int, total: int) -> None:
        self.send_progress.setRange(0, max(total, 1))
        self.send_progress.setValue(done)
        self.send_progress.setVisible(True)

    # ---- the policy run -------------------------------------------------------------------

    def _policy(
        self, apply: bool, approver: Actor | None = None
    ) -> Callable[[Session], PolicyPreview | None]:
        actor, moment = self.identity.actor, self.clock()
        shown = tuple(i.account_no for i in self.preview.to_switch) if self.preview else ()

        def work(session: Session) -> PolicyPreview | None:
            settings = self._settings()
            if apply:
                again = policy.run_control_policy(session, moment, actor=actor, settings=settings)
                # What the approver saw is what is switched off, or nothing is.
                if tuple(i.account_no for i in again.to_switch) != shown:
                    return None
            return policy.run_control_policy(
                session, moment, actor=actor, settings=settings, apply=apply,
                approver=approver, notify=notify_warning,
            )  # fmt: skip

        return work

    def run_preview(self) -> None:
        self.message.clear()
        self.runner.run(
            self._policy(False),
            on_success=self._show_preview,
            on_failure=lambda error: self.message.setText(error.message),
            owner=self,
        )

    def _show_preview(self, preview: PolicyPreview | None) -> None:
        if preview is None:
            self.preview = None
            self.policy_table.fill([])
            self.policy_summary.setText(
                self.tr("Things changed since the preview: nothing was done. Preview again.")
            )
            self._update_buttons()
            return
        self.preview = preview
        self.policy_table.fill(
            [
                [i.account_no, i.holder_name, i.building, i.balance, i.threshold,
                 AlertText(i.step_label) if i.step == policy.SWITCH_OFF else i.step_label,
                 i.why, "、".join(i.meters)]
                for i in preview.items
            ],
            keys=[i.account_no for i in preview.items],
            tints=[OVERDUE_TINT if i.step == policy.SWITCH_OFF else None for i in preview.items],
        )  # fmt: skip
        self.policy_summary.setText(preview.summary())
        self._update_buttons()
        if preview.applied:
            self.refresh()
        self.previewed.emit(preview)

    def ask_apply(self) -> None:
        """Apply the previewed run: the warnings go out; switch-offs, if any, are queued once
        another manager approved them."""
        preview = self.preview
        if preview is None or preview.applied:
            return
        if not preview.to_switch:
            self._apply(None)
            return
        explanation = self.tr(
            "The policy run switches off {count} accounts ({accounts}). Another manager "
            "approves before the commands are queued. The approving manager signs in here."
        ).format(
            count=len(preview.to_switch),
            accounts="、".join(i.account_no for i in preview.to_switch),
        )
        approval = ApprovalDialog(
            self.runner, explanation, another_manager(self.identity.actor), self
        )
        approval.approved.connect(self._apply)
        self.dialog = approval
        self.dialog_opened.emit(approval)
        approval.open()

    def _apply(self, approver: Actor | None) -> None:
        self.apply_button.setEnabled(False)
        self.runner.run(
            self._policy(True, approver),
            on_success=self._show_preview,
            on_failure=self._apply_refused,
            owner=self,
        )

    def _apply_refused(self, error: TaskError) -> None:
        self.message.setText(error.message)
        self.refused.emit(error.message)
        self._update_buttons()
