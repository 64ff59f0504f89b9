"""Import of the legacy system's workbook: 户号, 表计, 价格, 读数 and 换表 in one step.

The whole workbook is checked first and every problem is reported as `sheet!row: message`;
only a workbook without problems is written, and then set-based (COPY), so a campus's
history loads in seconds. Readings are judged exactly as `readings.record_reading` judges
them, in date order per meter and against the readings already in the database.

Rows whose key is already in the database (户号, 表号, a price's kind + class + date, a
reading's meter + time + value, a replacement's old meter) are counted as present and left
as they are, so importing the same workbook again adds nothing. An existing account or meter
is not compared field by field: what MeterDesk holds now wins over the old system's copy.

Sheets (the header is the first row; columns in any order, extra columns ignored):
  户号  户号 户名 类别 校区 收费方式 [楼号 单元 门牌号 手机 余额]
  表计  表号 户号 类型 位数 [型号 倍率 硬件号 安装日期 位置 上级表号]
  价格  类型 用户类别 生效日期 项目 阶梯起点 单价 (a row per tier)
  读数  表号 抄表日期 读数
  换表  旧表号 旧表止码 新表号 新表起码 换表日期 (the sheet itself is optional)
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from reports.workbook import UnreadableWorkbook
from server.services.core import audit
from server.services.core.audit import Actor
from server.services.core.errors import DomainError
from server.services.legacy.plan import Planner, SheetCount
from server.services.legacy.sheets import (
    ACCOUNTS,
    METERS,
    READINGS,
    REPLACEMENTS,
    TARIFFS,
    Problems,
    read_sheets,
)
from server.services.legacy.write import write_plan

__all__ = ["ImportReport", "LegacyImportError", "SheetCount", "import_legacy"]

_SHOWN_PROBLEMS = 50


@dataclass(frozen=True)
class ImportReport:
    """Rows added and rows already present, per sheet (价格 counts tier rows)."""

    accounts: SheetCount
    meters: SheetCount
    tariffs: SheetCount
    readings: SheetCount
    replacements: SheetCount
    dry_run: bool = False

    def by_sheet(self) -> dict[str, SheetCount]:
        return {
            ACCOUNTS: self.accounts,
            METERS: self.meters,
            TARIFFS: self.tariffs,
            READINGS: self.readings,
            REPLACEMENTS: self.replacements,
        }

    @property
    def added(self) -> int:
        return sum(count.added for count in self.by_sheet().values())

    def as_json(self) -> dict[str, Any]:
        return {
            "dry_run": self.dry_run,
            "sheets": {
                sheet: {"added": count.added, "present": count.present}
                for sheet, count in self.by_sheet().items()
            },
        }


class LegacyImportError(DomainError):
    """The workbook has problems; nothing was written. Each problem is `sheet!row: message`."""

    def __init__(self, problems: list[str]):
        # The message is for a log or a dialog; a broken export can have 10^5 problems, so
        # it shows the first ones and `problems` keeps them all.
        shown = problems[:_SHOWN_PROBLEMS]
        if len(problems) > len(shown):
            shown = [*shown, f"……另有 {len(problems) - len(shown)} 处"]
        super().__init__(f"工作簿有 {len(problems)} 处问题，未导入任何数据：\n" + "\n".join(shown))
        self.problems = problems


def import_legacy(
    session: Session, actor: Actor, path: Path, *, dry_run: bool = False
) -> ImportReport:
    """Check the whole workbook, then add what the database does not hold yet.

    Raises LegacyImportError listing every problem (`sheet!row: message`) with nothing
    written. With `dry_run` the report is worked out in full and then undone.
    """
    path = Path(path)
    problems = Problems()
    try:
        sheets, broken = read_sheets(path, problems)
    except UnreadableWorkbook as exc:
        raise LegacyImportError([str(exc)]) from exc
    planner = Planner(session, sheets, broken, problems)
    plan = planner.run()
    if problems:
        raise LegacyImportError(problems.listed())
    report = ImportReport(**_report_fields(planner.counts), dry_run=dry_run)
    savepoint = session.begin_nested()
    try:
        write_plan(session, actor, plan)
        audit.record(
            session,
            actor,
            "legacy.import",
            "workbook",
            path.name[:40],
            {"file": path.name, **report.as_json()},
        )
        session.flush()
    except BaseException:
        savepoint.rollback()
        raise
    if dry_run:
        savepoint.rollback()
    else:
        savepoint.commit()
    return report


def _report_fields(counts: dict[str, SheetCount]) -> dict[str, SheetCount]:
    return {
        "accounts": counts[ACCOUNTS],
        "meters": counts[METERS],
        "tariffs": counts[TARIFFS],
        "readings": counts[READINGS],
        "replacements": counts[REPLACEMENTS],
    }
