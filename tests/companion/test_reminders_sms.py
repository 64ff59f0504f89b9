"""A reminder's SMS row goes out through the SMS gateway (the console sender here), not
WeChat, with the pay link made absolute; WeChat rows beside it still go to WeChat."""

from __future__ import annotations

import logging
from dataclasses import replace

import pytest
from sqlalchemy import text

from server.companion.outbox_sender import SendReport, send_due
from server.db.engine import make_engine, make_sessionmaker, unit_of_work
from server.services.residents import outbox


@pytest.fixture
def sessions(fresh_database_url):
    engine = make_engine(fresh_database_url)
    yield make_sessionmaker(engine)
    engine.dispose()


def test_an_sms_row_is_sent_by_sms(sessions, standin, companion_settings, caplog):
    settings = replace(companion_settings, base_url="https://wx.example.edu.cn")
    with unit_of_work(sessions) as session:
        outbox.enqueue_sms(
            session,
            "reminder",
            "13800000002",
            {"account": "A002", "amount": "80.50", "link": "/h5/pay?account=7"},
            url="/h5/pay?account=7",
            dedupe_key="rm:1:sms",
        )
    with caplog.at_level(logging.WARNING, logger="server.services.residents.sms"):
        assert send_due(sessions, settings) == SendReport(sent=1)
    assert standin.state.sent == []
    (logged,) = [r.getMessage() for r in caplog.records if "13800000002" in r.getMessage()]
    assert logged.endswith(
        "您的户号 A002 尚有水电费 80.50 元未缴，请尽快缴纳：https://wx.example.edu.cn/h5/pay?account=7"
    )
    with sessions() as session:
        row = session.execute(text("select status, template_id from outbox_message")).one()
    assert row == ("sent", "sms:console-1")
