"""The 费控 page's meter list filtered by building: by the building itself, so two campuses'
buildings of the same name (both campuses have a 1号楼) are never listed together."""

from __future__ import annotations

from datetime import datetime

from server.services.control import overview
from server.services.control.protection import building_id_of
from server.services.core.calendar import BUSINESS_TZ
from server.services.metering import readings
from server.services.metering.readings import MeterSpec
from tests import factories as f
from tests.control.support import address, prepaid_with_meter

NOON = datetime(2026, 12, 8, 12, 0, tzinfo=BUSINESS_TZ)


def test_the_building_filter_tells_two_campuses_1号楼_apart(session):
    prepaid_with_meter(session, "P001", 1, balance="25.00")  # 东校区/1号楼
    west = f.account(session, "P002", billing_mode="prepaid", balance="5.00", campus="西校区")
    readings.register_meter(
        session, f.ACTOR,
        MeterSpec(meter_no="E002", kind="electricity", digits=6, hardware_no=address(2),
                  account_id=west),
    )  # fmt: skip

    def listed(building: str | None) -> list[tuple[str, str]]:
        building_id = None if building is None else building_id_of(session, building)
        rows = overview.prepaid_meters(session, NOON, building_id=building_id)
        return [(r.account_no, r.meter_no) for r in rows]

    assert listed(None) == [("P001", "E001"), ("P002", "E002")]
    assert listed("东校区/1号楼") == [("P001", "E001")]
    assert listed("西校区/1号楼") == [("P002", "E002")]
