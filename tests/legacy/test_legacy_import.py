"""The legacy workbook import: sheets to accounts, meters, prices, readings and replacements."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal as D
from pathlib import Path

import pytest
from openpyxl import Workbook as OpenpyxlWorkbook
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from reports.workbook import (
    CellError,
    HeaderError,
    MissingSheet,
    Workbook,
    cell_date,
    cell_decimal,
)
from server.db.models import (
    Account,
    AccountLedgerEntry,
    AuditEvent,
    Building,
    Campus,
    CustomerClass,
    Meter,
    MeterReplacement,
    Reading,
    Tariff,
    TariffComponent,
    TariffTier,
)
from server.services.billing.billing_run import list_bills, run_billing
from server.services.core.calendar import BUSINESS_TZ, Period
from server.services.legacy.workbook import (
    ImportReport,
    LegacyImportError,
    SheetCount,
    import_legacy,
)
from server.services.metering import readings as metering
from tests import factories as f

ACCOUNT_HEADER = [
    "户号",
    "户名",
    "类别",
    "校区",
    "楼号",
    "单元",
    "门牌号",
    "手机",
    "收费方式",
    "余额",
]
METER_HEADER = ["表号", "户号", "类型", "型号", "位数", "倍率", "硬件号", "安装日期", "位置"]
TARIFF_HEADER = ["类型", "用户类别", "生效日期", "项目", "阶梯起点", "单价"]
READING_HEADER = ["表号", "抄表日期", "读数"]
REPLACEMENT_HEADER = ["旧表号", "旧表止码", "新表号", "新表起码", "换表日期"]

TABLES = (
    Account,
    AccountLedgerEntry,
    Campus,
    Building,
    Meter,
    Reading,
    MeterReplacement,
    Tariff,
    TariffComponent,
    TariffTier,
    AuditEvent,
)


def write_book(path: Path, sheets: dict[str, list[list[object]]]) -> Path:
    """A workbook with one sheet per entry, rows written as given (the first is the header)."""
    book = OpenpyxlWorkbook()
    book.remove(book.active)
    for name, rows in sheets.items():
        sheet = book.create_sheet(name)
        for row in rows:
            sheet.append(row)
    book.save(path)
    return path


def good_sheets() -> dict[str, list[list[object]]]:
    """Two accounts, five meters (E3 replaced by E4), tiered prices and a year of readings.

    E1's readings are out of date order on purpose: the import sorts them per meter.
    """
    return {
        "户号": [
            ACCOUNT_HEADER,
            ["A001", "张三", "居民", "东校区", "1号楼", "2", "301", "13800000001", "后收费", None],
            ["A002", "李四", "单位", "西校区", "行政楼", None, "101", None, "预收费", 500],
        ],
        "表计": [
            METER_HEADER,
            ["E1", "A001", "电", "DDS-1", 4, 1, "H001", datetime(2024, 1, 1), "楼道"],
            ["W1", "A001", "水", "LXS-15", 6, None, None, None, "厨房"],
            ["E2", "A002", "电", "DTS-3", 6, 2, "H002", "2024-01-01", "配电间"],
            ["E3", "A002", "电", "DDS-1", 6, 1, None, None, "配电间"],
            ["E4", None, "电", "DDS-2", 6, 3, "H004", None, None],
        ],
        "价格": [
            TARIFF_HEADER,
            ["电", "居民", "2024-01-01", "电费", 0, 0.5],
            ["电", "居民", "2024-01-01", "电费", 200, 0.8],
            ["水", "居民", "2024-01-01", "水费", 0, 3],
            ["水", "居民", "2024-01-01", "污水处理费", 0, 1],
            ["电", "单位", "2024-01-01", "电费", 0, 0.9],
            ["电", "单位", "2024-01-01", "电费", 300, 1.2],
        ],
        "读数": [
            READING_HEADER,
            ["E1", "2024-08-15", 200],
            ["E1", "2024-01-15", 9900],
            ["E1", "2024-02-15", 9920],
            ["E1", "2024-03-15", 9940],
            ["E1", "2024-04-15", 9960],
            ["E1", "2024-05-15", 9990],
            ["E1", "2024-07-15", 10],
            ["E1", "2024-06-15", 15],
            ["W1", "2024-08-15", 100],
            ["W1", "2024-09-15", 112.5],
            ["E2", "2024-08-20", 1000],
            ["E2", "2024-09-20", 1100],
            ["E3", "2024-08-20", 5000],
            ["E4", "2024-09-20", 40],
        ],
        "换表": [
            REPLACEMENT_HEADER,
            ["E3", 5080, "E4", 10, "2024-09-10"],
        ],
    }


GOOD_REPORT = ImportReport(
    accounts=SheetCount(2, 0),
    meters=SheetCount(5, 0),
    tariffs=SheetCount(6, 0),
    readings=SheetCount(14, 0),
    replacements=SheetCount(1, 0),
)


def counts(session: Session) -> dict[str, int]:
    return {
        model.__tablename__: session.scalar(select(func.count()).select_from(model))
        for model in TABLES
    }


def readings_of(session: Session, meter_no: str) -> list[Reading]:
    return list(
        session.scalars(
            select(Reading)
            .join(Meter, Meter.id == Reading.meter_id)
            .where(Meter.meter_no == meter_no)
            .order_by(Reading.read_at)
        )
    )


def noon(day: str) -> datetime:
    d = date.fromisoformat(day)
    return datetime(d.year, d.month, d.day, 12, tzinfo=BUSINESS_TZ)


def problems_of(session: Session, path: Path) -> list[str]:
    with pytest.raises(LegacyImportError) as caught:
        import_legacy(session, f.ACTOR, path)
    return caught.value.problems


def assert_good_import(session: Session) -> None:
    """The figures of `good_sheets`, worked out by hand."""
    a001 = session.scalar(select(Account).where(Account.account_no == "A001"))
    a002 = session.scalar(select(Account).where(Account.account_no == "A002"))
    assert a001 is not None and a002 is not None
    assert (a001.holder_name, a001.unit, a001.room, a001.mobile) == (
        "张三",
        "2",
        "301",
        "13800000001",
    )
    assert (a001.billing_mode, a001.balance) == ("postpaid", D("0.00"))
    assert (a002.billing_mode, a002.balance, a002.unit) == ("prepaid", D("500.00"), "")
    east = session.scalar(select(Campus).where(Campus.name == "东校区"))
    assert east is not None and a001.campus_id == east.id
    building = session.get(Building, a001.building_id)
    assert building is not None and (building.name, building.campus_id) == ("1号楼", east.id)
    ledger = session.scalars(select(AccountLedgerEntry).order_by(AccountLedgerEntry.id)).all()
    assert [(e.account_id, e.kind, e.amount, e.balance_after) for e in ledger] == [
        (a002.id, "opening", D("500.00"), D("500.00"))
    ]

    meters = {m.meter_no: m for m in session.scalars(select(Meter))}
    e1 = meters["E1"]
    assert (e1.kind, e1.digits, e1.multiplier, e1.hardware_no) == ("electricity", 4, D(1), "H001")
    assert (e1.account_id, e1.building_id, e1.installed_on) == (
        a001.id,
        a001.building_id,
        date(2024, 1, 1),
    )
    assert (meters["W1"].kind, meters["W1"].multiplier, meters["W1"].hardware_no) == (
        "water",
        D(1),
        None,
    )
    assert meters["E2"].multiplier == D(2) and meters["E2"].installed_on == date(2024, 1, 1)
    # E4 came in empty-handed and took over E3's account; E3 is out.
    assert (meters["E3"].status, meters["E4"].status) == ("replaced", "active")
    assert meters["E4"].account_id == a002.id and meters["E4"].multiplier == D(3)

    tariffs = {
        (t.kind, t.customer_class_id): t
        for t in session.scalars(select(Tariff).where(Tariff.effective_from == date(2024, 1, 1)))
    }
    assert len(tariffs) == 3
    tiers = session.execute(
        select(
            Tariff.kind,
            TariffComponent.name,
            TariffComponent.position,
            TariffTier.start,
            TariffTier.unit_price,
        )
        .join(TariffComponent, TariffComponent.tariff_id == Tariff.id)
        .join(TariffTier, TariffTier.component_id == TariffComponent.id)
        .where(Tariff.customer_class_id == a001.customer_class_id)
        .order_by(Tariff.kind, TariffComponent.position, TariffTier.start)
    ).all()
    assert [tuple(t) for t in tiers] == [
        ("electricity", "电费", 0, D("0.000"), D("0.5000")),
        ("electricity", "电费", 0, D("200.000"), D("0.8000")),
        ("water", "水费", 0, D("0.000"), D("3.0000")),
        ("water", "污水处理费", 1, D("0.000"), D("1.0000")),
    ]

    e1_readings = readings_of(session, "E1")
    assert [(r.read_at, r.value, r.status, tuple(r.flags), r.usage) for r in e1_readings] == [
        (noon("2024-01-15"), D(9900), "accepted", (), None),
        (noon("2024-02-15"), D(9920), "accepted", (), D(20)),
        (noon("2024-03-15"), D(9940), "accepted", (), D(20)),
        (noon("2024-04-15"), D(9960), "accepted", (), D(20)),
        # Feb–Apr average 20: 30 is not over three times that.
        (noon("2024-05-15"), D(9990), "accepted", (), D(30)),
        # 4 digits: 9990 → 15 wrapped, 10000 − 9990 + 15 = 25.
        (noon("2024-06-15"), D(15), "accepted", ("rollover",), D(25)),
        # 15 → 10 is no wrap (9995 is over half the register): held.
        (noon("2024-07-15"), D(10), "held", ("lower_than_previous",), None),
        # Against 15 (the held 10 is not a previous): 185; months Feb–Jun 20+20+20+30+25
        # average 23, and 185 > 3 × 23 = 69 and > 10.
        (noon("2024-08-15"), D(200), "accepted", ("surge",), D(185)),
    ]
    assert all(r.source == "import" for r in e1_readings)
    by_value = {r.value: r for r in e1_readings}
    assert by_value[D(9900)].previous_id is None
    assert by_value[D(15)].previous_id == by_value[D(9990)].id
    assert by_value[D(10)].previous_id == by_value[D(15)].id
    assert by_value[D(200)].previous_id == by_value[D(15)].id
    w1 = readings_of(session, "W1")
    assert [(r.value, r.usage) for r in w1] == [(D(100), None), (D("112.5"), D("12.5"))]


def test_a_good_workbook_imports_everything(session, tmp_path):
    before = counts(session)
    report = import_legacy(session, f.ACTOR, write_book(tmp_path / "old.xlsx", good_sheets()))
    assert report == GOOD_REPORT
    assert report.added == 28
    assert_good_import(session)
    after = counts(session)
    assert after["account"] - before["account"] == 2
    assert after["meter"] - before["meter"] == 5
    # 14 readings from the sheet, plus E3's final and E4's initial reading.
    assert after["reading"] - before["reading"] == 16
    assert after["tariff_tier"] - before["tariff_tier"] == 6
    # One audit event for the whole import, with its counts.
    assert after["audit_event"] - before["audit_event"] == 1
    event = session.scalars(select(AuditEvent).where(AuditEvent.action == "legacy.import")).one()
    assert event.data["sheets"]["读数"] == {"added": 14, "present": 0}
    assert event.data["file"] == "old.xlsx"


def test_the_replacement_sheet_closes_the_old_meter_and_opens_the_new(session, tmp_path):
    import_legacy(session, f.ACTOR, write_book(tmp_path / "old.xlsx", good_sheets()))
    replacement = session.scalars(select(MeterReplacement)).one()
    e3 = readings_of(session, "E3")
    e4 = readings_of(session, "E4")
    assert replacement.old_meter_id == e3[0].meter_id
    assert replacement.new_meter_id == e4[0].meter_id
    assert (replacement.old_final, replacement.new_initial) == (D(5080), D(10))
    assert replacement.replaced_at == noon("2024-09-10")
    # Old meter: 5000 then the final 5080 (usage 80, accepted) on the replacement day.
    assert [(r.value, r.status, r.source, r.usage, r.read_at) for r in e3] == [
        (D(5000), "accepted", "import", None, noon("2024-08-20")),
        (D(5080), "accepted", "import", D(80), noon("2024-09-10")),
    ]
    assert replacement.old_final_reading_id == e3[1].id and e3[1].previous_id == e3[0].id
    # New meter: the initial 10, then 40 read against it: 30 × 3 = 90.
    assert [(r.value, r.status, r.source, r.usage) for r in e4] == [
        (D(10), "accepted", "initial", None),
        (D(40), "accepted", "import", D(90)),
    ]
    assert replacement.new_initial_reading_id == e4[0].id and e4[1].previous_id == e4[0].id


def test_billing_the_imported_month_spans_the_replacement(session, tmp_path):
    import_legacy(session, f.ACTOR, write_book(tmp_path / "old.xlsx", good_sheets()))
    result = run_billing(session, f.ACTOR, Period.parse("2024-09"))
    assert result.created == 2
    # E1 was last read in August.
    assert [(s.meter_no, s.reason) for s in result.skipped] == [("E1", "unread")]
    bills = {b.account_no: b for b in list_bills(session, Period.parse("2024-09"))}
    # A001 water 112.5 − 100 = 12.5: 水费 12.5 × 3 = 37.50, 污水处理费 12.5 × 1 = 12.50.
    a001 = bills["A001"]
    assert [(x.component, x.usage, x.amount) for x in a001.lines] == [
        ("水费", D("12.5"), D("37.50")),
        ("污水处理费", D("12.5"), D("12.50")),
    ]
    assert (a001.total, a001.status) == (D("50.00"), "open")
    # A002 electricity: E2 (1100 − 1000) × 2 = 200; E3 (5080 − 5000) × 1 = 80;
    # E4 (40 − 10) × 3 = 90; 370 in all: 300 × 0.9 + 70 × 1.2 = 270 + 84 = 354.00.
    a002 = bills["A002"]
    assert sorted((m.meter_no, m.prev, m.curr, m.usage) for m in a002.meters) == [
        ("E2", D(1000), D(1100), D(200)),
        ("E3", D(5000), D(5080), D(80)),
        ("E4", D(10), D(40), D(90)),
    ]
    assert [(x.component, x.usage, x.amount) for x in a002.lines] == [
        ("电费", D(370), D("354.00")),
    ]
    # Prepaid: the bill draws on the opening balance, 500 − 354 = 146.
    assert (a002.total, a002.status) == (D("354.00"), "paid")
    account = session.scalar(select(Account).where(Account.account_no == "A002"))
    assert account is not None and account.balance == D("146.00")


def reorder(
    rows: list[list[object]], order: list[str], extra: dict[str, object]
) -> list[list[object]]:
    """The same sheet with its columns in `order`, extra columns added and padded headers."""
    header = rows[0]
    out: list[list[object]] = [[f"  {name} " for name in order] + list(extra)]
    for row in rows[1:]:
        values = dict(zip(header, row, strict=True))
        out.append([values[name] for name in order] + list(extra.values()))
        out.append([None] * (len(order) + len(extra)))  # blank rows are skipped
    return out


def test_columns_in_any_order_extra_columns_text_numbers_and_dates(session, tmp_path):
    sheets = good_sheets()
    sheets["户号"] = reorder(
        sheets["户号"],
        ["余额", "收费方式", "手机", "门牌号", "单元", "楼号", "校区", "类别", "户名", "户号"],
        {"备注": "旧系统"},
    )
    sheets["表计"] = reorder(sheets["表计"], list(reversed(METER_HEADER)), {"状态": "正常"})
    sheets["价格"] = reorder(
        sheets["价格"], ["单价", "阶梯起点", "项目", "生效日期", "用户类别", "类型"], {}
    )
    # Figures typed as text and dates as text with slashes or as Excel dates.
    readings = []
    for meter_no, day, value in sheets["读数"][1:]:
        shown_day: object = day.replace("-", "/") if meter_no == "E1" else date.fromisoformat(day)
        readings.append([str(value), "x", shown_day, meter_no])
    sheets["读数"] = [["读数", "备注", "抄表日期", "表号"], *readings]
    sheets["换表"] = reorder(sheets["换表"], list(reversed(REPLACEMENT_HEADER)), {})
    report = import_legacy(session, f.ACTOR, write_book(tmp_path / "shuffled.xlsx", sheets))
    assert report == GOOD_REPORT
    assert_good_import(session)


def test_every_problem_is_reported_with_its_place_and_nothing_is_written(session, tmp_path):
    sheets = {
        "户号": [
            ACCOUNT_HEADER,
            ["A001", "张三", "居民", "东校区", None, None, None, None, "后收费", 0],
            ["A001", "王五", "居民", "东校区", None, None, None, None, "后收费", 0],
            ["A003", "赵六", "学生", "东校区", None, None, None, None, "月结", "abc"],
            ["A004", None, "居民", "东校区", None, None, None, None, "后收费", "12.345"],
        ],
        "表计": [
            METER_HEADER,
            ["E1", "A001", "电", None, 4, 1, "H001", None, None],
            ["E1", "A001", "电", None, 4, 1, None, None, None],
            ["E5", "A999", "电", None, 6, 1, None, None, None],
            ["E6", "A001", "气", None, 13, 0, None, None, None],
            ["E7", "A001", "电", None, 6.5, -2, None, None, None],
            # A003's row is wrong, but it is in the sheet: no second complaint about it here.
            ["E8", "A003", "电", None, 6, 1, None, None, None],
            ["E9", "A001", "水", None, 6, 1, "H001", None, None],
            ["E10", "A001", "电", None, 6, 1, None, "2024-13-01", None],
        ],
        "价格": [
            TARIFF_HEADER,
            ["电", "居民", "2024-01-01", "电费", 100, 0.5],
            ["电", "居民", "2024-01-01", "电费", 100, 0.6],
            ["水", "居民", "2024-02-30", "水费", 0, 3],
            ["水", "居民", "2024-01-01", "水费", 0, -3],
        ],
        "读数": [
            READING_HEADER,
            ["E1", "2024-01-15", 9990],
            ["E1", "2024-02-15", 12345],
            ["E1", "2024-03-15", "abc"],
            ["E1", None, 100],
            ["E1", "2024/02/30", 100],
            ["E404", "2024-01-15", 100],
            ["E1", "2024-04-15", -5],
            ["E1", "2024-01-15", 9990],
            ["E6", "2024-01-15", 5],
        ],
    }
    before = counts(session)
    assert problems_of(session, write_book(tmp_path / "bad.xlsx", sheets)) == [
        "户号!3: 户号 A001 重复（第 2 行已有）",
        "户号!4: 类别 学生 未知（应为 居民、集体宿舍 或 单位）",
        "户号!4: 收费方式 月结 未知（应为 预收费 或 后收费）",
        "户号!4: 余额 abc 不是数字",
        "户号!5: 户名 不能为空",
        "户号!5: 余额 12.345 最多 2 位小数",
        "表计!3: 表号 E1 重复（第 2 行已有）",
        "表计!4: 户号 A999 不存在",
        "表计!5: 类型 气 未知（应为 水 或 电）",
        "表计!5: 位数 13 应为 1–12 的整数",
        "表计!5: 倍率 0 应大于 0",
        "表计!6: 位数 6.5 应为 1–12 的整数",
        "表计!6: 倍率 -2 不能为负",
        "表计!8: 硬件号 H001 重复（第 2 行已有）",
        "表计!9: 安装日期 2024-13-01 不是有效日期（应为 YYYY-MM-DD）",
        "价格!2: 项目 电费 没有从 0 起的第一档",
        "价格!3: 项目 电费 的阶梯起点 100 重复（第 2 行已有）",
        "价格!4: 生效日期 2024-02-30 不是有效日期（应为 YYYY-MM-DD）",
        "价格!5: 单价 -3 不能为负",
        "读数!3: 读数 12345 超出 4 位表的量程",
        "读数!4: 读数 abc 不是数字",
        "读数!5: 抄表日期 不能为空",
        "读数!6: 抄表日期 2024/02/30 不是有效日期（应为 YYYY-MM-DD）",
        "读数!7: 表号 E404 不存在",
        "读数!8: 读数不能为负：-5",
        "读数!9: 表号 E1 在 2024-01-15 的读数重复（第 2 行已有）",
    ]
    assert counts(session) == before


def test_missing_sheets_and_columns_are_reported_at_row_1(session, tmp_path):
    sheets = good_sheets()
    del sheets["价格"]
    sheets["表计"] = [[c for c in row if c != "位数"] for row in sheets["表计"][:1]]
    sheets["读数"] = [["表号", "读数", "抄表日期", "读数"], ["E1", 1, "2024-01-01", 2]]
    before = counts(session)
    assert problems_of(session, write_book(tmp_path / "bad.xlsx", sheets)) == [
        "表计!1: 缺少列 位数",
        "价格!1: 缺少工作表 价格",
        "读数!1: 列 读数 重复",
    ]
    assert counts(session) == before


def test_replacement_problems(session, tmp_path):
    sheets = good_sheets()
    sheets["读数"] += [
        ["E3", "2024-09-15", 5090],  # row 16: the old meter read after it was taken out
        ["E4", "2024-09-01", 5],  # row 17: the new meter read before it was put in
    ]
    sheets["换表"] = [
        REPLACEMENT_HEADER,
        ["E3", 4000, "E4", 10, "2024-09-10"],
        ["X9", 1, "E5", 0, "2024-09-10"],
        ["E2", 1200, "W1", 0, "2024-09-30"],
        ["E1", 99999, "E9", 0, "2024-09-30"],
    ]
    sheets["表计"].append(["E9", None, "电", None, 6, 1, None, None, None])
    before = counts(session)
    assert problems_of(session, write_book(tmp_path / "bad.xlsx", sheets)) == [
        "读数!16: 表 E3 已于 2024-09-10 换下，抄表日期应早于换表日期",
        "读数!17: 表 E4 于 2024-09-10 换上，抄表日期应晚于换表日期",
        # E3 was last read at 5000 on 2024-08-20.
        "换表!2: 旧表止码 4000 低于上次读数 5000",
        "换表!3: 旧表号 X9 不存在",
        "换表!4: 新表 W1 与旧表 E2 类型不同",
        "换表!5: 旧表止码 99999 超出 4 位表的量程",
    ]
    assert counts(session) == before


def test_dry_run_reports_and_writes_nothing(session, tmp_path):
    path = write_book(tmp_path / "old.xlsx", good_sheets())
    before = counts(session)
    report = import_legacy(session, f.ACTOR, path, dry_run=True)
    assert report == ImportReport(**{**GOOD_REPORT.__dict__, "dry_run": True})
    assert counts(session) == before
    # The session is still usable, and the real import then adds the same.
    assert import_legacy(session, f.ACTOR, path) == GOOD_REPORT
    assert_good_import(session)


def test_importing_the_same_workbook_again_adds_nothing(session, tmp_path):
    path = write_book(tmp_path / "old.xlsx", good_sheets())
    import_legacy(session, f.ACTOR, path)
    before = counts(session)
    again = import_legacy(session, f.ACTOR, path)
    assert again == ImportReport(
        accounts=SheetCount(0, 2),
        meters=SheetCount(0, 5),
        tariffs=SheetCount(0, 6),
        readings=SheetCount(0, 14),
        replacements=SheetCount(0, 1),
    )
    assert again.added == 0
    after = counts(session)
    # Only the audit trail grows: one event for the second attempt.
    assert after == {**before, "audit_event": before["audit_event"] + 1}
    assert_good_import(session)


def test_readings_continue_from_those_in_the_database(session, tmp_path):
    account_id = f.account(session, "A001")
    f.meter(session, "E1", account_id, digits=4)
    f.read(session, "E1", "2024-01-15", "9990")
    # Same day, same time as the import would use, with another value.
    metering.record_reading(session, f.ACTOR, "E1", D(9995), noon("2024-01-20"), "field")
    sheets = {
        "户号": [
            ACCOUNT_HEADER,
            ["A001", "另一个名字", "居民", "东校区", None, None, None, None, "后收费", 0],
        ],
        "表计": [METER_HEADER, ["E1", "A001", "电", None, 4, 1, None, None, None]],
        "价格": [TARIFF_HEADER],
        "读数": [
            READING_HEADER,
            ["E1", "2024-02-15", 15],
            ["E1", "2024-03-15", 10],
        ],
    }
    report = import_legacy(session, f.ACTOR, write_book(tmp_path / "more.xlsx", sheets))
    # The account and meter are already there: kept as they are (holder not overwritten).
    assert report.accounts == SheetCount(0, 1) and report.meters == SheetCount(0, 1)
    assert report.readings == SheetCount(2, 0)
    holder = session.scalar(select(Account.holder_name).where(Account.account_no == "A001"))
    assert holder == "张三"
    rows = readings_of(session, "E1")
    assert [(r.value, r.source, r.status, tuple(r.flags), r.usage) for r in rows] == [
        (D(9990), "field", "accepted", (), None),
        (D(9995), "field", "accepted", (), D(5)),
        # Against the database's 9995: 10000 − 9995 + 15 = 20, a rollover.
        (D(15), "import", "accepted", ("rollover",), D(20)),
        (D(10), "import", "held", ("lower_than_previous",), None),
    ]
    assert rows[2].previous_id == rows[1].id

    sheets["读数"].append(["E1", "2024-01-20", 9996])
    assert problems_of(session, write_book(tmp_path / "clash.xlsx", sheets)) == [
        "读数!4: 表号 E1 在 2024-01-20 已有读数 9995，表中为 9996",
    ]


def test_an_unreadable_file_is_one_problem(session, tmp_path):
    path = tmp_path / "not.xlsx"
    path.write_bytes(b"not a workbook")
    [problem] = problems_of(session, path)
    assert problem.startswith("无法读取工作簿 not.xlsx")


def test_workbook_reader_finds_columns_by_header(tmp_path):
    path = write_book(
        tmp_path / "plain.xlsx",
        {
            "表": [
                [" 读数", "其他", "表号  "],
                [12.5, "x", "E1"],
                [None, None, None],
                [None, "只有无关列", None],
                ["3", None, " E2 "],
            ]
        },
    )
    with Workbook(path) as book:
        rows = book.rows("表", ["表号", "读数"])
        assert [(r.number, r.values) for r in rows] == [
            (2, {"表号": "E1", "读数": 12.5}),
            (5, {"表号": "E2", "读数": "3"}),
        ]
        with pytest.raises(HeaderError) as caught:
            book.rows("表", ["表号", "位数", "倍率"])
        assert (caught.value.sheet, caught.value.missing) == ("表", ("位数", "倍率"))
        assert str(caught.value) == "工作表 表：缺少列 位数；缺少列 倍率"
        with pytest.raises(MissingSheet, match="缺少工作表 户号"):
            book.rows("户号", ["户号"])


@pytest.mark.parametrize(
    ("cell", "expected"),
    [(12.5, D("12.5")), (3.0, D(3)), (7, D(7)), ("0.1", D("0.1")), (0.1, D("0.1")), (None, None)],
)
def test_cell_decimal_never_goes_through_binary_floats(cell, expected):
    value = cell_decimal(cell)
    assert value == expected and (value is None or str(value) == str(expected))


@pytest.mark.parametrize(
    ("cell", "expected"),
    [
        (datetime(2024, 3, 5, 8, 30), date(2024, 3, 5)),
        ("2024-03-05", date(2024, 3, 5)),
        ("2024/3/5", date(2024, 3, 5)),
        (date(2024, 3, 5), date(2024, 3, 5)),
        ("2024.03.05", date(2024, 3, 5)),
        ("2024年3月5日", date(2024, 3, 5)),
        ("20240305", date(2024, 3, 5)),
        (20240305, date(2024, 3, 5)),
        ("2024-03-05 08:30:00", date(2024, 3, 5)),
        # a date cell that lost its format: Excel's day number 45356 is 2024-03-05
        (45356, date(2024, 3, 5)),
        (45356.0, date(2024, 3, 5)),
    ],
)
def test_cell_date_accepts_excel_dates_and_text(cell, expected):
    assert cell_date(cell) == expected


@pytest.mark.parametrize("cell", ["2024-02-30", "2024", 2024, "15/03/2024", "明天", 45356.5])
def test_cell_date_refuses_what_is_not_a_date(cell):
    with pytest.raises(CellError, match="不是有效日期"):
        cell_date(cell)


def test_the_error_message_shows_the_first_50_problems_and_keeps_all():
    problems = [f"读数!{row}: 读数 x 不是数字" for row in range(2, 62)]
    error = LegacyImportError(problems)
    assert error.problems == problems
    lines = str(error).splitlines()
    assert lines[0] == "工作簿有 60 处问题，未导入任何数据："
    assert lines[1:51] == problems[:50]
    assert lines[51:] == ["……另有 10 处"]


def test_a_class_the_desk_added_is_taken_by_the_import(session, tmp_path):
    from server.services.accounts.customer_classes import add_customer_class

    sheets = good_sheets()
    sheets["户号"][2][2] = "商户"
    sheets["价格"][5][1] = sheets["价格"][6][1] = "商户"
    path = write_book(tmp_path / "legacy.xlsx", sheets)
    problems = problems_of(session, path)
    assert [p for p in problems if "商户" in p] == [
        "户号!3: 类别 商户 未知（应为 居民、集体宿舍 或 单位）",
        "价格!6: 用户类别 商户 未知（应为 居民、集体宿舍 或 单位）",
        "价格!7: 用户类别 商户 未知（应为 居民、集体宿舍 或 单位）",
    ]
    add_customer_class(session, f.ACTOR, "shop", "商户", 2)
    import_legacy(session, f.ACTOR, path)
    rows = session.execute(
        select(Account.account_no, CustomerClass.name)
        .join(CustomerClass, CustomerClass.id == Account.customer_class_id)
        .order_by(Account.account_no)
    ).all()
    assert [tuple(r) for r in rows] == [("A001", "居民"), ("A002", "商户")]
    assert (
        session.scalar(
            select(func.count())
            .select_from(Tariff)
            .join(CustomerClass, CustomerClass.id == Tariff.customer_class_id)
            .where(CustomerClass.name == "商户")
        )
        == 1
    )
