"""A replacement keeps the meter's place among master and sub-meters (总分表)."""

from __future__ import annotations

from decimal import Decimal as D

from server.db.models import Meter
from server.services.metering.readings import MeterSpec, meter_by_no, replace_meter
from tests import factories as f


def test_a_replaced_master_and_a_replaced_sub_keep_the_hierarchy(session):
    master = f.meter(session, "M-MASTER", None)
    sub = f.meter(session, "M-SUB", f.account(session))
    session.get_one(Meter, sub).parent_id = master
    session.flush()
    f.read(session, "M-MASTER", "2026-09-01", "100")
    f.read(session, "M-SUB", "2026-09-01", "50")

    replace_meter(session, f.ACTOR, "M-SUB", D("60"), MeterSpec("M-SUB2", "electricity", 6),
                  D("0"), f.at("2026-09-10"))  # fmt: skip
    assert meter_by_no(session, "M-SUB2").parent_id == master

    replace_meter(session, f.ACTOR, "M-MASTER", D("130"),
                  MeterSpec("M-MASTER2", "electricity", 6), D("0"), f.at("2026-09-11"))  # fmt: skip
    new_master = meter_by_no(session, "M-MASTER2").id
    assert meter_by_no(session, "M-SUB2").parent_id == new_master
    assert meter_by_no(session, "M-SUB").parent_id == new_master  # the retired one follows
