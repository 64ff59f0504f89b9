"""上门预约's date and time slot wherever the request appears: the resident's confirmation
and list (in the mobile browser) and the field worker's task list once the desk assigns it
(the desk's queue is tested with the desktop page)."""

from __future__ import annotations

import re
from datetime import timedelta

from sqlalchemy import text

from server.db.engine import unit_of_work
from server.services.core.audit import Actor
from server.services.core.calendar import BUSINESS_TZ, now
from server.services.residents import service_requests
from server.services.residents.service_requests import appointment_text
from server.services.staff.org import add_staff_with_role
from tests.companion.test_h5_browser import sign_in_through_wechat
from tests.companion.test_h5_more import register

DESK = Actor("desk test")


def staff_sign_in(page, live, login: str, password: str, target: str) -> None:
    page.goto(f"{live.url}{target}")
    page.fill("#login", login)
    page.fill("#password", password)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url(re.compile(rf".*{re.escape(target)}$"))


def test_appointment_text_names_the_day_and_weekday():
    assert appointment_text("2026-12-09 上午 8:30–11:30") == "12月9日（周三）上午 8:30–11:30"
    assert appointment_text("2026-12-13 下午 14:30–17:00") == "12月13日（周日）下午 14:30–17:00"
    assert appointment_text("2027-01-04 上午 8:30–11:30") == "1月4日（周一）上午 8:30–11:30"


def test_a_booked_visit_shows_its_slot_to_the_resident_and_the_field_worker(
    phone, browser, live, standin
):
    with unit_of_work(live.sessions) as session:
        add_staff_with_role(
            session, DESK, login="reader7", name="吴抄表", password="reader-pass-7",
            role="reader", branch_code=None,
        )  # fmt: skip
    sign_in_through_wechat(phone, live, standin, "o-booker")
    register(live, "o-booker", "13800000071")
    phone.goto(f"{live.url}/h5/requests/new?kind=visit")
    phone.select_option("#topic", "入住登记")
    day = (now().astimezone(BUSINESS_TZ).date() + timedelta(days=3)).isoformat()
    phone.fill("#slot_date", day)
    phone.select_option("#slot_time", "上午 8:30–11:30")
    phone.fill("#place", "东校区 5号楼 101")
    phone.fill("#description", "新入住，请上门核对表计。")
    phone.get_by_role("button", name="提交").click()
    booked = appointment_text(f"{day} 上午 8:30–11:30")
    assert phone.locator("#appointment").inner_text() == f"预约：{booked}，东校区 5号楼 101"

    # On a day whose weekday is known (Wednesday 9 December 2026), as every page shows it.
    with unit_of_work(live.sessions) as session:
        session.execute(text("update service_request set slot = '2026-12-09 上午 8:30–11:30'"))
    phone.goto(f"{live.url}/h5/requests")
    assert phone.locator(".appointment").all_inner_texts() == [
        "预约：12月9日（周三）上午 8:30–11:30"
    ]

    with unit_of_work(live.sessions) as session:
        (row,) = service_requests.request_queue(session)
        service_requests.assign_request(session, DESK, row.request_id, "reader7")
    context = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True)
    worker = context.new_page()
    try:
        staff_sign_in(worker, live, "reader7", "reader-pass-7", "/staff/")
        worker.get_by_role("link", name="我的任务").click()
        worker.wait_for_url(re.compile(r".*/staff/tasks$"))
        task = worker.locator("#tasks .task")
        assert task.count() == 1
        assert task.locator(".appointment").inner_text() == "预约：12月9日（周三）上午 8:30–11:30"
        assert "地点：东校区 5号楼 101" in task.inner_text()
        assert "联系电话：13800000071" in task.inner_text()
    finally:
        context.close()
