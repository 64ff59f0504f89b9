"""Small widgets the pages share: money fields and read-only tables."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from decimal import Decimal, InvalidOperation

from PySide6.QtCore import QRegularExpression, Qt
from PySide6.QtGui import QColor, QFont, QRegularExpressionValidator
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHeaderView,
    QLineEdit,
    QTableWidget,
    QTableWidgetItem,
    QWidget,
)

MUTED = QColor("#8a919b")
ALERT = QColor("#c62828")

# Up to 2 decimals, as the service accepts (money_of); the server checks again.
_MONEY_PATTERN = QRegularExpression(r"^\d{0,9}(\.\d{0,2})?$")


def money_text(amount: Decimal | None) -> str:
    """'1,234.50' — how the counter writes amounts; blank for none."""
    return "" if amount is None else f"{amount:,.2f}"


def cell_text(value: object) -> str:
    if isinstance(value, Decimal):
        return money_text(value)
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M")
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


class ReadOnlyTable(QTableWidget):
    """A table filled from rows of values: money right-aligned, whole rows selected."""

    def __init__(self, headers: Sequence[str], parent: QWidget | None = None) -> None:
        super().__init__(0, len(headers), parent)
        self.setHorizontalHeaderLabels(list(headers))
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.setAlternatingRowColors(True)
        self.verticalHeader().setVisible(False)
        self.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.horizontalHeader().setStretchLastSection(True)

    def fill(self, rows: Sequence[Sequence[object]], *, struck: Sequence[bool] = ()) -> None:
        """Replace the contents; rows flagged in `struck` are drawn struck through and grey
        (voided receipts stay visible, as on the settlement report)."""
        self.setRowCount(len(rows))
        for r, row in enumerate(rows):
            strike = r < len(struck) and struck[r]
            for c, value in enumerate(row):
                item = QTableWidgetItem(cell_text(value))
                if isinstance(value, Decimal):
                    item.setTextAlignment(
                        Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
                    )
                if strike:
                    font = QFont(item.font())
                    font.setStrikeOut(True)
                    item.setFont(font)
                    item.setForeground(MUTED)
                self.setItem(r, c, item)

    def text_at(self, row: int, column: int) -> str:
        item = self.item(row, column)
        return item.text() if item is not None else ""

    def selected_row(self) -> int | None:
        rows = self.selectionModel().selectedRows()
        return rows[0].row() if rows else None
