"""未抄表计清单 as .xlsx: the meters of a period nobody read, for the readers' round; those
billed on estimates say so (估抄 N 个月), and those a reader must visit come first."""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from pathlib import Path

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill

from reports.clock import moment_text
from reports.tables import quantity_format
from reports.xlsx import blank_free

HEADERS = ("序号", "表号", "类型", "校区", "楼宇", "房间", "户号", "户名", "上次读数", "估抄")
WIDTHS = (6, 14, 6, 10, 12, 12, 12, 12, 12, 24)
VISIT_FILL = "FDE2E1"


@dataclass(frozen=True)
class UnreadLine:
    meter_no: str
    kind: str  # 电表 / 水表
    campus: str
    building: str
    room: str
    account_no: str
    holder_name: str
    last_value: Decimal | None
    # Its latest bills in a row billed on estimates, and whether that is the limit: the
    # billing run estimates it no more, a reader must go (需上门抄表).
    estimated: int = 0
    visit: bool = False

    @property
    def estimate_text(self) -> str:
        """'估抄 2 个月，需上门抄表', '估抄 1 个月', or blank."""
        if not self.estimated:
            return ""
        months = f"估抄 {self.estimated} 个月"
        return f"{months}，需上门抄表" if self.visit else months


def unread_filename(period: str) -> str:
    return f"未抄表计清单_{period}.xlsx"


def render_unread_xlsx(
    lines: Sequence[UnreadLine], period: str, scope: str, generated_at: datetime
) -> bytes:
    """Title row (period, scope, how many, how many to visit, time generated), a frozen
    header row, one row per meter; the rows of a meter to visit tinted."""
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "未抄表计清单"
    visits = sum(line.visit for line in lines)
    to_visit = f"，需上门抄表 {visits} 块" if visits else ""
    sheet.append([f"{period} 未抄表计清单（{scope}，共 {len(lines)} 块{to_visit}，生成于 "
                  f"{moment_text(generated_at)}）"])  # fmt: skip
    sheet["A1"].font = Font(bold=True, size=12)
    sheet.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(HEADERS))
    sheet.append(list(HEADERS))
    fill = PatternFill("solid", fgColor="DDE7F0")
    visit_fill = PatternFill("solid", fgColor=VISIT_FILL)
    for cell in sheet[2]:
        cell.font = Font(bold=True)
        cell.fill = fill
        cell.alignment = Alignment(horizontal="center")
    for number, line in enumerate(lines, start=1):
        sheet.append(blank_free(
            [number, line.meter_no, line.kind, line.campus, line.building, line.room,
             line.account_no, line.holder_name, line.last_value, line.estimate_text]
        ))  # fmt: skip
        if line.last_value is not None:
            # As many places as the reading has: "0.###" would show 1406 as "1406." in Excel.
            format_ = quantity_format(line.last_value)
            sheet.cell(row=sheet.max_row, column=9).number_format = format_
        if line.visit:
            for cell in sheet[sheet.max_row]:
                cell.fill = visit_fill
    for index, width in enumerate(WIDTHS):
        sheet.column_dimensions[chr(ord("A") + index)].width = width
    sheet.freeze_panes = "A3"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def write_unread_xlsx(
    lines: Sequence[UnreadLine], period: str, scope: str, generated_at: datetime, path: Path
) -> None:
    path.write_bytes(render_unread_xlsx(lines, period, scope, generated_at))
