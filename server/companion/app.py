"""The companion web app: `create_app` for tests and `app_from_environment` for the
production server's worker processes (uvicorn `--factory`)."""

from __future__ import annotations

import logging
import secrets
from datetime import timedelta

from fastapi import FastAPI, Request
from fastapi.exception_handlers import (
    http_exception_handler,
    request_validation_exception_handler,
)
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, PlainTextResponse, Response
from sqlalchemy import text
from sqlalchemy.exc import DataError, InterfaceError, OperationalError, SQLAlchemyError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from starlette.exceptions import HTTPException
from starlette.middleware.sessions import SessionMiddleware
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from server.companion import h5, kept, pay, staff, wechat
from server.companion.settings import CompanionSettings
from server.companion.signed_in import SignInFirst
from server.companion.web import (
    RETRY_LATER,
    BodyLimit,
    Companion,
    CsrfFailed,
    make_templates,
    redirect,
    render,
)
from server.config import load_settings
from server.db.engine import (
    database_url,
    make_engine,
    make_sessionmaker,
    ping_when_idle,
    unit_of_work,
)
from server.db.replica import read_routing, replica_settings
from server.services.core import ratelimit
from server.services.core.errors import Conflict, DomainError, NotFound, PermissionDenied
from server.services.core.ratelimit import Limit
from server.services.residents import wechat_users
from server.services.residents.sms import SmsSender, sender_for

log = logging.getLogger(__name__)

SESSION_DAYS = 7
# A pooled connection unused this long is pinged before a request takes it (see create_app).
IDLE_PING_SECONDS = 2.0
# Each signed WeChat call is answered once: a second sight within its window is a replay.
WECHAT_CALL_ONCE = Limit("wechat-call", 1, timedelta(seconds=wechat.NONCE_WINDOW), "")
SWEEP_ONE_IN = 200
# Pages people open in a browser answer errors as Chinese pages; the rest (payment and
# WeChat callbacks, the JS-SDK signature) keep the JSON their callers parse.
BROWSER_PREFIXES = ("/h5", "/staff")
ERROR_TYPES = {
    "missing": "缺少参数 {name}",
    "int_parsing": "参数 {name} 应为数字，收到「{value}」",
    "int_type": "参数 {name} 应为数字，收到「{value}」",
}
# A refusal a route leaves to the app answers by its kind; any other refusal is a 400.
REFUSAL_STATUS: tuple[tuple[type[DomainError], int], ...] = (
    (NotFound, 404),
    (PermissionDenied, 403),
    (Conflict, 409),
)


def _browser(request: Request) -> bool:
    path = request.url.path
    return any(path == prefix or path.startswith(f"{prefix}/") for prefix in BROWSER_PREFIXES)


def _home(request: Request) -> str:
    return "/staff/" if request.url.path.startswith("/staff") else "/h5/"


def refusal_status(exc: DomainError) -> int:
    return next((status for kind, status in REFUSAL_STATUS if isinstance(exc, kind)), 400)


def bad_parameters(exc: RequestValidationError) -> str:
    """FastAPI's validation errors as one Chinese line naming each bad parameter."""
    lines = []
    for error in exc.errors():
        name = str(error.get("loc", ("?",))[-1])
        form = ERROR_TYPES.get(error.get("type", ""), "参数 {name} 的值「{value}」无效")
        lines.append(form.format(name=name, value=error.get("input", "")))
    return "链接参数有误：" + "；".join(lines)


# What escapes a route: (kind, status, heading, hint). A database refusing the input (a NUL
# byte, a number out of range) is the client's; one that cannot be reached is ours, for now.
UNEXPECTED: tuple[tuple[tuple[type[Exception], ...], int, str, str], ...] = (
    ((DataError,), 400, "请求有误",
     "提交的内容含有无法处理的字符或数值（例如不可见的控制字符），请修改后重试。"),
    ((OperationalError, InterfaceError, PoolTimeout), 503, "服务暂时不可用",
     "系统暂时无法连接数据库，请稍后再试。"),
    ((Exception,), 500, "系统出错", "系统出现意外错误，已记录，请稍后再试。"),
)  # fmt: skip


def unexpected_answer(request: Request, exc: Exception) -> Response:
    """The clean answer to an exception no handler took: a Chinese page for the browser
    pages, JSON for the rest; logged with its traceback unless it was the input's fault."""
    status, heading, hint = next(
        (status, heading, hint) for kinds, status, heading, hint in UNEXPECTED
        if isinstance(exc, kinds)
    )  # fmt: skip
    if status == 400:
        log.warning("%s %s refused: %s", request.method, request.url.path, exc)
    else:
        log.error("%s %s failed", request.method, request.url.path, exc_info=exc)
    headers = RETRY_LATER if status == 503 else None
    if not _browser(request):
        return JSONResponse({"detail": hint}, status_code=status, headers=headers)
    try:
        page = render(
            request, "error.html", status, heading=heading, hint=hint, home=_home(request)
        )
    except Exception:
        log.exception("error page not rendered")
        return PlainTextResponse(f"{heading}：{hint}", status_code=status, headers=headers)
    page.headers.update(headers or {})
    return page


class CatchAll:
    """Answers whatever a route lets escape (unexpected_answer) and swallows it.

    Starlette's own last resort answers 500 and then raises again, and uvicorn closes the
    connection of an app that raised: every client's keep-alive connection was reset by
    one bad request. Here the exception ends with its answer.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def tracked(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, receive, tracked)
        except Exception as exc:
            if started:
                # Too late for another answer: the client sees the body cut short.
                log.error("%s failed after answering", scope.get("path"), exc_info=exc)
                return
            await unexpected_answer(Request(scope), exc)(scope, receive, send)


def create_app(
    settings: CompanionSettings,
    url: str,
    *,
    sms: SmsSender | None = None,
    pool_size: int = 10,
    replica_url: str = "",
    replica_max_lag: timedelta = timedelta(seconds=30),
) -> FastAPI:
    # A worker serves requests from a thread pool, each holding a connection while it runs.
    # No overflow: past `pool_size` at once a request waits for a connection rather than
    # opening one that is closed again on return (a new PostgreSQL backend costs more than
    # the request, and the connection's prepared statements go with it).
    # No ping before each checkout (a round trip per request on the busiest pages), only
    # for a connection idle a while: after a database restart or a failover under load the
    # first failing request invalidates the pool, and /healthz tells the proxy meanwhile.
    engine = make_engine(url, pool_size=pool_size, max_overflow=0, pool_pre_ping=False)
    ping_when_idle(engine, IDLE_PING_SECONDS)
    sessions = make_sessionmaker(engine)
    app = FastAPI(title="MeterDesk companion", docs_url=None, redoc_url=None, openapi_url=None)
    app.state.md = Companion(
        settings=settings,
        sessions=sessions,
        sms=sms or sender_for(settings.sms),
        templates=make_templates(),
        reads=read_routing(
            sessions, replica_url, replica_max_lag, pool_size=pool_size, max_overflow=0
        ),
    )

    def on_follow(openid: str, subscribed: bool) -> None:
        with unit_of_work(sessions) as session:
            wechat_users.set_subscribed(session, openid, subscribed)

    def first_seen(call: str) -> bool:
        try:
            with unit_of_work(sessions) as session:
                ratelimit.hit(session, WECHAT_CALL_ONCE, call)
                # Every call is a bucket of its own: now and then the old ones go.
                if secrets.randbelow(SWEEP_ONE_IN) == 0:
                    ratelimit.sweep(session, WECHAT_CALL_ONCE)
        except ratelimit.RateLimited:
            return False
        return True

    # Routes are matched in order: the providers' callbacks and WeChat's messages, the
    # busiest, are tried first.
    app.include_router(pay.routes)
    app.include_router(wechat.router(wechat.MessageEndpoint(settings, on_follow, first_seen)))
    app.include_router(h5.routes)
    app.include_router(staff.routes)
    app.include_router(kept.routes)

    @app.get("/healthz")
    @app.get("/health")
    def healthz() -> Response:
        try:
            with engine.connect() as conn:
                conn.execute(text("select 1"))
        except SQLAlchemyError as exc:
            log.error("healthz: database unreachable: %s", exc)
            return PlainTextResponse("database unreachable", status_code=503, headers=RETRY_LATER)
        return PlainTextResponse("ok")

    @app.exception_handler(SignInFirst)
    def sign_in_first(request: Request, exc: SignInFirst) -> Response:
        return redirect(exc.target)

    @app.exception_handler(CsrfFailed)
    def csrf_failed(request: Request, exc: CsrfFailed) -> Response:
        return render(request, "error.html", 400, error="页面已过期，请返回上一页刷新后重新提交")

    @app.exception_handler(HTTPException)
    async def http_error(request: Request, exc: HTTPException) -> Response:
        if not _browser(request):
            return await http_exception_handler(request, exc)
        if exc.status_code == 404:
            return render(
                request, "error.html", 404, heading="404 页面不存在",
                hint="您要找的页面不存在或已移走。", home=_home(request),
            )  # fmt: skip
        return render(
            request, "error.html", exc.status_code, heading=f"{exc.status_code} 请求无法处理",
            hint="请从首页重新进入。", home=_home(request),
        )  # fmt: skip

    @app.exception_handler(RequestValidationError)
    async def invalid_request(request: Request, exc: RequestValidationError) -> Response:
        if not _browser(request):
            return await request_validation_exception_handler(request, exc)
        return render(
            request, "error.html", 400, heading="请求有误", error=bad_parameters(exc),
            hint="请返回上一页，或从首页重新进入。", home=_home(request),
        )  # fmt: skip

    @app.exception_handler(DomainError)
    def refused(request: Request, exc: DomainError) -> Response:
        status = refusal_status(exc)
        if not _browser(request):
            return JSONResponse({"detail": str(exc)}, status_code=status)
        return render(request, "error.html", status, error=str(exc), home=_home(request))

    # Innermost, so its answers carry the session (a page's CSRF token) like any other.
    app.add_middleware(CatchAll)
    app.add_middleware(
        SessionMiddleware,
        secret_key=settings.secret_key,
        session_cookie="md_session",
        max_age=SESSION_DAYS * 24 * 3600,
        same_site="lax",
        https_only=settings.cookie_secure,
    )
    app.add_middleware(BodyLimit)
    app.state.engine = engine
    return app


def app_from_environment() -> FastAPI:
    """For each worker process of `meterdesk serve`: settings and database from the
    environment the command prepared (MD_HOME, DATABASE_URL, MD_COMPANION_*)."""
    settings = load_settings()
    companion = CompanionSettings.from_settings(settings)
    pool = settings.get("database", "pool_size")
    replica_url, replica_max_lag = replica_settings(settings)
    return create_app(
        companion,
        database_url(settings),
        pool_size=int(pool) if pool.isdigit() else 10,
        replica_url=replica_url,
        replica_max_lag=replica_max_lag,
    )
