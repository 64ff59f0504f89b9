"""One entry point for a field engineer's captured bytes: which protocol, what it says.

`describe` takes any DL/T 645 (2007/1997) or CJ/T 188 frame — request or reply, echo
included — and returns plain values; `encode_request` builds the request frames the CLI
prints. Both back `meterdesk frame decode|encode`.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from devices import cjt188, dlt645
from devices.errors import FrameError
from devices.registers import Edition, Value, parse_di

PROTOCOLS = ("dlt645-2007", "dlt645-1997", "cjt188")
DETAIL_LABELS = {
    "meter_type": "仪表类型",
    "di_order": "数据标识字节序",
    "clock": "表内时间",
    "status": "状态字",
    "valve": "阀门",
    "battery_low": "电池欠压",
    "error_code": "错误字",
    "action": "控制类型",
    "password": "密码（权限在前）",
    "operator": "操作者代码",
    "relay": "继电器",
    "hold": "保电",
    "raw": "原始数据（已减 33H）",
    "note": "说明",
    "noise": "帧前噪声",
}
UNKNOWN_DI_NOTE = "数据标识不在本程序的表内，未解析数值"


@dataclass(frozen=True)
class Decoded:
    """A decoded frame as plain values (what `frame decode --json` prints)."""

    protocol: str
    kind: str
    address: str
    control: int
    di: str | None = None
    values: tuple[Value, ...] = ()
    error: str | None = None
    details: tuple[tuple[str, str], ...] = field(default=())

    def as_json(self) -> dict[str, Any]:
        return {
            "protocol": self.protocol,
            "kind": self.kind,
            "address": self.address,
            "control": f"{self.control:02X}",
            "di": self.di,
            "values": [{"name": v.name, "value": v.text(), "unit": v.unit} for v in self.values],
            "error": self.error,
            "details": dict(self.details),
        }


def parse_hex(text: str) -> bytes:
    """Hex as captured ("68 01 00 …", "6801…", with 0x or commas); FrameError if not hex."""
    clean = text.replace("0x", "").replace("0X", "").replace(",", " ")
    clean = "".join(clean.split())
    if len(clean) % 2:
        raise FrameError(f"十六进制字符数为奇数（{len(clean)} 个）")
    try:
        return bytes.fromhex(clean)
    except ValueError:
        bad = next(i for i, c in enumerate(clean) if c not in "0123456789abcdefABCDEF")
        raise FrameError(f"不是十六进制：第 {bad + 1} 个字符 {clean[bad]!r}") from None


def _looks_like_645(raw: bytes) -> bool:
    # DL/T 645 repeats 68H after the 6-byte address; CJ/T 188 has a meter type after 68H.
    pos = 0
    while pos < len(raw) and raw[pos] == 0xFE:
        pos += 1
    if len(raw) > pos + 7 and raw[pos + 7] == dlt645.START:
        return True
    return not (len(raw) > pos + 1 and cjt188.plausible_type(raw[pos + 1]))


def describe(raw: bytes, protocol: str | None = None) -> Decoded:
    """What `raw` says; the protocol is detected unless given. FrameError if it is bad.

    Line noise before the frame is skipped and reported in the details ("noise").
    """
    decoded = _describe(raw, protocol)
    codec: Any = cjt188 if decoded.protocol == "cjt188" else dlt645
    noise = b"".join(frame.noise for frame in codec.decode_frames(raw))
    if not noise:
        return decoded
    shown = f"跳过 {len(noise)} 字节：{noise.hex(' ').upper()}"
    return dataclasses.replace(decoded, details=(*decoded.details, ("noise", shown)))


def _describe(raw: bytes, protocol: str | None) -> Decoded:
    if protocol == "cjt188":
        return _describe_188(raw)
    if protocol in ("dlt645-2007", "dlt645-1997"):
        return _describe_645(raw, Edition(protocol))
    if protocol is not None:
        raise ValueError(f"未知协议 {protocol!r}")
    # The likelier protocol first; line noise before a frame can mislead the guess, so
    # the other is tried before giving up (with the likelier one's error).
    first, second = (
        (lambda: _describe_645(raw, None), lambda: _describe_188(raw))
        if _looks_like_645(raw)
        else (lambda: _describe_188(raw), lambda: _describe_645(raw, None))
    )
    try:
        return first()
    except FrameError as error:
        try:
            return second()
        except FrameError:
            raise error from None


def _pick(frames: list[Any]) -> Any:
    # An adapter's echo of the request comes first; the reply is what the engineer wants.
    return next((f for f in frames if f.is_reply), frames[0])


def _describe_645(raw: bytes, edition: Edition | None) -> Decoded:
    frame = _pick(dlt645.decode_frames(raw))
    if not frame.is_reply:
        req = dlt645.request_of(frame)
        ed = edition or req.edition
        di = None if req.di is None else _di_text(req.di, ed)
        kinds = {"read": "读数据请求", "read_address": "读通信地址请求", "time_sync": "广播校时"}
        if req.kind == "control":
            return _describe_control(req)
        values = (Value("校时时间", req.when),) if req.when else ()
        kind = kinds.get(req.kind, f"请求（C={frame.control:02X}H）")
        return Decoded(ed.value, kind, frame.address, frame.control, di, values)
    reply = dlt645.reply_of(frame, edition)
    ed = reply.edition
    if isinstance(reply, dlt645.ControlAccepted):
        return Decoded(ed.value, "控制命令正常应答", reply.address, frame.control)
    if isinstance(reply, dlt645.ControlRefused):
        return Decoded(
            ed.value,
            "控制命令异常应答",
            reply.address,
            frame.control,
            error="、".join(reply.errors),
            details=(("error_code", f"{reply.code:02X}"),),
        )
    if isinstance(reply, dlt645.AbnormalReply):
        return Decoded(
            ed.value,
            "异常应答",
            reply.address,
            frame.control,
            error="、".join(reply.reasons),
            details=(("error_code", f"{reply.code:02X}"),),
        )
    if isinstance(reply, dlt645.AddressReply):
        return Decoded(ed.value, "读通信地址应答", reply.address, frame.control)
    kind = "正常应答（有后续帧）" if reply.follow_up else "正常应答"
    details: tuple[tuple[str, str], ...] = ()
    if not reply.known:
        details = (("raw", reply.raw.hex(" ").upper() or "（无数据）"), ("note", UNKNOWN_DI_NOTE))
        return Decoded(ed.value, kind, reply.address, frame.control, reply.di_text, details=details)
    if reply.di == dlt645.RELAY_STATUS_DI and isinstance(reply.values[0].value, int):
        relay = dlt645.relay_state(reply)
        details = (("relay", "合（通）" if relay.closed else "断"), ("hold", _yes(relay.held)))
    return Decoded(
        ed.value, kind, reply.address, frame.control, reply.di_text, reply.values, details=details
    )


def _describe_control(req: dlt645.Request) -> Decoded:
    action = req.action.label if req.action else "密文（厂商安全模块）"
    values = (Value("命令有效截止时间", req.when),) if req.when else ()
    details = (
        ("action", action),
        ("password", req.password or ""),
        ("operator", req.operator or ""),
    )
    return Decoded(
        req.edition.value, "控制命令", req.address, req.control, values=values, details=details
    )


def _yes(flag: bool) -> str:
    return "是" if flag else "否"


def _describe_188(raw: bytes) -> Decoded:
    frame = _pick(cjt188.decode_frames(raw))
    type_name = cjt188.METER_TYPES.get(frame.meter_type, "未知类型")
    base = (("meter_type", f"{frame.meter_type:02X} {type_name}"),)
    if not frame.is_reply:
        req = cjt188.request_of(frame)
        kinds = {"read": "读计量数据请求", "read_address": "读地址请求", "valve": "阀门控制"}
        kind = kinds.get(req.kind, f"请求（C={frame.control:02X}H）")
        di = None if req.di is None else f"{req.di:04X}"
        details = base + ((("di_order", req.di_order),) if req.di is not None else ())
        if req.kind == "valve":
            act = {True: "开阀（55H）", False: "关阀（99H）", None: "未知操作"}[req.open_valve]
            details += (("action", act),)
        return Decoded("cjt188", kind, frame.address, frame.control, di, details=details)
    reply = cjt188.reply_of(frame)
    if isinstance(reply, cjt188.AbnormalReply):
        status = reply.status.hex(" ").upper()
        return Decoded(
            "cjt188",
            "异常应答",
            reply.address,
            frame.control,
            error=f"异常应答，状态 {status}",
            details=(*base, ("status", status)),
        )
    if isinstance(reply, cjt188.AddressReply):
        return Decoded("cjt188", "读地址应答", reply.address, frame.control, "810A", details=base)
    if isinstance(reply, cjt188.ValveAccepted):
        details = (
            *base,
            ("di_order", reply.di_order),
            ("status", reply.status.hex(" ").upper()),
            ("valve", cjt188.VALVE_LABELS[reply.valve]),
            ("battery_low", "" if reply.battery_low is None else str(reply.battery_low).lower()),
        )
        return Decoded(
            "cjt188", "阀门控制应答", reply.address, frame.control, "A017", details=details
        )
    details = (
        *base,
        ("di_order", reply.di_order),
        ("clock", reply.clock.isoformat() if reply.clock else reply.clock_note or ""),
        ("status", reply.status.hex(" ").upper()),
        ("valve", reply.valve_text),
        ("battery_low", "" if reply.battery_low is None else str(reply.battery_low).lower()),
    )
    return Decoded(
        "cjt188",
        "计量数据应答",
        reply.address,
        frame.control,
        "901F",
        reply.values,
        details=details,
    )


def _di_text(di: int, edition: Edition) -> str:
    return f"{di:08X}" if edition is Edition.V2007 else f"{di:04X}"


def encode_request(
    protocol: str,
    address: str,
    di: str | None = None,
    *,
    meter_type: int = 0x10,
    di_order: cjt188.DiOrder = "big",
    ser: int = 0,
    wakeup: int = 0,
) -> bytes:
    """The request frame for `protocol`: read `di`, or read the address when `di` is None.

    ValueError (Chinese message) for a bad protocol, address or identifier.
    """
    if protocol not in PROTOCOLS:
        raise ValueError(f"未知协议 {protocol!r}，应为 {'、'.join(PROTOCOLS)}")
    pre = bytes([0xFE] * wakeup)
    if protocol == "cjt188":
        code = None if di is None else int(parse_di(di, Edition.V1997))  # 2 bytes, as 1997
        if code in (None, cjt188.DI_ADDRESS):
            return pre + cjt188.read_address_request(meter_type, ser=ser, di_order=di_order)
        if code != cjt188.DI_METER_DATA:
            raise ValueError(f"CJ/T 188 只支持 901F（计量数据）与 810A（读地址），收到 {di}")
        return pre + cjt188.read_request(address, meter_type, ser=ser, di_order=di_order)
    edition = Edition(protocol)
    if di is None:
        if edition is Edition.V1997:
            raise ValueError("DL/T 645-1997 没有读通信地址命令，请给出数据标识")
        return pre + dlt645.read_address_request()
    return pre + dlt645.read_request(address, parse_di(di, edition), edition)


COMMANDS = (*(a.value for a in dlt645.ControlAction), "valve-open", "valve-close")


def encode_command(
    protocol: str,
    address: str,
    command: str,
    *,
    password: str = "",
    operator: str = "",
    until: datetime | None = None,
    meter_type: int = 0x10,
    di_order: cjt188.DiOrder = "big",
    ser: int = 0,
    wakeup: int = 0,
) -> bytes:
    """The frame of a switching command: a DL/T 645-2007 control or a CJ/T 188 valve.

    ValueError (Chinese message) for a command the protocol lacks or a bad field.
    """
    pre = bytes([0xFE] * wakeup)
    if protocol == "cjt188":
        if command not in ("valve-open", "valve-close"):
            raise ValueError(f"CJ/T 188 只有 valve-open 与 valve-close，收到 {command!r}")
        return pre + cjt188.valve_request(
            address, meter_type, open=command == "valve-open", serial=ser, di_order=di_order
        )
    if protocol != "dlt645-2007":
        raise ValueError(f"控制命令只属于 dlt645-2007 与 cjt188，收到 {protocol!r}")
    if command not in COMMANDS[:-2]:
        raise ValueError(f"DL/T 645-2007 控制命令应为 {'、'.join(COMMANDS[:-2])}，收到 {command!r}")
    if until is None:
        raise ValueError("控制命令需要有效截止时间（--until）")
    return pre + dlt645.control_request(
        address, dlt645.ControlAction(command), password=password, operator=operator, until=until
    )
