"""The bill correction dialogs: 更正账单 (the issued bill beside the new one before
confirming) and 作废账单, each a CorrectionDialog (a reason, a second manager above the
limit); an account's 调账 and 退款 are in desktop.balance_dialogs."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Hashable, Sequence
from decimal import Decimal

from PySide6.QtCore import Qt
from PySide6.QtGui import QFont
from PySide6.QtWidgets import (
    QFormLayout,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QVBoxLayout,
    QWidget,
)
from sqlalchemy.orm import Session

from desktop.approval_dialog import CorrectionDialog
from desktop.billing_dialogs import BillContents
from desktop.tasks import TaskRunner
from desktop.widgets import ALERT, CREDIT, ReadOnlyTable, money_text
from server.services.billing.bill_views import BillView
from server.services.billing.corrections import RebillPreview, cancel_bill, rebill_bill
from server.services.core.audit import Actor
from server.services.core.calendar import Period


def _figure(text: str = "", *, big: bool = False) -> QLabel:
    """A figure of the correction, right-aligned; `big` for the one that decides."""
    label = QLabel(text)
    label.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
    label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    if big:
        font = QFont(label.font())
        font.setBold(True)
        font.setPointSizeF(font.pointSizeF() * 1.25)
        label.setFont(font)
    return label


class BillBox(QGroupBox):
    """A bill's meters and lines under `title`, its total below (`total_label`)."""

    def __init__(self, title: str, bill: BillView) -> None:
        super().__init__(title)
        self.contents = BillContents(bill)
        self.total_label = _figure(money_text(bill.total), big=True)
        self.total_label.setObjectName("billTotal")
        row = QHBoxLayout()
        row.addWidget(QLabel(self.tr("Total")))
        row.addWidget(self.total_label, 1)
        column = QVBoxLayout(self)
        column.addWidget(self.contents, 1)
        column.addLayout(row)


def _mark_changes(
    old: ReadOnlyTable, new: ReadOnlyTable,
    old_keys: Sequence[Hashable], new_keys: Sequence[Hashable],
) -> None:  # fmt: skip
    """Mark in `new` the cells that differ from the old row of the same key, and the whole
    rows of either side that the other has not. Rows of a repeated key pair up in order."""
    unmatched: dict[Hashable, list[int]] = defaultdict(list)
    for i, key in enumerate(old_keys):
        unmatched[key].append(i)
    old_rows, new_rows = old.rows_model.rows, new.rows_model.rows
    whole = range(len(new.rows_model.headers))
    new_marks: list[set[int]] = []
    for row, key in zip(new_rows, new_keys, strict=True):
        if unmatched[key]:
            was = old_rows[unmatched[key].pop(0)]
            new_marks.append({c for c in whole if row[c] != was[c]})
        else:
            new_marks.append(set(whole))
    gone = {i for rows in unmatched.values() for i in rows}
    old.rows_model.mark([set(whole) if i in gone else set() for i in range(len(old_rows))])
    new.rows_model.mark(new_marks)


def _who(bill: BillView) -> str:
    return f"{bill.account_no}  {bill.holder_name}  {bill.address}  ·  {bill.period}"


class RebillDialog(CorrectionDialog):
    """更正账单: the issued bill (left) beside the bill the readings and tariffs in force now
    give (right), then the difference, what was paid, what the new bill still owes and the
    credit the account keeps. 确认更正 is enabled once a reason is typed (never when the new
    bill is the same)."""

    def __init__(
        self, preview: RebillPreview, runner: TaskRunner, actor: Actor, limit: Decimal | None,
        parent: QWidget | None = None,
    ) -> None:  # fmt: skip
        super().__init__(runner, actor, limit, parent)
        self.what = self.tr("Rebill")
        self.setObjectName("rebillDialog")
        self.preview = preview
        old, new = preview.old, preview.new
        self.setWindowTitle(
            self.tr("Rebill {period} of {account}").format(
                period=old.period, account=old.account_no
            )
        )
        self.confirm_button.setText(self.tr("Confirm rebill"))
        bills = QWidget()
        side_by_side = QHBoxLayout(bills)
        side_by_side.setContentsMargins(0, 0, 0, 0)
        self.old_box = BillBox(self.tr("Issued bill (to be cancelled)"), old)
        self.new_box = BillBox(self.tr("New bill"), new)
        side_by_side.addWidget(self.old_box, 1)
        side_by_side.addWidget(self.new_box, 1)
        was, now = self.old_box.contents, self.new_box.contents
        _mark_changes(
            was.meters_table, now.meters_table,
            [m.meter_no for m in old.meters], [m.meter_no for m in new.meters],
        )  # fmt: skip
        _mark_changes(
            was.lines_table, now.lines_table,
            [(x.kind, x.component, x.note) for x in old.lines],
            [(x.kind, x.component, x.note) for x in new.lines],
        )  # fmt: skip

        self.difference_label = _figure(self._signed(preview.difference))
        if preview.difference:
            colour = ALERT if preview.difference > 0 else CREDIT
            self.difference_label.setStyleSheet(f"color: {colour.name()}; font-weight: 600;")
        self.paid_label = _figure(money_text(preview.paid))
        # What decides stands out: an amount still owed, else the credit the account keeps.
        self.owed_label = _figure(money_text(preview.owed), big=preview.owed > 0)
        self.balance_label = _figure(money_text(preview.credit_left), big=preview.owed <= 0)
        # Under the new bill, as the totals of an invoice: captions and figures in columns.
        grid = QGridLayout()
        grid.setHorizontalSpacing(24)
        for row, (caption, label) in enumerate(
            (
                (self.tr("Difference:"), self.difference_label),
                (self.tr("Paid:"), self.paid_label),
                (self.tr("Owed after:"), self.owed_label),
                (self.tr("Credit after:"), self.balance_label),
            )
        ):
            grid.addWidget(QLabel(caption), row, 0, Qt.AlignmentFlag.AlignRight)
            grid.addWidget(label, row, 1)
        figures = QHBoxLayout()
        figures.addStretch(1)
        figures.addLayout(grid, 1)
        self.lay_out(_who(old), [bills, figures], stretch=bills)
        self.resize(1000, 660)
        self.validate()

    @staticmethod
    def _signed(amount: Decimal) -> str:
        return f"+{money_text(amount)}" if amount > 0 else money_text(amount)

    def approval_amount(self) -> Decimal:
        return self.preview.difference

    def problem(self) -> str:
        if self.preview.unchanged:
            return self.tr(
                "The readings and tariffs in force give the same bill: nothing to rebill."
            )
        return self.reason_problem()

    def work(self, reason: str, approver: Actor | None) -> Callable[[Session], object]:
        actor, limit, old = self.actor, self.limit, self.preview.old
        period = Period.parse(old.period)
        return lambda s: rebill_bill(
            s, actor, old.account_no, period, reason, approval_limit=limit, approver=approver
        )


class CancelDialog(CorrectionDialog):
    """作废账单: the bill, and that what it was paid goes to the account's balance."""

    def __init__(
        self, bill: BillView, paid: Decimal, runner: TaskRunner, actor: Actor,
        limit: Decimal | None, parent: QWidget | None = None,
    ) -> None:  # fmt: skip
        super().__init__(runner, actor, limit, parent)
        self.what = self.tr("Cancel bill")
        self.setObjectName("cancelDialog")
        self.bill = bill
        self.setWindowTitle(
            self.tr("Cancel the bill {period} of {account}").format(
                period=bill.period, account=bill.account_no
            )
        )
        self.confirm_button.setText(self.tr("Confirm cancel"))
        self.box = box = BillBox(self.tr("Bill to be cancelled"), bill)
        self.paid_label = _figure(money_text(paid), big=True)
        figures = QFormLayout()
        figures.addRow(self.tr("Paid, to the balance:"), self.paid_label)
        self.lay_out(_who(bill), [box, figures], stretch=box)
        self.resize(620, 560)
        self.validate()

    def approval_amount(self) -> Decimal:
        return self.bill.total

    def work(self, reason: str, approver: Actor | None) -> Callable[[Session], object]:
        actor, limit, bill = self.actor, self.limit, self.bill
        period = Period.parse(bill.period)
        return lambda s: cancel_bill(
            s, actor, bill.account_no, period, reason, approval_limit=limit, approver=approver
        )
