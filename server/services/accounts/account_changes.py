"""The billing system's account changes (户号变更): new, changed and closed 户号 from its
workbook, applied through the account services and reported row by row.

Sheet `户号变更` (or the workbook's only sheet), header in the first row, columns in any
order: 变更 (新增 / 修改 / 销户) and 户号, and optionally the legacy import's account
columns 户名 类别 校区 楼号 单元 门牌号 手机 收费方式 余额 and 原因.

- 新增 opens the account (户名, 类别, 校区 required; 余额 is the opening balance);
- 修改 changes the fields whose cells are filled — an empty cell leaves the field as it is;
- 销户 closes the account (refused while bills are unpaid or a balance or deposit remains).

Each row is applied in a savepoint of its own: a refused row (named with its row number and
the reason) never stops the others, and never leaves half of itself written. Importing the
same workbook again changes nothing: an account already opened with the same details, a
change already made, an account already closed are all `unchanged`. A dry run applies every
row exactly the same way and rolls it all back.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from reports.workbook import (
    CellError,
    HeaderError,
    Workbook,
    WorkbookError,
    cell_decimal,
    cell_text,
)
from server.db.models import Account
from server.services.accounts.accounts import (
    ACCOUNT_FIELDS,
    BILLING_MODE_TEXT,
    AccountSpec,
    AccountView,
    account_view,
    billing_mode_of,
    close_account,
    create_account,
    update_account,
)
from server.services.core import audit, permissions
from server.services.core.audit import Actor
from server.services.core.errors import DomainError

SHEET = "户号变更"
NEW, CHANGE, CLOSE = "new", "change", "close"
KINDS = {"新增": NEW, "开户": NEW, "修改": CHANGE, "变更": CHANGE, "销户": CLOSE, "注销": CLOSE}
# Column → AccountView field; the same headers as the legacy workbook's 户号 sheet.
COLUMNS = {
    "户名": "holder_name",
    "类别": "customer_class",
    "校区": "campus",
    "楼号": "building",
    "单元": "unit",
    "门牌号": "room",
    "手机": "mobile",
    "收费方式": "billing_mode",
}
REQUIRED = ("变更", "户号")
OPTIONAL = (*COLUMNS, "余额", "原因")

CREATED, UPDATED, CLOSED, UNCHANGED, REFUSED = (
    "created",
    "updated",
    "closed",
    "unchanged",
    "refused",
)
OUTCOME_LABELS = {
    CREATED: "已开户",
    UPDATED: "已修改",
    CLOSED: "已销户",
    UNCHANGED: "无变化",
    REFUSED: "未导入",
}


@dataclass(frozen=True)
class ChangeRow:
    row: int
    kind: str  # 新增 / 修改 / 销户 as written
    account_no: str
    outcome: str
    message: str

    @property
    def outcome_label(self) -> str:
        return OUTCOME_LABELS[self.outcome]


@dataclass(frozen=True)
class AccountChangesResult:
    file_name: str
    rows: tuple[ChangeRow, ...]
    dry_run: bool

    @property
    def counts(self) -> dict[str, int]:
        return {k: sum(1 for r in self.rows if r.outcome == k) for k in OUTCOME_LABELS}

    def summary(self) -> str:
        parts = [f"{OUTCOME_LABELS[k]} {n}" for k, n in self.counts.items() if n]
        verb = "试导入（未写入）" if self.dry_run else "导入"
        return f"{verb} {self.file_name}：共 {len(self.rows)} 行，" + "，".join(parts or ["无数据"])

    def as_json(self) -> dict[str, Any]:
        return {
            "file": self.file_name,
            "dry_run": self.dry_run,
            "counts": self.counts,
            "rows": [r.__dict__ for r in self.rows],
        }


class _Refused(Exception):
    """The row cannot be applied; the message says why."""


def import_account_changes(
    session: Session, actor: Actor, path: str | Path, *, dry_run: bool = False
) -> AccountChangesResult:
    """Apply the workbook's rows in order; raises DomainError only when the workbook as a
    whole cannot be read (not a workbook, no such sheet, a required column missing)."""
    permissions.require(session, actor, "accounts")
    path = Path(path)
    try:
        with Workbook(path) as book:
            names = book.sheet_names
            sheet = SHEET if SHEET in names else names[0] if len(names) == 1 else None
            if sheet is None:
                raise DomainError(f"{path.name}：没有工作表「{SHEET}」")
            rows = book.rows(sheet, REQUIRED, OPTIONAL)
    except HeaderError as exc:
        raise DomainError(f"{path.name} 第 1 行（列名行）{exc}") from exc
    except WorkbookError as exc:
        raise DomainError(str(exc)) from exc
    outer = session.begin_nested() if dry_run else None
    results = []
    for row in rows:
        kind = cell_text(row.get("变更"))
        account_no = cell_text(row.get("户号"))
        savepoint = session.begin_nested()
        try:
            outcome, message = _apply(session, actor, row.values, kind, account_no)
        except (_Refused, DomainError) as exc:
            savepoint.rollback()
            results.append(ChangeRow(row.number, kind, account_no, REFUSED, str(exc)))
            continue
        savepoint.commit()
        results.append(ChangeRow(row.number, kind, account_no, outcome, message))
    result = AccountChangesResult(path.name, tuple(results), dry_run)
    if outer is not None:
        outer.rollback()
        return result
    audit.record(
        session, actor, "account.import_changes", "account", None,
        {"file": path.name, "rows": len(results), "counts": result.counts},
    )  # fmt: skip
    return result


def _apply(
    session: Session, actor: Actor, cells: dict[str, Any], kind: str, account_no: str
) -> tuple[str, str]:
    if not account_no:
        raise _Refused("户号 不能为空")
    what = KINDS.get(kind)
    if what is None:
        raise _Refused(f"变更 {kind or '（空）'} 未知（应为 新增、修改 或 销户）")
    exists = session.scalar(select(Account.id).where(Account.account_no == account_no))
    if what == CLOSE:
        if exists is None:
            raise _Refused(f"户号 {account_no} 不存在")
        if not account_view(session, account_no).active:
            return UNCHANGED, "此前已销户"
        close_account(session, actor, account_no, cell_text(cells.get("原因")) or "账务系统销户")
        return CLOSED, "已销户"
    given = _fields(cells)
    if what == NEW:
        if exists is not None:
            before = account_view(session, account_no)
            differs = _differences(before, given)
            if differs:
                raise _Refused(f"户号 {account_no} 已存在且信息不同（{differs}），请用 修改")
            return UNCHANGED, "此前已开户"
        for column in ("户名", "类别", "校区"):
            if not given.get(COLUMNS[column]):
                raise _Refused(f"新增户号须填 {column}")
        create_account(session, actor, _spec(account_no, given, cells))
        return CREATED, "已开户"
    if exists is None:
        raise _Refused(f"户号 {account_no} 不存在（新户请用 新增）")
    if not given:
        raise _Refused("修改 行没有填写任何要改的列")
    before = account_view(session, account_no)
    differs = _differences(before, given)
    if not differs:
        return UNCHANGED, "与现有信息相同"
    update_account(session, actor, account_no, given)
    return UPDATED, differs


def _fields(cells: dict[str, Any]) -> dict[str, str]:
    """The filled account columns as update_account's fields; 收费方式 as its code."""
    given = {field: cell_text(cells.get(column)) for column, field in COLUMNS.items()}
    given = {field: value for field, value in given.items() if value}
    if "billing_mode" in given:
        given["billing_mode"] = billing_mode_of(given["billing_mode"])
    return given


def _differences(before: AccountView, given: dict[str, str]) -> str:
    """'户主：张三 → 张三丰；手机：… → …' for the fields `given` changes, '' for none."""
    now = before.fields()

    def shown(field: str, value: str) -> str:
        text = BILLING_MODE_TEXT.get(value, value) if field == "billing_mode" else value
        return text or "（空）"

    return "；".join(
        f"{ACCOUNT_FIELDS[field]}：{shown(field, now[field])} → {shown(field, value)}"
        for field, value in given.items()
        if value != now[field]
    )


def _spec(account_no: str, given: dict[str, str], cells: dict[str, Any]) -> AccountSpec:
    try:
        balance = cell_decimal(cells.get("余额"))
    except CellError as exc:
        raise _Refused(f"余额 {cell_text(cells.get('余额'))} {exc}") from None
    if balance is not None and balance != balance.quantize(Decimal("0.01")):
        raise _Refused(f"余额 {balance} 最多 2 位小数")
    return AccountSpec(
        account_no=account_no,
        holder_name=given["holder_name"],
        customer_class=given["customer_class"],
        campus=given["campus"],
        building=given.get("building", ""),
        unit=given.get("unit", ""),
        room=given.get("room", ""),
        mobile=given.get("mobile", ""),
        billing_mode=given.get("billing_mode", "postpaid"),
        opening_balance=balance if balance is not None else Decimal("0.00"),
    )
