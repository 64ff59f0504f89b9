"""/wechat and /healthz against a live server: messages signed and (in safe mode)
encrypted the way WeChat's servers do it. `live` is an account in safe mode (AES key set);
`plain_live` one in plain mode (明文模式), where the body is not encrypted."""

from __future__ import annotations

import secrets
import time
from dataclasses import replace

import pytest
import requests
import xmltodict
from sqlalchemy import text
from wechatpy.crypto import WeChatCrypto

from tests.companion.support import AES_KEY, APP_ID, TOKEN, start_live, wechat_signature

OPENID = "oUser-0001"
ACCOUNT = "gh_0123456789ab"


@pytest.fixture
def plain_live(fresh_database_url, companion_settings):
    server = start_live(replace(companion_settings, aes_key=""), fresh_database_url)
    try:
        yield server
    finally:
        server.stop()


def _params(**extra: str) -> dict[str, str]:
    # WeChat's nonce is fresh for every call; a repeated one is a replay.
    timestamp, nonce = str(int(time.time())), secrets.token_hex(5)
    return {
        "timestamp": timestamp,
        "nonce": nonce,
        "signature": wechat_signature(TOKEN, timestamp, nonce),
        "openid": OPENID,
        **extra,
    }


def _text(content: str) -> str:
    return (
        f"<xml><ToUserName><![CDATA[{ACCOUNT}]]></ToUserName>"
        f"<FromUserName><![CDATA[{OPENID}]]></FromUserName>"
        "<CreateTime>1700000000</CreateTime><MsgType><![CDATA[text]]></MsgType>"
        f"<Content><![CDATA[{content}]]></Content><MsgId>1234567890123456</MsgId></xml>"
    )


def _event(event: str, key: str = "") -> str:
    return (
        f"<xml><ToUserName><![CDATA[{ACCOUNT}]]></ToUserName>"
        f"<FromUserName><![CDATA[{OPENID}]]></FromUserName>"
        "<CreateTime>1700000000</CreateTime><MsgType><![CDATA[event]]></MsgType>"
        f"<Event><![CDATA[{event}]]></Event><EventKey><![CDATA[{key}]]></EventKey></xml>"
    )


def _post(live, body: str | bytes, **params: str) -> requests.Response:
    data = body.encode() if isinstance(body, str) else body
    return requests.post(f"{live.url}/wechat", params=_params(**params), data=data, timeout=5)


def test_echo_check_answers_only_to_our_signature(live):
    params = _params(echostr="4215337011597830612")
    assert requests.get(f"{live.url}/wechat", params=params, timeout=5).text == (
        "4215337011597830612"
    )
    params["signature"] = "0" * 40
    response = requests.get(f"{live.url}/wechat", params=params, timeout=5)
    assert response.status_code == 403


def test_text_keyword_gets_a_news_reply_fast(plain_live):
    started = time.monotonic()
    response = _post(plain_live, _text("我想查用量"))
    elapsed = time.monotonic() - started
    assert response.status_code == 200
    reply = xmltodict.parse(response.text)["xml"]
    assert reply["ToUserName"] == OPENID and reply["FromUserName"] == ACCOUNT
    assert reply["MsgType"] == "news" and reply["ArticleCount"] == "1"
    article = reply["Articles"]["item"]
    assert article["Title"] == "用量查询"
    assert article["Url"].endswith("/h5/usage")
    assert elapsed < 1.0


def test_other_text_gets_the_keyword_help(plain_live):
    reply = xmltodict.parse(_post(plain_live, _text("你好")).text)["xml"]
    assert reply["MsgType"] == "text"
    assert "用量" in reply["Content"] and "报修" in reply["Content"]


def test_keyword_pay_answers_with_the_pay_page(plain_live):
    # 缴费 once led to the bills page, which only says to pay in cash at a counter.
    reply = xmltodict.parse(_post(plain_live, _text("怎么缴费")).text)["xml"]
    assert reply["MsgType"] == "news"
    article = reply["Articles"]["item"]
    assert article["Title"] == "在线缴费"
    assert article["Url"] == "/h5/pay"  # companion.base_url is empty here
    clicked = xmltodict.parse(_post(plain_live, _event("CLICK", "MD_PAY")).text)["xml"]
    assert clicked["Articles"]["item"]["Url"] == "/h5/pay"


def test_menu_click_opens_the_page_of_its_key(plain_live):
    reply = xmltodict.parse(_post(plain_live, _event("CLICK", "MD_BILLS")).text)["xml"]
    assert reply["Articles"]["item"]["Title"] == "电子缴款通知单"
    assert reply["Articles"]["item"]["Url"].endswith("/h5/bills")


def test_subscribe_welcomes_and_records_the_follower(plain_live):
    reply = xmltodict.parse(_post(plain_live, _event("subscribe")).text)["xml"]
    assert reply["MsgType"] == "text" and "欢迎关注" in reply["Content"]
    with plain_live.sessions() as session:
        assert session.execute(
            text("select subscribed from wechat_user where openid = :o"), {"o": OPENID}
        ).scalar_one()
    assert _post(plain_live, _event("unsubscribe")).text == "success"
    with plain_live.sessions() as session:
        assert not session.execute(
            text("select subscribed from wechat_user where openid = :o"), {"o": OPENID}
        ).scalar_one()
        actions = session.scalars(
            text("select action from audit_event where actor = :a order by id"),
            {"a": f"wechat {OPENID}"},
        ).all()
    assert actions == [
        "wechat_user.create",
        "wechat_user.subscribe",
        "wechat_user.unsubscribe",
    ]


def test_safe_mode_decrypts_and_encrypts_the_reply(live):
    crypto = WeChatCrypto(TOKEN, AES_KEY, APP_ID)
    timestamp, nonce = str(int(time.time())), "safe-nonce"
    # WeChat's own envelope: the Encrypt element and its msg_signature.
    envelope = xmltodict.parse(crypto.encrypt_message(_text("账单"), nonce, timestamp))["xml"]
    body = (
        f"<xml><ToUserName><![CDATA[{ACCOUNT}]]></ToUserName>"
        f"<Encrypt><![CDATA[{envelope['Encrypt']}]]></Encrypt></xml>"
    )
    params = {
        "timestamp": timestamp,
        "nonce": nonce,
        "signature": wechat_signature(TOKEN, timestamp, nonce),
        "encrypt_type": "aes",
        "msg_signature": envelope["MsgSignature"],
        "openid": OPENID,
    }
    response = requests.post(f"{live.url}/wechat", params=params, data=body.encode(), timeout=5)
    assert response.status_code == 200
    answer = xmltodict.parse(response.text)["xml"]
    assert "Encrypt" in answer and "<Articles>" not in response.text
    decrypted = crypto.decrypt_message(
        response.text, answer["MsgSignature"], answer["TimeStamp"], answer["Nonce"]
    )
    reply = xmltodict.parse(decrypted)["xml"]
    assert reply["Articles"]["item"]["Title"] == "电子缴款通知单"

    params["msg_signature"] = "0" * 40
    tampered = requests.post(f"{live.url}/wechat", params=params, data=body.encode(), timeout=5)
    assert tampered.status_code == 400


def test_forged_and_hostile_messages_are_refused(plain_live):
    forged = _params()
    forged["signature"] = wechat_signature("other-token", forged["timestamp"], forged["nonce"])
    response = requests.post(
        f"{plain_live.url}/wechat", params=forged, data=_text("用量").encode(), timeout=5
    )
    assert response.status_code == 403

    laughs = (
        '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
        '<!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]>'
        "<xml><ToUserName>&lol2;</ToUserName><MsgType>text</MsgType></xml>"
    )
    response = _post(plain_live, laughs)
    assert response.status_code == 400 and "无法解析" in response.text

    assert _post(plain_live, "<xml><unclosed>").status_code == 400
    assert _post(plain_live, b"<xml>" + b"a" * 70_000 + b"</xml>").status_code == 413


def test_an_old_call_replayed_is_refused(live):
    timestamp, nonce = str(int(time.time()) - 600), "replayed"
    params = {
        "timestamp": timestamp,
        "nonce": nonce,
        "signature": wechat_signature(TOKEN, timestamp, nonce),
        "openid": OPENID,
    }
    response = requests.post(
        f"{live.url}/wechat", params=params, data=_text("用量").encode(), timeout=5
    )
    assert (response.status_code, response.text) == (403, "时间戳已过期")


def test_healthz_tells_whether_the_database_answers(live, companion_settings):
    assert requests.get(f"{live.url}/healthz", timeout=5).status_code == 200
    dead = start_live(companion_settings, "postgresql+psycopg://md@127.0.0.1:1/nowhere")
    try:
        response = requests.get(f"{dead.url}/healthz", timeout=10)
        assert response.status_code == 503
    finally:
        dead.stop()
