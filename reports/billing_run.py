"""A billing run's outcome as a workbook: what was created and which meters were left out.

The metering office works through the skipped meters (unread, held, no tariff…) in Excel,
sorting and filtering by reason, so the list goes there whole, one meter per row.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import IO

from openpyxl import Workbook
from openpyxl.styles import Font

_BOLD = Font(bold=True)


def write_run_xlsx(
    period: str,
    created: int,
    skipped: Sequence[tuple[str, str]],
    target: str | Path | IO[bytes],
) -> None:
    """Sheet 出账汇总 (period, bills created, skipped meters per reason) and sheet
    跳过表计 (meter number, reason) from `skipped` as (meter_no, reason label) pairs."""
    book = Workbook()
    summary = book.active
    assert summary is not None
    summary.title = "出账汇总"
    summary.append(["账期", period])
    summary.append(["新建账单", created])
    summary.append(["跳过表计", len(skipped)])
    summary.append([])
    summary.append(["跳过原因", "表计数"])
    for cell in summary[5]:
        cell.font = _BOLD
    for reason, count in sorted(Counter(r for _, r in skipped).items(), key=lambda x: -x[1]):
        summary.append([reason, count])
    summary.column_dimensions["A"].width = 18
    detail = book.create_sheet("跳过表计")
    detail.append(["表号", "原因"])
    for cell in detail[1]:
        cell.font = _BOLD
    for meter_no, reason in skipped:
        detail.append([meter_no, reason])
    detail.column_dimensions["A"].width = 20
    detail.column_dimensions["B"].width = 18
    detail.auto_filter.ref = f"A1:B{len(skipped) + 1}"
    book.save(target)
