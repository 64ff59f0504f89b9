"""Every time on the resident's and the field staff's pages is business time (Asia/Shanghai),
whatever zone the server process and its database sessions run in: an instant stamped at
01:31 UTC shows as 09:31."""

from __future__ import annotations

import io
import re
import time
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import requests
from PIL import Image
from sqlalchemy import text

from server.db.engine import unit_of_work
from server.services.core.audit import Actor
from server.services.core.calendar import BUSINESS_TZ, now
from server.services.metering import readings
from server.services.residents import bulletins, service_requests, wechat_users
from server.services.staff.org import add_staff_with_role
from server.services.staff.sign_in import staff_identity
from tests import factories
from tests.companion.support import start_live
from tests.companion.test_h5_more import register


@pytest.fixture(params=["UTC", "America/New_York"])
def server_zone(request, monkeypatch):
    """The process (and so libpq's session) in another zone than business time."""
    with monkeypatch.context() as patch:
        patch.setenv("TZ", request.param)
        patch.setenv("PGTZ", request.param)
        time.tzset()
        yield request.param
    time.tzset()


def staff_session(url: str, login: str, password: str) -> requests.Session:
    client = requests.Session()
    form = client.get(f"{url}/staff/login", timeout=5).text
    token = re.search(r'name="csrf_token" value="([^"]+)"', form).group(1)
    answer = client.post(
        f"{url}/staff/login",
        data={"login": login, "password": password, "next": "/staff/", "csrf_token": token},
        timeout=5,
    )
    assert answer.url.endswith("/staff/")
    return client


def test_pages_show_business_time_whatever_the_servers_zone(
    server_zone, fresh_database_url, companion_settings, standin
):
    live = start_live(companion_settings, fresh_database_url)
    try:
        today = now().astimezone(BUSINESS_TZ).date()
        stamped = datetime(today.year, today.month, today.day, 9, 31, tzinfo=BUSINESS_TZ)
        assert stamped.utcoffset().total_seconds() == 8 * 3600  # i.e. 01:31 UTC
        with unit_of_work(live.sessions) as session:
            add_staff_with_role(
                session, Actor("t"), login="reader11", name="韩抄表", password="reader-pass-11",
                role="reader", branch_code=None,
            )  # fmt: skip
            reader = staff_identity(session, "reader11")
            account_id = factories.account(session)
            factories.meter(session, "E11", account_id)
            readings.record_reading(session, reader.actor, "E11", "100", stamped, "field")
            notice = bulletins.publish_notice(session, Actor("t"), "tips", "节水", "随手关水龙头。")
            session.execute(
                text("update notice set published_at = :t where id = :n"),
                {"t": stamped, "n": notice.notice_id},
            )
        register(live, "o-clock", "13800000091")
        with unit_of_work(live.sessions) as session:
            user = wechat_users.follower(session, "o-clock")
            request_id = service_requests.raise_request(
                session, user.actor,
                service_requests.RequestSpec("service", "计量疑问", "电费偏高"),
                wechat_user_id=user.user_id,
            )  # fmt: skip
            service_requests.assign_request(session, Actor("t"), request_id, "reader11")
            session.execute(
                text(
                    "update service_request set created_at = :t,"
                    " due_at = :t + interval '2 hours' where id = :r"
                ),
                {"t": stamped, "r": request_id},
            )
        day = today.isoformat()

        standin.state.next_openid = "o-clock"
        resident = requests.Session()
        assert resident.get(f"{live.url}/h5/", timeout=5).url.startswith(f"{live.url}/h5/")
        mine = resident.get(f"{live.url}/h5/requests", timeout=5).text
        assert f"提交 {day} 09:31 · 预计答复 {day} 11:31" in mine
        shown = resident.get(f"{live.url}/h5/notices/{notice.notice_id}", timeout=5).text
        assert f"发布于 {day} 09:31" in shown

        worker = staff_session(live.url, "reader11", "reader-pass-11")
        log = worker.get(f"{live.url}/staff/log", timeout=5).text
        assert re.search(r"<td>09:31</td>", log)
        tasks = worker.get(f"{live.url}/staff/tasks", timeout=5).text
        assert f"提交 {day} 09:31 · 处理时限 {day} 11:31" in tasks
        for page in (mine, shown, log, tasks):
            assert "01:31" not in page

        # 故障上报's answer names its deadline: in business time too.
        form = worker.get(f"{live.url}/staff/faults/new", timeout=5).text
        token = re.search(r'name="csrf_token" value="([^"]+)"', form).group(1)
        picture = io.BytesIO()
        Image.new("RGB", (64, 48), (200, 30, 30)).save(picture, "PNG")
        answer = worker.post(
            f"{live.url}/staff/faults",
            data={
                "topic": "线路故障",
                "place": "3号楼",
                "description": "灯不亮",
                "csrf_token": token,
            },
            files={"photo": ("f.png", picture.getvalue(), "image/png")},
            timeout=5,
        ).text
        with live.sessions() as session:
            due = session.scalar(text("select due_at from service_request where kind = 'fault'"))
        shanghai = due.astimezone(ZoneInfo("Asia/Shanghai"))
        assert f"中心将在 {shanghai:%m-%d %H:%M} 前处理" in answer
    finally:
        live.stop()
