"""Attacks on the official account's message endpoint (/wechat) in safe mode (issue 19,
item 6 and the repeated <MsgType> of item 8): messages are built, signed and encrypted the
way WeChat's servers do it (wechatpy's WeChatCrypto with the account's token, AES key and
app id)."""

from __future__ import annotations

import secrets
import time

import requests
import xmltodict
from sqlalchemy import text
from wechatpy.crypto import WeChatCrypto

from server.companion.app import WECHAT_CALL_ONCE
from server.services.core import ratelimit
from tests.companion.support import AES_KEY, APP_ID, TOKEN, LiveServer, wechat_signature

pytest_plugins = ["tests.security.live_site"]
OPENID = "oAttacker-0001"
ACCOUNT = "gh_0123456789ab"
CRYPTO = WeChatCrypto(TOKEN, AES_KEY, APP_ID)


def _text(content: str, extra: str = "") -> str:
    return (
        f"<xml><ToUserName><![CDATA[{ACCOUNT}]]></ToUserName>"
        f"<FromUserName><![CDATA[{OPENID}]]></FromUserName>"
        "<CreateTime>1700000000</CreateTime><MsgType><![CDATA[text]]></MsgType>"
        f"{extra}<Content><![CDATA[{content}]]></Content><MsgId>1234567890123456</MsgId></xml>"
    )


def _safe_call(xml: str) -> tuple[dict[str, str], bytes]:
    """(query, body) of a message as WeChat sends it in safe mode."""
    timestamp, nonce = str(int(time.time())), secrets.token_hex(5)
    envelope = xmltodict.parse(CRYPTO.encrypt_message(xml, nonce, timestamp))["xml"]
    body = (
        f"<xml><ToUserName><![CDATA[{ACCOUNT}]]></ToUserName>"
        f"<Encrypt><![CDATA[{envelope['Encrypt']}]]></Encrypt></xml>"
    ).encode()
    query = {
        "timestamp": timestamp,
        "nonce": nonce,
        "signature": wechat_signature(TOKEN, timestamp, nonce),
        "encrypt_type": "aes",
        "msg_signature": envelope["MsgSignature"],
        "openid": OPENID,
    }
    return query, body


def _post(site: LiveServer, query: dict[str, str], body: bytes) -> requests.Response:
    return requests.post(f"{site.url}/wechat", params=query, data=body, timeout=5)


def _reply_title(answer: requests.Response) -> str:
    envelope = xmltodict.parse(answer.text)["xml"]
    plain = CRYPTO.decrypt_message(
        answer.text, envelope["MsgSignature"], envelope["TimeStamp"], envelope["Nonce"]
    )
    return xmltodict.parse(plain)["xml"]["Articles"]["item"]["Title"]


def test_a_plain_message_is_refused_when_the_account_is_in_safe_mode(site: LiveServer) -> None:
    # The query of a genuine call, captured, with a plain body of the attacker's choice:
    # the query's signature covers only token, timestamp and nonce.
    query, _ = _safe_call(_text("账单"))
    plain = {k: v for k, v in query.items() if k not in ("encrypt_type", "msg_signature")}
    answer = _post(site, plain, _text("用量").encode())
    assert (answer.status_code, answer.text) == (403, "公众号为安全模式，不接受明文消息")


def test_a_captured_call_replayed_within_its_window_is_refused(site: LiveServer) -> None:
    query, body = _safe_call(_text("账单"))
    first = _post(site, query, body)
    assert first.status_code == 200 and _reply_title(first) == "电子缴款通知单"
    again = _post(site, query, body)
    assert (again.status_code, again.text) == (403, "重复的消息（该签名已处理过）")
    # A new call of WeChat's (fresh nonce) is answered as before.
    query, body = _safe_call(_text("账单"))
    assert _reply_title(_post(site, query, body)) == "电子缴款通知单"


def test_repeated_or_nested_elements_are_a_bad_request(site: LiveServer) -> None:
    for extra in ("<MsgType><![CDATA[text]]></MsgType>", "<Content>a</Content>"):
        query, body = _safe_call(_text("账单", extra))
        answer = _post(site, query, body)
        assert answer.status_code == 400 and answer.text.startswith("消息无法解析"), answer.text
    nested = _text("账单").replace(
        "<MsgType><![CDATA[text]]></MsgType>", "<MsgType><a>1</a></MsgType>"
    )
    query, body = _safe_call(nested)
    assert _post(site, query, body).status_code == 400


def test_a_tampered_body_does_not_decrypt(site: LiveServer) -> None:
    query, _ = _safe_call(_text("账单"))
    _, other = _safe_call(_text("用量"))
    answer = _post(site, query, other)  # another message's body under this query
    assert answer.status_code == 400 and "无法解析" in answer.text


def test_remembered_calls_are_swept_after_their_window(session) -> None:
    # One bucket per signed call: `hit` never comes back to them, the sweep does.
    session.execute(
        text(
            "insert into rate_event (bucket, at) values"
            " ('wechat-call:1:a:s', now() - interval '11 minutes'),"
            " ('wechat-call:2:b:s', now() - interval '1 minute'),"
            " ('wechatXcall:3:c:s', now() - interval '11 minutes'),"
            " ('login:ip:10.0.0.1', now() - interval '11 minutes')"
        )
    )
    ratelimit.sweep(session, WECHAT_CALL_ONCE)
    left = session.scalars(text("select bucket from rate_event order by bucket")).all()
    assert left == ["login:ip:10.0.0.1", "wechat-call:2:b:s", "wechatXcall:3:c:s"]
