"""The counter page (收费台): find the account, take the money, hand over the receipt.

Keyboard first, because a clerk at a queue works without the mouse:
F3 search (a barcode scanner types the meter number and Enter), F5/F6/F7 cash/cheque/
transfer, F9 take the payment (Enter in the tendered field too), F11 reprint and F12 void
the selected receipt of the day, F2 open the day, F10 close it, Esc back to the search.
Every call goes through the task runner, so the window never freezes on the database.
"""

from __future__ import annotations

import logging
from decimal import Decimal
from pathlib import Path

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QFormLayout,
    QFrame,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QInputDialog,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QSplitter,
    QVBoxLayout,
    QWidget,
)
from sqlalchemy.orm import Session

from desktop.document_dialog import DocumentDialog
from desktop.module_page import ModulePage
from desktop.preferences import RECEIPT_SIZE, RECEIPT_SIZES
from desktop.saved_files import announce_saved, ask_save_path
from desktop.tasks import TaskError
from desktop.till_dialogs import HandOverDialog, OpenTillDialog, SettlementDialog, VoidDialog
from desktop.widgets import ALERT, MoneyEdit, ReadOnlyTable, ask, money_text, tell
from reports.settlement import (
    SettlementReport,
    render_settlement_pdf,
    settlement_filename,
    write_settlement_xlsx,
)
from server.config import ConfigError, load_settings
from server.db.models.payments import CASH, CHANNEL_LABELS, CHEQUE, TRANSFER
from server.services.accounts.accounts import AccountSearch, find_accounts
from server.services.collection import till
from server.services.collection.allocation import waive_late_fee
from server.services.collection.counter_view import (
    AccountPanel,
    AmountLimits,
    CounterDay,
    account_panel,
    counter_day,
)
from server.services.collection.payments import PaymentRequest, PaymentResult, take_payment
from server.services.collection.receipts import receipt_pdf, reprint_receipt
from server.services.collection.settlement_report import settlement_report
from server.services.collection.voids import VoidPreview, void_preview, void_receipt
from server.services.core.calendar import BUSINESS_TZ
from server.services.core.errors import DomainError

log = logging.getLogger(__name__)

# Live search after typing stops; Enter (or a scanner's Enter) searches at once.
SEARCH_DELAY_MS = 250
# The result list stops here; the status line says how many matched in all.
SEARCH_LIMIT = 50
# Search : account : payment across, and account and payment above today's receipts.
TOP_SHARES = (3, 5, 3)
HEIGHT_SHARES = (3, 2)
COUNTER_CHANNELS = (CASH, CHEQUE, TRANSFER)
CHANNEL_KEYS = {CASH: "F5", CHEQUE: "F6", TRANSFER: "F7"}
VOID_REASONS = ("收错户号", "金额有误", "收款方式有误", "支票退票")


class CounterPage(ModulePage):
    """`account_opened(str)`, `payment_taken(PaymentResult)` and `day_changed(CounterDay)`
    fire once the screen shows the new state (tests and the shell listen to them)."""

    account_opened = Signal(str)
    payment_taken = Signal(object)
    day_changed = Signal(object)
    document_ready = Signal(object)
    void_dialog_opened = Signal(object)
    hand_over_opened = Signal(object)
    exported = Signal(str)

    def build(self) -> None:
        self.setObjectName("counterPage")
        size = str(self.preferences.value(RECEIPT_SIZE, "a5")) if self.preferences else "a5"
        self.receipt_size = size if size in RECEIPT_SIZES else "a5"
        self.panel: AccountPanel | None = None
        self.day: CounterDay | None = None
        self.last_document: DocumentDialog | None = None
        self.last_message: QMessageBox | None = None
        self.amount_limits = self._amount_limits()
        # Only the newest search's answer is shown (a slow one must not overwrite it), and
        # only the account asked for last: a search that clears it beats a slower opening.
        self._search_serial = 0
        self._account_serial = 0
        self._search_timer = QTimer(self)
        self._search_timer.setSingleShot(True)
        self._search_timer.setInterval(SEARCH_DELAY_MS)
        self._search_timer.timeout.connect(lambda: self.search(open_single=False))

        self._build_day_bar()
        self._build_search()
        self._build_account()
        self._build_payment()
        self._build_receipts()
        self._layout()
        self._shortcuts()
        self.show_account(None)
        self.refresh_day()

    # ---- layout ---------------------------------------------------------------------------

    def _build_day_bar(self) -> None:
        self.day_label = QLabel()
        self.day_label.setObjectName("dayLabel")
        self.open_till_button = QPushButton(self.tr("Open day (F2)"))
        self.hand_over_button = QPushButton(self.tr("Hand over"))
        self.close_day_button = QPushButton(self.tr("Close day (F10)"))
        self.report_button = QPushButton(self.tr("Day report"))
        self.report_button.clicked.connect(lambda: self.show_day_report())
        self.open_till_button.clicked.connect(lambda: self.ask_open_till())
        self.hand_over_button.clicked.connect(lambda: self.ask_hand_over())
        self.close_day_button.clicked.connect(lambda: self.ask_close_day())

    def _build_search(self) -> None:
        self.search_edit = QLineEdit()
        self.search_edit.setObjectName("counterSearch")
        self.search_edit.setPlaceholderText(
            self.tr("Account no., scanned meter barcode, name or room (F3)")
        )
        self.search_edit.setClearButtonEnabled(True)
        self.search_edit.textEdited.connect(lambda _: self._search_timer.start())
        self.search_edit.returnPressed.connect(lambda: self.search(open_single=True))
        self.results_table = ReadOnlyTable(
            [self.tr("Account"), self.tr("Holder"), self.tr("Address"), self.tr("Class"),
             self.tr("Balance")]
        )  # fmt: skip
        self.results_table.activated.connect(lambda index: self.open_hit(index.row()))
        # The address takes what the other columns leave and is cut short with "…", so
        # the list never scrolls sideways in its narrow column.
        header = self.results_table.horizontalHeader()
        header.setStretchLastSection(False)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.Stretch)
        self.results_table.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.search_status = QLabel()
        self.search_status.setObjectName("hint")

    def _build_account(self) -> None:
        self.account_labels: dict[str, QLabel] = {}
        self.account_box = QGroupBox(self.tr("Account"))
        grid = QGridLayout(self.account_box)
        fields = [
            ("account_no", self.tr("Account no.:")), ("holder", self.tr("Holder:")),
            ("address", self.tr("Address:")), ("class", self.tr("Class:")),
            ("mode", self.tr("Billing:")), ("balance", self.tr("Balance:")),
            ("meters", self.tr("Meters:")), ("mobile", self.tr("Mobile:")),
        ]  # fmt: skip
        for index, (key, caption) in enumerate(fields):
            value = QLabel()
            value.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            self.account_labels[key] = value
            row, column = divmod(index, 2)
            grid.addWidget(QLabel(caption), row, column * 2, Qt.AlignmentFlag.AlignRight)
            grid.addWidget(value, row, column * 2 + 1)
        grid.setColumnStretch(1, 1)
        grid.setColumnStretch(3, 1)
        self.bills_table = ReadOnlyTable(
            [self.tr("Period"), self.tr("Items"), self.tr("Usage"), self.tr("Amount"),
             self.tr("Paid"), self.tr("Late fee"), self.tr("Owed"), self.tr("Due")]
        )  # fmt: skip
        self.waive_button = QPushButton(self.tr("Waive late fee…"))
        self.waive_button.setToolTip(self.tr("Managers only; the reason is kept"))
        self.waive_button.clicked.connect(lambda: self.ask_waive_selected())
        self.bills_table.selectionModel().selectionChanged.connect(
            lambda *_: self._update_waive_button()
        )
        self.history_table = ReadOnlyTable(
            [self.tr("Time"), self.tr("Receipt"), self.tr("Amount"), self.tr("Channel"),
             self.tr("Branch")]
        )  # fmt: skip

    def _build_payment(self) -> None:
        self.payment_box = QGroupBox(self.tr("Take payment"))
        self.owed_label = QLabel()
        self.owed_label.setObjectName("owedLabel")
        self.amount_edit = MoneyEdit()
        self.amount_edit.setObjectName("amountEdit")
        self.channel_combo = QComboBox()
        for channel in COUNTER_CHANNELS:
            self.channel_combo.addItem(
                f"{CHANNEL_LABELS[channel]} ({CHANNEL_KEYS[channel]})", channel
            )
        self.channel_combo.currentIndexChanged.connect(
            lambda _: self.set_channel(self.channel_combo.currentData())
        )
        self.reference_edit = QLineEdit()
        self.bank_edit = QLineEdit()
        self.tendered_edit = MoneyEdit()
        self.change_label = QLabel()
        self.change_label.setObjectName("changeLabel")
        self.pay_button = QPushButton(self.tr("Take payment (F9)"))
        self.pay_button.setObjectName("primaryButton")
        self.pay_button.clicked.connect(lambda: self.pay())
        self.amount_edit.textChanged.connect(lambda _: self._show_change())
        self.tendered_edit.textChanged.connect(lambda _: self._show_change())
        self.amount_edit.returnPressed.connect(self._after_amount)
        self.tendered_edit.returnPressed.connect(lambda: self.pay())
        self.reference_edit.returnPressed.connect(self.bank_edit.setFocus)

        form = QFormLayout(self.payment_box)
        form.setLabelAlignment(Qt.AlignmentFlag.AlignRight)
        form.addRow(self.tr("Owed:"), self.owed_label)
        form.addRow(self.tr("Amount:"), self.amount_edit)
        form.addRow(self.tr("Channel:"), self.channel_combo)
        self.reference_caption = QLabel(self.tr("Reference:"))
        form.addRow(self.reference_caption, self.reference_edit)
        form.addRow(self.tr("Bank:"), self.bank_edit)
        form.addRow(self.tr("Tendered:"), self.tendered_edit)
        form.addRow(self.tr("Change:"), self.change_label)
        form.addRow(self.pay_button)

    def _build_receipts(self) -> None:
        self.receipts_box = QGroupBox(self.tr("My receipts today"))
        self.receipts_table = ReadOnlyTable(
            [self.tr("Receipt"), self.tr("Time"), self.tr("Account"), self.tr("Holder"),
             self.tr("Amount"), self.tr("Channel"), self.tr("Reference"), self.tr("Status")]
        )  # fmt: skip
        self.reprint_button = QPushButton(self.tr("Reprint (F11)"))
        self.void_button = QPushButton(self.tr("Void (F12)"))
        self.reprint_button.clicked.connect(lambda: self.reprint_selected())
        self.void_button.clicked.connect(lambda: self.ask_void_selected())
        self.receipts_total = QLabel()
        buttons = QHBoxLayout()
        buttons.addWidget(self.receipts_total, 1)
        buttons.addWidget(self.reprint_button)
        buttons.addWidget(self.void_button)
        layout = QVBoxLayout(self.receipts_box)
        layout.addWidget(self.receipts_table)
        layout.addLayout(buttons)

    def _layout(self) -> None:
        day_bar = QHBoxLayout()
        day_bar.addWidget(self.day_label, 1)
        for button in (
            self.open_till_button,
            self.hand_over_button,
            self.close_day_button,
            self.report_button,
        ):
            day_bar.addWidget(button)

        search_column = QVBoxLayout()
        search_column.addWidget(self.search_edit)
        search_column.addWidget(self.results_table, 1)
        search_column.addWidget(self.search_status)
        search = QWidget()
        search.setLayout(search_column)

        account_column = QVBoxLayout()
        account_column.addWidget(self.account_box)
        account_column.addWidget(QLabel(self.tr("Open bills")))
        account_column.addWidget(self.bills_table, 2)
        waive_row = QHBoxLayout()
        waive_row.addStretch(1)
        waive_row.addWidget(self.waive_button)
        account_column.addLayout(waive_row)
        account_column.addWidget(QLabel(self.tr("Payments in the last 12 months")))
        account_column.addWidget(self.history_table, 1)
        account = QWidget()
        account.setLayout(account_column)

        top = QSplitter(Qt.Orientation.Horizontal)
        top.addWidget(search)
        top.addWidget(account)
        top.addWidget(self.payment_box)
        # Laid out for a 1366×768 counter screen and up: widths and heights start in these
        # proportions, and a larger screen's extra room is shared the same way.
        for index, share in enumerate(TOP_SHARES):
            top.setStretchFactor(index, share)
        top.setSizes([share * 100 for share in TOP_SHARES])
        whole = QSplitter(Qt.Orientation.Vertical)
        whole.addWidget(top)
        whole.addWidget(self.receipts_box)
        for index, share in enumerate(HEIGHT_SHARES):
            whole.setStretchFactor(index, share)
        whole.setSizes([share * 100 for share in HEIGHT_SHARES])

        rule = QFrame()
        rule.setFrameShape(QFrame.Shape.HLine)
        layout = QVBoxLayout(self)
        layout.addLayout(day_bar)
        layout.addWidget(rule)
        layout.addWidget(whole, 1)

    def _shortcuts(self) -> None:
        keys = {
            "F2": self.ask_open_till,
            "F3": self.focus_search,
            "Ctrl+F": self.focus_search,
            "F9": self.pay,
            "F10": self.ask_close_day,
            "F11": self.reprint_selected,
            "F12": self.ask_void_selected,
            "Esc": self.clear_account,
        }
        for channel, key in CHANNEL_KEYS.items():
            keys[key] = lambda channel=channel: self.set_channel(channel)
        for key, slot in keys.items():
            shortcut = QShortcut(QKeySequence(key), self)
            shortcut.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
            shortcut.activated.connect(lambda slot=slot: slot())

    def set_receipt_size(self, size: str) -> None:
        """A5 sheets or the 241 × 93 mm continuous form, remembered for this PC."""
        self.receipt_size = size
        if self.preferences is not None:
            self.preferences.setValue(RECEIPT_SIZE, size)

    # ---- the clerk's day --------------------------------------------------------------------

    def refresh_day(self) -> None:
        staff_id = self.identity.staff_id
        self.runner.run(lambda s: counter_day(s, staff_id), on_success=self.show_day, owner=self)

    def show_day(self, day: CounterDay) -> None:
        self.day = day
        if day.stale and day.till is not None:
            text = self.tr("The day {date} is still open: close it before taking money (F10)")
            self.day_label.setText(text.format(date=day.till.business_date.isoformat()))
            self.day_label.setStyleSheet(f"color: {ALERT.name()}; font-weight: 600;")
        elif day.till is not None:
            text = self.tr("{date} open since {time}, float {amount}, taken {taken}")
            self.day_label.setText(
                text.format(
                    date=day.business_date.isoformat(),
                    time=day.till.opened_at.astimezone(BUSINESS_TZ).strftime("%H:%M"),
                    amount=money_text(day.till.float_amount),
                    taken=money_text(day.taken),
                )
            )
            self.day_label.setStyleSheet("")
        elif day.closed_today:
            self.day_label.setText(
                self.tr("{date} is closed; no more payments today").format(
                    date=day.business_date.isoformat()
                )
            )
            self.day_label.setStyleSheet("")
        else:
            self.day_label.setText(self.tr("The day is not open: press F2 to open it"))
            self.day_label.setStyleSheet(f"color: {ALERT.name()}; font-weight: 600;")
        self.open_till_button.setEnabled(day.till is None and not day.closed_today)
        self.hand_over_button.setEnabled(day.can_take_money)
        self.close_day_button.setEnabled(day.till is not None)
        self.report_button.setEnabled(day.till_id is not None)
        self.receipts_table.fill(
            [
                [r.receipt_no, r.issued_at.strftime("%H:%M:%S"), r.account_no, r.holder_name,
                 r.amount, r.channel, r.reference,
                 self.tr("Void: {reason}").format(reason=r.void_reason) if r.voided else ""]
                for r in day.receipts
            ],
            keys=[r.receipt_no for r in day.receipts],
            struck=[r.voided for r in day.receipts],
        )  # fmt: skip
        self.receipts_total.setText(
            self.tr("{count} receipts, {amount} taken").format(
                count=sum(1 for r in day.receipts if not r.voided), amount=money_text(day.taken)
            )
        )
        self._update_pay_button()
        self.day_changed.emit(day)

    def ask_open_till(self) -> None:
        if self.day is not None and (self.day.till is not None or self.day.closed_today):
            return
        dialog = OpenTillDialog(self)
        if dialog.exec() == QDialog.DialogCode.Accepted:
            self.open_till(dialog.float_amount())

    def open_till(self, float_amount: Decimal | None) -> None:
        actor = self.identity.actor
        self.runner.run(
            lambda s: till.open_till(s, actor, float_amount),
            on_success=lambda _: self.refresh_day(),
            owner=self,
        )

    def ask_hand_over(self) -> None:
        """The branch's head cashiers to choose from; the dialog stays until it is done."""
        actor = self.identity.actor
        self.runner.run(
            lambda s: till.head_cashiers(s, actor), on_success=self._open_hand_over, owner=self
        )

    def _open_hand_over(self, receivers: tuple[till.HeadCashier, ...]) -> None:
        dialog = HandOverDialog(receivers, self)
        dialog.submitted.connect(
            lambda amount, login, note: self.hand_over(amount, login, note, dialog)
        )
        self.hand_over_opened.emit(dialog)
        dialog.open()

    def hand_over(
        self, amount: Decimal, to_login: str, note: str, dialog: HandOverDialog | None = None
    ) -> None:
        """Record the hand-over; a refusal is shown in `dialog`, which keeps what was typed."""
        actor = self.identity.actor

        def done(_: object) -> None:
            if dialog is not None:
                dialog.done_handing_over()
            self.refresh_day()
            self._tell(
                QMessageBox.Icon.Information,
                self.tr("Hand cash over"),
                self.tr("{amount} handed over to {to}").format(
                    amount=money_text(amount), to=to_login
                ),
            )

        def refused(error: TaskError) -> None:
            if dialog is not None:
                dialog.show_error(error.message)
            else:
                self._tell(QMessageBox.Icon.Warning, self.tr("Hand cash over"), error.message)

        self.runner.run(
            lambda s: till.hand_over(s, actor, amount, to_login, note),
            on_success=done,
            on_failure=refused,
            owner=self,
        )

    def ask_close_day(self) -> None:
        """Fresh figures first: the dialog must show the day as it stands now."""
        if self.day is None or self.day.till is None:
            return
        staff_id = self.identity.staff_id
        self.runner.run(
            lambda s: counter_day(s, staff_id), on_success=self._confirm_close, owner=self
        )

    def _confirm_close(self, day: CounterDay) -> None:
        self.show_day(day)
        if day.report is None or day.till is None:
            return
        dialog = SettlementDialog(day.report, self)
        if dialog.exec() == QDialog.DialogCode.Accepted and dialog.counted_edit.value() is not None:
            self.close_day(dialog.counted_edit.value() or Decimal(0), dialog.note_edit.text())

    def close_day(self, cash_counted: Decimal, note: str = "") -> None:
        """Settle the till, then show the day report to print and sign."""
        actor = self.identity.actor

        def closed(view: till.SettlementView) -> None:
            self.refresh_day()
            self.show_day_report(view.till_id)

        self.runner.run(
            lambda s: till.close_till(s, actor, cash_counted, note), on_success=closed, owner=self
        )

    def show_day_report(self, till_id: int | None = None) -> None:
        """The settlement report (日结报表) of the day shown, as it stands, to print or save."""
        till_id = till_id or (self.day.till_id if self.day else None)
        if till_id is None:
            return

        def work(session: Session) -> tuple[SettlementReport, bytes]:
            report = settlement_report(session, till_id)
            return report, render_settlement_pdf(report)

        def ready(result: tuple[SettlementReport, bytes]) -> None:
            report, pdf = result
            dialog = DocumentDialog(
                report.title,
                settlement_filename(report, "pdf"),
                pdf,
                preferences=self.preferences,
                parent=self,
            )
            excel = dialog.add_button(self.tr("Export &Excel…"))
            excel.clicked.connect(lambda: self.export_day_report(report, dialog))
            self.last_document = dialog
            self.document_ready.emit(dialog)
            dialog.open()

        self.runner.run(work, on_success=ready, owner=self)

    def export_day_report(
        self, report: SettlementReport, parent: QWidget, path: Path | None = None
    ) -> None:
        """Write the report as .xlsx for the head cashier's files (off the GUI thread)."""
        if path is None:
            path = ask_save_path(
                parent,
                self.tr("Export Excel"),
                Path.home() / settlement_filename(report, "xlsx"),
                "Excel (*.xlsx)",
            )
            if path is None:
                return
        target = path

        def done(_: object) -> None:
            announce_saved(parent, target)
            self.exported.emit(str(target))

        self.runner.run(
            lambda _: write_settlement_xlsx(report, target), on_success=done, owner=self
        )

    # ---- finding the account ----------------------------------------------------------------

    def focus_search(self) -> None:
        self.search_edit.setFocus()
        self.search_edit.selectAll()

    def _amount_limits(self) -> AmountLimits:
        try:
            return AmountLimits.from_settings(load_settings())
        except (ConfigError, DomainError) as error:
            # The desktop already started on these settings; a bad limit must not close
            # the counter, so it asks at the defaults and the log says why.
            log.warning("counter amount check at its defaults: %s", error)
            return AmountLimits()

    def search(self, *, open_single: bool) -> None:
        self._search_timer.stop()
        query = self.search_edit.text().strip()
        if not query:
            return
        if open_single:
            # Enter means another customer: until the answer opens one, nobody's account
            # is on screen to take money for.
            self.show_account(None)
        self._search_serial += 1
        serial = self._search_serial
        self.runner.run(
            lambda s: find_accounts(s, query, SEARCH_LIMIT),
            on_success=lambda found: self._show_hits(serial, query, found, open_single),
            owner=self,
        )

    def _show_hits(self, serial: int, query: str, found: AccountSearch, open_single: bool) -> None:
        if serial != self._search_serial:
            return
        hits = found.hits
        self.results_table.fill(
            [[h.account_no, h.holder_name, h.address, h.customer_class, h.balance] for h in hits],
            keys=[h.account_no for h in hits],
        )
        if not hits:
            self._set_search_status(
                self.tr("Nothing found for “{query}”").format(query=query), alert=True
            )
            self.show_account(None)
            return
        if found.total > len(hits):
            status = self.tr("Showing the first {shown} of {total} accounts").format(
                shown=len(hits), total=found.total
            )
        else:
            status = self.tr("{count} found").format(count=len(hits))
        self._set_search_status(status)
        # A scanned meter or a typed account number means that account: open it at once.
        exact = [h for h in hits if h.meter_no or h.account_no == query]
        single = (exact or hits)[0].account_no if len(hits) == 1 or len(exact) == 1 else None
        if single is not None and open_single:
            self.open_account(single)
            return
        # The clerk is looking for someone else: the account shown before is not theirs.
        if self.panel is not None and self.panel.account_no != single:
            self.show_account(None)
        if single is None and open_single:
            self.results_table.setFocus()
            self.results_table.selectRow(0)

    def _set_search_status(self, text: str, *, alert: bool = False) -> None:
        self.search_status.setText(text)
        self.search_status.setStyleSheet(
            f"color: {ALERT.name()}; font-weight: 600;" if alert else ""
        )

    def open_hit(self, row: int) -> None:
        if 0 <= row < self.results_table.row_count():
            self.open_account(str(self.results_table.key_at(row)))

    def open_account(self, account_no: str, *, focus_amount: bool = True) -> None:
        """Show the account; `focus_amount` False reloads it (after a payment) and leaves
        the focus where it is, on the search box for the next customer."""
        self._account_serial += 1
        serial = self._account_serial
        self.runner.run(
            lambda s: account_panel(s, account_no),
            on_success=lambda panel: self._opened(serial, panel, focus_amount),
            owner=self,
        )

    def _opened(self, serial: int, panel: AccountPanel, focus_amount: bool) -> None:
        if serial != self._account_serial:
            return
        self.show_account(panel)
        if focus_amount:
            self.amount_edit.setFocus()
            self.amount_edit.selectAll()
        self.account_opened.emit(panel.account_no)

    def clear_account(self) -> None:
        self.show_account(None)
        self.focus_search()

    def show_account(self, panel: AccountPanel | None) -> None:
        previous = self.panel
        self.panel = panel
        if panel is None:
            self._account_serial += 1  # an opening still on its way is not wanted now
        if panel is None or previous is None or previous.account_no != panel.account_no:
            # Each customer starts with cash: a cheque is the exception, never a leftover.
            self.set_channel(CASH)
        labels = self.account_labels
        if panel is None:
            for label in labels.values():
                label.setText("")
            self.bills_table.fill([])
            self._update_waive_button()
            self.history_table.fill([])
            self.owed_label.setText("")
            self.amount_edit.clear()
            self._update_pay_button()
            return
        labels["account_no"].setText(panel.account_no)
        labels["holder"].setText(panel.holder_name)
        labels["address"].setText(panel.address)
        labels["class"].setText(panel.customer_class)
        labels["mode"].setText(panel.billing_mode_label)
        labels["balance"].setText(money_text(panel.balance))
        labels["balance"].setStyleSheet(f"color: {ALERT.name()};" if panel.balance < 0 else "")
        labels["meters"].setText("，".join(panel.meters))
        labels["mobile"].setText(panel.mobile)
        self.bills_table.fill(
            [
                [b.period, b.description, b.usage, b.total, b.paid,
                 b.late_fee if b.late_fee else "", b.owed, b.due_date]
                for b in panel.bills
            ],
            keys=[b.period for b in panel.bills],
        )  # fmt: skip
        self._update_waive_button()
        self.history_table.fill(
            [
                [p.issued_at, p.receipt_no, p.amount, p.channel, p.branch_name]
                for p in panel.payments
            ],
            struck=[p.voided for p in panel.payments],
        )
        self.owed_label.setText(money_text(panel.owed))
        self.amount_edit.set_value(panel.suggested_amount or None)
        self.reference_edit.clear()
        self.bank_edit.clear()
        self.tendered_edit.clear()
        self._update_pay_button()

    def _selected_fee_bill(self) -> str | None:
        """The period of the selected bill if it owes a late fee."""
        period = self.bills_table.selected_key()
        if self.panel is None or period is None:
            return None
        bill = next((b for b in self.panel.bills if b.period == period), None)
        return period if bill is not None and bill.late_fee > 0 else None  # type: ignore[return-value]

    def _update_waive_button(self) -> None:
        self.waive_button.setEnabled(self._selected_fee_bill() is not None)

    def ask_waive_selected(self) -> None:
        period = self._selected_fee_bill()
        if period is None or self.panel is None:
            return
        reason, ok = QInputDialog.getText(
            self,
            self.tr("Waive the late fee of {period}").format(period=period),
            self.tr("Reason:"),
        )
        if ok and reason.strip():
            self.waive(period, reason)

    def waive(self, period: str, reason: str) -> None:
        """Waive a bill's late fee (refused by the service unless a manager asks)."""
        if self.panel is None:
            return
        actor, account_no = self.identity.actor, self.panel.account_no
        self.runner.run(
            lambda s: waive_late_fee(s, actor, account_no, period, reason),
            on_success=lambda _: self.open_account(account_no),
            owner=self,
        )

    # ---- taking the money -------------------------------------------------------------------

    def set_channel(self, channel: str) -> None:
        index = self.channel_combo.findData(channel)
        if index != self.channel_combo.currentIndex():
            self.channel_combo.setCurrentIndex(index)  # comes back here through the signal
            return
        cash = channel == CASH
        self.tendered_edit.setEnabled(cash)
        self.reference_edit.setEnabled(not cash)
        self.bank_edit.setEnabled(channel == CHEQUE)
        self.reference_caption.setText(
            self.tr("Cheque no.:") if channel == CHEQUE else self.tr("Bank serial no.:")
        )
        if cash:
            self.reference_edit.clear()
            self.bank_edit.clear()
        else:
            self.tendered_edit.clear()
        self._show_change()

    def channel(self) -> str:
        return str(self.channel_combo.currentData())

    def _after_amount(self) -> None:
        (self.tendered_edit if self.channel() == CASH else self.reference_edit).setFocus()

    def _show_change(self) -> None:
        amount, tendered = self.amount_edit.value(), self.tendered_edit.value()
        if self.channel() != CASH or amount is None or tendered is None:
            self.change_label.setText("")
        elif tendered < amount:
            self.change_label.setText(self.tr("Tendered is less than the amount"))
            self.change_label.setStyleSheet(f"color: {ALERT.name()};")
        else:
            self.change_label.setText(money_text(tendered - amount))
            self.change_label.setStyleSheet("")
        self._update_pay_button()

    def _update_pay_button(self) -> None:
        ready = (
            self.panel is not None
            and self.day is not None
            and self.day.can_take_money
            and bool(self.amount_edit.value())
        )
        self.pay_button.setEnabled(ready)

    def payment_request(self) -> PaymentRequest | None:
        if self.panel is None:
            return None
        amount = self.amount_edit.value()
        if not amount:
            return None
        channel = self.channel()
        return PaymentRequest(
            account_no=self.panel.account_no,
            amount=amount,
            channel=channel,
            branch_code=self.identity.branch_code,
            reference=self.reference_edit.text(),
            bank=self.bank_edit.text(),
            tendered=self.tendered_edit.value() if channel == CASH else None,
        )

    def pay(self) -> None:
        if not self.pay_button.isEnabled():
            return
        request = self.payment_request()
        if request is None or self.panel is None:
            return
        self.pay_button.setEnabled(False)  # a second F9 must not pay twice
        if not self.amount_limits.unusual(request.amount, self.panel.owed):
            self._take(request)
            return

        # Far more than is owed: most likely an account number scanned into the amount.
        def correct() -> None:
            self._update_pay_button()
            self.amount_edit.setFocus()
            self.amount_edit.selectAll()

        self.last_message = ask(
            self,
            self.tr("Check the amount"),
            self.tr("Take {amount} from {holder} ({account}), who owes {owed}?").format(
                amount=money_text(request.amount),
                holder=self.panel.holder_name,
                account=request.account_no,
                owed=money_text(self.panel.owed),
            ),
            (self.tr("Take it"), self.tr("Correct the amount")),
            on_yes=lambda: self._take(request),
            on_no=correct,
        )

    def _take(self, request: PaymentRequest) -> None:
        actor = self.identity.actor
        self.runner.run(
            lambda s: take_payment(s, actor, request),
            on_success=self._paid,
            on_failure=self._payment_refused,
            owner=self,
        )

    def _payment_refused(self, error: TaskError) -> None:
        self._update_pay_button()
        self._tell(QMessageBox.Icon.Warning, self.tr("Payment not taken"), error.message)

    def _paid(self, result: PaymentResult) -> None:
        # The next thing the clerk types or scans is the next customer, not an amount.
        self.focus_search()
        if self.panel is not None:
            self.open_account(self.panel.account_no, focus_amount=False)
        self.refresh_day()
        self.payment_taken.emit(result)
        self.show_receipt(result.receipt_no)

    # ---- receipts -------------------------------------------------------------------------

    def show_receipt(self, receipt_no: str, *, reprint: bool = False) -> None:
        """Render the receipt off the GUI thread, then preview it for printing."""
        actor, size = self.identity.actor, self.receipt_size

        def work(session: Session) -> tuple[str, str, bytes]:
            if reprint:
                reprint_receipt(session, actor, receipt_no)
            return receipt_pdf(session, receipt_no, size)  # type: ignore[arg-type]

        def ready(document: tuple[str, str, bytes]) -> None:
            filename, _, content = document
            title = self.tr("Receipt {no}").format(no=receipt_no)
            dialog = DocumentDialog(
                title, filename, content, preferences=self.preferences, parent=self
            )
            self.last_document = dialog
            self.document_ready.emit(dialog)
            dialog.open()
            if reprint:
                self.refresh_day()

        self.runner.run(work, on_success=ready, owner=self)

    def selected_receipt(self) -> str | None:
        key = self.receipts_table.selected_key()
        return None if key is None else str(key)

    def reprint_selected(self) -> None:
        receipt_no = self.selected_receipt()
        if receipt_no:
            self.show_receipt(receipt_no, reprint=True)

    def ask_void_selected(self) -> None:
        """Whether the receipt may be voided is asked first (a closed day is refused at
        once), then the dialog shows what is voided and waits for a reason."""
        receipt_no = self.selected_receipt()
        if not receipt_no:
            return
        actor = self.identity.actor
        self.runner.run(
            lambda s: void_preview(s, actor, receipt_no),
            on_success=self._ask_void_reason,
            on_failure=self._void_refused,
            owner=self,
        )

    def _ask_void_reason(self, receipt: VoidPreview) -> None:
        dialog = VoidDialog(receipt, VOID_REASONS, self)
        dialog.accepted.connect(lambda: self.void(receipt.receipt_no, dialog.reason()))
        self.void_dialog_opened.emit(dialog)
        dialog.open()

    def _void_refused(self, error: TaskError) -> None:
        self._tell(QMessageBox.Icon.Warning, self.tr("Cannot void"), error.message)

    def _tell(self, icon: QMessageBox.Icon, title: str, text: str) -> None:
        self.last_message = tell(self, icon, title, text)

    def void(self, receipt_no: str, reason: str) -> None:
        actor = self.identity.actor
        self.runner.run(
            lambda s: void_receipt(s, actor, receipt_no, reason),
            on_success=lambda _: self._voided(),
            owner=self,
        )

    def _voided(self) -> None:
        self.refresh_day()
        if self.panel is not None:
            self.open_account(self.panel.account_no)
