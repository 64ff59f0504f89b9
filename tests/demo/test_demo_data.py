"""Demo data: counts by the rules, deterministic, flagged as the reading service flags, billed
and collected through the services as a centre a year into use, on a fixed clock."""

import io
from collections import Counter, defaultdict
from datetime import date, datetime, time, timedelta
from decimal import ROUND_HALF_UP
from decimal import Decimal as D

import pytest
from PIL import Image
from sqlalchemy import create_engine, func, select
from sqlalchemy.orm import Session

from server.db.models import (
    Account,
    AccountLedgerEntry,
    Allocation,
    AuditEvent,
    Bill,
    BillingRun,
    Branch,
    Campus,
    CustomerClass,
    Department,
    Meter,
    MeterReplacement,
    Payment,
    Post,
    Reading,
    Receipt,
    Staff,
    Tariff,
    TillSession,
)
from server.demo.data import DemoSummary, generate_demo_data
from server.services.billing.billing_run import list_bills, run_billing
from server.services.collection.counter_view import account_panel
from server.services.core.calendar import BUSINESS_TZ, Period
from server.services.core.errors import DomainError
from server.services.metering import ingest as metering
from server.services.metering.review_desk import reading_photo, review_queue
from server.services.metering.usage_rules import LOWER_THAN_PREVIOUS, ROLLOVER, SURGE, assess
from server.services.reports.dashboard import dashboard
from server.services.residents.bindings import bound_accounts, pending_bindings
from server.services.residents.bulletins import notices
from server.services.residents.portal import payment_notice, usage_overview
from server.services.residents.service_requests import SLOTS, request_queue
from server.services.residents.wechat_users import follower
from server.services.staff.sign_in import authenticate, staff_identity
from tests import factories as f

# A Monday morning in office hours; the month under way is read up to now.
NOW = datetime(2026, 11, 16, 10, 30, tzinfo=BUSINESS_TZ)
END = Period.of(NOW)
MONTHS = 14
# The last 12 complete months.
BILLED = [str(END.shift(i - 12)) for i in range(12)]


def generate(session: Session, seed: int = 7) -> DemoSummary:
    return generate_demo_data(session, f.ACTOR, accounts=30, seed=seed, now=NOW, months=MONTHS)


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
    assert {t.effective_from for t in tariffs} == {date(2024, 11, 1)}
    [event] = session.scalars(select(AuditEvent).where(AuditEvent.action == "demo.generate"))
    assert event.data["accounts"] == 30
    assert event.data["activity"]["billed_periods"] == BILLED
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
        ledger = session.execute(
            select(AccountLedgerEntry.kind, AccountLedgerEntry.amount)
            .where(AccountLedgerEntry.account_id == account.id)
            .order_by(AccountLedgerEntry.id)
        ).all()
        # The balance is its ledger: a prepaid account's opening balance first, then bills
        # drawn and top-ups; a postpaid one has no opening balance and never goes below 0.
        assert account.balance == sum((amount for _, amount in ledger), D(0))
        if account.billing_mode == "prepaid":
            assert ledger[0].kind == "opening" and ledger[0].amount > 0
        else:
            assert "opening" not in {kind for kind, _ in ledger} and account.balance >= 0
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
    # The readings with a photo came later, through the reading services (see below).
    readings = session.execute(
        select(Reading.meter_id, Reading.read_at).where(Reading.photo_id.is_(None))
    ).all()
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
    readings = session.scalars(
        select(Reading)
        .where(Reading.photo_id.is_(None))
        .order_by(Reading.meter_id, Reading.read_at)
    ).all()
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
        "receipts": session.execute(
            select(
                Receipt.receipt_no,
                Receipt.account_no,
                Receipt.total,
                Receipt.channel,
                Receipt.issued_at,
                Receipt.clerk,
            ).order_by(Receipt.receipt_no)
        ).all(),
        "bills": session.execute(
            select(Bill.account_no, Bill.period, Bill.total, Bill.status).order_by(
                Bill.account_no, Bill.period
            )
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


def test_the_last_billed_month_as_the_billing_run_priced_it(session, demo):
    last = Period.parse(BILLED[-1])
    [run] = session.scalars(select(BillingRun).where(BillingRun.period == str(last)))
    start, end = last.start, last.end
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
    assert run.created == len(billable) == count(session, Bill, Bill.period == str(last))
    assert {(s["meter_no"], s["reason"]) for s in run.skipped} == skipped
    assert set(session.scalars(select(Bill.account_id).where(Bill.period == str(last)))) == billable

    # A resident with both meters billed, priced again by hand from the demo's tiers.
    residents = set(
        session.scalars(
            select(Account.account_no).join(CustomerClass).where(CustomerClass.code == "resident")
        )
    )
    sample = next(
        bill
        for bill in list_bills(session, last)
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
    assert run_billing(session, f.ACTOR, last).created == 0


def test_existing_staff_and_tariffs_are_kept(session):
    from server.services.staff.org import create_staff, ensure_department, ensure_post

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


# -- the centre in use ------------------------------------------------------------------


def bill_run_moment(period: str) -> datetime:
    """The demo bills a month on the 2nd of the next at 09:00."""
    return datetime.combine(
        Period.parse(period).shift(1).first_day.replace(day=2), time(9), tzinfo=BUSINESS_TZ
    )


def test_twelve_months_billed_and_mostly_paid(session, demo):
    activity = demo.activity
    assert activity.billed_periods == tuple(BILLED)
    assert set(session.scalars(select(Bill.period).distinct())) == set(BILLED)
    # An account is billed every month unless a meter of it was held, unread or replaced.
    read = defaultdict(set)
    gaps = set()
    for meter_id, account_id, read_at, status in session.execute(
        select(Meter.id, Meter.account_id, Reading.read_at, Reading.status)
        .join(Reading, Reading.meter_id == Meter.id)
        .where(Reading.read_at < END.start)
    ):
        read[meter_id, account_id].add(Period.of(read_at))
        if status == "held":
            gaps.add(account_id)
    gaps |= {account_id for (_, account_id), months in read.items() if len(months) < MONTHS - 1}
    periods = defaultdict(list)
    for account_id, period in session.execute(select(Bill.account_id, Bill.period)):
        periods[account_id].append(period)
    steady = [a for a in session.scalars(select(Account.id)) if a not in gaps]
    assert len(steady) >= 20
    for account_id in steady:
        assert sorted(periods[account_id]) == BILLED

    bills = session.execute(
        select(Bill.account_no, Bill.period, Bill.status, Bill.billing_mode)
    ).all()
    assert activity.bills == len(bills)
    arrears = set(activity.arrears_accounts)
    assert len(arrears) == 2 and len(activity.partial_accounts) == 1
    # Everyone but the accounts that stopped paying has paid the first half year in full.
    for account_no, period, status, mode in bills:
        if period in BILLED[:6] and account_no not in arrears:
            assert status == "paid", (account_no, period)
        if mode == "prepaid":
            assert status == "paid"  # drawn from the balance when billed
    open_by_account = Counter(no for no, _, status, _ in bills if status != "paid")
    # Those stopped 3 to 5 bills ago; their last bills are all owed.
    for account_no in arrears:
        assert 3 <= open_by_account[account_no] <= 6
        panel = account_panel(session, account_no)
        assert len(panel.bills) == open_by_account[account_no] and panel.owed > 0
        assert [b.period for b in panel.bills][-3:] == BILLED[-3:]
    assert activity.bills_open == sum(s == "open" for _, _, s, _ in bills)
    assert activity.bills_partial == sum(s == "partial" for _, _, s, _ in bills) >= 1


def test_payments_receipts_and_tills(session, demo):
    activity = demo.activity
    payments = session.execute(
        select(
            Payment.id, Payment.created_at, Payment.amount, Payment.staff_id, Account.campus_id
        ).join(Account, Account.id == Payment.account_id)
    ).all()
    assert activity.payments == len(payments) >= 100
    assert activity.collected == sum(p.amount for p in payments)
    assert count(session, AuditEvent, AuditEvent.action == "payment.take") == len(payments)
    assert count(session, AuditEvent, AuditEvent.action == "billing.run") == 12
    # Each at a counter of its own campus, by that branch's clerk, in office hours, before now.
    clerks = dict(session.execute(select(Staff.id, Staff.login)).all())
    codes = dict(session.execute(select(Campus.id, Campus.code)).all())
    for payment in payments:
        assert clerks[payment.staff_id] == f"clerk_{codes[payment.campus_id].lower()}"
        local = payment.created_at.astimezone(BUSINESS_TZ)
        assert local < NOW and time(8, 30) <= local.time() < time(17)
    # Every share of a payment went to a bill already issued.
    for paid_at, period in session.execute(
        select(Allocation.created_at, Bill.period).join(Bill, Bill.id == Allocation.bill_id)
    ):
        assert paid_at > bill_run_moment(period)
    # Receipt numbers: per branch and year, 1, 2, 3… in the order they were issued.
    numbers = defaultdict(list)
    for receipt_no, issued_at in session.execute(
        select(Receipt.receipt_no, Receipt.issued_at).order_by(Receipt.issued_at, Receipt.id)
    ):
        assert receipt_no[1:5] == str(issued_at.astimezone(BUSINESS_TZ).year)
        numbers[receipt_no[:5]].append(int(receipt_no[5:]))
    assert {key[0] for key in numbers} == {"D", "X", "N"}
    for sequence in numbers.values():
        assert sequence == list(range(1, len(sequence) + 1))
    # Past days are settled to the fen; today's tills (one a branch) are open.
    tills = session.scalars(select(TillSession)).all()
    assert activity.tills == len(tills)
    for till in tills:
        if till.business_date < NOW.date():
            assert till.closed_at is not None and till.over_short == 0
            assert till.closed_at.astimezone(BUSINESS_TZ).date() == till.business_date
        else:
            assert till.business_date == NOW.date() and till.closed_at is None
    assert sum(t.closed_at is None for t in tills) == 3
    # Today's receipts at each branch, a handful at least.
    assert [d.branch for d in activity.today] == ["东校区分中心", "南校区分中心", "西校区分中心"]
    assert all(d.receipts >= 4 and d.amount > 0 for d in activity.today)
    # Prepaid accounts topped up at the counter and are in credit.
    top_ups = session.scalars(
        select(Account.balance)
        .join(AccountLedgerEntry, AccountLedgerEntry.account_id == Account.id)
        .where(Account.billing_mode == "prepaid", AccountLedgerEntry.kind == "payment")
        .distinct()
    ).all()
    assert activity.top_ups >= 1 and top_ups and any(b > 0 for b in top_ups)


def test_the_dashboard_and_counter_of_the_day(session, demo):
    activity = demo.activity
    manager = staff_identity(session, "manager_d").actor
    board = dashboard(session, manager, NOW)
    assert board.period == BILLED[-1]
    assert board.today_total == sum(d.amount for d in activity.today) > 0
    assert {f.label: (f.count, f.amount) for f in board.today_by_branch} == {
        d.branch: (d.receipts, d.amount) for d in activity.today
    }
    assert (
        board.month_billed
        == session.scalar(select(func.sum(Bill.total)).where(Bill.period == BILLED[-1]))
        > 0
    )
    assert board.arrears == activity.arrears > 0
    assert board.arrears_accounts >= len(activity.arrears_accounts)
    assert (board.bindings_pending, board.bindings_overdue) == (4, 2)
    assert (board.requests_open, board.requests_overdue) == (4, 2)
    assert board.readings_held == count(session, Reading, Reading.status == "held")


def test_readings_waiting_for_review_with_photos(session, demo):
    queued = [r for r in review_queue(session) if r.photo_id is not None]
    assert demo.activity.photo_reviews == len(queued) == 4
    assert Counter(r.source for r in queued) == {"self": 2, "field": 2}
    for reading in queued:
        assert reading.read_at < NOW
        image = Image.open(io.BytesIO(reading_photo(session, reading.photo_id)))
        assert (image.format, image.size) == ("JPEG", (640, 420))
        if reading.source == "field":
            # A figure below the last one: held by the rule, the photo shows the dial.
            assert LOWER_THAN_PREVIOUS in reading.flags and reading.value < reading.previous


def test_bindings_requests_and_notices(session, demo):
    pending = pending_bindings(session)
    assert len(pending) == 4
    assert [b.overdue(NOW) for b in pending] == [True, True, False, False]
    assert [b.matched for b in pending].count(False) == 1
    requests = request_queue(session, include_answered=True)
    assert Counter(r.status for r in requests) == {"open": 4, "answered": 2}
    assert sum(r.status == "open" and r.due_at < NOW for r in requests) == 2
    assert {r.kind for r in requests} == {"visit", "service", "complaint", "energy", "fault"}
    for visit in (r for r in requests if r.kind == "visit"):
        day, slot = visit.slot.split(" ", 1)
        assert date.fromisoformat(day) > NOW.date() - timedelta(days=7) and slot in SLOTS
    published = notices(session)
    assert Counter(n.kind for n in published) == {
        "faq": 3, "contact": 1, "tips": 2, "info": 1, "outage": 1,
    }  # fmt: skip
    contacts = next(n for n in published if n.kind == "contact")
    assert "0571-88202002" in contacts.body and "西校区综合楼102室" in contacts.body


def test_bound_residents_see_their_usage_and_payments(session, demo):
    assert [openid for openid, _ in demo.activity.bound] == [
        "o-demo-resident-1", "o-demo-resident-2",
    ]  # fmt: skip
    for openid, account_no in demo.activity.bound:
        resident = follower(session, openid)
        [account] = bound_accounts(session, resident.user_id)
        assert account.account_no == account_no
        overview = usage_overview(session, account, NOW.date())
        billed = [m for m in overview.months if m.billed > 0]
        # The H5 page shows the 12 months up to this one; 11 of them are billed.
        assert [m.period for m in billed] == BILLED[1:]
        assert all(m.electricity > 0 for m in billed)
        assert overview.payments
    # The first has yet to pay the latest bill: one to pay on the phone.
    first = follower(session, "o-demo-resident-1")
    [account] = bound_accounts(session, first.user_id)
    owed = payment_notice(session, account, NOW.date())
    assert BILLED[-1] in {item.period for item in owed.items} and owed.owed > 0
