"""The whole flow (issue 7's "done when"): a resident pays the open bills in the H5 page
against the stand-in for each provider, the bills show paid at the counter, a clerk issues
the receipt at another branch, the resident's page shows it, and the day's statement
reconciles with nothing unexplained."""

from __future__ import annotations

import json
import re
from typing import TYPE_CHECKING

import requests
from sqlalchemy import select, text

from server.db.engine import unit_of_work
from server.db.models import Account
from server.services.collection.allocation import open_items
from server.services.collection.online_receipts import issue_online_receipt
from server.services.collection.till import business_date
from server.services.core import calendar
from server.services.core.audit import Actor
from server.services.online_pay import reconcile
from tests.payfakes import (
    MCH_ID,
    unionpay_fields,
    unionpay_notify,
    wechat_notify,
    wechat_transaction,
)

if TYPE_CHECKING:
    from tests.online_pay_fixtures import PayWorld

pytest_plugins = ["tests.online_pay_fixtures"]
OPENID = "o-resident-h5-0001"
CLERK = Actor(label="收费员 E")


def _csrf(page: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert found, page[:500]
    return found.group(1)


def resident(world: PayWorld) -> tuple[requests.Session, int]:
    """A signed-in resident bound to A001: (browser session, account id)."""
    browser = requests.Session()
    page = browser.get(f"{world.live.url}/h5/login", timeout=10).text
    browser.post(
        f"{world.live.url}/h5/dev-login",
        data={"openid": OPENID, "csrf_token": _csrf(page)},
        timeout=10,
    )
    with unit_of_work(world.sessions) as session:
        account_id = session.scalar(select(Account.id).where(Account.account_no == "A001"))
        session.execute(
            text(
                "insert into binding (wechat_user_id, account_no, claim, account_id, matched,"
                " status, due_at, reason) select id, 'A001', '张三', :a, true, 'approved',"
                " now(), '' from wechat_user where openid = :o"
            ),
            {"a": account_id, "o": OPENID},
        )
    return browser, account_id


def start(world: PayWorld, browser: requests.Session, account_id: int, provider: str) -> str:
    page = browser.get(f"{world.live.url}/h5/pay", timeout=10)
    assert page.status_code == 200 and "¥65.00" in page.text
    assert f'id="pay-{provider}"' in page.text
    answer = browser.post(
        f"{world.live.url}/h5/pay",
        data={"account": account_id, "provider": provider, "csrf_token": _csrf(page.text)},
        timeout=10,
    )
    assert answer.status_code == 200, answer.text[:500]
    return answer.text


def test_resident_pays_with_wechat_and_collects_the_receipt_elsewhere(
    pay_world: PayWorld,
) -> None:
    browser, account_id = resident(pay_world)
    page = start(pay_world, browser, account_id, "wechat")
    params = json.loads(
        re.search(r'id="jsapi" type="application/json">(.*?)</script>', page).group(1)
    )  # type: ignore[union-attr]
    assert params["package"].startswith("prepay_id=wx") and params["signType"] == "RSA"
    [created] = pay_world.standin.state.created
    assert created["amount"] == {"total": 6500, "currency": "CNY"}
    assert created["payer"] == {"openid": OPENID}
    order_no = created["out_trade_no"]
    # WeChat tells the service; the resident's result page says so.
    transaction = wechat_transaction(order_no, 6500)
    headers, body = wechat_notify(pay_world.keys, transaction)
    assert (
        requests.post(
            f"{pay_world.live.url}/pay/wechat/notify", data=body, headers=headers
        ).status_code
        == 204
    )
    result = browser.get(f"{pay_world.live.url}/h5/pay/result?order={order_no}").text
    assert "已支付" in result and "换开收据" in result
    # At the counter: nothing owed; the receipt at branch E.
    with unit_of_work(pay_world.sessions) as session:
        assert open_items(session, account_id, business_date()) == ()
        issued = issue_online_receipt(session, CLERK, order_no, "E")
    history = browser.get(f"{pay_world.live.url}/h5/pay").text
    assert f"已开 {issued.receipt_no}" in history and "当前没有待缴账单" in history
    # The day's statement: nothing unexplained.
    day = calendar.now().strftime("%Y-%m-%d %H:%M:%S")
    cells = [day, "wx", MCH_ID, "0", "", transaction["transaction_id"], order_no, OPENID,
             "JSAPI", "SUCCESS", "CMC", "CNY", "65.00", "0.00", "", "", "0.00", "0.00", "",
             "", "水电费", "", "0.39000", "0.60%", "65.00", "0.00", ""]  # fmt: skip
    statement = (
        "交易时间,公众账号ID,商户号,特约商户号,设备号,微信订单号,商户订单号,用户标识,交易类型,"
        "交易状态,付款银行,货币种类,应结订单金额,代金券金额,微信退款单号,商户退款单号,退款金额,"
        "充值券退款金额,退款类型,退款状态,商品名称,商户数据包,手续费,费率,订单金额,申请退款金额,"
        "费率备注\n" + ",".join(f"`{c}" for c in cells) + "\n"
    )
    with unit_of_work(pay_world.sessions) as session:
        statement_id = reconcile.import_statement(
            session, CLERK, "wechat", "wechat.csv", statement.encode()
        )
        outcome = reconcile.reconcile(session, statement_id)
    assert outcome.unexplained == 0 and len(outcome.of("matched")) == 1


def test_resident_pays_with_unionpay(pay_world: PayWorld) -> None:
    browser, account_id = resident(pay_world)
    page = start(pay_world, browser, account_id, "unionpay")
    assert f'action="{pay_world.standin.url}/gateway/api/frontTransReq.do"' in page
    fields = dict(re.findall(r'<input type="hidden" name="(\w+)" value="([^"]*)">', page))
    assert fields["txnAmt"] == "6500" and fields["signature"]
    order_no = fields["orderId"]
    notify = unionpay_fields(order_no, 6500, fields["txnTime"])
    headers, body = unionpay_notify(pay_world.keys, notify)
    answer = requests.post(f"{pay_world.live.url}/pay/unionpay/notify", data=body, headers=headers)
    assert (answer.status_code, answer.text) == (200, "ok")
    # The browser comes back from UnionPay's page with a form post.
    back = browser.post(
        f"{pay_world.live.url}/h5/pay/unionpay/return", data={"orderId": order_no, "respCode": "00"}
    )
    assert back.status_code == 200 and "已支付" in back.text
    with unit_of_work(pay_world.sessions) as session:
        assert open_items(session, account_id, business_date()) == ()


def test_top_up_from_the_page(pay_world: PayWorld) -> None:
    browser, account_id = resident(pay_world)
    page = browser.get(f"{pay_world.live.url}/h5/pay").text
    bad = browser.post(
        f"{pay_world.live.url}/h5/pay",
        data={"account": account_id, "provider": "unionpay", "topup": "十元",
              "csrf_token": _csrf(page)},
    )  # fmt: skip
    assert bad.status_code == 400 and "预存金额应为数字" in bad.text
    # Within pay.topup_min and pay.topup_max (10 and 5000 yuan by default), both included.
    for amount in ("9.99", "5000.01"):
        outside = browser.post(
            f"{pay_world.live.url}/h5/pay",
            data={"account": account_id, "provider": "unionpay", "topup": amount,
                  "csrf_token": _csrf(page)},
        )  # fmt: skip
        assert outside.status_code == 400
        assert f"预存金额应在 10.00 至 5000.00 元之间，收到 {amount} 元" in outside.text
    good = browser.post(
        f"{pay_world.live.url}/h5/pay",
        data={"account": account_id, "provider": "unionpay", "topup": "100",
              "csrf_token": _csrf(page)},
    )  # fmt: skip
    fields = dict(re.findall(r'<input type="hidden" name="(\w+)" value="([^"]*)">', good.text))
    assert fields["txnAmt"] == "10000"
    # Someone else's account is refused.
    other = browser.post(
        f"{pay_world.live.url}/h5/pay",
        data={"account": account_id + 1, "provider": "unionpay", "csrf_token": _csrf(page)},
    )
    assert other.status_code == 400 and "已绑定" in other.text
