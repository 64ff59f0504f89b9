"""WeChat Pay v3 callbacks against the running service on loopback: valid, forged,
replayed, stale, reordered, 50 concurrent duplicates, wrong amount, unknown order, expired
order, bill paid meanwhile, a crash before the answer; all with our own keys."""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta
from decimal import Decimal as D
from typing import TYPE_CHECKING

import pytest
import requests
from sqlalchemy import func, select

from server.db.engine import unit_of_work
from server.db.models import (
    AuditEvent,
    Bill,
    Payment,
    PaymentException,
    PaymentNotification,
    PaymentOrder,
    Receipt,
)
from server.services.collection.payments import PaymentRequest, request_key_of, take_payment
from server.services.core.audit import Actor
from server.services.core.calendar import BUSINESS_TZ
from server.services.online_pay import callbacks
from tests.payfakes import wechat_notify, wechat_transaction

if TYPE_CHECKING:
    from tests.online_pay_fixtures import PayWorld

pytest_plugins = ["tests.online_pay_fixtures"]
NOTIFY = "/pay/wechat/notify"


def post(world: PayWorld, headers: dict[str, str], body: bytes) -> requests.Response:
    return requests.post(world.live.url + NOTIFY, data=body, headers=headers, timeout=10)


def count(world: PayWorld, model, *where) -> int:
    with unit_of_work(world.sessions) as session:
        return session.scalar(select(func.count()).select_from(model).where(*where)) or 0


def statuses(world: PayWorld) -> list[str]:
    with unit_of_work(world.sessions) as session:
        return list(session.scalars(select(Bill.status).order_by(Bill.period)))


def test_valid_notify_pays_the_bills_without_a_receipt(pay_world: PayWorld) -> None:
    order = pay_world.order()
    assert order.amount == D("65.00")
    headers, body = wechat_notify(pay_world.keys, wechat_transaction(order.order_no, 6500))
    answer = post(pay_world, headers, body)
    assert (answer.status_code, answer.content) == (204, b"")
    assert statuses(pay_world) == ["paid", "paid"]
    with unit_of_work(pay_world.sessions) as session:
        payment = session.scalar(select(Payment))
        assert payment is not None
        assert (payment.channel, payment.amount, payment.bank) == ("online", D("65.00"), "微信支付")
        assert payment.branch_id is None and payment.till_session_id is None
        # Its request key is the order's: the order pays one payment, whatever the trade.
        assert payment.request_key == request_key_of(order.order_no)
        assert session.scalar(select(func.count()).select_from(Receipt)) == 0
        stored = session.scalar(select(PaymentOrder))
        assert stored is not None
        assert (stored.status, stored.payment_id, stored.settled_by) == (
            "paid",
            payment.id,
            "notify",
        )
        logged = session.scalar(select(PaymentNotification))
        assert logged is not None
        assert (logged.verified, logged.outcome, logged.order_no) == (
            True,
            "applied",
            order.order_no,
        )
        assert logged.body == body.decode()
        actions = set(session.scalars(select(AuditEvent.action)))
    assert {"payment_order.create", "payment.take", "payment_order.paid"} <= actions


@pytest.mark.parametrize(
    "case",
    ["stranger_key", "no_headers", "probe", "wrong_serial", "tampered_body", "wrong_v3_key"],
)
def test_forged_notify_changes_nothing_and_is_logged(pay_world: PayWorld, case: str) -> None:
    order = pay_world.order()
    transaction = wechat_transaction(order.order_no, 6500)
    keys = pay_world.keys
    if case == "stranger_key":
        headers, body = wechat_notify(keys, transaction, signer=keys.stranger_key)
    elif case == "wrong_v3_key":
        # Signed correctly, but the resource was not encrypted with our APIv3 key.
        headers, body = wechat_notify(keys, transaction, v3_key="X" * 32)
    else:
        headers, body = wechat_notify(keys, transaction)
    if case == "no_headers":
        headers = {"Content-Type": "application/json"}
    elif case == "probe":
        headers["Wechatpay-Signature"] = "WECHATPAY/SIGNTEST/" + headers["Wechatpay-Signature"]
    elif case == "wrong_serial":
        headers["Wechatpay-Serial"] = "PUB_KEY_ID_SOMEONE_ELSE"
    elif case == "tampered_body":
        body = body.replace(b'"summary"', b'"summary" ', 1)
    answer = post(pay_world, headers, body)
    assert answer.status_code == 400
    assert answer.json()["code"] == "FAIL"
    assert count(pay_world, Payment) == 0
    assert statuses(pay_world) == ["open", "open"]
    with unit_of_work(pay_world.sessions) as session:
        logged = session.scalars(select(PaymentNotification)).all()
        order_row = session.scalar(select(PaymentOrder))
    assert [(n.verified, n.outcome) for n in logged] == [(False, "rejected")]
    assert logged[0].detail
    assert order_row is not None and order_row.status == "created"


def test_replayed_notify_answers_success_and_changes_nothing(pay_world: PayWorld) -> None:
    order = pay_world.order()
    headers, body = wechat_notify(pay_world.keys, wechat_transaction(order.order_no, 6500))
    assert post(pay_world, headers, body).status_code == 204
    for _ in range(3):
        assert post(pay_world, headers, body).status_code == 204
    assert count(pay_world, Payment) == 1
    assert count(pay_world, PaymentNotification, PaymentNotification.outcome == "duplicate") == 3


def test_stale_timestamp_is_refused(pay_world: PayWorld) -> None:
    order = pay_world.order()
    transaction = wechat_transaction(order.order_no, 6500)
    headers, body = wechat_notify(pay_world.keys, transaction, timestamp=int(time.time()) - 300)
    answer = post(pay_world, headers, body)
    assert answer.status_code == 400
    assert "5 分钟" in answer.json()["message"]
    assert count(pay_world, Payment) == 0
    # 4 minutes 50 seconds off is still inside WeChat's window.
    headers, body = wechat_notify(pay_world.keys, transaction, timestamp=int(time.time()) - 290)
    assert post(pay_world, headers, body).status_code == 204
    assert count(pay_world, Payment) == 1


def test_notify_after_the_query_settled_it_is_a_duplicate(pay_world: PayWorld) -> None:
    order = pay_world.order()
    transaction = wechat_transaction(order.order_no, 6500)
    pay_world.standin.state.wechat_orders[order.order_no] = transaction
    report = callbacks.query_waiting(pay_world.sessions, pay_world.runtime.providers, timedelta(0))
    assert (report.asked, report.applied) == (1, 1)
    headers, body = wechat_notify(pay_world.keys, transaction)
    assert post(pay_world, headers, body).status_code == 204
    # A "not paid" word arriving after the payment changes nothing either.
    closed = dict(transaction, trade_state="CLOSED")
    headers, body = wechat_notify(pay_world.keys, closed)
    assert post(pay_world, headers, body).status_code == 204
    assert count(pay_world, Payment) == 1
    with unit_of_work(pay_world.sessions) as session:
        outcomes = list(
            session.scalars(select(PaymentNotification.outcome).order_by(PaymentNotification.id))
        )
        settled_by = session.scalar(select(PaymentOrder.settled_by))
    assert outcomes == ["applied", "duplicate", "not_paid"]
    assert settled_by == "query"


def test_fifty_concurrent_duplicates_make_one_payment(pay_world: PayWorld) -> None:
    order = pay_world.order()
    transaction = wechat_transaction(order.order_no, 6500)
    # WeChat's retries are signed afresh: half the same request, half re-signed.
    same = wechat_notify(pay_world.keys, transaction)
    requests_ = [same if i % 2 else wechat_notify(pay_world.keys, transaction) for i in range(50)]
    with ThreadPoolExecutor(50) as pool:
        answers = list(pool.map(lambda hb: post(pay_world, *hb).status_code, requests_))
    assert answers == [204] * 50
    assert count(pay_world, Payment) == 1
    assert statuses(pay_world) == ["paid", "paid"]
    with unit_of_work(pay_world.sessions) as session:
        outcomes = sorted(session.scalars(select(PaymentNotification.outcome)))
        balance_moves = session.scalar(select(func.sum(Payment.amount)))
    assert outcomes == ["applied"] + ["duplicate"] * 49
    assert balance_moves == D("65.00")


def _exception(world: PayWorld) -> PaymentException:
    with unit_of_work(world.sessions) as session:
        rows = session.scalars(select(PaymentException)).all()
    assert len(rows) == 1
    return rows[0]


def test_wrong_amount_is_kept_for_staff(pay_world: PayWorld) -> None:
    order = pay_world.order()
    headers, body = wechat_notify(pay_world.keys, wechat_transaction(order.order_no, 6400))
    assert post(pay_world, headers, body).status_code == 204
    assert post(pay_world, headers, body).status_code == 204  # retried: kept once
    kept = _exception(pay_world)
    assert (kept.kind, kept.amount, kept.status) == ("wrong_amount", D("64.00"), "open")
    assert "65.00" in kept.detail and "64.00" in kept.detail
    assert count(pay_world, Payment) == 0
    assert count(pay_world, PaymentOrder, PaymentOrder.status == "exception") == 1


def test_unknown_order_is_kept_for_staff(pay_world: PayWorld) -> None:
    headers, body = wechat_notify(pay_world.keys, wechat_transaction("MD20261123NOSUCHORDER", 100))
    assert post(pay_world, headers, body).status_code == 204
    kept = _exception(pay_world)
    assert (kept.kind, kept.order_id, kept.amount) == ("unknown_order", None, D("1.00"))
    assert count(pay_world, Payment) == 0


def test_payment_after_expiry_is_kept_for_staff(pay_world: PayWorld) -> None:
    order = pay_world.order(expiry=timedelta(minutes=1))
    late = (order.expires_at + timedelta(minutes=1)).astimezone(BUSINESS_TZ)
    transaction = wechat_transaction(order.order_no, 6500, success_time=late.isoformat())
    headers, body = wechat_notify(pay_world.keys, transaction)
    assert post(pay_world, headers, body).status_code == 204
    assert _exception(pay_world).kind == "expired"
    assert statuses(pay_world) == ["open", "open"]


def test_bill_paid_at_the_counter_meanwhile_is_kept(pay_world: PayWorld) -> None:
    order = pay_world.order()
    with unit_of_work(pay_world.sessions) as session:
        take_payment(
            session, Actor(label="收费员"), PaymentRequest("A001", D("40.00"), "cash", "D")
        )
    headers, body = wechat_notify(pay_world.keys, wechat_transaction(order.order_no, 6500))
    assert post(pay_world, headers, body).status_code == 204
    kept = _exception(pay_world)
    assert kept.kind == "bill_paid" and "2026-09" in kept.detail
    assert count(pay_world, Payment) == 1  # the counter's only


def test_wrong_merchant_is_refused(pay_world: PayWorld) -> None:
    order = pay_world.order()
    transaction = wechat_transaction(order.order_no, 6500, mchid="1900000999")
    headers, body = wechat_notify(pay_world.keys, transaction)
    answer = post(pay_world, headers, body)
    assert answer.status_code == 400 and "商户号" in answer.json()["message"]
    assert count(pay_world, Payment) == 0


def test_crash_before_the_answer_then_the_retry_settles_once(
    pay_world: PayWorld, monkeypatch: pytest.MonkeyPatch
) -> None:
    order = pay_world.order()
    headers, body = _same_trade(pay_world, order.order_no)
    real_log = callbacks._log
    calls = {"n": 0}

    def dies_after_settling(session, *args, **kwargs):
        calls["n"] += 1
        if calls["n"] == 1:
            # The payment is written but not committed when the process "dies".
            raise ConnectionError("server killed")
        return real_log(session, *args, **kwargs)

    monkeypatch.setattr(callbacks, "_log", dies_after_settling)
    assert post(pay_world, headers, body).status_code == 400
    assert count(pay_world, Payment) == 0
    monkeypatch.setattr(callbacks, "_log", real_log)
    # WeChat retries the same transaction, signed afresh: applied now, and only once.
    assert post(pay_world, *_same_trade(pay_world, order.order_no)).status_code == 204
    assert post(pay_world, headers, body).status_code == 204
    assert count(pay_world, Payment) == 1


def _same_trade(world: PayWorld, order_no: str) -> tuple[dict[str, str], bytes]:
    return wechat_notify(
        world.keys, wechat_transaction(order_no, 6500, transaction_id="4200000001202611230001")
    )


def test_paid_at_is_the_providers_time(pay_world: PayWorld) -> None:
    order = pay_world.order()
    moment = datetime.now(BUSINESS_TZ).replace(microsecond=0) - timedelta(minutes=1)
    transaction = wechat_transaction(order.order_no, 6500, success_time=moment.isoformat())
    assert post(pay_world, *wechat_notify(pay_world.keys, transaction)).status_code == 204
    with unit_of_work(pay_world.sessions) as session:
        assert session.scalar(select(PaymentOrder.paid_at)) == moment
