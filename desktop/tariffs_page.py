"""The tariffs page (价格管理): the tariffs of each kind and customer class with their
effective dates and tier basis (月阶梯 / 年阶梯), an editor for a new effective-dated tariff
with a priced preview, new customer classes, and the late-fee policy of each class.

Tariffs are append-only: a change of price is a new tariff from a later date, so the
editor never edits a saved one (it can start from a copy of it). The preview prices a
sample usage with tariffs.price_usage, the function the billing run uses, so what the
manager sees before saving is what a bill will say.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QMessageBox,
    QPushButton,
    QSplitter,
    QVBoxLayout,
    QWidget,
)
from sqlalchemy.orm import Session

from desktop.class_dialogs import ClassDialog, LateFeeDialog
from desktop.module_page import ModulePage
from desktop.tariff_dialogs import TariffEditor, basis_text, kind_text
from desktop.tasks import TaskError
from desktop.widgets import ReadOnlyTable
from server.services.accounts.customer_classes import add_customer_class
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
    TariffSpec,
    create_tariff,
)
from server.services.metering.vocabulary import KINDS


@dataclass(frozen=True)
class TariffDesk:
    """What the page shows, fetched in one go."""

    tariffs: tuple[TariffRow, ...]
    classes: tuple[ClassChoice, ...]
    policies: tuple[ClassPolicy, ...]


def load_desk(session: Session) -> TariffDesk:
    return TariffDesk(tariff_rows(session), customer_classes(session), late_fee_overview(session))


class TariffsPage(ModulePage):
    """`loaded` fires once the tariffs are first shown, `tariff_saved(int)`,
    `class_saved(str)` and `policy_saved()` once a new one is listed."""

    refreshed = Signal()
    tariff_saved = Signal(int)
    class_saved = Signal(str)
    policy_saved = Signal()

    def build(self) -> None:
        self.setObjectName("tariffsPage")
        self.desk: TariffDesk | None = None
        self.editor: TariffEditor | None = None
        self.policy_dialog: LateFeeDialog | None = None
        self.class_dialog: ClassDialog | None = None
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
             self.tr("Tier basis"), self.tr("In force"), self.tr("Components and tiers")]
        )  # fmt: skip
        self.tariffs_table.activated.connect(lambda _: self.new_tariff(copy_selected=True))
        self.new_button = QPushButton(self.tr("New tariff… (Ctrl+N)"))
        self.new_button.setObjectName("primaryButton")
        self.new_button.clicked.connect(lambda: self.new_tariff(copy_selected=True))
        self.class_button = QPushButton(self.tr("New class…"))
        self.class_button.setToolTip(self.tr("A customer class such as 商户 or 教职工"))
        self.class_button.clicked.connect(lambda: self.new_class())
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
        filters.addWidget(self.class_button)
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
                [kind_text(t.kind), t.customer_class, t.effective_from, basis_text(t.tier_basis),
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

    def new_class(self) -> ClassDialog:
        dialog = ClassDialog(self)
        dialog.submitted.connect(lambda form: self.save_class(form, dialog))
        self.class_dialog = dialog
        dialog.open()
        return dialog

    def save_class(self, form: tuple[str, str, int, Decimal], dialog: ClassDialog) -> None:
        actor = self.identity.actor

        def saved(name: str) -> None:
            dialog.saved()
            self.refresh()
            self.class_saved.emit(name)

        self.runner.run(
            lambda s: add_customer_class(s, actor, *form).name,
            on_success=saved,
            on_failure=lambda error: dialog.refused(error.message),
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
