"""One account's bill outside a run (draft, issue) and the run's previous reading after
rebills, move-outs and move-ins, pinned with hand-computed figures."""

from datetime import date
from decimal import Decimal as D

import pytest
from sqlalchemy import select, text

from server.db.models import Account, AccountLedgerEntry, AuditEvent, Bill
from server.services.billing.account_bills import draft_account_bill, issue_bill
from server.services.billing.billing_run import list_bills, run_billing
from server.services.core.calendar import Period
from server.services.core.errors import InvalidInput
from server.services.metering import readings
from tests import factories as f

OCT, NOV, DEC = Period(2026, 10), Period(2026, 11), Period(2026, 12)


def void(session, bill_id):
    # As a cancel does (billing.corrections): status is the bill's one mutable column.
    session.execute(text("update bill set status = 'void' where id = :id"), {"id": bill_id})


def meters_of(priced):
    return [(m.meter_no, m.prev, m.curr, m.usage) for m in priced.meters]


def test_rebill_draft_after_a_reading_correction_and_the_next_run(session):
    a = f.account(session)
    f.meter(session, "E1", a)
    f.tariff(session, components={"电费": [("0", "0.5")]})
    f.read(session, "E1", "2026-09-28", "100")
    october = f.read(session, "E1", "2026-10-28", "150")
    run_billing(session, f.ACTOR, OCT)
    f.read(session, "E1", "2026-11-28", "200")
    run_billing(session, f.ACTOR, NOV)
    [oct_bill] = list_bills(session, OCT)
    readings.correct_reading(session, f.ACTOR, october.reading_id, "140", "抄错")
    bills_before = session.scalar(text("select count(*) from bill"))

    draft = draft_account_bill(session, a, OCT, replacing=oct_bill.bill_id)
    # The replaced bill's own readings do not count: 140 − 100 (September's reading) = 40.
    assert meters_of(draft) == [("E1", D("100"), D("140"), D("40"))]
    assert [(x.component, x.usage, x.amount, x.tariff_id is not None) for x in draft.lines] == [
        ("电费", D("40"), D("20.00"), True)
    ]
    assert draft.total == D("20.00") and draft.skipped == ()
    assert session.scalar(text("select count(*) from bill")) == bills_before  # reads only

    void(session, oct_bill.bill_id)
    new_id = issue_bill(session, f.ACTOR, a, draft, kind="regular", replaces_id=oct_bill.bill_id)
    new = session.get(Bill, new_id)
    assert (new.period, new.kind, new.replaces_id, new.total, new.status) == (
        "2026-10", "regular", oct_bill.bill_id, D("20.00"), "open"
    )  # fmt: skip
    # November rebilled now goes on from the corrected October: 200 − 140 = 60.
    [nov_bill] = list_bills(session, NOV)
    nov = draft_account_bill(session, a, NOV, replacing=nov_bill.bill_id)
    assert meters_of(nov) == [("E1", D("140"), D("200"), D("60"))]
    # December's run goes on from November (200), not from the newer rebill of October.
    f.read(session, "E1", "2026-12-28", "230")
    assert run_billing(session, f.ACTOR, DEC).created == 1
    [dec] = list_bills(session, DEC)
    assert [(m.prev, m.curr, m.usage) for m in dec.meters] == [(D("200"), D("230"), D("30"))]
    assert dec.total == D("15.00")


def test_runs_skip_moved_out_and_closed_accounts_and_a_move_in_goes_on(session):
    old = f.account(session, "A001")
    f.account(session, "A002")
    closed = f.account(session, "A003")
    f.meter(session, "E1", old)
    f.meter(session, "E3", closed)
    f.tariff(session, components={"电费": [("0", "0.5")]})
    f.read(session, "E1", "2026-11-28", "100")
    f.read(session, "E3", "2026-11-28", "100")
    f.read(session, "E3", "2026-12-28", "110")
    f.read(session, "E1", "2026-12-15", "130")
    session.execute(text("update account set active = false where id = :id"), {"id": closed})
    # The move-out (collection.move_out) bills the first half of December and marks A001.
    final = draft_account_bill(session, old, DEC, covers=(date(2026, 12, 1), date(2026, 12, 15)))
    assert meters_of(final) == [("E1", D("100"), D("130"), D("30"))]
    issue_bill(session, f.ACTOR, old, final, kind="final")
    session.execute(
        text("update account set moved_out_on = '2026-12-15' where id = :id"), {"id": old}
    )
    # The move-in gives the meter to A002, read again at the month's end.
    session.execute(text("update meter set account_id = (select id from account "
                         "where account_no = 'A002') where meter_no = 'E1'"))  # fmt: skip
    f.read(session, "E1", "2026-12-28", "150")

    result = run_billing(session, f.ACTOR, DEC)
    assert (result.created, result.skipped) == (1, ())
    [bill] = list_bills(session, DEC, "A002")
    # The final bill (of another account, this period) ended on 130: 150 − 130 = 20.
    assert [(m.meter_no, m.prev, m.curr, m.usage) for m in bill.meters] == [
        ("E1", D("130"), D("150"), D("20"))
    ]
    assert bill.total == D("10.00")
    final_bill = session.scalars(select(Bill).where(Bill.kind == "final")).one()
    assert (final_bill.period, final_bill.covers_from, final_bill.covers_to, final_bill.total) == (
        "2026-12", date(2026, 12, 1), date(2026, 12, 15), D("15.00")
    )  # fmt: skip


def test_issue_bill_prepaid_draws_the_whole_total(session):
    a = f.account(session, billing_mode="prepaid", balance="10")
    f.meter(session, "E1", a)
    f.tariff(session, components={"电费": [("0", "0.5")]})
    f.read(session, "E1", "2026-09-28", "100")
    f.read(session, "E1", "2026-10-28", "150")
    bill_id = issue_bill(session, f.ACTOR, a, draft_account_bill(session, a, OCT), kind="regular")
    bill = session.get(Bill, bill_id)
    assert (bill.total, bill.status, bill.billing_mode) == (D("25.00"), "paid", "prepaid")
    assert bill.address == "东校区 1号楼 2单元 301" and bill.holder_name == "张三"
    # 10 − 25 = −15: a prepaid balance may go negative.
    assert session.get(Account, a).balance == D("-15.00")
    entry = session.scalars(
        select(AccountLedgerEntry).where(AccountLedgerEntry.bill_id == bill_id)
    ).one()
    assert (entry.kind, entry.amount, entry.balance_after, entry.note) == (
        "bill", D("-25.00"), D("-15.00"), "2026-10 账单"
    )  # fmt: skip
    event = session.scalars(select(AuditEvent).where(AuditEvent.action == "bill.issue")).one()
    assert (event.entity_id, event.data["total"], event.data["kind"]) == (
        str(bill_id), "25.00", "regular"
    )  # fmt: skip


def test_issue_bill_postpaid_takes_the_credit_the_balance_holds(session):
    a = f.account(session, balance="10")
    f.meter(session, "E1", a)
    f.tariff(session, components={"电费": [("0", "0.5")]})
    f.read(session, "E1", "2026-09-28", "100")
    f.read(session, "E1", "2026-10-28", "150")
    bill_id = issue_bill(session, f.ACTOR, a, draft_account_bill(session, a, OCT), kind="regular")
    session.expire_all()
    bill = session.get(Bill, bill_id)
    # 25.00 owed, the 10.00 credit drawn: partial, 15.00 still open.
    assert (bill.total, bill.status) == (D("25.00"), "partial")
    assert session.get(Account, a).balance == D("0.00")
    entry = session.scalars(
        select(AccountLedgerEntry).where(AccountLedgerEntry.bill_id == bill_id)
    ).one()
    assert (entry.kind, entry.amount, entry.balance_after) == ("credit_used", D("-10.00"), D("0"))


def test_a_span_ending_before_it_starts_is_refused(session):
    a = f.account(session)
    with pytest.raises(InvalidInput) as refused:
        draft_account_bill(session, a, DEC, covers=(date(2026, 12, 15), date(2026, 12, 1)))
    assert str(refused.value) == "账期 2026-12 的结算起止日期有误：2026-12-15 晚于 2026-12-01"
