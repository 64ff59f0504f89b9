"""Field staff on /staff/ (issue 17): 我的任务 with a visit's date, slot, place, contact and
photo, completed with a note, a site photo and the phone's position, which the desk then
sees; the reading log of another day with the month's round; 个人信息 and its changes."""

from __future__ import annotations

import io
import re
from dataclasses import replace
from datetime import timedelta
from decimal import Decimal

import pytest
from PIL import Image
from playwright.sync_api import expect
from sqlalchemy import text

from server.companion.outbox_sender import SendReport, send_due
from server.db.engine import unit_of_work
from server.services.core.audit import Actor
from server.services.core.calendar import BUSINESS_TZ, Period, now
from server.services.core.photos import store_photo
from server.services.core.position import Position
from server.services.metering import readings
from server.services.residents import service_requests
from server.services.residents.service_requests import RequestSpec
from server.services.staff.org import add_staff_with_role
from server.services.staff.sign_in import staff_identity, verify_password
from tests import factories
from tests.companion.test_appointments_browser import staff_sign_in
from tests.companion.test_h5_browser import png

DESK = Actor("desk test")


@pytest.fixture
def companion_settings(companion_settings):
    """The service's settings with the task template registered for the official account."""
    return replace(companion_settings, templates={**companion_settings.templates, "task": "T-TASK"})


def jpeg(colour: tuple[int, int, int]) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (320, 240), colour).save(out, "JPEG")
    return out.getvalue()


@pytest.fixture
def readers(live):
    with unit_of_work(live.sessions) as session:
        for login, name in (("reader8", "郑抄表"), ("reader9", "王外线")):
            add_staff_with_role(
                session, DESK, login=login, name=name, password=f"{login}-pass",
                role="reader", branch_code=None,
            )  # fmt: skip


@pytest.fixture
def worker(phone):
    """The field worker's phone."""
    return phone


def test_a_reader_completes_an_assigned_visit_with_a_note_a_photo_and_the_position(
    live, readers, worker, tmp_path
):
    day = now().astimezone(BUSINESS_TZ).date() + timedelta(days=2)
    with unit_of_work(live.sessions) as session:
        resident_photo = store_photo(session, jpeg((200, 30, 30)), "故障照片").photo_id
        request_id = service_requests.raise_request(
            session, DESK,
            RequestSpec("visit", "故障检查", "卫生间水表一直在走。", "西校区 8号楼 204",
                        "13900000088", f"{day.isoformat()} 下午 14:30–17:00"),
            photo_id=resident_photo,
        )  # fmt: skip
        # Another's task: reader8 does not see it, nor its photo.
        other_photo = store_photo(session, jpeg((30, 200, 30)), "故障照片").photo_id
        other_id = service_requests.raise_request(
            session, DESK, RequestSpec("fault", "管道漏水", "楼道漏水", "北区 2号楼"),
            photo_id=other_photo,
        )  # fmt: skip
        service_requests.assign_request(session, DESK, request_id, "reader8")
        service_requests.assign_request(session, DESK, other_id, "reader9")

    worker.context.grant_permissions(["geolocation"], origin=live.url)
    worker.context.set_geolocation({"latitude": 31.230416, "longitude": 121.473701})
    staff_sign_in(worker, live, "reader8", "reader8-pass", "/staff/")
    worker.get_by_role("link", name="我的任务").click()
    worker.wait_for_url(re.compile(r".*/staff/tasks$"))
    task = worker.locator("#tasks .task")
    assert task.count() == 1
    weekday = "一二三四五六日"[day.weekday()]
    assert task.locator(".appointment").inner_text() == (
        f"预约：{day.month}月{day.day}日（周{weekday}）下午 14:30–17:00"
    )
    text_of_task = task.inner_text()
    assert "地点：西校区 8号楼 204" in text_of_task
    assert "联系电话：13900000088" in text_of_task
    assert "卫生间水表一直在走。" in text_of_task
    # The resident's photo as a thumbnail linking to the full photo.
    thumbnail = task.locator(".photos a")
    assert thumbnail.get_attribute("href") == f"/staff/photos/{resident_photo}"
    assert task.locator(".photos img").evaluate("i => [i.complete, i.naturalWidth]") == [
        True, 320,
    ]  # fmt: skip
    full = worker.request.get(f"{live.url}/staff/photos/{resident_photo}")
    assert full.status == 200 and full.headers["content-type"] == "image/jpeg"
    assert worker.request.get(f"{live.url}/staff/photos/{other_photo}").status == 404

    task.locator("summary").click()
    # A completion without a note is refused, and says so.
    worker.get_by_role("button", name="完成").click()
    assert worker.locator(f"#note-{request_id}").evaluate("e => e.validity.valueMissing")
    worker.fill(f"#note-{request_id}", "更换进水阀，水表已停走。")
    worker.set_input_files(f"#photos-{request_id}", png(tmp_path, "site.png", (1600, 1200)))
    worker.get_by_role("button", name="获取定位").click()
    expect(worker.locator("[data-located]")).to_contain_text("已定位 31.230416,121.473701")
    worker.get_by_role("button", name="完成").click()
    assert worker.locator("[role=status]").inner_text() == (
        f"任务 {request_id} 已完成，处理情况已告知中心"
    )
    assert worker.locator("#tasks .task").count() == 0

    with unit_of_work(live.sessions) as session:
        (result,) = service_requests.completed_tasks(session)
        (done,) = [
            r for r in service_requests.request_queue(session, include_answered=True)
            if r.request_id == request_id
        ]  # fmt: skip
        width, height = session.execute(
            text("select width, height from photo where id = :p"), {"p": result.photo_ids[0]}
        ).one()
    assert (done.status, done.answer) == ("answered", "更换进水阀，水表已停走。")
    assert (result.request_id, result.kind_label, result.place) == (
        request_id, "上门预约", "西校区 8号楼 204",
    )  # fmt: skip
    assert result.answered_by == "郑抄表"
    assert result.answer == "更换进水阀，水表已停走。"
    assert len(result.photo_ids) == 1 and result.photo_ids[0] != resident_photo
    # Re-encoded like every upload: a JPEG no larger than the photo limit's edge.
    assert width <= 1600 and width / height == pytest.approx(4 / 3, rel=0.01)
    assert result.position == Position(Decimal("31.230416"), Decimal("121.473701"))


def test_completing_someone_elses_task_is_refused(live, readers):
    with unit_of_work(live.sessions) as session:
        request_id = service_requests.raise_request(
            session, DESK, RequestSpec("fault", "管道漏水", "楼道漏水", "北区 2号楼")
        )
        service_requests.assign_request(session, DESK, request_id, "reader9")
    with unit_of_work(live.sessions) as session:
        reader8 = staff_identity(session, "reader8")
        with pytest.raises(Exception, match=f"诉求 {request_id} 未分派给您"):
            service_requests.complete_task(
                session, reader8.staff_id, reader8.actor, request_id, "已处理"
            )


def test_position_parse_checks_its_figures():
    assert Position.parse("", "") is None
    assert Position.parse("31.2304161", "121.4737") == Position(
        Decimal("31.230416"), Decimal("121.473700")
    )
    with pytest.raises(Exception, match="位置超出范围"):
        Position.parse("91", "121")
    with pytest.raises(Exception, match="位置无效"):
        Position.parse("north", "121")


def test_the_reading_log_of_another_day_and_the_rounds_history(live, readers, worker, tmp_path):
    last_month = Period.of(now()).shift(-1)
    with unit_of_work(live.sessions) as session:
        account_id = factories.account(session, "A801")
        for meter_no in ("E801", "E802", "E803"):
            factories.meter(session, meter_no, account_id)
        reader = staff_identity(session, "reader8").actor
        for meter_no, day, hour, value in (
            ("E801", "03", 9, "100"), ("E802", "03", 10, "200"), ("E803", "04", 9, "300"),
        ):  # fmt: skip
            readings.record_reading(
                session, reader, meter_no, Decimal(value),
                factories.at(f"{last_month}-{day}", hour), "field",
            )  # fmt: skip
    staff_sign_in(worker, live, "reader8", "reader8-pass", "/staff/")
    worker.goto(f"{live.url}/staff/log")
    assert worker.locator("#read").inner_text() == "今天没有抄表记录。"
    worker.fill("#day", f"{last_month}-03")
    worker.get_by_role("button", name="查看").click()
    rows = worker.locator("#read tr").all_inner_texts()
    assert [row.split()[0] for row in rows] == ["E801", "E802"]
    assert "09:00" in rows[0] and "10:00" in rows[1]
    # The round: the month's days read, how many each day.
    month = f"{last_month.year}年{last_month.month}月"
    assert worker.locator(".card h2").nth(1).inner_text() == f"本轮（{month}）抄表记录"
    assert [r.split("\t") for r in worker.locator("#round tr").all_inner_texts()] == [
        [f"{last_month.month}月3日", "2 块", ""],
        [f"{last_month.month}月4日", "1 块", ""],
    ]
    worker.locator("#round a").nth(1).click()
    assert [r.split()[0] for r in worker.locator("#read tr").all_inner_texts()] == ["E803"]
    worker.locator("#previous-day").click()
    assert worker.url.endswith(f"/staff/log?day={last_month}-03")


def test_personal_information_and_its_changes(live, readers, worker):
    staff_sign_in(worker, live, "reader8", "reader8-pass", "/staff/")
    worker.get_by_role("link", name="个人信息").click()
    worker.wait_for_url(re.compile(r".*/staff/profile$"))
    profile = dict(row.split("\t") for row in worker.locator("#profile tr").all_inner_texts())
    assert profile["姓名"] == "郑抄表" and profile["登录名"] == "reader8"
    assert profile["分中心"] == "—"
    assert profile["岗位"] and profile["部门"]
    worker.fill("#mobile", "1390000")
    worker.get_by_role("button", name="保存联系方式").click()
    assert "手机号应为 11 位数字" in worker.locator("[role=alert]").inner_text()
    worker.fill("#mobile", "13900000008")
    worker.get_by_role("button", name="保存联系方式").click()
    assert worker.locator("[role=status]").inner_text() == "联系方式已保存"
    assert worker.locator("#mobile").input_value() == "13900000008"
    worker.fill("#old_password", "reader8-pass")
    worker.fill("#new_password", "Field-Reader-2026")
    worker.fill("#new_password_again", "Field-Reader-2027")
    worker.get_by_role("button", name="修改密码").click()
    assert worker.locator("[role=alert]").inner_text() == "两次输入的新密码不一致"
    worker.fill("#old_password", "reader8-pass")
    worker.fill("#new_password", "Field-Reader-2026")
    worker.fill("#new_password_again", "Field-Reader-2026")
    worker.get_by_role("button", name="修改密码").click()
    assert worker.locator("[role=status]").inner_text() == "密码已修改"
    with unit_of_work(live.sessions) as session:
        mobile, password_hash = session.execute(
            text("select mobile, password_hash from staff where login = 'reader8'")
        ).one()
    assert mobile == "13900000008"
    assert verify_password(password_hash, "Field-Reader-2026")


def test_a_reading_and_a_meter_marking_carry_the_phones_position(live, readers, worker, tmp_path):
    with unit_of_work(live.sessions) as session:
        account_id = factories.account(session, "A802")
        factories.meter(session, "W802", account_id, kind="water", digits=5)
    worker.context.grant_permissions(["geolocation"], origin=live.url)
    worker.context.set_geolocation({"latitude": 30.5, "longitude": 114.25, "accuracy": 12})
    staff_sign_in(worker, live, "reader8", "reader8-pass", "/staff/readings/new")
    worker.fill("#meter_no", "W802")
    worker.fill("#value", "12")
    worker.set_input_files("#photo", png(tmp_path))
    worker.fill("#note", "表井积水")
    worker.get_by_role("button", name="获取定位").click()
    expect(worker.locator("[data-located]")).to_have_text("已定位 30.500000,114.250000（±12 米）")
    worker.get_by_role("button", name="保存").click()
    assert "已记录 W802：12" in worker.locator("#result").inner_text()
    with unit_of_work(live.sessions) as session:
        note = session.scalar(text("select note from reading where source = 'field'"))
    assert note == "表井积水 定位 30.500000,114.250000"

    worker.goto(f"{live.url}/staff/meters?meter_no=W802")
    worker.fill("#location-input", "管道井 2 层")
    worker.get_by_role("button", name="获取定位").click()
    worker.wait_for_function("document.querySelector('[name=latitude]').value !== ''")
    worker.get_by_role("button", name="保存位置").click()
    assert worker.locator("#location").inner_text() == "管道井 2 层（定位 30.500000,114.250000）"
    # Marked again from a new spot: the new position replaces the old.
    worker.context.set_geolocation({"latitude": 30.6, "longitude": 114.3})
    worker.get_by_role("button", name="获取定位").click()
    worker.wait_for_function("document.querySelector('[name=latitude]').value === '30.600000'")
    worker.get_by_role("button", name="保存位置").click()
    assert worker.locator("#location").inner_text() == "管道井 2 层（定位 30.600000,114.300000）"


def test_a_reader_who_bound_wechat_is_told_of_an_assigned_task(
    live, readers, worker, standin, companion_settings
):
    """Staff sign in with a password, so a task's template message needs the WeChat they
    bound on 个人信息; one who did not is told nothing (the task waits in 我的任务)."""
    day = now().astimezone(BUSINESS_TZ).date() + timedelta(days=1)
    staff_sign_in(worker, live, "reader8", "reader8-pass", "/staff/profile")
    assert worker.locator("#wechat-bound").inner_text() == "未绑定 绑定微信"
    standin.state.next_openid = "o-reader8"
    worker.get_by_role("link", name="绑定微信").click()
    worker.wait_for_url(re.compile(r".*/staff/wechat/bound\?code=.*"))
    assert worker.locator("[role=status]").inner_text() == (
        "已绑定微信，分派给您的任务将通过公众号通知"
    )
    assert worker.locator("#wechat-bound").inner_text() == "已绑定"
    # A forged or replayed return binds nothing.
    worker.goto(f"{live.url}/staff/wechat/bound?code=code-9&state=forged")
    assert worker.locator("[role=alert]").inner_text() == "授权已失效，请重新点击绑定微信"

    with unit_of_work(live.sessions) as session:
        visit = service_requests.raise_request(
            session, DESK,
            RequestSpec("visit", "抄表", "表在吊顶内", "东校区 3号楼 502", "13900000003",
                        f"{day.isoformat()} 上午 8:30–11:30"),
        )  # fmt: skip
        unbound = service_requests.raise_request(
            session, DESK, RequestSpec("fault", "表计故障", "表不走", "北区 1号楼")
        )
        service_requests.assign_request(session, DESK, visit, "reader8")
        service_requests.assign_request(session, DESK, unbound, "reader9")
        # Assigned again to the same worker: told once.
        service_requests.assign_request(session, DESK, visit, "reader8")
        session.execute(text("update outbox_message set next_attempt_at = now()"))
    settings = replace(companion_settings, base_url="https://wx.example.edu.cn")
    assert send_due(live.sessions, settings) == SendReport(sent=1)
    (sent,) = standin.state.sent
    weekday = "一二三四五六日"[day.weekday()]
    assert (sent["touser"], sent["template_id"], sent["url"]) == (
        "o-reader8", "T-TASK", "https://wx.example.edu.cn/staff/tasks",
    )  # fmt: skip
    assert {key: value["value"] for key, value in sent["data"].items()} == {
        "first": "您有新的上门预约任务",
        "keyword1": f"抄表（编号 {visit}）",
        "keyword2": f"{day.month}月{day.day}日（周{weekday}）上午 8:30–11:30",
        "keyword3": "东校区 3号楼 502",
        "remark": "点击查看我的任务。",
    }
