"""The service desk's forms: a notice to residents (an outage notice names the buildings
told), and the approval of a binding whose claim does not match the account's record."""

from __future__ import annotations

from PySide6.QtCore import QDateTime, Qt
from PySide6.QtWidgets import (
    QComboBox,
    QDateTimeEdit,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPlainTextEdit,
    QVBoxLayout,
    QWidget,
)

from desktop.widgets import (
    ALERT,
    ok_cancel,
)
from server.services.metering.review_desk import BuildingChoice
from server.services.residents.bindings import (
    PendingBinding,
)
from server.services.residents.bulletins import KIND_LABELS


class NoticeDialog(QDialog):
    """A notice; an outage notice names the buildings whose residents are told."""

    def __init__(self, buildings: tuple[BuildingChoice, ...], parent: QWidget | None = None):
        super().__init__(parent)
        self.setWindowTitle(self.tr("Publish a notice"))
        self.kind_combo = QComboBox()
        for kind, label in KIND_LABELS.items():
            self.kind_combo.addItem(label, kind)
        self.title_edit = QLineEdit()
        self.body_edit = QPlainTextEdit()
        start = QDateTime.currentDateTime()
        self.starts_edit = QDateTimeEdit(start)
        self.ends_edit = QDateTimeEdit(start.addSecs(4 * 3600))
        for edit in (self.starts_edit, self.ends_edit):
            edit.setDisplayFormat("yyyy-MM-dd HH:mm")
            edit.setCalendarPopup(True)
        self.buildings = QListWidget()
        for building in buildings:
            item = QListWidgetItem(f"{building.campus} {building.building}")
            item.setData(Qt.ItemDataRole.UserRole, building.building_id)
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            item.setCheckState(Qt.CheckState.Unchecked)
            self.buildings.addItem(item)
        form = QFormLayout()
        form.addRow(self.tr("Kind:"), self.kind_combo)
        form.addRow(self.tr("Title:"), self.title_edit)
        form.addRow(self.tr("Text:"), self.body_edit)
        form.addRow(self.tr("From:"), self.starts_edit)
        form.addRow(self.tr("Until:"), self.ends_edit)
        form.addRow(self.tr("Buildings affected:"), self.buildings)
        buttons = ok_cancel(self)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(buttons)

    def building_ids(self) -> tuple[int, ...]:
        return tuple(
            int(self.buildings.item(i).data(Qt.ItemDataRole.UserRole))
            for i in range(self.buildings.count())
            if self.buildings.item(i).checkState() == Qt.CheckState.Checked
        )


class MismatchDialog(QDialog):
    """Approving a binding whose claim is not the account's holder or phone: says what
    differs and asks how it was checked; 'Approve anyway' stays off until that is typed."""

    def __init__(self, binding: PendingBinding, parent: QWidget | None = None):
        super().__init__(parent)
        self.setWindowTitle(self.tr("The claim does not match the record"))
        differs = QLabel(
            self.tr("Account {account}: {what}").format(
                account=binding.account_no, what=binding.mismatch
            )
        )
        differs.setObjectName("mismatchText")
        differs.setWordWrap(True)
        differs.setStyleSheet(f"color: {ALERT.name()}; font-weight: bold;")
        warning = QLabel(
            self.tr(
                "Approving lets this WeChat user see the account's bills and submit its"
                " readings. Approve only after checking with the holder."
            )
        )
        warning.setWordWrap(True)
        self.note_edit = QPlainTextEdit()
        self.note_edit.setPlaceholderText(
            self.tr("How it was checked (e.g. called the holder on the mobile on record)")
        )
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        self.approve_button = self.buttons.addButton(
            self.tr("Approve anyway"), QDialogButtonBox.ButtonRole.AcceptRole
        )
        self.approve_button.setEnabled(False)
        self.note_edit.textChanged.connect(
            lambda: self.approve_button.setEnabled(bool(self.note().strip()))
        )
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(differs)
        layout.addWidget(warning)
        layout.addWidget(QLabel(self.tr("Note (kept in the audit log):")))
        layout.addWidget(self.note_edit)
        layout.addWidget(self.buttons)

    def note(self) -> str:
        return self.note_edit.toPlainText()
