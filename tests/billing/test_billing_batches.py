"""The billing run takes its accounts a batch at a time (billing_run._BATCH): with one
account per batch, the bills, the skipped meters and the run's row are what one batch gives."""

import gc
from collections.abc import Iterator
from contextlib import contextmanager
from decimal import Decimal as D

import pytest
from sqlalchemy import select, text
from sqlalchemy.orm import sessionmaker

from server.db.bulk import psycopg_connection
from server.db.engine import make_engine, make_sessionmaker, unit_of_work
from server.db.models import AuditEvent, BillingRun
from server.services.billing import billing_run
from server.services.billing.billing_run import list_bills, run_billing
from server.services.core.calendar import Period
from tests import factories as f

OCT = Period.parse("2026-10")


def billed_world(session) -> None:
    """A001 with E1 (100 -> 110) and E4 (10 -> 30); A002 with E2 read in September only;
    prepaid A003 (balance 100) with E3 (0 -> 40); one price, 0.5 a kWh."""
    a = f.account(session, "A001")
    f.meter(session, "E1", a)
    f.meter(session, "E4", a)
    f.meter(session, "E2", f.account(session, "A002"))
    f.meter(session, "E3", f.account(session, "A003", billing_mode="prepaid", balance="100"))
    f.tariff(session, components={"电费": [("0", "0.5")]})
    for meter, before, after in (("E1", "100", "110"), ("E4", "10", "30"), ("E3", "0", "40")):
        f.read(session, meter, "2026-09-28", before)
        f.read(session, meter, "2026-10-28", after)
    f.read(session, "E2", "2026-09-28", "500")


def test_accounts_batch_by_batch(session, monkeypatch):
    monkeypatch.setattr(billing_run, "_BATCH", 1)
    billed_world(session)  # E2 has no October reading: unread

    result = run_billing(session, f.ACTOR, OCT)

    assert result.created == 2
    assert [(s.meter_no, s.reason) for s in result.skipped] == [("E2", "unread")]
    bills = {b.account_no: b for b in list_bills(session, OCT)}
    assert sorted(bills) == ["A001", "A003"]
    # A001: (110 - 100) + (30 - 10) = 30 × 0.5; its two meters on one bill, by meter id.
    assert [m.meter_no for m in bills["A001"].meters] == ["E1", "E4"]
    assert (bills["A001"].total, bills["A001"].status) == (D("15.00"), "open")
    # A003, prepaid: 40 × 0.5 drawn from its balance.
    assert (bills["A003"].total, bills["A003"].status) == (D("20.00"), "paid")
    run = session.scalars(select(BillingRun)).one()
    assert (run.created, run.skipped) == (2, [{"meter_no": "E2", "reason": "unread"}])
    [event] = session.scalars(select(AuditEvent).where(AuditEvent.action == "billing.run"))
    assert (event.data["created"], event.data["skipped"]) == (2, 1)


def test_the_run_leaves_the_sessions_planner_settings_as_it_found_them(session, monkeypatch):
    """The run's queries are not JIT-compiled, and read ahead on a thread of their own; what
    the session and the process do after it runs with their own settings again."""
    monkeypatch.setattr(billing_run, "_BATCH", 1)
    for n in range(1, 4):
        account = f.account(session, f"A00{n}")
        f.meter(session, f"E{n}", account)
        f.read(session, f"E{n}", "2026-09-28", "0")
        f.read(session, f"E{n}", "2026-10-28", str(10 * n))
    f.tariff(session, components={"电费": [("0", "0.5")]})
    session.execute(text("set local jit = on"))
    seen: list[str] = []
    collecting: list[bool] = []
    gather = billing_run._gather

    def gather_noting_jit(rows, accounts, estimate, turns):
        with turns:  # the connection's other users take it in turns
            seen.append(session.execute(text("show jit")).scalar_one())
        collecting.append(gc.isenabled())
        return gather(rows, accounts, estimate, turns)

    monkeypatch.setattr(billing_run, "_gather", gather_noting_jit)

    result = run_billing(session, f.ACTOR, OCT)

    assert result.created == 3
    # Each batch one account: 10, 20 and 30 kWh at 0.5, read with JIT off.
    assert [b.total for b in list_bills(session, OCT)] == [D("5.00"), D("10.00"), D("15.00")]
    assert seen == ["off", "off", "off"]
    assert session.execute(text("show jit")).scalar_one() == "on"
    # The cyclic collector pauses for the run (core.gc_pause) and runs again after it.
    assert collecting == [False, False, False] and gc.isenabled()


def test_a_run_updates_the_prepaid_balances_in_place(session):
    """Every prepaid balance changes in the run's one transaction; with the account pages half
    full (migration 0026) each new version fits beside the old one, so no account index (the
    search index has thirty-odd entries an account) is written again."""
    for n in range(1, 301):
        account = f.account(session, f"P{n:03d}", billing_mode="prepaid", balance="50")
        f.meter(session, f"E{n:03d}", account)
        f.read(session, f"E{n:03d}", "2026-09-28", "0")
        f.read(session, f"E{n:03d}", "2026-10-28", "10")
    f.tariff(session, components={"电费": [("0", "0.5")]})
    updates = text(
        "select n_tup_upd, n_tup_hot_upd from pg_stat_xact_user_tables where relname = 'account'"
    )
    before = session.execute(updates).one()

    assert run_billing(session, f.ACTOR, OCT).created == 300

    after = session.execute(updates).one()
    assert after[0] - before[0] == 300
    assert after[1] - before[1] == 300
    assert session.execute(text("select sum(balance) from account")).scalar_one() == D("13500.00")


@pytest.fixture
def committed_world(fresh_database_url, monkeypatch) -> Iterator[tuple[sessionmaker, list]]:
    """billed_world committed, and (the candidates' backend, the run's session backend) of
    each run from now on."""
    engine = make_engine(fresh_database_url)
    factory = make_sessionmaker(engine)
    with unit_of_work(factory) as session:
        billed_world(session)
    seen: list[tuple[int, int]] = []
    connection = billing_run._candidate_connection

    @contextmanager
    def watched(session, turns, caller_wrote):
        with connection(session, turns, caller_wrote) as (raw, raw_turns):
            seen.append((raw.info.backend_pid, psycopg_connection(session).info.backend_pid))
            yield raw, raw_turns

    monkeypatch.setattr(billing_run, "_candidate_connection", watched)
    yield factory, seen
    engine.dispose()


def test_a_run_in_a_fresh_transaction_reads_its_candidates_on_a_second_backend(
    committed_world, monkeypatch
):
    """Nothing written yet in the run's transaction: a second PostgreSQL backend computes the
    candidates in the run's snapshot while the first stores bills; the bills are the same."""
    monkeypatch.setattr(billing_run, "_BATCH", 1)
    factory, seen = committed_world

    with unit_of_work(factory) as session:
        result = run_billing(session, f.ACTOR, OCT)
        bills = {b.account_no: (b.total, b.status) for b in list_bills(session, OCT)}
        balance = session.execute(text("select balance from account where account_no = 'A003'"))
        assert balance.scalar_one() == D("80.00")  # 100 - 40 × 0.5

    [(reader, writer)] = seen
    assert reader != writer
    assert result.created == 2
    assert [(s.meter_no, s.reason) for s in result.skipped] == [("E2", "unread")]
    # A001: (110 - 100 + 30 - 10) × 0.5; A003: 40 × 0.5, drawn from its balance.
    assert bills == {"A001": (D("15.00"), "open"), "A003": (D("20.00"), "paid")}


def test_a_run_after_a_write_in_its_transaction_reads_what_it_wrote(committed_world):
    """A reading written in the run's own transaction is seen by no other backend: the
    candidates are then read on the session's connection, and that reading is billed."""
    factory, seen = committed_world

    with unit_of_work(factory) as session:
        f.read(session, "E2", "2026-10-29", "520")
        result = run_billing(session, f.ACTOR, OCT)
        bills = {b.account_no: b.total for b in list_bills(session, OCT)}

    [(reader, writer)] = seen
    assert reader == writer
    assert (result.created, result.skipped) == (3, ())
    # A002: (520 - 500) × 0.5.
    assert bills == {"A001": D("15.00"), "A002": D("10.00"), "A003": D("20.00")}
