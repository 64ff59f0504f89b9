"""The reports that sum a million bills set work_mem (and arrears enable_hashagg) for their
one query and give the session its own values back, streamed or not: the session may go on
to other work."""

from __future__ import annotations

from datetime import date

from sqlalchemy import text

from server.services.core.calendar import Period
from server.services.reports import arrears_report, collection_report
from tests import factories as f


def settings(session) -> tuple[str, str]:
    work_mem, hashagg = session.execute(
        text("select current_setting('work_mem'), current_setting('enable_hashagg')")
    ).one()
    return work_mem, hashagg


def test_arrears_and_collection_leave_the_sessions_settings_as_they_were(session):
    a1 = f.account(session, "A001")
    f.bill(session, a1, "2026-01", "100.00")
    session.execute(text("set local work_mem = '5MB'"))
    session.execute(text("set local enable_hashagg = on"))
    day = date(2099, 12, 31)

    report = arrears_report(session, f.ACTOR, day)
    assert [r.values[2] for r in report.details] == ["A001"]
    assert settings(session) == ("5MB", "on")

    streamed = arrears_report(session, f.ACTOR, day, stream=True)
    # The first rows are in as the report is returned: the value is back already.
    assert settings(session) == ("5MB", "on")
    assert [(r.values[:3], r.style) for r in streamed.rows] == [
        (("东校区", "1号楼", "A001"), ""),
        (("东校区", "1号楼", "楼宇小计（1 户）"), "subtotal"),
        (("东校区", "", "东校区 小计（1 户）"), "subtotal"),
        (("合计", "", "1 户"), "total"),
    ]
    assert settings(session) == ("5MB", "on")

    collection = collection_report(session, f.ACTOR, Period(2026, 1), as_of=day)
    assert collection.totals is not None and collection.totals.values[3] == 1
    assert settings(session) == ("5MB", "on")
