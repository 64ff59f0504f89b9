"""The counter's one search box: account number, scanned meter barcode, name, room."""

from decimal import Decimal

import pytest
from sqlalchemy import create_engine, event, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

from server.db.engine import APP_ROLE, make_sessionmaker, unit_of_work
from server.services.accounts import accounts as accounts_module
from server.services.accounts.accounts import (
    AccountSearch,
    AccountSpec,
    create_account,
    find_accounts,
    search_accounts,
)
from server.services.metering.readings import MeterSpec, register_meter
from server.services.staff.org import ensure_campus
from tests import factories as f


@pytest.fixture
def accounts(session):
    ensure_campus(session, "东校区")
    ensure_campus(session, "西校区")
    rows = [
        ("10001", "张伟", "东校区", "3号楼", "1", "502", "13800001111"),
        ("10002", "王芳", "东校区", "3号楼", "2", "502", "13900002222"),
        ("10021", "张秀英", "西校区", "学生公寓5栋", "", "301", ""),
        ("20001", "后勤处", "西校区", "行政楼", "", "101", "02788880000"),
    ]
    ids = {}
    for no, name, campus, building, unit, room, mobile in rows:
        ids[no] = create_account(
            session, f.ACTOR,
            AccountSpec(no, name, "居民", campus, building, unit, room, mobile),
        ).id  # fmt: skip
    register_meter(session, f.ACTOR, MeterSpec("E900123", "electricity", 6,
                                               hardware_no="000012345678",
                                               account_id=ids["10002"]))  # fmt: skip
    return ids


def numbers(hits):
    return [h.account_no for h in hits]


def test_exact_account_number_comes_first(session, accounts):
    assert numbers(search_accounts(session, "10002")) == ["10002"]
    # a prefix of several numbers: exact first, then in order
    assert numbers(search_accounts(session, "1000")) == ["10001", "10002"]


def test_scanned_meter_barcode_or_hardware_number_finds_the_account(session, accounts):
    [hit] = search_accounts(session, "E900123")
    assert (hit.account_no, hit.meter_no) == ("10002", "E900123")
    assert numbers(search_accounts(session, " 000012345678 ")) == ["10002"]


def test_name_room_and_mobile(session, accounts):
    assert numbers(search_accounts(session, "张")) == ["10001", "10021"]
    assert numbers(search_accounts(session, "3号楼 502")) == ["10001", "10002"]
    assert numbers(search_accounts(session, "3号楼 2单元 502")) == ["10002"]
    assert numbers(search_accounts(session, "1111")) == ["10001"]
    hit = search_accounts(session, "后勤")[0]
    assert (hit.address, hit.customer_class, hit.billing_mode, hit.balance) == (
        "西校区 行政楼 101",
        "居民",
        "postpaid",
        Decimal("0.00"),
    )


def test_wildcards_are_taken_literally(session, accounts):
    assert search_accounts(session, "%") == []
    assert search_accounts(session, "_") == []
    assert search_accounts(session, "   ") == []


def test_the_search_says_how_many_match_beyond_the_list(session, accounts):
    found = find_accounts(session, "1", limit=2)
    assert numbers(found.hits) == ["10001", "10002"] and found.total == 4
    assert find_accounts(session, "张", limit=2).total == 2
    assert find_accounts(session, "nobody") == AccountSearch((), 0)


def test_every_word_in_one_field_of_its_own_never_across_two(session, accounts):
    # 10001: "张伟", room 502, unit 1, mobile 13800001111, 3号楼
    assert numbers(search_accounts(session, "伟 502")) == ["10001"]
    assert numbers(search_accounts(session, "1单元 1111")) == ["10001"]
    assert numbers(search_accounts(session, "502 2单元")) == ["10002"]
    assert search_accounts(session, "张伟502") == []
    assert search_accounts(session, "5021单元") == []
    assert search_accounts(session, "10001张伟") == []


def test_a_one_character_family_name_and_a_single_ascii_character(session, accounts):
    assert numbers(search_accounts(session, "王")) == ["10002"]
    assert numbers(search_accounts(session, "秀")) == ["10021"]
    # "8" is in two mobiles; "5" in two rooms and in 学生公寓5栋
    assert numbers(search_accounts(session, "8")) == ["10001", "20001"]
    assert numbers(search_accounts(session, "5")) == ["10001", "10002", "10021"]
    assert numbers(search_accounts(session, "5 秀")) == ["10021"]


def test_percent_underscore_and_backslash_are_typed_literally(session, accounts):
    create_account(session, f.ACTOR, AccountSpec("30001", "百分_之%十\\", "居民", "东校区"))
    assert numbers(search_accounts(session, "%")) == ["30001"]
    assert numbers(search_accounts(session, "_")) == ["30001"]
    assert numbers(search_accounts(session, "\\")) == ["30001"]
    assert numbers(search_accounts(session, "之%十")) == ["30001"]
    assert numbers(search_accounts(session, "分_之 十\\")) == ["30001"]
    assert search_accounts(session, "百%十") == []
    assert search_accounts(session, "分__") == []


def test_a_building_name_finds_its_accounts(session, accounts):
    assert numbers(search_accounts(session, "学生公寓")) == ["10021"]
    assert numbers(search_accounts(session, "行政楼 101")) == ["20001"]
    assert numbers(search_accounts(session, "号楼")) == ["10001", "10002"]
    assert search_accounts(session, "行政楼 502") == []


def test_the_count_stops_at_the_cap(session, accounts, monkeypatch):
    # "1" (LIKE alone) and "单元" (the index's grams) are in all four accounts.
    monkeypatch.setattr(accounts_module, "SEARCH_COUNT_CAP", 3)
    for query in ("1", "单元"):
        found = find_accounts(session, query, limit=2)
        assert (numbers(found.hits), found.total, found.capped) == (["10001", "10002"], 3, True)
        found = find_accounts(session, query)
        assert numbers(found.hits) == ["10001", "10002", "10021", "20001"]
        assert (found.total, found.capped) == (3, True)
    monkeypatch.setattr(accounts_module, "SEARCH_COUNT_CAP", 4)
    found = find_accounts(session, "单元", limit=2)
    assert (numbers(found.hits), found.total, found.capped) == (["10001", "10002"], 4, False)


def test_a_rare_word_is_found_through_the_gram_index_by_the_app_role(fresh_database_url):
    """5,000 accounts, analysed: the search the application role runs for one holder asks
    ix_account_search_grams, not a scan of every account."""
    owner = create_engine(fresh_database_url)
    with unit_of_work(make_sessionmaker(owner)) as session:
        first = f.account(session, "T00000", holder_name="户主零")
        session.execute(
            text(
                "insert into account (account_no, holder_name, customer_class_id, campus_id,"
                " unit, room, mobile, billing_mode, balance, active)"
                " select 'T' || lpad(i::text, 5, '0'), '用户' || i, customer_class_id,"
                " campus_id, (i % 4)::text, (100 + i % 300)::text,"
                " '139' || lpad(i::text, 8, '0'), 'postpaid', 0, true"
                " from account, generate_series(1, 5000) as i where id = :id"
            ),
            {"id": first},
        )
    with owner.connect() as conn:
        conn.execute(text("analyze account"))
    owner.dispose()
    app = create_engine(make_url(fresh_database_url).set(username=APP_ROLE))
    statements: list[tuple[str, object]] = []

    @event.listens_for(app, "before_cursor_execute")
    def keep(conn, cursor, statement, parameters, context, executemany):
        statements.append((statement, parameters))

    with Session(app) as session:
        found = find_accounts(session, "用户4321")
        assert (numbers(found.hits), found.total, found.capped) == (["T04321"], 1, False)
        [(capped, parameters)] = [(s, p) for s, p in statements if "with m as" in s]
        plan = "\n".join(
            session.connection().exec_driver_sql("explain " + capped, parameters).scalars()
        )
    app.dispose()
    assert "Bitmap Index Scan on ix_account_search_grams" in plan
    assert "Seq Scan on account" not in plan
