"""Move-in (开户接替): a new account at the place of one that moved out takes its meters.

The new holder's account is opened like any at the desk (`deposits.open_account`: its own
number, the old account's campus, building, unit and room, its class's deposit charged),
and the old account's meters in use are moved to it. Nothing else is copied: the balance,
bills and deposit stay with the old account until it is settled and closed. The new
account's first bill starts at the final readings: a bill's previous reading is the meter's
last billed reading whatever the account, for these meters the old account's final bill.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from server.db.models import Bill, BillMeter, Meter
from server.db.models.billing import BILL_VOID
from server.db.models.metering import METER_ACTIVE
from server.services.accounts.accounts import AccountSpec, account_by_no, account_view
from server.services.collection.deposits import open_account
from server.services.core import audit, permissions
from server.services.core.audit import Actor
from server.services.core.errors import Conflict


@dataclass(frozen=True)
class MoveInSpec:
    account_no: str
    from_account_no: str
    holder_name: str
    mobile: str = ""
    # Empty: as the account moved out of.
    customer_class: str = ""
    billing_mode: str = ""


@dataclass(frozen=True)
class TakenMeter:
    meter_no: str
    kind: str
    # What the new account's first bill starts from: the final bill's reading (None for a
    # meter no bill has read yet).
    start: Decimal | None


@dataclass(frozen=True)
class MoveInResult:
    account_no: str
    from_account_no: str
    address: str
    meters: tuple[TakenMeter, ...]

    def as_json(self) -> dict[str, Any]:
        return {
            "account_no": self.account_no,
            "from_account_no": self.from_account_no,
            "address": self.address,
            "meters": [
                {
                    "meter_no": m.meter_no,
                    "kind": m.kind,
                    "start": str(m.start) if m.start is not None else None,
                }
                for m in self.meters
            ],
        }


def move_in(session: Session, actor: Actor, spec: MoveInSpec) -> MoveInResult:
    """Open `spec.account_no` in the place of `spec.from_account_no`, which must have moved
    out (its final readings billed), and move its meters in use to the new account."""
    permissions.require(session, actor, "accounts")
    old = account_by_no(session, spec.from_account_no, lock=True)
    if old.moved_out_on is None:
        raise Conflict(f"户号 {old.account_no} 尚未退房结算，新户不能接替")
    meters = session.execute(
        select(Meter.id, Meter.meter_no, Meter.kind)
        .where(Meter.account_id == old.id, Meter.status == METER_ACTIVE)
        .order_by(Meter.meter_no)
        .with_for_update()
    ).all()
    if not meters:
        raise Conflict(f"户号 {old.account_no} 没有在用的表计可接替（已由新户接替？）")
    place = account_view(session, old.account_no)
    new = open_account(
        session,
        actor,
        AccountSpec(
            account_no=spec.account_no,
            holder_name=spec.holder_name.strip(),
            customer_class=spec.customer_class.strip() or place.customer_class,
            campus=place.campus,
            building=place.building,
            unit=place.unit,
            room=place.room,
            mobile=spec.mobile.strip(),
            billing_mode=spec.billing_mode.strip() or place.billing_mode,
        ),
    )
    ids = [m.id for m in meters]
    session.execute(
        update(Meter)
        .where(Meter.id.in_(ids))
        .values(account_id=new.id)
        .execution_options(synchronize_session="fetch")
    )
    starts: dict[int, Decimal] = {}
    # The latest non-void bill of each meter comes last and wins: its reading is where the
    # new account starts.
    for meter_id, curr in session.execute(
        select(BillMeter.meter_id, BillMeter.curr)
        .join(Bill, Bill.id == BillMeter.bill_id)
        .where(BillMeter.meter_id.in_(ids), Bill.status != BILL_VOID)
        .order_by(BillMeter.meter_id, Bill.period, BillMeter.id)
    ):
        starts[meter_id] = curr
    taken = tuple(TakenMeter(m.meter_no, m.kind, starts.get(m.id)) for m in meters)
    audit.record(
        session, actor, "account.move_in", "account", new.id,
        {"account_no": new.account_no, "from_account_no": old.account_no,
         "meters": [{"meter_no": m.meter_no, "start": str(m.start)} for m in taken]},
    )  # fmt: skip
    return MoveInResult(new.account_no, old.account_no, place.address, taken)
