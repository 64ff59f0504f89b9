"""Bindings across a move-out: the old holder keeps reading (and paying) the account that
moved out, labelled 已退房, without it taking one of their two places; the new holder binds
the move-in's 户号 afresh; closing the account ends its bindings, audited and told."""

from __future__ import annotations

from datetime import date
from decimal import Decimal as D

import pytest
from sqlalchemy import select

from server.db.models import AuditEvent, Binding, OutboxMessage
from server.services.collection.move_in import MoveInSpec, move_in
from server.services.collection.move_out import move_out
from server.services.collection.refunds import refund_balance
from server.services.core.errors import DomainError
from server.services.residents import bindings
from tests import factories as f
from tests.companion.test_bindings import DESK, registered

MOVE_OUT = date(2026, 12, 15)


def bind(session, user_id: int, account_no: str, claim: str) -> Binding:
    bindings.request_binding(session, user_id, account_no, claim, "10.0.0.1")
    binding = session.scalars(
        select(Binding).where(
            Binding.wechat_user_id == user_id,
            Binding.account_no == account_no,
            Binding.status == "pending",
        )
    ).one()
    if binding.matched:
        bindings.approve_binding(session, DESK, binding.id)
    return binding


def labels(session, user_id: int) -> list[tuple[str, str, str]]:
    return [
        (b.account_no, b.status_label, b.reason) for b in bindings.my_bindings(session, user_id)
    ]


def test_move_out_frees_the_place_keeps_the_bills_and_closing_ends_it(session):
    # A001 (张三, water W1, deposit 300.00); his parents' A002; A003 his next home.
    f.water_account_with_deposit(session)
    f.account(session, "A002", holder_name="张父")
    f.account(session, "A003", holder_name="张三")
    zhang = registered(session, "openid-zhang", "13800000001")
    bind(session, zhang, "A001", "张三")
    bind(session, zhang, "A002", "张父")
    with pytest.raises(DomainError) as full:
        bindings.request_binding(session, zhang, "A003", "张三", "10.0.0.1")
    assert str(full.value) == "每个微信号最多绑定 2 个户号，您已绑定或申请 2 个"

    move_out(session, f.ACTOR, "A001", MOVE_OUT, {"W1": D("155")}, on=MOVE_OUT)
    # Still his to read until it is closed (its final bill, the refund due), as 已退房.
    assert labels(session, zhang) == [("A002", "已绑定", ""), ("A001", "已退房", "")]
    assert [a.account_no for a in bindings.bound_accounts(session, zhang)] == ["A001", "A002"]
    # And no longer one of his two places: the new home binds at once.
    bind(session, zhang, "A003", "张三")
    assert [a.account_no for a in bindings.bound_accounts(session, zhang)] == [
        "A001", "A002", "A003",
    ]  # fmt: skip

    # The next holder of 301 binds the move-in's own 户号.
    move_in(session, f.ACTOR, MoveInSpec("A005", "A001", "王五", mobile="13900000005"))
    wang = registered(session, "openid-wang", "13900000005")
    assert bind(session, wang, "A005", "王五").matched
    assert [a.account_no for a in bindings.bound_accounts(session, wang)] == ["A005"]
    # The old 户号 is not the new holder's: a person decides.
    assert not bind(session, wang, "A001", "王五").matched

    # Closing: the refund of 300.00 − 90.32 first, then the account and its bindings end.
    manager = f.staff(session, "wang", role="manager", branch_code="D")
    refund_balance(session, manager, "A001", D("209.68"), "transfer", clerk=manager,
                   reference="TR-1", bank="工商银行", reason="退房退押金")  # fmt: skip
    assert bindings.close_and_unbind(session, f.ACTOR, "A001", "退房").active is False
    assert labels(session, zhang) == [
        ("A003", "已绑定", ""), ("A002", "已绑定", ""), ("A001", "已解绑", ""),
    ]  # fmt: skip
    assert [a.account_no for a in bindings.bound_accounts(session, zhang)] == ["A002", "A003"]
    # 王五's request for A001, still in review, ends too.
    assert [(b.account_no, b.status, b.reason) for b in session.scalars(
        select(Binding).where(Binding.account_no == "A001").order_by(Binding.id)
    )] == [("A001", "revoked", "户号已销户"), ("A001", "revoked", "户号已销户")]  # fmt: skip
    ended = session.scalars(
        select(AuditEvent).where(AuditEvent.action == "binding.end").order_by(AuditEvent.id)
    ).all()
    assert [(e.data["account_no"], e.data["was"]) for e in ended] == [
        ("A001", "approved"), ("A001", "pending"),
    ]  # fmt: skip
    # Only the resident who was bound is told.
    told = session.scalars(
        select(OutboxMessage).where(OutboxMessage.dedupe_key.like("binding-end:%"))
    ).all()
    assert [(m.wechat_user_id, m.payload["keyword2"]) for m in told] == [
        (zhang, "户号 A001：户号已销户")
    ]
