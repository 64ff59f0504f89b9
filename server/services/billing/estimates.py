"""Estimated reads (估抄): what the billing run bills an unread meter on.

With `billing run --estimate`, a meter the run finds unread (no accepted reading in the
period, none held) is billed on its mean monthly usage: `usage_rules.mean_monthly_usage` of
its actual monthly usage over up to the 12 months before the period (the surge rule's
history, estimates excluded; at least 3 months of it), rounded half-up to 2 decimals. The
estimate is written as a reading, source 'estimate' and accepted, dated the period's last
second in business time, at the previous billed figure plus the estimate over the
multiplier (past 10^digits the register wraps), so the bill's usage is reading minus
reading like any other and the next actual reading trues up: its usage is actual minus
the estimated figure, negative when the estimates went too far (a credit, 估抄冲回).

A meter whose last `limit` bills (void ones aside) were all estimated is not estimated
again: it is left out for a visit (连续估抄，需上门抄表). Everything is set-based: the run
hands over all its unread meters at once and gets them back in a few queries and one COPY.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from decimal import ROUND_HALF_UP, Decimal

from sqlalchemy import text
from sqlalchemy.orm import Session

from server.config import Settings
from server.db.bulk import allocate_ids, copy_rows
from server.db.models.metering import ACCEPTED
from server.services.core.calendar import Period
from server.services.core.errors import InvalidInput
from server.services.metering.ingest import ESTIMATE, monthly_usage_histories
from server.services.metering.usage_rules import QUANTITY, mean_monthly_usage, quantity_text

NO_HISTORY = "no_history"
ESTIMATE_LIMIT = "estimate_limit"
# The reasons an unread meter is still left out, as the run's skipped list shows them.
REASONS = {NO_HISTORY: "历史不足3个月", ESTIMATE_LIMIT: "连续估抄，需上门抄表"}

CENT = Decimal("0.01")


def estimate_by_default(settings: Settings) -> bool:
    """The `billing.estimate` setting: whether a run estimates unless told otherwise."""
    return settings.flag("billing", "estimate")


def estimate_limit(settings: Settings) -> int:
    """The `billing.estimate_limit` setting: estimated bills in a row before a visit."""
    value = settings.get("billing", "estimate_limit").strip()
    if not value.isdigit():
        raise InvalidInput(f"设置 billing.estimate_limit 应为不小于 0 的整数，收到「{value}」")
    return int(value)


@dataclass(frozen=True)
class EstimatedMeter:
    meter_no: str
    usage: Decimal  # the mean monthly usage billed, 2 decimals
    value: Decimal  # the estimated reading written

    def as_json(self) -> dict[str, str]:
        return {
            "meter_no": self.meter_no,
            "usage": quantity_text(self.usage),
            "reading": quantity_text(self.value),
        }


@dataclass(frozen=True)
class Estimates:
    """What became of the run's unread meters: `rows` are their candidate rows completed
    with the estimated reading (for the run to bill), `skipped` (meter_no, reason) the rest."""

    rows: list[tuple]
    estimated: list[EstimatedMeter]
    skipped: list[tuple[str, str]]


# Per meter, its bills (void ones aside) written after its last actual one: its latest
# bills, all estimated. The latest bill is the one written last, as for the run's previous
# reading; the index on (meter_id, id) finds the last actual one reading back from the
# newest and the estimated ones after it, without reading every bill of the meter.
_ESTIMATED_IN_A_ROW = """
    select m.id, count(bm.id)
    from unnest(cast(:ids as integer[])) as m(id)
    cross join lateral (
        select coalesce(max(x.id), 0) as id from bill_meter x join bill y on y.id = x.bill_id
        where x.meter_id = m.id and not x.estimated and y.status <> 'void') actual
    join bill_meter bm on bm.meter_id = m.id and bm.id > actual.id
    join bill b on b.id = bm.bill_id and b.status <> 'void'
    group by m.id
"""


def estimated_in_a_row(session: Session, meter_ids: list[int]) -> dict[int, int]:
    """How many of each meter's latest bills in a row billed an estimate (meters with none
    left out); at `estimate_limit` the meter needs a visit."""
    rows = session.execute(text(_ESTIMATED_IN_A_ROW), {"ids": meter_ids})
    return {meter_id: count for meter_id, count in rows}


def estimated_value(prev: Decimal, usage: Decimal, digits: int, multiplier: Decimal) -> Decimal:
    """The register's figure `usage` after `prev`: 3 decimals, wrapping at 10^digits."""
    value = (prev + usage / multiplier).quantize(QUANTITY, rounding=ROUND_HALF_UP)
    span = Decimal(10) ** digits
    return value - span if value >= span else value


def estimate_unread(
    session: Session, staff_id: int | None, period: Period, unread: list[tuple], limit: int
) -> Estimates:
    """Estimate the run's unread meters, writing their estimated readings.

    `unread` holds candidate rows as the run's query returns them, whose meter has no
    reading in `period`: (meter_id, meter_no, kind, digits, multiplier, account_id,
    blocked, None, None, prev_id, prev, …).
    """
    ids = [row[0] for row in unread]
    histories = monthly_usage_histories(session, ids, period.start)
    in_a_row = estimated_in_a_row(session, ids)
    at_limit = {meter_id for meter_id in ids if in_a_row.get(meter_id, 0) >= limit}
    read_at = period.end - timedelta(seconds=1)
    planned: list[tuple[tuple, Decimal, Decimal]] = []
    skipped: list[tuple[str, str]] = []
    for row in unread:
        meter_id, meter_no, _, digits, multiplier = row[:5]
        prev_id, prev = row[9:11]
        mean = mean_monthly_usage(histories.get(meter_id, []))
        if mean is None or prev_id is None:
            skipped.append((meter_no, NO_HISTORY))
        elif meter_id in at_limit:
            skipped.append((meter_no, ESTIMATE_LIMIT))
        else:
            usage = mean.quantize(CENT, rounding=ROUND_HALF_UP)
            planned.append((row, usage, estimated_value(prev, usage, digits, multiplier)))
    reading_ids = allocate_ids(session, "reading", len(planned))
    copy_rows(
        session,
        "reading",
        ("id", "meter_id", "value", "read_at", "source", "status", "flags", "previous_id",
         "staff_id", "note", "review_note"),
        (
            (reading_id, row[0], value, read_at, ESTIMATE, ACCEPTED, "{}", row[9], staff_id,
             f"{period} 估抄：月均用量 {usage}", "")
            for reading_id, (row, usage, value) in zip(reading_ids, planned, strict=True)
        ),
    )  # fmt: skip
    rows = [
        (*row[:7], reading_id, value, *row[9:11], True, *row[12:])
        for reading_id, (row, _, value) in zip(reading_ids, planned, strict=True)
    ]
    estimated = [EstimatedMeter(row[1], usage, value) for row, usage, value in planned]
    return Estimates(rows, estimated, skipped)
