"""The 费控 jobs on their schedule against a simulated building: the policy job warns (never
at night) and leaves switching to a manager; the sender job sends what the desk queued."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from devices.simulators import SimulatedElectricityMeter, SimulatorServer
from server.config import load_settings
from server.db.engine import make_engine, unit_of_work
from server.db.models import ControlWarning
from server.jobs.catalogue import JOBS
from server.jobs.schedule import Runner, RunResult
from server.services.billing.balances import move_balance
from server.services.control.commands import switch_account
from server.services.control.protection import set_protection
from server.services.core.calendar import BUSINESS_TZ
from tests import factories as f
from tests.control.support import PASSWORD, address, meter_time, prepaid_with_meter, resident_policy
from tests.jobs.support import SteppedClock


def at(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 12, day, hour, minute, tzinfo=BUSINESS_TZ)


def test_the_policy_job_warns_by_day_and_the_sender_job_sends(fresh_database_url, tmp_path):
    clock = SteppedClock(at(7, 22, 15))  # Monday night
    meter = SimulatedElectricityMeter(
        address(1), clock=lambda: meter_time(clock), password=PASSWORD
    )
    engine = make_engine(fresh_database_url)
    with SimulatorServer([meter]) as bus:
        (tmp_path / "meterdesk.toml").write_text(
            "[jobs]\n"
            + "".join(f'{name}_enabled = "false"\n' for name in
                      ("outbox", "pay_query", "remote_pull", "bill_notices", "reminders"))
            + 'control_send_every = "10s"\ncontrol_policy_every = "30m"\n'
            f'[control]\nports = "1号楼={bus.url}"\npassword = "{PASSWORD}"\ntimeout = "1"\n',
            encoding="utf-8",
        )  # fmt: skip
        try:
            runner = Runner(engine, load_settings(tmp_path), JOBS, clock, "a")
            with unit_of_work(runner.sessions) as s:
                f.branches(s)
                zhao, li = f.staff(s, "zhao", "manager"), f.staff(s, "li", "reader")
                resident_policy(s, zhao)
                p = prepaid_with_meter(s, "P001", 1, balance="50.00")
                move_balance(s, p, Decimal("-45.00"), "bill", None, "电费")
            assert runner.tick() == [
                RunResult("control_send", at(7, 22, 15), "ok", "已执行 0，待重试 0，失败 0"),
                RunResult(
                    "control_policy", at(7, 22), "ok", "非工作日或不在 08:00–21:00 之间：不预警"
                ),
            ]
            # Tuesday 09:40: warned; 12 hours' grace, so nothing to switch yet.
            clock.moment = at(8, 9, 40)
            assert runner.tick()[1] == RunResult(
                "control_policy", at(8, 9, 30), "ok",
                "断开 0 户，预警 1 户，等待 0 户，不处理 0 户；"
                "已发出预警 1 户，已排队断开指令 0 条",
            )  # fmt: skip
            with unit_of_work(runner.sessions) as s:
                assert s.query(ControlWarning).count() == 1
                switch_account(s, li, "P001", "off", "表计更换前断开", at(8, 9, 40))
            clock.moment = datetime(2026, 12, 8, 9, 40, 10, tzinfo=BUSINESS_TZ)
            assert runner.tick() == [
                RunResult("control_send", clock.moment, "ok", "已执行 1，待重试 0，失败 0"),
            ]
            assert meter.relay_closed is False
            # A 保电 until 10:00: sent on the next round (the relay closed with it), and at
            # 10:00 the round lifts the lapsed mark and sends 保电解除.
            with unit_of_work(runner.sessions) as s:
                set_protection(s, zhao, protected=True, reason="透析", now=clock.moment,
                               account_no="P001", until=at(8, 10))  # fmt: skip
            clock.moment = datetime(2026, 12, 8, 9, 40, 20, tzinfo=BUSINESS_TZ)
            assert runner.tick() == [
                RunResult("control_send", clock.moment, "ok", "已执行 1，待重试 0，失败 0"),
            ]
            assert (meter.held, meter.relay_closed) == (True, True)
            clock.moment = at(8, 10)
            assert runner.tick()[0] == RunResult(
                "control_send", at(8, 10), "ok", "已执行 1，待重试 0，失败 0；保电到期 1 处"
            )
            assert meter.held is False
        finally:
            engine.dispose()
