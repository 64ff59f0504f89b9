"""Handheld terminal import: profiles, a GBK DBF with good and bad lines, CSV/XLSX, the route."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import openpyxl
import pytest
from dbfread import DBF
from sqlalchemy import func, select

from devices.handheld import ColumnProfile, RawLine, SerialHandheldDriver, dbf_bytes
from devices.simulators import SimulatedElectricityMeter, SimulatorServer
from server.db.models import Meter, Reading
from server.db.models.handheld import HandheldImport
from server.services.core.calendar import BUSINESS_TZ
from server.services.core.errors import DomainError
from server.services.metering import handheld_import as hi
from server.services.metering.handheld_file_profiles import (
    ProfileSpec,
    copy_profile,
    create_profile,
    get_profile,
    list_profiles,
    update_profile,
)
from tests.factories import ACTOR, account, meter, read

DBF_PROFILE = "DBF 掌上机（BH/FLA/CBSJ/CBZT）"
CSV_PROFILE = "CSV 通用（GBK，逗号分隔）"
XLSX_PROFILE = "Excel 通用（XLSX）"
NOW = dt.datetime(2026, 11, 23, 9, 0, tzinfo=BUSINESS_TZ)


def t(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text).replace(tzinfo=BUSINESS_TZ)


@pytest.fixture
def meters(session):
    """E1 (hw 000011112222) last 1000, E2 (hw 000011113333) last 500, W1 (hw 20260001) unread."""
    acc = account(session, "A001")
    for no, hw, kind, digits in (
        ("E1", "000011112222", "electricity", 6),
        ("E2", "000011113333", "electricity", 6),
        ("W1", "20260001", "water", 5),
    ):
        meter(session, no, acc, kind=kind, digits=digits)
        session.execute(Meter.__table__.update().where(Meter.meter_no == no).values(hardware_no=hw))
    read(session, "E1", "2026-10-20", "1000")
    read(session, "E2", "2026-10-20", "500")
    return acc


# BH, FLA, CBSJ, CBZT — one record per outcome.
DBF_RECORDS = [
    ("000011112222", Decimal("1120.5"), "2026-11-20 09:30:00", "1"),  # 1 imported, 120.5
    ("000011113333", Decimal("480"), "2026-11-20 09:35:00", "1"),  # 2 lower than before: held
    ("20260001", Decimal("12.25"), "2026-11-20 09:40:00", "1"),  # 3 first reading
    ("999999999999", Decimal("1"), "2026-11-20 09:45:00", "1"),  # 4 unknown meter
    ("000011112222", None, "", "0"),  # 5 unread
    ("000011113333", None, "", "2"),  # 6 failed
    ("20260001", Decimal("999999.999"), "2026-11-20 09:50:00", "1"),  # 7 garbage (patched)
    ("000011112222", Decimal("1130"), "2026-13-40 10:00:00", "1"),  # 8 bad time
    ("11112222", Decimal("1125"), "2026-11-21 08:00:00", "1"),  # 9 zeros lost: E1, 4.5
]


def write_dbf(path, records=DBF_RECORDS):
    content = dbf_bytes(
        ["BH", "FLA", "CBSJ", "CBZT", "DZ"],
        [(*r, "东校区1号楼") for r in records],
        "gbk",
        numeric={"FLA"},
    )
    # A numeric field a terminal wrote garbage into: dbf_bytes would never write it.
    content = content.replace(b"999999.999", b"  12a4.5xx")
    path.write_bytes(content)
    return path


def outcomes(result):
    return [(r.line, r.outcome) for r in result.lines]


def test_builtin_profiles_include_the_documented_dbf_family(session):
    profiles = {p.name: p for p in list_profiles(session)}
    dbf = profiles[DBF_PROFILE]
    assert dbf.builtin
    assert (dbf.spec.hardware_column, dbf.spec.reading_column) == ("BH", "FLA")
    assert (dbf.spec.time_column, dbf.spec.status_column) == ("CBSJ", "CBZT")
    assert (dbf.spec.status_unread, dbf.spec.status_ok, dbf.spec.status_failed) == (
        ("0",),
        ("1",),
        ("2",),
    )
    assert dbf.spec.encoding == "gbk"
    assert {CSV_PROFILE, XLSX_PROFILE, "TXT 通用（GBK，制表符分隔）"} <= set(profiles)


def test_profiles_are_created_edited_and_checked(session):
    with pytest.raises(DomainError, match=r"内置方案.*不能修改"):
        update_profile(session, ACTOR, DBF_PROFILE, get_profile(session, DBF_PROFILE).spec)
    copy = copy_profile(session, ACTOR, DBF_PROFILE, "某厂掌上机")
    assert not copy.builtin and copy.spec.reading_column == "FLA"
    spec = ProfileSpec(**{**copy.spec.__dict__, "reading_column": "DS", "status_column": ""})
    changed = update_profile(session, ACTOR, copy.id, spec)
    assert changed.spec.reading_column == "DS" and changed.spec.status_column is None
    assert get_profile(session, "某厂掌上机").spec.reading_column == "DS"
    with pytest.raises(DomainError) as refused:
        create_profile(
            session,
            ACTOR,
            ProfileSpec(
                name="坏方案",
                file_format="dbf",
                hardware_column="表号",
                reading_column="FLA",
                time_column="FLA",
                encoding="klingon",
                status_column="CBZT",
                status_ok=("1",),
                status_unread=("1",),
            ),
        )
    message = str(refused.value)
    assert "编码「klingon」无效" in message
    assert "DBF 字段名最多 10 个英文字母或数字：表号列「表号」" in message
    assert "同一列不能有两种用途：FLA" in message
    assert "状态取值「1」同时属于“正常”和“未抄”" in message
    with pytest.raises(DomainError, match="已存在"):
        copy_profile(session, ACTOR, CSV_PROFILE, "某厂掌上机")


def test_gbk_dbf_with_good_and_bad_lines(session, meters, tmp_path):
    path = write_dbf(tmp_path / "CB20261120.DBF")
    result = hi.import_handheld(session, ACTOR, path, DBF_PROFILE, now=NOW)
    assert outcomes(result) == [
        (1, "imported"),
        (2, "anomaly"),
        (3, "imported"),
        (4, "unknown"),
        (5, "unread"),
        (6, "failed"),
        (7, "unparsable"),
        (8, "unparsable"),
        (9, "imported"),
    ]
    by_line = {r.line: r for r in result.lines}
    assert by_line[1].message == "用量 120.5" and by_line[1].meter_no == "E1"
    assert by_line[2].message == "读数低于上次，待审核" and by_line[2].status == "held"
    assert by_line[3].message == "首次读数" and by_line[3].meter_no == "W1"
    assert by_line[4].message == "硬件号/表号 999999999999 没有对应的表计"
    assert by_line[5].message == "掌上机标记为未抄"
    assert by_line[6].message == "掌上机标记为抄表失败"
    assert by_line[7].message == "读数「12a4.5xx」不是数字"
    assert (
        by_line[8].message == "抄表时间「2026-13-40 10:00:00」无法识别（应如 2026-11-20 09:30:00）"
    )
    # The terminal's numeric column dropped the leading zeros; usage against line 1.
    assert (by_line[9].meter_no, by_line[9].message) == ("E1", "用量 4.5")
    assert result.written == 4 and result.import_id is not None

    e1 = session.execute(
        select(Reading.value, Reading.usage, Reading.source, Reading.status, Reading.read_at)
        .join(Meter)
        .where(Meter.meter_no == "E1")
        .order_by(Reading.read_at)
    ).all()
    assert [(r.value, r.usage, r.source, r.status) for r in e1] == [
        (Decimal("1000.000"), None, "field", "accepted"),
        (Decimal("1120.500"), Decimal("120.500"), "handheld", "accepted"),
        (Decimal("1125.000"), Decimal("4.500"), "handheld", "accepted"),
    ]
    assert e1[1].read_at == t("2026-11-20 09:30:00")
    e2 = session.execute(
        select(Reading.flags, Reading.status).join(Meter).where(Meter.meter_no == "E2")
        .order_by(Reading.read_at)
    ).all()  # fmt: skip
    assert e2[-1] == (["lower_than_previous"], "held")
    log = session.get(HandheldImport, result.import_id)
    assert (log.lines, log.imported, log.anomalies, log.unknown, log.unread, log.failed) == (
        9, 4, 1, 1, 1, 1,
    )  # fmt: skip
    assert log.unparsable == 2 and log.duplicates == 0

    # The same file again adds nothing: every written line is a duplicate now.
    count = session.scalar(select(func.count()).select_from(Reading))
    again = hi.import_handheld(session, ACTOR, path, DBF_PROFILE, now=NOW)
    assert [o for _, o in outcomes(again)] == [
        "duplicate", "duplicate", "duplicate", "unknown", "unread", "failed",
        "unparsable", "unparsable", "duplicate",
    ]  # fmt: skip
    assert again.lines[0].message == "已导入过：2026-11-20 09:30 读数相同"
    assert session.scalar(select(func.count()).select_from(Reading)) == count


def test_dry_run_judges_and_writes_nothing(session, meters, tmp_path):
    path = write_dbf(tmp_path / "cb.dbf")
    count = session.scalar(select(func.count()).select_from(Reading))
    result = hi.import_handheld(session, ACTOR, path, DBF_PROFILE, dry_run=True, now=NOW)
    assert result.written == 4 and result.import_id is None
    assert all(r.reading_id is None for r in result.lines)
    assert session.scalar(select(func.count()).select_from(Reading)) == count
    assert session.scalar(select(func.count()).select_from(HandheldImport)) == 0
    assert result.summary() == (
        "试导入（未写入） cb.dbf：共 9 行，已导入 3，异常 1，未知表计 1，未抄 1，抄表失败 1，"
        "无法识别 2"
    )


def test_gbk_csv_conflicts_and_a_line_in_the_wrong_encoding(session, meters, tmp_path):
    lines = [
        "表号,读数,抄表时间,状态".encode("gbk"),
        b"000011112222,1050,2026-10-20 10:00:00,1",  # the stored 1000 at that time: conflict
        b"000011113333,520.5,2026/11/20 10:00,\xd5\xfd\xb3\xa3",  # 正常 in GBK
        b"20260001,\xff\xfe,2026-11-20 10:00,1",  # not GBK
        b"",
        "20260001,7,2026-11-20 10:05,未抄".encode("gbk"),
        b"000011113333,520.5,2026/11/20 10:00,1",  # the same as line 3
        b"000011113333,530,2026-11-24 10:00,1",  # a day ahead of now
        b"20260001,-1,2026-11-20 10:05,1",
        b"20260001,1.2345,2026-11-20 10:05,1",
        b"20260001,1,2026-11-20 10:05,9",
    ]
    path = tmp_path / "readings.csv"
    path.write_bytes(b"\r\n".join(lines))
    result = hi.import_handheld(session, ACTOR, path, CSV_PROFILE, now=NOW)
    assert [(r.line, r.outcome, r.message) for r in result.lines] == [
        (2, "conflict", "2026-10-20 10:00 已有读数 1000，与本行不同，未导入"),
        (3, "imported", "用量 20.5"),
        (4, "unparsable", "不是 gbk 编码的文字"),
        (6, "unread", "掌上机标记为未抄"),
        (7, "duplicate", "与第 3 行相同（520.5）"),
        (8, "unparsable", "抄表时间 2026-11-24 10:00 晚于现在，请检查掌上机时钟"),
        (9, "unparsable", "读数不能为负：-1"),
        (10, "unparsable", "读数最多 3 位小数：1.2345"),
        (11, "unparsable", "状态「9」不是方案中的取值（正常：1/正常/已抄；未抄：0/未抄；"
                           "失败：2/失败/抄表失败）"),
    ]  # fmt: skip


def test_a_file_missing_a_column_is_refused_whole(session, meters, tmp_path):
    path = tmp_path / "r.csv"
    path.write_bytes("表号,读数,时间\r\n000011112222,1,2026-11-20\r\n".encode("gbk"))
    with pytest.raises(DomainError) as refused:
        hi.import_handheld(session, ACTOR, path, CSV_PROFILE, now=NOW)
    assert str(refused.value) == (
        "r.csv 第 1 行：缺少列 抄表时间（抄表时间）、状态（状态）；文件中的列：表号、读数、时间"
        f"（方案「{CSV_PROFILE}」）"
    )
    assert session.scalar(select(func.count()).select_from(HandheldImport)) == 0


def test_xlsx_with_date_cells_and_number_cells(session, meters, tmp_path):
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["表号", "读数", "抄表时间", "状态"])
    sheet.append([11112222, 1200.25, dt.datetime(2026, 11, 20, 8, 15), 1])
    sheet.append(["20260001", "3", dt.date(2026, 11, 20), "1"])
    path = tmp_path / "r.xlsx"
    book.save(path)
    result = hi.import_handheld(session, ACTOR, path, XLSX_PROFILE, now=NOW)
    assert [(r.line, r.outcome, r.meter_no, r.value, r.read_at) for r in result.lines] == [
        (2, "imported", "E1", Decimal("1200.250"), t("2026-11-20 08:15")),
        # A date with no time is taken at noon, as the legacy import takes its dates.
        (3, "imported", "W1", Decimal("3.000"), t("2026-11-20 12:00")),
    ]


def test_a_driver_hands_over_lines_directly(session, meters, tmp_path):
    class Sdk:
        def readings(self):
            return [
                RawLine(1, {"hardware": "000011112222", "reading": "1010", "time": "20261120083000",
                            "status": "1"}),
                RawLine(2, {}, "校验和错误"),
            ]  # fmt: skip

        def send_route(self, entries, destination):
            raise NotImplementedError

    result = hi.import_handheld(
        session, ACTOR, tmp_path / "sdk", DBF_PROFILE, driver=Sdk(), now=NOW
    )
    assert [(r.outcome, r.message) for r in result.lines] == [
        ("imported", "用量 10"),
        ("unparsable", "校验和错误"),
    ]


def test_route_of_a_building_as_dbf_and_csv(session, meters, tmp_path):
    route = hi.route_for_building(session, "东校区/1号楼", DBF_PROFILE)
    assert route.filename == "抄表路线-东校区-1号楼.dbf"
    path = tmp_path / route.filename
    path.write_bytes(route.content)
    table = DBF(str(path), encoding="gbk")
    assert table.field_names == ["BH", "HH", "DZ", "SCDS", "FLA", "CBSJ", "CBZT"]
    rows = [dict(r) for r in table]
    assert [(r["BH"], r["HH"], r["DZ"], r["SCDS"], r["CBZT"]) for r in rows] == [
        ("000011112222", "E1", "东校区 1号楼 2单元301", 1000.0, "0"),
        ("000011113333", "E2", "东校区 1号楼 2单元301", 500.0, "0"),
        ("20260001", "W1", "东校区 1号楼 2单元301", None, "0"),
    ]
    # What the terminal brings back in that file imports with the same profile.
    assert rows[0]["FLA"] is None and rows[0]["CBSJ"] == ""

    csv_route = hi.route_for_building(session, "1号楼", CSV_PROFILE)
    assert csv_route.content.decode("gbk").splitlines() == [
        "表号,户表号,位置,上次读数,读数,抄表时间,状态",
        "000011112222,E1,东校区 1号楼 2单元301,1000,,,0",
        "000011113333,E2,东校区 1号楼 2单元301,500,,,0",
        "20260001,W1,东校区 1号楼 2单元301,,,,0",
    ]
    with pytest.raises(DomainError, match="楼宇 西校区/1号楼 不存在"):
        hi.route_for_building(session, "西校区/1号楼", CSV_PROFILE)


def test_the_serial_driver_reads_a_meter_on_the_bench():
    bench = SimulatedElectricityMeter("000011112222")
    with SimulatorServer([bench]) as server:
        driver = SerialHandheldDriver(server.url, "dlt645-2007")
        try:
            reply = driver.read_meter("000011112222", "00010000")
        finally:
            driver.close()
    assert [(v.value, v.unit) for v in reply.values] == [(Decimal("12345.67"), "kWh")]
    with pytest.raises(ValueError, match="串口下载协议属厂商私有"):
        SerialHandheldDriver("loop://").readings()


def test_column_profile_lookup_ignores_case():
    profile = ColumnProfile("p", "csv", "bh", "fla", "cbsj", encoding="utf-8")
    assert profile.columns() == {"hardware": "bh", "reading": "fla", "time": "cbsj"}


def test_xls_from_a_vendors_office_tool(session, meters, tmp_path):
    xlwt = pytest.importorskip("xlwt")
    book = xlwt.Workbook(encoding="utf-8")
    sheet = book.add_sheet("抄表数据")
    dated = xlwt.easyxf(num_format_str="yyyy-mm-dd hh:mm:ss")
    for col, name in enumerate(["表号", "读数", "抄表时间", "状态"]):
        sheet.write(0, col, name)
    sheet.write(1, 0, "000011112222")
    sheet.write(1, 1, 1010.5)
    sheet.write(1, 2, dt.datetime(2026, 11, 20, 7, 45), dated)
    sheet.write(1, 3, 1)
    sheet.write(2, 0, "000011113333")
    sheet.write(2, 1, "五百")
    sheet.write(2, 2, "2026-11-20 07:50")
    sheet.write(2, 3, 1)
    path = tmp_path / "vendor.xls"
    book.save(str(path))
    xls = copy_profile(session, ACTOR, XLSX_PROFILE, "厂商 XLS")
    update_profile(
        session, ACTOR, xls.id, ProfileSpec(**{**xls.spec.__dict__, "file_format": "xls"})
    )
    result = hi.import_handheld(session, ACTOR, path, "厂商 XLS", now=NOW)
    assert [(r.line, r.outcome, r.message, r.read_at) for r in result.lines] == [
        (2, "imported", "用量 10.5", t("2026-11-20 07:45")),
        (3, "unparsable", "读数「五百」不是数字", None),
    ]
