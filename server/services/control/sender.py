"""Sending queued commands to the meters: claim, send over the building's port, record.

A round claims the due commands (FOR UPDATE SKIP LOCKED), checks a switch-off is still
right at this moment (not protected since; for the policy's, still below the cut-off and
inside the switching window — else it is cancelled with the reason), marks them `sending`
and commits before any byte goes out; then sends each one through `devices.switching`
(the port's retries and timeout, the state read back) and records the outcome in a
transaction of its own. A meter that refuses (a wrong password, a command out of its
validity) fails at once with the meter's reason; a line that stays silent is tried again
with growing pauses, up to `control.max_attempts` tries. A command left `sending` by a
process that died is failed for a person to check, never sent twice blindly; two senders
never take the same command (SKIP LOCKED).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from select import select as wait_readable

import psycopg
from sqlalchemy import Engine, func, select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session, sessionmaker

from devices.switching import SwitchResult, read_switch_state, switch_meter
from server.db.engine import make_sessionmaker, unit_of_work
from server.db.models import (
    Account,
    Building,
    Campus,
    ControlCommand,
    CustomerClass,
    Meter,
    MeterSwitchState,
)
from server.db.models.accounts import PREPAID
from server.db.models.control import (
    CANCELLED,
    DONE,
    FAILED,
    OFF,
    POLICY,
    QUEUED,
    SENDING,
    UNKNOWN,
)
from server.db.models.metering import METER_ACTIVE
from server.services.control import restore
from server.services.control.commands import STATE_OF_ACTION
from server.services.control.policy import switching_window
from server.services.control.protection import protection_of
from server.services.control.settings import ControlSettings
from server.services.core import audit
from server.services.core.audit import Actor
from server.services.core.calendar import BUSINESS_TZ
from server.services.core.calendar import now as clock_now

log = logging.getLogger(__name__)

SYSTEM = Actor.system("费控发送")
FIRST_RETRY = timedelta(seconds=30)
LONGEST_RETRY = timedelta(minutes=30)
STALE_SENDING = timedelta(minutes=10)
Switcher = Callable[..., SwitchResult]


@dataclass(frozen=True)
class SendReport:
    done: int = 0
    retrying: int = 0
    failed: int = 0
    cancelled: int = 0
    stale: int = 0

    def summary(self) -> str:
        text = f"已执行 {self.done}，待重试 {self.retrying}，失败 {self.failed}"
        if self.cancelled:
            text += f"，取消 {self.cancelled}"
        if self.stale:
            text += f"，中断待核对 {self.stale}"
        return text


@dataclass(frozen=True)
class _Claimed:
    command_id: int
    port: str
    protocol: str
    address: str
    action: str
    attempts: int


def retry_delay(attempts: int) -> timedelta:
    return min(FIRST_RETRY * 2 ** max(attempts - 1, 0), LONGEST_RETRY)


def _fail_stale(session: Session, now: datetime) -> int:
    stale = session.scalars(
        update(ControlCommand)
        .where(ControlCommand.status == SENDING, ControlCommand.claimed_at < now - STALE_SENDING)
        .values(status=FAILED, finished_at=now, error="发送中断（进程退出），请到现场或回读核对")
        .returning(ControlCommand.id)
    ).all()
    for command_id in stale:
        audit.record(session, SYSTEM, "control.stale", "control_command", command_id)
    return len(stale)


def _still_right(
    session: Session, command: ControlCommand, settings: ControlSettings, now: datetime
) -> str | None:
    """Why a switch-off must not go out now (None: it may)."""
    if STATE_OF_ACTION.get(command.action) != OFF or command.account_id is None:
        return None
    mark = protection_of(session, command.account_id, now)
    if mark is not None:
        return f"已设保电：{mark}"
    if command.source != POLICY:
        return None
    balance, cutoff = session.execute(
        select(Account.balance, CustomerClass.cutoff_below)
        .join(CustomerClass, CustomerClass.id == Account.customer_class_id)
        .where(Account.id == command.account_id)
    ).one()
    if cutoff is None or balance >= cutoff:
        return f"余额已为 {balance:.2f} 元，不再断开"
    open_, note = switching_window(session, now, settings)
    return None if open_ else note


def _claim(
    sessions: sessionmaker[Session],
    settings: ControlSettings,
    now: datetime,
    only: Sequence[int] | None,
    limit: int,
) -> tuple[list[_Claimed], int, int, int]:
    """(claimed, cancelled, failed for want of a port, stale)."""
    claimed: list[_Claimed] = []
    cancelled = unconfigured = 0
    with unit_of_work(sessions) as session:
        stale = _fail_stale(session, now)
        query = (
            select(ControlCommand)
            .where(ControlCommand.status == QUEUED)
            .order_by(ControlCommand.id)
            .limit(limit)
            .with_for_update(skip_locked=True)
        )
        query = (
            query.where(ControlCommand.id.in_(only))
            if only
            else query.where(ControlCommand.next_try_at <= now)
        )
        for command in session.scalars(query):
            meter = session.get(Meter, command.meter_id)
            assert meter is not None
            why_not = _still_right(session, command, settings, now)
            if why_not is not None:
                command.status, command.finished_at = CANCELLED, now
                command.error = f"未发送：{why_not}"[:500]
                audit.record(session, SYSTEM, "control.cancel", "control_command", command.id,
                             {"reason": command.error})  # fmt: skip
                cancelled += 1
                continue
            place = _place_of(session, meter)
            port = settings.port_for(*place, meter.kind) if place else ""
            if not port:
                command.status, command.finished_at = FAILED, now
                command.error = (
                    f"楼宇 {place[1]} 未配置通信端口（control.ports）"
                    if place
                    else f"表计 {meter.meter_no} 未登记所在楼宇，不知道走哪个端口"
                )
                audit.record(session, SYSTEM, "control.failed", "control_command", command.id,
                             {"error": command.error})  # fmt: skip
                unconfigured += 1
                continue
            command.status, command.claimed_at, command.port = SENDING, now, port
            command.attempts += 1
            claimed.append(
                _Claimed(
                    command.id,
                    port,
                    settings.protocol_for(meter.kind),
                    meter.hardware_no or "",
                    command.action,
                    command.attempts,
                )
            )
    return claimed, cancelled, unconfigured, stale


def _place_of(session: Session, meter: Meter) -> tuple[str, str] | None:
    """(campus, building) of the meter's own building, else its account's."""
    building_id = meter.building_id
    if building_id is None and meter.account_id is not None:
        building_id = session.scalar(
            select(Account.building_id).where(Account.id == meter.account_id)
        )
    if building_id is None:
        return None
    row = session.execute(
        select(Campus.name, Building.name)
        .join(Campus, Campus.id == Building.campus_id)
        .where(Building.id == building_id)
    ).one()
    return row[0], row[1]


def _record(
    sessions: sessionmaker[Session],
    settings: ControlSettings,
    claimed: _Claimed,
    result: SwitchResult,
    now: datetime,
) -> str:
    """Store the outcome; returns done / retrying / failed."""
    with unit_of_work(sessions) as session:
        command = session.get(ControlCommand, claimed.command_id, with_for_update=True)
        assert command is not None
        command.request_hex, command.reply_hex = result.request_hex, result.reply_hex
        command.state_after = result.state
        if result.state != UNKNOWN or result.ok:
            stored = insert(MeterSwitchState).values(
                meter_id=command.meter_id,
                state=result.state,
                read_at=now,
                command_id=command.id,
                held=result.held,
            )
            session.execute(
                stored.on_conflict_do_update(
                    index_elements=[MeterSwitchState.meter_id],
                    set_={
                        "state": result.state,
                        "read_at": now,
                        "command_id": command.id,
                        # A read that could not tell keeps what was known.
                        "held": func.coalesce(stored.excluded.held, MeterSwitchState.held),
                    },
                )
            )
        if result.ok:
            command.status, command.finished_at, command.error = DONE, now, ""
            outcome = "done"
        elif (
            result.reply_hex or not result.request_hex or claimed.attempts >= settings.max_attempts
        ):
            # The meter answered and refused (or did not act), or the command could not be
            # built: trying again changes nothing.
            command.status, command.finished_at = FAILED, now
            command.error = (result.error or "失败")[:500]
            outcome = "failed"
        else:
            command.status = QUEUED
            command.next_try_at = now + retry_delay(claimed.attempts)
            command.error = (result.error or "无应答")[:500]
            outcome = "retrying"
        audit.record(
            session,
            SYSTEM,
            f"control.{outcome}",
            "control_command",
            command.id,
            {
                "action": command.action,
                "port": claimed.port,
                "state": result.state,
                "error": result.error,
                "attempt": claimed.attempts,
            },
        )
    return outcome


def send_due(
    sessions: sessionmaker[Session],
    settings: ControlSettings,
    now: datetime,
    *,
    only: Sequence[int] | None = None,
    switcher: Switcher = switch_meter,
    limit: int = 50,
) -> SendReport:
    """Send the commands due at `now` (or just those in `only`, due or not)."""
    claimed, cancelled, unconfigured, stale = _claim(sessions, settings, now, only, limit)
    counts = {"done": 0, "retrying": 0, "failed": unconfigured}
    for item in claimed:
        try:
            result = switcher(
                item.port,
                item.protocol,
                item.address,
                item.action,
                password=settings.password,
                operator=settings.operator,
                # Meters keep business time on a clock that knows no zone.
                until=(now + settings.valid_for).astimezone(BUSINESS_TZ).replace(tzinfo=None),
                timeout=settings.timeout,
                retries=settings.retries,
            )
        except ValueError as exc:
            # A malformed address or password: nothing was sent.
            result = SwitchResult(False, UNKNOWN, "", "", f"参数错误：{exc}", 0)
        counts[_record(sessions, settings, item, result, now)] += 1
    return SendReport(
        done=counts["done"],
        retrying=counts["retrying"],
        failed=counts["failed"],
        cancelled=cancelled,
        stale=stale,
    )


@dataclass(frozen=True)
class StateRead:
    meter_no: str
    state: str
    port: str


def read_states(
    sessions: sessionmaker[Session],
    settings: ControlSettings,
    now: datetime,
    *,
    building_id: int | None = None,
    reader: Callable[..., str] = read_switch_state,
) -> list[StateRead]:
    """Read every switchable prepaid meter's relay or valve (of one building if asked) and
    store what each says with the time; "unknown" where a meter does not answer."""
    with unit_of_work(sessions) as session:
        query = (
            select(Meter)
            .join(Account, Account.id == Meter.account_id)
            .where(
                Account.billing_mode == PREPAID,
                Account.active,
                Meter.status == METER_ACTIVE,
                Meter.hardware_no.is_not(None),
            )
            .order_by(Meter.meter_no)
        )
        if building_id is not None:
            query = query.where(Account.building_id == building_id)
        targets = []
        for meter in session.scalars(query):
            place = _place_of(session, meter)
            port = settings.port_for(*place, meter.kind) if place else ""
            if port:
                targets.append(
                    (meter.id, meter.meter_no, meter.hardware_no or "", meter.kind, port)
                )
    found = []
    for meter_id, meter_no, address, kind, port in targets:
        state = reader(port, settings.protocol_for(kind), address, timeout=settings.timeout)
        found.append(StateRead(meter_no, state, port))
        with unit_of_work(sessions) as session:
            session.execute(
                insert(MeterSwitchState)
                .values(meter_id=meter_id, state=state, read_at=now, command_id=None)
                .on_conflict_do_update(
                    index_elements=[MeterSwitchState.meter_id],
                    set_={"state": state, "read_at": now, "command_id": None},
                )
            )
    return found


def start_dispatcher(
    engine: Engine, settings: ControlSettings, clock: Callable[[], datetime] = clock_now
) -> Callable[[], None]:
    """Send a payment's switch-on the moment its transaction commits, whichever process
    took it: a thread LISTENing on `restore.CHANNEL` on a connection of its own. Returns the
    function that stops it."""
    sessions = make_sessionmaker(engine)
    stopping = threading.Event()
    listening = threading.Event()
    announced: list[int] = []

    def heard(notice: psycopg.Notify) -> None:
        announced.extend(int(part) for part in notice.payload.split(",") if part)

    def run() -> None:
        while not stopping.is_set():
            try:
                connection = engine.raw_connection()
            except Exception:
                log.exception("费控：无法连接数据库以接收缴费复电通知，稍后重试")
                stopping.wait(5)
                continue
            try:
                raw = connection.driver_connection
                assert isinstance(raw, psycopg.Connection)
                raw.autocommit = True
                raw.add_notify_handler(heard)
                raw.execute(f"listen {restore.CHANNEL}")
                listening.set()
                while not stopping.is_set():
                    # Waiting in select holds no lock of psycopg's, so a process that forks
                    # meanwhile (serve's web workers) inherits none held.
                    if not wait_readable([raw.fileno()], [], [], 0.5)[0]:
                        continue
                    raw.execute("select 1")  # reads what arrived, calling the handler
                    ids, announced[:] = list(announced), []
                    if not ids:
                        continue
                    try:
                        send_due(sessions, settings, clock(), only=ids)
                    except Exception:
                        # The sender job sends them on its next round.
                        log.exception("费控指令 %s 发送失败，等待定时任务重发", ids)
            except psycopg.Error:
                log.exception("费控：复电通知的连接中断，重新连接")
                stopping.wait(1)
            finally:
                connection.invalidate()

    thread = threading.Thread(target=run, name="meterdesk-control", daemon=True)
    thread.start()
    listening.wait(timeout=10)

    def stop() -> None:
        stopping.set()
        thread.join(timeout=10)

    return stop
