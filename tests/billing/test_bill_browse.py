"""The billing page's list of a period's bills: filters, the limit with the full count."""

from __future__ import annotations

from decimal import Decimal as D

import pytest

from server.services.billing.bills import BillFilter, bill_detail, bill_places, bill_rows
from server.services.core.calendar import Period
from server.services.core.errors import DomainError, NotFound
from tests import factories as f

OCT = Period.parse("2026-10")


@pytest.fixture
def bills(session) -> dict[str, int]:
    """A001 40.00, A002 25.00, A010 10.00 (东校区) and B001 5.00 (西校区), all open."""
    ids = {}
    for number, total, campus in (
        ("A001", "40.00", "东校区"), ("A002", "25.00", "东校区"), ("A010", "10.00", "东校区"),
        ("B001", "5.00", "西校区"),
    ):  # fmt: skip
        account = f.account(session, number, campus=campus)
        ids[number] = f.bill(session, account, "2026-10", total)
    return ids


def test_rows_are_limited_but_count_and_sum_cover_all(session, bills):
    page = bill_rows(session, OCT, limit=2)
    assert [r.account_no for r in page.rows] == ["A001", "A002"]
    assert (page.count, page.amount, page.truncated) == (4, D("80.00"), True)
    assert page.rows[0].status_label == "未缴"


def test_filters_by_campus_building_status_and_account_prefix(session, bills):
    places = bill_places(session)
    assert [(p.campus, p.building) for p in places] == [("东校区", "1号楼"), ("西校区", "1号楼")]
    west = bill_rows(session, OCT, BillFilter(campus="西校区"))
    assert [r.account_no for r in west.rows] == ["B001"]
    east_building = bill_rows(session, OCT, BillFilter(building_id=places[0].building_id))
    assert east_building.count == 3
    assert [r.account_no for r in bill_rows(session, OCT, BillFilter(account_no="A0")).rows] == [
        "A001", "A002", "A010",
    ]  # fmt: skip
    assert bill_rows(session, OCT, BillFilter(account_no="A01")).count == 1
    assert bill_rows(session, OCT, BillFilter(account_no="A_")).count == 0  # no wildcard
    assert bill_rows(session, OCT, BillFilter(status="paid")).count == 0
    assert bill_rows(session, Period.parse("2026-09")).count == 0
    with pytest.raises(DomainError, match="账单状态"):
        bill_rows(session, OCT, BillFilter(status="lost"))


def test_detail_of_a_bill(session, bills):
    bill = bill_detail(session, bills["A002"])
    assert (bill.account_no, bill.total, bill.status) == ("A002", D("25.00"), "open")
    assert [(x.component, x.amount) for x in bill.lines] == [("电费", D("25.00"))]
    with pytest.raises(NotFound, match="账单 0 不存在"):
        bill_detail(session, 0)
