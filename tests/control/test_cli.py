"""`meterdesk control` against a simulated building: set a class's thresholds, preview the
policy, protect an account, switch one off by hand with a reason, list the pending command,
send it over the gateway, see the state read back; a policy run refused without approval."""

from __future__ import annotations

import json
import os
from datetime import datetime
from decimal import Decimal as D

import pytest
from click.testing import CliRunner

from devices.simulators import SimulatedElectricityMeter, SimulatorServer
from server.cli import cli
from server.cli import control as control_cli
from server.db.engine import make_engine, make_sessionmaker, unit_of_work
from server.services.billing.balances import move_balance
from server.services.core.calendar import BUSINESS_TZ
from tests import factories as f
from tests.control.support import PASSWORD, address, meter_time, prepaid_with_meter

MONDAY = datetime(2026, 12, 7, 10, 0, tzinfo=BUSINESS_TZ)


def invoke(*args: str) -> str:
    result = CliRunner().invoke(cli, ["control", *args])
    assert result.exit_code == 0, result.output
    return result.output


@pytest.fixture
def building(md_env, monkeypatch):
    monkeypatch.setattr(control_cli, "now", lambda: MONDAY)
    engine = make_engine(md_env)
    with unit_of_work(make_sessionmaker(engine)) as s:
        f.branches(s)
        f.staff(s, "zhao", "manager")
        f.staff(s, "li", "reader")
        for account_no, n in (("P001", 1), ("P002", 2)):
            account_id = prepaid_with_meter(s, account_no, n, balance="50.00")
            move_balance(s, account_id, D("-45.00"), "bill", None, "电费")
    engine.dispose()
    meters = [SimulatedElectricityMeter(address(n), clock=lambda: meter_time(lambda: MONDAY),
                                        password=PASSWORD) for n in (1, 2)]  # fmt: skip
    with SimulatorServer(meters) as bus:
        monkeypatch.setenv("MD_CONTROL_PORTS", f"1号楼={bus.url}")
        monkeypatch.setenv("MD_CONTROL_PASSWORD", PASSWORD)
        yield meters


def test_the_desk_commands_from_thresholds_to_a_switch_read_back(building):
    meter_p1, meter_p2 = building
    assert "resident 居民：低于 10.00 元断开，低于 30.00 元提醒，宽限 0 小时" in invoke(
        "class", "resident", "--cutoff-below", "10", "--warn-below", "30",
        "--grace-hours", "0", "--by", "zhao",
    )  # fmt: skip
    assert invoke("protect", "--account", "P002", "--reason", "医务室", "--by", "zhao") == (
        "户号 P002 已保电：医务室；已排队表计保电指令 1 条\n"
    )
    preview = json.loads(invoke("policy", "--json"))
    assert [(i["account_no"], i["step"], i["why"]) for i in preview["items"]] == [
        (
            "P001",
            "warn_cutoff",
            "余额 5.00 元低于停电金额 10.00 元：预警，2026-12-07 10:00 后可断开",
        ),
        ("P002", "skip", "余额 5.00 元低于停电金额 10.00 元，但处于保电：医务室"),
    ]
    assert preview["applied"] is False
    # A reader may not approve switching off.
    refused = CliRunner().invoke(cli, ["control", "policy", "--apply", "--approved-by", "li"])
    assert refused.exit_code != 0
    assert "批量断开须由管理人员审批（li LI 不是管理人员）" in refused.output
    assert (
        "户号 P002 处于保电（医务室），不能断开"
        in CliRunner()
        .invoke(cli, ["control", "switch", "P002", "off", "--reason", "检修", "--by", "li"])
        .output
    )
    assert "已排队 1 条指令" in invoke(
        "switch", "P001", "off", "--reason", "检修线路", "--by", "li"
    )
    # The 保电 mark went to P002's meter too (3AH), queued when it was set.
    pending = json.loads(invoke("commands", "--pending", "--json"))
    assert [(p["account_no"], p["action"], p["reason"], p["status"]) for p in pending] == [
        ("P001", "trip", "检修线路", "queued"),
        ("P002", "hold", "保电：医务室", "queued"),
    ]
    assert invoke("send") == "已执行 2，待重试 0，失败 0\n"
    assert meter_p1.relay_closed is False and meter_p2.relay_closed is True
    assert (meter_p1.held, meter_p2.held) == (False, True)
    status = {r["account_no"]: r for r in json.loads(invoke("status", "--json"))}
    assert (status["P001"]["state"], status["P001"]["state_read_at"]) == ("off", "2026-12-07 10:00")
    assert (status["P001"]["last_command"], status["P001"]["last_status"]) == ("跳闸", "已执行")
    assert (status["P001"]["held"], status["P002"]["held"]) == (False, True)
    assert (status["P002"]["last_command"], status["P002"]["last_status"]) == ("保电", "已执行")
    assert status["P002"]["protected"] == "医务室"
    assert "E002  余额 5.00  通电（表内保电）" in invoke("status")
    assert "户号 P002  医务室  解除前一直有效  zhao ZHAO" in invoke("protections")
    # 回读: P002's relay, never commanded, read from the meter itself.
    meter_p2.relay_closed = False  # someone opened it at the meter
    assert invoke("read", "--building", "1号楼").splitlines()[-3:] == [
        f"E001  断开  {os.environ['MD_CONTROL_PORTS'].split('=', 1)[1]}",
        f"E002  断开  {os.environ['MD_CONTROL_PORTS'].split('=', 1)[1]}",
        "回读 2 块表",
    ]
    status = {r["account_no"]: r for r in json.loads(invoke("status", "--json"))}
    assert (status["P002"]["state"], status["P002"]["last_command"]) == ("off", "保电")
