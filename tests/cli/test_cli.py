"""The operator CLI against a real, freshly migrated database."""

import json

import pytest
from click.testing import CliRunner
from sqlalchemy import create_engine

from server.cli import cli
from server.db.engine import make_sessionmaker, unit_of_work
from server.db.migrate import head_revision
from tests import factories as f


@pytest.fixture
def runner():
    return CliRunner()


@pytest.fixture
def billed_world(md_env):
    engine = create_engine(md_env)
    with unit_of_work(make_sessionmaker(engine)) as session:
        a = f.account(session)
        f.meter(session, "E1", a)
        f.meter(session, "W1", a, kind="water")
        f.tariff(session, components={"电费": [("0", "0.5483"), ("230", "0.5983")]})
        f.read(session, "E1", "2026-09-28", "1000")
        f.read(session, "E1", "2026-10-28", "1300")
        f.read(session, "W1", "2026-09-28", "3")
    engine.dispose()
    return md_env


def test_db_status_and_upgrade(runner, md_env):
    result = runner.invoke(cli, ["db", "status"])
    assert result.exit_code == 0
    assert f"当前版本 {head_revision()}" in result.output and "状态：最新" in result.output
    result = runner.invoke(cli, ["db", "upgrade"])
    assert result.output.strip() == f"数据库结构已是最新（{head_revision()}）"


def test_billing_run_json_and_bills_json(runner, billed_world):
    result = runner.invoke(cli, ["billing", "run", "--period", "2026-10", "--json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.output) == {
        "created": 1,
        "skipped": [{"meter_no": "W1", "reason": "unread"}],
    }
    again = runner.invoke(cli, ["billing", "run", "--period", "2026-10"])
    assert again.output == "2026-10 无新账单\n本期此前已出账 1 户，未重复出账\n"
    bills = json.loads(runner.invoke(cli, ["bills", "--period", "2026-10", "--json"]).output)
    # 230 × 0.5483 + 70 × 0.5983 = 126.109 + 41.881 = 167.99
    assert bills == [
        {
            "account_no": "A001",
            "period": "2026-10",
            "total": "167.99",
            "status": "open",
            "meters": [{"meter_no": "E1", "prev": "1000", "curr": "1300", "usage": "300"}],
            "lines": [
                {"kind": "electricity", "component": "电费", "usage": "300", "amount": "167.99"}
            ],
        }
    ]
    one = runner.invoke(cli, ["bills", "--period", "2026-10", "--account", "NOPE", "--json"])
    assert json.loads(one.output) == []


def test_bad_period_is_refused(runner, md_env):
    result = runner.invoke(cli, ["billing", "run", "--period", "2026-13"])
    assert result.exit_code == 2
    assert "月份无效：2026-13（月份应为 01–12）" in result.output


def test_bad_moment_is_refused_quoting_it(runner, md_env):
    result = runner.invoke(cli, ["reading", "record", "E1", "1200", "--at", "28/11/2026"])
    assert result.exit_code == 2
    assert "时间格式应为 YYYY-MM-DD 或 YYYY-MM-DD HH:MM，收到「28/11/2026」" in result.output


def test_reading_record_flags_at_once_and_history(runner, billed_world):
    result = runner.invoke(cli, ["reading", "record", "E1", "1200", "--at", "2026-11-28 09:30"])
    assert result.exit_code == 0, result.output
    assert result.output == "E1 读数 1200.000，用量 —，待审核\n提醒：读数低于上次\n"
    ok = runner.invoke(cli, ["reading", "record", "E1", "1350", "--at", "2026-11-29"])
    assert ok.output == "E1 读数 1350.000，用量 50.000，已采用\n"
    history = runner.invoke(cli, ["reading", "history", "E1"]).output.splitlines()
    assert history[0] == "2026-11-29 00:00\t1350.000\t50.000\t已采用\tfield\t"
    assert history[1] == "2026-11-28 09:30\t1200.000\t\t待审核\tfield\t读数低于上次"
    assert len(history) == 4


def test_reading_of_unknown_meter(runner, md_env):
    result = runner.invoke(cli, ["reading", "record", "X9", "1"])
    assert result.exit_code == 2
    assert "错误：表号 X9 不存在" in result.output


def test_import_legacy_command(runner, md_env, tmp_path):
    from tests.legacy.test_legacy_import import good_sheets, write_book

    book = write_book(tmp_path / "old.xlsx", good_sheets())
    dry = runner.invoke(cli, ["import", "legacy", str(book), "--dry-run"])
    assert dry.exit_code == 0, dry.output
    assert "户号：新增 2，已存在 0" in dry.output
    assert dry.output.endswith("试运行：检查通过，未写入任何数据\n")
    first = runner.invoke(cli, ["import", "legacy", str(book), "--json"])
    assert json.loads(first.output)["sheets"]["读数"] == {"added": 14, "present": 0}
    again = runner.invoke(cli, ["import", "legacy", str(book)])
    assert "读数：新增 0，已存在 14" in again.output
    assert again.output.endswith("没有新数据：该工作簿此前已导入\n")


def test_import_legacy_bad_workbook_exits_2_and_writes_nothing(runner, md_env, tmp_path):
    from tests.legacy.test_legacy_import import good_sheets, write_book

    sheets = good_sheets()
    sheets["读数"].append(["E404", "2024-01-15", 100])
    sheets["户号"][2][2] = "学生"
    book = write_book(tmp_path / "bad.xlsx", sheets)
    result = runner.invoke(cli, ["import", "legacy", str(book)])
    assert result.exit_code == 2
    assert result.output.splitlines() == [
        "户号!3: 类别 学生 未知（应为 居民、集体宿舍 或 单位）",
        "读数!16: 表号 E404 不存在",
        "导入失败：2 处错误，未写入任何数据",
    ]
    listed = runner.invoke(cli, ["bills", "--period", "2024-09"])
    assert listed.output == "共 0 张\n"
    engine = create_engine(md_env)
    with engine.connect() as conn:
        assert conn.exec_driver_sql("select count(*) from account").scalar() == 0
        assert conn.exec_driver_sql("select count(*) from reading").scalar() == 0
    engine.dispose()


def test_demo_seeds_an_empty_database_once(runner, md_env):
    first = runner.invoke(cli, ["demo", "--accounts", "12", "--no-desktop"])
    assert first.exit_code == 0, first.output
    assert "数据库为空，正在生成演示数据" in first.output
    assert "admin / admin123" in first.output
    engine = create_engine(md_env)
    with engine.connect() as conn:
        assert conn.exec_driver_sql("select count(*) from account").scalar() == 12
        assert conn.exec_driver_sql("select count(*) from campus").scalar() == 3
    again = runner.invoke(cli, ["demo", "--no-desktop"])
    assert again.output == "数据库已有数据，不再生成演示数据\n"
    with engine.connect() as conn:
        assert conn.exec_driver_sql("select count(*) from account").scalar() == 12
    engine.dispose()
    refused = runner.invoke(cli, ["demo-data", "--accounts", "5"])
    assert refused.exit_code == 2
    assert refused.output.startswith("错误：")


def test_branch_and_staff_add(runner, md_env):
    made = runner.invoke(cli, ["branch", "add", "d", "东校区分中心", "--campus", "东校区"])
    assert made.output == "已添加分中心 D 东校区分中心（东校区）\n"
    again = runner.invoke(cli, ["branch", "add", "D", "又一个", "--campus", "东校区"])
    assert (again.exit_code, again.output) == (2, "错误：分中心代码 D 已存在\n")
    clerk = runner.invoke(
        cli,
        ["staff", "add", "clerk9", "--name", "钱九", "--role", "clerk", "--branch", "D"],
        input="Counter2026\n",
    )
    assert clerk.output == "已添加工作人员 clerk9 钱九（clerk）\n"
    weak = runner.invoke(
        cli, ["staff", "add", "c2", "--name", "孙二", "--role", "reader"], input="short\n"
    )
    assert (weak.exit_code, weak.output) == (2, "错误：密码至少 8 位\n")
    nobranch = runner.invoke(
        cli,
        ["staff", "add", "c3", "--name", "李三", "--role", "clerk", "--branch", "Q"],
        input="Counter2026\n",
    )
    assert nobranch.output == "错误：分中心 Q 不存在\n"
    from server.services.staff.sign_in import sign_in

    engine = create_engine(md_env)
    with unit_of_work(make_sessionmaker(engine)) as session:
        who = sign_in(session, "clerk9", "Counter2026").identity
        assert (who.department, who.post, who.branch_name) == ("收费科", "收费员", "东校区分中心")
    engine.dispose()


def test_account_search_command(runner, billed_world):
    out = runner.invoke(cli, ["account", "search", "1号楼", "301", "--json"])
    assert json.loads(out.output) == [
        {"account_no": "A001", "holder_name": "张三", "address": "东校区 1号楼 2单元 301",
         "class": "居民", "billing_mode": "postpaid", "balance": "0.00", "meter_no": ""}
    ]  # fmt: skip
    scanned = runner.invoke(cli, ["account", "search", "W1"])
    assert scanned.output == "A001\t张三\t东校区 1号楼 2单元 301\t居民\t0.00\n共 1 户\n"


@pytest.fixture
def counter_world(md_env):
    from server.services.collection.till import open_till
    from server.services.staff.org import add_staff_with_role
    from server.services.staff.sign_in import staff_identity

    engine = create_engine(md_env)
    with unit_of_work(make_sessionmaker(engine)) as session:
        f.branches(session)
        a = f.account(session)
        f.bill(session, a, "2026-09", "40.00")
        f.bill(session, a, "2026-10", "25.00")
        add_staff_with_role(session, f.ACTOR, login="clerk1", name="李收费",
                            password="Counter2026", role="clerk", branch_code="D")  # fmt: skip
        # A clerk takes money only through an open till (日结 rules, collection.till).
        open_till(session, staff_identity(session, "clerk1").actor)
    engine.dispose()
    return md_env


def test_pay_receipt_pdf_and_void(runner, counter_world, tmp_path):
    paid = runner.invoke(
        cli,
        ["pay", "A001", "50", "--channel", "cash", "--branch", "D", "--clerk", "clerk1",
         "--tendered", "100", "--json"],
    )  # fmt: skip
    assert paid.exit_code == 0, paid.output
    result = json.loads(paid.output)
    year = result["receipt_no"][1:5]
    assert result["receipt_no"] == f"D{year}000001"
    assert result["allocations"] == [
        {"period": "2026-09", "amount": "40.00"},
        {"period": "2026-10", "amount": "10.00"},
    ]
    assert (result["credit"], result["change"], result["balance"]) == ("0.00", "50.00", "0.00")
    pdf = runner.invoke(
        cli, ["receipt", "pdf", result["receipt_no"], "-o", str(tmp_path / "r.pdf")]
    )
    assert pdf.exit_code == 0, pdf.output
    assert (tmp_path / "r.pdf").read_bytes()[:5] == b"%PDF-"
    again_pdf = tmp_path / "r2.pdf"
    reprint = ["receipt", "pdf", result["receipt_no"], "-o", str(again_pdf), "--reprint", "clerk1"]
    assert runner.invoke(cli, reprint).exit_code == 0
    from pypdf import PdfReader

    first_text = PdfReader(tmp_path / "r.pdf").pages[0].extract_text()
    second_text = PdfReader(again_pdf).pages[0].extract_text()
    assert "重打" not in first_text and "重打（第 1 次）" in second_text
    void = runner.invoke(
        cli, ["receipt", "void", result["receipt_no"], "--reason", "收错户", "--by", "clerk1",
              "--json"],
    )  # fmt: skip
    assert json.loads(void.output)["reopened"] == [
        {"period": "2026-09", "amount": "40.00"},
        {"period": "2026-10", "amount": "10.00"},
    ]
    again = runner.invoke(
        cli, ["pay", "A001", "65", "--channel", "transfer", "--ref", "BK20261101001",
              "--branch", "D", "--clerk", "clerk1", "--json"],
    )  # fmt: skip
    assert json.loads(again.output)["receipt_no"] == f"D{year}000002"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["A404", "10", "--channel", "cash"], "错误：户号 A404 不存在"),
        (["A001", "0", "--channel", "cash"], "错误：收款金额必须大于 0，收到 0"),
        (["A001", "1.234", "--channel", "cash"], "错误：收款金额最多两位小数，收到 1.234"),
        (["A001", "abc", "--channel", "cash"], "错误：收款金额应为数字，收到「abc」"),
        (
            ["A001", "10", "--channel", "cash", "--tendered", "5"],
            "错误：实收金额 5.00 少于收款金额 10.00",
        ),
        (["A001", "10", "--channel", "cheque"], "错误：支票收款须填写支票号"),
    ],
)
def test_pay_refusals_exit_2_and_write_nothing(runner, counter_world, args, message):
    result = runner.invoke(cli, ["pay", *args, "--branch", "D", "--clerk", "clerk1"])
    assert result.exit_code == 2
    assert result.output.startswith(message), result.output
    assert len(result.output.strip().splitlines()) == 1
    engine = create_engine(counter_world)
    with engine.connect() as conn:
        assert conn.exec_driver_sql("select count(*) from payment").scalar() == 0
    engine.dispose()


def test_till_handover_and_close(runner, counter_world):
    from server.services.staff.org import add_staff_with_role

    engine = create_engine(counter_world)
    with unit_of_work(make_sessionmaker(engine)) as session:
        add_staff_with_role(session, f.ACTOR, login="cashier", name="周出纳",
                            password="Cashier2026", role="manager", branch_code="D")  # fmt: skip
    engine.dispose()
    base = ["--branch", "D", "--clerk", "clerk1"]
    runner.invoke(cli, ["pay", "A001", "50", "--channel", "cash", "--tendered", "100", *base])
    runner.invoke(cli, ["pay", "A001", "15", "--channel", "transfer", "--ref", "T1", *base])
    handed = runner.invoke(cli, ["till", "handover", "--clerk", "clerk1", "--to", "cashier", "20"])
    assert handed.output == "已交款 20 给 cashier\n"
    closed = runner.invoke(
        cli, ["till", "close", "--clerk", "clerk1", "--cash-counted", "29.5", "--json"]
    )
    assert closed.exit_code == 0, closed.output
    data = json.loads(closed.output)
    # float 0 + tendered 100 − change 50 − handed over 20 = 30.00; counted 29.50 → −0.50
    assert (data["float"], data["expected"], data["counted"], data["over_short"]) == (
        "0.00",
        "30.00",
        "29.50",
        "-0.50",
    )
    assert [(t["channel"], t["count"], t["amount"]) for t in data["totals"]] == [
        ("cash", 1, "50.00"),
        ("transfer", 1, "15.00"),
    ]
    late = runner.invoke(cli, ["pay", "A001", "1", "--channel", "cash", *base])
    assert late.exit_code == 2 and "已日结" in late.output
    reopened = runner.invoke(cli, ["till", "open", "--clerk", "clerk1"])
    assert reopened.exit_code == 2 and "已日结" in reopened.output


def test_export_payments_workbook(runner, counter_world, tmp_path):
    from openpyxl import load_workbook

    from server.services.core.calendar import now

    base = ["--branch", "D", "--clerk", "clerk1", "--json"]
    first = json.loads(runner.invoke(cli, ["pay", "A001", "50", "--channel", "cash", *base]).output)
    second = json.loads(
        runner.invoke(
            cli, ["pay", "A001", "20", "--channel", "transfer", "--ref", "S9", *base]
        ).output
    )
    voided = json.loads(runner.invoke(cli, ["pay", "A001", "1", "--channel", "cash", *base]).output)
    runner.invoke(
        cli, ["receipt", "void", voided["receipt_no"], "--reason", "错收", "--by", "clerk1"]
    )
    today = now().date().isoformat()
    out = tmp_path / "payments.xlsx"
    done = runner.invoke(
        cli, ["export", "payments", "--from", today, "--to", today, "-o", str(out)]
    )
    assert done.exit_code == 0, done.output
    sheet = load_workbook(out).active
    rows = [[c.value for c in row] for row in sheet.iter_rows()]
    assert rows[0][0].startswith(f"缴费明细 {today} 至 {today}（生成于 ")
    assert rows[1] == [
        "户号",
        "户名",
        "缴费月份",
        "项目",
        "缴费金额",
        "渠道",
        "收据号",
        "时间",
        "网点",
    ]
    # 50 pays Sept 40 + Oct 10; 20 pays Oct 15 and leaves 5 as credit; the voided 1 is left out
    body = [(r[0], r[2], r[4], r[5], r[6], r[8]) for r in rows[2:-1]]
    assert body == [
        ("A001", "2026-09", 40, "现金", first["receipt_no"], "东区收费点"),
        ("A001", "2026-10", 10, "现金", first["receipt_no"], "东区收费点"),
        ("A001", "2026-10", 15, "网银转账", second["receipt_no"], "东区收费点"),
        ("A001", "预存", 5, "网银转账", second["receipt_no"], "东区收费点"),
    ]
    assert rows[-1][0] == "合计 4 笔" and rows[-1][4] == 70
    assert sheet.freeze_panes == "A3"
    assert sheet["E3"].number_format == '#,##0.00"元"'
