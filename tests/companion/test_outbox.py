"""The template-message outbox against a stand-in for WeChat's API: sent once, retried with
growing delays, failures kept visible, the shared access token renewed when refused."""

from __future__ import annotations

import threading
from dataclasses import replace
from datetime import timedelta

import pytest
from sqlalchemy import text
from sqlalchemy.orm import Session, sessionmaker

from server.companion.outbox_sender import SendReport, send_due
from server.db.engine import make_engine, make_sessionmaker, unit_of_work
from server.services.core.audit import Actor
from server.services.residents import outbox, wechat_users


@pytest.fixture
def sessions(fresh_database_url):
    engine = make_engine(fresh_database_url)
    yield make_sessionmaker(engine)
    engine.dispose()


def queue(sessions: sessionmaker[Session], count: int, openid: str = "o-out") -> list[int]:
    with unit_of_work(sessions) as session:
        user = wechat_users.follower(session, openid).user_id
        return [
            outbox.enqueue(
                session,
                "answer",
                user,
                {"first": "您的诉求已答复", "keyword2": f"第 {n} 条"},
                url="/h5/requests",
                dedupe_key=f"test:{openid}:{n}",
            )
            for n in range(count)
        ]


def rows(sessions):
    with sessions() as session:
        return session.execute(
            text(
                "select id, status, attempts, last_error,"
                " extract(epoch from next_attempt_at - claimed_at)"
                " from outbox_message order by id"
            )
        ).all()


def make_due(sessions):
    with unit_of_work(sessions) as session:
        session.execute(text("update outbox_message set next_attempt_at = now()"))


def test_sent_once_with_the_configured_template(sessions, standin, companion_settings):
    companion_settings = replace(companion_settings, base_url="https://wx.example.edu.cn")
    ids = queue(sessions, 3)
    with unit_of_work(sessions) as session:
        # A producer that runs twice queues nothing the second time.
        user = wechat_users.follower(session, "o-out").user_id
        assert outbox.enqueue(session, "answer", user, {}, dedupe_key="test:o-out:0") is None
    assert send_due(sessions, companion_settings) == SendReport(sent=3)
    assert send_due(sessions, companion_settings) == SendReport()
    assert [body["data"]["keyword2"]["value"] for body in standin.state.sent] == [
        "第 0 条",
        "第 1 条",
        "第 2 条",
    ]
    first = standin.state.sent[0]
    assert first["touser"] == "o-out" and first["template_id"] == "T-ANS"
    assert first["url"] == "https://wx.example.edu.cn/h5/requests"
    assert first["data"]["first"] == {"value": "您的诉求已答复"}
    assert standin.state.tokens_issued == 1
    assert [(r[0], r[1], r[2]) for r in rows(sessions)] == [(i, "sent", 1) for i in ids]


def test_retries_back_off_then_send(sessions, standin, companion_settings):
    queue(sessions, 1)
    standin.state.send_script = ["http500", 45009]
    assert send_due(sessions, companion_settings) == SendReport(retrying=1)
    ((_, status, attempts, error, delay),) = rows(sessions)
    assert (status, attempts) == ("pending", 1) and "HTTPError" in error
    assert delay == pytest.approx(30, abs=1)
    # Not due yet: nothing is tried.
    assert send_due(sessions, companion_settings) == SendReport()
    make_due(sessions)
    assert send_due(sessions, companion_settings) == SendReport(retrying=1)
    ((_, status, attempts, error, delay),) = rows(sessions)
    assert (status, attempts, error) == ("pending", 2, "微信返回 45009 scripted failure")
    assert delay == pytest.approx(60, abs=1)
    make_due(sessions)
    assert send_due(sessions, companion_settings) == SendReport(sent=1)
    assert len(standin.state.sent) == 1
    assert outbox.retry_delay(5) == timedelta(minutes=8)
    assert outbox.retry_delay(20) == timedelta(hours=1)


def test_failures_stay_visible_and_can_be_resent(sessions, standin, companion_settings):
    message_id, other = queue(sessions, 2)
    # 43004: the resident unfollowed; retrying cannot help.
    standin.state.send_script = [43004] + ["http500"] * 6
    assert send_due(sessions, companion_settings, batch=1) == SendReport(failed=1)
    for _ in range(6):
        make_due(sessions)
        send_due(sessions, companion_settings)
    with sessions() as session:
        failed = outbox.messages(session, "failed")
    assert [(m.message_id, m.attempts, m.status_label) for m in failed] == [
        (other, outbox.MAX_ATTEMPTS, "发送失败"),
        (message_id, 1, "发送失败"),
    ]
    assert failed[1].last_error == "微信返回 43004 scripted failure"
    with unit_of_work(sessions) as session:
        outbox.resend(session, Actor("desk"), message_id)
    assert send_due(sessions, companion_settings) == SendReport(sent=1)
    assert len(standin.state.sent) == 1


def test_a_refused_token_is_renewed_once(sessions, standin, companion_settings):
    queue(sessions, 1, "o-a")
    assert send_due(sessions, companion_settings).sent == 1
    # Someone else fetched a token: ours (TOKEN-1) is now refused with 40001.
    standin.state.tokens_issued += 1
    queue(sessions, 1, "o-b")
    assert send_due(sessions, companion_settings).sent == 1
    assert standin.state.tokens_issued == 3
    with sessions() as session:
        assert session.scalar(text("select token from wechat_access_token")) == "TOKEN-3"


def test_two_senders_never_send_a_message_twice(sessions, standin, companion_settings):
    ids = queue(sessions, 40)
    reports: list[SendReport] = []

    def sender() -> None:
        while (report := send_due(sessions, companion_settings, batch=3)) != SendReport():
            reports.append(report)

    threads = [threading.Thread(target=sender) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    sent = [body["data"]["keyword2"]["value"] for body in standin.state.sent]
    assert sorted(sent) == sorted(f"第 {n} 条" for n in range(40))
    assert sum(r.sent for r in reports) == 40
    assert {(r[1], r[2]) for r in rows(sessions)} == {("sent", 1)}
    assert len(ids) == 40


def test_a_sender_that_died_mid_send_leaves_the_row_for_a_person(sessions, companion_settings):
    message_id, later = queue(sessions, 2)
    with unit_of_work(sessions) as session:
        claimed = outbox.claim_due(session, 1)
    assert [c.message_id for c in claimed] == [message_id]
    with unit_of_work(sessions) as session:
        session.execute(
            text(
                "update outbox_message set claimed_at = now() - interval '11 minutes' where id = :i"
            ),
            {"i": message_id},
        )
    with unit_of_work(sessions) as session:
        assert outbox.fail_stale(session) == 1
        failed = outbox.messages(session, "failed")
    assert [m.message_id for m in failed] == [message_id]
    assert "发送结果未知" in failed[0].last_error
    assert later not in {m.message_id for m in failed}
