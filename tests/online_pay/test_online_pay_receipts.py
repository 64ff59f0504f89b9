"""After an online payment: the receipt issued once at any branch (later prints are
reprints), the counter's search, and the staff's decisions on kept callbacks."""

from __future__ import annotations

import threading
from decimal import Decimal as D
from typing import TYPE_CHECKING

import pytest
from sqlalchemy import select

from server.db.engine import unit_of_work
from server.db.models import AuditEvent, Payment, Receipt
from server.services.collection.online_receipts import issue_online_receipt
from server.services.collection.receipts import receipt_view, reprint_receipt
from server.services.core import calendar
from server.services.core.audit import Actor
from server.services.core.errors import DomainError
from server.services.online_pay import callbacks, desk
from tests.payfakes import unionpay_fields, unionpay_notify, wechat_notify, wechat_transaction

if TYPE_CHECKING:
    from tests.online_pay_fixtures import PayWorld

pytest_plugins = ["tests.online_pay_fixtures"]
CLERK = Actor(label="收费员 李雷")
YEAR = calendar.now().year


def paid_online(world: PayWorld, fen: int = 6500, **kw) -> tuple[str, str]:
    """(order no, trade no) of an order paid through a verified WeChat notify."""
    order = world.order(**kw)
    transaction = wechat_transaction(order.order_no, fen)
    headers, body = wechat_notify(world.keys, transaction)
    answer, _ = callbacks.handle_notify(
        world.sessions, world.runtime.providers["wechat"], headers, body
    )
    assert answer.status == 204
    return order.order_no, transaction["transaction_id"]


def test_receipt_is_issued_once_at_another_branch(pay_world: PayWorld) -> None:
    order_no, trade_no = paid_online(pay_world)
    with unit_of_work(pay_world.sessions) as session:
        [row] = desk.online_payments(session, "A001")
        assert (row.order_no, row.trade_no, row.receipt_issued) == (order_no, trade_no, False)
        assert desk.online_payments(session, trade_no) == (row,)
        assert desk.online_payments(session, order_no) == (row,)
        issued = issue_online_receipt(session, CLERK, order_no, "E")
    assert issued.receipt_no == f"E{YEAR}000001"
    with unit_of_work(pay_world.sessions) as session:
        view = receipt_view(session, issued.receipt_no)
        assert (view.branch_code, view.channel, view.reference) == ("E", "在线支付", trade_no)
        assert [(line.period, line.amount) for line in view.lines] == [
            ("2026-09", D("40.00")),
            ("2026-10", D("25.00")),
        ]
        assert view.total == D("65.00") and view.clerk == CLERK.label
    for key in (order_no, trade_no):
        with (
            unit_of_work(pay_world.sessions) as session,
            pytest.raises(DomainError, match="重打"),
        ):
            issue_online_receipt(session, CLERK, key, "D")
    with unit_of_work(pay_world.sessions) as session:
        assert reprint_receipt(session, CLERK, issued.receipt_no) == 1
        [row] = desk.online_payments(session, "A001")
        assert (row.receipt_no, row.receipt_branch) == (issued.receipt_no, "东二收费点")
        assert desk.online_payments(session, awaiting_receipt=True) == ()
        actions = session.scalars(select(AuditEvent.action)).all()
    assert "receipt.issue_online" in actions


def test_unknown_payment_is_refused(pay_world: PayWorld) -> None:
    with unit_of_work(pay_world.sessions) as session, pytest.raises(DomainError, match="找不到"):
        issue_online_receipt(session, CLERK, "MD-NO-SUCH", "D")


def test_kept_money_is_credited_or_refunded_once(pay_world: PayWorld) -> None:
    wrong_no, wrong_trade = paid_online(pay_world, fen=6400)
    stray = wechat_transaction("MD2026NOSUCHORDER", 1000)
    answer, _ = callbacks.handle_notify(
        pay_world.sessions,
        pay_world.runtime.providers["wechat"],
        *wechat_notify(pay_world.keys, stray),
    )
    assert answer.status == 204
    with unit_of_work(pay_world.sessions) as session:
        kept = {row.kind: row for row in desk.exceptions(session)}
    assert set(kept) == {"wrong_amount", "unknown_order"}
    with unit_of_work(pay_world.sessions) as session:
        credited = desk.resolve_exception(
            session, CLERK, kept["wrong_amount"].exception_id, desk.CREDIT, "与住户电话确认，入账"
        )
    assert credited.status == "credited" and credited.payment_id is not None
    with unit_of_work(pay_world.sessions) as session:
        payment = session.get(Payment, credited.payment_id)
        assert payment is not None
        assert (payment.amount, payment.reference) == (D("64.00"), wrong_trade)
        with pytest.raises(DomainError, match="已处理"):
            desk.resolve_exception(
                session, CLERK, credited.exception_id, desk.REFUND, "再退", refund_reference="R1"
            )
    with unit_of_work(pay_world.sessions) as session, pytest.raises(DomainError, match="户号"):
        desk.resolve_exception(session, CLERK, kept["unknown_order"].exception_id, desk.CREDIT, "x")
    with unit_of_work(pay_world.sessions) as session:
        refunded = desk.resolve_exception(
            session,
            CLERK,
            kept["unknown_order"].exception_id,
            desk.REFUND,
            "无对应户号，原路退回",
            refund_reference="50300000012026112300001",
        )
        assert desk.exceptions(session) == ()
        assert len(desk.exceptions(session, open_only=False)) == 2
        actions = session.scalars(select(AuditEvent.action)).all()
    assert refunded.status_label == "已退款"
    assert actions.count("payment_exception.resolve") == 2
    # The credited payment is an online payment like any other: its receipt on request.
    with unit_of_work(pay_world.sessions) as session:
        issued = issue_online_receipt(session, CLERK, wrong_trade, "D")
    assert issued.total == D("64.00")
    assert wrong_no


def test_orders_list_for_the_desk(pay_world: PayWorld) -> None:
    order_no, _ = paid_online(pay_world)
    pay_world.order("unionpay", account_no="A002", topup=D("100"))
    today = calendar.now().date()
    with unit_of_work(pay_world.sessions) as session:
        rows = desk.orders(session, today, today)
        paid = desk.orders(session, today, today, status="paid")
    assert len(rows) == 2
    assert [(o.order_no, o.status_label) for o in paid] == [(order_no, "已支付")]
    topup = next(o for o in rows if o.account_no == "A002")
    assert topup.topup and topup.amount == D("100.00")


def test_two_counters_issue_the_same_receipt_at_once(pay_world: PayWorld) -> None:
    order_no, _ = paid_online(pay_world)
    barrier = threading.Barrier(2)
    results: list[object] = []

    def counter(branch: str) -> None:
        barrier.wait()
        try:
            with unit_of_work(pay_world.sessions) as session:
                results.append(issue_online_receipt(session, CLERK, order_no, branch))
        except DomainError as exc:
            results.append(exc)

    threads = [threading.Thread(target=counter, args=(b,)) for b in ("D", "E")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    issued = [r for r in results if not isinstance(r, DomainError)]
    refused = [r for r in results if isinstance(r, DomainError)]
    assert len(issued) == 1 and len(refused) == 1 and "重打" in str(refused[0])
    with unit_of_work(pay_world.sessions) as session:
        numbers = session.scalars(select(Receipt.receipt_no)).all()
    # The refused counter's number went back with its rollback: no gap at either branch.
    assert numbers == [issued[0].receipt_no]  # type: ignore[attr-defined]
    assert issued[0].receipt_no.endswith("000001")  # type: ignore[attr-defined]


def test_second_order_for_the_same_bills_is_kept(pay_world: PayWorld) -> None:
    first = pay_world.order()
    second = pay_world.order("unionpay")
    transaction = wechat_transaction(first.order_no, 6500)
    answer, _ = callbacks.handle_notify(
        pay_world.sessions,
        pay_world.runtime.providers["wechat"],
        *wechat_notify(pay_world.keys, transaction),
    )
    assert answer.status == 204
    fields = unionpay_fields(second.order_no, 6500, pay_world.txn_time(second.order_no))
    answer, outcome = callbacks.handle_notify(
        pay_world.sessions,
        pay_world.runtime.providers["unionpay"],
        *unionpay_notify(pay_world.keys, fields),
    )
    assert answer.status == 200 and outcome.exception_kind == "bill_paid"
    with unit_of_work(pay_world.sessions) as session:
        assert len(session.scalars(select(Payment)).all()) == 1
        [kept] = desk.exceptions(session)
    assert kept.account_no == "A001" and kept.amount == D("65.00")
