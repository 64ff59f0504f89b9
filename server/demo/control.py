"""The demo's 费控: class thresholds, a few prepaid accounts run out, a lab under 保电, and a
simulated building gateway the demo's prepaid meters answer on.

`seed_control` (run by `demo.data` for `meterdesk demo` and `demo-data`) goes through the
real services under the demo's clock: a manager sets the classes' cut-off / warning
thresholds and grace periods (POLICIES), a few prepaid accounts of the first campus are
drawn down below their class's cut-off by a debit (调账) — as a month's use would — the
evening before, the policy job's run warns them that evening, one more runs out an hour ago
(warned on the next run), and a lab is marked 保电 (its meter's own 保电 queued). So the
费控 page's policy preview, in office hours on a working day, offers three switch-offs, one
warning and the lab left alone.

`demo_gateway_meters` + `start_demo_gateway` play every active prepaid account's meters on
one loopback bus (`MixedBusServer`), relays and valves as last read back, 保电 as the meter
last said, answering the demo control password; `control_environment` points `[control]
ports` of every building with prepaid accounts at it for the demo's serve and desktop.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from devices.registers import Edition
from devices.simulators import SimulatedElectricityMeter, SimulatedMeter, SimulatedWaterMeter
from server.db.models import Account, Building, Campus, CustomerClass, Meter, MeterSwitchState
from server.db.models.accounts import PREPAID
from server.db.models.control import OFF
from server.db.models.metering import METER_ACTIVE, WATER
from server.demo import catalog
from server.demo.bench import ADDRESS_DIGITS, MixedBusServer
from server.demo.clock import simulated_clock
from server.services.billing.adjustments import adjust_account
from server.services.control.policy import run_control_policy, set_class_policy
from server.services.control.protection import set_protection
from server.services.core.audit import Actor
from server.services.core.calendar import BUSINESS_TZ
from server.services.core.calendar import now as calendar_now
from server.services.residents.control_warnings import notify_warning
from server.services.staff.sign_in import staff_identity

# DL/T 645's password the demo's meters take: level 02, then 123456.
DEMO_CONTROL_PASSWORD = "02123456"
# class → (cut off below, warn below, grace hours)
POLICIES = {
    catalog.RESIDENT: (Decimal("10.00"), Decimal("30.00"), 12),
    catalog.DORMITORY: (Decimal("5.00"), Decimal("20.00"), 12),
    catalog.UNIT: (Decimal("50.00"), Decimal("200.00"), 24),
}
# Balances the run-out accounts are drawn down to: the lowest-balance accounts of the first
# campus of each class, in order (the evening before), then the next resident (an hour ago).
RUN_OUT = ((catalog.RESIDENT, Decimal("6.40")), (catalog.DORMITORY, Decimal("3.20")),
           (catalog.DORMITORY, Decimal("1.50")))  # fmt: skip
LATE = (catalog.RESIDENT, Decimal("7.80"))
LAB = (catalog.UNIT, Decimal("30.00"))
LAB_REASON = "实验室：冰箱存放样品"
DRAWN_REASON = "演示：本月用电用水已将预付余额用尽"
# The policy job's evening run that warned them.
WARNED_AT = time(18, 30)


@dataclass(frozen=True)
class ControlSeed:
    """What `seed_control` did: account numbers by what the policy makes of them."""

    run_out: tuple[str, ...]
    late: str | None
    lab: str | None
    warned_at: datetime


def _lowest(session: Session, campus: str, class_code: str, taken: set[str]) -> str | None:
    """The campus's prepaid account of the class with the least balance, not yet taken."""
    return session.scalar(
        select(Account.account_no)
        .join(CustomerClass, CustomerClass.id == Account.customer_class_id)
        .join(Building, Building.id == Account.building_id)
        .join(Campus, Campus.id == Building.campus_id)
        .where(
            Account.billing_mode == PREPAID,
            Account.active,
            CustomerClass.code == class_code,
            Campus.name == campus,
            Account.account_no.not_in(taken),
        )
        .order_by(Account.balance, Account.account_no)
        .limit(1)
    )


def _draw_down(session: Session, manager: Actor, account_no: str, to: Decimal) -> None:
    balance = session.scalar(select(Account.balance).where(Account.account_no == account_no))
    assert balance is not None
    if balance > to:
        adjust_account(session, manager, account_no, balance - to, DRAWN_REASON,
                       approval_limit=None, approver=None)  # fmt: skip


def seed_control(session: Session, now: datetime) -> ControlSeed:
    """The demo's 费控 as of `now` (see the module doc); in the caller's transaction."""
    code, campus = catalog.CAMPUSES[0][:2]
    manager = staff_identity(session, f"manager_{code.lower()}").actor
    local = now.astimezone(BUSINESS_TZ)
    evening = datetime.combine(local.date() - timedelta(days=1), WARNED_AT, BUSINESS_TZ)
    taken: set[str] = set()
    run_out: list[str] = []
    late = lab = None
    with simulated_clock(session) as set_now:
        set_now(evening - timedelta(days=1))
        for class_code, (cutoff, warn, grace) in POLICIES.items():
            set_class_policy(session, manager, class_code, cutoff_below=cutoff,
                             warn_below=warn, grace_hours=grace)  # fmt: skip
        lab = _lowest(session, campus, LAB[0], taken)
        if lab is not None:
            taken.add(lab)
            set_protection(session, manager, protected=True, reason=LAB_REASON,
                           now=evening - timedelta(days=1), account_no=lab)  # fmt: skip
        set_now(evening - timedelta(minutes=30))
        for class_code, to in (*RUN_OUT, LAB):
            account_no = (
                lab if class_code == LAB[0] else _lowest(session, campus, class_code, taken)
            )
            if account_no is None:
                continue
            taken.add(account_no)
            if account_no != lab:
                run_out.append(account_no)
            _draw_down(session, manager, account_no, to)
        set_now(evening)
        run_control_policy(session, evening, actor=Actor.system("定时任务"), apply=True,
                           notify=notify_warning)  # fmt: skip
        set_now(now - timedelta(hours=1))
        late = _lowest(session, campus, LATE[0], taken)
        if late is not None:
            _draw_down(session, manager, late, LATE[1])
    return ControlSeed(tuple(run_out), late, lab, evening)


@dataclass(frozen=True)
class GatewayMeter:
    """A demo prepaid meter as the gateway plays it."""

    kind: str
    meter_no: str
    address: str
    on: bool  # relay closed / valve open, as last read back (on if never read)
    held: bool


def demo_gateway_meters(session: Session) -> tuple[tuple[GatewayMeter, ...], tuple[str, ...]]:
    """Every active prepaid account's meter with a comm address that fits its protocol,
    and the buildings they are in ("校区/楼名", for `control_environment`)."""
    rows = session.execute(
        select(
            Meter.kind,
            Meter.meter_no,
            Meter.hardware_no,
            MeterSwitchState.state,
            MeterSwitchState.held,
            Campus.name,
            Building.name,
        )
        .join(Account, Account.id == Meter.account_id)
        .join(Building, Building.id == Account.building_id)
        .join(Campus, Campus.id == Building.campus_id)
        .outerjoin(MeterSwitchState, MeterSwitchState.meter_id == Meter.id)
        .where(
            Account.billing_mode == PREPAID,
            Account.active,
            Meter.status == METER_ACTIVE,
            Meter.hardware_no.regexp_match("^[0-9]+$"),
        )
        .order_by(Meter.meter_no)
    ).all()
    meters = []
    places: set[str] = set()
    for kind, meter_no, hardware_no, state, held, campus, building in rows:
        digits = ADDRESS_DIGITS[kind]
        if hardware_no is None or len(hardware_no) > digits:
            continue
        meters.append(
            GatewayMeter(kind, meter_no, hardware_no.zfill(digits), state != OFF, bool(held))
        )
        places.add(f"{campus}/{building}")
    return tuple(meters), tuple(sorted(places))


def _simulated(meter: GatewayMeter, clock: Callable[[], datetime]) -> SimulatedMeter:
    if meter.kind == WATER:
        return SimulatedWaterMeter(meter.address, valve_open=meter.on)
    return SimulatedElectricityMeter(
        meter.address, Edition.V2007, password=DEMO_CONTROL_PASSWORD, relay_closed=meter.on,
        held=meter.held,
        # A meter keeps business time on a clock that knows no zone.
        clock=lambda: clock().astimezone(BUSINESS_TZ).replace(tzinfo=None),
    )  # fmt: skip


def start_demo_gateway(
    meters: Sequence[GatewayMeter], clock: Callable[[], datetime] = calendar_now
) -> MixedBusServer:
    """The building gateway (socket://127.0.0.1:PORT), started, its meters' clocks set by
    `clock`; the caller stops it."""
    if not meters:
        raise ValueError("没有可远程通断的演示预付费表计")
    server = MixedBusServer([_simulated(m, clock) for m in meters])
    server.start()
    return server


def control_environment(url: str, places: Sequence[str]) -> dict[str, str]:
    """The [control] settings (MD_ environment variables) that send every building's
    commands to the gateway at `url` with the demo control password."""
    return {
        "MD_CONTROL_PORTS": "; ".join(f"{place}={url}" for place in places),
        "MD_CONTROL_PASSWORD": DEMO_CONTROL_PASSWORD,
    }
