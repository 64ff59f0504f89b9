"""Settlement report benchmark: the PDF (and the workbook) of a busy counter day.

    python -m tests.bench.bench_settlement [--receipts 300] [--runs 10]

Times the rendering only, from a filled `SettlementReport` (the gathering is a few indexed
queries of the till's rows). The clerk waits for this at the close, so the budget is
one second for 300 receipts on a 2-core machine.
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable
from datetime import date, datetime, timedelta
from decimal import Decimal

from reports.fonts import cjk_font
from reports.settlement import (
    ChannelLine,
    HandoverLine,
    ReceiptRow,
    SettlementReport,
    render_settlement_pdf,
)
from reports.settlement_xlsx import render_settlement_xlsx

BUDGET_MS = 1000.0
_CHANNELS = ("现金", "现金", "现金", "支票", "网银转账")


def busy_day(receipts: int) -> SettlementReport:
    """A day of `receipts` receipts, one in fifty voided, cash mostly, from 08:30."""
    start = datetime(2026, 11, 23, 8, 30)
    rows = []
    for i in range(receipts):
        channel = _CHANNELS[i % len(_CHANNELS)]
        rows.append(
            ReceiptRow(
                receipt_no=f"D2026{i + 1:06d}",
                issued_at=start + timedelta(minutes=i * 2),
                account_no=f"{10203000 + i}",
                holder_name=("欧阳" if i % 7 else "东校区后勤服务集团物业管理中心") + f"{i}",
                channel=channel,
                reference="" if channel == "现金" else f"工行 CQ{i:08d}",
                amount=Decimal(f"{50 + i % 400}.{i % 100:02d}"),
                voided=i % 50 == 7,
                void_reason="收错户号" if i % 50 == 7 else "",
            )
        )
    standing = [row for row in rows if not row.voided]
    channels = []
    for label in dict.fromkeys(_CHANNELS):
        mine = [row.amount for row in standing if row.channel == label]
        channels.append(ChannelLine(label, len(mine), sum(mine, Decimal("0.00"))))
    total = sum((row.amount for row in standing), Decimal("0.00"))
    return SettlementReport(
        branch_code="D",
        branch_name="东校区分中心",
        clerk="wang 王收费",
        business_date=date(2026, 11, 23),
        opened_at=start,
        closed_at=start + timedelta(hours=9),
        float_amount=Decimal("500.00"),
        cash_tendered=Decimal("30000.00"),
        change_given=Decimal("120.00"),
        cash_voided=Decimal("300.00"),
        handed_over=Decimal("20000.00"),
        handovers=(
            HandoverLine(start + timedelta(hours=4), "zhao 赵出纳", Decimal("20000.00"), ""),
        ),
        expected_cash=Decimal("10080.00"),
        cash_counted=Decimal("10080.00"),
        over_short=Decimal("0.00"),
        note="",
        channels=tuple(channels),
        total_count=len(standing),
        total_amount=total,
        receipts=tuple(rows),
        generated_at=start + timedelta(hours=9, minutes=5),
    )


def _times(action: Callable[[], object], runs: int) -> list[float]:
    action()  # the first call pays for font parsing and imports, once per process
    times = []
    for _ in range(runs):
        began = time.perf_counter()
        action()
        times.append((time.perf_counter() - began) * 1000)
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--receipts", type=int, default=300)
    parser.add_argument("--runs", type=int, default=10)
    args = parser.parse_args()
    report = busy_day(args.receipts)
    font = cjk_font()
    pdf = render_settlement_pdf(report)
    print(f"font: {font.name} ({'embedded' if font.embedded else 'not embedded'})")
    pdf_ms = _times(lambda: render_settlement_pdf(report), args.runs)
    xlsx_ms = _times(lambda: render_settlement_xlsx(report), args.runs)
    print(
        f"settlement PDF, {args.receipts} receipts ({len(pdf) // 1024} KB): "
        f"median {statistics.median(pdf_ms):.0f} ms, max {max(pdf_ms):.0f} ms "
        f"(budget {BUDGET_MS:.0f} ms)"
    )
    print(
        f"settlement xlsx, {args.receipts} receipts: median {statistics.median(xlsx_ms):.0f} ms, "
        f"max {max(xlsx_ms):.0f} ms"
    )
    if statistics.median(pdf_ms) > BUDGET_MS:
        raise SystemExit("over budget")


if __name__ == "__main__":
    main()
