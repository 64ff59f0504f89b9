"""Small widgets the pages share: money fields and read-only tables."""

from __future__ import annotations

from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal, InvalidOperation

from PySide6.QtCore import (
    QAbstractTableModel,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    QRegularExpression,
    Qt,
)
from PySide6.QtGui import QColor, QFont, QRegularExpressionValidator
from PySide6.QtWidgets import (
    QAbstractItemView,
    QApplication,
    QDialog,
    QDialogButtonBox,
    QHeaderView,
    QLabel,
    QLayout,
    QLineEdit,
    QMessageBox,
    QStyle,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from reports.clock import moment_text

MUTED = QColor("#8a919b")
# Money: ALERT for more owed, CREDIT for money back to the account (or nothing short).
ALERT = QColor("#c62828")
CREDIT = QColor("#2e7d32")
# Row backgrounds: past a deadline, close to one.
OVERDUE_TINT = QColor("#fde2e1")
DUE_SOON_TINT = QColor("#fff4d6")
# Cell background: what a correction changed.
CHANGED_TINT = QColor("#fff1c7")

# Up to 2 decimals, as the service accepts (money_of); the server checks again. A minus
# sign is kept rather than dropped, so a typed "-5" is refused as -5 instead of taken as 5.
_MONEY_PATTERN = QRegularExpression(r"^-?\d{0,9}(\.\d{0,2})?$")
_ROOT = QModelIndex()


def money_text(amount: Decimal | None) -> str:
    """'1,234.50' — how the counter writes amounts; blank for none."""
    return "" if amount is None else f"{amount:,.2f}"


def ok_cancel(dialog: QDialog) -> QDialogButtonBox:
    """An editing dialog's OK and Cancel, wired to accept and reject it."""
    buttons = QDialogButtonBox(
        QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
    )
    buttons.accepted.connect(dialog.accept)
    buttons.rejected.connect(dialog.reject)
    return buttons


def tab_page(*parts: QWidget | QLayout, stretch: QWidget | None = None) -> QWidget:
    """A tab's page: `parts` top to bottom; `stretch` (one of them, a table) takes the height
    left over, or without one the room left stays below them."""
    page = QWidget()
    column = QVBoxLayout(page)
    for part in parts:
        if isinstance(part, QLayout):
            column.addLayout(part)
        else:
            column.addWidget(part, 1 if part is stretch else 0)
    if stretch is None:
        column.addStretch(1)
    return page


def hint_label() -> QLabel:
    """The red line under a form naming what is wrong with it."""
    label = QLabel()
    label.setObjectName("formHint")
    label.setStyleSheet(f"color: {ALERT.name()};")
    label.setWordWrap(True)
    return label


class CheckedDialog(QDialog):
    """A form checked as it is typed: `problem()` gives '' when it is whole, else what
    `self.hint` (a `hint_label`) shows; OK (`self.buttons`, an `ok_cancel`) is enabled only
    when there is none, and Enter cannot accept a form that is not whole."""

    hint: QLabel
    buttons: QDialogButtonBox

    def problem(self) -> str:
        raise NotImplementedError

    def validate(self) -> bool:
        problem = self.problem()
        self.hint.setText(problem)
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setEnabled(not problem)
        return not problem

    def accept(self) -> None:
        if self.validate():
            super().accept()


@dataclass(frozen=True)
class AlertText:
    """A table cell that must not be missed: drawn red and bold with the warning icon."""

    text: str

    def __str__(self) -> str:
        return self.text


def ask(
    parent: QWidget,
    title: str,
    text: str,
    answers: tuple[str, str],
    on_yes: Callable[[], None],
    on_no: Callable[[], None] | None = None,
) -> QMessageBox:
    """A window-modal question whose buttons say what they do (`answers`: yes, no), No the
    default and Esc; `on_yes` or `on_no` runs once it is answered. Not blocking, so the
    caller returns at once and the page stays responsive to its own tasks."""
    box = QMessageBox(
        QMessageBox.Icon.Question,
        title,
        text,
        QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
        parent,
    )
    box.setDefaultButton(QMessageBox.StandardButton.No)
    yes = box.button(QMessageBox.StandardButton.Yes)
    yes.setText(answers[0])
    box.button(QMessageBox.StandardButton.No).setText(answers[1])

    def answered() -> None:
        if box.clickedButton() is yes:
            on_yes()
        elif on_no is not None:
            on_no()

    box.finished.connect(lambda _: answered())
    box.open()
    return box


def tell(parent: QWidget, icon: QMessageBox.Icon, title: str, text: str) -> QMessageBox:
    """A window-modal message closed with OK, not blocking the caller."""
    box = QMessageBox(icon, title, text, QMessageBox.StandardButton.Ok, parent)
    box.open()
    return box


def cell_text(value: object) -> str:
    if isinstance(value, AlertText):
        return value.text
    if isinstance(value, Decimal):
        return money_text(value)
    if isinstance(value, datetime):
        return moment_text(value)
    if isinstance(value, date):
        return value.isoformat()
    return "" if value is None else str(value)


class MoneyEdit(QLineEdit):
    """A money field: digits and up to 2 decimals, right-aligned; `value()` is a Decimal."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setValidator(QRegularExpressionValidator(_MONEY_PATTERN, self))
        self.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)

    def value(self) -> Decimal | None:
        try:
            return Decimal(self.text()) if self.text().strip() else None
        except InvalidOperation:
            return None

    def set_value(self, amount: Decimal | None) -> None:
        self.setText("" if amount is None else f"{amount:.2f}")


class RowsModel(QAbstractTableModel):
    """Rows of plain values from a service, shown as they are and sorted by their values
    (money as numbers, times as times), not by their text; each row has a key (the receipt
    or account number) that stays with it through sorting."""

    def __init__(self, headers: Sequence[str], parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.headers = list(headers)
        self.rows: list[list[object]] = []
        self.keys: list[object] = []
        self.struck: list[bool] = []
        self.tints: list[QColor | None] = []
        # Per row, the columns drawn bold on CHANGED_TINT.
        self.marked: list[frozenset[int]] = []
        # Columns of text that read as numbers (preformatted report figures).
        self.right: set[int] = set()

    def set_rows(
        self,
        rows: Sequence[Sequence[object]],
        keys: Sequence[object] | None = None,
        struck: Sequence[bool] | None = None,
        tints: Sequence[QColor | None] | None = None,
    ) -> None:
        self.beginResetModel()
        self.rows = [list(row) for row in rows]
        self.keys = list(keys) if keys is not None else list(range(len(rows)))
        self.struck = list(struck) if struck is not None else [False] * len(rows)
        self.tints = list(tints) if tints is not None else [None] * len(rows)
        self.marked = [frozenset()] * len(rows)
        self.endResetModel()

    def mark(self, marked: Sequence[Collection[int]]) -> None:
        """Draw, row by row, the given columns bold on CHANGED_TINT."""
        self.marked = [frozenset(columns) for columns in marked]
        if self.rows:
            self.dataChanged.emit(
                self.index(0, 0), self.index(len(self.rows) - 1, len(self.headers) - 1)
            )

    def set_columns(self, headers: Sequence[str], right: set[int] | None = None) -> None:
        self.beginResetModel()
        self.headers = list(headers)
        self.right = set(right or ())
        self.rows, self.keys, self.struck, self.tints, self.marked = [], [], [], [], []
        self.endResetModel()

    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = _ROOT) -> int:
        return 0 if parent.isValid() else len(self.rows)

    def columnCount(self, parent: QModelIndex | QPersistentModelIndex = _ROOT) -> int:
        return 0 if parent.isValid() else len(self.headers)

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> object:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return self.headers[section]
        return None

    def data(
        self, index: QModelIndex | QPersistentModelIndex, role: int = Qt.ItemDataRole.DisplayRole
    ) -> object:
        if not index.isValid():
            return None
        value = self.rows[index.row()][index.column()]
        if role == Qt.ItemDataRole.DisplayRole:
            return cell_text(value)
        numeric = isinstance(value, Decimal | int) or index.column() in self.right
        if role == Qt.ItemDataRole.TextAlignmentRole and numeric:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        marked = index.column() in self.marked[index.row()]
        if role == Qt.ItemDataRole.BackgroundRole:
            return CHANGED_TINT if marked else self.tints[index.row()]
        if marked and role == Qt.ItemDataRole.FontRole:
            font = QFont()
            font.setBold(True)
            font.setStrikeOut(self.struck[index.row()])
            return font
        if isinstance(value, AlertText):
            if role == Qt.ItemDataRole.ForegroundRole:
                return ALERT
            if role == Qt.ItemDataRole.FontRole:
                font = QFont()
                font.setBold(True)
                return font
            if role == Qt.ItemDataRole.DecorationRole:
                return QApplication.style().standardIcon(QStyle.StandardPixmap.SP_MessageBoxWarning)
        if self.struck[index.row()]:
            if role == Qt.ItemDataRole.FontRole:
                font = QFont()
                font.setStrikeOut(True)
                return font
            if role == Qt.ItemDataRole.ForegroundRole:
                return MUTED
        return None

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        def key(i: int) -> tuple[int, object]:
            value = self.rows[i][column]
            # Blanks last; mixed types compare by text rather than raise.
            if value is None or value == "":
                return (2, "")
            if isinstance(value, Decimal | int | float | date):
                return (0, value)
            return (1, str(value))

        self.layoutAboutToBeChanged.emit()
        try:
            order_ = sorted(
                range(len(self.rows)),
                key=key,
                reverse=order == Qt.SortOrder.DescendingOrder,
            )
        except TypeError:
            order_ = sorted(range(len(self.rows)), key=lambda i: cell_text(self.rows[i][column]))
        self.rows = [self.rows[i] for i in order_]
        self.keys = [self.keys[i] for i in order_]
        self.struck = [self.struck[i] for i in order_]
        self.tints = [self.tints[i] for i in order_]
        self.marked = [self.marked[i] for i in order_]
        self.layoutChanged.emit()


class ReadOnlyTable(QTableView):
    """A sortable table of rows from a service: whole rows selected, money right-aligned."""

    def __init__(self, headers: Sequence[str], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.rows_model = RowsModel(headers, self)
        self.setModel(self.rows_model)
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.setAlternatingRowColors(True)
        self.setSortingEnabled(True)
        self.horizontalHeader().setSortIndicatorShown(False)
        self.verticalHeader().setVisible(False)
        self.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.horizontalHeader().setStretchLastSection(True)

    def fill(
        self,
        rows: Sequence[Sequence[object]],
        *,
        keys: Sequence[object] | None = None,
        struck: Sequence[bool] | None = None,
        tints: Sequence[QColor | None] | None = None,
    ) -> None:
        """Replace the contents, in the service's order; rows flagged in `struck` are drawn
        struck through and grey (voided receipts stay visible, as on the settlement report);
        `tints` colour whole rows (a deadline passed, a warning)."""
        self.rows_model.set_rows(rows, keys, struck, tints)

    def row_count(self) -> int:
        return self.rows_model.rowCount()

    def text_at(self, row: int, column: int) -> str:
        return str(self.rows_model.data(self.rows_model.index(row, column)) or "")

    def key_at(self, row: int) -> object:
        return self.rows_model.keys[row]

    def is_struck(self, row: int) -> bool:
        return self.rows_model.struck[row]

    def selected_key(self) -> object | None:
        rows = self.selectionModel().selectedRows()
        return self.key_at(rows[0].row()) if rows else None
