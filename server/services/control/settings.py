"""The [control] settings read once: which port each building's bus is on, the control
password and operator code, the timing of tries and the hours meters may be switched off."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import time, timedelta

from server.config import Settings
from server.db.models.metering import WATER
from server.services.core.errors import InvalidInput

_SEPARATORS = re.compile(r"[;\n]")
_HEX = re.compile(r"^(?:[0-9A-Fa-f]{2})*$")


def _number(settings: Settings, key: str, kind: type[int] | type[float]) -> int | float:
    text = settings.get("control", key).strip()
    try:
        value = kind(text)
    except ValueError:
        value = -1
    if value < 0 or (key in ("timeout", "max_attempts") and value == 0):
        raise InvalidInput(f"设置 control.{key} 应为正数，收到「{text}」")
    return value


def _clock(settings: Settings, key: str) -> time:
    text = settings.get("control", key).strip()
    try:
        return time.fromisoformat(text)
    except ValueError:
        raise InvalidInput(f"设置 control.{key} 应为 HH:MM，收到「{text}」") from None


def parse_ports(text: str) -> dict[str, str]:
    """'1号楼=socket://10.1.2.3:4001; 东校区/2号楼=COM3' → {building: port}."""
    ports = {}
    for item in _SEPARATORS.split(text):
        if not item.strip():
            continue
        building, sep, port = item.partition("=")
        if not sep or not building.strip() or not port.strip():
            raise InvalidInput(f"设置 control.ports 的「{item.strip()}」应写成 楼名=端口")
        ports[building.strip()] = port.strip()
    return ports


@dataclass(frozen=True)
class ControlSettings:
    ports: dict[str, str] = field(default_factory=dict)
    password: str = ""
    operator: str = ""
    electricity_protocol: str = "dlt645-2007"
    water_protocol: str = "cjt188"
    valid_for: timedelta = timedelta(minutes=10)
    timeout: float = 3.0
    retries: int = 1
    max_attempts: int = 4
    cut_from: time = time(9, 0)
    cut_until: time = time(16, 0)

    @classmethod
    def from_settings(cls, settings: Settings) -> ControlSettings:
        get = settings.get
        for key in ("password", "operator"):
            if not _HEX.match(get("control", key).strip()):
                raise InvalidInput(
                    f"设置 control.{key} 应为十六进制字节，收到「{get('control', key)}」"
                )
        cut_from, cut_until = _clock(settings, "cut_from"), _clock(settings, "cut_until")
        if cut_from >= cut_until:
            raise InvalidInput("设置 control.cut_from 应早于 control.cut_until")
        return cls(
            ports=parse_ports(get("control", "ports")),
            password=get("control", "password").strip(),
            operator=get("control", "operator").strip(),
            electricity_protocol=get("control", "electricity_protocol").strip(),
            water_protocol=get("control", "water_protocol").strip(),
            valid_for=timedelta(minutes=int(_number(settings, "valid_minutes", int))),
            timeout=float(_number(settings, "timeout", float)),
            retries=int(_number(settings, "retries", int)),
            max_attempts=int(_number(settings, "max_attempts", int)),
            cut_from=cut_from,
            cut_until=cut_until,
        )

    def port_for(self, campus: str, building: str, kind: str) -> str:
        """The port of the building's bus for meters of `kind` ("" when none is configured):
        "楼名:water" or "楼名:electricity" where water and electricity meters are on
        separate buses, else the building's one bus; "校区/楼名" before "楼名" in each."""
        names = (f"{campus}/{building}", building)
        for key in (*(f"{name}:{kind}" for name in names), *names):
            if key in self.ports:
                return self.ports[key]
        return ""

    def protocol_for(self, kind: str) -> str:
        return self.water_protocol if kind == WATER else self.electricity_protocol
