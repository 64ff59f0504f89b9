"""缴费 from every page that shows what is owed (issue 17), in a headless mobile browser
against the running service with 演示支付: the home page, the 电子缴款通知单 and the
账户明细 each lead to the pay page of their account with the amount owed, the sandbox
settles the payment, and a prepaid account tops up (预存) on the same page."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from sqlalchemy import select, update

from server.db.engine import unit_of_work
from server.db.models import Account, OutboxMessage, WechatUser
from server.services.core.calendar import Period, now
from server.services.residents.template_messages import queue_bill_notices
from tests import factories

if TYPE_CHECKING:
    from playwright.sync_api import Page

    from tests.online_pay_fixtures import DemoWorld

pytest_plugins = ["tests.online_pay_fixtures"]
OPENID = "o-pay-everywhere-01"


def _bound(world: DemoWorld, openid: str, *account_nos: str) -> dict[str, int]:
    """A registered resident (a verified phone, so home lists the accounts) bound to
    `account_nos`; the ids of all accounts by number."""
    with unit_of_work(world.sessions) as session:
        ids = {no: id_ for no, id_ in session.execute(select(Account.account_no, Account.id))}
        for account_no in account_nos:
            factories.bound_resident(session, openid, ids[account_no])
        session.execute(
            update(WechatUser)
            .where(WechatUser.openid == openid)
            .values(phone="13800000117", phone_verified_at=now())
        )
    return ids


def _sign_in(phone: Page, openid: str) -> None:
    phone.fill("#openid", openid)
    phone.get_by_role("button", name="登录").click()


def _signed_in(phone: Page, world: DemoWorld) -> tuple[int, int]:
    """The resident bound to A001 (65.00 owed) and A002 (prepaid, nothing owed)."""
    ids = _bound(world, OPENID, "A001", "A002")
    phone.goto(f"{world.live.url}/h5/login")
    _sign_in(phone, OPENID)
    phone.wait_for_url(f"{world.live.url}/h5/")
    return ids["A001"], ids["A002"]


def _pay_with_the_sandbox(phone: Page, button: str) -> None:
    phone.click(button)
    phone.get_by_role("button", name="确认支付").click()
    phone.wait_for_url(re.compile(r".*/h5/pay/result\?order=MD\w+$"))
    assert phone.locator("#status").inner_text() == "已支付"


def test_pay_from_home_bills_and_statement(phone: Page, demo_world: DemoWorld) -> None:
    url = demo_world.live.url
    postpaid, prepaid = _signed_in(phone, demo_world)

    phone.goto(f"{url}/h5/")
    phone.click("#pay")
    # The first bound account (A001): its two bills, 40.00 + 25.00.
    phone.wait_for_url(f"{url}/h5/pay?account={postpaid}")
    assert "户号 A001" in phone.content()
    assert phone.locator("#owed").inner_text() == "¥65.00"

    phone.goto(f"{url}/h5/statement?account={postpaid}")
    phone.click("#pay")
    phone.wait_for_url(f"{url}/h5/pay?account={postpaid}")

    phone.goto(f"{url}/h5/bills?account={postpaid}")
    assert phone.locator("#pay").inner_text() == "缴费 ¥65.00"
    phone.click("#pay")
    phone.wait_for_url(f"{url}/h5/pay?account={postpaid}")
    assert phone.locator("#owed").inner_text() == "¥65.00"
    _pay_with_the_sandbox(phone, "#pay-demo")
    assert "¥65.00" in phone.content()

    phone.goto(f"{url}/h5/bills?account={postpaid}")
    assert "当前没有待缴账单" in phone.content()

    # From the prepaid account's notice, which owes nothing: a top-up of the resident's
    # choosing, within the limits the page states.
    phone.goto(f"{url}/h5/bills?account={prepaid}")
    assert phone.locator("#pay").inner_text() == "缴费 / 预存"
    phone.click("#pay")
    phone.wait_for_url(f"{url}/h5/pay?account={prepaid}")
    assert phone.locator("#balance").inner_text() == "¥0.00"
    assert phone.locator("#topup-limits").inner_text() == (
        "单次预存 10.00 至 5,000.00 元，用水用电从余额中扣减"
    )
    phone.fill("#topup", "120.50")
    phone.select_option("select[name=provider]", "demo")
    _pay_with_the_sandbox(phone, "#topup-submit")
    phone.goto(f"{url}/h5/pay?account={prepaid}")
    assert phone.locator("#balance").inner_text() == "¥120.50"


def test_a_notices_qr_code_opens_that_accounts_pay_page_after_signing_in(
    phone: Page, demo_world: DemoWorld
) -> None:
    url = demo_world.live.url
    ids = _bound(demo_world, "o-pay-qr-02", "A002")
    # The QR code of A002's paper notice, scanned before ever signing in.
    phone.goto(f"{url}/h5/pay?account={ids['A002']}")
    _sign_in(phone, "o-pay-qr-02")
    phone.wait_for_url(f"{url}/h5/pay?account={ids['A002']}")
    assert "户号 A002" in phone.content()
    assert phone.locator("#balance").inner_text() == "¥0.00"
    # A neighbour's notice (A001, not bound here) does not open this resident's own account.
    phone.goto(f"{url}/h5/pay?account={ids['A001']}")
    assert phone.locator("#need-binding").inner_text() == (
        "该户号尚未绑定到您的微信。绑定户号并通过审核后即可在线缴费。"
    )
    assert phone.locator("#balance").count() == 0


def test_the_bill_notices_link_pays_that_bill(phone: Page, demo_world: DemoWorld) -> None:
    url = demo_world.live.url
    ids = _bound(demo_world, "o-pay-link-03", "A001", "A002")
    with unit_of_work(demo_world.sessions) as session:
        assert queue_bill_notices(session, Period(2026, 10)) == 1
        link = session.scalar(
            select(OutboxMessage.url).where(OutboxMessage.openid == "o-pay-link-03")
        )
    # The outbox sender puts companion.base_url in front; here the service's own address.
    assert link == f"/h5/pay?account={ids['A001']}"
    phone.goto(f"{url}{link}")
    _sign_in(phone, "o-pay-link-03")
    phone.wait_for_url(f"{url}{link}")
    # A001, the billed account: 40.00 (2026-09) + 25.00 (2026-10).
    assert "户号 A001" in phone.content()
    assert phone.locator("#owed").inner_text() == "¥65.00"
    _pay_with_the_sandbox(phone, "#pay-demo")
    phone.goto(f"{url}{link}")
    assert "当前没有待缴账单" in phone.content()
