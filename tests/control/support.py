"""A simulated building for 费控 tests: prepaid accounts on 1号楼 whose electricity meters
sit on one RS-485 bus behind a serial-to-TCP gateway (SimulatorServer on a real socket)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from decimal import Decimal as D

from sqlalchemy.orm import Session

from server.services.control.policy import set_class_policy
from server.services.core.audit import Actor
from server.services.core.calendar import BUSINESS_TZ
from server.services.metering import readings
from server.services.metering.readings import MeterSpec
from tests import factories as f

PASSWORD = "02123456"
# A week with no holiday: Friday 2026-12-04, Monday 2026-12-07.
FRIDAY_EVENING = datetime(2026, 12, 4, 18, 30, tzinfo=BUSINESS_TZ)


def meter_time(clock: Callable[[], datetime]) -> datetime:
    """A meter's clock: business time with no zone."""
    return clock().astimezone(BUSINESS_TZ).replace(tzinfo=None)


def address(n: int) -> str:
    return f"{n:012d}"


def prepaid_with_meter(
    session: Session, account_no: str, n: int, *, balance: str, holder: str = "张三"
) -> int:
    """A prepaid 居民 account on 1号楼 with electricity meter E<n> at comm address n."""
    account_id = f.account(
        session, account_no, billing_mode="prepaid", balance=balance, holder_name=holder
    )
    readings.register_meter(
        session,
        f.ACTOR,
        MeterSpec(
            meter_no=f"E{n:03d}", kind="electricity", digits=6, hardware_no=address(n),
            account_id=account_id,
        ),
    )  # fmt: skip
    return account_id


def resident_policy(session: Session, manager: Actor) -> None:
    """居民: switched off below 10.00 yuan 12 hours after the warning, warned below 30.00."""
    set_class_policy(
        session,
        manager,
        "resident",
        cutoff_below=D("10.00"),
        warn_below=D("30.00"),
        grace_hours=12,
    )
