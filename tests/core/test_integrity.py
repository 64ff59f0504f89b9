"""What PostgreSQL itself refuses, whatever a client sends."""

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from server.services.billing.billing_run import run_billing
from server.services.core.calendar import Period
from tests import factories as f


@pytest.fixture
def billed(session):
    a = f.account(session)
    f.meter(session, "E1", a)
    f.meter(session, "E2", a)
    f.tariff(session)
    f.read(session, "E1", "2026-09-28", "100")
    f.read(session, "E1", "2026-10-28", "150")
    other = f.read(session, "E2", "2026-10-28", "7")
    run_billing(session, f.ACTOR, Period.parse("2026-10"))
    return session, a, other.reading_id


def _refused(session, sql, params, message):
    with pytest.raises(DBAPIError, match=message), session.begin_nested():
        session.execute(text(sql), params)


def test_a_bill_meter_must_point_at_readings_of_its_meter(billed):
    session, _, other_reading = billed
    bill_id = session.execute(text("select id from bill")).scalar_one()
    meter_id = session.execute(text("select id from meter where meter_no = 'E1'")).scalar_one()
    row = {"b": bill_id, "m": meter_id, "r": other_reading}
    _refused(
        session,
        "insert into bill_meter (bill_id, meter_id, meter_no, kind, multiplier, prev, curr, usage,"
        " prev_reading_id, curr_reading_id) values (:b, :m, 'E1', 'electricity', 1, 0, 7, 7,"
        " :r, :r)",
        row,
        "bill_meter.prev_reading_id = .* has no matching reading row",
    )


def test_a_bill_needs_its_account_and_a_line_its_bill(billed):
    session, _, _ = billed
    _refused(
        session,
        "insert into bill (account_id, period, account_no, holder_name, address, billing_mode,"
        " total, status) values (999999, '2026-11', 'X', 'X', '', 'postpaid', 0, 'open')",
        {},
        "bill.account_id = 999999 has no matching account row",
    )
    _refused(
        session,
        "insert into bill_line (bill_id, kind, component, usage, amount, tariff_id)"
        " select 999999, 'water', '水费', 1, 1, id from tariff limit 1",
        {},
        "bill_line.bill_id = 999999 has no matching bill row",
    )


def test_accounts_meters_and_tariffs_are_never_deleted(billed):
    session, account_id, _ = billed
    _refused(
        session,
        "delete from account where id = :a",
        {"a": account_id},
        "account rows are never deleted",
    )
    _refused(session, "delete from meter", {}, "meter rows are never deleted")
    _refused(session, "update tariff_tier set unit_price = 9", {}, "tariff_tier is append-only")
    _refused(session, "update bill set total = 0", {}, "bill is append-only: only status")
    _refused(session, "delete from bill_line", {}, "rows are never deleted")


_BILLS = (
    "insert into bill (account_id, period, account_no, holder_name, address, billing_mode,"
    " total, status) select a.id, to_char(date '1900-01-01' + g * interval '1 month', 'YYYY-MM'),"
    " a.account_no, '', '', 'postpaid', 0, 'open' from account a, generate_series(1, :n) g"
)


def test_reference_checks_probe_each_parent_even_when_statistics_say_it_is_empty(
    fresh_database_url,
):
    """A billing run rolled back, then vacuumed, leaves `bill` with pages but no live rows in
    its statistics. The check of the next run's lines must still probe the bill key once per
    line, not compare every line with every bill (a million accounts: hours)."""
    engine = create_engine(fresh_database_url)
    try:
        with Session(engine) as session:
            f.account(session)
            tariff_id = f.tariff(session)
            session.commit()
        with engine.begin() as conn:
            conn.execute(text(_BILLS), {"n": 3000})
            conn.rollback()
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text("vacuum (truncate false) bill"))
            pages, rows = conn.execute(
                text("select relpages, reltuples from pg_class where relname = 'bill'")
            ).one()
        assert pages > 0 and rows == 0
        with engine.begin() as conn:
            conn.execute(text(_BILLS), {"n": 3000})
            scans = text("select idx_scan from pg_stat_xact_user_tables where relname = 'bill'")
            before = conn.execute(scans).scalar_one() or 0
            conn.execute(
                text(
                    "insert into bill_line (bill_id, kind, component, usage, amount, tariff_id)"
                    " select id, 'electricity', '电费', 1, 1, :t from bill"
                ),
                {"t": tariff_id},
            )
            # One probe a line (and the scan the lines are read from, by its estimate).
            assert conn.execute(scans).scalar_one() - before >= 3000
            conn.rollback()
    finally:
        engine.dispose()
