"""The tariffs page (价格管理): the tariffs of each kind and customer class with their
effective dates, an editor for a new effective-dated tariff with a priced preview, and the
late-fee policy of each class.

Tariffs are append-only: a change of price is a new tariff from a later date, so the
editor never edits a saved one (it can start from a copy of it). The preview prices a
sample usage with tariffs.price_usage, the function the billing run uses, so what the
manager sees before saving is what a bill will say.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal, InvalidOperation

from PySide6.QtCore import QCoreApplication, QDate, Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDateEdit,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QSpinBox,
    QSplitter,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)
from sqlalchemy.orm import Session

from desktop.module_page import ModulePage
from desktop.tasks import TaskError
from desktop.widgets import ALERT, MoneyEdit, ReadOnlyTable, money_text
from server.services.billing.late_fees import rate_of, set_late_fee_policy
from server.services.billing.tariff_desk import (
    ClassChoice,
    ClassPolicy,
    TariffRow,
    customer_classes,
    late_fee_overview,
    tariff_rows,
)
from server.services.billing.tariffs import (
    ComponentCharge,
    ComponentSpec,
    TariffSpec,
    Tier,
    create_tariff,
    price_usage,
    validate_tariff,
)
from server.services.core.calendar import now as business_now
from server.services.core.errors import DomainError
from server.services.core.money import round_fen
from server.services.metering.usage_rules import quantity_text
from server.services.metering.vocabulary import KINDS

NAME, START, PRICE = 0, 1, 2
# As stored: usage with 3 decimals (NUMERIC(16, 3)), unit prices with 4.
START_PLACES = Decimal("0.001")
PRICE_PLACES = Decimal("0.0001")


@dataclass(frozen=True)
class TariffDesk:
    """What the page shows, fetched in one go."""

    tariffs: tuple[TariffRow, ...]
    classes: tuple[ClassChoice, ...]
    policies: tuple[ClassPolicy, ...]


def load_desk(session: Session) -> TariffDesk:
    return TariffDesk(tariff_rows(session), customer_classes(session), late_fee_overview(session))


def number(text: str) -> Decimal | None:
    try:
        value = Decimal(text.strip())
    except InvalidOperation:
        return None
    return value if value.is_finite() else None


class TariffEditor(QDialog):
    """A new tariff: kind, class, effective date and components with tiers, checked as
    typed. The tiers table is one sheet: a row with a name starts a component, rows below
    it with the name blank are its further tiers."""

    submitted = Signal(object)  # TariffSpec, when Save is pressed on a valid form

    def __init__(
        self,
        classes: tuple[ClassChoice, ...],
        start_from: TariffRow | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle(self.tr("New tariff"))
        self.resize(720, 560)
        self.kind_combo = QComboBox()
        for kind in KINDS:
            self.kind_combo.addItem(kind_text(kind), kind)
        self.class_combo = QComboBox()
        for choice in classes:
            self.class_combo.addItem(choice.name, choice.name)
        self.from_edit = QDateEdit()
        self.from_edit.setCalendarPopup(True)
        self.from_edit.setDisplayFormat("yyyy-MM-dd")
        first = _next_month_start(business_now().date())
        self.from_edit.setDate(QDate(first.year, first.month, first.day))
        self.name_edit = QLineEdit()
        self.name_edit.setPlaceholderText(self.tr("Optional, e.g. 2027 price adjustment"))

        self.tiers_table = QTableWidget(0, 3)
        self.tiers_table.setObjectName("tiersTable")
        self.tiers_table.setHorizontalHeaderLabels(
            [self.tr("Component"), self.tr("From usage"), self.tr("Unit price")]
        )
        self.tiers_table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        self.tiers_table.verticalHeader().setVisible(True)
        add_component = QPushButton(self.tr("Add component"))
        add_tier = QPushButton(self.tr("Add tier"))
        remove_row = QPushButton(self.tr("Remove row"))
        add_component.clicked.connect(lambda: self.add_row(self.tr("New component"), "0", ""))
        add_tier.clicked.connect(lambda: self.add_row("", "", ""))
        remove_row.clicked.connect(lambda: self.remove_current_row())

        self.sample_edit = QLineEdit("100")
        self.sample_edit.setObjectName("sampleUsage")
        self.preview_table = ReadOnlyTable(
            [self.tr("Component"), self.tr("Tier"), self.tr("Usage"), self.tr("Unit price"),
             self.tr("Amount")]
        )  # fmt: skip
        self.preview_table.setSortingEnabled(False)
        self.total_label = QLabel()
        self.total_label.setObjectName("totalLabel")
        self.hint = QLabel()
        self.hint.setObjectName("problemHint")
        self.hint.setWordWrap(True)
        self.hint.setStyleSheet(f"color: {ALERT.name()};")
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel
        )
        self.save_button = self.buttons.button(QDialogButtonBox.StandardButton.Save)
        self.buttons.accepted.connect(self._submit)
        self.buttons.rejected.connect(self.reject)

        form = QFormLayout()
        form.addRow(self.tr("Kind:"), self.kind_combo)
        form.addRow(self.tr("Customer class:"), self.class_combo)
        form.addRow(self.tr("Effective from:"), self.from_edit)
        form.addRow(self.tr("Name:"), self.name_edit)
        row_buttons = QHBoxLayout()
        for button in (add_component, add_tier, remove_row):
            row_buttons.addWidget(button)
        row_buttons.addStretch(1)
        preview_box = QGroupBox(self.tr("Preview"))
        preview = QVBoxLayout(preview_box)
        sample_row = QHBoxLayout()
        sample_row.addWidget(QLabel(self.tr("Sample monthly usage:")))
        sample_row.addWidget(self.sample_edit)
        sample_row.addStretch(1)
        sample_row.addWidget(self.total_label)
        preview.addLayout(sample_row)
        preview.addWidget(self.preview_table)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(
            QLabel(self.tr("Components and tiers (a blank name continues the one above)"))
        )
        layout.addWidget(self.tiers_table, 2)
        layout.addLayout(row_buttons)
        layout.addWidget(preview_box, 2)
        layout.addWidget(self.hint)
        layout.addWidget(self.buttons)

        if start_from is not None:
            self.kind_combo.setCurrentIndex(self.kind_combo.findData(start_from.kind))
            self.class_combo.setCurrentIndex(self.class_combo.findData(start_from.customer_class))
            for component in start_from.components:
                for index, tier in enumerate(component.tiers):
                    self.add_row(
                        component.name if index == 0 else "",
                        quantity_text(tier.start),
                        f"{tier.unit_price.normalize():f}",
                    )
        self.tiers_table.itemChanged.connect(lambda _: self.check())
        self.sample_edit.textChanged.connect(lambda _: self.check())
        self.kind_combo.currentIndexChanged.connect(lambda _: self.check())
        self.check()

    def add_row(self, name: str, start: str, price: str) -> None:
        self.tiers_table.blockSignals(True)
        row = self.tiers_table.rowCount()
        self.tiers_table.insertRow(row)
        for column, text in ((NAME, name), (START, start), (PRICE, price)):
            self.tiers_table.setItem(row, column, QTableWidgetItem(text))
        self.tiers_table.blockSignals(False)
        self.check()

    def set_cell(self, row: int, column: int, text: str) -> None:
        """As typed into the table (tests and pasting go through here)."""
        item = self.tiers_table.item(row, column)
        if item is None:
            self.tiers_table.setItem(row, column, QTableWidgetItem(text))
        else:
            item.setText(text)

    def remove_current_row(self) -> None:
        row = self.tiers_table.currentRow()
        if row >= 0:
            self.tiers_table.removeRow(row)
            self.check()

    def _text(self, row: int, column: int) -> str:
        item = self.tiers_table.item(row, column)
        return item.text().strip() if item is not None else ""

    def components(self) -> tuple[tuple[ComponentSpec, ...], str]:
        """The components as typed, or the first problem, naming the row and the field."""
        groups: list[tuple[str, list[Tier]]] = []
        for row in range(self.tiers_table.rowCount()):
            name = self._text(row, NAME)
            start_text, price_text = self._text(row, START), self._text(row, PRICE)
            where = self.tr("Row {row}").format(row=row + 1)
            if not name and not groups:
                return (), self.tr("{where}: the first row needs a component name").format(
                    where=where
                )
            start = number(start_text)
            if start is None or start < 0 or start != start.quantize(START_PLACES):
                return (), self.tr(
                    "{where}, from usage: enter a number of 0 or more (3 decimals at most)"
                ).format(where=where)
            price = number(price_text)
            if price is None or price < 0 or price != price.quantize(PRICE_PLACES):
                return (), self.tr(
                    "{where}, unit price: enter a price of 0 or more (4 decimals at most)"
                ).format(where=where)
            if name:
                if start != 0:
                    return (), self.tr("{where}: the first tier of {name} must start at 0").format(
                        where=where, name=name
                    )
                groups.append((name, [Tier(start, price)]))
                continue
            component, tiers = groups[-1]
            if start <= tiers[-1].start:
                return (), self.tr(
                    "{where}: the tiers of {name} must go up (from {start} after {previous})"
                ).format(
                    where=where,
                    name=component,
                    start=quantity_text(start),
                    previous=quantity_text(tiers[-1].start),
                )
            tiers.append(Tier(start, price))
        if not groups:
            return (), self.tr("Add at least one component")
        return tuple(ComponentSpec(name, tuple(tiers)) for name, tiers in groups), ""

    def spec(self) -> tuple[TariffSpec | None, str]:
        components, problem = self.components()
        if problem:
            return None, problem
        spec = TariffSpec(
            kind=str(self.kind_combo.currentData()),
            customer_class=str(self.class_combo.currentData() or ""),
            effective_from=self.from_edit.date().toPython(),  # type: ignore[arg-type]
            components=components,
            name=self.name_edit.text().strip(),
        )
        try:
            validate_tariff(spec)  # the server's own checks (duplicate names…), at once
        except DomainError as error:
            return None, str(error)
        return spec, ""

    def check(self) -> bool:
        spec, problem = self.spec()
        self.hint.setText(problem)
        self.save_button.setEnabled(spec is not None)
        self.preview(spec)
        return spec is not None

    def preview(self, spec: TariffSpec | None) -> None:
        """Price the sample usage with the billing run's own function."""
        usage = number(self.sample_edit.text())
        if spec is None or usage is None or usage < 0:
            self.preview_table.fill([])
            self.total_label.setText(
                self.tr("Sample usage: enter a number") if spec is not None else ""
            )
            return
        charges: list[ComponentCharge] = price_usage(spec.components, usage)
        rows: list[list[object]] = []
        for charge in charges:
            tiers = dict(
                (c.name, c.tiers) for c in spec.components
            )[charge.name]  # fmt: skip
            for index, part in enumerate(charge.tiers):
                following = tiers[index + 1].start if index + 1 < len(tiers) else None
                span = (
                    f"{quantity_text(part.start)}–{quantity_text(following)}"
                    if following is not None
                    else self.tr("{start} and above").format(start=quantity_text(part.start))
                )
                rows.append(
                    [charge.name, span, quantity_text(part.usage),
                     f"{part.unit_price.normalize():f}", round_fen(part.usage * part.unit_price)]
                )  # fmt: skip
            rows.append([self.tr("{name} subtotal").format(name=charge.name), "", "", "",
                         charge.amount])  # fmt: skip
        self.preview_table.fill(rows)
        total = sum((c.amount for c in charges), Decimal(0))
        self.total_label.setText(self.tr("Total: {amount}").format(amount=money_text(total)))

    def _submit(self) -> None:
        spec, problem = self.spec()
        if spec is None:
            self.hint.setText(problem)
            return
        self.save_button.setEnabled(False)  # until the server answers
        self.submitted.emit(spec)

    def refused(self, message: str) -> None:
        self.hint.setText(message)
        self.save_button.setEnabled(True)


class LateFeeDialog(QDialog):
    """A new late-fee policy for a class from a date (policies are append-only too)."""

    def __init__(
        self, policies: tuple[ClassPolicy, ...], class_name: str = "", parent=None
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle(self.tr("Late-fee policy"))
        self.policies = policies
        self.class_combo = QComboBox()
        for entry in policies:
            self.class_combo.addItem(entry.customer_class.name, entry.customer_class.name)
        self.enabled_box = QCheckBox(self.tr("Charge late fees"))
        self.grace_spin = QSpinBox()
        self.grace_spin.setRange(0, 366)
        self.rate_edit = QLineEdit()
        self.rate_edit.setPlaceholderText(self.tr("0.001 is 1‰ a day"))
        self.minimum_edit = MoneyEdit()
        self.cap_edit = MoneyEdit()
        self.cap_edit.setPlaceholderText(self.tr("Blank: no cap"))
        self.from_edit = QDateEdit()
        self.from_edit.setCalendarPopup(True)
        self.from_edit.setDisplayFormat("yyyy-MM-dd")
        today = business_now().date()
        self.from_edit.setDate(QDate(today.year, today.month, today.day))
        self.hint = QLabel()
        self.hint.setStyleSheet(f"color: {ALERT.name()};")
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel
        )
        self.save_button = self.buttons.button(QDialogButtonBox.StandardButton.Save)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        form = QFormLayout(self)
        form.addRow(self.tr("Customer class:"), self.class_combo)
        form.addRow(self.enabled_box)
        form.addRow(self.tr("Grace days:"), self.grace_spin)
        form.addRow(self.tr("Daily rate:"), self.rate_edit)
        form.addRow(self.tr("Minimum:"), self.minimum_edit)
        form.addRow(self.tr("Cap:"), self.cap_edit)
        form.addRow(self.tr("Effective from:"), self.from_edit)
        form.addRow(self.hint)
        form.addRow(self.buttons)
        self.class_combo.currentIndexChanged.connect(lambda _: self._fill())
        if class_name:
            self.class_combo.setCurrentIndex(max(0, self.class_combo.findData(class_name)))
        self._fill()
        for edit in (self.rate_edit, self.minimum_edit, self.cap_edit):
            edit.textChanged.connect(lambda _: self.check())
        self.enabled_box.toggled.connect(lambda _: self.check())
        self.check()

    def _fill(self) -> None:
        index = self.class_combo.currentIndex()
        policy = self.policies[index].policy if 0 <= index < len(self.policies) else None
        self.enabled_box.setChecked(bool(policy and policy.enabled))
        self.grace_spin.setValue(policy.grace_days if policy else 0)
        self.rate_edit.setText(f"{policy.daily_rate.normalize():f}" if policy else "0")
        self.minimum_edit.set_value(policy.minimum if policy else Decimal("0.00"))
        self.cap_edit.set_value(policy.cap if policy else None)

    def check(self) -> bool:
        problem = ""
        try:
            rate_of(self.rate_edit.text())
        except DomainError as error:
            problem = str(error)
        minimum, cap = self.minimum_edit.value(), self.cap_edit.value()
        if not problem and minimum is None:
            problem = self.tr("Minimum: enter an amount (0 for none)")
        if not problem and cap is not None and minimum is not None and cap < minimum:
            problem = self.tr("Cap: it is below the minimum")
        self.hint.setText(problem)
        self.save_button.setEnabled(not problem)
        return not problem


class TariffsPage(ModulePage):
    """`loaded` fires once the tariffs are first shown, `tariff_saved(int)` and
    `policy_saved()` once a new one is listed."""

    refreshed = Signal()
    tariff_saved = Signal(int)
    policy_saved = Signal()

    def build(self) -> None:
        self.setObjectName("tariffsPage")
        self.desk: TariffDesk | None = None
        self.editor: TariffEditor | None = None
        self.policy_dialog: LateFeeDialog | None = None
        self._first = True

        self.kind_filter = QComboBox()
        self.kind_filter.addItem(self.tr("All kinds"), "")
        for kind in KINDS:
            self.kind_filter.addItem(kind_text(kind), kind)
        self.class_filter = QComboBox()
        self.class_filter.addItem(self.tr("All classes"), "")
        self.kind_filter.currentIndexChanged.connect(lambda _: self._show_tariffs())
        self.class_filter.currentIndexChanged.connect(lambda _: self._show_tariffs())
        self.tariffs_table = ReadOnlyTable(
            [self.tr("Kind"), self.tr("Customer class"), self.tr("Effective from"),
             self.tr("In force"), self.tr("Components and tiers")]
        )  # fmt: skip
        self.tariffs_table.activated.connect(lambda _: self.new_tariff(copy_selected=True))
        self.new_button = QPushButton(self.tr("New tariff… (Ctrl+N)"))
        self.new_button.setObjectName("primaryButton")
        self.new_button.clicked.connect(lambda: self.new_tariff(copy_selected=True))
        self.tariff_status = QLabel()
        self.tariff_status.setObjectName("hint")

        self.policies_table = ReadOnlyTable(
            [self.tr("Customer class"), self.tr("Late fees"), self.tr("Grace days"),
             self.tr("Daily rate"), self.tr("Minimum"), self.tr("Cap"),
             self.tr("Effective from")]
        )  # fmt: skip
        self.policy_button = QPushButton(self.tr("Change policy…"))
        self.policy_button.setToolTip(self.tr("Managers only; a change applies from its date"))
        self.policy_button.clicked.connect(lambda: self.edit_policy())

        filters = QHBoxLayout()
        filters.addWidget(QLabel(self.tr("Kind:")))
        filters.addWidget(self.kind_filter)
        filters.addWidget(QLabel(self.tr("Customer class:")))
        filters.addWidget(self.class_filter)
        filters.addStretch(1)
        filters.addWidget(self.new_button)
        tariffs = QWidget()
        tariffs_layout = QVBoxLayout(tariffs)
        tariffs_layout.addLayout(filters)
        tariffs_layout.addWidget(self.tariffs_table, 1)
        tariffs_layout.addWidget(self.tariff_status)
        policy_box = QGroupBox(self.tr("Late fees by customer class"))
        policy_layout = QVBoxLayout(policy_box)
        policy_layout.addWidget(self.policies_table)
        policy_row = QHBoxLayout()
        policy_row.addStretch(1)
        policy_row.addWidget(self.policy_button)
        policy_layout.addLayout(policy_row)
        splitter = QSplitter(Qt.Orientation.Vertical)
        splitter.addWidget(tariffs)
        splitter.addWidget(policy_box)
        splitter.setStretchFactor(0, 3)
        splitter.setStretchFactor(1, 1)
        QVBoxLayout(self).addWidget(splitter)

        for key, slot in {"Ctrl+N": lambda: self.new_tariff(copy_selected=True),
                          "F5": self.refresh}.items():  # fmt: skip
            self.add_shortcut(key, slot)
        self.refresh()

    def refresh(self) -> None:
        self.runner.run(load_desk, on_success=self._show_desk, owner=self)

    def _show_desk(self, desk: TariffDesk) -> None:
        self.desk = desk
        chosen = self.class_filter.currentData()
        self.class_filter.blockSignals(True)
        self.class_filter.clear()
        self.class_filter.addItem(self.tr("All classes"), "")
        for choice in desk.classes:
            self.class_filter.addItem(choice.name, choice.name)
        self.class_filter.setCurrentIndex(max(0, self.class_filter.findData(chosen)))
        self.class_filter.blockSignals(False)
        self._show_tariffs()
        yes, no = self.tr("Yes"), self.tr("No")
        self.policies_table.fill(
            [
                [p.customer_class.name, yes if p.policy and p.policy.enabled else no,
                 p.policy.grace_days if p.policy else "",
                 f"{p.policy.daily_rate.normalize():f}" if p.policy else "",
                 p.policy.minimum if p.policy else "",
                 (p.policy.cap if p.policy.cap is not None else self.tr("None"))
                 if p.policy else "",
                 p.policy.effective_from if p.policy else ""]
                for p in desk.policies
            ],
            keys=[p.customer_class.name for p in desk.policies],
        )  # fmt: skip
        self.refreshed.emit()
        if self._first:
            self._first = False
            self.loaded.emit()

    def visible_tariffs(self) -> list[TariffRow]:
        if self.desk is None:
            return []
        kind, name = self.kind_filter.currentData(), self.class_filter.currentData()
        return [
            t for t in self.desk.tariffs
            if (not kind or t.kind == kind) and (not name or t.customer_class == name)
        ]  # fmt: skip

    def _show_tariffs(self) -> None:
        shown = self.visible_tariffs()
        self.tariffs_table.fill(
            [
                [kind_text(t.kind), t.customer_class, t.effective_from,
                 self.tr("In force") if t.in_force else "", t.summary]
                for t in shown
            ],
            keys=[t.tariff_id for t in shown],
            struck=[False] * len(shown),
        )  # fmt: skip
        self.tariff_status.setText(self.tr("{count} tariffs").format(count=len(shown)))

    def selected_tariff(self) -> TariffRow | None:
        key = self.tariffs_table.selected_key()
        return next((t for t in self.visible_tariffs() if t.tariff_id == key), None)

    def new_tariff(self, *, copy_selected: bool = False) -> TariffEditor | None:
        """Open the editor (starting from the selected tariff, if any, since a new price is
        usually the old one changed)."""
        if self.desk is None:
            return None
        start = self.selected_tariff() if copy_selected else None
        editor = TariffEditor(self.desk.classes, start, self)
        if start is None:
            editor.add_row(self.tr("Charge"), "0", "")
        editor.submitted.connect(lambda spec: self.save_tariff(spec, editor))
        self.editor = editor
        editor.open()
        return editor

    def save_tariff(self, spec: TariffSpec, editor: TariffEditor | None = None) -> None:
        actor = self.identity.actor

        def saved(tariff_id: int) -> None:
            if editor is not None:
                editor.accept()
            self.refresh()
            self.tariff_saved.emit(tariff_id)

        def refused(error: TaskError) -> None:
            if editor is not None:
                editor.refused(error.message)
            else:
                QMessageBox.warning(self, self.tr("Tariff not saved"), error.message)

        self.runner.run(
            lambda s: create_tariff(s, actor, spec).id,
            on_success=saved,
            on_failure=refused,
            owner=self,
        )

    def edit_policy(self) -> LateFeeDialog | None:
        if self.desk is None:
            return None
        selected = self.policies_table.selected_key()
        dialog = LateFeeDialog(self.desk.policies, str(selected or ""), self)
        dialog.accepted.connect(lambda: self.save_policy(dialog))
        self.policy_dialog = dialog
        dialog.open()
        return dialog

    def save_policy(self, dialog: LateFeeDialog) -> None:
        if not dialog.check():
            return
        actor = self.identity.actor
        name = str(dialog.class_combo.currentData())
        enabled, grace = dialog.enabled_box.isChecked(), dialog.grace_spin.value()
        rate = rate_of(dialog.rate_edit.text())
        minimum = dialog.minimum_edit.value() or Decimal("0.00")
        cap = dialog.cap_edit.value()
        start: date = dialog.from_edit.date().toPython()  # type: ignore[assignment]

        def work(session: Session) -> None:
            set_late_fee_policy(
                session, actor, name, enabled=enabled, grace_days=grace, daily_rate=rate,
                minimum=minimum, cap=cap, effective_from=start,
            )  # fmt: skip

        def done(_: None) -> None:
            self.refresh()
            self.policy_saved.emit()

        self.runner.run(work, on_success=done, owner=self)


def kind_text(kind: str) -> str:
    names = {
        "electricity": QCoreApplication.translate("TariffsPage", "Electricity"),
        "water": QCoreApplication.translate("TariffsPage", "Water"),
    }
    return names.get(kind, kind)


def _next_month_start(day: date) -> date:
    """New prices usually start on the 1st of a month."""
    return (day.replace(day=28) + timedelta(days=4)).replace(day=1)
