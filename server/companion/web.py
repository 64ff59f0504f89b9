"""What every page handler shares: the request's unit of work, the signed session, CSRF,
the client's address and template rendering."""

from __future__ import annotations

import hmac
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse, RedirectResponse
from fastapi.templating import Jinja2Templates
from sqlalchemy.orm import Session, sessionmaker
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from reports.clock import MOMENT, moment_text
from server.companion.settings import CompanionSettings
from server.db.engine import unit_of_work
from server.db.replica import ReadRouting, data_time
from server.services.core.calendar import now
from server.services.metering.usage_rules import quantity_text
from server.services.residents.sms import SmsSender

TEMPLATES = Path(__file__).with_name("templates")
# A phone photo is a few MB; the photos service refuses more than 10 MB after this.
MAX_REQUEST_BYTES = 12 * 1024 * 1024
# With a 503 while the database is away (a failover takes seconds): when to come back.
RETRY_LATER = {"Retry-After": "5"}


@dataclass
class Companion:
    """The app's shared parts, reachable from every request as request.app.state.md."""

    settings: CompanionSettings
    sessions: sessionmaker[Session]
    sms: SmsSender
    templates: Jinja2Templates
    # Where the residents' read-only pages read: a replica within its lag bound.
    reads: ReadRouting | None = None


def md(request: Request) -> Companion:
    return request.app.state.md


@contextmanager
def uow(request: Request) -> Iterator[Session]:
    """One unit of work: commits when the block ends normally, rolls back on an error."""
    with unit_of_work(md(request).sessions) as session:
        yield session


@contextmanager
def read_uow(request: Request) -> Iterator[Session]:
    """A unit of work for a page that only reads and need not see a write of its own at
    once: on the replica while it is within its bound, and the page then shows the data's
    time (`data_time` in the template)."""
    reads = md(request).reads
    with unit_of_work(reads.sessions() if reads else md(request).sessions) as session:
        request.state.data_time = data_time(session)
        yield session


def client_ip(request: Request) -> str:
    # Behind the reverse proxy uvicorn's proxy-headers support has already put the
    # client's address here (see `meterdesk serve --forwarded-allow-ips`).
    return request.client.host if request.client else "?"


def csrf_token(request: Request) -> str:
    token = request.session.get("csrf")
    if not token:
        token = secrets.token_urlsafe(24)
        request.session["csrf"] = token
    return token


class CsrfFailed(Exception):
    pass


def check_csrf(request: Request, submitted: str) -> None:
    expected = request.session.get("csrf", "")
    if not expected or not hmac.compare_digest(str(expected), submitted or ""):
        raise CsrfFailed


def local_time(moment: datetime | None, form: str = MOMENT) -> str:
    """A time as the pages show it: business time, whatever zone the server runs in."""
    return moment_text(moment, form) if moment else ""


def _money(value: Any) -> str:
    return f"{value:,.2f}"


def make_templates() -> Jinja2Templates:
    templates = Jinja2Templates(directory=str(TEMPLATES))
    templates.env.filters["local"] = local_time
    templates.env.filters["money"] = _money
    templates.env.filters["qty"] = quantity_text
    return templates


def render(request: Request, name: str, status_code: int = 200, **context: Any) -> HTMLResponse:
    context.setdefault("error", "")
    context.setdefault("message", "")
    context["csrf_token"] = csrf_token(request)
    context["now"] = now()
    context.setdefault("data_time", getattr(request.state, "data_time", None))
    return md(request).templates.TemplateResponse(request, name, context, status_code=status_code)


def redirect(url: str) -> RedirectResponse:
    return RedirectResponse(url, status_code=303)


def safe_next(target: str, default: str) -> str:
    """Only paths of this site: a `next` parameter must not send anyone elsewhere."""
    if target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return default


async def bounded_body(request: Request, limit: int) -> bytes | None:
    """The request's body, or None once it is over `limit` bytes (declared or streamed):
    for endpoints whose callers never send more than a few KB, read before anything else."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        return None
    body = b""
    async for chunk in request.stream():
        body += chunk
        if len(body) > limit:
            return None
    return body


class BodyLimit:
    """Refuse request bodies over a limit, declared or streamed, before anything parses
    them (Starlette's multipart parser would otherwise spool any size to disk)."""

    def __init__(self, app: ASGIApp, limit: int = MAX_REQUEST_BYTES) -> None:
        self.app = app
        self.limit = limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = dict(scope.get("headers") or [])
        declared = headers.get(b"content-length", b"")
        if declared.isdigit() and int(declared) > self.limit:
            await _too_large(send)
            return
        seen = 0
        exceeded = started = False

        async def limited() -> Message:
            nonlocal seen, exceeded
            if exceeded:
                return {"type": "http.disconnect"}
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > self.limit:
                    # To the app the client has gone; the answer below is ours.
                    exceeded = True
                    return {"type": "http.disconnect"}
            return message

        async def guarded(message: Message) -> None:
            nonlocal started
            if exceeded:
                return
            started = True
            await send(message)

        try:
            await self.app(scope, limited, guarded)
        except Exception:
            if not exceeded:
                raise
        if exceeded and not started:
            await _too_large(send)


async def _too_large(send: Send) -> None:
    body = "上传内容过大（上限 12 MB）".encode()
    await send(
        {
            "type": "http.response.start",
            "status": 413,
            "headers": [
                (b"content-type", b"text/plain; charset=utf-8"),
                (b"content-length", str(len(body)).encode()),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})
