"""The reading-ingest engine: the one check of a figure, the one meter lookup, and every
source (desk, field H5, BLE, bench, handheld file, remote platform, legacy workbook)
refusing a bad figure with the engine's own words."""

from __future__ import annotations

import ast
from datetime import datetime
from decimal import Decimal as D
from pathlib import Path

import pytest

from devices.cjt188 import MeterData
from devices.handheld import HARDWARE, READING, TIME, ColumnProfile, RawLine
from server.db.models import Meter
from server.services.core.calendar import BUSINESS_TZ
from server.services.core.errors import InvalidInput
from server.services.legacy.workbook import LegacyImportError, import_legacy
from server.services.metering import field_readings, handheld_import, ingest, readings
from server.services.metering.bench_readings import record_bench_reading
from server.services.metering.ble_readings import record_ble_reading
from server.services.metering.readings import MeterSpec
from server.services.metering.remote_readings import RemoteSettings, import_remote_file
from server.services.staff.org import add_staff_with_role
from server.services.staff.sign_in import staff_identity
from tests.factories import ACTOR, account, meter, read
from tests.legacy.test_legacy_import import (
    ACCOUNT_HEADER,
    METER_HEADER,
    READING_HEADER,
    TARIFF_HEADER,
    write_book,
)
from tests.metering.test_field_installs import OLD_DIAL as DIAL

NOW = datetime(2026, 11, 23, 9, 0, tzinfo=BUSINESS_TZ)
READ_AT = datetime(2026, 11, 20, 9, 30, tzinfo=BUSINESS_TZ)
# What the engine says of 12.3456, whichever source it came from.
TOO_PRECISE = "最多 3 位小数：12.3456"


@pytest.mark.parametrize(
    ("value", "digits", "stored"),
    [
        ("12.5", 6, "12.500"),
        ("0", 6, "0.000"),
        ("1.2340", 6, "1.234"),  # a trailing zero is not a fourth decimal
        ("999999.999", 6, "999999.999"),  # the largest a 6-digit register shows
        ("99999999999", 12, "99999999999.000"),
    ],
)
def test_a_figure_the_engine_takes_is_stored_with_3_decimals(value, digits, stored):
    figure = ingest.check_reading_value(D(value), digits)
    assert str(figure) == stored


@pytest.mark.parametrize(
    ("value", "digits", "what", "message"),
    [
        ("-1", 6, "读数", "读数不能为负：-1"),
        ("-1.2345", 6, "读数", "读数不能为负：-1.2345"),  # the sign is told first
        ("12.3456", 6, "读数", "读数最多 3 位小数：12.3456"),
        ("1000000", 6, "读数", "读数 1000000 超出 6 位表的量程"),  # 10^6 is past 999999.999
        ("10000", 4, "新表起码", "新表起码 10000 超出 4 位表的量程"),
        ("1.5E+3", 3, "旧表 E1 止码", "旧表 E1 止码 1500 超出 3 位表的量程"),
        # Without a meter, the widest register there is (12 digits) bounds it.
        ("1000000000000", 12, "读数", "读数 1000000000000 超出 12 位表的量程"),
        # 27 digits and a half: out of range, said without overflowing the decimal context.
        ("123456789012345678901234567.5", 12, "读数",
         "读数 123456789012345678901234567.5 超出 12 位表的量程"),
    ],
)  # fmt: skip
def test_a_figure_the_engine_refuses_says_why(value, digits, what, message):
    with pytest.raises(InvalidInput) as refused:
        ingest.check_reading_value(D(value), digits, what)
    assert str(refused.value) == message


def test_without_digits_the_check_bounds_a_figure_by_12_digits():
    assert ingest.check_reading_value(D("999999999999.999")) == D("999999999999.999")
    with pytest.raises(InvalidInput, match=r"^读数 1000000000000 超出 12 位表的量程$"):
        ingest.check_reading_value(D("1000000000000"))


@pytest.fixture
def meters(session):
    """E1 (hw 000011112222, account A001), W1 (water, hw 20260001, A001), E9 (no hardware
    number, no account) and E5 whose hardware number is another meter's number, E9."""
    acc = account(session, "A001")
    for no, hw, kind, owner in (
        ("E1", "000011112222", "electricity", acc),
        ("W1", "20260001", "water", acc),
        ("E9", None, "electricity", None),
        ("E5", "E9", "electricity", acc),
    ):
        meter(session, no, owner, kind=kind, digits=6 if kind == "electricity" else 5)
        session.execute(Meter.__table__.update().where(Meter.meter_no == no).values(hardware_no=hw))
    read(session, "E1", "2026-10-20", "1000")
    return acc


def test_the_lookup_by_hardware_number_then_meter_number(session, meters):
    found = ingest.meters_for(
        session, {"000011112222", "11112222", "E1", "W1", "E9", "20260001", "X"}
    )
    assert {key: (m.meter_no, m.kind, m.digits, m.account_no) for key, m in found.items()} == {
        "000011112222": ("E1", "electricity", 6, "A001"),
        "11112222": ("E1", "electricity", 6, "A001"),  # the zeros a DBF number column drops
        "E1": ("E1", "electricity", 6, "A001"),
        "W1": ("W1", "water", 5, "A001"),
        "20260001": ("W1", "water", 5, "A001"),
        # A hardware number wins over a meter number: the key is what a device sends.
        "E9": ("E5", "electricity", 6, "A001"),
    }


def test_the_lookup_by_meter_number_only(session, meters):
    found = ingest.meters_for(session, {"000011112222", "11112222", "E1", "E9"}, hardware=False)
    assert {key: (m.meter_no, m.account_no) for key, m in found.items()} == {
        "E1": ("E1", "A001"),
        "E9": ("E9", ""),  # no account: no 户号
    }


def test_the_single_reading_lookup(session, meters):
    assert ingest.meter_for(session, " E1 ", hardware=False, lock=True).meter_no == "E1"
    assert ingest.meter_for(session, "000011112222", hardware=False) is None
    assert ingest.meter_for(session, "11112222").meter_no == "E1"
    assert ingest.meter_for(session, "X") is None


def test_one_reading_is_judged_against_what_the_database_holds(session, meters):
    read(session, "E1", "2026-10-25", "1050")
    e1 = ingest.meters_for(session, {"E1"})["E1"]
    assert e1.id is not None
    judged = ingest.judge_reading(session, e1.id, 6, D(1), D("1120.5"), READ_AT)
    assert judged.previous is not None and judged.previous.value == D(1050)
    assert (judged.assessment.usage, judged.assessment.flags) == (D("70.500"), ())
    assert judged.history == [D("50.000")]  # October: 1000 → 1050
    lower = ingest.judge_reading(session, e1.id, 6, D(1), D("990"), READ_AT)
    assert (lower.assessment.usage, lower.assessment.flags, lower.assessment.held) == (
        None,
        ("lower_than_previous",),
        True,
    )


# --- every source says the engine's words ---------------------------------------------


def test_desk_entry_refuses_through_the_engine(session, meters):
    with pytest.raises(InvalidInput) as refused:
        readings.record_reading(session, ACTOR, "E1", "12.3456", READ_AT, "field")
    assert str(refused.value) == f"表计 E1 的读数{TOO_PRECISE}"
    with pytest.raises(InvalidInput) as refused:
        readings.record_reading(session, ACTOR, "E1", "1000000", READ_AT, "field")
    assert str(refused.value) == "表计 E1 的读数 1000000 超出 6 位表的量程"


def test_a_replacement_at_the_desk_checks_the_new_initial_as_a_field_install_does(session, meters):
    new_meter = MeterSpec(meter_no="E2", kind="electricity", digits=4)
    with pytest.raises(InvalidInput) as refused:
        readings.replace_meter(session, ACTOR, "E1", "1080", new_meter, "-1", READ_AT)
    assert str(refused.value) == "新表起码不能为负：-1"
    # The refused call registered E2 before the check (the caller's rollback undoes it).
    new_meter = MeterSpec(meter_no="E3", kind="electricity", digits=4)
    with pytest.raises(InvalidInput) as refused:
        readings.replace_meter(session, ACTOR, "E1", "1080", new_meter, "10000", READ_AT)
    assert str(refused.value) == "新表起码 10000 超出 4 位表的量程"


def test_field_h5_refuses_through_the_engine(session, meters):
    add_staff_with_role(session, ACTOR, login="reader1", name="冯抄表",
                        password="reader1-pass", role="reader", branch_code=None)  # fmt: skip
    staff = staff_identity(session, "reader1")
    with pytest.raises(InvalidInput) as refused:
        field_readings.field_reading(session, staff, "E1", "12.3456", DIAL)
    assert str(refused.value) == f"表计 E1 的读数{TOO_PRECISE}"


def test_ble_refuses_through_the_engine(session, meters):
    data = MeterData(0x10, "00000020260001", 0, D("12.3456"), "m³", None, "", None, b"\0\0")
    with pytest.raises(InvalidInput) as refused:
        record_ble_reading(session, ACTOR, "W1", data, read_at=READ_AT)
    assert str(refused.value) == f"表计 W1 的读数{TOO_PRECISE}"


def test_a_bench_read_refuses_through_the_engine(session, meters):
    with pytest.raises(InvalidInput) as refused:
        record_bench_reading(session, ACTOR, "dlt645-2007", "000011112222", D("12.3456"),
                             "kWh", read_at=READ_AT)  # fmt: skip
    assert str(refused.value) == f"表计 E1 的读数{TOO_PRECISE}"


def test_a_handheld_file_refuses_through_the_engine(session, meters):
    lines = [
        RawLine(1, {HARDWARE: "000011112222", READING: "12.3456", TIME: "2026-11-20 09:30:00"}),
        RawLine(2, {HARDWARE: "000011112222", READING: "1000000", TIME: "2026-11-20 09:30:00"}),
        RawLine(3, {HARDWARE: "000011112222", READING: "1120.5", TIME: "2026-11-20 09:30:00"}),
    ]
    columns = ColumnProfile(name="t", file_format="csv", hardware_column="hw",
                            reading_column="v", time_column="t")  # fmt: skip
    results = handheld_import.import_lines(session, ACTOR, lines, columns, now=NOW)
    assert [(r.outcome, r.message) for r in results] == [
        ("unparsable", f"读数{TOO_PRECISE}"),
        ("unparsable", "表计 E1 的读数 1000000 超出 6 位表的量程"),
        ("imported", "用量 120.5"),
    ]


def test_the_remote_platform_refuses_through_the_engine(session, meters, tmp_path):
    export = tmp_path / "remote.csv"
    export.write_text("hardware_no,value,read_at\n20260001,12.3456,2026-11-20 09:30:00\n")
    result = import_remote_file(session, ACTOR, export, RemoteSettings(url=""), now=NOW)
    assert [(r.outcome, r.message) for r in result.lines] == [("unparsable", f"读数{TOO_PRECISE}")]


def test_the_legacy_workbook_refuses_through_the_engine(session, tmp_path):
    sheets = {
        "户号": [ACCOUNT_HEADER],
        "表计": [METER_HEADER, ["E1", None, "电", None, 4, 1, None, None, None]],
        "价格": [TARIFF_HEADER],
        "读数": [
            READING_HEADER,
            ["E1", "2024-01-15", "12.3456"],
            ["E1", "2024-02-15", 10000],
        ],
    }
    with pytest.raises(LegacyImportError) as refused:
        import_legacy(session, ACTOR, write_book(tmp_path / "old.xlsx", sheets))
    assert refused.value.problems == [
        f"读数!2: 读数{TOO_PRECISE}",
        "读数!3: 读数 10000 超出 4 位表的量程",
    ]


def test_the_engine_never_imports_a_source():
    tree = ast.parse(Path(ingest.__file__).read_text(encoding="utf-8"))
    imported = {
        node.module for node in ast.walk(tree) if isinstance(node, ast.ImportFrom) and node.module
    } | {alias.name for node in ast.walk(tree) if isinstance(node, ast.Import)
         for alias in node.names}  # fmt: skip
    assert not [name for name in imported if name.startswith("server.services.legacy")]
    sources = ("readings", "field_readings", "handheld_import", "remote_readings",
               "ble_readings", "bench_readings", "review_desk")  # fmt: skip
    assert not [n for n in imported if n.rsplit(".", 1)[-1] in sources]
