"""The `[pay]` settings, read and checked once, with the keys and certificates loaded.

A provider whose merchant number is empty is simply not offered; one that is configured
but whose key files are missing or unreadable refuses to start with a message naming
the setting, rather than failing at the first resident's payment.

演示支付 (the sandbox of `meterdesk demo`) is offered only with `pay.demo` on and neither
merchant configured; its signing key is made once per install and kept in MD_HOME, so a
callback signed by another install, or by anyone reading the code, is refused.
"""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.rsa import RSAPrivateKey, RSAPublicKey
from cryptography.hazmat.primitives.asymmetric.types import PublicKeyTypes
from cryptography.hazmat.primitives.serialization import pkcs12

from server.config import DEFAULTS, Settings
from server.db.engine import is_embedded
from server.services.core.errors import DomainError
from server.services.core.money import money_of

DEMO_KEY_FILE = "demo_pay.key"


class PayConfigError(DomainError):
    """A [pay] setting is missing or a key file cannot be used; the message names it."""


@dataclass(frozen=True)
class WechatPayConfig:
    mch_id: str
    app_id: str
    api_v3_key: bytes
    private_key: RSAPrivateKey
    cert_serial: str
    platform_key: RSAPublicKey
    platform_serial: str
    api_url: str
    notify_url: str


@dataclass(frozen=True)
class UnionPayConfig:
    mer_id: str
    sign_key: RSAPrivateKey
    # certId: the decimal serial number of the merchant's signing certificate
    cert_id: str
    root_cert: x509.Certificate
    middle_cert: x509.Certificate
    front_url: str
    query_url: str
    front_return_url: str
    back_notify_url: str


@dataclass(frozen=True)
class DemoPayConfig:
    # HMAC-SHA256 key of the sandbox's callbacks
    key: bytes


@dataclass(frozen=True)
class PayConfig:
    order_expiry: timedelta
    query_after: timedelta
    wechat: WechatPayConfig | None = None
    unionpay: UnionPayConfig | None = None
    demo: DemoPayConfig | None = None
    # What a resident may top up (预存) at once, in yuan.
    topup_min: Decimal = Decimal(DEFAULTS["pay"]["topup_min"])
    topup_max: Decimal = Decimal(DEFAULTS["pay"]["topup_max"])


def _read(path_text: str, setting: str) -> bytes:
    if not path_text:
        raise PayConfigError(f"pay.{setting} 未设置")
    path = Path(path_text).expanduser()
    try:
        return path.read_bytes()
    except OSError as exc:
        raise PayConfigError(f"pay.{setting}：无法读取 {path}（{exc.strerror}）") from None


def load_private_key(data: bytes, setting: str) -> RSAPrivateKey:
    try:
        key = serialization.load_pem_private_key(data, password=None)
    except ValueError:
        raise PayConfigError(f"pay.{setting} 不是 PEM 格式的私钥") from None
    if not isinstance(key, RSAPrivateKey):
        raise PayConfigError(f"pay.{setting} 应为 RSA 私钥")
    return key


def load_public_key(data: bytes, setting: str) -> RSAPublicKey:
    """A PEM public key or a PEM certificate's key (WeChat issues either)."""
    key: PublicKeyTypes
    try:
        if b"BEGIN CERTIFICATE" in data:
            key = x509.load_pem_x509_certificate(data).public_key()
        else:
            key = serialization.load_pem_public_key(data)
    except ValueError:
        raise PayConfigError(f"pay.{setting} 不是 PEM 格式的公钥或证书") from None
    if not isinstance(key, RSAPublicKey):
        raise PayConfigError(f"pay.{setting} 应为 RSA 公钥")
    return key


def load_certificate(data: bytes, setting: str) -> x509.Certificate:
    try:
        return x509.load_pem_x509_certificate(data)
    except ValueError:
        try:
            return x509.load_der_x509_certificate(data)
        except ValueError:
            raise PayConfigError(f"pay.{setting} 不是 X.509 证书（PEM 或 DER）") from None


def _minutes(settings: Settings, key: str) -> timedelta:
    text = settings.get("pay", key).strip()
    if not text.isdigit() or int(text) < 1:
        raise PayConfigError(f"pay.{key} 应为正整数（分钟），收到「{text}」")
    return timedelta(minutes=int(text))


def _yuan(settings: Settings, key: str) -> Decimal:
    text = settings.get("pay", key).strip()
    try:
        return money_of(text, f"pay.{key}")
    except DomainError as exc:
        raise PayConfigError(str(exc)) from None


def _wechat(settings: Settings) -> WechatPayConfig | None:
    def get(key: str) -> str:
        return settings.get("pay", f"wechat_{key}").strip()

    if not get("mch_id"):
        return None
    v3_key = get("api_v3_key").encode()
    if len(v3_key) != 32:
        raise PayConfigError("pay.wechat_api_v3_key 应为 32 个字符（商户平台设置的 APIv3 密钥）")
    # WeChat refuses an order without its notify URL (…/pay/wechat/notify).
    for key in ("app_id", "cert_serial", "platform_serial", "notify_url"):
        if not get(key):
            raise PayConfigError(f"pay.wechat_{key} 未设置")
    return WechatPayConfig(
        mch_id=get("mch_id"),
        app_id=get("app_id"),
        api_v3_key=v3_key,
        private_key=load_private_key(
            _read(get("private_key_path"), "wechat_private_key_path"), "wechat_private_key_path"
        ),
        cert_serial=get("cert_serial"),
        platform_key=load_public_key(
            _read(get("platform_key_path"), "wechat_platform_key_path"),
            "wechat_platform_key_path",
        ),
        platform_serial=get("platform_serial"),
        api_url=get("api_url").rstrip("/"),
        notify_url=get("notify_url"),
    )


def _unionpay_signer(settings: Settings) -> tuple[RSAPrivateKey, str]:
    """The signing key and certId, from a PKCS#12 file or a PEM key with its certificate."""
    cert_path = settings.get("pay", "unionpay_sign_cert_path").strip()
    key_path = settings.get("pay", "unionpay_sign_key_path").strip()
    data = _read(cert_path, "unionpay_sign_cert_path")
    if key_path:
        key = load_private_key(_read(key_path, "unionpay_sign_key_path"), "unionpay_sign_key_path")
        cert = load_certificate(data, "unionpay_sign_cert_path")
        return key, str(cert.serial_number)
    password = settings.get("pay", "unionpay_sign_cert_password").encode()
    try:
        found, bundled, _ = pkcs12.load_key_and_certificates(data, password or None)
    except ValueError:
        raise PayConfigError(
            "pay.unionpay_sign_cert_path 无法打开（不是 PKCS#12 文件或密码不对）"
        ) from None
    if not isinstance(found, RSAPrivateKey) or bundled is None:
        raise PayConfigError("pay.unionpay_sign_cert_path 中没有 RSA 私钥和证书")
    return found, str(bundled.serial_number)


def _unionpay(settings: Settings) -> UnionPayConfig | None:
    def get(key: str) -> str:
        return settings.get("pay", f"unionpay_{key}").strip()

    if not get("mer_id"):
        return None
    # The gateway posts the result to these; an order sent without them is never reported.
    for key in ("front_return_url", "back_notify_url"):
        if not get(key):
            raise PayConfigError(f"pay.unionpay_{key} 未设置")
    sign_key, cert_id = _unionpay_signer(settings)
    return UnionPayConfig(
        mer_id=get("mer_id"),
        sign_key=sign_key,
        cert_id=cert_id,
        root_cert=load_certificate(
            _read(get("root_cert_path"), "unionpay_root_cert_path"), "unionpay_root_cert_path"
        ),
        middle_cert=load_certificate(
            _read(get("middle_cert_path"), "unionpay_middle_cert_path"),
            "unionpay_middle_cert_path",
        ),
        front_url=get("front_url"),
        query_url=get("query_url"),
        front_return_url=get("front_return_url"),
        back_notify_url=get("back_notify_url"),
    )


def demo_key(home: Path) -> bytes:
    """This install's key for 演示支付, made on first use and kept in `home` (MD_HOME)."""
    path = home / DEMO_KEY_FILE
    if not path.exists():
        # Written aside and linked into place: the companion's worker processes may all
        # start at once, and every one of them must end up with the same key.
        draft = home / f"{DEMO_KEY_FILE}.{os.getpid()}.{secrets.token_hex(4)}"
        draft.write_text(secrets.token_hex(32), encoding="ascii")
        draft.chmod(0o600)
        try:
            os.link(draft, path)
        except FileExistsError:
            pass
        finally:
            draft.unlink()
    text = path.read_text(encoding="ascii").strip()
    if len(text) != 64:
        raise PayConfigError(f"演示支付密钥文件 {path} 已损坏：删除它，下次启动时重新生成")
    return bytes.fromhex(text)


def demo_refusal(settings: Settings) -> str:
    """Why `pay.demo` may not be on here ("" when it may): the sandbox belongs to a PC's
    own demo database, never to the central one that takes residents' money."""
    if settings.flag("pay", "demo") and not is_embedded(settings):
        return (
            "pay.demo（演示支付）只用于本机嵌入式数据库上的演示：连接中心数据库时请删除"
            "该设置（或环境变量 MD_PAY_DEMO）"
        )
    return ""


def pay_config(settings: Settings) -> PayConfig:
    wechat, unionpay = _wechat(settings), _unionpay(settings)
    sandbox = settings.flag("pay", "demo") and wechat is None and unionpay is None
    topup_min, topup_max = _yuan(settings, "topup_min"), _yuan(settings, "topup_max")
    if topup_min > topup_max:
        raise PayConfigError(f"pay.topup_min（{topup_min}）不能大于 pay.topup_max（{topup_max}）")
    return PayConfig(
        order_expiry=_minutes(settings, "order_expiry_minutes"),
        query_after=_minutes(settings, "query_after_minutes"),
        wechat=wechat,
        unionpay=unionpay,
        demo=DemoPayConfig(demo_key(settings.home)) if sandbox else None,
        topup_min=topup_min,
        topup_max=topup_max,
    )
