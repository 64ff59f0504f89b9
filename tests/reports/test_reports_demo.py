"""The demo's master meters (总表): every building's meters under a master per kind, the
masters' readings judged as the reading service judges, and the loss report finding the
leaking buildings by itself."""

from __future__ import annotations

from collections import Counter
from datetime import datetime
from decimal import Decimal as D

from sqlalchemy import func, select

from reports.tables import FLAGGED
from server.db.models import Bill, BillMeter, Meter, Reading
from server.demo.data import generate_demo_data
from server.demo.masters import DIGITS
from server.services.billing.billing_run import run_billing
from server.services.core.calendar import BUSINESS_TZ, Period
from server.services.metering import ingest
from server.services.metering.usage_rules import assess
from server.services.reports import loss_report
from tests import factories as f

NOW = datetime(2026, 11, 16, 10, 30, tzinfo=BUSINESS_TZ)
END = Period.parse("2026-10")  # the last month the demo has billed by NOW


def test_demo_masters_and_their_losses(session):
    summary = generate_demo_data(session, f.ACTOR, accounts=30, seed=7, now=NOW, master_meters=True)
    meters = session.scalars(select(Meter)).all()
    assert summary.meters == len(meters)
    masters = {m.id: m for m in meters if m.account_id is None}
    assert summary.masters == len(masters) >= 2
    assert all(m.meter_no.startswith(("ZE", "ZW")) and m.digits == DIGITS for m in masters.values())
    # Every account meter sits under the master of its building and kind.
    for meter in meters:
        if meter.account_id is not None:
            master = masters[meter.parent_id]
            assert (master.building_id, master.kind) == (meter.building_id, meter.kind)
    assert Counter((m.building_id, m.kind) for m in masters.values()).most_common(1)[0][1] == 1
    # The readings of the load; those with a photo came later, through the services, as
    # did the office's corrections, estimates and move-outs' final readings.
    loaded = (
        select(func.count())
        .select_from(Reading)
        .where(Reading.photo_id.is_(None), Reading.corrects_id.is_(None))
        .where(Reading.source != "estimate", Reading.note != "退房结算")
    )
    assert summary.readings == session.scalar(loaded)

    # The masters' readings carry the flags and usage record_reading would have given them.
    for reading in session.scalars(
        select(Reading).where(Reading.meter_id.in_(masters)).order_by(Reading.read_at)
    ):
        previous = ingest.latest_accepted_before(session, reading.meter_id, reading.read_at)
        history = ingest.monthly_usage_history(session, reading.meter_id, reading.read_at)
        judged = assess(previous.value if previous else None, reading.value, DIGITS, D(1),
                        history)  # fmt: skip
        assert (reading.usage, tuple(reading.flags)) == (judged.usage, judged.flags)
        assert reading.source == "remote" and reading.staff_id is None

    report = loss_report(session, f.ACTOR, END.shift(-11), END)
    rows = report.details
    rate, verdict, threshold = (report.column(t) for t in ("损耗率", "结论", "阈值"))
    assert len(rows) >= len(masters) * 10
    flagged = [r for r in rows if r.style == FLAGGED]
    assert flagged, "a leaking building shows up by itself"
    for row in rows:
        if row.values[rate] is not None:
            assert (row.style == FLAGGED) == (row.values[rate] > row.values[threshold])
            assert row.values[verdict] == ("超限" if row.style == FLAGGED else "正常")
    # Ordinary loss stays within 1–6 % (a month when a sub's held reading is caught up
    # later can stray); a leak is well over.
    ordinary = [r.values[rate] for r in rows if r.style != FLAGGED and r.values[rate]]
    assert sorted(ordinary)[len(ordinary) // 2] < D("0.06")

    # Masters belong to no account: the billing runs left them out.
    billed = session.scalar(select(func.count()).select_from(Bill).where(Bill.period == str(END)))
    assert billed and billed <= summary.accounts
    assert not session.scalar(select(BillMeter.id).where(BillMeter.meter_id.in_(masters)).limit(1))
    assert run_billing(session, f.ACTOR, END).created == 0
