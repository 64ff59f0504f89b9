"""The demo's WeChat and SMS: where the messages of `meterdesk demo` go, and where its user
reads them.

The companion the demo starts runs the scheduled jobs like a real server, and its template
messages and SMS go out through the same code as in production: WeChat's API (access token,
template/send, the JS-SDK ticket) and Alibaba Cloud SMS's SendSms, both pointed at this local
stand-in by `demo_environment`. It answers as those services do when they accept, so the
outbox marks each message sent (the desk's 催缴与消息 shows it), keeps what it received in
memory, and shows it on its own page, 演示消息: every template message and SMS with its
recipient, text and link, a verification code included, so the demo user can register by
SMS, follow a bill notice's link to pay, and see the reminders. Nothing reaches WeChat or an
SMS gateway, whatever the PC's own settings say (the environment overrides them).
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from html import escape
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlparse

from server.companion.settings import TEMPLATE_KINDS
from server.services.core.calendar import BUSINESS_TZ, now
from server.services.residents.outbox import KIND_LABELS
from server.services.residents.sms import DEFAULT_SIGN_NAME, KINDS

# The template ids and SMS template codes the demo registers: each names its kind.
TEMPLATE_PREFIX = "demo-"
SMS_PREFIX = "DEMO_"
KEPT = 200
# An SMS's title is its outbox kind's (欠费催缴, 任务分派 …); codes are sent at once, not queued.
CODE_TITLE = "验证码"


@dataclass(frozen=True)
class DemoMessage:
    """A message as the stand-in received it."""

    received_at: datetime
    channel: str  # "wechat" (模板消息) or "sms" (短信)
    to: str  # the openid, or the phone number
    title: str  # what kind of message: 账单通知, 验证码 …
    lines: tuple[str, ...]  # the template's fields in order, or the SMS's text
    link: str

    def as_dict(self) -> dict[str, Any]:
        return {
            "received_at": self.received_at.isoformat(),
            "channel": self.channel,
            "to": self.to,
            "title": self.title,
            "lines": list(self.lines),
            "link": self.link,
        }


def demo_environment(messages_url: str, companion_url: str) -> dict[str, str]:
    """The settings (as MD_ environment variables) that send the companion's template
    messages and SMS to the stand-in at `messages_url`, with links to `companion_url`."""
    env = {
        "MD_COMPANION_BASE_URL": companion_url,
        "MD_WECHAT_APP_ID": "wxdemo00000000000",
        "MD_WECHAT_APP_SECRET": "demo",
        "MD_WECHAT_API_URL": messages_url,
        "MD_SMS_PROVIDER": "aliyun",
        "MD_SMS_ACCESS_KEY_ID": "demo",
        "MD_SMS_ACCESS_KEY_SECRET": "demo",
        "MD_SMS_SIGN_NAME": DEFAULT_SIGN_NAME,
        "MD_SMS_ENDPOINT": messages_url,
    }
    env |= {f"MD_WECHAT_TEMPLATE_{k.upper()}": TEMPLATE_PREFIX + k for k in TEMPLATE_KINDS}
    env |= {f"MD_SMS_TEMPLATE_{k.upper()}": SMS_PREFIX + k.upper() for k in KINDS}
    return env


def _template_message(body: dict[str, Any], at: datetime) -> DemoMessage:
    kind = str(body.get("template_id", "")).removeprefix(TEMPLATE_PREFIX)
    data = body.get("data", {})
    # first, keyword1, keyword2 …, remark: the order WeChat shows them in.
    keys = ["first", *sorted(k for k in data if k.startswith("keyword")), "remark"]
    lines = tuple(str(data[k]["value"]) for k in keys if k in data and data[k].get("value"))
    return DemoMessage(
        at, "wechat", str(body.get("touser", "")), KIND_LABELS.get(kind, kind), lines,
        str(body.get("url", "")),
    )  # fmt: skip


def _sms(query: dict[str, str], at: datetime) -> DemoMessage:
    kind = query.get("TemplateCode", "").removeprefix(SMS_PREFIX).lower()
    params = json.loads(query.get("TemplateParam") or "{}")
    text = f"【{query.get('SignName', '')}】" + KINDS[kind].text.format(**params)
    title = CODE_TITLE if kind == "code" else KIND_LABELS.get(kind, kind)
    return DemoMessage(
        at, "sms", query.get("PhoneNumbers", ""), title, (text,), str(params.get("link", ""))
    )


class DemoMessages:
    """The stand-in on a loopback port (`url`), serving until `stop`."""

    def __init__(self, clock: Callable[[], datetime] = now) -> None:
        self.messages: list[DemoMessage] = []
        self._lock = threading.Lock()
        stand_in = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def _send(self, body: bytes, content_type: str, status: int = 200) -> None:
                self.send_response(status)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def _json(self, data: dict[str, Any], status: int = 200) -> None:
                self._send(
                    json.dumps(data, ensure_ascii=False).encode(), "application/json", status
                )

            def do_GET(self) -> None:
                url = urlparse(self.path)
                query = dict(parse_qsl(url.query))
                if url.path == "/cgi-bin/token":
                    self._json({"access_token": "DEMO-TOKEN", "expires_in": 7200})
                elif url.path == "/cgi-bin/ticket/getticket":
                    self._json({"errcode": 0, "errmsg": "ok", "ticket": "DEMO", "expires_in": 7200})
                elif url.path == "/" and query.get("Action") == "SendSms":
                    received = stand_in.keep(_sms(query, clock()))
                    self._json({"Code": "OK", "Message": "OK", "BizId": f"demo-{received}",
                                "RequestId": f"demo-{received}"})  # fmt: skip
                elif url.path == "/":
                    self._send(stand_in.page().encode(), "text/html; charset=utf-8")
                elif url.path == "/messages.json":
                    self._json({"messages": [m.as_dict() for m in stand_in.received()]})
                else:
                    self._json({"errcode": 404, "errmsg": "not found"}, 404)

            def do_POST(self) -> None:
                url = urlparse(self.path)
                length = int(self.headers.get("Content-Length") or 0)
                if url.path != "/cgi-bin/message/template/send":
                    self._json({"errcode": 404, "errmsg": "not found"}, 404)
                    return
                body = json.loads(self.rfile.read(length) or b"{}")
                received = stand_in.keep(_template_message(body, clock()))
                self._json({"errcode": 0, "errmsg": "ok", "msgid": received})

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self._server.server_port}"
        threading.Thread(target=self._server.serve_forever, daemon=True).start()

    def keep(self, message: DemoMessage) -> int:
        """Keep `message` (the last KEPT are); returns how many were received so far."""
        with self._lock:
            self.messages.append(message)
            count = len(self.messages)
            del self.messages[:-KEPT]
            return count

    def received(self) -> list[DemoMessage]:
        """The messages kept, the latest first."""
        with self._lock:
            return list(reversed(self.messages))

    def page(self) -> str:
        cards = "".join(_card(m) for m in self.received()) or (
            '<p class="none">还没有消息。住户注册、出账通知、缴费、催缴时发出的消息'
            "会出现在这里。</p>"
        )
        return (
            '<!doctype html><html lang="zh-CN"><head><meta charset="utf-8">'
            '<meta name="viewport" content="width=device-width, initial-scale=1">'
            '<meta http-equiv="refresh" content="5"><title>演示消息</title><style>'
            "body{font-family:sans-serif;max-width:640px;margin:1em auto;padding:0 1em;"
            "background:#f4f5f7}.msg{background:#fff;border-radius:8px;padding:.8em 1em;"
            "margin:.8em 0}.meta{color:#666;font-size:.85em}h2{font-size:1.05em;margin:.3em 0}"
            "p{margin:.25em 0}</style></head><body><h1>演示消息</h1>"
            "<p>演示环境发出的公众号模板消息和短信都送到这里，不会发给真实的微信或短信平台。"
            "本页每 5 秒刷新。</p>"
            f'<div id="messages">{cards}</div></body></html>'
        )

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()


def _card(message: DemoMessage) -> str:
    channel = "模板消息" if message.channel == "wechat" else "短信"
    lines = "".join(f"<p>{escape(line)}</p>" for line in message.lines)
    link = (
        f'<p><a class="link" href="{escape(message.link)}">打开链接</a></p>' if message.link else ""
    )
    moment = message.received_at.astimezone(BUSINESS_TZ).strftime("%Y-%m-%d %H:%M:%S")
    return (
        f'<section class="msg"><p class="meta">{moment} · {channel} · 发给 '
        f'<span class="to">{escape(message.to)}</span></p>'
        f"<h2>{escape(message.title)}</h2>{lines}{link}</section>"
    )
