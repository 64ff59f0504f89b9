"""The reports that sum a million bills take more work_mem for their one query and give
the session its own value back, streamed or not: the session may go on to other work."""

from __future__ import annotations

from datetime import date

from sqlalchemy import text

from server.services.core.calendar import Period
from server.services.reports import arrears_report, collection_report
from tests import factories as f


def work_mem(session) -> str:
    return session.execute(text("show work_mem")).scalar_one()


def test_arrears_and_collection_leave_the_sessions_work_mem_as_it_was(session):
    a1 = f.account(session, "A001")
    f.bill(session, a1, "2026-01", "100.00")
    session.execute(text("set local work_mem = '5MB'"))
    day = date(2099, 12, 31)

    report = arrears_report(session, f.ACTOR, day)
    assert [r.values[2] for r in report.details] == ["A001"]
    assert work_mem(session) == "5MB"

    streamed = arrears_report(session, f.ACTOR, day, stream=True)
    # The first rows are in as the report is returned: the value is back already.
    assert work_mem(session) == "5MB"
    assert [(r.values[:3], r.style) for r in streamed.rows] == [
        (("东校区", "1号楼", "A001"), ""),
        (("东校区", "1号楼", "楼宇小计（1 户）"), "subtotal"),
        (("东校区", "", "东校区 小计（1 户）"), "subtotal"),
        (("合计", "", "1 户"), "total"),
    ]
    assert work_mem(session) == "5MB"

    collection = collection_report(session, f.ACTOR, Period(2026, 1), as_of=day)
    assert collection.totals is not None and collection.totals.values[3] == 1
    assert work_mem(session) == "5MB"
