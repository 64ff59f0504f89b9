"""Field staff pages (/staff/): sign-in, 现场抄录 with a photo, 抄表日志, 我的任务, 新装换装,
个人信息."""

from __future__ import annotations

import re
import secrets
import time
from datetime import date, timedelta
from typing import Annotated

from fastapi import APIRouter, File, Form, Request, UploadFile
from fastapi.responses import JSONResponse, Response

from server.companion import signed_in, wechat_api
from server.companion.kept import form_photo, keep, read_upload, remember
from server.companion.signed_in import SignedStaff
from server.companion.web import (
    check_csrf,
    client_ip,
    local_time,
    md,
    redirect,
    render,
    safe_next,
    uow,
)
from server.services.accounts import accounts
from server.services.core import ratelimit
from server.services.core.calendar import BUSINESS_TZ, now
from server.services.core.errors import DomainError
from server.services.core.photos import photo_bytes, store_photo
from server.services.core.position import Position
from server.services.core.ratelimit import Limit
from server.services.metering import field_installs, field_readings, meter_registry
from server.services.metering.meter_registry import active_kinds
from server.services.metering.review_desk import building_choices
from server.services.residents import portal, service_requests, wechat_users
from server.services.residents.bindings import BoundAccount
from server.services.staff import own_profile, sign_in, web_sessions
from server.services.staff.sign_in import StaffIdentity

routes = APIRouter(prefix="/staff")

EARLIER_POSITION = re.compile(r"（定位 [^）]*）$")
# A task's result is a handful of site photos, not an album.
MAX_TASK_PHOTOS = 4
STAFF_LOGIN_PER_IP = Limit(
    "staff-login:ip", 20, timedelta(minutes=15), "登录尝试过多，请 15 分钟后再试"
)
# The web's own limit per login, in place of the counter's lockout (which the web neither
# triggers nor resets): guessing from many addresses stops here, and the clerk can still
# sign in at the counter.
STAFF_LOGIN_PER_LOGIN = Limit(
    "staff-login:login", 10, timedelta(minutes=15),
    "该账号网页登录尝试过多，请 15 分钟后再试（柜台电脑登录不受影响）",
)  # fmt: skip


@routes.get("/login")
def login_form(request: Request, next: str = "/staff/") -> Response:
    return render(request, "staff/login.html", next=safe_next(next, "/staff/"))


@routes.post("/login")
def login(
    request: Request,
    login: str = Form(""),
    password: str = Form(""),
    next: str = Form("/staff/"),
    csrf_token: str = Form(""),
) -> Response:
    check_csrf(request, csrf_token)
    try:
        with uow(request) as session:
            ratelimit.hit(session, STAFF_LOGIN_PER_IP, client_ip(request))
            ratelimit.hit(session, STAFF_LOGIN_PER_LOGIN, login.strip().lower())
    except DomainError as exc:
        return render(request, "staff/login.html", 429, error=str(exc), next=next, login=login)
    with uow(request) as session:
        result = sign_in.sign_in(session, login, password, web=True)
    if result.identity is None:
        return render(request, "staff/login.html", 400, error=result.error, next=next, login=login)
    with uow(request) as session:
        token = web_sessions.start(session, result.identity, client_ip(request))
    request.session.clear()
    request.session[signed_in.STAFF_SESSION_KEY] = token
    return redirect(safe_next(next, "/staff/"))


@routes.post("/logout")
def logout(request: Request, csrf_token: str = Form("")) -> Response:
    check_csrf(request, csrf_token)
    token = request.session.get(signed_in.STAFF_SESSION_KEY)
    if isinstance(token, str):
        # Ended on the server: a copy of the cookie taken before opens nothing.
        with uow(request) as session:
            web_sessions.end(session, token)
    request.session.clear()
    return redirect("/staff/login")


@routes.get("/")
def home(request: Request, staff: SignedStaff) -> Response:
    return render(request, "staff/home.html", staff=staff)


@routes.get("/readings/new")
def reading_form(request: Request, staff: SignedStaff, meter_no: str = "") -> Response:
    return render(request, "staff/reading_form.html", staff=staff, meter_no=meter_no)


def _confirmation(meter_no: str, value: str) -> str:
    """What 确认保存 carries: the figure it confirms, so an edited figure is judged anew."""
    return f"{meter_no.strip()}|{value.strip()}"


@routes.post("/readings")
def submit_reading(
    request: Request,
    staff: SignedStaff,
    meter_no: str = Form(""),
    value: str = Form(""),
    note: str = Form(""),
    photo: Annotated[UploadFile | None, File()] = None,
    photo_kept: str = Form(""),
    confirm_for: str = Form(""),
    latitude: str = Form(""),
    longitude: str = Form(""),
    csrf_token: str = Form(""),
) -> Response:
    check_csrf(request, csrf_token)
    picture = form_photo(request, photo, photo_kept)
    typed = {"meter_no": meter_no, "value": value, "note": note}
    try:
        # The phone's position goes with the reading in its note, as evidence of the site.
        position = Position.parse(latitude, longitude)
        noted = f"{note.strip()} 定位 {position}".strip() if position else note
        with uow(request) as session:
            result = field_readings.field_reading(
                session, staff, meter_no, value, picture.data, noted,
                surge_confirmed=confirm_for == _confirmation(meter_no, value),
            )  # fmt: skip
    except DomainError as exc:
        return render(
            request, "staff/reading_form.html", 400, staff=staff, error=str(exc),
            photo_kept=keep(request, picture, "表盘照片"), **typed,
        )  # fmt: skip
    if isinstance(result, field_readings.SurgeToConfirm):
        return render(
            request, "staff/reading_form.html", 200, staff=staff, surge=result,
            confirm_for=_confirmation(meter_no, value),
            photo_kept=remember(request, result.photo_id) if picture.fresh else picture.kept,
            **typed,
        )  # fmt: skip
    return render(request, "staff/reading_form.html", staff=staff, result=result)


@routes.get("/log")
def reading_log(request: Request, staff: SignedStaff, day: str = "") -> Response:
    """抄表日志 of any day (today unless asked), with the month's round day by day."""
    today = now().astimezone(BUSINESS_TZ).date()
    try:
        wanted = date.fromisoformat(day) if day else today
    except ValueError:
        wanted = today
    with uow(request) as session:
        log = field_readings.reading_log(session, staff.staff_id, wanted)
        history = field_readings.round_history(session, staff.staff_id, wanted)
    return render(
        request, "staff/log.html", staff=staff, log=log, history=history, today=today,
        previous=wanted - timedelta(days=1), following=wanted + timedelta(days=1),
    )  # fmt: skip


def _tasks(
    request: Request, staff: StaffIdentity, status_code: int = 200, **values: object
) -> Response:
    with uow(request) as session:
        rows = service_requests.assigned_requests(session, staff.staff_id)
        photos = service_requests.task_photo_ids(session, staff.staff_id)
    return render(
        request, "staff/tasks.html", status_code, staff=staff, rows=rows, photos=photos, **values
    )


@routes.get("/tasks")
def tasks(request: Request, staff: SignedStaff) -> Response:
    """我的任务: the requests the desk assigned to this worker, 上门预约 with their slot."""
    return _tasks(request, staff)


@routes.post("/tasks/{request_id}/complete")
def complete_task(
    request: Request,
    staff: SignedStaff,
    request_id: int,
    note: str = Form(""),
    photos: Annotated[list[UploadFile] | None, File()] = None,
    latitude: str = Form(""),
    longitude: str = Form(""),
    csrf_token: str = Form(""),
) -> Response:
    """完成: the worker's note, site photos (re-encoded like every upload) and position."""
    check_csrf(request, csrf_token)
    uploads = [data for data in (read_upload(u) for u in photos or []) if data]
    try:
        if len(uploads) > MAX_TASK_PHOTOS:
            raise DomainError(f"现场照片最多 {MAX_TASK_PHOTOS} 张")
        position = Position.parse(latitude, longitude)
        with uow(request) as session:
            photo_ids = [store_photo(session, data, "现场照片").photo_id for data in uploads]
            service_requests.complete_task(
                session, staff.staff_id, staff.actor, request_id, note, photo_ids, position
            )
    except DomainError as exc:
        return _tasks(request, staff, 400, error=str(exc), failed=request_id, note=note)
    return _tasks(request, staff, message=f"任务 {request_id} 已完成，处理情况已告知中心")


@routes.get("/photos/{photo_id}")
def task_photo(request: Request, staff: SignedStaff, photo_id: int) -> Response:
    """A photo of one of the worker's tasks (the resident's or their own), full size."""
    with uow(request) as session:
        if not service_requests.may_see_photo(session, staff.staff_id, photo_id):
            return Response(status_code=404)
        data = photo_bytes(session, photo_id)
    return Response(data, media_type="image/jpeg", headers={"Cache-Control": "private"})


def _profile(
    request: Request, staff: StaffIdentity, status_code: int = 200, **values: object
) -> Response:
    with uow(request) as session:
        profile = own_profile.my_profile(session, staff.actor)
    return render(
        request, "staff/profile.html", status_code, staff=staff, profile=profile, **values
    )


@routes.get("/profile")
def profile(request: Request, staff: SignedStaff) -> Response:
    """个人信息 as the desktop shows it; contact details and password are one's own to change."""
    return _profile(request, staff)


@routes.post("/profile")
def save_profile(
    request: Request,
    staff: SignedStaff,
    mobile: str = Form(""),
    office_phone: str = Form(""),
    email: str = Form(""),
    wechat: str = Form(""),
    csrf_token: str = Form(""),
) -> Response:
    check_csrf(request, csrf_token)
    changes = own_profile.ProfileChanges(mobile, office_phone, email, wechat)
    try:
        with uow(request) as session:
            own_profile.update_profile(session, staff.actor, changes)
    except DomainError as exc:
        return _profile(request, staff, 400, error=str(exc))
    return _profile(request, staff, message="联系方式已保存")


@routes.get("/wechat")
def bind_wechat(request: Request, staff: SignedStaff) -> Response:
    """绑定微信: WeChat's OAuth (inside WeChat, silent) names the follower to tell of tasks."""
    settings = md(request).settings
    state = secrets.token_urlsafe(16)
    request.session["staff_oauth_state"] = state
    site = settings.base_url or str(request.base_url).rstrip("/")
    return redirect(wechat_api.authorize_url(settings, f"{site}/staff/wechat/bound", state))


@routes.get("/wechat/bound")
def wechat_bound(request: Request, staff: SignedStaff, code: str = "", state: str = "") -> Response:
    expected = request.session.pop("staff_oauth_state", None)
    if not code or not expected or not secrets.compare_digest(str(expected), state):
        return _profile(request, staff, 400, error="授权已失效，请重新点击绑定微信")
    try:
        openid = wechat_api.openid_for_code(md(request).settings, code)
        with uow(request) as session:
            user = wechat_users.follower(session, openid)
            own_profile.bind_wechat(session, staff.actor, user.user_id)
    except (wechat_api.WechatApiError, DomainError) as exc:
        return _profile(request, staff, 400, error=str(exc))
    return _profile(request, staff, message="已绑定微信，分派给您的任务将通过公众号通知")


@routes.post("/password")
def change_password(
    request: Request,
    staff: SignedStaff,
    old_password: str = Form(""),
    new_password: str = Form(""),
    new_password_again: str = Form(""),
    csrf_token: str = Form(""),
) -> Response:
    check_csrf(request, csrf_token)
    try:
        if new_password != new_password_again:
            raise DomainError("两次输入的新密码不一致")
        with uow(request) as session:
            own_profile.change_password(session, staff.actor, old_password, new_password)
    except DomainError as exc:
        return _profile(request, staff, 400, error=str(exc))
    # The new password ends every session started under the old one, this one too: the
    # person who just proved the old password carries on in a new one.
    with uow(request) as session:
        request.session[signed_in.STAFF_SESSION_KEY] = web_sessions.start(
            session, staff, client_ip(request)
        )
    return _profile(request, staff, message="密码已修改")


@routes.get("/faults/new")
def fault_form(request: Request, staff: SignedStaff) -> Response:
    return render(
        request, "staff/fault_form.html", staff=staff, topics=service_requests.TOPICS["fault"]
    )


@routes.post("/faults")
def submit_fault(
    request: Request,
    staff: SignedStaff,
    topic: str = Form(""),
    place: str = Form(""),
    description: str = Form(""),
    photo: Annotated[UploadFile | None, File()] = None,
    photo_kept: str = Form(""),
    csrf_token: str = Form(""),
) -> Response:
    """故障上报: what a field worker found on the round, with a photo, for the desk's queue."""
    check_csrf(request, csrf_token)
    picture = form_photo(request, photo, photo_kept)
    spec = service_requests.RequestSpec("fault", topic, description, place)
    try:
        # The form before the picture: a wrong field is answered without opening it.
        service_requests.check_request(spec, now().astimezone(BUSINESS_TZ).date())
        with uow(request) as session:
            if not picture.data:
                raise DomainError("请拍摄故障照片")
            photo_id = store_photo(session, picture.data, "故障照片").photo_id
            request_id = service_requests.raise_request(
                session, staff.actor, spec, photo_id=photo_id
            )
            due = next(
                r.due_at
                for r in service_requests.request_queue(session)
                if r.request_id == request_id
            )
    except DomainError as exc:
        return render(
            request,
            "staff/fault_form.html",
            400,
            staff=staff,
            topics=service_requests.TOPICS["fault"],
            error=str(exc),
            topic=topic,
            place=place,
            description=description,
            photo_kept=keep(request, picture, "故障照片"),
        )
    return render(
        request,
        "staff/fault_form.html",
        staff=staff,
        topics=service_requests.TOPICS["fault"],
        message=f"已上报（编号 {request_id}），中心将在 {local_time(due, '%m-%d %H:%M')} 前处理",
    )


def _install_form(
    request: Request, staff: StaffIdentity, status_code: int = 200, **values: object
) -> Response:
    with uow(request) as session:
        buildings = building_choices(session)
    return render(
        request, "staff/install_form.html", status_code, staff=staff, buildings=buildings,
        kinds=active_kinds(), **values,
    )  # fmt: skip


@routes.get("/install")
def install_form(request: Request, staff: SignedStaff) -> Response:
    return _install_form(request, staff, kind="replace")


@routes.post("/install")
def submit_install(
    request: Request,
    staff: SignedStaff,
    kind: str = Form(""),
    old_meter_no: str = Form(""),
    old_final: str = Form(""),
    old_photo: Annotated[UploadFile | None, File()] = None,
    old_photo_kept: str = Form(""),
    new_meter_no: str = Form(""),
    new_kind: str = Form(""),
    digits: str = Form(""),
    multiplier: str = Form("1"),
    new_initial: str = Form(""),
    new_photo: Annotated[UploadFile | None, File()] = None,
    new_photo_kept: str = Form(""),
    account_no: str = Form(""),
    building_id: str = Form(""),
    location: str = Form(""),
    note: str = Form(""),
    csrf_token: str = Form(""),
) -> Response:
    """新装换装 seen on site, with the dials' photos, for the desk to confirm."""
    check_csrf(request, csrf_token)
    typed = {
        "kind": kind, "old_meter_no": old_meter_no, "old_final": old_final,
        "new_meter_no": new_meter_no, "new_kind": new_kind, "digits": digits,
        "multiplier": multiplier, "new_initial": new_initial, "account_no": account_no,
        "building_id": building_id, "location": location, "note": note,
    }  # fmt: skip
    old_picture = form_photo(request, old_photo, old_photo_kept)
    new_picture = form_photo(request, new_photo, new_photo_kept)
    spec = field_installs.InstallSpec(
        kind=kind,
        new_meter_no=new_meter_no,
        digits=digits,
        new_initial=new_initial,
        new_photo=new_picture.data,
        new_kind=new_kind,
        multiplier=multiplier or "1",
        old_meter_no=old_meter_no,
        old_final=old_final,
        old_photo=old_picture.data,
        account_no=account_no,
        building_id=int(building_id) if building_id.isdigit() else None,
        location=location,
        note=note,
    )
    try:
        with uow(request) as session:
            result = field_installs.report_install(session, staff.actor, spec)
    except DomainError as exc:
        return _install_form(
            request, staff, 400, error=str(exc), **typed,
            old_photo_kept=keep(request, old_picture, "旧表照片"),
            new_photo_kept=keep(request, new_picture, "新表照片"),
        )  # fmt: skip
    label = field_installs.INSTALL_KIND_LABELS[result.kind]
    message = f"已上报{label}（编号 {result.install_id}，新表 {result.new_meter_no}），待中心确认"
    return _install_form(request, staff, kind=kind, result=result, message=message)


@routes.get("/usage")
def usage(request: Request, staff: SignedStaff, q: str = "") -> Response:
    """用能查询: an account's last 12 months by 户号, meter number (scanned) or name."""
    hits: list[accounts.AccountHit] = []
    overview = None
    if q.strip():
        with uow(request) as session:
            hits = accounts.search_accounts(session, q, limit=20)
            if len(hits) == 1:
                hit = hits[0]
                overview = portal.usage_overview(
                    session,
                    BoundAccount(
                        hit.account_id,
                        hit.account_no,
                        hit.holder_name,
                        hit.address,
                        hit.customer_class,
                    ),
                    now().astimezone(BUSINESS_TZ).date(),
                )
    return render(request, "staff/usage.html", staff=staff, q=q, hits=hits, overview=overview)


@routes.get("/meters")
def meter_check(request: Request, staff: SignedStaff, meter_no: str = "") -> Response:
    """表计核对: what the registry says of a meter (scanned or typed), to compare on site."""
    meter = None
    error = ""
    if meter_no.strip():
        with uow(request) as session:
            try:
                meter = meter_registry.meter_row(session, meter_no)
            except DomainError as exc:
                error = str(exc)
    return render(
        request, "staff/meter.html", staff=staff, meter=meter, meter_no=meter_no, error=error
    )


@routes.post("/meters/location")
def mark_location(
    request: Request,
    staff: SignedStaff,
    meter_no: str = Form(""),
    location: str = Form(""),
    latitude: str = Form(""),
    longitude: str = Form(""),
    csrf_token: str = Form(""),
) -> Response:
    """Location marking: where the meter hangs, as the reader found it, and where the
    phone was when they marked it."""
    check_csrf(request, csrf_token)
    try:
        position = Position.parse(latitude, longitude)
        if position:
            # A new position replaces the one marked before, which the form sent back.
            location = f"{EARLIER_POSITION.sub('', location.strip())}（定位 {position}）"
        with uow(request) as session:
            meter = meter_registry.set_location(session, staff.actor, meter_no, location)
    except DomainError as exc:
        return render(
            request, "staff/meter.html", 400, staff=staff, meter=None, meter_no=meter_no,
            error=str(exc),
        )  # fmt: skip
    return render(
        request, "staff/meter.html", staff=staff, meter=meter, meter_no=meter_no,
        message="位置已更新",
    )  # fmt: skip


@routes.get("/jssdk")
def jssdk_config(request: Request, url: str = "") -> Response:
    """wx.config for a staff page opened in WeChat, so it can use the barcode scanner."""
    staff = signed_in.staff(request)
    if staff is None:
        return JSONResponse({"error": "请先登录"}, status_code=401)
    page = url.split("#", 1)[0]
    site = md(request).settings.base_url or str(request.base_url).rstrip("/")
    if not page.startswith(f"{site}/staff/"):
        return JSONResponse({"error": "只能为本站内部业务页面签名"}, status_code=400)
    settings = md(request).settings
    try:
        with uow(request) as session:
            ticket = wechat_api.jsapi_ticket(session, settings)
    except wechat_api.WechatApiError as exc:
        return JSONResponse({"error": str(exc)}, status_code=502)
    nonce, timestamp = secrets.token_hex(8), str(int(time.time()))
    return JSONResponse(
        {
            "appId": settings.app_id,
            "timestamp": timestamp,
            "nonceStr": nonce,
            "signature": wechat_api.jssdk_signature(ticket, nonce, timestamp, page),
        }
    )
