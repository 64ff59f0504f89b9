"""演示支付 in a headless mobile browser (issue 14): a resident of the demo signs in with the
development sign-in, opens the bill, pays it with 演示支付 and sees it paid; the counter
then finds the online payment and issues its receipt, which the phone page shows."""

from __future__ import annotations

import re
from decimal import Decimal as D
from typing import TYPE_CHECKING

from sqlalchemy import select

from server.db.engine import unit_of_work
from server.db.models import Account
from server.services.collection.online_receipts import issue_online_receipt
from server.services.core.audit import Actor
from server.services.online_pay.desk import online_payments
from tests import factories

if TYPE_CHECKING:
    from tests.online_pay_fixtures import DemoWorld

pytest_plugins = ["tests.online_pay_fixtures"]
OPENID = "o-demo-phone-0001"
CLERK = Actor(label="收费员 E")


def test_resident_pays_with_demo_pay_then_the_counter_issues_the_receipt(
    phone, demo_world: DemoWorld
) -> None:
    url = demo_world.live.url
    phone.goto(f"{url}/h5/login")
    phone.fill("#openid", OPENID)
    phone.get_by_role("button", name="登录").click()
    phone.wait_for_url(f"{url}/h5/")
    with unit_of_work(demo_world.sessions) as session:
        account_id = session.scalar(select(Account.id).where(Account.account_no == "A001"))
        factories.bound_resident(session, OPENID, account_id)

    phone.goto(f"{url}/h5/pay")
    assert phone.locator("#owed").inner_text() == "¥65.00"
    assert phone.locator("#demo-note").inner_text() == "演示支付仅用于演示：不会扣款。"
    phone.click("#pay-demo")

    # The sandbox's cashier, clearly not a real one.
    assert phone.locator("h2").first.inner_text() == "演示支付（沙箱）"
    assert phone.locator("#sandbox").inner_text() == "演示环境：不会扣款，不连接微信支付或银联"
    assert "¥65.00" in phone.locator(".total").inner_text()
    confirm = phone.get_by_role("button", name="确认支付")
    box = confirm.bounding_box()
    assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= 390
    confirm.click()

    phone.wait_for_url(re.compile(r".*/h5/pay/result\?order=MD\w+$"))
    order_no = phone.url.rsplit("=", 1)[1]
    assert phone.locator("#status").inner_text() == "已支付"
    assert f"订单号 {order_no}（演示支付）" in phone.content()
    assert "可凭户号或订单号到任一校区分中心换开收据" in phone.content()

    # At the counter of branch E: the payment awaits its receipt, then gets it.
    with unit_of_work(demo_world.sessions) as session:
        [waiting] = online_payments(session, order_no, awaiting_receipt=True)
        assert (waiting.account_no, waiting.amount, waiting.provider_label) == (
            "A001",
            D("65.00"),
            "演示支付",
        )
        issued = issue_online_receipt(session, CLERK, order_no, "E")
    assert issued.total == D("65.00")

    phone.goto(f"{url}/h5/pay")
    assert "当前没有待缴账单" in phone.content()
    assert phone.locator("#orders td", has_text=f"已开 {issued.receipt_no}").count() == 1
