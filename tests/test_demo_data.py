"""Demo data: counts by the rules, deterministic, flagged as the reading service flags, billable."""

from collections import Counter, defaultdict
from datetime import date
from decimal import ROUND_HALF_UP
from decimal import Decimal as D

import pytest
from sqlalchemy import create_engine, func, select
from sqlalchemy.orm import Session

from server.db.models import (
    Account,
    AccountLedgerEntry,
    AuditEvent,
    Bill,
    Branch,
    Campus,
    CustomerClass,
    Department,
    Meter,
    MeterReplacement,
    Post,
    Reading,
    Staff,
    Tariff,
)
from server.services import metering
from server.services.auth import authenticate
from server.services.billing import list_bills, run_billing
from server.services.calendar import Period
from server.services.demo_data import DemoSummary, generate_demo_data
from server.services.errors import DomainError
from server.services.usage import LOWER_THAN_PREVIOUS, ROLLOVER, SURGE, assess
from tests import factories as f

END = Period.parse("2026-10")
MONTHS = 13


def generate(session: Session, seed: int = 7) -> DemoSummary:
    return generate_demo_data(
        session, f.ACTOR, accounts=30, seed=seed, months=MONTHS, end_period=END
    )


@pytest.fixture
def demo(session):
    return generate(session)


def count(session, model, *where):
    return session.scalar(select(func.count()).select_from(model).where(*where))


def test_organisation_staff_and_tariffs(session, demo):
    assert count(session, Campus) == count(session, Branch) == 3
    assert set(session.scalars(select(Branch.code))) == {"D", "X", "N"}
    assert set(session.scalars(select(Department.name))) == {
        "收费科",
        "综合办公室",
        "抄表班",
        "信息中心",
    }
    assert set(session.scalars(select(Post.code))) == {"clerk", "manager", "reader", "admin"}
    assert count(session, Staff) == len(demo.staff) == 10
    assert {s.login for s in demo.staff} >= {"admin", "clerk_d", "clerk_x", "clerk_n"}
    tariffs = session.scalars(select(Tariff)).all()
    assert demo.tariffs == len(tariffs) == 6
    assert {(t.kind, t.customer_class_id) for t in tariffs} == {
        (kind, class_id)
        for kind in ("water", "electricity")
        for class_id in session.scalars(select(CustomerClass.id))
    }
    assert {t.effective_from for t in tariffs} == {date(2024, 10, 1)}
    assert count(session, AuditEvent) == 1
    event = session.scalar(select(AuditEvent))
    assert (event.action, event.data["accounts"]) == ("demo.generate", 30)
    assert "admin123" not in str(event.data)


def test_accounts_and_meters_follow_the_rules(session, demo):
    accounts = session.execute(select(Account, CustomerClass.code).join(CustomerClass)).all()
    assert demo.accounts == len(accounts) == 30
    classes = Counter(code for _, code in accounts)
    assert classes == {
        "resident": demo.residents,
        "dormitory": demo.dormitories,
        "unit": demo.units,
    }
    assert min(classes.values()) >= 1
    assert len({a.account_no for a, _ in accounts}) == 30
    for account, _ in accounts:
        assert account.holder_name and len(account.mobile) == 11
        opening = session.scalars(
            select(AccountLedgerEntry.amount).where(AccountLedgerEntry.account_id == account.id)
        ).all()
        if account.billing_mode == "prepaid":
            assert account.balance > 0 and opening == [account.balance]
        else:
            assert account.balance == 0 and opening == []
    assert demo.prepaid == sum(a.billing_mode == "prepaid" for a, _ in accounts)

    meters = session.scalars(select(Meter)).all()
    assert demo.meters == len(meters)
    class_of = {a.id: code for a, code in accounts}
    active = defaultdict(Counter)
    for meter in meters:
        assert 4 <= meter.digits <= 8
        assert meter.multiplier in (1, 30, 50, 80)
        if meter.multiplier != 1:
            assert (class_of[meter.account_id], meter.kind) == ("unit", "electricity")
        if meter.status == "active":
            active[meter.account_id][meter.kind] += 1
    for account_id, code in class_of.items():
        kinds = active[account_id]
        assert 1 <= kinds["electricity"] <= (2 if code == "unit" else 1)
        assert kinds["water"] <= 1
    assert 1.5 <= len(meters) / len(accounts) <= 2.5

    replacements = session.scalars(select(MeterReplacement)).all()
    assert demo.replacements == len(replacements) >= 1
    by_id = {m.id: m for m in meters}
    for r in replacements:
        old, new = by_id[r.old_meter_id], by_id[r.new_meter_id]
        assert (old.status, new.status) == ("replaced", "active")
        assert (old.account_id, old.kind) == (new.account_id, new.kind)
        assert new.installed_on == Period.of(r.replaced_at).first_day


def test_one_reading_a_month_but_for_the_gaps(session, demo):
    readings = session.execute(select(Reading.meter_id, Reading.read_at)).all()
    assert demo.readings == len(readings)
    # A replaced meter's final reading and its successor's initial one are the extra two.
    originals = demo.meters - demo.replacements
    assert demo.unread >= 1
    assert len(readings) == originals * MONTHS + 2 * demo.replacements - demo.unread
    months = {Period.of(at) for _, at in readings}
    assert min(months) == END.shift(1 - MONTHS) and max(months) == END
    per_meter_month = Counter((meter_id, Period.of(at)) for meter_id, at in readings)
    replaced = {r.old_meter_id for r in session.scalars(select(MeterReplacement))}
    renewed = {r.new_meter_id for r in session.scalars(select(MeterReplacement))}
    for (meter_id, _), n in per_meter_month.items():
        assert n == 1 or (n == 2 and meter_id in replaced | renewed)


def test_flags_are_what_record_reading_would_have_written(session, demo):
    """Every reading judged again through the reading service's own queries."""
    meters = {m.id: m for m in session.scalars(select(Meter))}
    readings = session.scalars(select(Reading).order_by(Reading.meter_id, Reading.read_at)).all()
    flagged = Counter()
    for reading in readings:
        meter = meters[reading.meter_id]
        previous = metering.latest_accepted_before(session, meter.id, reading.read_at)
        if reading.source == "initial":  # as replace_meter writes a new meter's first reading
            assert (previous, reading.status, reading.flags, reading.usage) == (
                None,
                "accepted",
                [],
                None,
            )
            continue
        history = metering.monthly_usage_history(session, meter.id, reading.read_at)
        verdict = assess(
            previous.value if previous else None,
            reading.value,
            meter.digits,
            meter.multiplier,
            history,
        )
        assert tuple(reading.flags) == verdict.flags, (meter.meter_no, reading.read_at)
        assert reading.usage == verdict.usage
        assert reading.status == ("held" if verdict.held else "accepted")
        assert reading.previous_id == (previous.id if previous else None)
        assert reading.value < 10**meter.digits
        flagged.update(reading.flags)
    assert flagged == {
        LOWER_THAN_PREVIOUS: demo.held,
        SURGE: demo.surges,
        ROLLOVER: demo.rollovers,
    }
    assert min(demo.held, demo.surges, demo.rollovers) >= 1


def snapshot(session: Session) -> dict[str, list[tuple]]:
    return {
        "accounts": session.execute(
            select(
                Account.account_no,
                Account.holder_name,
                Account.unit,
                Account.room,
                Account.mobile,
                Account.billing_mode,
                Account.balance,
            ).order_by(Account.account_no)
        ).all(),
        "meters": session.execute(
            select(
                Meter.meter_no,
                Meter.hardware_no,
                Account.account_no,
                Meter.kind,
                Meter.digits,
                Meter.multiplier,
                Meter.status,
            )
            .join(Account)
            .order_by(Meter.meter_no)
        ).all(),
        "readings": session.execute(
            select(
                Meter.meter_no,
                Reading.read_at,
                Reading.value,
                Reading.status,
                Reading.flags,
                Reading.usage,
                Reading.source,
            )
            .join(Meter)
            .order_by(Meter.meter_no, Reading.read_at)
        ).all(),
    }


def test_same_seed_same_data_in_another_database(session, demo, fresh_database_url):
    engine = create_engine(fresh_database_url)
    try:
        with Session(engine) as other:
            again = generate(other)
            assert snapshot(other) == snapshot(session)
            other.rollback()
        assert again.staff == demo.staff
        assert again == demo
    finally:
        engine.dispose()


def test_another_seed_other_data(session, fresh_database_url):
    engine = create_engine(fresh_database_url)
    try:
        with Session(engine) as other:
            generate(other, seed=8)
            theirs = snapshot(other)
        generate(session)
        assert snapshot(session)["readings"] != theirs["readings"]
    finally:
        engine.dispose()


def test_refused_on_a_database_with_accounts(session, demo):
    with pytest.raises(DomainError, match="已有户号"):
        generate(session)


def test_refused_before_writing_anything(session):
    f.account(session)
    with pytest.raises(DomainError, match="只能写入空数据库"):
        generate(session)
    assert count(session, Meter) == 0 and count(session, Staff) == 0


def test_demo_logins_authenticate(session, demo):
    logins = {s.login: s for s in demo.staff}
    admin = authenticate(session, "admin", logins["admin"].password)
    assert (admin.login, admin.post, admin.branch_name) == ("admin", "系统管理员", "")
    clerk = authenticate(session, "clerk_x", logins["clerk_x"].password)
    assert (clerk.post, clerk.department, clerk.branch_name) == ("收费员", "收费科", "西校区分中心")
    assert "clerk_x / clerk123" in demo.describe()


def priced(usage: D, tiers: list[tuple[str, str]]) -> D:
    """Tiered price by hand: each tier takes the part of the usage from its start up."""
    starts = [D(s) for s, _ in tiers] + [None]
    exact = D(0)
    for (start, price), upper in zip(tiers, starts[1:], strict=True):
        top = usage if upper is None else min(usage, upper)
        if top > D(start):
            exact += (top - D(start)) * D(price)
    return exact.quantize(D("0.01"), rounding=ROUND_HALF_UP)


def test_billing_the_last_month(session, demo):
    result = run_billing(session, f.ACTOR, END)
    start, end = END.start, END.end
    # Which accounts have a meter to bill: read in the month, not held, with a previous.
    billable: set[int] = set()
    skipped = set()
    for meter in session.scalars(select(Meter).where(Meter.status == "active")):
        month = session.scalars(
            select(Reading)
            .where(Reading.meter_id == meter.id, Reading.read_at >= start, Reading.read_at < end)
            .order_by(Reading.read_at)
        ).all()
        if any(r.status == "held" for r in month):
            skipped.add((meter.meter_no, "held"))
        elif not month:
            skipped.add((meter.meter_no, "unread"))
        else:
            billable.add(meter.account_id)
    assert result.created == len(billable) == count(session, Bill, Bill.period == str(END))
    assert {(s.meter_no, s.reason) for s in result.skipped} == skipped
    assert set(session.scalars(select(Bill.account_id))) == billable

    # A resident with both meters billed, priced again by hand from the demo's tiers.
    residents = set(
        session.scalars(
            select(Account.account_no).join(CustomerClass).where(CustomerClass.code == "resident")
        )
    )
    sample = next(
        bill
        for bill in list_bills(session, END)
        if bill.account_no in residents
        and {m.kind for m in bill.meters} == {"electricity", "water"}
    )
    usage: dict[str, D] = defaultdict(D)
    for m in sample.meters:
        meter = session.scalar(select(Meter).where(Meter.meter_no == m.meter_no))
        before = metering.latest_accepted_before(session, meter.id, start)
        assert m.prev == before.value
        counted = m.curr - m.prev if m.curr >= m.prev else m.curr + 10**meter.digits - m.prev
        usage[m.kind] += counted * meter.multiplier
    electricity = priced(
        usage["electricity"], [("0", "0.5483"), ("230", "0.5983"), ("400", "0.8483")]
    )
    water = priced(usage["water"], [("0", "2.45"), ("15", "3.68"), ("25", "4.90")])
    sewage = priced(usage["water"], [("0", "0.95")])
    assert {line.component: line.amount for line in sample.lines} == {
        "电费": electricity,
        "水费": water,
        "污水处理费": sewage,
    }
    assert sample.total == electricity + water + sewage
    assert run_billing(session, f.ACTOR, END).created == 0


def test_existing_staff_and_tariffs_are_kept(session):
    from server.services.org import create_staff, ensure_department, ensure_post

    create_staff(
        session,
        f.ACTOR,
        login="admin",
        name="真管理员",
        password="s3cret-pass",
        department=ensure_department(session, "it", "信息中心"),
        post=ensure_post(session, "admin", "系统管理员"),
    )
    f.tariff(session, kind="water", customer_class="居民", components={"水费": [("0", "3")]})
    demo = generate(session)
    assert "admin" not in {s.login for s in demo.staff} and len(demo.staff) == 9
    assert authenticate(session, "admin", "s3cret-pass").name == "真管理员"
    assert demo.tariffs == 5 and count(session, Tariff) == 6
