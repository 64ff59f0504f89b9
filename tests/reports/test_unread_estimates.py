"""未抄表计清单 with the meters billed on estimates (估抄 N 个月) and those at the estimate
limit first (需上门抄表), on bills made by real estimating runs; hand-computed.

Water meters, each in its own account at the same room (so the desk lists them by meter
number), read at 100, 110, 122 and 136 at the ends of December to March (10, 12, 14 m³):
- W2: unread in April (estimated), read in May — its latest bill is actual again;
- W4: never read at all (no history: the run leaves it out, never estimated);
- W5: read 150 in April, unread in May: estimated once;
- W9: unread in April and May: estimated twice, the default limit (2).
"""

from __future__ import annotations

import io
from decimal import Decimal as D

from openpyxl import load_workbook
from sqlalchemy import select

from reports.unread_meters import render_unread_xlsx
from server.db.models import Meter
from server.services.billing.billing_run import run_billing
from server.services.billing.estimates import estimated_in_a_row
from server.services.core.calendar import Period
from server.services.reports.unread import unread_list
from tests import factories as f

WATER = {"水费": [("0", "2.5"), ("10", "3.5")], "污水处理费": [("0", "0.95")]}
HISTORY = (("2025-12-28", "100"), ("2026-01-28", "110"), ("2026-02-26", "122"),
           ("2026-03-28", "136"))  # fmt: skip


def estimating_world(session) -> None:
    f.tariff(session, kind="water", components=WATER)
    for meter_no, account_no in (("W2", "A002"), ("W4", "A004"), ("W5", "A005"), ("W9", "A009")):
        f.meter(session, meter_no, f.account(session, account_no), kind="water")
        if meter_no != "W4":
            for day, value in HISTORY:
                f.read(session, meter_no, day, value)
    for period in ("2026-03", "2026-04", "2026-05"):
        if period == "2026-04":
            f.read(session, "W5", "2026-04-28", "150")
        if period == "2026-05":
            f.read(session, "W2", "2026-05-28", "170")
        run = run_billing(session, f.ACTOR, Period.parse(period), estimate=True)
        assert [(s.meter_no, s.reason) for s in run.skipped] == [("W4", "no_history")]
    # April: W2 and W9 on the mean (10 + 12 + 14) / 3 = 12.00; May: W5 on
    # (10 + 12 + 14 + 14) / 4 = 12.50 and W9 on 12.00 again.


def listed(session, limit: int = 2) -> list[tuple[str, int, bool, str]]:
    unread = unread_list(session, "2026-05", estimate_limit=limit)
    return [(m.meter_no, m.estimated, m.visit, m.estimate_text) for m in unread.meters]


def test_estimated_meters_in_the_unread_list_and_those_to_visit_first(session):
    estimating_world(session)
    ids = {
        meter_no: meter_id
        for meter_no, meter_id in session.execute(select(Meter.meter_no, Meter.id))
    }
    # W2's May bill is actual: none in a row; W4 never billed.
    assert estimated_in_a_row(session, [ids[m] for m in ("W2", "W4", "W5", "W9")]) == {
        ids["W5"]: 1,
        ids["W9"]: 2,
    }
    # May: W2 read; W4, W5 and W9 not (an estimate is no visit). W9 at the limit first,
    # then the desk's order by meter number.
    assert listed(session) == [
        ("W9", 2, True, "估抄 2 个月，需上门抄表"),
        ("W4", 0, False, ""),
        ("W5", 1, False, "估抄 1 个月"),
    ]
    # At a limit of 1 W5 is due a visit too (in the desk's order after it: W5 before W9);
    # at 3 nobody is, and the desk's order stands.
    assert [(m, visit) for m, _, visit, _ in listed(session, 1)] == [
        ("W5", True), ("W9", True), ("W4", False)
    ]  # fmt: skip
    assert listed(session, 3) == [
        ("W4", 0, False, ""),
        ("W5", 1, False, "估抄 1 个月"),
        ("W9", 2, False, "估抄 2 个月"),
    ]


def test_the_workbook_says_it_and_tints_the_visits(session):
    estimating_world(session)
    unread = unread_list(session, "2026-05")
    sheet = load_workbook(
        io.BytesIO(render_unread_xlsx(unread.meters, unread.period, unread.scope,
                                      unread.generated_at))
    ).active  # fmt: skip
    assert sheet["A1"].value.startswith(
        "2026-05 未抄表计清单（全部，共 3 块，需上门抄表 1 块，生成于 "
    )
    assert [c.value for c in sheet[2]][8:] == ["上次读数", "估抄"]
    # W9's last figure is May's estimate: 136 + 12 + 12 = 160.
    assert [c.value for c in sheet[3]][1:2] + [c.value for c in sheet[3]][8:] == [
        "W9", D("160"), "估抄 2 个月，需上门抄表"
    ]  # fmt: skip
    assert {c.fill.fgColor.rgb for c in sheet[3]} == {"00FDE2E1"}
    assert [c.value for c in sheet[5]][1:2] + [c.value for c in sheet[5]][9:] == [
        "W5", "估抄 1 个月"
    ]  # fmt: skip
    assert {c.fill.fgColor.rgb for c in sheet[4]} == {"00000000"}
