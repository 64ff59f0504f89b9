"""The demo's simulated clock: the services run as if it were a moment of the past year.

The demo replays a year of the centre's work (demo.activity) through the real services,
which read the time in two places: the business clock in Python (`calendar.now`: a till's
day, a binding's deadline, a request's SLA, a self-read's time) and the database
transaction's clock (`now()`: a payment's and its receipt's time, the receipt number's
year, a till's close). Inside `simulated_clock` both answer the moment last set:

- `calendar.now` reads it from the context variable `calendar.SIMULATED_NOW`;
- `now()` in the session's SQL resolves to `md_demo_clock.now()`, which returns it: that
  schema is put before pg_catalog on the transaction's search_path. PostgreSQL re-parses
  a prepared statement when the search_path changes, so none keeps the real clock.

Everything is transaction-local: the schema, the function, the setting and the path are
gone when the block ends (and with a rollback). Column defaults were bound to
pg_catalog.now() when their tables were created, so `created_at` stamps (bills, ledger
entries, audit events) still say when the demo really wrote the row; business dates
(payments, receipts, tills, deadlines, readings) are the simulated ones.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime

from sqlalchemy import text
from sqlalchemy.orm import Session

from server.services.core import calendar

SCHEMA = "md_demo_clock"
_SETTING = "md_demo.now"


@contextmanager
def simulated_clock(session: Session) -> Iterator[Callable[[datetime], None]]:
    """Yield `set_now(moment)`: from then on both clocks say `moment` (timezone-aware)."""
    path = session.scalar(text("select current_setting('search_path')"))
    session.execute(text(f"create schema {SCHEMA}"))
    session.execute(
        text(
            f"create function {SCHEMA}.now() returns timestamptz language sql stable"
            f" as $$ select current_setting('{_SETTING}')::timestamptz $$"
        )
    )

    def set_now(moment: datetime) -> None:
        if moment.tzinfo is None:
            raise ValueError(f"the demo clock needs an aware datetime, got {moment!r}")
        session.execute(
            text("select set_config(:name, :value, true)"),
            {"name": _SETTING, "value": moment.isoformat()},
        )
        calendar.SIMULATED_NOW.set(moment.astimezone(calendar.BUSINESS_TZ))

    token = calendar.SIMULATED_NOW.set(None)
    session.execute(
        text("select set_config('search_path', :path, true)"),
        {"path": f"{SCHEMA}, pg_catalog, {path}"},
    )
    try:
        yield set_now
        session.flush()
        session.execute(text("select set_config('search_path', :path, true)"), {"path": path})
        session.execute(text(f"drop schema {SCHEMA} cascade"))
    finally:
        calendar.SIMULATED_NOW.reset(token)
