"""Master meters (总表) of the demo buildings, so the 总分表平衡 (loss) report has a story.

Every demo building gets a remote-read master meter per kind its meters have, the
building's meters its sub-meters (`Meter.parent_id`, set when they are written). Each
month the master reads what its subs used plus a loss: ordinary line and pipe loss for
most buildings (electricity 1–4 %, water 2–6 %), and in a few buildings a leak (跑冒滴漏)
from some month on (water 12–25 %, electricity 7–10 %), which the loss report flags.

The master's usage is derived from its subs' accepted usage per month (one GROUP BY over
the readings just written), its reading is taken just after the building's last
reading of the month and judged by `usage_rules.assess` as `record_reading` would judge it.
"""

from __future__ import annotations

import random
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from sqlalchemy import text
from sqlalchemy.orm import Session

from server.db.bulk import copy_rows, reserve_ids
from server.db.models.metering import ELECTRICITY, METER_ACTIVE, WATER
from server.services.core.calendar import Period
from server.services.metering.usage_rules import QUANTITY, SURGE_HISTORY_MONTHS, assess

MODELS = {
    ELECTRICITY: "DTSD1552 三相四线电子式电能表（楼栋总表）",
    WATER: "LXL-80 水平螺翼式水表（楼栋总表）",
}
DIGITS = 8
LOCATION = "楼栋总表"
# (low, high) loss rate of an ordinary building, and of a leaking one.
NORMAL_LOSS = {ELECTRICITY: (0.01, 0.04), WATER: (0.02, 0.06)}
LEAK_LOSS = {ELECTRICITY: (0.07, 0.10), WATER: (0.12, 0.25)}
LEAKS_PER_BUILDINGS = 12  # one leaking master in about every 12


@dataclass
class Master:
    id: int
    meter_no: str
    building_id: int
    kind: str
    loss: float
    leak: float = 0.0
    leak_from: int = 0  # index of the first month that leaks


def plan_masters(
    session: Session,
    rng: random.Random,
    wanted: list[tuple[int, str]],
    installed_on: object,
) -> dict[tuple[int, str], Master]:
    """Write a master meter for each (building id, kind) of `wanted`; the plan per key."""
    ids = reserve_ids(session, "meter", len(wanted))
    masters: dict[tuple[int, str], Master] = {}
    for number, ((building_id, kind), meter_id) in enumerate(zip(wanted, ids, strict=True), 1):
        prefix = "ZE" if kind == ELECTRICITY else "ZW"
        masters[building_id, kind] = Master(
            meter_id, f"{prefix}{number:06d}", building_id, kind, rng.uniform(*NORMAL_LOSS[kind])
        )
    leaking = list(masters.values())
    rng.shuffle(leaking)
    for master in leaking[: max(1, len(leaking) // LEAKS_PER_BUILDINGS)]:
        master.leak = rng.uniform(*LEAK_LOSS[master.kind])
    copy_rows(
        session,
        "meter",
        ("id", "meter_no", "kind", "model", "digits", "multiplier", "location", "status",
         "building_id", "installed_on"),
        ((m.id, m.meter_no, m.kind, MODELS[m.kind], DIGITS, 1, LOCATION, METER_ACTIVE,
          m.building_id, installed_on) for m in masters.values()),
    )  # fmt: skip
    return masters


_SUB_USAGE = """
select m.parent_id, to_char(r.read_at at time zone 'Asia/Shanghai', 'YYYY-MM') as period,
       coalesce(sum(r.usage) filter (where r.status = 'accepted'), 0) as usage,
       max(r.read_at) as last_read
from reading r join meter m on m.id = r.meter_id
where m.parent_id is not null
group by 1, 2
"""


def write_master_readings(
    session: Session, rng: random.Random, masters: dict[tuple[int, str], Master],
    periods: list[Period],
) -> int:  # fmt: skip
    """Readings of the masters, month by month from their subs' usage; how many."""
    if not masters:
        return 0
    by_id = {m.id: m for m in masters.values()}
    index = {str(p): i for i, p in enumerate(periods)}
    monthly: dict[int, dict[int, tuple[Decimal, datetime]]] = defaultdict(dict)
    for parent_id, period, usage, last_read in session.execute(text(_SUB_USAGE)):
        if parent_id in by_id and period in index:
            monthly[parent_id][index[period]] = (usage, last_read)
    for master in by_id.values():
        master.leak_from = rng.randint(len(periods) // 2, max(len(periods) // 2, len(periods) - 1))
    total = sum(len(months) for months in monthly.values())
    ids = iter(reserve_ids(session, "reading", total))
    rows = []
    span = Decimal(10) ** DIGITS
    for master_id, months in monthly.items():
        master = by_id[master_id]
        value = Decimal(rng.randrange(10**DIGITS // 20)).quantize(QUANTITY)
        previous: tuple[int, Decimal] | None = None
        history: list[Decimal] = []
        for month in sorted(months):
            sub_usage, last_read = months[month]
            loss = master.leak if master.leak and month >= master.leak_from else master.loss
            if previous is not None:
                # Subs' usage is the master's less the loss: master = subs / (1 − loss).
                used = (sub_usage / Decimal(str(1 - loss))).quantize(QUANTITY)
                value = (value + used) % span
            judged = assess(previous[1] if previous else None, value, DIGITS, Decimal(1),
                            history[-SURGE_HISTORY_MONTHS:])  # fmt: skip
            reading_id = next(ids)
            flags = "{" + ",".join(judged.flags) + "}"
            status = "held" if judged.held else "accepted"
            rows.append(
                (reading_id, master.id, value, last_read + timedelta(seconds=30), "remote", status,
                 flags, judged.usage, previous[0] if previous else None, None, "", "")
            )  # fmt: skip
            if not judged.held:
                previous = (reading_id, value)
                if judged.usage is not None:
                    history.append(judged.usage)
    copy_rows(
        session,
        "reading",
        ("id", "meter_id", "value", "read_at", "source", "status", "flags", "usage",
         "previous_id", "staff_id", "note", "review_note"),
        rows,
    )  # fmt: skip
    return len(rows)
