"""The day-close dialog on a day with refunds (退款): cash refunded is a figure of its own,
the refunds are listed, and the count typed balances against the expected cash that the
refund lowered. Figures are hand-computed."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from decimal import Decimal as D

from PySide6.QtWidgets import QFormLayout, QLabel

from desktop.app import ensure_application
from desktop.till_dialogs import SettlementDialog
from reports.clock import BUSINESS_TZ
from reports.settlement import RefundRow
from tests.documents.samples import SETTLEMENT_OPEN

# The open sample day (float 200.00, cash 50.00 tendered, 10.00 change) with a cash refund of
# 35.00 and a transfer refund of 99.00: expected 200.00 + 50.00 − 10.00 − 35.00 = 205.00.
DAY = replace(
    SETTLEMENT_OPEN,
    cash_refunded=D("35.00"),
    expected_cash=D("205.00"),
    refunds=(
        RefundRow(
            "TKD2026000001",
            datetime(2026, 11, 24, 9, 5, tzinfo=BUSINESS_TZ),
            "A1001",
            "张三",
            "现金",
            D("35.00"),
            True,
        ),
        RefundRow(
            "TKD2026000002",
            datetime(2026, 11, 24, 9, 40, tzinfo=BUSINESS_TZ),
            "A1002",
            "李四",
            "转账",
            D("99.00"),
            False,
        ),
    ),
)


def rows(dialog: SettlementDialog) -> dict[str, str]:
    form = dialog.findChild(QFormLayout)
    assert form is not None
    found = {}
    for row in range(form.rowCount()):
        label = form.itemAt(row, QFormLayout.ItemRole.LabelRole)
        field = form.itemAt(row, QFormLayout.ItemRole.FieldRole)
        if label is not None and field is not None and isinstance(field.widget(), QLabel):
            found[label.widget().text()] = field.widget().text()
    return found


def test_the_close_dialog_shows_the_refunds_and_balances_the_count(qtbot):
    ensure_application("zh_CN")
    dialog = SettlementDialog(DAY)
    qtbot.addWidget(dialog)
    shown = rows(dialog)
    assert shown["现金退款："] == "35.00"
    assert shown["应有现金："] == "205.00"
    assert shown["退款单："] == (
        "TKD2026000001 A1001 现金 (35.00), TKD2026000002 A1002 转账 (99.00)"
    )
    qtbot.keyClicks(dialog.counted_edit, "205.00")
    assert dialog.difference() == D("0.00")
    assert dialog.difference_label.text() == "无长短款"
