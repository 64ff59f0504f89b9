"""Registration by SMS code, 户号绑定 (limits, the same answer to probes), the desk's review
queue, and the rate limits kept in PostgreSQL."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select, text

from server.db.models import Binding, OutboxMessage
from server.services.core import ratelimit
from server.services.core.audit import Actor
from server.services.core.errors import DomainError, PermissionDenied
from server.services.core.ratelimit import Limit, RateLimited
from server.services.residents import bindings, wechat_users
from server.services.residents.sms import ConsoleSender
from server.services.staff.org import add_staff_with_role
from server.services.staff.sign_in import staff_identity
from tests import factories

DESK = Actor("desk test")


def registered(session, openid: str, phone: str) -> int:
    sms = ConsoleSender()
    user = wechat_users.follower(session, openid)
    wechat_users.send_code(session, user.user_id, phone, sms, "10.0.0.1")
    code = sms.sent[-1][1].split("验证码 ")[1][:6]
    assert wechat_users.register_phone(session, user.user_id, phone, code) == ""
    return user.user_id


@pytest.fixture
def accounts(session):
    factories.account(session, "A001", holder_name="张三")
    session.execute(text("update account set mobile = '13800000001' where account_no = 'A001'"))
    factories.account(session, "A002", holder_name="李四")
    factories.account(session, "A003", holder_name="王五")
    for n in range(1, 12):
        factories.account(session, f"U{n:03d}", customer_class="单位", holder_name="后勤处")


def test_code_registers_the_phone_and_wrong_codes_run_out(session):
    sms = ConsoleSender()
    user = wechat_users.follower(session, "o-reg")
    wechat_users.send_code(session, user.user_id, "138 0000 0002", sms, "10.0.0.1")
    assert sms.sent[-1][0] == "13800000002"
    code = sms.sent[-1][1].split("验证码 ")[1][:6]
    wrong = "000000" if code != "000000" else "111111"
    assert wechat_users.register_phone(session, user.user_id, "13800000002", wrong) == (
        "验证码错误，还可尝试 4 次"
    )
    # The code is stored hashed, never as sent.
    stored = session.execute(text("select code_hash from sms_code")).scalar_one()
    assert code not in stored
    for left in (3, 2, 1):
        assert wechat_users.register_phone(session, user.user_id, "13800000002", wrong).endswith(
            f"{left} 次"
        )
    assert wechat_users.register_phone(session, user.user_id, "13800000002", wrong) == (
        "验证码错误次数过多，请重新获取"
    )
    # Even the right code is refused now: a new one must be sent.
    assert wechat_users.register_phone(session, user.user_id, "13800000002", code) == (
        "验证码错误次数过多，请重新获取"
    )
    assert not wechat_users.resident(session, user.user_id).registered
    with pytest.raises(DomainError, match="格式不正确"):
        wechat_users.send_code(session, user.user_id, "12345", sms, "10.0.0.1")


def test_codes_are_rate_limited_per_phone_and_per_ip(session):
    sms = ConsoleSender()
    user = wechat_users.follower(session, "o-rate").user_id
    wechat_users.send_code(session, user, "13800000003", sms, "10.0.0.9")
    with pytest.raises(RateLimited, match="1 分钟后"):
        wechat_users.send_code(session, user, "13800000003", sms, "10.0.0.9")
    assert len(sms.sent) == 1
    # 60 codes an hour from one address, to any phones.
    for n in range(59):
        wechat_users.send_code(session, user, f"139000000{n:02d}", sms, "10.0.0.9")
    with pytest.raises(RateLimited, match="获取验证码过于频繁"):
        wechat_users.send_code(session, user, "13700000000", sms, "10.0.0.9")
    # (A refused call rolls back with its unit of work; here the test keeps its hits.)
    wechat_users.send_code(session, user, "13700000001", sms, "10.0.0.10")
    assert len(sms.sent) == 61


def test_rate_limit_counts_a_window_in_the_database(session):
    limit = Limit("t", 3, timedelta(minutes=5), "太频繁")
    for _ in range(3):
        ratelimit.hit(session, limit, "k")
    with pytest.raises(RateLimited, match="太频繁"):
        ratelimit.hit(session, limit, "k")
    ratelimit.hit(session, limit, "other")
    # Events older than the window no longer count (and are dropped).
    session.execute(text("update rate_event set at = now() - interval '6 minutes'"))
    ratelimit.hit(session, limit, "k")
    assert session.scalar(text("select count(*) from rate_event where bucket = 't:k'")) == 1


def test_every_binding_request_gets_the_same_answer(session, accounts):
    user = registered(session, "o-probe", "13800000010")
    answers = {
        bindings.request_binding(session, user, "A001", "张三", "10.0.0.1"),
        bindings.request_binding(session, user, "A002", "不是户主", "10.0.0.1"),
    }
    assert answers == {bindings.ANSWER}
    assert "1 个工作日内审核" in bindings.ANSWER
    other = registered(session, "o-probe2", "13800000011")
    assert bindings.request_binding(session, other, "NOPE-999", "张三", "10.0.0.1") == (
        bindings.ANSWER
    )
    assert bindings.request_binding(session, other, "A001", "138-0000-0001", "10.0.0.1") == (
        bindings.ANSWER
    )
    rows = session.execute(
        select(Binding.account_no, Binding.account_id.is_not(None), Binding.matched).order_by(
            Binding.id
        )
    ).all()
    assert rows == [
        ("A001", True, True),
        ("A002", True, False),
        ("NOPE-999", False, False),
        ("A001", True, True),
    ]
    # The resident sees only "审核中", whatever staff see.
    mine = bindings.my_bindings(session, other)
    assert [(b.account_no, b.status_label, b.holder_name) for b in mine] == [
        ("A001", "审核中", ""),
        ("NOPE-999", "审核中", ""),
    ]


def test_a_resident_binds_two_and_a_full_list_answers_alike(session, accounts):
    user = registered(session, "o-two", "13800000012")
    bindings.request_binding(session, user, "A001", "张三", "10.0.0.1")
    with pytest.raises(DomainError, match="已绑定或正在审核"):
        bindings.request_binding(session, user, "A001", "张三", "10.0.0.1")
    bindings.request_binding(session, user, "A002", "李四", "10.0.0.1")
    refusals = set()
    for account_no, claim in (("A003", "王五"), ("NOPE", "王五"), ("U001", "后勤处")):
        with pytest.raises(DomainError) as refused:
            bindings.request_binding(session, user, account_no, claim, "10.0.0.1")
        refusals.add(str(refused.value))
    assert refusals == {"每个微信号最多绑定 2 个户号，您已绑定或申请 2 个"}


def test_a_unit_binds_ten(session, accounts):
    user = registered(session, "o-unit", "13800000013")
    for n in range(1, 11):
        bindings.request_binding(session, user, f"U{n:03d}", "后勤处", "10.0.0.1")
    assert bindings.binding_limit(session, user) == 10
    with pytest.raises(DomainError, match="最多绑定 10 个户号"):
        bindings.request_binding(session, user, "U011", "后勤处", "10.0.0.1")


def test_binding_needs_a_registered_phone(session, accounts):
    user = wechat_users.follower(session, "o-new").user_id
    with pytest.raises(DomainError, match="请先用手机号完成注册"):
        bindings.request_binding(session, user, "A001", "张三", "10.0.0.1")
    assert session.scalar(select(Binding.id)) is None


def test_desk_reviews_the_queue_and_the_resident_is_told(session, accounts):
    user = registered(session, "o-desk", "13800000014")
    bindings.request_binding(session, user, "A001", "张三", "10.0.0.1")
    bindings.request_binding(session, user, "NOPE", "张三", "10.0.0.1")
    queue = bindings.pending_bindings(session)
    assert [(p.account_no, p.found, p.matched, p.holder_name, p.live_bindings) for p in queue] == [
        ("A001", True, True, "张三", 2),
        ("NOPE", False, False, "", 2),
    ]
    assert queue[0].phone == "13800000014" and queue[0].due_at > queue[0].requested_at
    good, unknown = queue[0].binding_id, queue[1].binding_id

    with pytest.raises(DomainError, match="不存在，只能驳回"):
        bindings.approve_binding(session, DESK, unknown)
    with pytest.raises(DomainError, match="须填写原因"):
        bindings.reject_binding(session, DESK, unknown, "  ")
    bindings.approve_binding(session, DESK, good)
    bindings.reject_binding(session, DESK, unknown, "户号不存在，请核对缴款通知单")
    with pytest.raises(DomainError, match="已处理"):
        bindings.approve_binding(session, DESK, good)

    assert bindings.pending_bindings(session) == []
    assert [a.account_no for a in bindings.bound_accounts(session, user)] == ["A001"]
    mine = {b.account_no: b for b in bindings.my_bindings(session, user)}
    assert mine["A001"].status_label == "已绑定" and mine["A001"].holder_name == "张三"
    assert mine["NOPE"].reason == "户号不存在，请核对缴款通知单"
    messages = session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)).all()
    assert [(m.kind, m.openid, m.status, m.payload["first"]) for m in messages] == [
        ("answer", "o-desk", "pending", "您的户号绑定申请已通过"),
        ("answer", "o-desk", "pending", "您的户号绑定申请未通过"),
    ]
    assert "户号不存在，请核对缴款通知单" in messages[1].payload["keyword2"]
    actions = session.scalars(
        text("select action from audit_event where action like 'binding.%' order by id")
    ).all()
    assert actions == [
        "binding.request",
        "binding.request",
        "binding.approve",
        "binding.reject",
    ]


def test_review_needs_the_service_module(session, accounts):
    user = registered(session, "o-perm", "13800000015")
    bindings.request_binding(session, user, "A001", "张三", "10.0.0.1")
    add_staff_with_role(
        session, DESK, login="r1", name="抄表员", password="reader-pass-1", role="reader",
        branch_code=None,
    )  # fmt: skip
    reader = staff_identity(session, "r1").actor
    (pending,) = bindings.pending_bindings(session)
    with pytest.raises(PermissionDenied, match="用户服务"):
        bindings.approve_binding(session, reader, pending.binding_id)


def test_a_resident_unbinds_and_the_place_is_free_again(session, accounts):
    user = registered(session, "o-unbind", "13800000016")
    other = registered(session, "o-someone", "13800000017")
    bindings.request_binding(session, user, "A001", "张三", "10.0.0.1")
    bindings.request_binding(session, user, "A002", "李四", "10.0.0.1")
    (first, second) = bindings.pending_bindings(session)
    bindings.approve_binding(session, DESK, first.binding_id)
    with pytest.raises(DomainError, match="没有这条绑定记录"):
        bindings.unbind(session, other, first.binding_id)
    bindings.unbind(session, user, first.binding_id)
    bindings.unbind(session, user, second.binding_id)  # a request still in review
    with pytest.raises(DomainError, match="已解绑，无需解绑"):
        bindings.unbind(session, user, first.binding_id)
    assert bindings.bound_accounts(session, user) == []
    assert [b.status_label for b in bindings.my_bindings(session, user)] == ["已解绑", "已解绑"]
    # Both places are free again, and the same 户号 may be asked for anew.
    bindings.request_binding(session, user, "A001", "张三", "10.0.0.1")
    bindings.request_binding(session, user, "A003", "王五", "10.0.0.1")


def test_a_mismatched_binding_needs_a_note_to_be_approved(session, accounts):
    user = registered(session, "o-stranger", "13800000018")
    bindings.request_binding(session, user, "A001", "王小明", "10.0.0.1")
    bindings.request_binding(session, user, "A002", "李四", "10.0.0.1")
    mismatched, matching = bindings.pending_bindings(session)
    assert (mismatched.account_no, mismatched.matched) == ("A001", False)
    assert mismatched.mismatch == "填写的“王小明”与户主“张三”、预留手机“13800000001”都不一致"
    assert matching.mismatch == ""

    with pytest.raises(DomainError) as refused:
        bindings.approve_binding(session, DESK, mismatched.binding_id, "   ")
    assert str(refused.value) == (
        "户号 A001 核对不一致（填写的“王小明”与户主“张三”、预留手机“13800000001”都不一致），"
        "须填写核实说明才能通过"
    )
    assert bindings.bound_accounts(session, user) == []
    # A matching one still needs nothing more.
    bindings.approve_binding(session, DESK, matching.binding_id)
    bindings.approve_binding(
        session, DESK, mismatched.binding_id, " 电话联系户主张三，确认王小明为其租户 "
    )
    assert [a.account_no for a in bindings.bound_accounts(session, user)] == ["A001", "A002"]
    audited = session.execute(
        text(
            "select data->>'account_no', data->>'matched', data->>'note' from audit_event"
            " where action = 'binding.approve' order by id"
        )
    ).all()
    assert audited == [
        ("A002", "true", None),
        ("A001", "false", "电话联系户主张三，确认王小明为其租户"),
    ]


def test_a_closed_account_or_no_phone_on_record_is_said_so(session, accounts):
    user = registered(session, "o-closed", "13800000019")
    session.execute(text("update account set active = false where account_no = 'A003'"))
    bindings.request_binding(session, user, "A002", "张三", "10.0.0.1")
    bindings.request_binding(session, user, "A003", "王五", "10.0.0.1")
    assert [p.mismatch for p in bindings.pending_bindings(session)] == [
        "填写的“张三”与户主“李四”、该户未预留手机都不一致",
        "该户号已停用",
    ]
