"""Test plumbing for online payment: our own keys and certificates, callbacks signed the
way WeChat Pay v3 and UnionPay 5.1.0 sign them, and a local stand-in for both providers'
HTTP APIs (WeChat's JSAPI order and order query, UnionPay's queryTrans) that checks our
signatures and signs its answers as the real servers do."""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlparse

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.hazmat.primitives.asymmetric.rsa import RSAPrivateKey
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.x509.oid import NameOID

from server.config import load_settings
from server.services.core.calendar import BUSINESS_TZ
from server.services.online_pay import unionpay
from server.services.online_pay.config import PayConfig, pay_config
from server.services.online_pay.wechat import rsa_sign, signed_message

MCH_ID = "1900000109"
APP_ID = "wx8888888888888888"
API_V3_KEY = "0123456789abcdefABCDEFGHIJKLMNOP"
MERCHANT_SERIAL = "5157F09EFDC096DE15EBE81A47057A7232F1B8E1"
PLATFORM_SERIAL = "PUB_KEY_ID_0114232134912410000000000000"
MER_ID = "777290058110048"
UNIONPAY_CN = "041@Z12@中国银联股份有限公司@00000001"


def _key() -> RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def _pem_key(key: RSAPrivateKey) -> bytes:
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )


def _cert(
    subject_cn: str,
    key: RSAPrivateKey,
    issuer_cn: str,
    issuer_key: RSAPrivateKey,
    ca: bool,
    days: int = 365,
) -> x509.Certificate:
    now = datetime.now(UTC)
    builder = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, subject_cn)]))
        .issuer_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, issuer_cn)]))
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(days=1))
        .not_valid_after(now + timedelta(days=days))
        .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
    )
    return builder.sign(issuer_key, hashes.SHA256())


def _pem(cert: x509.Certificate) -> bytes:
    return cert.public_bytes(serialization.Encoding.PEM)


@dataclass
class Keys:
    """Everything both sides hold, made fresh (2048-bit RSA takes a moment: make once)."""

    merchant_key: RSAPrivateKey = field(default_factory=_key)
    platform_key: RSAPrivateKey = field(default_factory=_key)
    up_root_key: RSAPrivateKey = field(default_factory=_key)
    up_middle_key: RSAPrivateKey = field(default_factory=_key)
    up_sign_key: RSAPrivateKey = field(default_factory=_key)
    up_merchant_key: RSAPrivateKey = field(default_factory=_key)
    stranger_key: RSAPrivateKey = field(default_factory=_key)

    def __post_init__(self) -> None:
        self.up_root = _cert(
            "CFCA TEST ROOT", self.up_root_key, "CFCA TEST ROOT", self.up_root_key, True
        )
        self.up_middle = _cert(
            "CFCA TEST OCA1", self.up_middle_key, "CFCA TEST ROOT", self.up_root_key, True
        )
        self.up_sign = _cert(
            UNIONPAY_CN, self.up_sign_key, "CFCA TEST OCA1", self.up_middle_key, False
        )
        self.up_merchant_cert = _cert(
            "merchant", self.up_merchant_key, "CFCA TEST OCA1", self.up_middle_key, False
        )

    def write(self, folder: Path) -> dict[str, str]:
        """The key files, and the [pay] settings naming them."""
        files = {
            "wechat_private_key_path": ("apiclient_key.pem", _pem_key(self.merchant_key)),
            "wechat_platform_key_path": (
                "pub_key.pem",
                self.platform_key.public_key().public_bytes(
                    serialization.Encoding.PEM,
                    serialization.PublicFormat.SubjectPublicKeyInfo,
                ),
            ),
            "unionpay_sign_key_path": ("up_sign_key.pem", _pem_key(self.up_merchant_key)),
            "unionpay_sign_cert_path": ("up_sign_cert.pem", _pem(self.up_merchant_cert)),
            "unionpay_root_cert_path": ("acp_root.cer", _pem(self.up_root)),
            "unionpay_middle_cert_path": ("acp_middle.cer", _pem(self.up_middle)),
        }
        settings = {}
        for setting, (name, data) in files.items():
            (folder / name).write_bytes(data)
            settings[setting] = str(folder / name)
        return settings


def write_config(home: Path, keys: Keys, standin_url: str, site: str = "") -> None:
    values = keys.write(home) | {
        "order_expiry_minutes": "30",
        "query_after_minutes": "5",
        "wechat_mch_id": MCH_ID,
        "wechat_app_id": APP_ID,
        "wechat_api_v3_key": API_V3_KEY,
        "wechat_cert_serial": MERCHANT_SERIAL,
        "wechat_platform_serial": PLATFORM_SERIAL,
        "wechat_api_url": standin_url,
        "wechat_notify_url": f"{site}/pay/wechat/notify",
        "unionpay_mer_id": MER_ID,
        "unionpay_front_url": f"{standin_url}/gateway/api/frontTransReq.do",
        "unionpay_query_url": f"{standin_url}/gateway/api/queryTrans.do",
        "unionpay_front_return_url": f"{site}/h5/pay/unionpay/return",
        "unionpay_back_notify_url": f"{site}/pay/unionpay/notify",
    }
    lines = ["[pay]"] + [f"{k} = {json.dumps(v)}" for k, v in values.items()]
    (home / "meterdesk.toml").write_text("\n".join(lines) + "\n", encoding="utf-8")


def load_config(home: Path) -> PayConfig:
    return pay_config(load_settings(home))


# --- callbacks as the providers send them ----------------------------------------------


def wechat_transaction(order_no: str, fen: int, **over: Any) -> dict[str, Any]:
    data = {
        "mchid": MCH_ID,
        "appid": APP_ID,
        "out_trade_no": order_no,
        "transaction_id": "42000" + secrets.token_hex(11)[:23],
        "trade_type": "JSAPI",
        "trade_state": "SUCCESS",
        "trade_state_desc": "支付成功",
        "bank_type": "CMC",
        "attach": "",
        "success_time": datetime.now(BUSINESS_TZ).isoformat(timespec="seconds"),
        "payer": {"openid": "oUpF8uMuAJO_M2pxb1Q9zNjWeS6o"},
        "amount": {"total": fen, "payer_total": fen, "currency": "CNY", "payer_currency": "CNY"},
    }
    data.update(over)
    return data


def wechat_sign_headers(
    key: RSAPrivateKey, body: bytes, timestamp: int | None = None, serial: str = PLATFORM_SERIAL
) -> dict[str, str]:
    stamp = str(int(time.time()) if timestamp is None else timestamp)
    nonce = secrets.token_hex(16)
    return {
        "Wechatpay-Timestamp": stamp,
        "Wechatpay-Nonce": nonce,
        "Wechatpay-Signature": rsa_sign(key, signed_message(stamp, nonce, body.decode())),
        "Wechatpay-Serial": serial,
        "Wechatpay-Signature-Type": "WECHATPAY2-SHA256-RSA2048",
        "Content-Type": "application/json",
    }


def wechat_notify(
    keys: Keys,
    transaction: dict[str, Any],
    *,
    timestamp: int | None = None,
    signer: RSAPrivateKey | None = None,
    v3_key: str = API_V3_KEY,
) -> tuple[dict[str, str], bytes]:
    """(headers, body) of a TRANSACTION.SUCCESS notify, encrypted and signed as WeChat does."""
    nonce = secrets.token_hex(6)  # 12 characters, as WeChat's
    associated = "transaction"
    plain = json.dumps(transaction, ensure_ascii=False).encode()
    cipher = AESGCM(v3_key.encode()).encrypt(nonce.encode(), plain, associated.encode())
    envelope = {
        "id": secrets.token_hex(18),
        "create_time": datetime.now(BUSINESS_TZ).isoformat(timespec="seconds"),
        "resource_type": "encrypt-resource",
        "event_type": "TRANSACTION.SUCCESS",
        "summary": "支付成功",
        "resource": {
            "original_type": "transaction",
            "algorithm": "AEAD_AES_256_GCM",
            "ciphertext": base64.b64encode(cipher).decode(),
            "associated_data": associated,
            "nonce": nonce,
        },
    }
    # WeChat's bodies carry non-ASCII as is; the signature is over these exact bytes.
    body = json.dumps(envelope, ensure_ascii=False).encode()
    return wechat_sign_headers(signer or keys.platform_key, body, timestamp), body


def unionpay_signed(
    keys: Keys, fields: dict[str, str], cert: x509.Certificate | None = None,
    key: RSAPrivateKey | None = None,
) -> dict[str, str]:  # fmt: skip
    fields = {**fields, "signPubKeyCert": _pem(cert or keys.up_sign).decode()}
    fields["signature"] = unionpay.sign(key or keys.up_sign_key, fields)
    return fields


def unionpay_fields(order_no: str, fen: int, txn_time: str, **over: str) -> dict[str, str]:
    fields = {
        "accessType": "0",
        "bizType": "000201",
        "currencyCode": "156",
        "encoding": "UTF-8",
        "merId": MER_ID,
        "orderId": order_no,
        "queryId": "7711" + secrets.token_hex(8)[:17],
        "respCode": "00",
        "respMsg": "成功[0000000]",
        "settleAmt": str(fen),
        "settleCurrencyCode": "156",
        "settleDate": datetime.now(BUSINESS_TZ).strftime("%m%d"),
        "signMethod": "01",
        "traceNo": "123456",
        "traceTime": datetime.now(BUSINESS_TZ).strftime("%m%d%H%M%S"),
        "txnAmt": str(fen),
        "txnSubType": "01",
        "txnTime": txn_time,
        "txnType": "01",
        "version": "5.1.0",
    }
    fields.update(over)
    return fields


def unionpay_notify(
    keys: Keys, fields: dict[str, str], **sign: Any
) -> tuple[dict[str, str], bytes]:
    body = urlencode(unionpay_signed(keys, fields, **sign)).encode()
    return {"Content-Type": "application/x-www-form-urlencoded;charset=UTF-8"}, body


# --- the stand-in for both providers' servers ---------------------------------------------


@dataclass
class StandInState:
    # order no → a WeChat transaction object (query answers) or "timeout"
    wechat_orders: dict[str, Any] = field(default_factory=dict)
    # order no → UnionPay answer fields (unsigned) or "timeout"
    unionpay_orders: dict[str, Any] = field(default_factory=dict)
    created: list[dict[str, Any]] = field(default_factory=list)
    calls: list[str] = field(default_factory=list)
    delay: float = 0.0


class PayStandIn:
    """Answers like api.mch.weixin.qq.com and gateway.95516.com for the calls we make."""

    def __init__(self, keys: Keys) -> None:
        self.state = state = StandInState()

        def verify_wechat_request(handler: BaseHTTPRequestHandler, body: bytes) -> bool:
            auth = handler.headers.get("Authorization", "")
            if not auth.startswith("WECHATPAY2-SHA256-RSA2048 "):
                return False
            parts = dict(p.split("=", 1) for p in auth.split(" ", 1)[1].split(","))
            parts = {k: v.strip('"') for k, v in parts.items()}
            message = signed_message(
                handler.command, handler.path, parts["timestamp"], parts["nonce_str"],
                body.decode(),
            )  # fmt: skip
            try:
                keys.merchant_key.public_key().verify(
                    base64.b64decode(parts["signature"]),
                    message.encode(),
                    padding.PKCS1v15(),
                    hashes.SHA256(),
                )
            except Exception:
                return False
            return parts.get("mchid") == MCH_ID and parts.get("serial_no") == MERCHANT_SERIAL

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: Any) -> None:
                pass

            def _send(self, status: int, body: bytes, headers: dict[str, str]) -> None:
                self.send_response(status)
                for k, v in headers.items():
                    self.send_header(k, v)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def _wechat(self, status: int, data: dict[str, Any] | None) -> None:
                body = json.dumps(data, ensure_ascii=False).encode() if data is not None else b""
                self._send(status, body, wechat_sign_headers(keys.platform_key, body))

            def _body(self) -> bytes:
                return self.rfile.read(int(self.headers.get("Content-Length", "0")))

            def do_GET(self) -> None:
                path = urlparse(self.path).path
                state.calls.append(path)
                if not verify_wechat_request(self, b""):
                    self._wechat(401, {"code": "SIGN_ERROR", "message": "签名错误"})
                    return
                prefix = "/v3/pay/transactions/out-trade-no/"
                if path.startswith(prefix):
                    found = state.wechat_orders.get(path[len(prefix) :])
                    if found == "timeout":
                        time.sleep(2)
                        self._wechat(500, {"code": "SYSTEM_ERROR", "message": "late"})
                    elif found is None:
                        self._wechat(404, {"code": "ORDER_NOT_EXIST", "message": "订单不存在"})
                    else:
                        self._wechat(200, found)
                    return
                self._wechat(404, {"code": "NOT_FOUND", "message": path})

            def do_POST(self) -> None:
                path = urlparse(self.path).path
                body = self._body()
                state.calls.append(path)
                if state.delay:
                    time.sleep(state.delay)
                if path == "/v3/pay/transactions/jsapi":
                    if not verify_wechat_request(self, body):
                        self._wechat(401, {"code": "SIGN_ERROR", "message": "签名错误"})
                        return
                    data = json.loads(body)
                    state.created.append(data)
                    self._wechat(200, {"prepay_id": "wx" + secrets.token_hex(15)})
                    return
                if path == "/gateway/api/queryTrans.do":
                    fields = dict(parse_qsl(body.decode()))
                    ok = fields.get("certId") == str(keys.up_merchant_cert.serial_number)
                    digest = unionpay.signing_string(fields)
                    try:
                        keys.up_merchant_key.public_key().verify(
                            base64.b64decode(fields["signature"]),
                            hashlib.sha256(digest.encode()).hexdigest().encode(),
                            padding.PKCS1v15(),
                            hashes.SHA256(),
                        )
                    except Exception:
                        ok = False
                    found = state.unionpay_orders.get(fields.get("orderId", ""))
                    if found == "timeout":
                        time.sleep(2)
                        found = None
                    if not ok:
                        answer = {"respCode": "11", "respMsg": "验证签名失败"}
                    elif found is None:
                        answer = {"respCode": "34", "respMsg": "查无此交易"}
                    else:
                        answer = {"respCode": "00", "respMsg": "成功[0000000]", **found}
                    base = {"version": "5.1.0", "signMethod": "01", "encoding": "UTF-8",
                            "merId": MER_ID, "orderId": fields.get("orderId", ""),
                            "txnTime": fields.get("txnTime", "")}  # fmt: skip
                    signed = unionpay_signed(keys, base | answer)
                    # UnionPay answers raw k=v pairs, the PEM certificate's newlines and
                    # the signature's + / = unescaped.
                    text = "&".join(f"{k}={v}" for k, v in signed.items())
                    self._send(200, text.encode(), {"Content-Type": "text/plain;charset=UTF-8"})
                    return
                self._send(404, b"not found", {})

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
