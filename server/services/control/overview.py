"""What the 费控 page shows: each prepaid account's switchable meters with the balance,
the switch state (and the meter's own 保电) as last read back, the last command and any
protection mark."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import distinct_on
from sqlalchemy.orm import Session

from server.db.models import (
    Account,
    Building,
    ControlCommand,
    CustomerClass,
    Meter,
    MeterSwitchState,
)
from server.db.models.accounts import PREPAID
from server.db.models.control import UNKNOWN
from server.db.models.metering import METER_ACTIVE
from server.services.control.commands import ACTION_LABELS, STATE_LABELS, STATUS_LABELS
from server.services.control.protection import protected_accounts


@dataclass(frozen=True)
class MeterControlRow:
    account_no: str
    holder_name: str
    building: str
    balance: Decimal
    cutoff_below: Decimal | None
    meter_no: str
    kind: str
    hardware_no: str
    state: str
    state_label: str
    state_read_at: datetime | None
    # The meter's own 保电 as read back (None: not known; water meters have none).
    held: bool | None
    last_command: str
    last_status: str
    last_at: datetime | None
    last_error: str
    protected: str

    @property
    def below_cutoff(self) -> bool:
        return self.cutoff_below is not None and self.balance < self.cutoff_below


def prepaid_meters(
    session: Session, now: datetime, *, building_id: int | None = None, search: str = ""
) -> list[MeterControlRow]:
    """Every active prepaid account's switchable meters, by account number."""
    last = (
        select(ControlCommand)
        .ext(distinct_on(ControlCommand.meter_id))
        .order_by(ControlCommand.meter_id, ControlCommand.id.desc())
        .subquery()
    )
    query = (
        select(
            Account.id,
            Account.account_no,
            Account.holder_name,
            Building.name,
            Account.balance,
            CustomerClass.cutoff_below,
            Meter.meter_no,
            Meter.kind,
            Meter.hardware_no,
            MeterSwitchState.state,
            MeterSwitchState.read_at,
            MeterSwitchState.held,
            last.c.action,
            last.c.status,
            last.c.created_at,
            last.c.error,
        )
        .join(Meter, Meter.account_id == Account.id)
        .join(CustomerClass, CustomerClass.id == Account.customer_class_id)
        .outerjoin(Building, Building.id == Account.building_id)
        .outerjoin(MeterSwitchState, MeterSwitchState.meter_id == Meter.id)
        .outerjoin(last, last.c.meter_id == Meter.id)
        .where(
            Account.billing_mode == PREPAID,
            Account.active,
            Meter.status == METER_ACTIVE,
            Meter.hardware_no.is_not(None),
        )
        .order_by(Account.account_no, Meter.meter_no)
    )
    if building_id is not None:
        query = query.where(Account.building_id == building_id)
    if search.strip():
        like = f"{search.strip()}%"
        query = query.where(Account.account_no.like(like) | Account.holder_name.like(like))
    marks = protected_accounts(session, now)
    rows = []
    for (account_id, no, holder, building_name, balance, cutoff, meter_no, kind, hardware,
         state, read_at, held, action, status, created,
         error) in session.execute(query):  # fmt: skip
        state = state or UNKNOWN
        rows.append(
            MeterControlRow(
                account_no=no,
                holder_name=holder,
                building=building_name or "",
                balance=balance,
                cutoff_below=cutoff,
                meter_no=meter_no,
                kind=kind,
                hardware_no=hardware or "",
                state=state,
                state_label=STATE_LABELS[state] + ("（表内保电）" if held else ""),
                state_read_at=read_at,
                held=held,
                last_command=ACTION_LABELS.get(action, action or ""),
                last_status=STATUS_LABELS.get(status, ""),
                last_at=created,
                last_error=error or "",
                protected=marks.get(account_id, ""),
            )
        )
    return rows
