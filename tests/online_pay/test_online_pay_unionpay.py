"""UnionPay 5.1.0 back notifications against the running service: valid, forged (a key
not UnionPay's, a certificate outside the configured chain or without 中国银联股份有限公司
in its CN, a changed field), duplicates, a failed payment, wrong amount; the front form."""

from __future__ import annotations

import base64
import hashlib
from datetime import UTC, datetime, timedelta
from decimal import Decimal as D
from typing import TYPE_CHECKING
from urllib.parse import parse_qsl, urlencode

import pytest
import requests
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding
from cryptography.x509.oid import NameOID
from sqlalchemy import func, select

from server.db.engine import unit_of_work
from server.db.models import Bill, Payment, PaymentException, PaymentNotification
from server.services.online_pay import unionpay
from server.services.online_pay.orders import ref_of_order_no
from tests.payfakes import unionpay_fields, unionpay_notify

if TYPE_CHECKING:
    from tests.online_pay_fixtures import PayWorld

pytest_plugins = ["tests.online_pay_fixtures"]
NOTIFY = "/pay/unionpay/notify"


def post(world: PayWorld, headers: dict[str, str], body: bytes) -> requests.Response:
    return requests.post(world.live.url + NOTIFY, data=body, headers=headers, timeout=10)


def payments(world: PayWorld) -> int:
    with unit_of_work(world.sessions) as session:
        return session.scalar(select(func.count()).select_from(Payment)) or 0


def test_valid_back_notification_pays_once(pay_world: PayWorld) -> None:
    order = pay_world.order("unionpay")
    # A reserved field with the characters the form encoding has to protect.
    fields = unionpay_fields(
        order.order_no, 6500, pay_world.txn_time(order.order_no), reqReserved="户号=A001&备注 x+y"
    )
    headers, body = unionpay_notify(pay_world.keys, fields)
    answer = post(pay_world, headers, body)
    assert (answer.status_code, answer.text) == (200, "ok")
    assert post(pay_world, headers, body).status_code == 200
    assert payments(pay_world) == 1
    with unit_of_work(pay_world.sessions) as session:
        payment = session.scalar(select(Payment))
        assert payment is not None
        assert (payment.reference, payment.bank) == (fields["queryId"], "银联在线")
        assert set(session.scalars(select(Bill.status))) == {"paid"}


def _cert(keys, cn: str, issuer_key, issuer_cn: str = "CFCA TEST OCA1") -> x509.Certificate:
    now = datetime.now(UTC)
    return (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn)]))
        .issuer_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, issuer_cn)]))
        .public_key(keys.stranger_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(days=1))
        .not_valid_after(now + timedelta(days=30))
        .sign(issuer_key, hashes.SHA256())
    )


@pytest.mark.parametrize("case", ["self_signed", "wrong_cn", "wrong_key", "changed", "unsigned"])
def test_forged_back_notification_changes_nothing(pay_world: PayWorld, case: str) -> None:
    keys = pay_world.keys
    order = pay_world.order("unionpay")
    fields = unionpay_fields(order.order_no, 6500, pay_world.txn_time(order.order_no))
    if case == "self_signed":
        # Says it is UnionPay, but is not issued by the configured middle certificate.
        cert = _cert(keys, "041@Z12@中国银联股份有限公司@00000001", keys.stranger_key)
        headers, body = unionpay_notify(keys, fields, cert=cert, key=keys.stranger_key)
    elif case == "wrong_cn":
        # Issued in the chain (a merchant's certificate), but not UnionPay's.
        cert = _cert(keys, "041@Z12@某商户@00000001", keys.up_middle_key)
        headers, body = unionpay_notify(keys, fields, cert=cert, key=keys.stranger_key)
    elif case == "wrong_key":
        headers, body = unionpay_notify(keys, fields, key=keys.stranger_key)
    else:
        headers, body = unionpay_notify(keys, fields)
        pairs = dict(parse_qsl(body.decode()))
        if case == "changed":
            pairs["txnAmt"] = "1"
        else:
            del pairs["signature"]
        body = urlencode(pairs).encode()
    answer = post(pay_world, headers, body)
    assert answer.status_code == 400
    assert payments(pay_world) == 0
    with unit_of_work(pay_world.sessions) as session:
        logged = session.scalars(select(PaymentNotification)).all()
    assert [(n.verified, n.outcome) for n in logged] == [(False, "rejected")]


def test_failed_payment_notification_changes_nothing(pay_world: PayWorld) -> None:
    order = pay_world.order("unionpay")
    fields = unionpay_fields(
        order.order_no, 6500, pay_world.txn_time(order.order_no), respCode="61", respMsg="余额不足"
    )
    assert post(pay_world, *unionpay_notify(pay_world.keys, fields)).status_code == 200
    assert payments(pay_world) == 0


def test_wrong_amount_is_kept(pay_world: PayWorld) -> None:
    order = pay_world.order("unionpay")
    fields = unionpay_fields(order.order_no, 6600, pay_world.txn_time(order.order_no))
    assert post(pay_world, *unionpay_notify(pay_world.keys, fields)).status_code == 200
    with unit_of_work(pay_world.sessions) as session:
        kept = session.scalars(select(PaymentException)).all()
    assert [(k.kind, k.amount) for k in kept] == [("wrong_amount", D("66.00"))]


def test_front_form_is_signed_for_the_gateway(pay_world: PayWorld) -> None:
    order = pay_world.order("unionpay")
    provider = pay_world.runtime.providers["unionpay"]
    with unit_of_work(pay_world.sessions) as session:
        checkout = provider.checkout(ref_of_order_no(session, order.order_no))
    fields = checkout.params
    assert checkout.action.endswith("/gateway/api/frontTransReq.do")
    assert (fields["txnAmt"], fields["orderId"], fields["version"]) == (
        "6500",
        order.order_no,
        "5.1.0",
    )
    assert fields["certId"] == str(pay_world.keys.up_merchant_cert.serial_number)
    # What the gateway does with it: verify with the merchant certificate's key.
    digest = hashlib.sha256(unionpay.signing_string(fields).encode()).hexdigest()
    pay_world.keys.up_merchant_key.public_key().verify(
        base64.b64decode(fields["signature"]), digest.encode(), padding.PKCS1v15(), hashes.SHA256()
    )


def test_query_answer_parsing_keeps_nested_blocks() -> None:
    text = "a=1&reserved={x=1&y=2}&sig=ab+c/d==&pem=-----BEGIN\nX==\n-----END&z="
    assert unionpay.parse_response(text) == {
        "a": "1",
        "reserved": "{x=1&y=2}",
        "sig": "ab+c/d==",
        "pem": "-----BEGIN\nX==\n-----END",
        "z": "",
    }
