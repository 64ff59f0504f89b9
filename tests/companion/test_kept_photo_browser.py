"""A refused form keeps its photo: the resident or reader fixes the field and sends the form
again without taking the photo again (headless mobile browser)."""

from __future__ import annotations

import requests
from sqlalchemy import text

from server.db.engine import unit_of_work
from server.services.core.audit import Actor
from server.services.staff.org import add_staff_with_role
from tests import factories
from tests.companion.test_appointments_browser import staff_sign_in
from tests.companion.test_h5_browser import png, sign_in_through_wechat
from tests.companion.test_h5_more import register


def kept_thumbnail_width(page, field: str) -> int:
    """The width the browser decoded the kept photo's thumbnail at (0 if it did not load)."""
    image = page.locator(f"#{field}-kept img")
    image.wait_for()
    return page.evaluate(
        "img => img.complete ? img.naturalWidth : new Promise(ok => img.onload = () =>"
        " ok(img.naturalWidth))",
        image.element_handle(),
    )


def test_a_resident_fixes_a_field_without_taking_the_photo_again(phone, live, standin, tmp_path):
    sign_in_through_wechat(phone, live, standin, "o-keeper")
    register(live, "o-keeper", "13800000081")
    phone.goto(f"{live.url}/h5/requests/new?kind=energy")
    phone.select_option("#topic", "跑冒滴漏")
    phone.fill("#description", "二食堂后门水管漏水。")
    phone.set_input_files("#photo", png(tmp_path, "leak.png", (1200, 900)))
    phone.get_by_role("button", name="提交").click()
    assert phone.locator("[role=alert]").inner_text() == "请填写地点"
    assert "已附照片" in phone.locator("#photo-kept").inner_text()
    assert kept_thumbnail_width(phone, "photo") == 1200
    # Nothing filed yet; the photo waits, stored once.
    with live.sessions() as session:
        assert session.scalar(text("select count(*) from service_request")) == 0
        assert session.scalar(text("select count(*) from photo")) == 1
    phone.fill("#place", "二食堂后门")
    phone.get_by_role("button", name="提交").click()
    assert "节能先锋已提交" in phone.locator("#result").inner_text()
    with live.sessions() as session:
        row = session.execute(
            text(
                "select r.place, p.mime, p.width, p.height, (select count(*) from photo)"
                " from service_request r join photo p on p.id = r.photo_id"
            )
        ).one()
    assert tuple(row) == ("二食堂后门", "image/jpeg", 1200, 900, 1)


def test_a_kept_photo_is_only_served_to_the_session_that_kept_it(phone, live, standin, tmp_path):
    sign_in_through_wechat(phone, live, standin, "o-owner")
    register(live, "o-owner", "13800000082")
    phone.goto(f"{live.url}/h5/requests/new?kind=energy")
    phone.select_option("#topic", "其他")
    phone.fill("#description", "路边井盖松动。")
    phone.set_input_files("#photo", png(tmp_path, "cover.png", (640, 480)))
    phone.get_by_role("button", name="提交").click()
    source = phone.locator("#photo-kept img").get_attribute("src")
    assert source.startswith("/kept-photos/")
    own = phone.request.get(f"{live.url}{source}")
    assert own.status == 200 and own.headers["content-type"] == "image/jpeg"
    assert requests.get(f"{live.url}{source}", timeout=5).status_code == 404


def test_a_reader_fixes_a_figure_and_the_kept_photos_go_with_it(phone, live, tmp_path):
    with unit_of_work(live.sessions) as session:
        add_staff_with_role(
            session, Actor("t"), login="reader8", name="郑抄表", password="reader-pass-8",
            role="reader", branch_code=None,
        )  # fmt: skip
        account_id = factories.account(session)
        factories.meter(session, "W8", account_id, kind="water", digits=5)
        factories.read(session, "W8", "2026-10-01", "120")
    staff_sign_in(phone, live, "reader8", "reader-pass-8", "/staff/readings/new")
    phone.fill("#meter_no", "W8")
    phone.fill("#value", "12o")  # a letter o for a zero
    phone.set_input_files("#photo", png(tmp_path, "w8.png", (800, 600)))
    phone.get_by_role("button", name="保存").click()
    assert "不是数字" in phone.locator("[role=alert]").inner_text()
    assert kept_thumbnail_width(phone, "photo") == 800
    phone.fill("#value", "126")
    phone.get_by_role("button", name="保存").click()
    assert "已记录 W8：126" in phone.locator("#result").inner_text()
    with live.sessions() as session:
        row = session.execute(
            text(
                "select r.value, r.source, p.width from reading r join photo p on p.id = r.photo_id"
                " where r.source = 'field'"
            )
        ).one()
    assert (str(row[0]), row[1], row[2]) == ("126.000", "field", 800)
