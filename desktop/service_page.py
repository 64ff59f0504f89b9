"""用户服务 at the desk: binding review, the service-request queue, notices to residents,
and the 新装换装 field staff reported, confirmed or rejected with their dials' photos.

Queues are sorted by deadline and coloured by it (red: past, amber: close); every decision
goes through the companion's domain services, which notify the resident.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QDateTimeEdit,
    QDialog,
    QHBoxLayout,
    QInputDialog,
    QLabel,
    QPushButton,
    QSplitter,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)
from sqlalchemy.orm import Session

from desktop.module_page import ModulePage
from desktop.photo_viewer import PhotoPanel
from desktop.service_dialogs import MismatchDialog, NoticeDialog
from desktop.tasks import TaskError
from desktop.widgets import (
    ALERT,
    DUE_SOON_TINT,
    OVERDUE_TINT,
    AlertText,
    ReadOnlyTable,
)
from server.services.core.calendar import BUSINESS_TZ, now
from server.services.core.photos import photo_view
from server.services.metering.field_installs import (
    ConfirmOutcome,
    PendingInstall,
    confirm_install,
    pending_installs,
    reject_install,
)
from server.services.metering.review_desk import BuildingChoice, building_choices
from server.services.metering.usage_rules import quantity_text
from server.services.residents.bindings import (
    PendingBinding,
    approve_binding,
    pending_bindings,
    reject_binding,
)
from server.services.residents.bulletins import NoticeView, notices, publish_notice
from server.services.residents.request_photos import request_photo
from server.services.residents.service_requests import (
    RequestRow,
    TaskResult,
    answer_request,
    assign_request,
    completed_tasks,
    request_queue,
)
from server.services.staff.staff_admin import StaffRow, list_staff

# A binding is "close" to its deadline in the last two working hours (1 个工作日内审核).
BINDING_DUE_SOON = timedelta(hours=2)
# A claim that is not the account's: stronger than the deadline colours, whatever the due time.
MISMATCH_TINT = QColor("#f9c4c4")


@dataclass(frozen=True)
class DeskQueues:
    moment: datetime
    bindings: tuple[PendingBinding, ...]
    requests: tuple[RequestRow, ...]
    notices: tuple[NoticeView, ...]
    staff: tuple[StaffRow, ...]
    buildings: tuple[BuildingChoice, ...]
    installs: tuple[PendingInstall, ...] = ()
    completed: tuple[TaskResult, ...] = ()


def _queues(session: Session) -> DeskQueues:
    return DeskQueues(
        now(),
        tuple(pending_bindings(session)),
        tuple(request_queue(session)),
        tuple(notices(session)),
        tuple(s for s in list_staff(session) if s.active),
        building_choices(session),
        tuple(pending_installs(session)),
        tuple(completed_tasks(session)),
    )


def _figure(value: object) -> str:
    return "" if value is None else quantity_text(value)  # type: ignore[arg-type]


def _moment(edit: QDateTimeEdit) -> datetime:
    """The edit's wall-clock time as business time."""
    value: datetime = edit.dateTime().toPython()  # type: ignore[assignment]
    return value.replace(tzinfo=BUSINESS_TZ)


def _tint(moment: datetime, due_at: datetime, soon: timedelta) -> QColor | None:
    if moment > due_at:
        return OVERDUE_TINT
    return DUE_SOON_TINT if due_at - moment <= soon else None


class ServicePage(ModulePage):
    """`loaded` after each refresh; `refused(str)` with a service's refusal."""

    def build(self) -> None:
        self.setObjectName("servicePage")
        self.queues: DeskQueues | None = None
        self.message = QLabel()
        self.message.setStyleSheet(f"color: {ALERT.name()};")
        self.tabs = QTabWidget()
        self.tabs.addTab(self._bindings_tab(), self.tr("Binding review"))
        self.tabs.addTab(self._requests_tab(), self.tr("Requests"))
        self.tabs.addTab(self._notices_tab(), self.tr("Notices"))
        self.tabs.addTab(self._installs_tab(), self.tr("Installations"))
        self.tabs.addTab(self._completed_tab(), self.tr("Completed by field staff"))
        refresh = QPushButton(self.tr("Refresh (F5)"))
        refresh.setShortcut("F5")
        refresh.clicked.connect(lambda: self.refresh())
        bottom = QHBoxLayout()
        bottom.addWidget(self.message, 1)
        bottom.addWidget(refresh)
        layout = QVBoxLayout(self)
        layout.addWidget(self.tabs, 1)
        layout.addLayout(bottom)
        self.refresh()

    def _bindings_tab(self) -> QWidget:
        self.bindings_table = ReadOnlyTable(
            [self.tr("Requested"), self.tr("Due"), self.tr("Account"), self.tr("Given as"),
             self.tr("Match"), self.tr("Holder on record"), self.tr("Mobile on record"),
             self.tr("Class"), self.tr("Bindings"), self.tr("Phone"), self.tr("What differs")]
        )  # fmt: skip
        self.bindings_table.selectionModel().selectionChanged.connect(
            lambda *_: self._binding_selection()
        )
        self.mismatch_label = QLabel()
        self.mismatch_label.setWordWrap(True)
        self.mismatch_label.setStyleSheet(f"color: {ALERT.name()}; font-weight: bold;")
        self.mismatch_dialog: MismatchDialog | None = None
        self.approve_button = QPushButton(self.tr("Approve"))
        self.approve_button.clicked.connect(lambda: self.approve_selected())
        reject = QPushButton(self.tr("Reject…"))
        reject.clicked.connect(lambda: self.ask_reject_selected())
        tab = self._tab(self.bindings_table, self.approve_button, reject)
        layout = tab.layout()
        assert isinstance(layout, QVBoxLayout)
        layout.insertWidget(1, self.mismatch_label)
        return tab

    def _requests_tab(self) -> QWidget:
        self.requests_table = ReadOnlyTable(
            [self.tr("Raised"), self.tr("Due"), self.tr("Kind"), self.tr("Topic"),
             self.tr("Description"), self.tr("Place"), self.tr("Phone"), self.tr("Assigned to"),
             self.tr("Appointment"), self.tr("Photo")]
        )  # fmt: skip
        self.requests_table.selectionModel().selectionChanged.connect(
            lambda *_: self._request_selection()
        )
        self.request_photo = PhotoPanel(self.runner)
        self.request_photo.setObjectName("requestPhoto")
        assign = QPushButton(self.tr("Assign…"))
        assign.clicked.connect(lambda: self.ask_assign_selected())
        answer = QPushButton(self.tr("Answer…"))
        answer.clicked.connect(lambda: self.ask_answer_selected())
        # The photo beside the queue, so a fault's picture is seen before it is assigned.
        return self._beside(self._tab(self.requests_table, assign, answer), self.request_photo)

    @staticmethod
    def _beside(tab: QWidget, photo: PhotoPanel) -> QWidget:
        """The tab with `photo` on the right of its table."""
        layout = tab.layout()
        assert isinstance(layout, QVBoxLayout)
        table = layout.itemAt(0).widget()
        splitter = QSplitter(Qt.Orientation.Horizontal)
        layout.replaceWidget(table, splitter)
        splitter.addWidget(table)
        splitter.addWidget(photo)
        splitter.setStretchFactor(0, 3)
        splitter.setStretchFactor(1, 1)
        return tab

    def _notices_tab(self) -> QWidget:
        self.notices_table = ReadOnlyTable(
            [self.tr("Published"), self.tr("Kind"), self.tr("Title"), self.tr("From"),
             self.tr("Until")]
        )  # fmt: skip
        publish = QPushButton(self.tr("Publish a notice…"))
        publish.clicked.connect(lambda: self.ask_publish())
        return self._tab(self.notices_table, publish)

    def _installs_tab(self) -> QWidget:
        self.installs_table = ReadOnlyTable(
            [self.tr("Reported"), self.tr("Kind"), self.tr("Reported by"), self.tr("Old meter"),
             self.tr("Last reading"), self.tr("Final reading"), self.tr("New meter"),
             self.tr("Meter kind"), self.tr("Digits"), self.tr("Multiplier"),
             self.tr("Initial reading"), self.tr("Account"), self.tr("Place"), self.tr("Note"),
             self.tr("Refused")]
        )  # fmt: skip
        self.installs_table.selectionModel().selectionChanged.connect(
            lambda *_: self._install_selection()
        )
        self.old_photo = PhotoPanel(self.runner)
        self.new_photo = PhotoPanel(self.runner)
        photos = QHBoxLayout()
        for caption, panel in (
            (self.tr("Old meter's dial"), self.old_photo),
            (self.tr("New meter's dial"), self.new_photo),
        ):
            column = QVBoxLayout()
            column.addWidget(QLabel(caption))
            column.addWidget(panel, 1)
            photos.addLayout(column)
        self.confirm_button = QPushButton(self.tr("Confirm"))
        self.confirm_button.clicked.connect(lambda: self.confirm_selected())
        self.reject_install_button = QPushButton(self.tr("Reject…"))
        self.reject_install_button.clicked.connect(lambda: self.ask_reject_install_selected())
        tab = self._tab(self.installs_table, self.confirm_button, self.reject_install_button)
        layout = tab.layout()
        assert isinstance(layout, QVBoxLayout)
        layout.insertLayout(1, photos)
        return tab

    def _completed_tab(self) -> QWidget:
        """What field staff left on completing their tasks: note, position and photos."""
        self.completed_table = ReadOnlyTable(
            [self.tr("Completed at"), self.tr("Completed by"), self.tr("Kind"),
             self.tr("Topic"), self.tr("Place"), self.tr("Worker's note"),
             self.tr("Phone's position"), self.tr("Photos")]
        )  # fmt: skip
        self.completed_table.selectionModel().selectionChanged.connect(
            lambda *_: self._completed_selection()
        )
        self.result_photo = PhotoPanel(self.runner)
        self.result_photo.setObjectName("resultPhoto")
        self.result_photo_index = 0
        self.next_photo_button = QPushButton(self.tr("Next photo"))
        self.next_photo_button.clicked.connect(lambda: self.show_result_photo(1))
        return self._beside(
            self._tab(self.completed_table, self.next_photo_button), self.result_photo
        )

    def selected_completed(self) -> TaskResult | None:
        key = self.completed_table.selected_key()
        done = self.queues.completed if self.queues else ()
        return next((t for t in done if key is not None and t.request_id == int(str(key))), None)

    def _completed_selection(self) -> None:
        self.result_photo_index = 0
        self.show_result_photo(0)

    def show_result_photo(self, step: int) -> None:
        """The selected task's photo `step` on from the one shown, round the task's photos."""
        task = self.selected_completed()
        photos = task.photo_ids if task else ()
        self.next_photo_button.setEnabled(len(photos) > 1)
        if not photos:
            self.result_photo.load(None, owner=self)
            return
        self.result_photo_index = (self.result_photo_index + step) % len(photos)
        wanted = photos[self.result_photo_index]
        self.result_photo.load(lambda s: photo_view(s, wanted), owner=self)

    @staticmethod
    def _tab(table: ReadOnlyTable, *buttons: QPushButton) -> QWidget:
        row = QHBoxLayout()
        row.addStretch(1)
        for button in buttons:
            row.addWidget(button)
        tab = QWidget()
        layout = QVBoxLayout(tab)
        layout.addWidget(table, 1)
        layout.addLayout(row)
        return tab

    # ---- loading --------------------------------------------------------------------------

    def refresh(self) -> None:
        self.runner.run(_queues, on_success=self._show, owner=self)

    def _show(self, queues: DeskQueues) -> None:
        self.queues = queues
        moment = queues.moment
        self.bindings_table.fill(
            [
                [b.requested_at.astimezone(BUSINESS_TZ), b.due_at.astimezone(BUSINESS_TZ),
                 b.account_no, b.claim,
                 self.tr("matches") if b.matched else
                 AlertText(self.tr("does not match") if b.found else self.tr("no such account")),
                 b.holder_name, b.account_mobile, b.customer_class, b.live_bindings, b.phone,
                 AlertText(b.mismatch) if b.mismatch else ""]
                for b in queues.bindings
            ],
            keys=[b.binding_id for b in queues.bindings],
            tints=[
                _tint(moment, b.due_at, BINDING_DUE_SOON) if b.matched else MISMATCH_TINT
                for b in queues.bindings
            ],
        )  # fmt: skip
        self._binding_selection()
        self.requests_table.fill(
            [
                [r.created_at.astimezone(BUSINESS_TZ), r.due_at.astimezone(BUSINESS_TZ),
                 r.kind_label, r.topic, r.description, r.place, r.contact_phone, r.assigned_to,
                 r.appointment, self.tr("attached") if r.has_photo else ""]
                for r in queues.requests
            ],
            keys=[r.request_id for r in queues.requests],
            tints=[
                OVERDUE_TINT if r.sla(moment) == "overdue" else
                DUE_SOON_TINT if r.sla(moment) == "due_soon" else None
                for r in queues.requests
            ],
        )  # fmt: skip
        self._request_selection()
        self.notices_table.fill(
            [[n.published_at, n.kind_label, n.title, n.starts_at, n.ends_at]
             for n in queues.notices]
        )  # fmt: skip
        self.tabs.setTabText(
            0, self.tr("Binding review ({count})").format(count=len(queues.bindings))
        )
        self.tabs.setTabText(1, self.tr("Requests ({count})").format(count=len(queues.requests)))
        self.installs_table.fill(
            [
                [i.reported_at.astimezone(BUSINESS_TZ), i.kind_label, i.reported_by,
                 i.old_meter_no, _figure(i.old_last_value), _figure(i.old_final),
                 i.new_meter_no, i.new_kind_label, i.digits, i.multiplier,
                 _figure(i.new_initial), f"{i.account_no} {i.holder_name}".strip(), i.place,
                 i.note, i.refusal]
                for i in queues.installs
            ],
            keys=[i.install_id for i in queues.installs],
            tints=[DUE_SOON_TINT if i.refusal else None for i in queues.installs],
        )  # fmt: skip
        self.tabs.setTabText(
            3, self.tr("Installations ({count})").format(count=len(queues.installs))
        )
        if queues.installs:
            self.installs_table.selectRow(0)
        self._install_selection()
        self.completed_table.fill(
            [
                [t.answered_at.astimezone(BUSINESS_TZ), t.answered_by, t.kind_label, t.topic,
                 t.place, t.answer, str(t.position or ""), len(t.photo_ids) or ""]
                for t in queues.completed
            ],
            keys=[t.request_id for t in queues.completed],
        )  # fmt: skip
        self.tabs.setTabText(
            4, self.tr("Completed by field staff ({count})").format(count=len(queues.completed))
        )
        self._completed_selection()
        self.loaded.emit()

    # ---- decisions ------------------------------------------------------------------------

    def _do(self, work: Callable[[Session], object]) -> None:
        self.run_change(work, self.message, self.refresh)

    def selected_binding(self) -> int | None:
        key = self.bindings_table.selected_key()
        return None if key is None else int(str(key))

    def _pending_binding(self, binding_id: int | None) -> PendingBinding | None:
        pending = self.queues.bindings if self.queues else ()
        return next((b for b in pending if b.binding_id == binding_id), None)

    def _binding_selection(self) -> None:
        binding = self._pending_binding(self.selected_binding())
        if binding is None or not binding.mismatch:
            self.mismatch_label.clear()
            return
        self.mismatch_label.setText(
            self.tr("⚠ Account {account} does not match: {what}").format(
                account=binding.account_no, what=binding.mismatch
            )
        )

    def approve_selected(self) -> None:
        """A matching claim is approved at once; a mismatched one only through the dialog
        that says what differs and takes the reviewer's note."""
        binding = self._pending_binding(self.selected_binding())
        if binding is None:
            return
        if binding.matched or not binding.found:
            self.approve(binding.binding_id)
            return
        dialog = MismatchDialog(binding, self)
        dialog.accepted.connect(lambda: self.approve(binding.binding_id, dialog.note()))
        self.mismatch_dialog = dialog
        dialog.open()

    def approve(self, binding_id: int, note: str = "") -> None:
        actor = self.identity.actor
        self._do(lambda s: approve_binding(s, actor, binding_id, note))

    def ask_reject_selected(self) -> None:
        binding_id = self.selected_binding()
        if binding_id is None:
            return
        reason, ok = QInputDialog.getText(
            self, self.tr("Reject the binding"), self.tr("Reason (the resident is told):")
        )
        if ok and reason.strip():
            self.reject(binding_id, reason)

    def reject(self, binding_id: int, reason: str) -> None:
        actor = self.identity.actor
        self._do(lambda s: reject_binding(s, actor, binding_id, reason))

    def selected_request(self) -> int | None:
        key = self.requests_table.selected_key()
        return None if key is None else int(str(key))

    def _request_selection(self) -> None:
        request_id = self.selected_request()
        row = next(
            (
                r
                for r in (self.queues.requests if self.queues else ())
                if r.request_id == request_id
            ),
            None,
        )
        self.request_photo.load(
            None
            if row is None or not row.has_photo
            else lambda s: request_photo(s, row.request_id),
            owner=self,
        )

    def ask_assign_selected(self) -> None:
        request_id = self.selected_request()
        if request_id is None or self.queues is None:
            return
        logins = [f"{s.login} {s.name}" for s in self.queues.staff]
        chosen, ok = QInputDialog.getItem(
            self, self.tr("Assign the request"), self.tr("Staff member:"), logins, 0, False
        )
        if ok and chosen:
            self.assign(request_id, chosen.split(" ", 1)[0])

    def assign(self, request_id: int, login: str) -> None:
        actor = self.identity.actor
        self._do(lambda s: assign_request(s, actor, request_id, login))

    def ask_answer_selected(self) -> None:
        request_id = self.selected_request()
        if request_id is None:
            return
        answer, ok = QInputDialog.getMultiLineText(
            self, self.tr("Answer the request"), self.tr("Answer (sent to the resident):")
        )
        if ok and answer.strip():
            self.answer(request_id, answer)

    def answer(self, request_id: int, text: str) -> None:
        actor = self.identity.actor
        self._do(lambda s: answer_request(s, actor, request_id, text))

    def ask_publish(self) -> None:
        if self.queues is None:
            return
        dialog = NoticeDialog(self.queues.buildings, self)
        if dialog.exec() == QDialog.DialogCode.Accepted:
            self.publish(
                str(dialog.kind_combo.currentData()),
                dialog.title_edit.text(),
                dialog.body_edit.toPlainText(),
                dialog.building_ids(),
                _moment(dialog.starts_edit),
                _moment(dialog.ends_edit),
            )

    def publish(
        self,
        kind: str,
        title: str,
        body: str,
        building_ids: tuple[int, ...],
        starts_at: datetime | None = None,
        ends_at: datetime | None = None,
    ) -> None:
        actor = self.identity.actor
        self._do(
            lambda s: publish_notice(
                s,
                actor,
                kind,
                title,
                body,
                building_ids=building_ids,
                starts_at=starts_at,
                ends_at=ends_at,
            )
        )

    # ---- 新装换装 -------------------------------------------------------------------------

    def selected_install(self) -> PendingInstall | None:
        key = self.installs_table.selected_key()
        installs = self.queues.installs if self.queues else ()
        return next((i for i in installs if i.install_id == key), None)

    def _install_selection(self) -> None:
        install = self.selected_install()
        for button in (self.confirm_button, self.reject_install_button):
            button.setEnabled(install is not None)
        for panel, photo_id in (
            (self.old_photo, install.old_photo_id if install else None),
            (self.new_photo, install.new_photo_id if install else None),
        ):
            panel.load(
                None if photo_id is None else lambda s, wanted=photo_id: photo_view(s, wanted),
                owner=self,
            )

    def confirm_selected(self) -> None:
        install = self.selected_install()
        if install is not None:
            self.confirm(install.install_id)

    def confirm(self, install_id: int) -> None:
        """Register or replace the meter; the metering rules' refusal is kept on the report
        (the confirmation returns it rather than failing) and shown like any other."""
        actor = self.identity.actor
        self.message.clear()

        def done(outcome: ConfirmOutcome) -> None:
            if not outcome.confirmed:
                self.message.setText(outcome.message)
                self.refused.emit(outcome.message)
            self.refresh()

        def failed(error: TaskError) -> None:
            self.message.setText(error.message)
            self.refused.emit(error.message)
            self.refresh()

        self.runner.run(
            lambda s: confirm_install(s, actor, install_id),
            on_success=done,
            on_failure=failed,
            owner=self,
        )

    def ask_reject_install_selected(self) -> None:
        install = self.selected_install()
        if install is None:
            return
        reason, ok = QInputDialog.getText(self, self.tr("Reject the report"), self.tr("Reason:"))
        if ok and reason.strip():
            self.reject_install(install.install_id, reason)

    def reject_install(self, install_id: int, reason: str) -> None:
        actor = self.identity.actor
        self._do(lambda s: reject_install(s, actor, install_id, reason))
