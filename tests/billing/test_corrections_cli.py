"""`meterdesk reading correct`, `bill rebill|cancel` and `adjust` against a fresh database:
the mis-keyed reading (1500 for 1050) of a bill paid in cash, corrected and rebilled from
the command line, then adjusted and cancelled, with refusals and the approval setting."""

from __future__ import annotations

import json
from datetime import datetime
from decimal import Decimal as D

import pytest
from click.testing import CliRunner
from sqlalchemy import create_engine

from server.cli import cli
from server.db.engine import make_sessionmaker, unit_of_work
from server.services.collection.payments import PaymentRequest, take_payment
from server.services.collection.till import open_till
from server.services.core import calendar
from server.services.core.calendar import BUSINESS_TZ
from tests import factories as f

NOW = datetime(2026, 12, 7, 9, 30, tzinfo=BUSINESS_TZ)


@pytest.fixture
def paid(md_env, monkeypatch):
    """A001 (postpaid, water W1 at 3.00 元/m³) billed 1500.00 for 2026-11 on a reading keyed
    1500 instead of 1050, paid in cash; managers zhao and qian, clerk wang."""
    monkeypatch.setattr(calendar, "now", lambda: NOW)
    engine = create_engine(md_env)
    with unit_of_work(make_sessionmaker(engine)) as session:
        f.mis_keyed_water_bill(session)
        f.staff(session, "zhao", "manager")
        f.staff(session, "qian", "manager")
        wang = f.staff(session, "wang")
        open_till(session, wang, D("0"))
        take_payment(session, wang, PaymentRequest("A001", D("1500.00"), "cash", "D"))
    engine.dispose()
    return CliRunner()


def invoke(runner: CliRunner, *args: str) -> tuple[int, str]:
    result = runner.invoke(cli, list(args))
    return result.exit_code, result.output


def test_correct_rebill_adjust_and_cancel_from_the_command_line(paid):
    code, out = invoke(paid, "reading", "correct", "W1", "1060", "--at", "2026-11-28",
                       "--reason", "看错", "--by", "zhao")  # fmt: skip
    assert (code, out) == (0, "W1 2026-11-28 读数更正为 1060，用量 60，已采用\n")
    # Corrected once more: the figure is 1050.
    code, out = invoke(paid, "reading", "correct", "W1", "1050", "--at", "2026-11-28",
                       "--reason", "再次核对", "--by", "zhao", "--json")  # fmt: skip
    reading = json.loads(out)
    assert code == 0
    assert {k: reading[k] for k in ("meter_no", "value", "status", "usage", "previous")} == {
        "meter_no": "W1", "value": "1050", "status": "accepted", "usage": "50",
        "previous": "1000",
    }  # fmt: skip
    assert reading["read_at"] == "2026-11-28T10:00:00+08:00"

    rebill = ("bill", "rebill", "A001", "--period", "2026-11", "--reason", "抄表看错")
    # The second manager's approval above the limit is the desktop's step; a named approver
    # is checked and recorded.
    code, out = invoke(paid, *rebill, "--by", "zhao", "--approved-by", "zhao")
    assert (code, out) == (2, "错误：审批须由另一名管理人员办理（审批人不能是经办人本人）\n")
    code, out = invoke(paid, *rebill, "--by", "zhao", "--approved-by", "qian", "--json")
    assert code == 0, out
    result = json.loads(out)
    assert {k: v for k, v in result.items() if not k.endswith("bill_id")} == {
        "credit_note_no": "HZ2026000001",
        "account_no": "A001",
        "period": "2026-11",
        "old_total": "1500.00",
        "new_total": "150.00",
        "difference": "-1350.00",
        "paid_moved": "1500.00",
        "owed": "0.00",
        "credit_left": "1350.00",
        "balance": "1350.00",
        "approved_by": "QIAN",
    }
    assert result["new_bill_id"] > result["old_bill_id"]
    code, out = invoke(paid, *rebill, "--by", "zhao")
    assert (code, out) == (
        2, "错误：户号 A001 账期 2026-11 更正后金额不变（读数与价格均无变化），无需更正\n"
    )  # fmt: skip

    code, out = invoke(paid, "adjust", "A001", "--amount", "-20", "--reason", "好意减免",
                       "--by", "zhao")  # fmt: skip
    assert (code, out) == (
        0, "调账单 TZ2026000001：户号 A001 贷记 20.00（好意减免），抵扣账单 0.00，余额 1370.00\n"
    )  # fmt: skip
    # A debit on a postpaid account in credit is paid from it: 1370.00 − 80.00 = 1290.00.
    code, out = invoke(paid, "adjust", "A001", "--amount", "+80", "--reason", "表封损坏赔偿",
                       "--by", "zhao")  # fmt: skip
    assert (code, out) == (
        0,
        "调账单 TZ2026000002：户号 A001 借记 80.00（表封损坏赔偿），账期 2026-12 尚欠 0.00，"
        "余额 1290.00\n",
    )

    # The replacement (150.00, paid from the credit) cancelled: 1290.00 + 150.00 = 1440.00.
    code, out = invoke(paid, "bill", "cancel", "A001", "--period", "2026-11", "--reason",
                       "重复出账", "--by", "zhao")  # fmt: skip
    assert (code, out) == (
        0,
        "户号 A001 账期 2026-11 账单已作废：红字冲销 HZ2026000002 冲销 150.00\n"
        "原账单已付 150.00 转入余额，抵扣其他账单 0.00，余额 1440.00\n",
    )
    bills = json.loads(invoke(paid, "bills", "--period", "2026-11", "--json")[1])
    assert [(b["total"], b["status"]) for b in bills] == [("1500.00", "void"), ("150.00", "void")]


def test_refusals_and_the_operators_approval(paid):
    code, out = invoke(paid, "reading", "correct", "W1", "1050", "--at", "2026-11-27",
                       "--reason", "看错", "--by", "zhao")  # fmt: skip
    assert (code, out) == (2, "错误：表计 W1 在 2026-11-27 没有已采用的读数\n")
    code, out = invoke(paid, "adjust", "A001", "--amount", "10", "--reason", "x", "--by", "wang")
    assert (code, out) == (2, "错误：调账须由管理人员办理\n")
    code, out = invoke(paid, "adjust", "A001", "--amount", "ten", "--reason", "x", "--by", "zhao")
    assert (code, out) == (2, "错误：调账金额应为数字，收到「ten」\n")
    # Above the desktop's approval limit, yet the operator's command needs no second manager.
    code, out = invoke(paid, "bill", "cancel", "A001", "--period", "2026-11", "--reason", "x",
                       "--by", "zhao", "--json")  # fmt: skip
    assert code == 0, out
    assert json.loads(out)["approved_by"] == ""
