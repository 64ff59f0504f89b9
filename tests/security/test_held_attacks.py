"""Attacks that held when the service was attacked (issue 19), kept here so they keep
holding, against the service on loopback: another resident's order (IDOR), another worker's
photo, forms posted without their CSRF token, open redirects after sign-in, a planted
session cookie (fixation), and SQL in a search field."""

from __future__ import annotations

import io
from typing import TYPE_CHECKING

import requests
from PIL import Image
from sqlalchemy import text

from server.db.engine import unit_of_work
from server.services.core.photos import store_photo
from tests import factories
from tests.companion.support import signed_in
from tests.security.web_support import csrf_of, staff_browser

if TYPE_CHECKING:
    from tests.online_pay_fixtures import PayWorld

pytest_plugins = ["tests.online_pay_fixtures"]


def _reader(world: PayWorld, login: str) -> requests.Session:
    with unit_of_work(world.sessions) as session:
        factories.staff(session, login, "reader")
    return staff_browser(world.live, login)


def test_another_residents_order_is_not_found(pay_world: PayWorld) -> None:
    url = pay_world.live.url
    owner, _ = signed_in(url, pay_world.sessions, "o-owner-0001", "A001")
    stranger, _ = signed_in(url, pay_world.sessions, "o-stranger-0001", "A002")
    order = pay_world.order(account_no="A001")
    mine = owner.get(f"{url}/h5/pay/result?order={order.order_no}", timeout=10)
    assert mine.status_code == 200 and order.order_no in mine.text
    theirs = stranger.get(f"{url}/h5/pay/result?order={order.order_no}", timeout=10)
    assert theirs.status_code == 404 and "找不到该订单" in theirs.text


def test_a_photo_outside_ones_tasks_is_not_found(pay_world: PayWorld) -> None:
    picture = io.BytesIO()
    Image.new("RGB", (40, 30), "navy").save(picture, "JPEG")
    with unit_of_work(pay_world.sessions) as session:
        photo_id = store_photo(session, picture.getvalue(), "照片").photo_id
    reader = _reader(pay_world, "reader1")
    answer = reader.get(f"{pay_world.live.url}/staff/photos/{photo_id}", timeout=10)
    assert answer.status_code == 404 and answer.content == b""


def test_forms_without_their_csrf_token_change_nothing(pay_world: PayWorld) -> None:
    url = pay_world.live.url
    resident, account_id = signed_in(url, pay_world.sessions, "o-owner-0002", "A001")
    paid = resident.post(f"{url}/h5/pay", data={"account": account_id, "provider": "wechat"})
    assert paid.status_code == 400 and "页面已过期" in paid.text
    reader = _reader(pay_world, "reader2")
    changed = reader.post(
        f"{url}/staff/password",
        data={"old_password": "Counter2026", "new_password": "Taken2027x",
              "new_password_again": "Taken2027x"},
        timeout=10,
    )  # fmt: skip
    assert changed.status_code == 400 and "页面已过期" in changed.text
    assert staff_browser(pay_world.live, "reader2")  # the old password still signs in
    with unit_of_work(pay_world.sessions) as session:
        assert session.scalar(text("select count(*) from payment_order")) == 0


def test_sign_in_never_redirects_off_site(pay_world: PayWorld) -> None:
    url = pay_world.live.url
    with unit_of_work(pay_world.sessions) as session:
        factories.staff(session, "reader3", "reader")
    for target in ("//evil.example/x", "https://evil.example/", "/\\evil.example", "javascript:x"):
        browser = requests.Session()
        page = browser.get(f"{url}/staff/login", params={"next": target}, timeout=10).text
        answer = browser.post(
            f"{url}/staff/login",
            data={"login": "reader3", "password": "Counter2026", "next": target,
                  "csrf_token": csrf_of(page)},
            allow_redirects=False, timeout=30,
        )  # fmt: skip
        assert (answer.status_code, answer.headers["location"]) == (303, "/staff/"), target


def test_a_planted_session_cookie_does_not_follow_the_sign_in(pay_world: PayWorld) -> None:
    url = pay_world.live.url
    with unit_of_work(pay_world.sessions) as session:
        factories.staff(session, "reader4", "reader")
    victim = requests.Session()
    page = victim.get(f"{url}/staff/login", timeout=10).text
    planted = victim.cookies["md_session"]  # the attacker's copy, handed to the victim
    victim.post(
        f"{url}/staff/login",
        data={"login": "reader4", "password": "Counter2026", "csrf_token": csrf_of(page)},
        timeout=30,
    )
    assert victim.get(f"{url}/staff/", timeout=10).status_code == 200
    attacker = requests.get(
        f"{url}/staff/", cookies={"md_session": planted}, allow_redirects=False, timeout=10
    )
    assert (attacker.status_code, attacker.headers["location"]) == (303, "/staff/login")


def test_sql_in_a_search_field_is_only_text(pay_world: PayWorld) -> None:
    reader = _reader(pay_world, "reader5")
    for q in ("' or '1'='1", "A001'; drop table account; --"):
        answer = reader.get(f"{pay_world.live.url}/staff/usage", params={"q": q}, timeout=10)
        assert answer.status_code == 200 and "A002" not in answer.text
    found = reader.get(f"{pay_world.live.url}/staff/usage", params={"q": "A001"}, timeout=10)
    assert "A001" in found.text
