"""The table of an import's lines (handheld file, remote platform), each row in the colour
of what needs doing: green in, amber to check, red to fix, grey already there."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QWidget,
)

from desktop.widgets import ReadOnlyTable, RowsModel
from server.services.core.calendar import BUSINESS_TZ
from server.services.metering.handheld_import import (
    ANOMALY,
    CONFLICT,
    DUPLICATE,
    FAILED,
    IMPORTED,
    UNKNOWN,
    UNPARSABLE,
    UNREAD,
    HandheldImportResult,
)
from server.services.metering.usage_rules import quantity_text

# Background colours by outcome: what the reader has to do about the line.
OUTCOME_COLOURS = {
    IMPORTED: QColor("#dff3e0"),
    ANOMALY: QColor("#fff1c7"),
    CONFLICT: QColor("#fff1c7"),
    UNREAD: QColor("#fff1c7"),
    UNKNOWN: QColor("#fbd9d9"),
    FAILED: QColor("#fbd9d9"),
    UNPARSABLE: QColor("#fbd9d9"),
    DUPLICATE: QColor("#e6e8eb"),
}


class OutcomeRows(RowsModel):
    """Rows keyed by (line, outcome); the key follows the row through sorting, so does
    its colour (from `colours`, by outcome)."""

    def __init__(self, headers: Sequence[str], colours: dict[str, QColor], parent: QWidget):
        super().__init__(headers, parent)
        self.colours = colours

    def data(self, index: Any, role: int = Qt.ItemDataRole.DisplayRole) -> object:
        if index.isValid() and role == Qt.ItemDataRole.BackgroundRole:
            return self.colours.get(self.keys[index.row()][1])
        return super().data(index, role)


class OutcomeTable(ReadOnlyTable):
    """A result table coloured by each row's outcome (import lines, account changes)."""

    def __init__(
        self,
        headers: Sequence[str],
        parent: QWidget | None = None,
        colours: dict[str, QColor] | None = None,
    ) -> None:
        super().__init__(headers, parent)
        self.rows_model = OutcomeRows(headers, colours or OUTCOME_COLOURS, self)
        self.setModel(self.rows_model)

    def outcome_at(self, row: int) -> str:
        return str(self.key_at(row)[1])  # type: ignore[index]

    def colour_at(self, row: int) -> QColor | None:
        colour = self.rows_model.data(self.rows_model.index(row, 0), Qt.ItemDataRole.BackgroundRole)
        return colour if isinstance(colour, QColor) else None

    def show_lines(self, result: HandheldImportResult) -> None:
        """A reading import's lines (handheld file or remote pull), one row each."""
        rows, keys = [], []
        for line in result.lines:
            rows.append(
                [
                    line.line,
                    line.hardware_no,
                    line.meter_no or "",
                    "" if line.value is None else quantity_text(line.value),
                    line.read_at.astimezone(BUSINESS_TZ) if line.read_at else None,
                    line.outcome_label,
                    line.message,
                ]
            )
            keys.append((line.line, line.outcome))
        self.fill(rows, keys=keys)
