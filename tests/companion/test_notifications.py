"""账单通知 and 缴费成功 queued for the residents bound to an account, once each."""

from __future__ import annotations

from datetime import timedelta

from click.testing import CliRunner
from sqlalchemy import select, text

from server.cli import cli
from server.db.engine import make_engine, make_sessionmaker, unit_of_work
from server.db.models import OutboxMessage
from server.services.core.audit import Actor
from server.services.core.calendar import Period, now
from server.services.residents import bindings
from server.services.residents.template_messages import queue_bill_notices, queue_payment_notices
from tests import factories
from tests.companion.test_bindings import registered

DESK = Actor("desk test")


def bound(session, openid: str, phone: str, account_no: str) -> int:
    user = registered(session, openid, phone)
    bindings.request_binding(session, user, account_no, "张三", "10.0.0.1")
    (pending,) = bindings.pending_bindings(session)
    bindings.approve_binding(session, DESK, pending.binding_id)
    return user


def test_bills_and_payments_are_told_once_to_each_bound_resident(session):
    factories.branches(session)
    account_id = factories.account(session, "A001", holder_name="张三")
    other_id = factories.account(session, "A002", holder_name="李四")
    bound(session, "o-n1", "13800000071", "A001")
    bound(session, "o-n2", "13800000072", "A001")
    session.execute(text("delete from outbox_message"))
    factories.bill(session, account_id, "2026-10", "1234.50")
    factories.bill(session, other_id, "2026-10", "99.00")  # nobody bound: no message

    assert queue_bill_notices(session, Period(2026, 10)) == 2
    assert queue_bill_notices(session, Period(2026, 10)) == 0
    messages = session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)).all()
    assert [(m.kind, m.openid) for m in messages] == [("bill", "o-n1"), ("bill", "o-n2")]
    assert messages[0].payload == {
        "first": "您的2026 年 10 月水电费账单已出",
        "keyword1": "A001 张三",
        "keyword2": "1,234.50 元",
        "keyword3": "请于 2026-11-30 前缴纳",
        "remark": "点击在线缴费，也可到任一校区分中心缴费。",
    }
    # The message opens the pay page of the billed account (not of the resident's first).
    assert messages[0].url == f"/h5/pay?account={account_id}"

    session.execute(
        text(
            "insert into payment (account_id, amount, channel, reference, bank, branch_id)"
            " values (:a, 1234.50, 'cash', '', '', (select id from branch where code = 'D'))"
        ),
        {"a": account_id},
    )
    since = now() - timedelta(days=1)
    assert queue_payment_notices(session, since) == 2
    assert queue_payment_notices(session, since) == 0
    paid = session.scalars(
        select(OutboxMessage.payload["keyword2"].astext).where(OutboxMessage.kind == "payment")
    ).all()
    assert paid == ["1,234.50 元", "1,234.50 元"]


def test_outbox_bills_command(md_env):
    engine = make_engine(md_env)
    with unit_of_work(make_sessionmaker(engine)) as session:
        account_id = factories.account(session, "A001", holder_name="张三")
        bound(session, "o-n3", "13800000073", "A001")
        factories.bill(session, account_id, "2026-09", "10.00")
    engine.dispose()
    first = CliRunner().invoke(cli, ["outbox", "bills", "--period", "2026-09"])
    assert first.exit_code == 0 and "1 条账单通知" in first.output
    again = CliRunner().invoke(cli, ["outbox", "bills", "--period", "2026-09"])
    assert "0 条账单通知" in again.output
