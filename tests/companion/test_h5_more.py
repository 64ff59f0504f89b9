"""More resident and staff pages in the mobile browser: 上门预约 with a time slot, 节能先锋
with a photo, notices, 故障上报, the development login, and the upload cap."""

from __future__ import annotations

import hashlib
import re
from dataclasses import replace
from datetime import timedelta

import requests
from sqlalchemy import text

from server.db.engine import unit_of_work
from server.services.core.audit import Actor
from server.services.core.calendar import BUSINESS_TZ, now
from server.services.residents import bulletins, wechat_users
from server.services.residents.sms import ConsoleSender
from server.services.staff.org import add_staff_with_role
from tests.companion.support import APP_ID, JSAPI_TICKET, start_live
from tests.companion.test_h5_browser import png, sign_in_through_wechat


def register(live, openid: str, phone_no: str) -> None:
    sms = ConsoleSender()
    with unit_of_work(live.sessions) as session:
        user = wechat_users.follower(session, openid).user_id
        wechat_users.send_code(session, user, phone_no, sms, "10.9.9.9")
        code = sms.sent[-1][1].split("验证码 ")[1][:6]
        assert wechat_users.register_phone(session, user, phone_no, code) == ""


def test_visit_booking_and_energy_report_with_a_photo(phone, live, standin, tmp_path):
    sign_in_through_wechat(phone, live, standin, "o-visit")
    register(live, "o-visit", "13800000061")

    phone.goto(f"{live.url}/h5/requests/new?kind=visit")
    phone.select_option("#topic", "退房结算")
    day = (now().astimezone(BUSINESS_TZ).date() + timedelta(days=3)).isoformat()
    phone.fill("#slot_date", day)
    phone.select_option("#slot_time", "下午 14:30–17:00")
    phone.fill("#place", "东校区 1号楼 2单元 301")
    phone.fill("#description", "月底退房，请上门抄表结算。")
    phone.get_by_role("button", name="提交").click()
    assert "上门预约已提交" in phone.locator("#result").inner_text()

    phone.goto(f"{live.url}/h5/requests/new?kind=energy")
    phone.select_option("#topic", "路灯不亮")
    phone.fill("#description", "图书馆北侧路灯整晚不亮。")
    phone.get_by_role("button", name="提交").click()
    assert "请填写地点" in phone.locator("[role=alert]").inner_text()
    assert phone.input_value("#description") == "图书馆北侧路灯整晚不亮。"
    phone.fill("#place", "图书馆北侧")
    phone.set_input_files("#photo", png(tmp_path, "lamp.png", (2400, 1200)))
    phone.get_by_role("button", name="提交").click()
    assert "节能先锋已提交" in phone.locator("#result").inner_text()

    with live.sessions() as session:
        rows = session.execute(
            text(
                "select r.kind, r.topic, r.slot, r.place, p.mime, p.width, p.height"
                " from service_request r left join photo p on p.id = r.photo_id order by r.id"
            )
        ).all()
    # The photo is re-encoded to a JPEG no wider than 1600 px.
    assert rows == [
        (
            "visit",
            "退房结算",
            f"{day} 下午 14:30–17:00",
            "东校区 1号楼 2单元 301",
            None,
            None,
            None,
        ),
        ("energy", "路灯不亮", "", "图书馆北侧", "image/jpeg", 1600, 800),
    ]
    phone.goto(f"{live.url}/h5/requests")
    assert phone.locator("text=处理中").count() == 2


def test_notices_are_listed_and_shown(phone, live):
    with unit_of_work(live.sessions) as session:
        bulletins.publish_notice(
            session,
            Actor("desk"),
            "contact",
            "东校区分中心",
            "地址：东校区后勤楼 101\n电话：8888-1234",
        )
        tips = bulletins.publish_notice(
            session, Actor("desk"), "tips", "夏季节电小窍门", "空调设置 26 度。"
        )
    phone.goto(f"{live.url}/h5/notices?kind=tips")
    assert phone.locator("main .card a").all_inner_texts() == ["夏季节电小窍门"]
    phone.click("text=夏季节电小窍门")
    phone.wait_for_url(re.compile(rf".*/h5/notices/{tips.notice_id}$"))
    assert "空调设置 26 度。" in phone.content()
    phone.goto(f"{live.url}/h5/notices?kind=contact")
    phone.click("text=东校区分中心")
    assert "电话：8888-1234" in phone.locator("main").inner_text()


def test_field_worker_reports_a_fault_with_a_photo(phone, live, tmp_path):
    with unit_of_work(live.sessions) as session:
        add_staff_with_role(
            session, Actor("t"), login="reader2", name="周抄表", password="reader-pass-2",
            role="reader", branch_code=None,
        )  # fmt: skip
    phone.goto(f"{live.url}/staff/faults/new")
    phone.fill("#login", "reader2")
    phone.fill("#password", "reader-pass-2")
    phone.get_by_role("button", name="登录").click()
    phone.wait_for_url(re.compile(r".*/staff/faults/new"))
    phone.select_option("#topic", "管道漏水")
    phone.fill("#place", "3号楼地下室")
    phone.fill("#description", "水表前阀门渗水。")
    phone.set_input_files("#photo", png(tmp_path, "leak.png"))
    phone.get_by_role("button", name="上报").click()
    assert "已上报" in phone.locator("[role=status]").inner_text()
    with live.sessions() as session:
        row = session.execute(
            text(
                "select r.kind, s.login, r.photo_id is not null from service_request r"
                " join staff s on s.id = r.staff_id"
            )
        ).one()
    assert tuple(row) == ("fault", "reader2", True)


def test_development_login_only_when_switched_on(phone, fresh_database_url, companion_settings):
    live = start_live(replace(companion_settings, dev_login=True), fresh_database_url)
    try:
        phone.goto(f"{live.url}/h5/usage")
        phone.fill("#openid", "o-dev-user")
        phone.get_by_role("button", name="登录").click()
        phone.wait_for_url(re.compile(r".*/h5/usage$"))
        assert "还没有已审核通过的户号" in phone.content()
    finally:
        live.stop()


def test_uploads_over_the_cap_are_refused_before_parsing(live):
    body = b"x" * (12 * 1024 * 1024 + 1)
    response = requests.post(
        f"{live.url}/h5/readings",
        data=body,
        headers={"Content-Type": "multipart/form-data; boundary=zzz"},
        timeout=30,
    )
    assert response.status_code == 413 and "上限 12 MB" in response.text

    def chunks():
        # A well-formed start, so only the size can stop the parser.
        yield (
            b'--zzz\r\nContent-Disposition: form-data; name="photo"; filename="a.jpg"\r\n'
            b"Content-Type: image/jpeg\r\n\r\n"
        )
        for _ in range(13):
            yield b"y" * (1024 * 1024)

    streamed = requests.post(
        f"{live.url}/h5/readings",
        data=chunks(),
        headers={"Content-Type": "multipart/form-data; boundary=zzz"},
        timeout=30,
    )
    assert streamed.status_code == 413


FAKE_JSSDK = """
window.wx = {
  config: function (c) { window.__wxConfig = c; },
  ready: function (f) { f(); },
  scanQRCode: function (o) { o.success({resultStr: "CODE_128,E-SCANNED-1"}); }
};
"""


def test_the_scanner_inside_wechat(browser, live, standin):
    with unit_of_work(live.sessions) as session:
        add_staff_with_role(
            session, Actor("t"), login="reader3", name="吴抄表", password="reader-pass-3",
            role="reader", branch_code=None,
        )  # fmt: skip
    context = browser.new_context(
        viewport={"width": 390, "height": 844},
        is_mobile=True,
        user_agent="Mozilla/5.0 (iPhone) AppleWebKit/605.1.15 MicroMessenger/8.0.50 NetType/WIFI",
    )
    # WeChat's own script is not reachable from a test: a stand-in records what it is given.
    context.route(
        "https://res.wx.qq.com/**",
        lambda route: route.fulfill(body=FAKE_JSSDK, content_type="application/javascript"),
    )
    page = context.new_page()
    page.set_default_timeout(10_000)
    try:
        page.goto(f"{live.url}/staff/login?next=/staff/readings/new")
        page.fill("#login", "reader3")
        page.fill("#password", "reader-pass-3")
        page.get_by_role("button", name="登录").click()
        page.wait_for_url(re.compile(r".*/staff/readings/new"))
        page.get_by_role("button", name="扫码").click()
        assert page.input_value("#meter_no") == "E-SCANNED-1"
        config = page.evaluate("window.__wxConfig")
        page_url = f"{live.url}/staff/readings/new"
        plain = (
            f"jsapi_ticket={JSAPI_TICKET}&noncestr={config['nonceStr']}"
            f"&timestamp={config['timestamp']}&url={page_url}"
        )
        assert config["signature"] == hashlib.sha1(plain.encode()).hexdigest()
        assert config["appId"] == APP_ID and config["jsApiList"] == ["scanQRCode", "getLocation"]
        foreign = page.request.get(f"{live.url}/staff/jssdk?url=https://evil.example/staff/")
        assert foreign.status == 400
    finally:
        context.close()
    assert standin.state.calls.count("/cgi-bin/ticket/getticket") == 1


def test_oauth_refuses_a_forged_state_and_a_bad_code(live, standin):
    client = requests.Session()
    # No login started in this session: whatever state is sent is not ours.
    forged = client.get(f"{live.url}/h5/oauth", params={"code": "x", "state": "y"}, timeout=5)
    assert forged.status_code == 400 and "授权已失效" in forged.text
    start = client.get(f"{live.url}/h5/login", allow_redirects=False, timeout=5)
    state = re.search(r"state=([^&#]+)", start.headers["location"]).group(1)
    # A code WeChat never issued: the exchange is refused and nobody is signed in.
    bad = client.get(
        f"{live.url}/h5/oauth", params={"code": "never-issued", "state": state}, timeout=5
    )
    assert bad.status_code == 502 and "微信授权失败：40029" in bad.text
    home = client.get(f"{live.url}/h5/", allow_redirects=False, timeout=5)
    assert home.status_code == 303 and home.headers["location"].startswith("/h5/login")
    with live.sessions() as session:
        assert session.scalar(text("select count(*) from wechat_user")) == 0


def test_staff_logins_are_limited_per_address(live):
    client = requests.Session()
    page = client.get(f"{live.url}/staff/login", timeout=5).text
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    answers = [
        client.post(
            f"{live.url}/staff/login",
            data={"login": f"guess{n}", "password": "x", "csrf_token": token, "next": "/staff/"},
            timeout=5,
        ).status_code
        for n in range(21)
    ]
    assert answers == [400] * 20 + [429]
    with live.sessions() as session:
        assert (
            session.scalar(
                text("select count(*) from rate_event where bucket like 'staff-login:ip:%'")
            )
            == 20
        )
        assert (
            session.scalar(
                text("select count(*) from audit_event where action = 'auth.login_failed'")
            )
            == 20
        )
