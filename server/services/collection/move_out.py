"""Move-out (退房结算): the final readings, the final bill, and what is owed or refundable.

`move_out` does it all in the caller's one transaction, or nothing:
- each final reading goes through the reading-ingest engine (`readings.record_reading`,
  source 'field') and is judged like any reading; one the rules hold (lower than the last
  and no rollover) refuses the move-out with the reason, so nothing is billed on a doubtful
  figure;
- the readings are dated noon of the move-out day (business time), as the ingest engine
  places a reading known by its day only (`ingest.READ_TIME`): inside that day whatever a
  client's clock shows, and after the morning's round of routine readings;
- the final bill (kind 'final') covers the days from the one after the last billed period
  (or the opening day of an account never billed) to the move-out day, priced by the billing
  engine with monthly tiers scaled to the part month;
- the deposit held is released to the balance and set against what is owed; what stays
  positive is refundable (`refunds`), what is owed is paid at the counter as any bill.

The account stays active, billed no more (`moved_out_on`), until it is closed
(`accounts.close_account`), which waits for all of it to be settled.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, time
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from server.db.models import Account, Bill, DepositLedgerEntry, Meter, Reading
from server.db.models.billing import BILL_VOID, DEPOSIT, FINAL, REGULAR
from server.db.models.metering import ACCEPTED, HELD, METER_ACTIVE
from server.services.accounts.accounts import account_by_no
from server.services.billing.account_bills import draft_account_bill, issue_bill
from server.services.billing.balances import lock_account
from server.services.billing.bill_views import BillMeterView
from server.services.billing.bills import OPEN_STATUSES, paid_on_bill
from server.services.billing.corrections import waive_unpaid_bill
from server.services.collection.allocation import OpenItem, amount_owed, open_items
from server.services.collection.deposits import release_deposit
from server.services.core import audit, permissions
from server.services.core.audit import Actor
from server.services.core.calendar import BUSINESS_TZ, Period, business_datetime, now
from server.services.core.errors import Conflict, DomainError, InvalidInput
from server.services.core.money import ZERO
from server.services.metering.ingest import READ_TIME
from server.services.metering.meter_picker import KIND_LABELS
from server.services.metering.readings import record_reading
from server.services.metering.usage_rules import describe_flags, quantity_text

SOURCE = "field"
NOTE = "退房结算"


def today() -> date:
    return now().date()


@dataclass(frozen=True)
class MeterToRead:
    """A meter of the account as the move-out form shows it: what it read last."""

    meter_no: str
    kind: str
    digits: int
    last_value: Decimal | None
    last_read_at: datetime | None

    @property
    def kind_label(self) -> str:
        return KIND_LABELS.get(self.kind, self.kind)


@dataclass(frozen=True)
class MoveOutForm:
    """What a move-out starts from: the account, its meters in use, the span a final bill
    on a day would cover from, and whether it has moved out already."""

    account_no: str
    holder_name: str
    billing_mode: str
    meters: tuple[MeterToRead, ...]
    last_period: str
    covers_from: date
    moved_out_on: date | None
    balance: Decimal
    deposit: Decimal


@dataclass(frozen=True)
class Settlement:
    """What stands between the account and its closing, on a day."""

    open_bills: tuple[OpenItem, ...]
    # Principal and late fee of the open bills.
    owed: Decimal
    balance: Decimal
    deposit: Decimal

    @property
    def to_pay(self) -> Decimal:
        """What the holder pays to settle: the open bills and a prepaid balance below 0."""
        return self.owed + max(-self.balance, ZERO)

    @property
    def refundable(self) -> Decimal:
        return max(self.balance, ZERO) if not self.owed else ZERO

    @property
    def settled(self) -> bool:
        return not self.owed and not self.balance and not self.deposit

    def as_json(self) -> dict[str, Any]:
        return {
            "open_bills": [
                {"bill_id": b.bill_id, "period": b.period, "description": b.description,
                 "open": str(b.open), "late_fee": str(b.late_fee)}
                for b in self.open_bills
            ],
            "owed": str(self.owed),
            "balance": str(self.balance),
            "deposit": str(self.deposit),
            "to_pay": str(self.to_pay),
            "refundable": str(self.refundable),
        }  # fmt: skip


@dataclass(frozen=True)
class FinalLine:
    kind: str
    component: str
    usage: Decimal
    amount: Decimal
    # 按日折算 15/31 天, a tariff's segment…
    note: str


@dataclass(frozen=True)
class MoveOutResult:
    account_no: str
    holder_name: str
    moved_out_on: date
    bill_id: int
    period: str
    covers_from: date
    covers_to: date
    meters: tuple[BillMeterView, ...]
    lines: tuple[FinalLine, ...]
    total: Decimal
    deposit_released: Decimal
    settlement: Settlement

    def as_json(self) -> dict[str, Any]:
        return {
            "account_no": self.account_no,
            "moved_out_on": self.moved_out_on.isoformat(),
            "bill_id": self.bill_id,
            "period": self.period,
            "covers_from": self.covers_from.isoformat(),
            "covers_to": self.covers_to.isoformat(),
            "meters": [
                {"meter_no": m.meter_no, "prev": quantity_text(m.prev),
                 "curr": quantity_text(m.curr), "usage": quantity_text(m.usage)}
                for m in self.meters
            ],
            "lines": [
                {"kind": x.kind, "component": x.component, "usage": quantity_text(x.usage),
                 "amount": str(x.amount), "note": x.note}
                for x in self.lines
            ],
            "total": str(self.total),
            "deposit_released": str(self.deposit_released),
            **self.settlement.as_json(),
        }  # fmt: skip


def _last_period(session: Session, account_id: int) -> str:
    """The account's last billed month ('' if never billed): a final bill starts after it."""
    return (
        session.scalar(
            select(Bill.period)
            .where(
                Bill.account_id == account_id,
                Bill.kind.in_((REGULAR, FINAL)),
                Bill.status != BILL_VOID,
            )
            .order_by(Bill.period.desc())
            .limit(1)
        )
        or ""
    )


def _covers_from(session: Session, account: Account, last_period: str, at: date) -> date:
    """The first day a final bill on day `at` covers: the day after the last billed period.

    An account never billed starts where its meters were last read before `at`: the month
    after that reading's month (it ended a period as a billed reading would), or the
    reading's own day when it falls in `at`'s month — and not before the account's opening
    day, unless the account was entered in the system only after `at` (data brought in
    after the fact). With no reading either, the opening day or the first of `at`'s month.
    """
    if last_period:
        return Period.parse(last_period).shift(1).first_day
    opened = account.created_at.astimezone(BUSINESS_TZ).date()
    start = opened if opened <= at else Period.of(at).first_day
    last_read = session.scalar(
        select(func.max(Reading.read_at))
        .join(Meter, Meter.id == Reading.meter_id)
        .where(
            Meter.account_id == account.id,
            Meter.status == METER_ACTIVE,
            Reading.status == ACCEPTED,
            Reading.source != "estimate",
            Reading.read_at < business_datetime(at, time(0)),
        )
    )
    if last_read is None:
        return start
    day = last_read.astimezone(BUSINESS_TZ).date()
    read_from = day if Period.of(day) == Period.of(at) else Period.of(day).shift(1).first_day
    return max(read_from, opened) if opened <= at else read_from


def _meters(session: Session, account_id: int) -> list[Meter]:
    return list(
        session.scalars(
            select(Meter)
            .where(Meter.account_id == account_id, Meter.status == METER_ACTIVE)
            .order_by(Meter.meter_no)
        )
    )


def move_out_form(session: Session, account_no: str, on: date | None = None) -> MoveOutForm:
    """The account's meters with their last readings, and where a move-out on day `on`
    (today) would start its final bill."""
    account = account_by_no(session, account_no)
    last_period = _last_period(session, account.id)
    meters = []
    for meter in _meters(session, account.id):
        last = session.execute(
            select(Reading.value, Reading.read_at)
            .where(Reading.meter_id == meter.id, Reading.status == ACCEPTED)
            .order_by(Reading.read_at.desc(), Reading.id.desc())
            .limit(1)
        ).first()
        meters.append(
            MeterToRead(
                meter.meter_no,
                meter.kind,
                meter.digits,
                last[0] if last else None,
                last[1].astimezone(BUSINESS_TZ) if last else None,
            )
        )
    return MoveOutForm(
        account_no=account.account_no,
        holder_name=account.holder_name,
        billing_mode=account.billing_mode,
        meters=tuple(meters),
        last_period=last_period,
        covers_from=_covers_from(session, account, last_period, on or today()),
        moved_out_on=account.moved_out_on,
        balance=account.balance,
        deposit=account.deposit,
    )


def settlement(session: Session, account_no: str, on: date | None = None) -> Settlement:
    """What the account owes, holds and may have refunded on day `on` (today)."""
    session.flush()
    account = account_by_no(session, account_no)
    session.refresh(account)
    items = open_items(session, account.id, on or today())
    return Settlement(items, amount_owed(items), account.balance, account.deposit)


def _check_readings(account: Account, meters: list[Meter], readings: Mapping[str, Decimal]) -> None:
    """Every meter in use has its final reading, and no other meter is named."""
    wanted = {m.meter_no for m in meters}
    if not wanted:
        raise DomainError(f"户号 {account.account_no} 没有在用的表计，无需退房抄表")
    strangers = sorted(set(readings) - wanted)
    if strangers:
        raise InvalidInput(f"表计 {'、'.join(strangers)} 不是户号 {account.account_no} 在用的表计")
    missing = sorted(wanted - set(readings))
    if missing:
        raise InvalidInput(f"户号 {account.account_no} 的表计 {'、'.join(missing)} 缺少退房读数")


def _waive_unpaid_deposit(session: Session, actor: Actor, account_id: int) -> Decimal:
    """A deposit bill still unpaid at move-out is owed no more (it would only be given back
    at once): it is voided by a credit note of its unpaid rest; what was paid on it is held
    and released like any deposit. Returns the amount no longer owed."""
    bills = session.scalars(
        select(Bill)
        .where(Bill.account_id == account_id, Bill.kind == DEPOSIT, Bill.status.in_(OPEN_STATUSES))
        .options(selectinload(Bill.lines))
        .order_by(Bill.id)
    ).all()
    waived = ZERO
    for bill in bills:
        waived += bill.total - (
            session.scalar(select(paid_on_bill()).where(Bill.id == bill.id)) or ZERO
        )
        waive_unpaid_bill(session, actor, bill, "退房结算：押金未缴部分不再收取")
    return waived


def move_out(
    session: Session,
    actor: Actor,
    account_no: str,
    at: date,
    readings: Mapping[str, Decimal],
    *,
    on: date | None = None,
) -> MoveOutResult:
    """退房结算 of `account_no` on day `at` with a final reading per meter in use; `on` is
    today (the business date the settlement's late fees are counted to)."""
    permissions.require(session, actor, "accounts")
    day = on or today()
    account, _, _ = lock_account(session, account_no)
    if not account.active:
        raise Conflict(f"户号 {account.account_no} 已销户，不能退房结算")
    if account.moved_out_on is not None:
        raise Conflict(
            f"户号 {account.account_no} 已于 {account.moved_out_on.isoformat()} 退房结算"
        )
    last_period = _last_period(session, account.id)
    covers_from = _covers_from(session, account, last_period, at)
    if at < covers_from:
        raise InvalidInput(
            f"户号 {account.account_no} 已出 {last_period} 账单，退房日期 {at.isoformat()} "
            f"应不早于 {covers_from.isoformat()}"
        )
    meters = _meters(session, account.id)
    _check_readings(account, meters, readings)
    read_at = business_datetime(at, READ_TIME)
    for meter in meters:
        result = record_reading(
            session, actor, meter.meter_no, readings[meter.meter_no], read_at, SOURCE, note=NOTE
        )
        if result.status == HELD:
            raise DomainError(
                f"户号 {account.account_no} 表计 {meter.meter_no} 的退房读数 "
                f"{quantity_text(result.value)} 待审核（{describe_flags(result.flags)}），"
                "请核实后再退房结算"
            )
    account.moved_out_on = at
    # Written now: issuing the bill re-reads the locked account row.
    session.flush()
    waived = _waive_unpaid_deposit(session, actor, account.id)
    covers = (covers_from, at)
    draft = draft_account_bill(session, account.id, Period.of(at), covers=covers)
    if draft.skipped:
        reasons = "；".join(f"表计 {s.meter_no} {s.label}" for s in draft.skipped)
        raise DomainError(f"户号 {account.account_no} 的退房结算账单不能出：{reasons}")
    bill_id = issue_bill(session, actor, account.id, draft, kind=FINAL, covers=covers)
    # What the deposit leaves after paying what is owed stays on the balance, refundable.
    released = release_deposit(session, account)
    audit.record(
        session, actor, "account.move_out", "account", account.id,
        {"account_no": account.account_no, "moved_out_on": at.isoformat(),
         "bill_id": bill_id, "total": str(draft.total), "deposit_released": str(released),
         "deposit_waived": str(waived)},
    )  # fmt: skip
    return _result(session, account, bill_id, released, day)


def _result(
    session: Session, account: Account, bill_id: int, released: Decimal, on: date
) -> MoveOutResult:
    session.flush()
    bill = session.scalars(
        select(Bill)
        .where(Bill.id == bill_id)
        .options(selectinload(Bill.meters), selectinload(Bill.lines))
        .execution_options(populate_existing=True)
    ).one()
    assert bill.covers_from is not None and bill.covers_to is not None
    return MoveOutResult(
        account_no=account.account_no,
        holder_name=account.holder_name,
        moved_out_on=bill.covers_to,
        bill_id=bill.id,
        period=bill.period,
        covers_from=bill.covers_from,
        covers_to=bill.covers_to,
        meters=tuple(
            BillMeterView(m.meter_no, m.kind, m.prev, m.curr, m.usage, m.estimated)
            for m in bill.meters
        ),
        lines=tuple(FinalLine(x.kind, x.component, x.usage, x.amount, x.note) for x in bill.lines),
        total=bill.total,
        deposit_released=released,
        settlement=settlement(session, account.account_no, on),
    )


def moved_out(session: Session, account_no: str, on: date | None = None) -> MoveOutResult:
    """The move-out of an account that has moved out, as it stands on day `on` (today): its
    final bill, the deposit it released and what is still owed or refundable, for finishing
    a move-out left half-way."""
    account = account_by_no(session, account_no)
    if account.moved_out_on is None:
        raise Conflict(f"户号 {account.account_no} 尚未退房结算")
    bill_id = session.scalar(
        select(Bill.id)
        .where(Bill.account_id == account.id, Bill.kind == FINAL, Bill.status != BILL_VOID)
        .order_by(Bill.id.desc())
        .limit(1)
    )
    if bill_id is None:
        raise DomainError(f"户号 {account.account_no} 的退房结算账单已作废")
    released = session.scalar(
        select(func.coalesce(-func.sum(DepositLedgerEntry.amount), ZERO)).where(
            DepositLedgerEntry.account_id == account.id, DepositLedgerEntry.kind == "released"
        )
    )
    return _result(session, account, bill_id, released or ZERO, on or today())


def preview_move_out(
    session: Session,
    actor: Actor,
    account_no: str,
    at: date,
    readings: Mapping[str, Decimal],
    *,
    on: date | None = None,
) -> MoveOutResult:
    """What `move_out` would do, done and undone (a savepoint rolled back): the final bill
    and the settlement a move-out wizard shows before it is confirmed, priced by the very
    path that will issue it."""
    nested = session.begin_nested()
    try:
        return move_out(session, actor, account_no, at, readings, on=on)
    finally:
        nested.rollback()
