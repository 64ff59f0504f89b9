"""/wechat: the official account's message endpoint (公众号服务器配置).

WeChat signs every call with sha1(sorted(token, timestamp, nonce)); in safe mode (安全模式)
the body is AES-encrypted and carries its own msg_signature. WeChat waits 5 seconds for
the reply and then retries, so every answer here is built from a few indexed lookups.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from xml.parsers.expat import ExpatError

from fastapi import APIRouter, Request
from fastapi.responses import PlainTextResponse, Response
from starlette.concurrency import run_in_threadpool
from wechatpy import parse_message
from wechatpy.crypto import WeChatCrypto
from wechatpy.exceptions import InvalidAppIdException, InvalidSignatureException
from wechatpy.messages import BaseMessage
from wechatpy.replies import ArticlesReply, BaseReply, TextReply
from wechatpy.utils import check_signature

from server.companion.settings import CompanionSettings
from server.companion.web import bounded_body

log = logging.getLogger(__name__)

# A real message is well under 2 KB; anything near this is not from WeChat.
MAX_BODY_BYTES = 64 * 1024
# WeChat signs with the current time; allow for clocks a few minutes apart.
MAX_CLOCK_SKEW = 300


@dataclass(frozen=True)
class MenuEntry:
    title: str
    description: str
    path: str


# Menu keys (自定义菜单 CLICK events) and the text keywords that lead to the same pages.
MENU: dict[str, MenuEntry] = {
    "MD_USAGE": MenuEntry("用量查询", "近 12 个月的用水用电量和缴费记录", "/h5/usage"),
    "MD_BILLS": MenuEntry("电子缴款通知单", "待缴账单和金额", "/h5/bills"),
    "MD_PAY": MenuEntry("在线缴费", "微信或银联在线缴纳水电费，预付费户可预存", "/h5/pay"),
    "MD_SELF_READ": MenuEntry("自助抄表", "填写读数并上传表盘照片", "/h5/readings/new"),
    "MD_REQUEST": MenuEntry("服务诉求", "报修、预约上门、咨询和建议", "/h5/requests/new"),
    "MD_NOTICES": MenuEntry("停水停电通知", "最新通知与便民信息", "/h5/notices"),
    "MD_BIND": MenuEntry("户号绑定", "绑定收费系统户号后可使用全部服务", "/h5/bindings"),
}


def menu_definition(base_url: str) -> dict[str, Any]:
    """The official account's custom menu (自定义菜单): residents' entries as CLICK keys
    answered by `reply_for`, the field staff's pages as a link."""

    def click(key: str) -> dict[str, str]:
        return {"type": "click", "name": MENU[key].title, "key": key}

    return {
        "button": [
            {
                "name": "我的户号",
                "sub_button": [
                    click("MD_PAY"),
                    click("MD_USAGE"),
                    click("MD_BILLS"),
                    click("MD_SELF_READ"),
                    click("MD_BIND"),
                ],
            },
            {"name": "服务", "sub_button": [click("MD_REQUEST"), click("MD_NOTICES")]},
            {"type": "view", "name": "内部业务", "url": f"{base_url}/staff/"},
        ]
    }


KEYWORDS = {
    "用量": "MD_USAGE",
    "账单": "MD_BILLS",
    "缴费": "MD_PAY",
    "抄表": "MD_SELF_READ",
    "报修": "MD_REQUEST",
    "通知": "MD_NOTICES",
    "绑定": "MD_BIND",
}
HELP_TEXT = "您好，这里是水电保障中心。回复以下关键词可直达服务：" + "、".join(KEYWORDS) + "。"
WELCOME_TEXT = (
    "欢迎关注水电保障中心！绑定户号后可查询用量、查看缴款通知单、自助抄表和在线报修。"
    "回复“绑定”开始。"
)

# Something to run for each follow/unfollow (records the follower); set by the app.
FollowHook = Callable[[str, bool], None]
# Whether a signed call (timestamp:nonce:signature) is seen for the first time; the app keeps
# them in the database for NONCE_WINDOW, so every worker knows what any of them answered.
NonceHook = Callable[[str], bool]
# A call is accepted MAX_CLOCK_SKEW either side of its timestamp, so a replay can come at
# most this long after the first sight of it.
NONCE_WINDOW = 2 * MAX_CLOCK_SKEW
# A message's parts read as text: repeated or nested in the XML they parse as lists or
# dicts, which no message from WeChat has.
TEXT_FIELDS = ("source", "target", "type", "event", "key", "content")


class BadRequest(Exception):
    """The call is not a well-formed, correctly signed WeChat message."""


class BadSignature(BadRequest):
    """Not signed with our token: not from WeChat, or the token is misconfigured."""


def _articles(message: object, key: str, base_url: str) -> BaseReply:
    entry = MENU[key]
    reply = ArticlesReply(message=message)
    reply.add_article(
        {"title": entry.title, "description": entry.description, "url": base_url + entry.path}
    )
    return reply


def reply_for(
    message: BaseMessage, base_url: str, on_follow: FollowHook | None = None
) -> BaseReply:
    """The answer to one message or event; "success" (an empty reply) when there is none."""
    kind = getattr(message, "type", "")
    event = getattr(message, "event", "")
    if kind == "event" and event in ("subscribe", "subscribe_scan"):
        if on_follow:
            on_follow(message.source, True)
        return TextReply(message=message, content=WELCOME_TEXT)
    if kind == "event" and event == "unsubscribe":
        if on_follow:
            on_follow(message.source, False)
        return TextReply(message=message, content="")
    if kind == "event" and event == "click":
        key = getattr(message, "key", "")
        if key in MENU:
            return _articles(message, key, base_url)
        return TextReply(message=message, content=HELP_TEXT)
    if kind == "text":
        content = getattr(message, "content", "")
        for word, key in KEYWORDS.items():
            if word in content:
                return _articles(message, key, base_url)
        return TextReply(message=message, content=HELP_TEXT)
    return TextReply(message=message, content="")


class MessageEndpoint:
    """Verifies, decrypts, parses and answers; knows nothing of HTTP frameworks."""

    def __init__(
        self,
        settings: CompanionSettings,
        on_follow: FollowHook | None = None,
        first_seen: NonceHook | None = None,
    ) -> None:
        self.settings = settings
        self.on_follow = on_follow
        self.first_seen = first_seen
        self.crypto = (
            WeChatCrypto(settings.token, settings.aes_key, settings.app_id)
            if settings.aes_key
            else None
        )

    def verify(self, signature: str, timestamp: str, nonce: str) -> None:
        if not self.settings.token:
            raise BadRequest("wechat.token 未配置")
        try:
            check_signature(self.settings.token, signature, timestamp, nonce)
        except InvalidSignatureException as exc:
            raise BadSignature("签名错误") from exc
        # A captured call replayed later is signed correctly too: only recent ones count.
        if not timestamp.isdigit() or abs(time.time() - int(timestamp)) > MAX_CLOCK_SKEW:
            raise BadSignature("时间戳已过期")

    def answer(self, params: dict[str, str], body: bytes) -> str:
        self.verify(
            params.get("signature", ""), params.get("timestamp", ""), params.get("nonce", "")
        )
        if len(body) > MAX_BODY_BYTES:
            raise BadRequest("消息过大")
        safe_mode = params.get("encrypt_type") == "aes"
        if safe_mode and self.crypto is None:
            raise BadRequest("收到加密消息，但未配置 wechat.aes_key")
        if self.crypto is not None and not safe_mode:
            # The query's signature does not cover the body: in safe mode (and in WeChat's
            # compatible mode, which also says encrypt_type=aes) only msg_signature does.
            raise BadSignature("公众号为安全模式，不接受明文消息")
        try:
            text = body.decode("utf-8")
            if safe_mode:
                assert self.crypto is not None
                text = self.crypto.decrypt_message(
                    text, params.get("msg_signature", ""), params["timestamp"], params["nonce"]
                )
            message = parse_message(text)
            odd = [name for name in TEXT_FIELDS if not isinstance(getattr(message, name, ""), str)]
        # xmltodict raises ValueError for a document that declares entities; expat its own
        # errors for malformed XML; a missing element surfaces as KeyError or TypeError, a
        # repeated or nested MsgType or Event as AttributeError.
        except (
            ValueError,
            ExpatError,
            KeyError,
            TypeError,
            AttributeError,
            InvalidSignatureException,
            InvalidAppIdException,
        ) as exc:
            raise BadRequest(f"消息无法解析：{type(exc).__name__}") from exc
        if odd:
            raise BadRequest(f"消息无法解析：{'、'.join(odd)} 重复或嵌套")
        # Remembered once it proved genuine: a captured call sent again within its time
        # window is signed (and decrypts) just as well.
        signed = params.get("msg_signature") or params["signature"]
        if self.first_seen and not self.first_seen(
            f"{params['timestamp']}:{params['nonce']}:{signed}"
        ):
            raise BadSignature("重复的消息（该签名已处理过）")
        reply = reply_for(message, self.settings.base_url, self.on_follow)
        if isinstance(reply, TextReply) and not reply.content:
            return "success"
        xml = reply.render()
        if safe_mode:
            assert self.crypto is not None
            return self.crypto.encrypt_message(xml, params["nonce"], params["timestamp"])
        return xml


def router(endpoint: MessageEndpoint) -> APIRouter:
    routes = APIRouter()

    @routes.get("/wechat")
    def echo(
        signature: str = "", timestamp: str = "", nonce: str = "", echostr: str = ""
    ) -> PlainTextResponse:
        """WeChat's server check when the URL is configured: echo back if signed by us."""
        try:
            endpoint.verify(signature, timestamp, nonce)
        except BadRequest as exc:
            return PlainTextResponse(str(exc), status_code=403)
        return PlainTextResponse(echostr)

    @routes.post("/wechat")
    async def message(request: Request) -> Response:
        body = await bounded_body(request, MAX_BODY_BYTES)
        if body is None:
            return PlainTextResponse("消息过大", status_code=413)
        params = dict(request.query_params)
        try:
            # Decrypting and the follower lookup block; keep them off the event loop.
            xml = await run_in_threadpool(endpoint.answer, params, body)
        except BadRequest as exc:
            log.warning("wechat: refused a message from %s: %s", request.client, exc)
            status = 403 if isinstance(exc, BadSignature) else 400
            return PlainTextResponse(str(exc), status_code=status)
        media = "text/plain" if xml == "success" else "application/xml"
        return Response(xml, media_type=media)

    return routes
