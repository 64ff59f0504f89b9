"""One remote switching command, end to end: send it, keep the reply, read the state back.

This is what the 费控 queue calls for each queued command. It opens the building's port
(a pyserial URL: a COM port, or `socket://host:port` for the transparent serial-to-TCP
gateway campuses wire per building), sends one command with the port's retries and
timeout, records the request and the reply as hex, and then reads the switch state back
from the meter itself — a meter that answered 9CH but did not act shows up here, and a
lost reply to a command the meter did carry out does too. It never raises for what the
line or the meter does; every outcome is a `SwitchResult`.

DL/T 645-2007 meters take the control command 1CH (`dlt645.control_request`) and report
the relay in 电表运行状态字3; CJ/T 188 meters take 阀门控制 A017 and report the valve in
the status bytes of every read. "on" means power or water flows (relay closed, valve
open).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

import serial

from devices import cjt188, dlt645
from devices.errors import FrameError
from devices.transport import DEFAULT_SETTINGS, MeterLink, NoReply

VALVE_ACTIONS = ("valve-open", "valve-close")
ACTIONS = (*(a.value for a in dlt645.ControlAction), *VALVE_ACTIONS)
# What a command should leave behind; the others (alarm, hold) do not move the switch.
EXPECTED_STATE = {
    dlt645.ControlAction.TRIP.value: "off",
    dlt645.ControlAction.CLOSE.value: "on",
    "valve-open": "on",
    "valve-close": "off",
}
# 保电 and 保电解除 leave the meter's own hold (状态字3 bit 12) set or cleared.
EXPECTED_HOLD = {
    dlt645.ControlAction.HOLD.value: True,
    dlt645.ControlAction.HOLD_OFF.value: False,
}
# How long a command stays valid when the caller gives no end (the meter refuses it after).
DEFAULT_VALIDITY = timedelta(minutes=10)
_LINE_ERRORS = (NoReply, FrameError, serial.SerialException, OSError)


@dataclass(frozen=True)
class SwitchResult:
    """What one switching command did.

    `ok` means the meter accepted the command and, for trip / close / valve commands, the
    state read back is the one asked for (for hold / hold-off, the hold read back is).
    `state` is the read-back switch state: "on", "off" or "unknown" (the read failed or the
    meter reports a valve fault); `held` the meter's own 保电 read back (None: not known,
    or a water meter, which has none).
    """

    ok: bool
    state: str
    request_hex: str
    reply_hex: str
    error: str | None
    attempts: int
    held: bool | None = None


def switch_meter(
    url: str,
    protocol: str,
    address: str,
    action: str,
    *,
    password: str = "",
    operator: str = "",
    until: datetime | None = None,
    timeout: float,
    retries: int,
    meter_type: int = 0x10,
    auth: dlt645.ControlAuth | None = None,
    clock: Callable[[], datetime] = datetime.now,
) -> SwitchResult:
    """Send `action` to the meter at `address` on `url` and read its state back.

    `action` is a `dlt645.ControlAction` value for DL/T 645-2007 meters ("trip", "close",
    …) or "valve-open" / "valve-close" for CJ/T 188 meters. `until` is the command's
    validity end (default: `clock()` + 10 minutes). ValueError for an action the protocol
    does not have, or a malformed password / operator / address.
    """
    request = _request(
        protocol, address, action, password, operator, until, meter_type, auth, clock
    )
    try:
        link = _link(url, protocol, timeout, retries, meter_type)
    except (serial.SerialException, OSError, ValueError) as exc:
        return SwitchResult(False, "unknown", request.hex(" ").upper(), "", f"端口 {url}：{exc}", 0)
    with link:
        reply_hex = ""
        error: str | None = None
        try:
            raw = link.transact(request)
            reply_hex = raw.hex(" ").upper()
            error = _refusal(protocol, address, raw)
        except _LINE_ERRORS as exc:
            error = str(exc)
        attempts = link.attempts
        state, held, read_error = _read_state(link, protocol, address)
    accepted = error is None
    expected = EXPECTED_STATE.get(action)
    if accepted and expected is not None and state != expected:
        reason = read_error or f"表已接受命令，但回读状态为 {state}"
        error = f"{reason}（应为 {expected}）"
    hold = EXPECTED_HOLD.get(action)
    if accepted and hold is not None and held is not hold:
        reason = read_error or f"表已接受命令，但回读保电状态为 {_HOLD_WORDS[held]}"
        error = f"{reason}（应为 {_HOLD_WORDS[hold]}）"
    return SwitchResult(
        ok=error is None,
        state=state,
        request_hex=request.hex(" ").upper(),
        reply_hex=reply_hex,
        error=error,
        attempts=attempts,
        held=held,
    )


_HOLD_WORDS = {True: "保电", False: "未保电", None: "未知"}


def read_switch_state(
    url: str, protocol: str, address: str, *, timeout: float, meter_type: int = 0x10
) -> str:
    """The meter's switch state now: "on", "off" or "unknown" (no answer, valve fault)."""
    try:
        link = _link(url, protocol, timeout, 0, meter_type)
    except (serial.SerialException, OSError):
        return "unknown"
    with link:
        return _read_state(link, protocol, address)[0]


def _request(
    protocol: str,
    address: str,
    action: str,
    password: str,
    operator: str,
    until: datetime | None,
    meter_type: int,
    auth: dlt645.ControlAuth | None,
    clock: Callable[[], datetime],
) -> bytes:
    if protocol == "cjt188":
        if action not in VALVE_ACTIONS:
            raise ValueError(
                f"CJ/T 188 表只能开阀或关阀（valve-open / valve-close），收到 {action!r}"
            )
        return cjt188.valve_request(address, meter_type, open=action == "valve-open")
    if protocol != "dlt645-2007":
        raise ValueError(f"远程控制只支持 dlt645-2007 与 cjt188，收到 {protocol!r}")
    if action not in ACTIONS or action in VALVE_ACTIONS:
        raise ValueError(f"未知控制命令 {action!r}，应为 {'、'.join(ACTIONS)}")
    return dlt645.control_request(
        address,
        dlt645.ControlAction(action),
        password=password,
        operator=operator,
        until=until or clock() + DEFAULT_VALIDITY,
        auth=auth,
    )


def _link(url: str, protocol: str, timeout: float, retries: int, meter_type: int) -> MeterLink:
    settings = dataclasses.replace(DEFAULT_SETTINGS[protocol], timeout=timeout, retries=retries)
    return MeterLink(url, protocol, settings=settings, meter_type=meter_type)


def _refusal(protocol: str, address: str, raw: bytes) -> str | None:
    """None if the reply accepts the command, else why not (FrameError if it is no reply)."""
    reply: cjt188.ValveAccepted | cjt188.AbnormalReply | dlt645.Reply
    if protocol == "cjt188":
        reply = cjt188.parse_valve_reply(raw)
    else:
        reply = dlt645.parse_control_reply(raw)
    if reply.address.upper() != address.upper().zfill(len(reply.address)):
        return f"应答来自表 {reply.address}，不是所控的表 {address}"
    if isinstance(reply, cjt188.AbnormalReply | dlt645.ControlRefused):
        return reply.message
    return None


def _read_state(
    link: MeterLink, protocol: str, address: str
) -> tuple[str, bool | None, str | None]:
    """("on" | "off" | "unknown", 保电 or None where not known, why it is unknown)."""
    try:
        if protocol == "cjt188":
            data = link.read(address)
            if isinstance(data, cjt188.AbnormalReply):
                return "unknown", None, f"回读状态：{data.message}"
            return {"open": "on", "closed": "off"}.get(data.valve, "unknown"), None, None
        reply = link.read(address, dlt645.RELAY_STATUS_DI)
        if isinstance(reply, dlt645.AbnormalReply):
            return "unknown", None, f"回读状态：{reply.message}"
        relay = dlt645.relay_state(reply)
        return relay.state, relay.held, None
    except _LINE_ERRORS as exc:
        return "unknown", None, f"回读状态：{exc}"
