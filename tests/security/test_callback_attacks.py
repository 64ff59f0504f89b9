"""Attacks on the payment callbacks, against the service on loopback (issue 19, item 1 and
what held): oversized bodies refused before they are read, unverified bodies kept as a prefix
and a hash, unverified callers from one address throttled while the provider's signed
callbacks still settle, and a valid callback replayed at once settling one payment."""

from __future__ import annotations

import hashlib
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING

import requests
from sqlalchemy import func, select

from server.db.engine import unit_of_work
from server.db.models import Payment, PaymentNotification
from server.services.online_pay.callbacks import UNVERIFIED_KEPT, UNVERIFIED_PER_ADDRESS
from tests.payfakes import wechat_notify, wechat_transaction

if TYPE_CHECKING:
    from tests.online_pay_fixtures import PayWorld

pytest_plugins = ["tests.online_pay_fixtures"]
NOTIFY = "/pay/wechat/notify"
JSON = {"Content-Type": "application/json"}


def _count(world: PayWorld, model, *where) -> int:
    with unit_of_work(world.sessions) as session:
        return session.scalar(select(func.count()).select_from(model).where(*where)) or 0


def test_oversized_callbacks_are_refused_before_being_read(pay_world: PayWorld) -> None:
    url = pay_world.live.url + NOTIFY
    declared = requests.post(url, data=b"{" + b" " * 200_000 + b"}", headers=JSON, timeout=10)
    assert declared.status_code == 413
    assert declared.json() == {"code": "FAIL", "message": "报文过大"}

    def chunks():  # no Content-Length: the cap holds on the stream too
        for _ in range(20):
            yield b"x" * 8192

    streamed = requests.post(url, data=chunks(), headers=JSON, timeout=10)
    assert streamed.status_code == 413 and streamed.json()["code"] == "FAIL"
    assert _count(pay_world, PaymentNotification) == 0


def test_unverified_body_is_kept_as_a_prefix_and_its_hash(pay_world: PayWorld) -> None:
    body = ('{"forged": "' + "伪" * 20_000 + '"}').encode()  # 60 KB, under the cap
    answer = requests.post(pay_world.live.url + NOTIFY, data=body, headers=JSON, timeout=10)
    assert answer.status_code == 400 and answer.json()["code"] == "FAIL"
    with unit_of_work(pay_world.sessions) as session:
        logged = session.scalars(select(PaymentNotification)).one()
    assert (logged.verified, logged.outcome) == (False, "rejected")
    # 2048 bytes of the body (the last character cut in half decodes as U+FFFD) and the tail.
    assert logged.body.startswith('{"forged": "伪')
    assert len(logged.body.encode()) < UNVERIFIED_KEPT + 200
    digest = hashlib.sha256(body).hexdigest()
    assert logged.body.endswith(f"[未验证：共 {len(body)} 字节，SHA-256 {digest}]")


def test_unverified_callers_are_throttled_but_signed_callbacks_still_settle(
    pay_world: PayWorld,
) -> None:
    url = pay_world.live.url + NOTIFY
    allowed = UNVERIFIED_PER_ADDRESS.allowed
    with requests.Session() as http:
        codes = [
            http.post(url, data=b'{"id": "%d"}' % i, headers=JSON, timeout=10).status_code
            for i in range(allowed + 5)
        ]
    assert codes == [400] * allowed + [429] * 5
    assert _count(pay_world, PaymentNotification) == allowed
    # The provider's own callback from the same address is never refused.
    order = pay_world.order()
    headers, body = wechat_notify(pay_world.keys, wechat_transaction(order.order_no, 6500))
    paid = requests.post(url, data=body, headers=headers, timeout=10)
    assert paid.status_code in (200, 204), paid.text
    assert _count(pay_world, Payment) == 1


def test_a_valid_callback_replayed_at_once_pays_once(pay_world: PayWorld) -> None:
    order = pay_world.order()
    headers, body = wechat_notify(pay_world.keys, wechat_transaction(order.order_no, 6500))
    url = pay_world.live.url + NOTIFY
    with ThreadPoolExecutor(8) as pool:
        codes = list(
            pool.map(
                lambda _: requests.post(url, data=body, headers=headers, timeout=30).status_code,
                range(16),
            )
        )
    assert set(codes) <= {200, 204}
    assert _count(pay_world, Payment) == 1
    assert _count(pay_world, PaymentNotification, PaymentNotification.outcome == "applied") == 1
