"""The active query: orders without a callback are asked about at the provider (the
stand-in) and settled the same way; unpaid expired ones are closed; a provider that does
not answer in time leaves the order for the next run; a late callback after closing is
kept for staff."""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING

import pytest
import requests
from sqlalchemy import func, select

from server.db.engine import unit_of_work
from server.db.models import Payment, PaymentException, PaymentNotification, PaymentOrder
from server.services.online_pay import callbacks, unionpay, wechat
from tests.payfakes import unionpay_fields, unionpay_notify, wechat_transaction

if TYPE_CHECKING:
    from tests.online_pay_fixtures import PayWorld

pytest_plugins = ["tests.online_pay_fixtures"]


def run(world: PayWorld, later: timedelta = timedelta(0)) -> callbacks.QueryReport:
    with unit_of_work(world.sessions) as session:
        now = session.scalar(select(func.now()))
    return callbacks.query_waiting(
        world.sessions, world.runtime.providers, timedelta(0), now=now + later
    )


def order_status(world: PayWorld, order_no: str) -> str:
    with unit_of_work(world.sessions) as session:
        return session.scalar(select(PaymentOrder.status).where(PaymentOrder.order_no == order_no))


def test_unionpay_query_settles_a_lost_callback(pay_world: PayWorld) -> None:
    order = pay_world.order("unionpay")
    fields = unionpay_fields(order.order_no, 6500, pay_world.txn_time(order.order_no))
    pay_world.standin.state.unionpay_orders[order.order_no] = {
        "origRespCode": "00",
        "origRespMsg": "成功",
        "queryId": fields["queryId"],
        "txnAmt": "6500",
        "traceTime": fields["traceTime"],
        "reserved": "{cardNumber=6216***1234&issInsCode=CMB}",
    }
    report = run(pay_world)
    assert (report.asked, report.applied, report.unavailable) == (1, 1, 0)
    assert order_status(pay_world, order.order_no) == "paid"
    # The callback arriving afterwards is a duplicate: 200, nothing more.
    headers, body = unionpay_notify(pay_world.keys, fields)
    answer = requests.post(pay_world.live.url + "/pay/unionpay/notify", data=body, headers=headers)
    assert answer.status_code == 200
    with unit_of_work(pay_world.sessions) as session:
        assert len(session.scalars(select(Payment)).all()) == 1
    # Nothing is waiting any more.
    assert run(pay_world).asked == 0


def test_in_progress_and_unpaid_orders_wait_then_close(pay_world: PayWorld) -> None:
    paying = pay_world.order("unionpay")
    never = pay_world.order("wechat")
    pay_world.standin.state.unionpay_orders[paying.order_no] = {"origRespCode": "05"}
    pay_world.standin.state.wechat_orders[never.order_no] = wechat_transaction(
        never.order_no, 6500, trade_state="NOTPAY", transaction_id=""
    )
    report = run(pay_world)
    assert (report.asked, report.still_waiting, report.closed) == (2, 2, 0)
    report = run(pay_world, later=timedelta(minutes=40))
    assert (report.asked, report.closed) == (2, 2)
    assert order_status(pay_world, never.order_no) == "closed"
    with unit_of_work(pay_world.sessions) as session:
        queried = session.scalars(select(PaymentNotification.source)).all()
        counts = session.scalars(select(PaymentOrder.query_count)).all()
    assert set(queried) == {"query"} and len(queried) == 4
    assert sorted(counts) == [2, 2]


def test_provider_timeout_leaves_the_order_for_the_next_run(
    pay_world: PayWorld, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(wechat, "TIMEOUT", (1, 0.5))
    monkeypatch.setattr(unionpay, "TIMEOUT", (1, 0.5))
    order = pay_world.order("wechat")
    other = pay_world.order("unionpay")
    pay_world.standin.state.wechat_orders[order.order_no] = "timeout"
    pay_world.standin.state.unionpay_orders[other.order_no] = "timeout"
    report = run(pay_world)
    assert (report.asked, report.unavailable, report.applied) == (2, 2, 0)
    assert all("无响应" in line for _, line in report.lines)
    assert order_status(pay_world, order.order_no) == "created"
    # The provider answers on the next run: settled then.
    pay_world.standin.state.wechat_orders[order.order_no] = wechat_transaction(order.order_no, 6500)
    report = run(pay_world)
    assert report.applied == 1
    assert order_status(pay_world, order.order_no) == "paid"


def test_callback_after_closing_is_kept_for_staff(pay_world: PayWorld) -> None:
    order = pay_world.order("unionpay")
    assert run(pay_world, later=timedelta(minutes=40)).closed == 1
    fields = unionpay_fields(order.order_no, 6500, pay_world.txn_time(order.order_no))
    headers, body = unionpay_notify(pay_world.keys, fields)
    answer = requests.post(pay_world.live.url + "/pay/unionpay/notify", data=body, headers=headers)
    assert answer.status_code == 200
    with unit_of_work(pay_world.sessions) as session:
        kept = session.scalars(select(PaymentException.kind)).all()
        assert session.scalars(select(Payment)).all() == []
    assert kept == ["expired"]
    assert order_status(pay_world, order.order_no) == "exception"
