"""催缴与消息 at the desk: every message to residents (template message or SMS) with how
sending went, failed ones resent after a person looked at the reason; the reminders sent to
whom; and the accounts whose reminders are paused, paused or resumed with a reason."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from PySide6.QtWidgets import (
    QCheckBox,
    QFormLayout,
    QHBoxLayout,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)
from sqlalchemy.orm import Session

from desktop.module_page import ModulePage
from desktop.widgets import OVERDUE_TINT, AlertText, ReadOnlyTable
from server.services.core.calendar import BUSINESS_TZ
from server.services.residents import outbox, reminders
from server.services.residents.outbox import OUTBOX_FAILED, OutboxRow


@dataclass(frozen=True)
class MessageLine:
    message_id: int
    created_at: datetime
    kind_label: str
    channel: str
    recipient: str
    status: str
    status_label: str
    attempts: int
    last_error: str
    summary: str


@dataclass(frozen=True)
class Desk:
    messages: tuple[MessageLine, ...]
    sent: tuple[reminders.SentReminder, ...]
    paused: tuple[reminders.PauseRow, ...]


def _summary(row: OutboxRow) -> str:
    """What the message says, in a line: the template's heading and amount, or the SMS's
    parameters."""
    data = row.data
    if "first" in data:
        return " ".join(str(data[k]) for k in ("first", "keyword2") if k in data)
    return " ".join(str(data[k]) for k in ("account", "amount", "balance") if k in data)


class RemindersPage(ModulePage):
    """`loaded` after each refresh; `refused(str)` with a service's refusal."""

    def build(self) -> None:
        self.setObjectName("remindersPage")
        self.desk: Desk | None = None
        self.tabs_over_message(
            [
                (self._outbox_tab(), self.tr("Messages")),
                (self._sent_tab(), self.tr("Reminders sent")),
                (self._paused_tab(), self.tr("Paused accounts")),
            ]
        )
        row = QHBoxLayout()
        row.addWidget(self.message, 1)
        row.addWidget(self.refresh_button(self.refresh))
        layout = self.layout()
        assert isinstance(layout, QVBoxLayout)
        layout.removeWidget(self.message)
        layout.addLayout(row)
        self.refresh()

    def _outbox_tab(self) -> QWidget:
        self.outbox_table = ReadOnlyTable(
            [self.tr("Queued"), self.tr("Type"), self.tr("Channel"), self.tr("To"),
             self.tr("Status"), self.tr("Attempts"), self.tr("Reason"), self.tr("Content")]
        )  # fmt: skip
        self.failed_only = QCheckBox(self.tr("Failed only"))
        self.failed_only.toggled.connect(lambda _: self.refresh())
        self.resend_button = QPushButton(self.tr("Resend"))
        self.resend_button.setToolTip(self.tr("Send the selected failed message again"))
        self.resend_button.clicked.connect(lambda: self.resend_selected())
        buttons = QHBoxLayout()
        buttons.addWidget(self.failed_only)
        buttons.addStretch(1)
        buttons.addWidget(self.resend_button)
        tab = QWidget()
        layout = QVBoxLayout(tab)
        layout.addWidget(self.outbox_table, 1)
        layout.addLayout(buttons)
        return tab

    def _sent_tab(self) -> QWidget:
        self.sent_table = ReadOnlyTable(
            [self.tr("Sent"), self.tr("Account"), self.tr("Holder"), self.tr("Type"),
             self.tr("Day"), self.tr("Amount"), self.tr("Channel"), self.tr("To")]
        )  # fmt: skip
        tab = QWidget()
        QVBoxLayout(tab).addWidget(self.sent_table)
        return tab

    def _paused_tab(self) -> QWidget:
        self.paused_table = ReadOnlyTable(
            [self.tr("Account"), self.tr("Holder"), self.tr("Reason"), self.tr("By"),
             self.tr("Since")]
        )  # fmt: skip
        self.account_edit = QLineEdit()
        self.account_edit.setPlaceholderText(self.tr("Account number"))
        self.reason_edit = QLineEdit()
        self.reason_edit.setPlaceholderText(self.tr("Why (kept with who and when)"))
        self.pause_button = QPushButton(self.tr("Pause reminders"))
        self.pause_button.clicked.connect(lambda: self.set_paused(True))
        self.resume_button = QPushButton(self.tr("Resume reminders"))
        self.resume_button.clicked.connect(lambda: self.set_paused(False))
        self.paused_table.clicked.connect(lambda _: self._take_selected_account())
        form = QFormLayout()
        form.addRow(self.tr("Account"), self.account_edit)
        form.addRow(self.tr("Reason"), self.reason_edit)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self.pause_button)
        buttons.addWidget(self.resume_button)
        tab = QWidget()
        layout = QVBoxLayout(tab)
        layout.addWidget(self.paused_table, 1)
        layout.addLayout(form)
        layout.addLayout(buttons)
        return tab

    # ---- loading --------------------------------------------------------------------------

    def refresh(self) -> None:
        status = OUTBOX_FAILED if self.failed_only.isChecked() else None

        def load(session: Session) -> Desk:
            return Desk(
                tuple(
                    MessageLine(
                        m.message_id,
                        m.created_at,
                        m.kind_label,
                        m.channel,
                        m.recipient,
                        m.status,
                        m.status_label,
                        m.attempts,
                        m.last_error,
                        _summary(m),
                    )
                    for m in outbox.messages(session, status)
                ),
                tuple(reminders.sent_reminders(session)),
                tuple(reminders.paused_accounts(session)),
            )

        self.runner.run(
            load,
            on_success=self._show,
            on_failure=lambda error: self.message.setText(error.message),
            owner=self,
        )

    def _show(self, desk: Desk) -> None:
        self.desk = desk
        channels = {"wechat": self.tr("Template message"), "sms": self.tr("SMS")}
        self.outbox_table.fill(
            [
                [m.created_at.astimezone(BUSINESS_TZ), m.kind_label, channels[m.channel],
                 m.recipient, m.status_label, m.attempts,
                 AlertText(m.last_error) if m.last_error else "", m.summary]
                for m in desk.messages
            ],
            keys=[m.message_id for m in desk.messages],
            tints=[OVERDUE_TINT if m.status == OUTBOX_FAILED else None for m in desk.messages],
        )  # fmt: skip
        failed = sum(m.status == OUTBOX_FAILED for m in desk.messages)
        self.tabs.setTabText(0, self.tr("Messages ({failed} failed)").format(failed=failed))
        self.sent_table.fill(
            [
                [r.created_at.astimezone(BUSINESS_TZ), r.account_no, r.holder_name,
                 r.kind_label, r.step or "", r.amount, r.channel_label, r.recipients]
                for r in desk.sent
            ]
        )  # fmt: skip
        self.paused_table.fill(
            [
                [p.account_no, p.holder_name, p.reason, p.by, p.at.astimezone(BUSINESS_TZ)]
                for p in desk.paused
            ],
            keys=[p.account_no for p in desk.paused],
        )
        self.tabs.setTabText(2, self.tr("Paused accounts ({count})").format(count=len(desk.paused)))
        self.loaded.emit()

    # ---- changes --------------------------------------------------------------------------

    def resend_selected(self) -> None:
        message_id = self.outbox_table.selected_key()
        if message_id is None:
            self.message.setText(self.tr("Select a failed message to resend."))
            return
        actor = self.identity.actor
        self.run_change(
            lambda s: outbox.resend(s, actor, int(str(message_id))), self.message, self.refresh
        )

    def _take_selected_account(self) -> None:
        account_no = self.paused_table.selected_key()
        if account_no is not None:
            self.account_edit.setText(str(account_no))

    def set_paused(self, paused: bool) -> None:
        account_no = self.account_edit.text().strip()
        reason = self.reason_edit.text()
        if not account_no:
            self.message.setText(self.tr("Type the account number."))
            return
        actor = self.identity.actor

        def work(session: Session) -> None:
            reminders.pause(session, actor, account_no, reason, paused=paused)

        def reload() -> None:
            if not self.message.text():
                self.reason_edit.clear()
            self.refresh()

        self.run_change(work, self.message, reload)
