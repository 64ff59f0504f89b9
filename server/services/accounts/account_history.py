"""An account's history (用户信息变更记录): what was changed on it, by whom and when, read
back from the audit log — opening, edits field by field, move-out, move-in and closing."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from server.db.models import AuditEvent
from server.services.accounts.accounts import ACCOUNT_FIELDS, BILLING_MODE_TEXT, account_by_no
from server.services.core.calendar import BUSINESS_TZ


@dataclass(frozen=True)
class HistoryRow:
    """One changed field of one edit (or the opening of the account), newest first."""

    at: datetime
    actor: str
    action: str
    field: str
    before: str
    after: str


def _field_text(name: str, value: object) -> str:
    text_value = "" if value is None else str(value)
    return BILLING_MODE_TEXT.get(text_value, text_value) if name == "billing_mode" else text_value


def account_history(session: Session, account_no: str) -> tuple[HistoryRow, ...]:
    """What was changed on the account, by whom and when, read back from the audit log."""
    account = account_by_no(session, account_no)
    events = session.scalars(
        select(AuditEvent)
        .where(
            AuditEvent.entity == "account",
            AuditEvent.entity_id == str(account.id),
            AuditEvent.action.in_(
                (
                    "account.create",
                    "account.update",
                    "account.close",
                    "account.move_out",
                    "account.move_in",
                )
            ),
        )
        .order_by(AuditEvent.at.desc(), AuditEvent.id.desc())
    )
    rows: list[HistoryRow] = []
    for event in events:
        at = event.at.astimezone(BUSINESS_TZ)
        if event.action == "account.create":
            rows.append(HistoryRow(at, event.actor, "开户", "户号", "", account.account_no))
            continue
        if event.action == "account.close":
            rows.append(HistoryRow(at, event.actor, "销户", "状态", "在用", "已销户"))
            continue
        if event.action == "account.move_out":
            day = event.data.get("moved_out_on", "")
            rows.append(HistoryRow(at, event.actor, "退房结算", "退房日期", "", day))
            continue
        if event.action == "account.move_in":
            number = event.data.get("from_account_no", "")
            rows.append(HistoryRow(at, event.actor, "开户接替", "接替户号", "", number))
            continue
        before, after = event.data.get("before", {}), event.data.get("after", {})
        for name in ACCOUNT_FIELDS:
            if name in before or name in after:
                rows.append(
                    HistoryRow(
                        at,
                        event.actor,
                        "修改",
                        ACCOUNT_FIELDS[name],
                        _field_text(name, before.get(name)),
                        _field_text(name, after.get(name)),
                    )
                )
    return tuple(rows)
