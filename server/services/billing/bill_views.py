"""Bills as people read them back: a bill with its meters (previous, current, usage) and its
priced lines, as the CLI's `bills --json`, the billing page and the rebill preview show it."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from server.db.models import Bill
from server.db.models.billing import REGULAR
from server.services.metering.usage_rules import quantity_text


@dataclass(frozen=True)
class BillMeterView:
    meter_no: str
    kind: str
    prev: Decimal
    curr: Decimal
    usage: Decimal
    # The current reading is an estimate (估).
    estimated: bool = False


@dataclass(frozen=True)
class BillLineView:
    kind: str
    component: str
    usage: Decimal
    amount: Decimal
    note: str = ""  # 估, 估抄冲回, 按日折算 15/31 天, 12-10 起


@dataclass(frozen=True)
class BillView:
    bill_id: int
    account_no: str
    holder_name: str
    address: str
    period: str
    total: Decimal
    status: str
    meters: tuple[BillMeterView, ...]
    lines: tuple[BillLineView, ...]
    kind: str = REGULAR

    def as_json(self) -> dict[str, Any]:
        return {
            "account_no": self.account_no,
            "period": self.period,
            "total": str(self.total),
            "status": self.status,
            **({"kind": self.kind} if self.kind != REGULAR else {}),
            "meters": [
                {
                    "meter_no": m.meter_no,
                    "prev": quantity_text(m.prev),
                    "curr": quantity_text(m.curr),
                    "usage": quantity_text(m.usage),
                    **({"estimated": True} if m.estimated else {}),
                }
                for m in self.meters
            ],
            "lines": [
                {
                    "kind": line.kind,
                    "component": line.component,
                    "usage": quantity_text(line.usage),
                    "amount": str(line.amount),
                    **({"note": line.note} if line.note else {}),
                }
                for line in self.lines
            ],
        }


def bill_view(bill: Bill) -> BillView:
    """A bill row loaded with its meters and lines, as a view."""
    return BillView(
        bill_id=bill.id,
        account_no=bill.account_no,
        holder_name=bill.holder_name,
        address=bill.address,
        period=bill.period,
        total=bill.total,
        status=bill.status,
        meters=tuple(
            BillMeterView(m.meter_no, m.kind, m.prev, m.curr, m.usage, m.estimated)
            for m in bill.meters
        ),
        lines=tuple(
            BillLineView(x.kind, x.component, x.usage, x.amount, x.note) for x in bill.lines
        ),
        kind=bill.kind,
    )
