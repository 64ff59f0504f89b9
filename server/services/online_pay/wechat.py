"""WeChat Pay API v3 (JSAPI, inside WeChat): order creation, the payment notify, the query.

Written against the v3 rules directly (wechatpy's pay module is v2 only):
- our requests carry `Authorization: WECHATPAY2-SHA256-RSA2048 …`, an RSA-SHA256 signature
  with the merchant key over "METHOD\\nPATH?QUERY\\ntimestamp\\nnonce\\nbody\\n";
- WeChat's answers and notifies carry Wechatpay-Timestamp/-Nonce/-Signature/-Serial, an
  RSA-SHA256 signature with the platform key over "timestamp\\nnonce\\nbody\\n" of the raw
  body bytes; a timestamp 5 minutes or more off is refused (a replay), and so are the
  probes WeChat sends now and then with a deliberately bad signature ("WECHATPAY/SIGNTEST/");
- the notify's `resource` is AES-256-GCM encrypted with the APIv3 key (associated_data and
  nonce in the clear);
- success is answered 204 with no body, failure 4xx with {"code": "FAIL", "message": …}.
"""

from __future__ import annotations

import base64
import json
import secrets
import time
from collections.abc import Mapping
from datetime import datetime
from typing import Any
from urllib.parse import quote, urlsplit

import requests
from cryptography.exceptions import InvalidSignature, InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding
from cryptography.hazmat.primitives.asymmetric.rsa import RSAPrivateKey, RSAPublicKey
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from server.db.models.online_pay import WECHAT
from server.services.core.calendar import BUSINESS_TZ
from server.services.online_pay.config import WechatPayConfig
from server.services.online_pay.providers import (
    Answer,
    Checkout,
    NotifyRejected,
    OrderRef,
    ProviderUnavailable,
    TradeState,
    header,
)

# WeChat's own bound: a signed message older or newer than this is not accepted.
MAX_SKEW_SECONDS = 300
TIMEOUT = (3, 8)
SIGNATURE_PROBE = "WECHATPAY/SIGNTEST/"


def rsa_sign(key: RSAPrivateKey, message: str) -> str:
    signature = key.sign(message.encode(), padding.PKCS1v15(), hashes.SHA256())
    return base64.b64encode(signature).decode()


def signed_message(*parts: str) -> str:
    """WeChat's signing string: every part followed by a newline, the last one too."""
    return "".join(f"{part}\n" for part in parts)


def verify_signed(
    key: RSAPublicKey,
    serial: str,
    headers: Mapping[str, str],
    body: bytes,
    now: float | None = None,
) -> None:
    """Check WeChat's signature headers over the raw body; NotifyRejected says why not."""
    timestamp = header(headers, "Wechatpay-Timestamp")
    nonce = header(headers, "Wechatpay-Nonce")
    signature = header(headers, "Wechatpay-Signature")
    got_serial = header(headers, "Wechatpay-Serial")
    if not (timestamp and nonce and signature and got_serial):
        raise NotifyRejected("缺少微信支付签名头")
    if signature.startswith(SIGNATURE_PROBE):
        raise NotifyRejected("微信支付签名探测（故意错误的签名）")
    if got_serial != serial:
        raise NotifyRejected(f"平台证书序列号 {got_serial} 与配置的 {serial} 不符")
    if not timestamp.isdigit():
        raise NotifyRejected(f"时间戳 {timestamp!r} 无效")
    current = time.time() if now is None else now
    if abs(current - int(timestamp)) >= MAX_SKEW_SECONDS:
        raise NotifyRejected(f"时间戳 {timestamp} 与本机时间相差 5 分钟以上")
    try:
        raw_signature = base64.b64decode(signature, validate=True)
        text = body.decode("utf-8")
    except (ValueError, UnicodeDecodeError):
        raise NotifyRejected("签名或报文编码无效") from None
    try:
        key.verify(
            raw_signature,
            signed_message(timestamp, nonce, text).encode(),
            padding.PKCS1v15(),
            hashes.SHA256(),
        )
    except InvalidSignature:
        raise NotifyRejected("微信支付签名验证失败") from None


def decrypt_resource(api_v3_key: bytes, resource: Mapping[str, Any]) -> dict[str, Any]:
    """The notify's `resource` decrypted with the APIv3 key (AEAD_AES_256_GCM)."""
    if resource.get("algorithm") != "AEAD_AES_256_GCM":
        raise NotifyRejected(f"不支持的加密算法 {resource.get('algorithm')!r}")
    try:
        plain = AESGCM(api_v3_key).decrypt(
            str(resource["nonce"]).encode(),
            base64.b64decode(str(resource["ciphertext"])),
            str(resource.get("associated_data", "")).encode(),
        )
        data = json.loads(plain)
    except (KeyError, ValueError, InvalidTag):
        raise NotifyRejected("通知内容无法解密（APIv3 密钥不符或内容被篡改）") from None
    if not isinstance(data, dict):
        raise NotifyRejected("通知内容格式无效")
    return data


def _parse_time(text: str) -> datetime | None:
    try:
        return datetime.fromisoformat(text) if text else None
    except ValueError:
        return None


def trade_state(data: Mapping[str, Any]) -> TradeState:
    """A transaction object (notify resource or query answer) as our TradeState."""
    try:
        amount = data.get("amount") or {}
        total = int(amount.get("total", 0))
        return TradeState(
            provider=WECHAT,
            merchant_id=str(data.get("mchid", "")),
            app_id=str(data.get("appid", "")),
            order_no=str(data["out_trade_no"]),
            trade_no=str(data.get("transaction_id", "")),
            amount_fen=total,
            paid=data.get("trade_state") == "SUCCESS",
            state=str(data.get("trade_state", "")),
            paid_at=_parse_time(str(data.get("success_time", ""))),
        )
    except (KeyError, TypeError, ValueError, AttributeError):
        raise NotifyRejected("交易内容缺少商户订单号或金额") from None


class WechatPay:
    name = WECHAT

    def __init__(self, config: WechatPayConfig, notify_url: str = "") -> None:
        self.config = config
        self.merchant_id = config.mch_id
        self.notify_url = notify_url or config.notify_url

    # --- our requests ------------------------------------------------------------------

    def _authorization(self, method: str, path: str, body: str) -> str:
        timestamp = str(int(time.time()))
        nonce = secrets.token_hex(16)
        signature = rsa_sign(
            self.config.private_key, signed_message(method, path, timestamp, nonce, body)
        )
        return (
            f'WECHATPAY2-SHA256-RSA2048 mchid="{self.config.mch_id}",nonce_str="{nonce}",'
            f'signature="{signature}",timestamp="{timestamp}",'
            f'serial_no="{self.config.cert_serial}"'
        )

    def _call(self, method: str, path: str, payload: dict[str, Any] | None = None) -> Any:
        """One signed call; the answer's signature is checked before it is believed."""
        body = json.dumps(payload, ensure_ascii=False, separators=(",", ":")) if payload else ""
        url = self.config.api_url + path
        headers = {
            "Authorization": self._authorization(method, urlsplit(url).path + _query(url), body),
            "Accept": "application/json",
            "Content-Type": "application/json",
            "User-Agent": "MeterDesk",
        }
        try:
            response = requests.request(
                method, url, data=body.encode() if body else None, headers=headers, timeout=TIMEOUT
            )
        except requests.RequestException as exc:
            raise ProviderUnavailable(f"微信支付接口无响应：{type(exc).__name__}") from None
        if response.status_code == 404:
            return None
        if response.status_code >= 300:
            raise ProviderUnavailable(
                f"微信支付接口返回 {response.status_code}：{response.text[:200]}"
            )
        try:
            verify_signed(
                self.config.platform_key,
                self.config.platform_serial,
                response.headers,
                response.content,
            )
        except NotifyRejected as exc:
            raise ProviderUnavailable(f"微信支付应答签名无效：{exc}") from None
        return response.json() if response.content else {}

    def checkout(self, order: OrderRef) -> Checkout:
        if not order.openid:
            raise NotifyRejected("微信支付须在微信内打开（缺少 openid）")
        answer = self._call(
            "POST",
            "/v3/pay/transactions/jsapi",
            {
                "appid": self.config.app_id,
                "mchid": self.config.mch_id,
                "description": order.description,
                "out_trade_no": order.order_no,
                # WeChat refuses payment after this, so a late notify is rare.
                "time_expire": order.expires_at.astimezone(BUSINESS_TZ).isoformat(
                    timespec="seconds"
                ),
                "notify_url": self.notify_url,
                "amount": {"total": order.amount_fen, "currency": "CNY"},
                "payer": {"openid": order.openid},
            },
        )
        prepay_id = str((answer or {}).get("prepay_id", ""))
        if not prepay_id:
            raise ProviderUnavailable("微信支付下单未返回 prepay_id")
        return Checkout(WECHAT, self.jsapi_params(prepay_id), prepay_id=prepay_id)

    def jsapi_params(self, prepay_id: str) -> dict[str, str]:
        """What WeixinJSBridge.invoke('getBrandWCPayRequest', …) takes, signed."""
        timestamp = str(int(time.time()))
        nonce = secrets.token_hex(16)
        package = f"prepay_id={prepay_id}"
        return {
            "appId": self.config.app_id,
            "timeStamp": timestamp,
            "nonceStr": nonce,
            "package": package,
            "signType": "RSA",
            "paySign": rsa_sign(
                self.config.private_key,
                signed_message(self.config.app_id, timestamp, nonce, package),
            ),
        }

    def query(self, order: OrderRef) -> TradeState | None:
        answer = self._call(
            "GET",
            f"/v3/pay/transactions/out-trade-no/{quote(order.order_no)}"
            f"?mchid={quote(self.config.mch_id)}",
        )
        if answer is None:  # ORDER_NOT_EXIST: the resident never opened the payment
            return None
        return trade_state(answer)

    # --- WeChat's notify ----------------------------------------------------------------

    def verify_notify(self, headers: Mapping[str, str], body: bytes) -> TradeState:
        verify_signed(self.config.platform_key, self.config.platform_serial, headers, body)
        try:
            envelope = json.loads(body)
            resource = envelope["resource"]
        except (ValueError, KeyError, TypeError):
            raise NotifyRejected("通知报文不是有效的 JSON 或缺少 resource") from None
        if not isinstance(resource, dict):
            raise NotifyRejected("通知报文的 resource 格式无效")
        return trade_state(decrypt_resource(self.config.api_v3_key, resource))

    def accepted(self) -> Answer:
        return Answer(204)

    def refused(self, message: str) -> Answer:
        body = json.dumps({"code": "FAIL", "message": message}, ensure_ascii=False)
        return Answer(400, body.encode(), "application/json")


def _query(url: str) -> str:
    query = urlsplit(url).query
    return f"?{query}" if query else ""
