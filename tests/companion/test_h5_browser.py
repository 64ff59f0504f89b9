"""Resident and field-staff flows in a headless mobile browser (Debian's chromium): WeChat
OAuth through the stand-in, registration by SMS code, binding and its review at the desk,
usage and the payment notice, self-reading with a photo, a service request answered."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
import requests
from PIL import Image
from sqlalchemy import text

from server.db.engine import make_engine, make_sessionmaker, unit_of_work
from server.db.models import BillMeter
from server.services.core.audit import Actor
from server.services.core.calendar import Period, now
from server.services.residents import bindings, service_requests
from server.services.staff.org import add_staff_with_role
from tests import factories

DESK = Actor("desk test")


@pytest.fixture
def household(live, fresh_database_url):
    """Account A001 (张三) with an electricity and a water meter, two bills of hand-picked
    figures, the first paid in cash."""
    engine = make_engine(fresh_database_url)
    this = Period.of(now())
    sep, octo = this.shift(-2), this.shift(-1)
    with unit_of_work(make_sessionmaker(engine)) as session:
        factories.branches(session)
        account_id = factories.account(session, "A001", holder_name="张三")
        factories.meter(session, "E001", account_id)
        factories.meter(session, "W001", account_id, kind="water", digits=5)
        # Not read this month: on the field reader's unread list once they work there.
        factories.meter(session, "E002", account_id)
        session.execute(
            text("update meter set building_id = (select building_id from account where id = :a)"),
            {"a": account_id},
        )
        readings = {
            ("E001", 0): factories.read(session, "E001", f"{sep}-01", "100"),
            ("E001", 1): factories.read(session, "E001", f"{octo}-01", "250"),
            ("E001", 2): factories.read(session, "E001", f"{this}-01", "370"),
            ("W001", 1): factories.read(session, "W001", f"{octo}-01", "10"),
            ("W001", 2): factories.read(session, "W001", f"{this}-01", "18"),
        }
        first = factories.bill(session, account_id, str(sep), "75.00")
        second = factories.bill(session, account_id, str(octo), "84.00")
        for bill_id, meter_no, kind, prev, curr, usage in (
            (first, "E001", "electricity", 0, 1, "150"),
            (second, "E001", "electricity", 1, 2, "120"),
            (second, "W001", "water", 1, 2, "8"),
        ):
            session.add(
                BillMeter(
                    bill_id=bill_id,
                    meter_id=session.scalar(
                        text("select id from meter where meter_no = :m"), {"m": meter_no}
                    ),
                    meter_no=meter_no,
                    kind=kind,
                    multiplier=Decimal(1),
                    prev=readings.get((meter_no, prev), readings[(meter_no, curr)]).value,
                    curr=readings[(meter_no, curr)].value,
                    usage=Decimal(usage),
                    prev_reading_id=readings.get(
                        (meter_no, prev), readings[(meter_no, curr)]
                    ).reading_id,
                    curr_reading_id=readings[(meter_no, curr)].reading_id,
                )
            )
        payment = session.execute(
            text(
                "insert into payment (account_id, amount, channel, reference, bank, branch_id)"
                " values (:a, 75.00, 'cash', '', '', (select id from branch where code = 'D'))"
                " returning id"
            ),
            {"a": account_id},
        ).scalar_one()
        session.execute(
            text("insert into allocation (payment_id, bill_id, amount) values (:p, :b, 75.00)"),
            {"p": payment, "b": first},
        )
        session.execute(text("update bill set status = 'paid' where id = :b"), {"b": first})
        add_staff_with_role(
            session,
            DESK,
            login="reader1",
            name="李抄表",
            password="reader-pass-1",
            role="reader",
            branch_code=None,
        )
    engine.dispose()
    return {"sep": str(sep), "oct": str(octo)}


def png(tmp_path, name="dial.png", size=(640, 480)) -> str:
    path = tmp_path / name
    Image.new("RGB", size, (30, 120, 200)).save(path, "PNG")
    return str(path)


def sign_in_through_wechat(phone, live, standin, openid: str) -> None:
    standin.state.next_openid = openid
    phone.goto(f"{live.url}/h5/")
    # WeChat's "#wechat_redirect" fragment rides along the redirects, as in WeChat itself.
    assert re.match(rf"{live.url}/h5/(#wechat_redirect)?$", phone.url)
    assert "/connect/oauth2/authorize" in standin.state.calls
    assert "/sns/oauth2/access_token" in standin.state.calls


def test_resident_registers_binds_reads_and_asks(phone, live, standin, household, tmp_path):
    sign_in_through_wechat(phone, live, standin, "o-zhangsan")
    phone.get_by_role("link", name="手机号注册").click()

    # 用户注册: a code by SMS, a wrong one refused, the right one accepted.
    phone.fill("#phone", "13800000021")
    phone.click("#send-code")
    assert "验证码已发送" in phone.locator("[role=status]").inner_text()
    code = live.last_code("13800000021")
    phone.fill("#code", "000000" if code != "000000" else "111111")
    phone.click("#register")
    assert "验证码错误，还可尝试 4 次" in phone.locator("[role=alert]").inner_text()
    phone.fill("#code", code)
    phone.click("#register")
    phone.wait_for_url(re.compile(r".*/h5/bindings"))
    assert "注册成功" in phone.content()

    # 户号绑定: a real and an unknown 户号 get the same answer.
    for account_no in ("A001", "X404"):
        phone.fill("#account_no", account_no)
        phone.fill("#claim", "张三")
        phone.get_by_role("button", name="提交绑定申请").click()
        assert "1 个工作日内审核" in phone.locator("[role=status]").inner_text()
    assert phone.locator("text=审核中").count() == 2

    # Until the desk approves, there is nothing to see.
    phone.goto(f"{live.url}/h5/usage")
    assert "还没有已审核通过的户号" in phone.content()
    with unit_of_work(live.sessions) as session:
        queue = {p.account_no: p for p in bindings.pending_bindings(session)}
        bindings.approve_binding(session, DESK, queue["A001"].binding_id)
        bindings.reject_binding(session, DESK, queue["X404"].binding_id, "户号不存在")

    # 用量查询: 12 months, the two billed ones with their figures, and the payment.
    phone.goto(f"{live.url}/h5/usage")
    months = phone.locator("#months tr").all_inner_texts()
    assert len(months) == 13
    assert any(row.split() == [household["oct"], "120.0", "8.0", "84.00"] for row in months)
    assert any(row.split() == [household["sep"], "150.0", "0.0", "75.00"] for row in months)
    assert phone.locator("svg rect").count() == 24
    assert "现金" in phone.locator("#payments").inner_text()
    assert "75.00" in phone.locator("#payments").inner_text()

    # 电子缴款通知单: only the unpaid October bill.
    phone.goto(f"{live.url}/h5/bills")
    assert phone.locator("#owed").inner_text() == "¥84.00"
    assert household["oct"] in phone.locator("#bills").inner_text()
    assert household["sep"] not in phone.locator("#bills").inner_text()

    # 自助抄表: not a picture → refused and nothing written; a photo below the last reading
    # → accepted for review with the anomaly said at once.
    phone.goto(f"{live.url}/h5/readings/new")
    fake = tmp_path / "dial.jpg"
    fake.write_bytes(b"<html>not an image</html>")
    phone.select_option("#meter_no", "E001")
    phone.fill("#value", "360")
    phone.set_input_files("#photo", str(fake))
    phone.get_by_role("button", name="提交读数").click()
    assert "不是可识别的图片" in phone.locator("[role=alert]").inner_text()
    phone.select_option("#meter_no", "E001")
    phone.fill("#value", "360")
    phone.set_input_files("#photo", png(tmp_path))
    phone.get_by_role("button", name="提交读数").click()
    result = phone.locator("#result").inner_text()
    assert "等待审核" in result and "读数低于上次" in phone.locator("#anomaly").inner_text()
    with live.sessions() as session:
        rows = session.execute(
            text(
                "select r.value, r.source, r.status, r.flags, p.mime, p.width"
                " from reading r join photo p on p.id = r.photo_id where r.source = 'self'"
            )
        ).all()
    assert rows == [
        (Decimal("360.000"), "self", "held", ["lower_than_previous"], "image/jpeg", 640)
    ]

    # 服务诉求: raised, due time shown, answered at the desk, the answer shown and queued.
    phone.goto(f"{live.url}/h5/requests/new?kind=service")
    phone.select_option("#topic", "计量疑问")
    phone.fill("#description", "十月电费比往月高，请核实。")
    phone.get_by_role("button", name="提交").click()
    assert "服务诉求已提交" in phone.locator("#result").inner_text()
    with unit_of_work(live.sessions) as session:
        (row,) = service_requests.request_queue(session)
        assert row.topic == "计量疑问" and row.raised_by == "13800000021"
        service_requests.answer_request(session, DESK, row.request_id, "已核实，十月有换表。")
    phone.goto(f"{live.url}/h5/requests")
    assert "答复：已核实，十月有换表。" in phone.content()
    with live.sessions() as session:
        kinds = session.scalars(
            text("select payload->>'first' from outbox_message order by id")
        ).all()
    assert kinds == ["您的户号绑定申请已通过", "您的户号绑定申请未通过", "您的服务诉求已答复"]

    # 解绑: the account's pages close again.
    phone.goto(f"{live.url}/h5/bindings")
    phone.get_by_role("button", name="解绑 A001").click()
    assert phone.locator("[role=status]").inner_text() == "已解绑"
    phone.goto(f"{live.url}/h5/bills")
    assert "还没有已审核通过的户号" in phone.content()


def test_forms_need_their_csrf_token_and_dev_login_is_off(phone, live, standin, household):
    sign_in_through_wechat(phone, live, standin, "o-csrf")
    forged = phone.request.post(
        f"{live.url}/h5/bindings", form={"account_no": "A001", "claim": "张三"}
    )
    assert forged.status == 400 and "页面已过期" in forged.text()
    response = requests.post(f"{live.url}/h5/dev-login", data={"openid": "x"}, timeout=5)
    assert response.status_code == 404
    with live.sessions() as session:
        assert session.scalar(text("select count(*) from binding")) == 0
    cookie = next(c for c in phone.context.cookies() if c["name"] == "md_session")
    assert cookie["httpOnly"] and cookie["sameSite"] == "Lax"


def test_field_reader_records_a_reading_with_a_photo(phone, live, household, tmp_path):
    phone.goto(f"{live.url}/staff/readings/new")
    phone.fill("#login", "reader1")
    phone.fill("#password", "wrong-pass-1")
    phone.get_by_role("button", name="登录").click()
    assert "用户名或密码错误" in phone.locator("[role=alert]").inner_text()
    phone.fill("#password", "reader-pass-1")
    phone.get_by_role("button", name="登录").click()
    phone.wait_for_url(re.compile(r".*/staff/readings/new"))
    phone.fill("#meter_no", "W001")
    phone.fill("#value", "25")
    phone.set_input_files("#photo", png(tmp_path, "w.png"))
    phone.get_by_role("button", name="保存").click()
    assert "已记录 W001：25" in phone.locator("#result").inner_text()
    assert "本次用量 7.000" in phone.locator("#result").inner_text()
    phone.goto(f"{live.url}/staff/log")
    assert "W001" in phone.locator("#read").inner_text()
    unread = phone.locator("#unread").inner_text()
    assert "E002" in unread and "E001" not in unread and "W001" not in unread
    # 表计核对 and location marking.
    phone.goto(f"{live.url}/staff/meters")
    phone.fill("#meter_no", "W001")
    phone.get_by_role("button", name="查询").click()
    assert "A001 张三" in phone.locator("#meter").inner_text()
    phone.fill("#location-input", "管道井 3 层东侧")
    phone.get_by_role("button", name="保存位置").click()
    assert phone.locator("[role=status]").inner_text() == "位置已更新"
    assert phone.locator("#location").inner_text() == "管道井 3 层东侧"
    # 用能查询: by a scanned meter number, the account's months.
    phone.goto(f"{live.url}/staff/usage")
    phone.fill("#q", "W001")
    phone.get_by_role("button", name="查询").click()
    months = phone.locator("#months tr").all_inner_texts()
    assert any(row.split() == [household["oct"], "120.0", "8.0", "84.00"] for row in months)
    with live.sessions() as session:
        assert session.execute(
            text(
                "select r.status, s.login from reading r join staff s on s.id = r.staff_id"
                " where r.source = 'field'"
            )
        ).all() == [("accepted", "reader1")]
        assert (
            session.scalar(text("select actor from audit_event where action = 'meter.location'"))
            == "reader1 李抄表"
        )
