"""Resident pages (/h5/): login through WeChat OAuth, registration, 户号绑定, 用量查询,
电子缴款通知单, 账户明细, 自助抄表, service requests and notices."""

from __future__ import annotations

import secrets
from datetime import date, timedelta
from decimal import Decimal
from typing import Annotated, Any

from fastapi import APIRouter, File, Form, Request, UploadFile
from fastapi.responses import Response
from markupsafe import Markup

from server.companion import wechat_api
from server.companion.kept import form_photo, keep
from server.companion.signed_in import SignedResident, SignedResidentId
from server.companion.web import (
    check_csrf,
    client_ip,
    md,
    read_uow,
    redirect,
    render,
    safe_next,
    uow,
)
from server.companion.wechat_api import WechatApiError
from server.services.collection.statements import account_statement
from server.services.core import ratelimit
from server.services.core.calendar import BUSINESS_TZ, Period, now
from server.services.core.errors import DomainError
from server.services.core.photos import store_photo
from server.services.core.ratelimit import Limit
from server.services.residents import bindings, bulletins, portal, service_requests, wechat_users
from server.services.residents.wechat_users import Resident

routes = APIRouter(prefix="/h5")

# Campus networks put many residents behind one address: generous, but a bound.
LOGIN_PER_IP = Limit("login:ip", 200, timedelta(minutes=10), "登录过于频繁，请稍后再试")
REQUESTS_PER_USER = Limit("request:user", 20, timedelta(days=1), "今天提交的诉求过多，请明天再试")
CHART_HEIGHT = 120


def _site(request: Request) -> str:
    return md(request).settings.base_url or str(request.base_url).rstrip("/")


def _today() -> date:
    return now().astimezone(BUSINESS_TZ).date()


def _sign_in(request: Request, openid: str) -> Response:
    with uow(request) as session:
        ratelimit.hit(session, LOGIN_PER_IP, client_ip(request))
    with uow(request) as session:
        user = wechat_users.follower(session, openid)
    target = safe_next(request.session.pop("next", "/h5/"), "/h5/")
    request.session.clear()
    request.session["uid"] = user.user_id
    return redirect(target)


@routes.get("/login")
def login(request: Request, next: str = "/h5/") -> Response:
    settings = md(request).settings
    state = secrets.token_urlsafe(16)
    request.session["oauth_state"] = state
    request.session["next"] = safe_next(next, "/h5/")
    oauth = wechat_api.authorize_url(settings, _site(request) + "/h5/oauth", state)
    if settings.dev_login:
        return render(request, "h5/login.html", oauth_url=oauth)
    return redirect(oauth)


@routes.get("/oauth")
def oauth_return(request: Request, code: str = "", state: str = "") -> Response:
    expected = request.session.pop("oauth_state", None)
    if not code or not expected or not secrets.compare_digest(str(expected), state):
        return render(request, "error.html", 400, error="授权已失效，请从公众号菜单重新进入")
    try:
        openid = wechat_api.openid_for_code(md(request).settings, code)
    except WechatApiError as exc:
        return render(request, "error.html", 502, error=str(exc))
    return _sign_in(request, openid)


@routes.post("/dev-login")
def dev_login(request: Request, openid: str = Form(""), csrf_token: str = Form("")) -> Response:
    if not md(request).settings.dev_login:
        return Response(status_code=404)
    check_csrf(request, csrf_token)
    return _sign_in(request, openid)


@routes.get("/")
def home(request: Request, resident: SignedResident) -> Response:
    with uow(request) as session:
        accounts = bindings.bound_accounts(session, resident.user_id)
        latest = bulletins.notices(session, "outage", limit=3)
    return render(request, "h5/home.html", resident=resident, accounts=accounts, latest=latest)


# --- registration ------------------------------------------------------------------------


@routes.get("/register")
def register_form(request: Request, resident: SignedResident) -> Response:
    return render(request, "h5/register.html", resident=resident, phone=resident.phone)


@routes.post("/register/code")
def register_code(
    request: Request, resident: SignedResident, phone: str = Form(""), csrf_token: str = Form("")
) -> Response:
    check_csrf(request, csrf_token)
    try:
        with uow(request) as session:
            wechat_users.send_code(
                session, resident.user_id, phone, md(request).sms, client_ip(request)
            )
    except DomainError as exc:
        return render(
            request, "h5/register.html", 400, resident=resident, phone=phone, error=str(exc)
        )
    return render(
        request,
        "h5/register.html",
        resident=resident,
        phone=phone,
        message="验证码已发送，5 分钟内有效",
    )


@routes.post("/register")
def register(
    request: Request,
    resident: SignedResident,
    phone: str = Form(""),
    code: str = Form(""),
    csrf_token: str = Form(""),
) -> Response:
    check_csrf(request, csrf_token)
    with uow(request) as session:
        refused = wechat_users.register_phone(session, resident.user_id, phone, code)
    if refused:
        return render(
            request, "h5/register.html", 400, resident=resident, phone=phone, error=refused
        )
    return redirect("/h5/bindings?registered=1")


# --- 户号绑定 --------------------------------------------------------------------------------


def _bindings_page(
    request: Request, resident: Resident, status: int = 200, **extra: Any
) -> Response:
    with uow(request) as session:
        rows = bindings.my_bindings(session, resident.user_id)
    return render(request, "h5/bindings.html", status, resident=resident, rows=rows, **extra)


@routes.get("/bindings")
def bindings_page(request: Request, resident: SignedResident, registered: str = "") -> Response:
    message = "注册成功，现在可以绑定户号" if registered else ""
    return _bindings_page(request, resident, message=message)


@routes.post("/bindings")
def bind(
    request: Request,
    resident: SignedResident,
    account_no: str = Form(""),
    claim: str = Form(""),
    csrf_token: str = Form(""),
) -> Response:
    check_csrf(request, csrf_token)
    try:
        with uow(request) as session:
            answer = bindings.request_binding(
                session, resident.user_id, account_no, claim, client_ip(request)
            )
    except DomainError as exc:
        return _bindings_page(
            request, resident, 400, error=str(exc), account_no=account_no, claim=claim
        )
    return _bindings_page(request, resident, message=answer)


@routes.post("/bindings/{binding_id}/unbind")
def unbind(
    request: Request, resident: SignedResident, binding_id: int, csrf_token: str = Form("")
) -> Response:
    check_csrf(request, csrf_token)
    try:
        with uow(request) as session:
            bindings.unbind(session, resident.user_id, binding_id)
    except DomainError as exc:
        return _bindings_page(request, resident, 400, error=str(exc))
    return _bindings_page(request, resident, message="已解绑")


# --- 用量查询 and 电子缴款通知单 -------------------------------------------------------------


def _chart(months: tuple[portal.MonthUsage, ...], kind: str, label: str, unit: str) -> Markup:
    """The 12 months as an inline SVG bar chart.

    Built here rather than in the template: every piece is a number or a fixed label, so it
    needs none of the per-value escaping that made this the page's slowest part.
    """
    values = [getattr(month, kind) for month in months]
    peak = max(values, default=Decimal(0))
    height = CHART_HEIGHT + 30
    parts = [
        f'<svg viewBox="0 0 316 {height}" width="100%" role="img" '
        f'aria-label="近 12 个月{label}（{unit}）">'
    ]
    for index, (month, value) in enumerate(zip(months, values, strict=True)):
        bar = int(value / peak * CHART_HEIGHT) if peak else 0
        x = index * 26 + 4
        parts.append(
            f'<rect x="{x}" y="{CHART_HEIGHT - bar + 14}" width="18" height="{bar}" '
            f'fill="#1677ff"><title>{month.period} {value:f} {unit}</title></rect>'
            f'<text x="{x + 9}" y="{height - 2}" text-anchor="middle">{month.period[5:]}</text>'
        )
    parts.append("</svg>")
    return Markup("".join(parts))


def _pick(
    accounts: list[bindings.BoundAccount], account: int | None
) -> bindings.BoundAccount | None:
    return next((a for a in accounts if a.account_id == account), accounts[0] if accounts else None)


@routes.get("/usage")
def usage(request: Request, user_id: SignedResidentId, account: int | None = None) -> Response:
    # The busiest page: one unit of work, queries by user id only.
    with read_uow(request) as session:
        accounts = bindings.bound_accounts(session, user_id)
        chosen = _pick(accounts, account)
        if chosen is None:
            return render(request, "h5/need_binding.html", title="用量查询")
        overview = portal.usage_overview(session, chosen, _today())
    charts = [
        (label, unit, _chart(overview.months, kind, label, unit))
        for kind, label, unit in (("electricity", "用电量", "kWh"), ("water", "用水量", "m³"))
    ]
    return render(
        request, "h5/usage.html", accounts=accounts, chosen=chosen, overview=overview, charts=charts
    )


@routes.get("/bills")
def bills(request: Request, user_id: SignedResidentId, account: int | None = None) -> Response:
    with uow(request) as session:
        accounts = bindings.bound_accounts(session, user_id)
        chosen = _pick(accounts, account)
        if chosen is None:
            return render(request, "h5/need_binding.html", title="电子缴款通知单")
        notice = portal.payment_notice(session, chosen, _today())
    return render(request, "h5/bills.html", accounts=accounts, chosen=chosen, notice=notice)


@routes.get("/statement")
def statement(
    request: Request, user_id: SignedResidentId, account: int | None = None, span: str = "year"
) -> Response:
    """账户明细 of a bound account: the last twelve months (the earlier ones in the opening
    balance), or everything with `span=all`."""
    with read_uow(request) as session:
        accounts = bindings.bound_accounts(session, user_id)
        chosen = _pick(accounts, account)
        if chosen is None:
            return render(request, "h5/need_binding.html", title="账户明细")
        start = None if span == "all" else Period.of(_today()).shift(-11).first_day
        shown = account_statement(session, chosen.account_no, start)
    return render(
        request, "h5/statement.html", accounts=accounts, chosen=chosen, statement=shown,
        span="all" if start is None else "year",
    )  # fmt: skip


# --- 自助抄表 ----------------------------------------------------------------------------------


def _reading_form(
    request: Request, resident: Resident, status: int = 200, **extra: Any
) -> Response:
    with uow(request) as session:
        meters = portal.bound_meters(session, resident.user_id)
    if not meters:
        return render(request, "h5/need_binding.html", resident=resident, title="自助抄表")
    return render(
        request, "h5/reading_form.html", status, resident=resident, meters=meters, **extra
    )


@routes.get("/readings/new")
def reading_form(request: Request, resident: SignedResident) -> Response:
    return _reading_form(request, resident)


@routes.post("/readings")
def submit_reading(
    request: Request,
    resident: SignedResident,
    meter_no: str = Form(""),
    value: str = Form(""),
    photo: Annotated[UploadFile | None, File()] = None,
    photo_kept: str = Form(""),
    csrf_token: str = Form(""),
) -> Response:
    check_csrf(request, csrf_token)
    picture = form_photo(request, photo, photo_kept)
    try:
        with uow(request) as session:
            result = portal.self_read(session, resident, meter_no, value, picture.data)
    except DomainError as exc:
        return _reading_form(
            request, resident, 400, error=str(exc), meter_no=meter_no, value=value,
            photo_kept=keep(request, picture, "表盘照片"),
        )  # fmt: skip
    return render(request, "h5/reading_done.html", resident=resident, result=result)


# --- service requests --------------------------------------------------------------------


@routes.get("/requests")
def my_requests(request: Request, resident: SignedResident) -> Response:
    with uow(request) as session:
        rows = service_requests.my_requests(session, resident.user_id)
    return render(request, "h5/requests.html", resident=resident, rows=rows)


def _request_form(
    request: Request, resident: Resident, kind: str, status: int = 200, **extra: Any
) -> Response:
    if kind not in service_requests.KIND_LABELS or kind == "fault":
        kind = "service"
    return render(
        request,
        "h5/request_form.html",
        status,
        resident=resident,
        kind=kind,
        kinds={k: v for k, v in service_requests.KIND_LABELS.items() if k != "fault"},
        topics=service_requests.TOPICS[kind],
        slots=service_requests.SLOTS,
        **extra,
    )


@routes.get("/requests/new")
def request_form(request: Request, resident: SignedResident, kind: str = "service") -> Response:
    if not resident.registered:
        return redirect("/h5/register")
    return _request_form(request, resident, kind, phone=resident.phone)


@routes.post("/requests")
def submit_request(
    request: Request,
    resident: SignedResident,
    kind: str = Form(""),
    topic: str = Form(""),
    description: str = Form(""),
    place: str = Form(""),
    phone: str = Form(""),
    slot_date: str = Form(""),
    slot_time: str = Form(""),
    photo: Annotated[UploadFile | None, File()] = None,
    photo_kept: str = Form(""),
    csrf_token: str = Form(""),
) -> Response:
    check_csrf(request, csrf_token)
    slot = f"{slot_date} {slot_time}".strip() if kind == "visit" else ""
    spec = service_requests.RequestSpec(kind, topic, description, place, phone, slot)
    picture = form_photo(request, photo, photo_kept)
    try:
        if not resident.registered:
            raise DomainError("请先用手机号完成注册")
        # The form before the picture, and the attempt counted in a unit of work of its own
        # before the picture is opened: a refused upload still uses one of the day's.
        service_requests.check_request(spec, now().astimezone(BUSINESS_TZ).date())
        with uow(request) as session:
            ratelimit.hit(session, REQUESTS_PER_USER, str(resident.user_id))
        with uow(request) as session:
            photo_id = None
            if picture.data:
                photo_id = store_photo(session, picture.data, "照片").photo_id
            request_id = service_requests.raise_request(
                session, resident.actor, spec, wechat_user_id=resident.user_id, photo_id=photo_id
            )
            row = next(
                r
                for r in service_requests.my_requests(session, resident.user_id)
                if r.request_id == request_id
            )
    except DomainError as exc:
        return _request_form(
            request,
            resident,
            kind,
            400,
            error=str(exc),
            topic=topic,
            description=description,
            place=place,
            phone=phone,
            slot_date=slot_date,
            slot_time=slot_time,
            photo_kept=keep(request, picture, "照片"),
        )
    return render(request, "h5/request_done.html", resident=resident, row=row)


# --- notices -----------------------------------------------------------------------------


@routes.get("/notices")
def notice_list(request: Request, kind: str = "") -> Response:
    with read_uow(request) as session:
        rows = bulletins.notices(session, kind if kind in bulletins.KIND_LABELS else None)
    return render(request, "h5/notices.html", rows=rows, kind=kind, kinds=bulletins.KIND_LABELS)


@routes.get("/notices/{notice_id}")
def notice_page(request: Request, notice_id: int) -> Response:
    with read_uow(request) as session:
        item = bulletins.notice(session, notice_id)
    return render(request, "h5/notice.html", item=item)
