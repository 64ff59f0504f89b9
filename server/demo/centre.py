"""The demo centre being replayed (demo.activity): what the replay's parts share.

The demo accounts, the staff who serve them, the moment the replay runs up to, the
working-day calendar and the simulated clock's setter; demo.counter (bills and payments)
and demo.residents (the WeChat side) work on it.
"""

from __future__ import annotations

import random
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal

from sqlalchemy.orm import Session

from server.demo import catalog
from server.demo.load import Progress
from server.services.core.calendar import Period
from server.services.core.workdays import WorkCalendar
from server.services.staff.sign_in import staff_identity

BILLED_MONTHS = 12


@dataclass(frozen=True)
class DemoAccount:
    """What the replay needs of a demo account."""

    account_id: int
    account_no: str
    holder_name: str
    class_code: str
    campus: int  # index into catalog.CAMPUSES
    building_id: int
    billing_mode: str
    mobile: str


@dataclass(frozen=True)
class Miskey:
    """A reading keyed over the dial by `over` (demo.readings), billed in `period` and
    corrected after (demo.corrections)."""

    meter_no: str
    period: Period
    over: Decimal


@dataclass(order=True)
class Visit:
    """Someone coming to a counter on a day: to pay their bills or top up."""

    minute: int
    account: int = field(compare=False)  # index into the accounts
    top_up: bool = field(default=False, compare=False)


class Centre:
    """The accounts, staff, moment and calendar of one replay."""

    def __init__(
        self,
        session: Session,
        rng: random.Random,
        accounts: Sequence[DemoAccount],
        periods: Sequence[Period],
        moment: datetime,
        progress: Progress,
        miskeys: Sequence[Miskey] = (),
        estimate_in: Period | None = None,
    ):
        self.session = session
        self.rng = rng
        self.accounts = list(accounts)
        self.moment = moment
        self.today = moment.date()
        self.report = progress
        self.miskeys = tuple(miskeys)
        # The month whose billing run estimates the unread meters (估抄).
        self.estimate_in = estimate_in
        # Months with a month of readings before them, complete by now: the last 12.
        complete = [p for p in periods[1:] if p.end + timedelta(minutes=2) <= moment]
        self.billed = complete[-BILLED_MONTHS:]
        self.work = WorkCalendar({})
        codes = [code for code, *_ in catalog.CAMPUSES]
        self.codes = codes
        self.clerks = [staff_identity(session, f"clerk_{c.lower()}") for c in codes]
        self.managers = [staff_identity(session, f"manager_{c.lower()}") for c in codes]
        self.readers = [staff_identity(session, f"reader_{c.lower()}") for c in codes]
        self.visits: dict[date, list[Visit]] = defaultdict(list)
        self.references = 0
        self.set_now: Callable[[datetime], None] = lambda moment: None
        self.top_ups = 0
        # Other work of a day (demo.corrections): in the office before the counters open,
        # and at a campus's counter while its till is open (the cash it took in, or paid out).
        self.office: dict[date, list[Callable[[], None]]] = defaultdict(list)
        self.at_counter: dict[tuple[date, int], list[Callable[[], Decimal]]] = defaultdict(list)
