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
    Adjustment,
    Allocation,
    AuditEvent,
    Bill,
    BillingRun,
    BillMeter,
    Branch,
    Campus,
    CreditNote,
    CustomerClass,
    Department,
    DepositLedgerEntry,
    Meter,
    MeterReplacement,
    Payment,
    Post,
    Reading,
    Receipt,
    Refund,
    Reminder,
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
from server.services.residents import reminders
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
    # The demo's six, and the two the office added with the class 商户 in January 2026.
    assert demo.tariffs == 6 and len(tariffs) == 8
    assert {(t.kind, t.customer_class_id) for t in tariffs} == {
        (kind, class_id)
        for kind in ("water", "electricity")
        for class_id in session.scalars(select(CustomerClass.id))
    }
    assert {t.effective_from for t in tariffs} == {date(2024, 11, 1), date(2026, 1, 1)}
    [event] = session.scalars(select(AuditEvent).where(AuditEvent.action == "demo.generate"))
    assert event.data["accounts"] == 30
    assert event.data["activity"]["billed_periods"] == BILLED
    assert "admin123" not in str(event.data)


def test_accounts_and_meters_follow_the_rules(session, demo):
    everyone = session.execute(select(Account, CustomerClass.code).join(CustomerClass)).all()
    # The two shops came later, through the services (test_shops_deposits_and_moves).
    accounts = [(a, code) for a, code in everyone if code != "shop"]
    assert demo.accounts == len(accounts) == 30 and len(everyone) == 32
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
    # The household that moved out left its meters to the shop that moved in.
    moved = session.scalar(select(Account.id).where(Account.account_no == "11000001"))
    shop = session.scalar(select(Account.id).where(Account.account_no == "14000001"))
    assert active[moved] == {} and active[shop] == {"electricity": 1, "water": 1}
    active[moved] = active.pop(shop)
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
    # So did the office's: corrections, estimates and move-outs' final readings.
    readings = session.execute(
        select(Reading.meter_id, Reading.read_at).where(
            Reading.photo_id.is_(None),
            Reading.corrects_id.is_(None),
            Reading.source != "estimate",
            Reading.note != "退房结算",
        )
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
    # The office's later readings (corrections, estimates, move-outs' final readings) went
    # through the services; the figures they corrected were judged plausible when keyed.
    office = set(
        session.scalars(
            select(Reading.id).where(
                Reading.corrects_id.is_not(None)
                | (Reading.source == "estimate")
                | (Reading.note == "退房结算")
            )
        )
    )
    superseded = set(session.scalars(select(Reading.id).where(Reading.status == "superseded")))
    assert len(superseded) == 4  # the figures keyed over the dial
    readings = session.scalars(
        select(Reading)
        .where(Reading.photo_id.is_(None), Reading.id.not_in(office))
        .order_by(Reading.meter_id, Reading.read_at)
    ).all()
    flagged = Counter()
    judged_before = []
    for reading in readings:
        meter = meters[reading.meter_id]
        previous = metering.latest_accepted_before(session, meter.id, reading.read_at)
        if previous is not None and previous.id in office:
            # Entered before the office's reading came in between: judged against the one
            # accepted then.
            judged_before.append(previous.note)
            continue
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
        kept = "superseded" if reading.id in superseded else "accepted"
        assert reading.status == ("held" if verdict.held else kept)
        assert reading.previous_id == (previous.id if previous else None)
        assert reading.value < 10**meter.digits
        flagged.update(reading.flags)
    assert flagged == {
        LOWER_THAN_PREVIOUS: demo.held,
        SURGE: demo.surges,
        ROLLOVER: demo.rollovers,
    }
    assert min(demo.held, demo.surges, demo.rollovers) >= 1
    # The month after each of the 4 corrections, and after the 2 move-outs (2 meters each).
    assert Counter(judged_before) == {"误录读数，按表盘照片更正": 4, "退房结算": 4}


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
            .order_by(Meter.meter_no, Reading.read_at, Reading.status)
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
            select(Bill.account_no, Bill.period, Bill.kind, Bill.total, Bill.status).order_by(
                Bill.account_no, Bill.period, Bill.kind, Bill.status
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
    # The shop that moved out in September is billed no more.
    gone = set(session.scalars(select(Account.id).where(Account.moved_out_on.is_not(None))))
    for meter in session.scalars(select(Meter).where(Meter.status == "active")):
        if meter.account_id in gone:
            continue
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
    assert (
        run.created
        == len(billable)
        == count(session, Bill, Bill.period == str(last), Bill.kind == "regular")
    )
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
    assert demo.tariffs == 5 and count(session, Tariff) == 6 + 2  # and the shops' two


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
    # Who the office's work touched has other bills: moved out or in, or a bill cancelled.
    gaps |= set(session.scalars(select(Account.id).where(Account.account_no.like("_4%"))))
    gaps |= set(session.scalars(select(Account.id).where(Account.moved_out_on.is_not(None))))
    gaps |= set(session.scalars(select(CreditNote.account_id).where(CreditNote.kind == "cancel")))
    periods = defaultdict(list)
    for account_id, period in session.execute(
        select(Bill.account_id, Bill.period).where(Bill.kind == "regular", Bill.status != "void")
    ):
        periods[account_id].append(period)
    steady = [a for a in session.scalars(select(Account.id)) if a not in gaps]
    assert len(steady) >= 20
    for account_id in steady:
        assert sorted(periods[account_id]) == BILLED

    bills = session.execute(
        select(Bill.account_no, Bill.period, Bill.status, Bill.billing_mode).where(
            Bill.status != "void"
        )
    ).all()
    assert activity.bills == len(bills) + count(session, Bill, Bill.status == "void")
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


def test_billing_runs_carry_their_moment_in_the_replayed_year(session, demo):
    """The bill_notices job tells residents of the last week's runs: a demo written today
    must not look as if it had run a whole year's billing today."""
    runs = session.execute(
        select(BillingRun.period, BillingRun.created_at).order_by(BillingRun.id)
    ).all()
    assert runs == [(period, bill_run_moment(period)) for period in BILLED]


def test_the_offices_reminder_policy_has_this_mornings_reminders(session, demo):
    """Households have been reminded 3, 10 and 20 days after the due date (prepaid ones
    alerted below 20.00) since the replayed year began, so the demo's reminders job has
    today's 催缴 to send: one to each household whose oldest unpaid bill is past its due
    date (the last day of the next month) by a step, at the latest step reached, once."""
    resident = session.scalar(select(CustomerClass.id).where(CustomerClass.code == "resident"))
    first_day = Period.parse(BILLED[0]).first_day
    assert reminders.policies_on(session, NOW.date()) == {
        resident: reminders.Policy(resident, first_day, True, (3, 10, 20), D("20.00"))
    }
    oldest = dict(
        session.execute(
            select(Bill.account_id, func.min(Bill.period))
            .join(Account, Account.id == Bill.account_id)
            .where(
                Account.customer_class_id == resident,
                Bill.status.in_(("open", "partial")),
                Bill.total > 0,
            )
            .group_by(Bill.account_id)
        ).all()
    )
    expected = {}
    for account_id, period in oldest.items():
        due = Period.parse(period).shift(2).first_day - timedelta(days=1)
        late = (NOW.date() - due).days
        if late >= 3:
            expected[account_id] = 20 if late >= 20 else 10 if late >= 10 else 3
    assert len(expected) >= 2  # the accounts that stopped paying, at least
    run = reminders.send_due_reminders(session, NOW)
    assert run.overdue == len(expected)
    assert dict(session.execute(select(Reminder.account_id, Reminder.step).where(
        Reminder.kind == "overdue"
    )).all()) == expected  # fmt: skip
    assert reminders.send_due_reminders(session, NOW + timedelta(hours=1)).overdue == 0


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
        select(Allocation.created_at, Bill.period)
        .join(Bill, Bill.id == Allocation.bill_id)
        .where(Bill.kind == "regular")
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
        image = Image.open(io.BytesIO(reading_photo(session, reading.photo_id).content))
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


# -- the office's corrections and comings and goings (demo.corrections) -------------------


def test_readings_corrected_after_billing_are_rebilled(session, demo):
    """4 figures keyed over the dial, billed, corrected late in the month after and rebilled
    (one after payment: its credit refunded in cash); one bill cancelled; two adjustments."""
    activity = demo.activity
    assert (activity.rebills, activity.cancelled, activity.adjustments) == (4, 1, 2)
    notes = session.scalars(select(CreditNote).order_by(CreditNote.id)).all()
    assert [n.note_no for n in notes] == [f"HZ2026{i:06d}" for i in range(1, 6)]
    assert [n.kind for n in notes].count("rebill") == 4
    for note in notes:
        old = session.get(Bill, note.bill_id)
        assert old.status == "void" and note.total == -old.total
        if note.kind == "rebill":
            new = session.get(Bill, note.replacement_bill_id)
            # Keyed too high: the replacement of the same period is the smaller bill.
            assert (new.replaces_id, new.period, new.kind) == (old.id, old.period, "regular")
            assert new.total < old.total
        else:
            assert note.reason == "抄表数据未经复核即出账，作废；用量并入下月账单"
            assert note.replacement_bill_id is None and note.paid_moved == 0
    # Each correction superseded the accepted figure of its day with a lower one.
    for corrected in session.scalars(select(Reading).where(Reading.corrects_id.is_not(None))):
        keyed = session.get(Reading, corrected.corrects_id)
        assert (keyed.status, corrected.status) == ("superseded", "accepted")
        assert (corrected.read_at, corrected.note) == (keyed.read_at, "误录读数，按表盘照片更正")
        assert corrected.value < keyed.value
    # Only one was paid when corrected: what it had been paid, less the replacement, is the
    # credit refunded in cash the next working day.
    [paid] = [n for n in notes if n.paid_moved]
    replacement = session.get(Bill, paid.replacement_bill_id)
    [cash] = session.scalars(select(Refund).where(Refund.channel == "cash")).all()
    assert cash.account_id == paid.account_id
    assert cash.amount == paid.paid_moved - replacement.total > 0
    adjustments = session.execute(
        select(Adjustment.note_no, Adjustment.amount, Bill.kind, Bill.status)
        .outerjoin(Bill, Bill.id == Adjustment.bill_id)
        .order_by(Adjustment.id)
    ).all()
    assert adjustments == [
        ("TZ2026000001", D("80.00"), "adjustment", "paid"),  # 表封损坏赔偿, paid at the counter
        ("TZ2026000002", D("-35.00"), None, None),  # 好意减免 to an account in arrears
    ]
    [owing] = session.scalars(select(Adjustment.account_id).where(Adjustment.amount < 0))
    arrears = session.scalars(select(Account.account_no).where(Account.id == owing)).one()
    assert arrears in activity.arrears_accounts


def test_refunds_never_exceed_the_credit_and_tills_balance(session, demo):
    refunds = session.scalars(select(Refund).order_by(Refund.id)).all()
    assert demo.activity.refunds == len(refunds) == 2
    assert demo.activity.refunded == sum(r.amount for r in refunds)
    # One a branch this year so far: numbered from 1 with no gaps.
    assert sorted(r.refund_no[:2] + r.refund_no[3:] for r in refunds) == [
        "TK2026000001",
        "TK2026000001",
    ]
    for refund in refunds:
        [entry] = session.scalars(
            select(AccountLedgerEntry).where(
                AccountLedgerEntry.kind == "refund",
                AccountLedgerEntry.note == f"退款单 {refund.refund_no}",
            )
        )
        # The credit then was the balance before: the refund took it and no more.
        assert entry.amount == -refund.amount and entry.balance_after >= 0
    [cash] = [r for r in refunds if r.channel == "cash"]
    till = session.get(TillSession, cash.till_session_id)
    # Paid out of a float of 1000.00 and counted at the close to the fen.
    assert till.float_amount == D("1000.00") and till.over_short == 0
    assert till.closed_at is not None and till.business_date < NOW.date()
    [transfer] = [r for r in refunds if r.channel == "transfer"]
    assert (transfer.account_no, transfer.till_session_id) == ("14000001", None)


def test_shops_deposits_and_moves(session, demo):
    """商户 (500.00 deposit) added in January 2026: a household moves out on 9 January
    (final bill 1–9 January), a shop moves in, a second shop opens; both pay their
    deposits. The first shop moves out on 18 September: the deposit pays what it owes and
    the rest is refunded by transfer."""
    shop = session.scalars(select(CustomerClass).where(CustomerClass.code == "shop")).one()
    assert (shop.name, shop.deposit) == ("商户", D("500.00"))
    assert demo.activity.shops == ("14000001", "14000002")
    accounts = {
        a.account_no: a
        for a in session.scalars(
            select(Account).where(Account.account_no.in_(["11000001", "14000001", "14000002"]))
        )
    }
    held = {no: (a.moved_out_on, a.deposit, a.balance) for no, a in accounts.items()}
    assert held == {
        "11000001": (date(2026, 1, 9), D(0), D(0)),
        "14000001": (date(2026, 9, 18), D(0), D(0)),
        "14000002": (None, D("500.00"), D(0)),
    }
    finals = session.execute(
        select(Bill.account_no, Bill.period, Bill.covers_from, Bill.covers_to, Bill.status)
        .where(Bill.kind == "final")
        .order_by(Bill.id)
    ).all()
    assert demo.activity.final_bills == len(finals) == 2
    assert finals == [
        ("11000001", "2026-01", date(2026, 1, 1), date(2026, 1, 9), "paid"),
        ("14000001", "2026-09", date(2026, 9, 1), date(2026, 9, 18), "paid"),
    ]
    deposits = session.execute(
        select(Bill.account_no, Bill.total, Bill.status).where(Bill.kind == "deposit")
    ).all()
    assert sorted(deposits) == [
        ("14000001", D("500.00"), "paid"),
        ("14000002", D("500.00"), "paid"),
    ]
    ledger = session.execute(
        select(Account.account_no, DepositLedgerEntry.kind, DepositLedgerEntry.amount)
        .join(Account, Account.id == DepositLedgerEntry.account_id)
        .order_by(DepositLedgerEntry.id)
    ).all()
    assert ledger == [
        ("14000001", "paid", D("500.00")),
        ("14000002", "paid", D("500.00")),
        ("14000001", "released", D("-500.00")),
    ]

    # The shop took the household's meters: its first bill starts at the final readings.
    def bill_meters(*where):
        return session.scalars(
            select(BillMeter).join(Bill, Bill.id == BillMeter.bill_id).where(*where)
        ).all()

    final = {m.meter_no: m.curr for m in bill_meters(Bill.account_no == "11000001",
                                                     Bill.kind == "final")}  # fmt: skip
    first = {m.meter_no: m.prev for m in bill_meters(Bill.account_no == "14000001",
                                                     Bill.period == "2026-01")}  # fmt: skip
    assert first == final and len(final) == 2


def test_unread_meters_estimated_then_trued_up(session, demo):
    estimated = session.execute(
        select(BillMeter.meter_id, BillMeter.curr, Bill.period)
        .join(Bill, Bill.id == BillMeter.bill_id)
        .where(BillMeter.estimated)
    ).all()
    assert demo.activity.estimated == len(estimated) == 3
    [period] = {p for _, _, p in estimated}
    after = str(Period.parse(period).shift(1))
    for meter_id, curr, _ in estimated:
        # The month after starts from the estimate and ends at an actual reading.
        [(prev, was_estimated)] = session.execute(
            select(BillMeter.prev, BillMeter.estimated)
            .join(Bill, Bill.id == BillMeter.bill_id)
            .where(BillMeter.meter_id == meter_id, Bill.period == after, Bill.status != "void")
        ).all()
        assert (prev, was_estimated) == (curr, False)
