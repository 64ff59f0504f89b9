"""新装换装 from a field worker's phone: a replacement with the old and the new meter's
photos, refused at once when a photo is missing, then waiting for the desk."""

from __future__ import annotations

import re

from sqlalchemy import text

from server.db.engine import unit_of_work
from server.services.core.audit import Actor
from server.services.staff.org import add_staff_with_role
from tests import factories
from tests.companion.test_h5_browser import png


def test_field_worker_reports_a_replacement_with_two_photos(phone, live, tmp_path):
    with unit_of_work(live.sessions) as session:
        add_staff_with_role(
            session, Actor("t"), login="reader3", name="孙抄表", password="reader-pass-3",
            role="reader", branch_code=None,
        )  # fmt: skip
        account_id = factories.account(session)
        factories.meter(session, "E1", account_id)
        factories.read(session, "E1", "2026-09-28", "1000")
    phone.goto(f"{live.url}/staff/")
    phone.fill("#login", "reader3")
    phone.fill("#password", "reader-pass-3")
    phone.get_by_role("button", name="登录").click()
    phone.get_by_role("link", name="新装换装").click()
    phone.wait_for_url(re.compile(r".*/staff/install$"))
    # A new installation's place is hidden while a replacement is chosen.
    assert phone.locator("#account_no").is_hidden()
    phone.fill("#old_meter_no", "E1")
    phone.fill("#old_final", "1080")
    phone.fill("#new_meter_no", "E2")
    phone.fill("#digits", "6")
    phone.fill("#new_initial", "5")
    phone.set_input_files("#new_photo", png(tmp_path, "new.png", (320, 240)))
    phone.get_by_role("button", name="上报").click()
    assert phone.locator("[role=alert]").inner_text() == "请拍摄旧表表盘照片"
    # What was typed is kept, and so is the new meter's photo: only the missing one is taken.
    assert phone.locator("#old_final").input_value() == "1080"
    assert "已附照片" in phone.locator("#new_photo-kept").inner_text()
    assert phone.locator("#old_photo-kept").count() == 0
    phone.set_input_files("#old_photo", png(tmp_path, "old.png", (640, 480)))
    phone.get_by_role("button", name="上报").click()
    status = phone.locator("[role=status]").inner_text()
    assert re.fullmatch(r"已上报换表（编号 \d+，新表 E2），待中心确认", status)
    with live.sessions() as session:
        row = session.execute(
            text(
                "select i.kind, i.status, m.meter_no, i.old_final, i.new_meter_no, i.new_kind,"
                " i.digits, i.new_initial, s.login, o.width, n.width"
                " from field_install i join meter m on m.id = i.old_meter_id"
                " join staff s on s.id = i.reported_by_id"
                " join photo o on o.id = i.old_photo_id join photo n on n.id = i.new_photo_id"
            )
        ).one()
        assert session.scalar(text("select status from meter where meter_no = 'E1'")) == "active"
    assert [str(v) for v in row] == [
        "replace", "pending", "E1", "1080.000", "E2", "electricity", "6", "5.000", "reader3",
        "640", "320",
    ]  # fmt: skip
