"""The counter's one search box: account number, scanned meter barcode, name, room."""

from decimal import Decimal

import pytest

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
