"""The tariffs page's editor of a new effective-dated tariff with a priced preview
(tariffs.price_usage, the function the billing run uses), and how it names kinds and tier
bases."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal, InvalidOperation

from PySide6.QtCore import QCoreApplication, QDate, Signal
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
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from desktop.widgets import (
    ALERT,
    ReadOnlyTable,
    money_text,
)
from server.services.billing.tariff_desk import (
    ClassChoice,
    TariffRow,
)
from server.services.billing.tariffs import (
    ANNUAL,
    MONTHLY,
    ComponentCharge,
    ComponentSpec,
    TariffSpec,
    Tier,
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
        self.annual_box = QCheckBox(
            self.tr("Annual tiers: thresholds apply to the usage accumulated in the year")
        )

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
        form.addRow(self.annual_box)
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
            self.annual_box.setChecked(start_from.tier_basis == ANNUAL)
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
            tier_basis=ANNUAL if self.annual_box.isChecked() else MONTHLY,
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


def kind_text(kind: str) -> str:
    names = {
        "electricity": QCoreApplication.translate("TariffsPage", "Electricity"),
        "water": QCoreApplication.translate("TariffsPage", "Water"),
    }
    return names.get(kind, kind)


def basis_text(basis: str) -> str:
    names = {
        MONTHLY: QCoreApplication.translate("TariffsPage", "Monthly tiers"),
        ANNUAL: QCoreApplication.translate("TariffsPage", "Annual tiers"),
    }
    return names.get(basis, basis)


def _next_month_start(day: date) -> date:
    """New prices usually start on the 1st of a month."""
    return (day.replace(day=28) + timedelta(days=4)).replace(day=1)
