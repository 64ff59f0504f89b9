"""Test plumbing for the companion service: a live server thread, WeChat's signing, and a
stand-in for WeChat's HTTP APIs (OAuth authorize and code exchange, access token, template
messages) that behaves the way the real endpoints answer."""

from __future__ import annotations

import hashlib
import json
import re
import socket
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlencode, urlparse

import requests
import uvicorn
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from server.companion.app import create_app
from server.companion.settings import CompanionSettings
from server.db.engine import unit_of_work
from server.db.models import Account
from server.services.residents.sms import ConsoleSender, SmsSender
from tests import factories

TOKEN = "meterdesk-test-token"
APP_ID = "wx5d3e84a7f0b1c2d3"
# An EncodingAESKey as the official account's console makes one: 43 base64 characters.
AES_KEY = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG"
JSAPI_TICKET = (
    "sM4AOVdWfPE4DxkXGEs8VMCPGGVi4C3VM0P37wVUCFvkVAy_90u5h9nbSlYy3-Sl-HhTdfl2fzFy1AOcHKP7qg"
)


def wechat_signature(*parts: str) -> str:
    """sha1 of the parts sorted and concatenated: how WeChat signs its calls."""
    return hashlib.sha1("".join(sorted(parts)).encode()).hexdigest()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class LiveServer:
    url: str
    sms: SmsSender
    sessions: sessionmaker[Session]
    server: uvicorn.Server
    thread: threading.Thread
    app: Any

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)
        self.app.state.engine.dispose()

    def last_code(self, phone: str) -> str:
        assert isinstance(self.sms, ConsoleSender), "codes are read from the console sender"
        for to, text in reversed(self.sms.sent):
            if to == phone:
                return text.split("验证码 ")[1][:6]
        raise AssertionError(f"no code sent to {phone}")


def start_live(
    settings: CompanionSettings,
    database_url: str,
    sms: SmsSender | None = None,
    **app_options: Any,
) -> LiveServer:
    """The service on a loopback port; SMS to the console unless `sms` is a gateway's sender;
    `app_options` go to create_app (a read replica…)."""
    sms = sms or ConsoleSender()
    app = create_app(settings, database_url, sms=sms, **app_options)
    port = free_port()
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="off")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("companion server did not start")
        time.sleep(0.01)
    return LiveServer(f"http://127.0.0.1:{port}", sms, app.state.md.sessions, server, thread, app)


@dataclass
class StandInState:
    # code → openid for the OAuth exchange; set by a test before the browser logs in.
    codes: dict[str, str] = field(default_factory=dict)
    next_openid: str = "o-test-openid-0001"
    tokens_issued: int = 0
    # Scripted answers of template/send, consumed in order: an errcode, or "http500".
    send_script: list[Any] = field(default_factory=list)
    sent: list[dict[str, Any]] = field(default_factory=list)
    calls: list[str] = field(default_factory=list)
    menu: dict[str, Any] = field(default_factory=dict)


class WechatStandIn:
    """Local HTTP server answering like api.weixin.qq.com and open.weixin.qq.com."""

    def __init__(self) -> None:
        self.state = StandInState()
        state = self.state

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def _json(self, data: dict[str, Any], status: int = 200) -> None:
                body = json.dumps(data).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def do_GET(self) -> None:
                url = urlparse(self.path)
                query = {k: v[0] for k, v in parse_qs(url.query).items()}
                state.calls.append(url.path)
                if url.path == "/connect/oauth2/authorize":
                    # WeChat shows nothing for snsapi_base: it redirects with a fresh code.
                    code = f"code-{len(state.codes) + 1}"
                    state.codes[code] = state.next_openid
                    target = (
                        query["redirect_uri"]
                        + "?"
                        + urlencode({"code": code, "state": query.get("state", "")})
                    )
                    self.send_response(302)
                    self.send_header("Location", target)
                    self.end_headers()
                elif url.path == "/sns/oauth2/access_token":
                    openid = state.codes.pop(query.get("code", ""), None)
                    if query.get("appid") != APP_ID or openid is None:
                        self._json({"errcode": 40029, "errmsg": "invalid code"})
                    else:
                        self._json(
                            {
                                "access_token": "web-token",
                                "expires_in": 7200,
                                "refresh_token": "r",
                                "openid": openid,
                                "scope": "snsapi_base",
                            }
                        )
                elif url.path == "/cgi-bin/ticket/getticket":
                    if query.get("access_token") != f"TOKEN-{state.tokens_issued}":
                        self._json({"errcode": 40001, "errmsg": "invalid credential"})
                    else:
                        self._json(
                            {"errcode": 0, "errmsg": "ok", "ticket": JSAPI_TICKET,
                             "expires_in": 7200}
                        )  # fmt: skip
                elif url.path == "/cgi-bin/token":
                    state.tokens_issued += 1
                    self._json({"access_token": f"TOKEN-{state.tokens_issued}", "expires_in": 7200})
                else:
                    self._json({"errcode": 404, "errmsg": "not found"}, 404)

            def do_POST(self) -> None:
                url = urlparse(self.path)
                query = {k: v[0] for k, v in parse_qs(url.query).items()}
                length = int(self.headers.get("Content-Length", "0"))
                body = json.loads(self.rfile.read(length) or b"{}")
                state.calls.append(url.path)
                if url.path == "/cgi-bin/menu/create":
                    if query.get("access_token") != f"TOKEN-{state.tokens_issued}":
                        self._json({"errcode": 40001, "errmsg": "invalid credential"})
                        return
                    state.menu = body
                    self._json({"errcode": 0, "errmsg": "ok"})
                    return
                if url.path != "/cgi-bin/message/template/send":
                    self._json({"errcode": 404, "errmsg": "not found"}, 404)
                    return
                answer = state.send_script.pop(0) if state.send_script else 0
                if answer == "http500":
                    self._json({}, 500)
                    return
                if query.get("access_token") != f"TOKEN-{state.tokens_issued}":
                    answer = 40001
                if answer:
                    self._json({"errcode": answer, "errmsg": "scripted failure"})
                    return
                state.sent.append(body)
                self._json({"errcode": 0, "errmsg": "ok", "msgid": len(state.sent)})

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


def csrf_of(page: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert found, page[:500]
    return found.group(1)


def signed_in(
    url: str, sessions: sessionmaker[Session], openid: str, account_no: str = "A001"
) -> tuple[requests.Session, int]:
    """A resident signed in through the development sign-in and bound to `account_no`:
    (their browser session, the account's id)."""
    browser = requests.Session()
    page = browser.get(f"{url}/h5/login", timeout=10).text
    browser.post(
        f"{url}/h5/dev-login", data={"openid": openid, "csrf_token": csrf_of(page)}, timeout=10
    )
    with unit_of_work(sessions) as session:
        account_id = session.scalar(select(Account.id).where(Account.account_no == account_no))
        factories.bound_resident(session, openid, account_id)
    return browser, account_id
