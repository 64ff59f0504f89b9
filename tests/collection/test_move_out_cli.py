"""`meterdesk account move-out | close | move-in` on a database of their own."""

from __future__ import annotations

import json
from decimal import Decimal

from click.testing import CliRunner
from sqlalchemy import create_engine, text

from server.cli import cli
from server.db.engine import make_sessionmaker, unit_of_work
from server.services.collection.refunds import refund_balance
from server.services.staff.sign_in import staff_identity
from tests import factories as f


def test_move_out_close_and_move_in_from_the_command_line(md_env):
    engine = create_engine(md_env)
    with unit_of_work(make_sessionmaker(engine)) as session:
        f.water_account_with_deposit(session)
        f.staff(session, "wang", role="manager", branch_code="D")
    runner = CliRunner()
    by = ["--by", "wang"]

    bad = runner.invoke(cli, ["account", "move-out", "A001", "--at", "2026-12-05",
                              "--reading", "W1:155", *by])  # fmt: skip
    assert bad.exit_code == 2 and "读数应写作 表号=读数，收到「W1:155」" in bad.output

    moved = runner.invoke(cli, ["account", "move-out", "A001", "--at", "2026-12-05",
                                "--reading", "W1=155", *by, "--json"])  # fmt: skip
    assert moved.exit_code == 0, moved.output
    answer = json.loads(moved.output)
    # 5/31 of a month: 20 × 5/31 = 3.2258 m³ at 3.00, the other 21.7742 m³ at 4.00
    # = 100 − 100/31 = 96.774 → 96.77; the deposit 300.00 pays it, 203.23 refundable.
    assert (answer["period"], answer["covers_from"], answer["covers_to"]) == (
        "2026-12", "2026-12-01", "2026-12-05",
    )  # fmt: skip
    assert [(m["meter_no"], m["prev"], m["curr"], m["usage"]) for m in answer["meters"]] == [
        ("W1", "130", "155", "25")
    ]
    assert [(x["component"], x["amount"], x["note"]) for x in answer["lines"]] == [
        ("水费", "96.77", "按日折算 5/31 天")
    ]
    assert answer["total"] == "96.77"
    assert (answer["deposit_released"], answer["owed"], answer["balance"]) == (
        "300.00", "0.00", "203.23",
    )  # fmt: skip
    assert (answer["to_pay"], answer["refundable"], answer["open_bills"]) == ("0.00", "203.23", [])

    again = runner.invoke(cli, ["account", "move-out", "A001", "--at", "2026-12-05",
                                "--reading", "W1=155", *by])  # fmt: skip
    assert again.exit_code != 0 and "户号 A001 已于 2026-12-05 退房结算" in again.output

    closing = runner.invoke(cli, ["account", "close", "A001", *by])
    assert closing.exit_code != 0
    assert "户号 A001 不能销户：余额 203.23 元未结清或退款" in closing.output

    moved_in = runner.invoke(cli, ["account", "move-in", "A002", "--from", "A001",
                                   "--holder", "李四", "--mobile", "13900000002", *by])  # fmt: skip
    assert moved_in.exit_code == 0, moved_in.output
    assert moved_in.output.splitlines() == [
        "户号 A002 已开户（东校区 1号楼 2单元 301），接替户号 A001：",
        "  W1\t起码 155.000",
    ]
    with engine.connect() as connection:
        owner = connection.execute(
            text("select a.account_no from meter m join account a on a.id = m.account_id"
                 " where m.meter_no = 'W1'")
        ).scalar_one()  # fmt: skip
    assert owner == "A002"
    # Refunded by transfer at the desk, the account closes.
    with unit_of_work(make_sessionmaker(engine)) as session:
        manager = staff_identity(session, "wang").actor
        refund_balance(session, manager, "A001", Decimal("203.23"), "transfer", clerk=manager,
                       reference="TR-1", reason="退房")  # fmt: skip
    engine.dispose()
    closed = runner.invoke(cli, ["account", "close", "A001", *by, "--reason", "退房", "--json"])
    assert closed.exit_code == 0, closed.output
    assert json.loads(closed.output) == {"account_no": "A001", "active": False}
