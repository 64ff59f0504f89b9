"""Legacy-import benchmark: a workbook the size of a campus's history, imported twice.

    python -m tests.bench.bench_import [--accounts 5000] [--months 12]

Writes a workbook of N accounts with two meters each (water and electricity) and `months`
monthly readings per meter, then times the import into a fresh database and a second
import of the same file (which must add nothing).
"""

from __future__ import annotations

import argparse
import random
import tempfile
import time
from datetime import date
from pathlib import Path

from openpyxl import Workbook

from server.services.core.calendar import Period
from server.services.legacy.workbook import import_legacy
from tests.bench.bench_billing import ACTOR, bench_database, in_transaction


def write_workbook(path: Path, accounts: int, months: int, seed: int) -> int:
    """Write the workbook; return how many readings it holds."""
    rng = random.Random(seed)
    book = Workbook(write_only=True)
    sheet = book.create_sheet("户号")
    sheet.append(
        ["户号", "户名", "类别", "校区", "楼号", "单元", "门牌号", "手机", "收费方式", "余额"]
    )
    for n in range(accounts):
        prepaid = n % 5 == 0
        sheet.append([f"H{n:06d}", f"住户{n}", ("居民", "集体宿舍", "单位")[n % 3],
                      ("东校区", "西校区", "南校区")[n % 3], f"{n % 40 + 1}号楼", str(n % 4 + 1),
                      f"{n % 30 + 101}", "", "预收费" if prepaid else "后收费",
                      100 if prepaid else 0])  # fmt: skip
    sheet = book.create_sheet("表计")
    sheet.append(["表号", "户号", "类型", "型号", "位数", "倍率", "硬件号", "安装日期", "位置"])
    for n in range(accounts):
        sheet.append([f"E{n:06d}", f"H{n:06d}", "电", "DDS", 6, 1, f"HW{n:06d}", "2020-01-01", ""])
        sheet.append([f"W{n:06d}", f"H{n:06d}", "水", "LXS", 5, 1, None, "2020-01-01", ""])
    sheet = book.create_sheet("价格")
    sheet.append(["类型", "用户类别", "生效日期", "项目", "阶梯起点", "单价"])
    for cls in ("居民", "集体宿舍", "单位"):
        sheet.append(["电", cls, "2020-01-01", "电费", 0, 0.5483])
        sheet.append(["电", cls, "2020-01-01", "电费", 230, 0.5983])
        sheet.append(["水", cls, "2020-01-01", "水费", 0, 2.9])
        sheet.append(["水", cls, "2020-01-01", "污水处理费", 0, 0.95])
    sheet = book.create_sheet("读数")
    sheet.append(["表号", "抄表日期", "读数"])
    first = Period.parse("2025-11")
    count = 0
    for n in range(accounts):
        for prefix, step in (("E", 150), ("W", 8)):
            value = rng.randint(0, 1000)
            for m in range(months):
                period = first.shift(m)
                value += rng.randint(step // 2, step * 2)
                sheet.append([f"{prefix}{n:06d}", date(period.year, period.month, 25), value])
                count += 1
    book.save(path)
    return count


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--accounts", type=int, default=5000)
    parser.add_argument("--months", type=int, default=12)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    path = Path(tempfile.mkdtemp(prefix="md_import_")) / "legacy.xlsx"
    start = time.perf_counter()
    readings = write_workbook(path, args.accounts, args.months, args.seed)
    written = time.perf_counter() - start
    with bench_database() as (url, where):
        print(f"PostgreSQL: {where}")
        rows = [("write workbook", written, f"{path.stat().st_size // 1024} KB")]
        for label in ("import", "import again"):
            start = time.perf_counter()
            report = in_transaction(url, lambda session: import_legacy(session, ACTOR, path))
            seconds = time.perf_counter() - start
            sheets = report.as_json()["sheets"]
            what = ", ".join(f"{k} +{v['added']}/={v['present']}" for k, v in sheets.items())
            rows.append((label, seconds, what))
    print(f"\n{args.accounts} accounts, {args.accounts * 2} meters, {readings} readings")
    print(f"{'step':<16}{'seconds':>9}  what")
    for label, seconds, what in rows:
        print(f"{label:<16}{seconds:>9.2f}  {what}")


if __name__ == "__main__":
    main()
