"""UnionPay online gateway (全渠道 网关支付), interface version 5.1.0, signMethod 01.

- Signing: the fields other than `signature`, sorted by name, joined as `k=v&k=v` (raw
  values, not URL-encoded); SHA-256 of that string as lowercase hex; SHA256withRSA over the
  hex string; base64. Our requests carry `certId`, the decimal serial number of the
  merchant's signing certificate.
- Verifying: UnionPay sends its signing certificate in `signPubKeyCert` (PEM). It must be
  issued by the configured middle certificate, which must be issued by the configured
  root; all three within their validity; and its CN must carry 中国银联股份有限公司 as one
  of its `@`-separated fields (the SDK's rule: CN looks like 041@Z12@中国银联股份有限公司@00000001).
- The front form (frontTransReq.do) is auto-submitted by the resident's browser; the back
  notification is a form POST answered HTTP 200 (anything else and UnionPay retries).
- The query (queryTrans.do) answers `k=v&…` with values not URL-encoded, where a value may
  be a {…} or […] block holding & and = of its own; respCode is the query's outcome and
  origRespCode the transaction's (00 paid; 03/04/05 still in progress).
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Mapping
from datetime import UTC, datetime
from urllib.parse import parse_qsl

import requests
from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding
from cryptography.hazmat.primitives.asymmetric.rsa import RSAPrivateKey, RSAPublicKey
from cryptography.x509.oid import NameOID

from server.db.models.online_pay import UNIONPAY
from server.services.core.calendar import BUSINESS_TZ
from server.services.online_pay.config import UnionPayConfig
from server.services.online_pay.providers import (
    Answer,
    Checkout,
    NotifyRejected,
    OrderRef,
    ProviderUnavailable,
    TradeState,
)

VERSION = "5.1.0"
UNIONPAY_CN = "中国银联股份有限公司"
TIMEOUT = (3, 8)
IN_PROGRESS = ("03", "04", "05")


def signing_string(fields: Mapping[str, str]) -> str:
    return "&".join(f"{key}={fields[key]}" for key in sorted(fields) if key != "signature")


def sign(key: RSAPrivateKey, fields: Mapping[str, str]) -> str:
    digest = hashlib.sha256(signing_string(fields).encode("utf-8")).hexdigest()
    signature = key.sign(digest.encode(), padding.PKCS1v15(), hashes.SHA256())
    return base64.b64encode(signature).decode()


def _check_chain(cert: x509.Certificate, middle: x509.Certificate, root: x509.Certificate) -> None:
    now = datetime.now(UTC)
    for which, item in (("验签证书", cert), ("中级证书", middle), ("根证书", root)):
        if not item.not_valid_before_utc <= now <= item.not_valid_after_utc:
            raise NotifyRejected(f"银联{which}不在有效期内")
    try:
        cert.verify_directly_issued_by(middle)
        middle.verify_directly_issued_by(root)
    except (ValueError, TypeError, InvalidSignature):
        raise NotifyRejected("银联验签证书不是由配置的根证书和中级证书签发") from None
    names = cert.subject.get_attributes_for_oid(NameOID.COMMON_NAME)
    cn = str(names[0].value) if names else ""
    if UNIONPAY_CN not in cn.split("@"):
        raise NotifyRejected(f"验签证书的 CN（{cn}）不是{UNIONPAY_CN}")


def verify(config: UnionPayConfig, fields: Mapping[str, str]) -> None:
    """Check a message UnionPay signed (back notification or query answer)."""
    version, method = fields.get("version"), fields.get("signMethod")
    if method != "01" or version != VERSION:
        raise NotifyRejected(f"不支持的银联报文版本或签名方法：{version!r} {method!r}")
    signature, pem = fields.get("signature", ""), fields.get("signPubKeyCert", "")
    if not signature or not pem:
        raise NotifyRejected("银联报文缺少签名或验签证书")
    try:
        cert = x509.load_pem_x509_certificate(pem.encode())
    except ValueError:
        raise NotifyRejected("银联验签证书无法解析") from None
    _check_chain(cert, config.middle_cert, config.root_cert)
    key = cert.public_key()
    if not isinstance(key, RSAPublicKey):
        raise NotifyRejected("银联验签证书不是 RSA 证书")
    digest = hashlib.sha256(signing_string(fields).encode("utf-8")).hexdigest()
    try:
        key.verify(
            base64.b64decode(signature, validate=True),
            digest.encode(),
            padding.PKCS1v15(),
            hashes.SHA256(),
        )
    except (InvalidSignature, ValueError):
        raise NotifyRejected("银联签名验证失败") from None


def parse_response(text: str) -> dict[str, str]:
    """`k=v&k=v` as UnionPay answers a query: split at & outside {…} and […] blocks, each
    pair at its first =, values kept raw."""
    fields: dict[str, str] = {}
    depth = 0
    start = 0
    for index, char in enumerate(text + "&"):
        if char in "{[":
            depth += 1
        elif char in "}]":
            depth = max(0, depth - 1)
        elif char == "&" and depth == 0:
            pair = text[start:index]
            start = index + 1
            if not pair:
                continue
            key, sep, value = pair.partition("=")
            if not sep:
                raise ProviderUnavailable(f"银联应答格式无效：{pair[:40]!r}")
            fields[key] = value
    return fields


def _paid_at(fields: Mapping[str, str]) -> datetime | None:
    """The payment time: traceTime (MMddHHmmss) in the year of the order's txnTime."""
    trace, sent = fields.get("traceTime", ""), fields.get("txnTime", "")
    try:
        order_time = datetime.strptime(sent, "%Y%m%d%H%M%S").replace(tzinfo=BUSINESS_TZ)
        if len(trace) != 10:
            return order_time
        moment = datetime.strptime(f"{order_time.year}{trace}", "%Y%m%d%H%M%S")
        paid = moment.replace(tzinfo=BUSINESS_TZ)
        # Sent on 31 December, paid on 1 January.
        return paid if paid >= order_time else paid.replace(year=order_time.year + 1)
    except ValueError:
        return None


class UnionPay:
    name = UNIONPAY

    def __init__(self, config: UnionPayConfig) -> None:
        self.config = config
        self.merchant_id = config.mer_id

    def _signed(self, fields: dict[str, str]) -> dict[str, str]:
        fields = {**fields, "certId": self.config.cert_id}
        fields["signature"] = sign(self.config.sign_key, fields)
        return fields

    def checkout(self, order: OrderRef) -> Checkout:
        txn_time = order.txn_time or order.created_at.astimezone(BUSINESS_TZ).strftime(
            "%Y%m%d%H%M%S"
        )
        fields = self._signed(
            {
                "version": VERSION,
                "encoding": "UTF-8",
                "signMethod": "01",
                "txnType": "01",
                "txnSubType": "01",
                "bizType": "000201",
                "channelType": "08",
                "accessType": "0",
                "currencyCode": "156",
                "merId": self.config.mer_id,
                "orderId": order.order_no,
                "txnTime": txn_time,
                "txnAmt": str(order.amount_fen),
                "payTimeout": order.expires_at.astimezone(BUSINESS_TZ).strftime("%Y%m%d%H%M%S"),
                "frontUrl": self.config.front_return_url,
                "backUrl": self.config.back_notify_url,
            }
        )
        return Checkout(UNIONPAY, fields, action=self.config.front_url, txn_time=txn_time)

    def _state(self, fields: Mapping[str, str], paid: bool, state: str) -> TradeState:
        amount = fields.get("txnAmt", "")
        if not fields.get("orderId") or not amount.isdigit():
            raise NotifyRejected("银联报文缺少订单号或金额")
        return TradeState(
            provider=UNIONPAY,
            merchant_id=fields.get("merId", ""),
            order_no=fields["orderId"],
            trade_no=fields.get("queryId", ""),
            amount_fen=int(amount),
            paid=paid,
            state=state,
            paid_at=_paid_at(fields),
        )

    def verify_notify(self, headers: Mapping[str, str], body: bytes) -> TradeState:
        try:
            # The back notification is a form post; its signature and certificate carry
            # + / = and newlines that the form encoding protects.
            fields = dict(
                parse_qsl(body.decode("utf-8"), keep_blank_values=True, strict_parsing=True)
            )
        except (UnicodeDecodeError, ValueError):
            raise NotifyRejected("银联通知不是有效的表单数据") from None
        verify(self.config, fields)
        code = fields.get("respCode", "")
        return self._state(fields, code == "00", code)

    def query(self, order: OrderRef) -> TradeState | None:
        fields = self._signed(
            {
                "version": VERSION,
                "encoding": "UTF-8",
                "signMethod": "01",
                "txnType": "00",
                "txnSubType": "00",
                "bizType": "000000",
                "accessType": "0",
                "merId": self.config.mer_id,
                "orderId": order.order_no,
                "txnTime": order.txn_time,
            }
        )
        try:
            response = requests.post(self.config.query_url, data=fields, timeout=TIMEOUT)
        except requests.RequestException as exc:
            raise ProviderUnavailable(f"银联查询接口无响应：{type(exc).__name__}") from None
        if response.status_code != 200:
            raise ProviderUnavailable(f"银联查询接口返回 HTTP {response.status_code}")
        answer = parse_response(response.content.decode("utf-8"))
        try:
            verify(self.config, answer)
        except NotifyRejected as exc:
            raise ProviderUnavailable(f"银联查询应答验签失败：{exc}") from None
        code = answer.get("respCode", "")
        if code == "34":  # no such transaction: the resident never submitted the form
            return None
        if code != "00":
            raise ProviderUnavailable(f"银联查询失败：{code} {answer.get('respMsg', '')}")
        original = answer.get("origRespCode", "")
        if original in IN_PROGRESS:
            return None
        return self._state(answer, original == "00", original)

    def accepted(self) -> Answer:
        return Answer(200, b"ok")

    def refused(self, message: str) -> Answer:
        # Any status but 200 makes UnionPay send the notification again later.
        return Answer(400, message.encode())
