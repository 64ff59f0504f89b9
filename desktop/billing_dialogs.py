"""Dialogs of the billing page: the run's busy indicator and one bill's detail."""

from __future__ import annotations

from PySide6.QtCore import QElapsedTimer, Qt, QTimer
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QProgressBar,
    QVBoxLayout,
    QWidget,
)

from desktop.widgets import ReadOnlyTable, money_text
from server.services.billing.bill_views import BillView
from server.services.billing.bills import BILL_STATUS_LABELS
from server.services.metering.meter_picker import KIND_LABELS
from server.services.metering.usage_rules import quantity_text


class RunProgressDialog(QDialog):
    """A busy bar with the seconds elapsed while a billing run works. The run cannot be
    stopped halfway (it is one transaction), so there is no Cancel: the clock says it lives."""

    def __init__(self, period: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("billingRunProgress")
        self.setWindowTitle(self.tr("Billing run"))
        self.setWindowModality(Qt.WindowModality.WindowModal)
        self.setWindowFlag(Qt.WindowType.WindowCloseButtonHint, False)
        self.period = period
        self.label = QLabel()
        self.bar = QProgressBar()
        self.bar.setRange(0, 0)
        self.bar.setMinimumWidth(360)
        layout = QVBoxLayout(self)
        layout.addWidget(self.label)
        layout.addWidget(self.bar)
        self._clock = QElapsedTimer()
        self._clock.start()
        self._timer = QTimer(self)
        self._timer.setInterval(200)
        self._timer.timeout.connect(self._tick)
        self._timer.start()
        self._tick()

    def _tick(self) -> None:
        seconds = self._clock.elapsed() / 1000
        self.label.setText(
            self.tr("Billing {period}… {seconds:.1f} s").format(period=self.period, seconds=seconds)
        )

    def reject(self) -> None:
        """Esc does not hide the run: it goes on, and the summary comes when it ends."""

    def finish(self) -> None:
        self._timer.stop()
        self.done(QDialog.DialogCode.Accepted)


class BillContents(QWidget):
    """What a bill charges for: its meters with the two readings and the usage, then its
    priced lines."""

    def __init__(self, bill: BillView, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.meters_table = ReadOnlyTable(
            [self.tr("Meter"), self.tr("Meter kind"), self.tr("Previous"), self.tr("Current"),
             self.tr("Usage")]
        )  # fmt: skip
        # An estimated reading is marked as the paper notice marks it (估).
        estimated = " " + self.tr("est.")
        self.meters_table.fill(
            [
                [m.meter_no, KIND_LABELS.get(m.kind, m.kind), quantity_text(m.prev),
                 quantity_text(m.curr) + (estimated if m.estimated else ""),
                 quantity_text(m.usage)]
                for m in bill.meters
            ]
        )  # fmt: skip
        self.lines_table = ReadOnlyTable([self.tr("Item"), self.tr("Usage"), self.tr("Amount")])
        self.lines_table.fill(
            [
                [f"{x.component}（{x.note}）" if x.note else x.component, quantity_text(x.usage),
                 x.amount]
                for x in bill.lines
            ]
        )  # fmt: skip
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(QLabel(self.tr("Meters billed")))
        layout.addWidget(self.meters_table)
        layout.addWidget(QLabel(self.tr("Charges")))
        layout.addWidget(self.lines_table)


class BillDetailDialog(QDialog):
    """One bill: who, the meters with their two readings and usage, the priced lines."""

    def __init__(self, bill: BillView, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("billDetail")
        self.bill = bill
        self.setWindowTitle(
            self.tr("Bill {period} of {account}").format(
                period=bill.period, account=bill.account_no
            )
        )
        form = QFormLayout()
        form.addRow(self.tr("Account no.:"), QLabel(bill.account_no))
        form.addRow(self.tr("Holder:"), QLabel(bill.holder_name))
        form.addRow(self.tr("Address:"), QLabel(bill.address))
        form.addRow(self.tr("Period:"), QLabel(bill.period))
        self.total_label = QLabel(money_text(bill.total))
        form.addRow(self.tr("Amount:"), self.total_label)
        form.addRow(self.tr("Status:"), QLabel(BILL_STATUS_LABELS.get(bill.status, bill.status)))
        self.contents = BillContents(bill)
        self.meters_table = self.contents.meters_table
        self.lines_table = self.contents.lines_table
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.contents, 1)
        layout.addWidget(buttons)
        self.resize(560, 480)
