"""The billing system's account changes (户号变更): new, changed and closed 户号 from a
workbook built here, row by row; idempotent; dry run; the CLI."""

from __future__ import annotations

import re
from decimal import Decimal
from pathlib import Path

import pytest
from click.testing import CliRunner
from openpyxl import Workbook
from sqlalchemy import create_engine, select

from server.cli import cli
from server.db.engine import make_sessionmaker, unit_of_work
from server.db.models import Account, AuditEvent
from server.services.accounts.account_changes import import_account_changes
from server.services.accounts.account_history import account_history
from server.services.accounts.accounts import account_view
from server.services.core.errors import DomainError
from tests import factories as f

HEADER = ["变更", "户号", "户名", "类别", "校区", "楼号", "单元", "门牌号", "手机", "收费方式",
          "余额", "原因"]  # fmt: skip
ROWS = [
    ["新增", "A010", "李四", "居民", "东校区", "3号楼", "1", "502", "13800000010", "预收费", 50,
     None],
    ["修改", "A001", "张三丰", None, None, None, None, None, "13900000001", None, None, None],
    ["销户", "A004", None, None, None, None, None, None, None, None, None, "搬离"],
    ["销户", "A003", None, None, None, None, None, None, None, None, None, None],
    ["修改", "A999", "王五", None, None, None, None, None, None, None, None, None],
    ["迁入", "A011", "赵六", "居民", "东校区", None, None, None, None, None, None, None],
    ["新增", "A012", "钱七", "居民", None, None, None, None, None, None, None, None],
    ["新增", "A013", "孙八", "学生", "东校区", None, None, None, None, None, None, None],
    ["修改", "A001", None, None, None, None, None, None, None, "预收费", None, None],
]  # fmt: skip

FIRST = [
    (2, "A010", "created", "已开户"),
    (3, "A001", "updated", "户主：张三 → 张三丰；手机：（空） → 13900000001"),
    (4, "A004", "closed", "已销户"),
    (5, "A003", "refused", "户号 A003 不能销户：1 张账单未缴清（2026-10）"),
    (6, "A999", "refused", "户号 A999 不存在（新户请用 新增）"),
    (7, "A011", "refused", "变更 迁入 未知（应为 新增、修改 或 销户）"),
    (8, "A012", "refused", "新增户号须填 校区"),
    (9, "A013", "refused", "未知的用户类别「学生」（应为 居民 / 集体宿舍 / 单位）"),
    (10, "A001", "updated", "收费方式：后收费 → 预收费"),
]


def workbook(path: Path, rows: list[list[object]], sheet: str = "户号变更") -> Path:
    book = Workbook()
    ws = book.active
    assert ws is not None
    ws.title = sheet
    for row in [HEADER, *rows]:
        ws.append(row)
    book.save(path)
    return path


def world(session) -> None:
    """A001 张三 (postpaid), A003 with an open bill, A004 prepaid with nothing owed."""
    f.account(session, "A001")
    f.bill(session, f.account(session, "A003", holder_name="王三"), "2026-10", "100.00")
    f.account(session, "A004", billing_mode="prepaid", holder_name="周四")


def outcomes(result) -> list[tuple[int, str, str, str]]:
    return [(r.row, r.account_no, r.outcome, r.message) for r in result.rows]


def test_rows_applied_and_reported_one_by_one(session, tmp_path):
    world(session)
    path = workbook(tmp_path / "changes.xlsx", ROWS)
    result = import_account_changes(session, f.ACTOR, path)
    assert outcomes(result) == FIRST
    assert result.summary() == (
        "导入 changes.xlsx：共 9 行，已开户 1，已修改 2，已销户 1，未导入 5"
    )
    new = account_view(session, "A010")
    assert (new.holder_name, new.address, new.mobile, new.billing_mode, new.balance) == (
        "李四", "东校区 3号楼 1单元 502", "13800000010", "prepaid", Decimal("50.00")
    )  # fmt: skip
    a001 = account_view(session, "A001")
    assert (a001.holder_name, a001.mobile, a001.billing_mode) == (
        "张三丰", "13900000001", "prepaid"
    )  # fmt: skip
    assert not account_view(session, "A004").active and account_view(session, "A003").active
    for no in ("A011", "A012", "A013"):
        assert session.scalar(select(Account.id).where(Account.account_no == no)) is None
    history = account_history(session, "A001")
    assert [(h.action, h.field, h.before, h.after) for h in history] == [
        ("修改", "收费方式", "后收费", "预收费"),
        ("修改", "户主", "张三", "张三丰"),
        ("修改", "手机", "", "13900000001"),
        ("开户", "户号", "", "A001"),
    ]
    close = session.scalar(select(AuditEvent).where(AuditEvent.action == "account.close"))
    assert close.data["reason"] == "搬离" and close.data["after"] == {"active": False}
    assert account_history(session, "A004")[0].action == "销户"

    # The same workbook again: nothing changes; the refusals are refused again.
    again = import_account_changes(session, f.ACTOR, path)
    assert [(r.row, r.outcome) for r in again.rows] == [
        (2, "unchanged"), (3, "unchanged"), (4, "unchanged"), (5, "refused"), (6, "refused"),
        (7, "refused"), (8, "refused"), (9, "refused"), (10, "unchanged"),
    ]  # fmt: skip
    assert again.rows[0].message == "此前已开户" and again.rows[2].message == "此前已销户"


def test_a_new_row_for_an_account_with_other_details_is_refused(session, tmp_path):
    world(session)
    path = workbook(
        tmp_path / "c.xlsx",
        [["新增", "A001", "张三", "单位", "东校区", None, None, None, None, None, None, None]],
    )
    result = import_account_changes(session, f.ACTOR, path)
    assert outcomes(result) == [
        (2, "A001", "refused", "户号 A001 已存在且信息不同（用户类别：居民 → 单位），请用 修改")
    ]


def test_dry_run_writes_nothing(session, tmp_path):
    world(session)
    path = workbook(tmp_path / "changes.xlsx", ROWS)
    result = import_account_changes(session, f.ACTOR, path, dry_run=True)
    assert outcomes(result) == FIRST
    assert result.summary().startswith("试导入（未写入） changes.xlsx：共 9 行")
    assert session.scalar(select(Account.id).where(Account.account_no == "A010")) is None
    assert account_view(session, "A001").holder_name == "张三"
    assert account_view(session, "A004").active


def test_unreadable_workbooks(session, tmp_path):
    bad = tmp_path / "bad.xlsx"
    bad.write_text("not a workbook")
    with pytest.raises(DomainError, match=re.escape("无法读取工作簿 bad.xlsx")):
        import_account_changes(session, f.ACTOR, bad)
    book = Workbook()
    book.active.append(["户号", "户名"])
    book.save(tmp_path / "cols.xlsx")
    header = "cols.xlsx 第 1 行（列名行）工作表 Sheet：缺少列 变更"
    with pytest.raises(DomainError, match=re.escape(header)):
        import_account_changes(session, f.ACTOR, tmp_path / "cols.xlsx")
    book.create_sheet("其他")
    book.save(tmp_path / "two.xlsx")
    with pytest.raises(DomainError, match=re.escape("two.xlsx：没有工作表「户号变更」")):
        import_account_changes(session, f.ACTOR, tmp_path / "two.xlsx")


def test_cli(md_env, tmp_path):
    engine = create_engine(md_env)
    with unit_of_work(make_sessionmaker(engine)) as session:
        world(session)
    engine.dispose()
    path = workbook(tmp_path / "changes.xlsx", ROWS[:3], sheet="Sheet1")
    runner = CliRunner()
    result = runner.invoke(cli, ["import", "accounts", str(path), "--dry-run"])
    assert result.exit_code == 0, result.output
    assert result.output.splitlines()[-1] == (
        "试导入（未写入） changes.xlsx：共 3 行，已开户 1，已修改 1，已销户 1"
    )
    result = runner.invoke(cli, ["import", "accounts", str(path)])
    assert result.output.splitlines() == [
        "第 2 行\t新增\tA010\t已开户\t已开户",
        "第 3 行\t修改\tA001\t已修改\t户主：张三 → 张三丰；手机：（空） → 13900000001",
        "第 4 行\t销户\tA004\t已销户\t已销户",
        "导入 changes.xlsx：共 3 行，已开户 1，已修改 1，已销户 1",
    ]
    result = runner.invoke(cli, ["import", "accounts", str(path)])
    assert result.output.splitlines()[-1] == "导入 changes.xlsx：共 3 行，无变化 3"
