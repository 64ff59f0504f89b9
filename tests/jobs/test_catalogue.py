"""The real jobs on their schedule, driven by a test clock: a billing run's 账单通知 queued
by bill_notices and sent by the outbox job through a stand-in for WeChat's API, once; jobs
with nothing configured say so; `meterdesk jobs` shows what ran."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import datetime

import pytest
from click.testing import CliRunner
from sqlalchemy import text

from server.cli import cli
from server.config import load_settings
from server.db.engine import make_engine, unit_of_work
from server.db.models import BillingRun
from server.jobs.catalogue import JOBS
from server.jobs.schedule import Runner, RunResult
from server.services.core.calendar import BUSINESS_TZ
from tests import factories
from tests.companion.support import APP_ID, WechatStandIn
from tests.companion.test_notifications import bound
from tests.jobs.support import SteppedClock


def at(hour: int, minute: int) -> datetime:
    return datetime(2026, 11, 3, hour, minute, tzinfo=BUSINESS_TZ)


@pytest.fixture
def standin() -> Iterator[WechatStandIn]:
    server = WechatStandIn()
    yield server
    server.stop()


def test_bill_notices_after_a_run_go_out_once_on_schedule(md_env, tmp_path, standin):
    home = tmp_path / "md_home"
    home.mkdir(exist_ok=True)
    (home / "meterdesk.toml").write_text(
        f'[wechat]\napp_id = "{APP_ID}"\napp_secret = "s"\napi_url = "{standin.url}"\n'
        'template_bill = "T-BILL"\n'
        '[companion]\nsecret_key = "test-secret-key-0123456789abcdef"\n'
        '[jobs]\noutbox_every = "1m"\nbill_notices_every = "10m"\n'
        'reminders_enabled = "false"\ncontrol_send_enabled = "false"\n'
        'control_policy_enabled = "false"\n',
        encoding="utf-8",
    )
    settings = load_settings(home)
    engine = make_engine(md_env)
    try:
        sessions = Runner(engine, settings, JOBS, SteppedClock(at(9, 0))).sessions
        with unit_of_work(sessions) as session:
            factories.branches(session)
            account_id = factories.account(session, "A001", holder_name="张三")
            bound(session, "o-j1", "13800000081", "A001")
            # Binding told the resident already; only the bill notice is of interest here.
            session.execute(text("delete from outbox_message"))
            session.add(BillingRun(period="2026-10", created=1, skipped=[], created_at=at(8, 30)))
            factories.bill(session, account_id, "2026-10", "88.60")
        clock = SteppedClock(at(9, 5))
        runner = Runner(engine, settings, JOBS, clock, "server-a")

        assert runner.tick() == [
            RunResult("outbox", at(9, 5), "ok", "已发送 0，待重试 0，失败 0"),
            RunResult("pay_query", at(9, 4), "ok", "未配置在线支付，跳过"),
            RunResult("remote_pull", at(9, 0), "ok", "未配置远传平台（remote.url），跳过"),
            RunResult("bill_notices", at(9, 0), "ok", "账期 2026-10：新加入 1 条账单通知"),
        ]
        assert standin.state.sent == []
        clock.moment = at(9, 6)
        # pay_query runs every 2 minutes: 09:04, 09:06, …
        assert runner.tick() == [
            RunResult("outbox", at(9, 6), "ok", "已发送 1，待重试 0，失败 0"),
            RunResult("pay_query", at(9, 6), "ok", "未配置在线支付，跳过"),
        ]
        assert [(b["touser"], b["template_id"]) for b in standin.state.sent] == [("o-j1", "T-BILL")]
        assert standin.state.sent[0]["data"]["keyword2"]["value"] == "88.60 元"
        # The next due time of bill_notices queues nothing new, so nothing more is sent.
        clock.moment = at(9, 10)
        assert runner.tick() == [
            RunResult("outbox", at(9, 10), "ok", "已发送 0，待重试 0，失败 0"),
            RunResult("pay_query", at(9, 10), "ok", "未配置在线支付，跳过"),
            RunResult("bill_notices", at(9, 10), "ok", "账期 2026-10：新加入 0 条账单通知"),
        ]
        assert len(standin.state.sent) == 1
        # A week after the run, bill_notices looks at it no more.
        clock.moment = datetime(2026, 11, 10, 9, 0, tzinfo=BUSINESS_TZ)
        assert runner.tick()[-1] == RunResult("bill_notices", clock.moment, "ok", "近 7 天没有出账")
    finally:
        engine.dispose()

    result = CliRunner().invoke(cli, ["jobs", "--json"], env={"MD_HOME": str(home)})
    assert result.exit_code == 0, result.output
    states = {s["job"]: s for s in json.loads(result.output)}
    assert list(states) == [
        "outbox", "pay_query", "remote_pull", "bill_notices", "reminders", "control_send",
        "control_policy",
    ]  # fmt: skip
    assert (states["outbox"]["outcome"], states["outbox"]["message"]) == (
        "ok", "已发送 0，待重试 0，失败 0",
    )  # fmt: skip
    assert states["outbox"]["last_due"] == "2026-11-10T01:00:00+00:00"
    assert states["outbox"]["every_seconds"] == 60
    assert states["reminders"]["enabled"] is False
    assert states["reminders"]["next_due"] is None
    assert states["reminders"]["outcome"] is None
    assert states["bill_notices"]["next_due"] == "2026-11-10T01:10:00+00:00"
    listing = CliRunner().invoke(cli, ["jobs"], env={"MD_HOME": str(home)}).output
    assert "bill_notices  出账后账单通知  上次 2026-11-10 09:00 成功：近 7 天没有出账" in listing
    assert "reminders     催缴与余额提醒  尚未运行  已停用" in listing


def test_reminders_run_on_schedule_and_keep_quiet_at_night(fresh_database_url, tmp_path):
    (tmp_path / "meterdesk.toml").write_text(
        '[jobs]\noutbox_enabled = "false"\npay_query_enabled = "false"\n'
        'remote_pull_enabled = "false"\nbill_notices_enabled = "false"\nreminders_every = "1h"\n'
        'control_send_enabled = "false"\ncontrol_policy_enabled = "false"\n',
        encoding="utf-8",
    )
    engine = make_engine(fresh_database_url)
    try:
        clock = SteppedClock(datetime(2026, 11, 3, 22, 15, tzinfo=BUSINESS_TZ))  # a Tuesday
        runner = Runner(engine, load_settings(tmp_path), JOBS, clock, "a")
        assert runner.tick() == [
            RunResult(
                "reminders",
                datetime(2026, 11, 3, 22, 0, tzinfo=BUSINESS_TZ),
                "ok",
                "非工作日或不在 08:00–21:00 之间：不发送",
            )
        ]
        clock.moment = datetime(2026, 11, 4, 10, 30, tzinfo=BUSINESS_TZ)
        assert runner.tick() == [
            RunResult(
                "reminders",
                datetime(2026, 11, 4, 10, 0, tzinfo=BUSINESS_TZ),
                "ok",
                "催缴 0 户，余额提醒 0 户；模板消息 0，短信 0，无法送达 0，已暂停 0",
            )
        ]
    finally:
        engine.dispose()
