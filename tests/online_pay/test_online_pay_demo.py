"""演示支付 (issue 14): the sandbox provider of `meterdesk demo`, on the real order →
signed callback → take_payment path. Offered only with pay.demo on and no real merchant;
its callbacks are signed with this install's key and settled exactly once; outside demo
mode its routes answer 404, a forged or foreign callback changes nothing, and `doctor` marks
it where it does not belong. The command line's part is in test_online_pay_demo_cli."""

from __future__ import annotations

import re
import stat
import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from decimal import Decimal as D
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
import requests
from sqlalchemy import func, select

from server.config import load_settings
from server.db.engine import unit_of_work
from server.db.models import (
    Account,
    Allocation,
    Payment,
    PaymentException,
    PaymentNotification,
    PaymentOrder,
)
from server.ops import doctor
from server.services.collection.allocation import open_items
from server.services.collection.online_receipts import issue_online_receipt
from server.services.collection.till import business_date
from server.services.core.audit import Actor
from server.services.online_pay import callbacks, providers_of
from server.services.online_pay.config import DemoPayConfig, PayConfig, demo_key, pay_config
from server.services.online_pay.demo import DemoPay, resident_to_try
from tests import factories as f
from tests.companion.support import csrf_of, signed_in
from tests.payfakes import Keys, write_config

if TYPE_CHECKING:
    from tests.online_pay_fixtures import DemoWorld, LiveWorld, PayWorld

pytest_plugins = ["tests.online_pay_fixtures"]
NOTIFY = "/pay/demo/notify"
OPENID = "o-demo-resident-0001"
CLERK = Actor(label="收费员 E")


def count(world: DemoWorld | PayWorld, model, *where) -> int:
    with unit_of_work(world.sessions) as session:
        return session.scalar(select(func.count()).select_from(model).where(*where)) or 0


def order_row(world: DemoWorld | PayWorld, order_no: str) -> PaymentOrder:
    with unit_of_work(world.sessions) as session:
        found = session.scalar(select(PaymentOrder).where(PaymentOrder.order_no == order_no))
    assert found is not None
    return found


def ref(world: DemoWorld, order_no: str):
    from server.services.online_pay.orders import ref_of_order_no

    with unit_of_work(world.sessions) as session:
        return ref_of_order_no(session, order_no)


def notify(world: DemoWorld, headers: dict[str, str], body: bytes):
    """One callback through the service's callback handling, as the route hands it over."""
    return callbacks.handle_notify(world.sessions, world.sandbox, headers, body, "127.0.0.1")


# --- when it is offered ------------------------------------------------------------------


def test_offered_only_when_on_and_no_merchant_is_configured(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, pay_keys: Keys
) -> None:
    for name in ("MD_PAY_DEMO", "MD_PAY_WECHAT_MCH_ID", "MD_PAY_UNIONPAY_MER_ID"):
        monkeypatch.delenv(name, raising=False)
    home = tmp_path / "home"
    home.mkdir()
    assert providers_of(pay_config(load_settings(home))) == {}
    assert not (home / "demo_pay.key").exists()

    monkeypatch.setenv("MD_PAY_DEMO", "true")
    config = pay_config(load_settings(home))
    assert list(providers_of(config)) == ["demo"]
    # The key is this install's: made once, kept private, the same on every load.
    key_file = home / "demo_pay.key"
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert config.demo is not None and config.demo.key == bytes.fromhex(key_file.read_text())
    assert len(config.demo.key) == 32
    assert pay_config(load_settings(home)).demo == config.demo
    other = tmp_path / "other"
    other.mkdir()
    assert demo_key(other) != config.demo.key

    # A real merchant configured: only the real providers, whatever pay.demo says.
    merchant_home = tmp_path / "merchant"
    merchant_home.mkdir()
    write_config(merchant_home, pay_keys, "http://127.0.0.1:9")
    real = pay_config(load_settings(merchant_home))
    assert real.demo is None
    assert sorted(providers_of(real)) == ["unionpay", "wechat"]
    # …and a config made by hand with both gets no sandbox either.
    both = PayConfig(real.order_expiry, real.query_after, wechat=real.wechat, demo=config.demo)
    assert list(providers_of(both)) == ["wechat"]


def test_workers_starting_together_share_one_key(tmp_path: Path) -> None:
    keys: list[bytes] = []
    start = threading.Barrier(8)

    def load() -> None:
        start.wait()
        keys.append(demo_key(tmp_path))

    workers = [threading.Thread(target=load) for _ in range(8)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    assert len(keys) == 8 and len(set(keys)) == 1
    assert sorted(p.name for p in tmp_path.iterdir()) == ["demo_pay.key"]


def test_doctor_marks_demo_pay(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("MD_PAY_DEMO", "MD_PAY_WECHAT_MCH_ID", "DATABASE_URL", "MD_DATABASE_URL"):
        monkeypatch.delenv(name, raising=False)
    everything = ("database", "fonts", "printers", "serial", "wechat", "sms")
    fix = "删除 pay.demo（或环境变量 MD_PAY_DEMO）：演示支付只用于本机的 meterdesk demo"

    def lines() -> list[str]:
        checks = doctor.run_checks(load_settings(tmp_path), "", skip=everything)
        return [check.line() for check in checks]

    assert lines() == []
    monkeypatch.setenv("MD_PAY_DEMO", "true")
    assert lines() == ["✓ 演示支付已开启：仅供演示，本机嵌入式数据库，不扣款"]
    monkeypatch.setenv("MD_PAY_WECHAT_MCH_ID", "1900000109")
    assert lines() == [f"✗ 演示支付已开启（pay.demo），但已配置真实商户，不会提供演示支付 — {fix}"]
    monkeypatch.delenv("MD_PAY_WECHAT_MCH_ID")
    monkeypatch.setenv("DATABASE_URL", "postgresql://meterdesk_app@db.example/meterdesk")
    checks = doctor.run_checks(load_settings(tmp_path), "", skip=everything)
    assert [c.line() for c in checks] == [
        f"✗ 演示支付已开启（pay.demo），但连接的是中心数据库 — {fix}"
    ]
    assert doctor.failed(checks)


# --- the callback, settled exactly once --------------------------------------------------


def test_signed_callback_pays_the_bills_once(demo_world: DemoWorld) -> None:
    order = demo_world.order()
    assert order.amount == D("65.00") and order.provider_label == "演示支付"
    headers, body = demo_world.sandbox.notify(ref(demo_world, order.order_no))
    answer, settled = notify(demo_world, headers, body)
    assert (answer.status, answer.body, settled.outcome) == (200, b"ok", "applied")
    # The same word 5 times more: answered as accepted, nothing more applied.
    for _ in range(5):
        answer, settled = notify(demo_world, headers, body)
        assert (answer.status, settled.outcome) == (200, "duplicate")
    # Confirmed again later (a second click): signed afresh, the same trade.
    again = demo_world.sandbox.notify(ref(demo_world, order.order_no))
    assert notify(demo_world, *again)[1].outcome == "duplicate"
    stored = order_row(demo_world, order.order_no)
    with unit_of_work(demo_world.sessions) as session:
        payment = session.scalar(select(Payment))
        assert payment is not None
        allocated = sorted(session.scalars(select(Allocation.amount)))
        account_id = session.scalar(select(Account.id).where(Account.account_no == "A001"))
        assert open_items(session, account_id, business_date()) == ()
    assert (payment.channel, payment.amount, payment.bank) == ("online", D("65.00"), "演示支付")
    assert payment.reference == demo_world.sandbox.trade_no(order.order_no)
    assert payment.reference.startswith("DEMO") and len(payment.reference) == 28
    assert allocated == [D("25.00"), D("40.00")]
    assert (stored.status, stored.payment_id, stored.settled_by) == ("paid", payment.id, "notify")
    assert stored.trade_no == payment.reference
    assert count(demo_world, Payment) == 1
    assert count(demo_world, PaymentNotification, PaymentNotification.verified) == 7


def test_a_prepaid_top_up_above_what_is_owed_pays_the_bill_and_keeps_the_rest(
    demo_world: DemoWorld,
) -> None:
    with unit_of_work(demo_world.sessions) as session:
        account_id = session.scalar(select(Account.id).where(Account.account_no == "A002"))
        f.bill(session, account_id, "2026-10", "30.00")
    order = demo_world.order(account_no="A002", topup=D("100.00"))
    assert (order.amount, order.topup) == (D("100.00"), True)
    headers, body = demo_world.sandbox.notify(ref(demo_world, order.order_no))
    assert notify(demo_world, headers, body)[1].outcome == "applied"
    with unit_of_work(demo_world.sessions) as session:
        assert open_items(session, account_id, business_date()) == ()
        allocated = list(session.scalars(select(Allocation.amount)))
        balance = session.scalar(select(Account.balance).where(Account.id == account_id))
    # 100.00 paid: 30.00 to the open bill, 70.00 to the prepaid balance.
    assert (allocated, balance) == ([D("30.00")], D("70.00"))


def test_five_concurrent_callbacks_make_one_payment(demo_world: DemoWorld) -> None:
    order = demo_world.order()
    signed = [demo_world.sandbox.notify(ref(demo_world, order.order_no)) for _ in range(5)]
    start = threading.Barrier(5)

    def deliver(headers_body: tuple[dict[str, str], bytes]) -> int:
        start.wait()
        url = demo_world.live.url + NOTIFY
        return requests.post(url, data=headers_body[1], headers=headers_body[0], timeout=30)

    with ThreadPoolExecutor(5) as pool:
        answers = list(pool.map(deliver, signed))
    assert [(a.status_code, a.text) for a in answers] == [(200, "ok")] * 5
    with unit_of_work(demo_world.sessions) as session:
        outcomes = sorted(session.scalars(select(PaymentNotification.outcome)))
        total = session.scalar(select(func.sum(Payment.amount)))
    assert outcomes == ["applied"] + ["duplicate"] * 4
    assert total == D("65.00") and count(demo_world, Payment) == 1
    assert order_row(demo_world, order.order_no).status == "paid"


def test_a_different_amount_is_kept_for_staff(demo_world: DemoWorld) -> None:
    order = demo_world.order()
    lying = ref(demo_world, order.order_no)
    headers, body = demo_world.sandbox.notify(type(lying)(**{**lying.__dict__, "amount_fen": 6400}))
    assert notify(demo_world, headers, body)[1].outcome == "exception"
    [kept] = _exceptions(demo_world)
    assert (kept.kind, kept.amount, kept.provider) == ("wrong_amount", D("64.00"), "demo")
    assert count(demo_world, Payment) == 0
    assert order_row(demo_world, order.order_no).status == "exception"


def _exceptions(world: DemoWorld) -> list[PaymentException]:
    with unit_of_work(world.sessions) as session:
        return list(session.scalars(select(PaymentException)))


# --- forged callbacks change nothing -----------------------------------------------------


@pytest.mark.parametrize(
    "case", ["other_install", "tampered_amount", "no_headers", "stale", "bad_timestamp"]
)
def test_forged_callback_changes_nothing(demo_world: DemoWorld, case: str) -> None:
    order = demo_world.order()
    sandbox = demo_world.sandbox
    if case == "other_install":
        # Signed by another install's sandbox (another key): the same format, not ours.
        sandbox = DemoPay(DemoPayConfig(b"k" * 32))
    elif case == "stale":
        sandbox = DemoPay(sandbox.config, clock=lambda: demo_world.sandbox.clock() - 300)
    headers, body = sandbox.notify(ref(demo_world, order.order_no))
    if case == "tampered_amount":
        body = body.replace(b'"amount_fen": 6500', b'"amount_fen": 1')
    elif case == "no_headers":
        headers = {"Content-Type": "application/json"}
    elif case == "bad_timestamp":
        headers["Demopay-Timestamp"] = "tomorrow"
    answer = requests.post(demo_world.live.url + NOTIFY, data=body, headers=headers, timeout=10)
    expected = {
        "other_install": "演示支付签名验证失败",
        "tampered_amount": "演示支付签名验证失败",
        "no_headers": "缺少演示支付签名头",
        "stale": "与本机时间相差 5 分钟以上",
        "bad_timestamp": "时间戳「tomorrow」无效",
    }[case]
    assert answer.status_code == 400 and expected in answer.text
    assert count(demo_world, Payment) == 0 and _exceptions(demo_world) == []
    assert order_row(demo_world, order.order_no).status == "created"
    with unit_of_work(demo_world.sessions) as session:
        logged = session.scalars(select(PaymentNotification)).all()
    assert [(n.provider, n.verified, n.outcome) for n in logged] == [("demo", False, "rejected")]
    assert expected in logged[0].detail


def test_outside_demo_mode_the_routes_are_not_there(pay_world: PayWorld, tmp_path: Path) -> None:
    """WeChat Pay and UnionPay configured (the service of a real center): no 演示支付, and a
    demo callback — even one correctly signed for a real order — changes nothing."""
    assert sorted(pay_world.runtime.providers) == ["unionpay", "wechat"]
    order = pay_world.order(provider="demo")
    sandbox = DemoPay(DemoPayConfig(demo_key(tmp_path)))
    from server.services.online_pay.orders import ref_of_order_no

    with unit_of_work(pay_world.sessions) as session:
        headers, body = sandbox.notify(ref_of_order_no(session, order.order_no))
    answer = requests.post(pay_world.live.url + NOTIFY, data=body, headers=headers, timeout=10)
    assert answer.status_code == 404
    assert count(pay_world, Payment) == 0 and count(pay_world, PaymentNotification) == 0
    assert order_row(pay_world, order.order_no).status == "created"

    browser, account_id = signed_in(pay_world.live.url, pay_world.sessions, OPENID)
    page = browser.get(f"{pay_world.live.url}/h5/pay", timeout=10).text
    assert 'id="pay-wechat"' in page and "pay-demo" not in page and "演示支付" not in page
    started = browser.post(
        f"{pay_world.live.url}/h5/pay",
        data={"account": account_id, "provider": "demo", "csrf_token": csrf_of(page)},
        timeout=10,
    )
    assert started.status_code == 400 and "该支付方式暂未开通" in started.text
    confirmed = browser.post(
        f"{pay_world.live.url}/h5/pay/demo/confirm",
        data={"order": order.order_no, "csrf_token": csrf_of(page)},
        timeout=10,
    )
    assert confirmed.status_code == 404
    assert count(pay_world, Payment) == 0 and count(pay_world, PaymentOrder) == 1


def test_pay_demo_off_and_no_merchant_offers_nothing(unpaid_world: LiveWorld) -> None:
    url = unpaid_world.live.url
    browser, _ = signed_in(url, unpaid_world.sessions, OPENID)
    page = browser.get(f"{url}/h5/pay", timeout=10).text
    assert "在线支付暂未开通" in page and "演示支付" not in page
    assert requests.post(url + NOTIFY, data=b"{}", timeout=10).status_code == 404


# --- the resident's pages, then the counter ----------------------------------------------


def test_resident_pays_with_demo_pay_and_the_counter_issues_the_receipt(
    demo_world: DemoWorld,
) -> None:
    url = demo_world.live.url
    browser, account_id = signed_in(url, demo_world.sessions, OPENID)
    with unit_of_work(demo_world.sessions) as session:
        assert resident_to_try(session) == (OPENID, "A001")
    page = browser.get(f"{url}/h5/pay", timeout=10).text
    assert 'id="pay-demo">演示支付 ¥65.00' in page and "演示支付仅用于演示：不会扣款" in page
    cashier = browser.post(
        f"{url}/h5/pay",
        data={"account": account_id, "provider": "demo", "csrf_token": csrf_of(page)},
        timeout=10,
    )
    assert cashier.status_code == 200
    assert "演示支付（沙箱）" in cashier.text and "演示环境：不会扣款" in cashier.text
    order_no = re.search(r'name="order" value="(MD\w+)"', cashier.text).group(1)  # type: ignore[union-attr]
    # Another resident, bound to A002 only, cannot confirm it.
    stranger, _ = signed_in(url, demo_world.sessions, "o-stranger", "A002")
    refused = stranger.post(
        f"{url}/h5/pay/demo/confirm",
        data={"order": order_no, "csrf_token": csrf_of(stranger.get(f"{url}/h5/pay").text)},
        timeout=10,
    )
    assert refused.status_code == 404 and count(demo_world, Payment) == 0
    # 确认支付, twice (a double tap): paid once.
    for _ in range(2):
        result = browser.post(
            f"{url}/h5/pay/demo/confirm",
            data={"order": order_no, "csrf_token": csrf_of(cashier.text)},
            timeout=30,
        )
        assert result.status_code == 200 and result.url.endswith(f"/h5/pay/result?order={order_no}")
        assert '<p id="status">已支付</p>' in result.text and "（演示支付）" in result.text
    assert count(demo_world, Payment) == 1
    with unit_of_work(demo_world.sessions) as session:
        logged = session.execute(
            select(PaymentNotification.source, PaymentNotification.outcome).order_by(
                PaymentNotification.id
            )
        ).all()
    # The second tap found the order paid and sent nothing.
    assert [tuple(row) for row in logged] == [("notify", "applied")]
    # At the counter of branch E: the receipt of the online payment.
    with unit_of_work(demo_world.sessions) as session:
        issued = issue_online_receipt(session, CLERK, order_no, "E")
    assert (issued.total, issued.branch_code) == (D("65.00"), "E")
    history = browser.get(f"{url}/h5/pay", timeout=10).text
    assert f"已开 {issued.receipt_no}" in history and "当前没有待缴账单" in history


def test_an_expired_order_is_not_confirmed(demo_world: DemoWorld) -> None:
    url = demo_world.live.url
    browser, _ = signed_in(url, demo_world.sessions, OPENID)
    order = demo_world.order(expiry=timedelta(seconds=-1))
    page = browser.get(f"{url}/h5/pay", timeout=10).text
    answer = browser.post(
        f"{url}/h5/pay/demo/confirm",
        data={"order": order.order_no, "csrf_token": csrf_of(page)},
        timeout=10,
    )
    assert answer.status_code == 400 and "订单已过期，请返回在线缴费重新下单" in answer.text
    assert count(demo_world, Payment) == 0 and count(demo_world, PaymentNotification) == 0


def test_the_resident_to_try_is_one_with_a_bill_to_pay(session) -> None:
    assert resident_to_try(session) is None
    f.tariff(session)
    paid_up = f.account(session, "B001")
    owing = f.account(session, "B002")
    f.bill(session, owing, "2026-10", "25.00")
    f.bound_resident(session, "o-first-paid-up", paid_up)
    assert resident_to_try(session) == ("o-first-paid-up", "B001")
    f.bound_resident(session, "o-second-owing", owing)
    assert resident_to_try(session) == ("o-second-owing", "B002")
