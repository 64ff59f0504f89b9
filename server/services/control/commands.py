"""The command queue: a switch command for a meter is a row queued in the transaction that
decides it (a policy run, a manual switch, a payment), sent afterwards by the sender
(`sender`), its outcome and the meter's state read back recorded on it.

An account is switched through its active meters that can be switched: an electricity meter
trips its relay (跳闸) and closes it again (直接合闸), a water meter closes and opens its
valve (关阀 / 开阀). Queuing a command cancels the meter's queued commands that it
supersedes, so a late switch-off never follows a switch-on.

A 保电 mark also goes to the meter itself (`hold_accounts`): 保电 (3AH) while an account is
under a mark, 保电解除 (3BH) when no mark holds it any more; those are queued and sent like
switch commands, and supersede only each other.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from server.db.models import Account, ControlCommand, Meter
from server.db.models.accounts import PREPAID
from server.db.models.control import (
    CANCELLED,
    FAILED,
    MANUAL,
    OFF,
    ON,
    QUEUED,
    SENDING,
)
from server.db.models.metering import METER_ACTIVE, WATER
from server.services.control.protection import protected_accounts, protection_of
from server.services.core import audit, permissions
from server.services.core.audit import Actor
from server.services.core.errors import DomainError, InvalidInput, NotFound, PermissionDenied

# (kind, wanted state) → devices.switching's action
ACTIONS = {
    ("electricity", OFF): "trip",
    ("electricity", ON): "close",
    (WATER, OFF): "valve-close",
    (WATER, ON): "valve-open",
}
# What each action leaves the switch in, to tell a switch-on from a switch-off.
STATE_OF_ACTION = {
    "trip": OFF,
    "close": ON,
    "close-allow": ON,
    "valve-close": OFF,
    "valve-open": ON,
}
ACTION_LABELS = {
    "trip": "跳闸",
    "close": "合闸",
    "close-allow": "合闸允许",
    "valve-close": "关阀",
    "valve-open": "开阀",
    "hold": "保电",
    "hold-off": "保电解除",
}
# The meter's own 保电 (DL/T 645 3AH / 3BH): it then refuses a trip from anywhere. Water
# meters (CJ/T 188) have none; their valve is kept open by the marks alone.
HOLD, HOLD_OFF = "hold", "hold-off"
STATUS_LABELS = {
    QUEUED: "待发送",
    SENDING: "发送中",
    "done": "已执行",
    FAILED: "失败",
    CANCELLED: "已取消",
}
SOURCE_LABELS = {"policy": "费控策略", MANUAL: "手动", "restore": "缴费复电"}
STATE_LABELS = {ON: "通电", OFF: "断开", "unknown": "未知"}


def switchable_meters(session: Session, account_id: int) -> list[Meter]:
    """The account's active meters that take switch commands (they have a comm address)."""
    return list(
        session.scalars(
            select(Meter)
            .where(
                Meter.account_id == account_id,
                Meter.status == METER_ACTIVE,
                Meter.hardware_no.is_not(None),
            )
            .order_by(Meter.id)
        )
    )


def queue_switch(
    session: Session,
    actor: Actor,
    account_id: int,
    state: str,
    *,
    source: str,
    reason: str,
    now: datetime,
    approver: Actor | None = None,
) -> list[int]:
    """Queue the commands that switch every switchable meter of the account to `state`
    (on / off); returns their ids. The caller has decided it may; this only records it."""
    if state not in (ON, OFF):
        raise InvalidInput(f"开关状态应为 on 或 off，收到「{state}」")
    if not reason.strip():
        raise InvalidInput("请填写通断的原因")
    ids = []
    for meter in switchable_meters(session, account_id):
        action = ACTIONS[(meter.kind, state)]
        ids.append(
            _queue(session, actor, meter, account_id, action, source, reason.strip(), now, approver)
        )
    return ids


def _queue(
    session: Session,
    actor: Actor,
    meter: Meter,
    account_id: int | None,
    action: str,
    source: str,
    reason: str,
    now: datetime,
    approver: Actor | None = None,
) -> int:
    # A queued command of the same kind (switching, or 保电) for the meter is superseded:
    # the latest decision wins. A switch-on queued behind a 保电 leaves it to be sent.
    holds = (HOLD, HOLD_OFF)
    session.execute(
        update(ControlCommand)
        .where(
            ControlCommand.meter_id == meter.id,
            ControlCommand.status == QUEUED,
            ControlCommand.action.in_(holds)
            if action in holds
            else ControlCommand.action.not_in(holds),
        )
        .values(status=CANCELLED, finished_at=now, error=f"被后来的指令取代：{reason}")
        .execution_options(synchronize_session=False)
    )
    command = ControlCommand(
        meter_id=meter.id,
        account_id=account_id,
        action=action,
        source=source,
        reason=reason,
        staff_id=actor.staff_id,
        requested_by=actor.label,
        approved_by_id=approver.staff_id if approver else None,
        approved_by=approver.label if approver else "",
        status=QUEUED,
        next_try_at=now,
        created_at=now,
    )
    session.add(command)
    session.flush()
    audit.record(
        session,
        actor,
        "control.queue",
        "control_command",
        command.id,
        {
            "meter_no": meter.meter_no,
            "account_id": account_id,
            "action": action,
            "source": source,
            "reason": reason,
            "approved_by": approver.label if approver else None,
        },
    )
    return command.id


def hold_accounts(
    session: Session, actor: Actor, account_ids: list[int], reason: str, now: datetime
) -> list[int]:
    """Bring the meters' own 保电 in line with the marks at `now`: 保电 to the electricity
    meters of each account under a mark, 保电解除 (for `reason`) to the others'; returns
    the commands' ids. Prepaid accounts only: the others are never switched."""
    protected = protected_accounts(session, now)
    ids = []
    for account_id in session.scalars(
        select(Account.id)
        .where(Account.id.in_(account_ids), Account.billing_mode == PREPAID, Account.active)
        .order_by(Account.account_no)
    ):
        # A meter still under a mark keeps 保电, named by the mark that holds it.
        action = HOLD if account_id in protected else HOLD_OFF
        why = f"{ACTION_LABELS[action]}：{protected.get(account_id, reason.strip())}"[:200]
        for meter in switchable_meters(session, account_id):
            if meter.kind != WATER:
                ids.append(_queue(session, actor, meter, account_id, action, MANUAL, why, now))
    return ids


def switch_account(
    session: Session, actor: Actor, account_no: str, state: str, reason: str, now: datetime
) -> list[int]:
    """A manual switch of one account (表计管理 permission, a reason). Switching off checks
    the protection marks; manual switching ignores the policy's hours on purpose: a person
    decided it now (a fault, a move-out)."""
    permissions.require(session, actor, "meters")
    account = session.scalar(select(Account).where(Account.account_no == account_no.strip()))
    if account is None:
        raise NotFound(f"户号 {account_no} 不存在")
    if state == OFF:
        mark = protection_of(session, account.id, now)
        if mark is not None:
            raise DomainError(f"户号 {account.account_no} 处于保电（{mark}），不能断开")
    ids = queue_switch(session, actor, account.id, state, source=MANUAL, reason=reason, now=now)
    if not ids:
        raise DomainError(f"户号 {account.account_no} 没有可远程通断的表计（未登记通信地址）")
    return ids


def cancel_command(
    session: Session, actor: Actor, command_id: int, reason: str, now: datetime
) -> None:
    """Take a queued command back (with a reason) before it is sent."""
    permissions.require(session, actor, "meters")
    command = session.get(ControlCommand, command_id, with_for_update=True)
    if command is None:
        raise NotFound(f"指令 {command_id} 不存在")
    if command.status != QUEUED:
        raise DomainError(f"指令 {command_id} {STATUS_LABELS[command.status]}，不能取消")
    if not reason.strip():
        raise InvalidInput("请填写取消的原因")
    command.status, command.finished_at, command.error = CANCELLED, now, reason.strip()
    session.flush()
    audit.record(
        session, actor, "control.cancel", "control_command", command_id, {"reason": reason}
    )


def retry_command(session: Session, actor: Actor, command_id: int, now: datetime) -> int:
    """A failed command queued again as a new command (the failed one stays as it was)."""
    permissions.require(session, actor, "meters")
    failed = session.get(ControlCommand, command_id)
    if failed is None:
        raise NotFound(f"指令 {command_id} 不存在")
    if failed.status != FAILED:
        raise DomainError(
            f"指令 {command_id} {STATUS_LABELS[failed.status]}，只有失败的指令可以重发"
        )
    approver = (
        Actor(label=failed.approved_by, staff_id=failed.approved_by_id)
        if failed.approved_by
        else None
    )
    meter = session.get_one(Meter, failed.meter_id)
    reason = f"重发指令 {command_id}：{failed.reason}"[:200]
    new_id = _queue(
        session, actor, meter, failed.account_id, failed.action, failed.source, reason, now,
        approver,
    )  # fmt: skip
    audit.record(session, actor, "control.retry", "control_command", new_id, {"failed": command_id})
    return new_id


@dataclass(frozen=True)
class CommandRow:
    """A command as the desk and `meterdesk control commands` show it."""

    command_id: int
    account_no: str
    holder_name: str
    meter_no: str
    action: str
    action_label: str
    source_label: str
    reason: str
    requested_by: str
    approved_by: str
    status: str
    status_label: str
    attempts: int
    error: str
    state_after: str
    created_at: datetime
    finished_at: datetime | None
    request_hex: str
    reply_hex: str


def commands(
    session: Session,
    statuses: tuple[str, ...] = (),
    account_no: str | None = None,
    limit: int = 200,
) -> list[CommandRow]:
    """The latest commands (newest first), of some statuses or an account if asked."""
    query = (
        select(ControlCommand, Meter.meter_no, Account.account_no, Account.holder_name)
        .join(Meter, Meter.id == ControlCommand.meter_id)
        .outerjoin(Account, Account.id == ControlCommand.account_id)
        .order_by(ControlCommand.id.desc())
        .limit(limit)
    )
    if statuses:
        query = query.where(ControlCommand.status.in_(statuses))
    if account_no is not None:
        query = query.where(Account.account_no == account_no)
    return [
        CommandRow(
            command_id=c.id,
            account_no=no or "",
            holder_name=holder or "",
            meter_no=meter_no,
            action=c.action,
            action_label=ACTION_LABELS.get(c.action, c.action),
            source_label=SOURCE_LABELS[c.source],
            reason=c.reason,
            requested_by=c.requested_by,
            approved_by=c.approved_by,
            status=c.status,
            status_label=STATUS_LABELS[c.status],
            attempts=c.attempts,
            error=c.error,
            state_after=c.state_after,
            created_at=c.created_at,
            finished_at=c.finished_at,
            request_hex=c.request_hex,
            reply_hex=c.reply_hex,
        )
        for c, meter_no, no, holder in session.execute(query)
    ]


def pending_commands(session: Session) -> list[CommandRow]:
    return commands(session, (QUEUED, SENDING))


def failed_commands(session: Session) -> list[CommandRow]:
    return commands(session, (FAILED,))


def switch_building(
    session: Session,
    actor: Actor,
    building_id: int,
    state: str,
    reason: str,
    now: datetime,
    approver: Actor | None,
) -> list[int]:
    """Switch every account of a building (a fault on the line, works); bulk switching needs
    a manager's approval, and protected accounts are left on when switching off."""
    permissions.require(session, actor, "meters")
    if approver is None or approver.staff_id is None:
        raise PermissionDenied("整栋楼通断须由管理人员审批")
    if not permissions.is_manager(session, approver.staff_id):
        raise PermissionDenied(f"整栋楼通断须由管理人员审批（{approver.label} 不是管理人员）")
    protected = protected_accounts(session, now) if state == OFF else {}
    ids = []
    for account_id in session.scalars(
        select(Account.id)
        .where(Account.building_id == building_id, Account.active)
        .order_by(Account.account_no)
    ):
        if account_id in protected:
            continue
        ids += queue_switch(
            session,
            actor,
            account_id,
            state,
            source=MANUAL,
            reason=reason,
            now=now,
            approver=approver,
        )
    return ids
