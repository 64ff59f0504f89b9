"""Reading the audit trail back: who did what, when, with the before/after it recorded."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.orm import Session

from server.db.models import AuditEvent
from server.services.core.calendar import BUSINESS_TZ, business_datetime

# How an action reads in the log viewer; unknown actions show as recorded.
ACTION_LABELS = {
    "auth.login": "登录", "auth.login_failed": "登录失败", "auth.login_locked": "账号锁定",
    "staff.create": "新增工作人员", "staff.profile": "修改个人信息", "staff.password": "修改密码",
    "staff.password_reset": "重置密码", "staff.active": "启用/停用账号",
    "department.create": "新增部门", "post.create": "新增岗位",
    "permission.grant": "授权", "permission.revoke": "取消授权", "branch.create": "新增分中心",
    "account.create": "开户", "account.update": "修改户信息", "meter.register": "登记表计",
    "meter.replace": "换表", "reading.record": "录入读数", "reading.review": "审核读数",
    "tariff.create": "新增价格", "billing.run": "出账", "payment.take": "收款",
    "receipt.void": "作废收据", "receipt.reprint": "重打收据", "till.open": "开班",
    "till.hand_over": "交款", "till.close": "日结", "late_fee.policy": "滞纳金规则",
    "late_fee.waive": "减免滞纳金", "legacy.import": "导入旧系统数据",
    "handheld.import": "导入掌机数据", "binding.approve": "绑定审核通过",
    "binding.reject": "绑定审核驳回", "notice.publish": "发布通知",
}  # fmt: skip
DEFAULT_LIMIT = 500


@dataclass(frozen=True)
class AuditRow:
    at: datetime
    actor: str
    action: str
    action_label: str
    entity: str
    entity_id: str
    details: str  # the recorded data as compact JSON (before/after where there is one)


@dataclass(frozen=True)
class AuditPage:
    rows: tuple[AuditRow, ...]
    total: int  # how many match, of which `rows` are the newest


def audit_events(
    session: Session,
    *,
    who: str = "",
    action: str = "",
    since: date | None = None,
    until: date | None = None,
    limit: int = DEFAULT_LIMIT,
) -> AuditPage:
    """Events newest first: `who` matches the actor label, `action` the action or its prefix
    ("receipt." for every receipt action); days are business days, both inclusive."""
    conditions: list[ColumnElement[bool]] = []
    if who.strip():
        conditions.append(AuditEvent.actor.ilike(f"%{who.strip()}%"))
    if action.strip():
        conditions.append(AuditEvent.action.startswith(action.strip()))
    if since is not None:
        conditions.append(AuditEvent.at >= business_datetime(since))
    if until is not None:
        conditions.append(AuditEvent.at < business_datetime(until + timedelta(days=1)))
    total = session.scalar(select(func.count()).select_from(AuditEvent).where(*conditions)) or 0
    events = session.scalars(
        select(AuditEvent).where(*conditions).order_by(AuditEvent.id.desc()).limit(limit)
    )
    return AuditPage(
        rows=tuple(
            AuditRow(
                at=e.at.astimezone(BUSINESS_TZ),
                actor=e.actor,
                action=e.action,
                action_label=ACTION_LABELS.get(e.action, e.action),
                entity=e.entity,
                entity_id=e.entity_id or "",
                details=json.dumps(e.data, ensure_ascii=False, sort_keys=True) if e.data else "",
            )
            for e in events
        ),
        total=total,
    )
