"""`meterdesk reminders`: policy, run (with the clock the demo also uses), pause, list."""

from __future__ import annotations

import json

from click.testing import CliRunner
from sqlalchemy import create_engine

from server.cli import cli
from server.db.engine import make_sessionmaker, unit_of_work
from server.services.core.calendar import SIMULATED_NOW
from server.services.residents import wechat_users
from tests import factories as f
from tests.factories import at


def test_reminders_commands(md_env):
    engine = create_engine(md_env)
    with unit_of_work(make_sessionmaker(engine)) as session:
        f.branches(session)
        for no in ("A001", "A002"):
            account_id = f.account(session, no)
            f.bill(session, account_id, "2026-09", "66.00")
            f.bound_resident(session, f"o-{no}", account_id)
            wechat_users.set_subscribed(session, f"o-{no}", True)
        f.staff(session, "clerk1", "clerk")
        f.staff(session, "boss", "manager")
    engine.dispose()
    runner = CliRunner()

    policy = ["reminders", "policy", "居民", "--steps", "10,3,20", "--from", "2026-01-01"]
    refused = runner.invoke(cli, [*policy, "--by", "clerk1"])
    assert (refused.exit_code, refused.output) == (2, "错误：设置催缴规则须由管理人员办理\n")
    done = runner.invoke(cli, [*policy, "--low-balance", "20", "--by", "boss"])
    assert (done.exit_code, done.output) == (
        0,
        "居民 自 2026-01-01 起逾期第 3、10、20 天催缴；余额低于 20.00 元提醒\n",
    )
    paused = runner.invoke(
        cli, ["reminders", "pause", "A002", "--reason", "分期缴纳", "--by", "boss"]
    )
    assert (paused.exit_code, paused.output) == (0, "户号 A002 的催缴已暂停：分期缴纳\n")

    token = SIMULATED_NOW.set(at("2026-11-03", 22))
    try:
        night = runner.invoke(cli, ["reminders", "run"])
        assert night.output == "非工作日或不在 08:00–21:00 之间：不发送\n"
        SIMULATED_NOW.set(at("2026-11-03", 9))
        morning = runner.invoke(cli, ["reminders", "run", "--json"])
    finally:
        SIMULATED_NOW.reset(token)
    assert json.loads(morning.output) == {
        "quiet": False,
        "overdue": 1,
        "low_balance": 0,
        "wechat": 1,
        "sms": 0,
        "unreachable": 0,
        "paused": 1,
    }
    (sent,) = json.loads(runner.invoke(cli, ["reminders", "list", "--json"]).output)
    assert {k: sent[k] for k in ("account_no", "kind", "step", "amount", "channel")} == {
        "account_no": "A001",
        "kind": "overdue",
        "step": 3,
        "amount": "66.00",
        "channel": "wechat",
    }
    assert sent["recipients"] == "o-A001"
