"""A second manager's approval (复核) of money given back or corrected above a limit."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from sqlalchemy.orm import Session

from server.config import Settings
from server.services.core import permissions
from server.services.core.audit import Actor
from server.services.core.errors import InvalidInput, PermissionDenied


def approval_limit(settings: Settings) -> Decimal | None:
    """The `billing.approval_limit` setting in yuan; empty means no limit."""
    text = settings.get("billing", "approval_limit").strip()
    if not text:
        return None
    try:
        limit = Decimal(text)
    except InvalidOperation:
        limit = Decimal(-1)
    if not limit.is_finite() or limit < 0:
        raise InvalidInput(f"设置 billing.approval_limit 应为不小于 0 的金额，收到「{text}」")
    return limit


def check_approval(
    session: Session,
    actor: Actor,
    approver: Actor | None,
    amount: Decimal,
    limit: Decimal | None,
) -> int | None:
    """The approver's staff id when `amount` (its absolute value) is above `limit`, else None.

    Above the limit the approver must be another staff member holding a manager's post;
    `limit` None means no limit applies (the desktop passes the setting, `cli_approval` 0 to
    check and record a named approver whatever the amount).
    """
    if limit is None or (abs(amount) <= limit and limit > 0):
        return None
    refusal = (
        f"金额 {abs(amount)} 元超过 {limit} 元，须另一名管理人员审批"
        if limit > 0
        else "审批须由另一名管理人员办理"
    )
    if approver is None or approver.staff_id is None:
        raise PermissionDenied(refusal)
    if approver.staff_id == actor.staff_id:
        raise PermissionDenied(f"{refusal}（审批人不能是经办人本人）")
    if not permissions.is_manager(session, approver.staff_id):
        raise PermissionDenied(f"{refusal}（{approver.label} 不是管理人员）")
    return approver.staff_id


def cli_approval(approver: Actor | None) -> dict[str, Any]:
    """The approval keywords of a correction run from the command line.

    The command line is the operator's tool on the server, whose database rights go beyond
    any limit; a second manager's approval above `billing.approval_limit` is the desktop's
    step. A named approver (`--approved-by`) is still checked (another manager) and recorded.
    """
    if approver is None:
        return {"approval_limit": None, "approver": None}
    return {"approval_limit": Decimal(0), "approver": approver}
