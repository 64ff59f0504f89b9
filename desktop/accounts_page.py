"""The accounts page (用户信息管理): find an account, open it, create or edit one.

Per account, tabs show its meters, its bills with what was paid, its receipts (voided ones
struck through), a 12-month usage chart per kind, the history of edits and the account
statement (账户明细, `desktop.statement_view`, read when its tab is shown). Ctrl+F search,
Ctrl+N new account, F2 edit the open one, F5 reload it. All reads and writes go through
the task runner, so the window never waits on the database.
"""

from __future__ import annotations

from decimal import Decimal

from PySide6.QtCharts import QBarCategoryAxis, QBarSeries, QBarSet, QChart, QChartView, QValueAxis
from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QAction, QPainter
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QSplitter,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)
from sqlalchemy.orm import Session

from desktop.account_dialog import AccountDialog
from desktop.correction_actions import AccountCorrections
from desktop.meter_dialogs import quantity_cell
from desktop.module_page import ModulePage
from desktop.move_out_wizard import MoveOutWizard
from desktop.statement_view import StatementView
from desktop.tasks import TaskError
from desktop.widgets import ALERT, ReadOnlyTable, money_text
from server.services.accounts.accounts import (
    AccountHit,
    AccountSpec,
    customer_class_names,
    first_accounts,
    search_accounts,
    update_account,
)
from server.services.collection import deposits
from server.services.collection.account_detail import AccountRecord, MonthlyUsage, account_record
from server.services.collection.move_in import MoveInSpec, move_in
from server.services.core import calendar
from server.services.metering.meter_registry import RegistryChoices, registry_choices
from server.services.metering.vocabulary import ELECTRICITY, WATER

SEARCH_DELAY_MS = 250


class AccountsPage(ModulePage):
    """`loaded` fires once the first list (and its first account) is on screen;
    `account_opened(AccountRecord)` whenever an account's tabs are filled; `saved(str)`
    after a create or edit went through; `refused(str)` with a service's refusal."""

    searched = Signal(int)
    account_opened = Signal(object)
    saved = Signal(str)

    def build(self) -> None:
        self.setObjectName("accountsPage")
        self.record: AccountRecord | None = None
        self.classes: tuple[str, ...] = ()
        self.choices = RegistryChoices((), ())
        self.dialog: AccountDialog | None = None
        self.move_out_wizard: MoveOutWizard | None = None
        self._loaded = False
        self._search_serial = 0
        self._open_serial = 0
        self._search_timer = QTimer(self)
        self._search_timer.setSingleShot(True)
        self._search_timer.setInterval(SEARCH_DELAY_MS)
        self._search_timer.timeout.connect(lambda: self.search())
        self._build()
        self._shortcuts()
        self.show_record(None)
        self._load_start()

    # ---- layout ---------------------------------------------------------------------------

    def _build(self) -> None:
        self.search_edit = QLineEdit()
        self.search_edit.setObjectName("accountsSearch")
        self.search_edit.setPlaceholderText(
            self.tr("Account no., meter no., name, room or mobile (Ctrl+F)")
        )
        self.search_edit.setClearButtonEnabled(True)
        self.search_edit.textEdited.connect(lambda _: self._search_timer.start())
        self.search_edit.returnPressed.connect(lambda: self.search())
        self.new_button = QPushButton(self.tr("New account… (Ctrl+N)"))
        self.new_button.clicked.connect(lambda: self.ask_create())
        self.edit_button = QPushButton(self.tr("Edit… (F2)"))
        self.edit_button.clicked.connect(lambda: self.ask_edit())
        self.move_out_button = QPushButton(self.tr("Move out…"))
        self.move_out_button.setObjectName("moveOutButton")
        self.move_out_button.clicked.connect(lambda: self.ask_move_out())
        self.move_in_button = QPushButton(self.tr("Move in…"))
        self.move_in_button.setObjectName("moveInButton")
        self.move_in_button.clicked.connect(lambda: self.ask_move_in())
        self.corrections = AccountCorrections(
            self, lambda: self.record.account if self.record else None, self.reload
        )
        self.results_table = ReadOnlyTable(
            [self.tr("Account"), self.tr("Holder"), self.tr("Address"), self.tr("Class"),
             self.tr("Balance")]
        )  # fmt: skip
        self.results_table.activated.connect(lambda index: self.open_row(index.row()))
        self.results_table.clicked.connect(lambda index: self.open_row(index.row()))
        self.results_table.setContextMenuPolicy(Qt.ContextMenuPolicy.ActionsContextMenu)
        move_out_action = QAction(self.tr("Move out…"), self.results_table)
        move_out_action.triggered.connect(lambda: self.ask_move_out())
        self.results_table.addAction(move_out_action)
        self.search_status = QLabel()
        self.search_status.setObjectName("hint")

        self.title_label = QLabel()
        self.title_label.setObjectName("accountTitle")
        self.title_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.detail_label = QLabel()
        self.detail_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.meters_table = ReadOnlyTable(
            [self.tr("Meter"), self.tr("Kind"), self.tr("Hardware no."), self.tr("Digits"),
             self.tr("Multiplier"), self.tr("Status"), self.tr("Location"),
             self.tr("Last reading")]
        )  # fmt: skip
        self.bills_table = ReadOnlyTable(
            [self.tr("Period"), self.tr("Status"), self.tr("Electricity (kWh)"),
             self.tr("Water (m³)"), self.tr("Amount"), self.tr("Paid"), self.tr("Open"),
             self.tr("Issued")]
        )  # fmt: skip
        self.payments_table = ReadOnlyTable(
            [self.tr("Time"), self.tr("Receipt"), self.tr("Amount"), self.tr("Channel"),
             self.tr("Branch"), self.tr("Status")]
        )  # fmt: skip
        self.history_table = ReadOnlyTable(
            [self.tr("Time"), self.tr("By"), self.tr("Action"), self.tr("Field"),
             self.tr("Before"), self.tr("After")]
        )  # fmt: skip
        self.chart = QChart()
        self.chart.setAnimationOptions(QChart.AnimationOption.NoAnimation)
        self.chart.legend().setAlignment(Qt.AlignmentFlag.AlignBottom)
        self.chart_view = QChartView(self.chart)
        self.chart_view.setRenderHint(QPainter.RenderHint.Antialiasing)
        self.usage_series: QBarSeries | None = None

        self.tabs = QTabWidget()
        self.tabs.addTab(self.meters_table, self.tr("Meters"))
        self.tabs.addTab(self.bills_table, self.tr("Bills"))
        self.tabs.addTab(self.payments_table, self.tr("Payments"))
        self.tabs.addTab(self.chart_view, self.tr("Usage"))
        self.tabs.addTab(self.history_table, self.tr("History"))
        self.statement_view = StatementView(self.runner, self._refused, self)
        self.tabs.addTab(self.statement_view, self.tr("Account statement"))

        top = QHBoxLayout()
        top.addWidget(self.search_edit, 1)
        top.addWidget(self.new_button)
        top.addWidget(self.edit_button)
        top.addWidget(self.move_out_button)
        top.addWidget(self.move_in_button)
        top.addWidget(self.corrections.adjust_button)
        top.addWidget(self.corrections.refund_button)
        left = QVBoxLayout()
        left.addWidget(self.results_table, 1)
        left.addWidget(self.search_status)
        left_widget = QWidget()
        left_widget.setLayout(left)
        right = QVBoxLayout()
        right.addWidget(self.title_label)
        right.addWidget(self.detail_label)
        right.addWidget(self.tabs, 1)
        right_widget = QWidget()
        right_widget.setLayout(right)
        splitter = QSplitter(Qt.Orientation.Horizontal)
        splitter.addWidget(left_widget)
        splitter.addWidget(right_widget)
        splitter.setStretchFactor(0, 2)
        splitter.setStretchFactor(1, 3)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(splitter, 1)

    def _shortcuts(self) -> None:
        keys = {
            "Ctrl+F": self.focus_search,
            "Ctrl+N": self.ask_create,
            "F2": self.ask_edit,
            "F5": self.reload,
        }
        for key, slot in keys.items():
            self.add_shortcut(key, slot)

    # ---- loading and searching --------------------------------------------------------------

    def _load_start(self) -> None:
        """The form's choices and a first screenful of accounts, the first one opened."""

        def work(
            session: Session,
        ) -> tuple[tuple[str, ...], RegistryChoices, tuple[AccountHit, ...]]:
            return (
                customer_class_names(session),
                registry_choices(session),
                tuple(first_accounts(session)),
            )

        def ready(result: tuple[tuple[str, ...], RegistryChoices, tuple[AccountHit, ...]]) -> None:
            self.classes, self.choices, hits = result
            self._show_hits(self._search_serial, hits, "", False)
            if hits:
                self.open_account(hits[0].account_no)
            else:
                self._mark_loaded()

        self.runner.run(work, on_success=ready, on_failure=self._refused, owner=self)

    def _mark_loaded(self) -> None:
        if not self._loaded:
            self._loaded = True
            self.loaded.emit()

    def focus_search(self) -> None:
        self.search_edit.setFocus()
        self.search_edit.selectAll()

    def search(self, open_single: bool = True) -> None:
        """Search for what is typed; a single hit is opened unless `open_single` is off (a
        saved account stays open whatever the old query finds)."""
        self._search_timer.stop()
        query = self.search_edit.text().strip()
        self._search_serial += 1
        serial = self._search_serial

        def work(session: Session) -> tuple[AccountHit, ...]:
            return tuple(search_accounts(session, query) if query else first_accounts(session))

        self.runner.run(
            work,
            on_success=lambda hits: self._show_hits(serial, hits, query, open_single),
            on_failure=self._refused,
            owner=self,
        )

    def _show_hits(
        self, serial: int, hits: tuple[AccountHit, ...], query: str, open_single: bool
    ) -> None:
        if serial != self._search_serial:
            return  # a newer search is on its way
        self.results_table.fill(
            [[h.account_no, h.holder_name, h.address, h.customer_class, h.balance] for h in hits],
            keys=[h.account_no for h in hits],
        )
        if not hits and query:
            self.search_status.setText(self.tr("Nothing found for “{query}”").format(query=query))
        else:
            self.search_status.setText(self.tr("{count} found").format(count=len(hits)))
        if len(hits) == 1 and query and open_single:
            self.open_account(hits[0].account_no)
        self.searched.emit(len(hits))

    def open_row(self, row: int) -> None:
        if 0 <= row < self.results_table.row_count():
            self.open_account(str(self.results_table.key_at(row)))

    def open_account(self, account_no: str) -> None:
        self._open_serial += 1
        serial = self._open_serial
        self.runner.run(
            lambda s: account_record(s, account_no),
            on_success=lambda record: self._opened(serial, record),
            on_failure=self._refused,
            owner=self,
        )

    def reload(self) -> None:
        if self.record is not None:
            self.open_account(self.record.account.account_no)

    def _opened(self, serial: int, record: AccountRecord) -> None:
        if serial != self._open_serial:
            return  # the account opened after it is the one wanted
        self.show_record(record)
        self.account_opened.emit(record)
        self._mark_loaded()

    # ---- showing one account ----------------------------------------------------------------

    def show_record(self, record: AccountRecord | None) -> None:
        self.record = record
        self.statement_view.set_account(record.account.account_no if record else None)
        self.edit_button.setEnabled(record is not None)
        self.move_out_button.setEnabled(record is not None and record.account.active)
        self.move_in_button.setEnabled(
            record is not None and record.account.moved_out_on is not None
        )
        self.corrections.update_buttons()
        if record is None:
            self.title_label.setText(self.tr("No account open"))
            self.detail_label.setText("")
            for table in (
                self.meters_table,
                self.bills_table,
                self.payments_table,
                self.history_table,
            ):
                table.fill([])
            self.show_usage(None)
            return
        account = record.account
        mode = self.tr("Prepaid") if account.billing_mode == "prepaid" else self.tr("Postpaid")
        self.title_label.setText(
            self.tr("{no}  {holder}").format(no=account.account_no, holder=account.holder_name)
        )
        self.detail_label.setText(
            self.tr("{address} · {klass} · {mode} · balance {balance} · mobile {mobile}").format(
                address=account.address,
                klass=account.customer_class,
                mode=mode,
                balance=money_text(account.balance),
                mobile=account.mobile or "—",
            )
        )
        self.detail_label.setStyleSheet(f"color: {ALERT.name()};" if account.balance < 0 else "")
        self.meters_table.fill(
            [
                [m.meter_no, m.kind_label, m.hardware_no, m.digits, quantity_cell(m.multiplier),
                 m.status_label, m.location, quantity_cell(m.last_value)]
                for m in record.meters
            ],
            keys=[m.meter_no for m in record.meters],
            struck=[m.status != "active" for m in record.meters],
        )  # fmt: skip
        self.bills_table.fill(
            [
                [
                    b.period,
                    b.status_label,
                    *(quantity_cell(u) for u in b.usage),
                    b.total,
                    b.paid,
                    b.open,
                    b.issued_at,
                ]
                for b in record.bills
            ],
            keys=[b.period for b in record.bills],
            struck=[b.status == "void" for b in record.bills],
        )
        voided = self.tr("Voided")
        self.payments_table.fill(
            [
                [p.issued_at, p.receipt_no, p.amount, p.channel, p.branch_name,
                 voided if p.voided else ""]
                for p in record.payments
            ],
            keys=[p.receipt_no for p in record.payments],
            struck=[p.voided for p in record.payments],
        )  # fmt: skip
        self.history_table.fill(
            [[h.at, h.actor, h.action, h.field, h.before, h.after] for h in record.history]
        )
        self.show_usage(record.usage)

    def show_usage(self, usage: MonthlyUsage | None) -> None:
        """One bar set per kind, one category per billing period (月份 on the axis)."""
        self.chart.removeAllSeries()
        for axis in self.chart.axes():
            self.chart.removeAxis(axis)
        self.usage_series = None
        if usage is None:
            self.chart.setTitle("")
            return
        names = {ELECTRICITY: self.tr("Electricity (kWh)"), WATER: self.tr("Water (m³)")}
        series = QBarSeries()
        top = Decimal(0)
        for kind, values in zip(usage.kinds, usage.values, strict=True):
            bar_set = QBarSet(names.get(kind, kind))
            # Floats for drawing only; the figures themselves stay Decimal in the tables.
            bar_set.append([float(v) for v in values])
            series.append(bar_set)
            top = max([top, *values])
        self.chart.addSeries(series)
        categories = QBarCategoryAxis()
        categories.append([p[2:] for p in usage.periods])  # '26-03': a year and a month
        self.chart.addAxis(categories, Qt.AlignmentFlag.AlignBottom)
        series.attachAxis(categories)
        values_axis = QValueAxis()
        values_axis.setRange(0, float(top) * 1.1 if top else 1.0)
        values_axis.setLabelFormat("%.0f")
        self.chart.addAxis(values_axis, Qt.AlignmentFlag.AlignLeft)
        series.attachAxis(values_axis)
        self.chart.setTitle(
            self.tr("Usage {first} – {last}").format(first=usage.periods[0], last=usage.periods[-1])
        )
        self.usage_series = series

    # ---- creating and editing ---------------------------------------------------------------

    def _dialog(self, record: AccountRecord | None) -> AccountDialog:
        dialog = AccountDialog(
            self.classes,
            self.choices.buildings,
            self.choices.campuses,
            record.account if record is not None else None,
            parent=self,
        )
        self.dialog = dialog
        return dialog

    def ask_create(self) -> None:
        dialog = self._dialog(None)
        dialog.accepted.connect(lambda: self.create(dialog.values()))
        dialog.open()

    def ask_edit(self) -> None:
        if self.record is None:
            return
        dialog = self._dialog(self.record)
        account_no = self.record.account.account_no
        dialog.accepted.connect(lambda: self.edit(account_no, dialog.changes()))
        dialog.open()

    def ask_move_out(self) -> None:
        """退房结算 of the open account (the list's context menu opens the row's first)."""
        if self.record is None or not self.record.account.active:
            return
        account_no = self.record.account.account_no
        wizard = MoveOutWizard(
            self.runner, self.identity, account_no, calendar.now().date(), parent=self
        )
        wizard.moved_out.connect(lambda _: self.open_account(account_no))
        wizard.closed.connect(lambda _: self._saved(account_no))
        self.move_out_wizard = wizard
        wizard.open()

    def ask_move_in(self) -> None:
        """开户接替: the new holder's account at the place of the open one, which moved out;
        the form keeps its place and asks for the number, the holder, class and mode."""
        if self.record is None or self.record.account.moved_out_on is None:
            return
        old = self.record.account
        dialog = self._dialog(None)
        dialog.setWindowTitle(self.tr("Move in at {address}").format(address=old.address))
        dialog.class_combo.setCurrentText(old.customer_class)
        dialog.place_picker.select(old.campus, old.building)
        dialog.unit_edit.setText(old.unit)
        dialog.room_edit.setText(old.room)
        dialog.mode_combo.setCurrentIndex(dialog.mode_combo.findData(old.billing_mode))
        for fixed in (dialog.place_picker.campus_combo, dialog.place_picker.building_combo,
                      dialog.unit_edit, dialog.room_edit):  # fmt: skip
            fixed.setEnabled(False)
        dialog.accepted.connect(lambda: self.move_in(old.account_no, dialog.values()))
        dialog.open()

    def move_in(self, from_account_no: str, values: dict[str, str]) -> None:
        actor = self.identity.actor
        spec = MoveInSpec(
            values["account_no"], from_account_no, values["holder_name"], values["mobile"],
            values["customer_class"], values["billing_mode"],
        )  # fmt: skip
        self.runner.run(
            lambda s: move_in(s, actor, spec).account_no,
            on_success=self._saved,
            on_failure=self._refused,
            owner=self,
        )

    def create(self, values: dict[str, str]) -> None:
        actor = self.identity.actor
        spec = AccountSpec(**values)  # type: ignore[arg-type]

        def work(session: Session) -> str:
            return deposits.open_account(session, actor, spec).account_no

        self.runner.run(work, on_success=self._saved, on_failure=self._refused, owner=self)

    def edit(self, account_no: str, changes: dict[str, str]) -> None:
        if not changes:
            return
        actor = self.identity.actor
        self.runner.run(
            lambda s: update_account(s, actor, account_no, changes).account_no,
            on_success=self._saved,
            on_failure=self._refused,
            owner=self,
        )

    def _saved(self, account_no: str) -> None:
        self.saved.emit(account_no)
        self.search(open_single=False)  # the list shows the new name or address too
        self.open_account(account_no)

    def _refused(self, error: TaskError) -> None:
        self.refused.emit(error.message)
        QMessageBox.warning(self, self.tr("Accounts"), error.message)
