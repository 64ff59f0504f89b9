"""SMS to residents: verification codes, reminders and alerts, through Alibaba Cloud SMS
(Dysmsapi SendSms) or Tencent Cloud SMS (SendSms 2021-01-11), or the console for development.

Both gateways are called through their documented signed HTTP APIs with `requests` rather
than their SDKs: each call is one signed request (about forty lines per provider), the
signature is checked in tests against a hand computation, and the endpoint is a setting a
test or a staging setup points at a stand-in. The SDKs would bring their own HTTP stacks
and credential chains for a single call.

A message is a kind ("code", "reminder", "low_balance") with named parameters; the
gateways send an approved template per kind (短信模板, the ids are settings), the console
writes the text the template stands for.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import logging
import secrets
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Protocol
from urllib.parse import quote

import requests

from server.config import Settings
from server.services.core.errors import DomainError

log = logging.getLogger(__name__)

PROVIDERS = ("console", "aliyun", "tencent")
DEFAULT_SIGN_NAME = "水电保障中心"


@dataclass(frozen=True)
class Kind:
    # Tencent's templates take their parameters in order, Alibaba's by name: both come
    # from this one list, so a template registered with either gateway uses these names
    # (Alibaba: ${code}) in this order (Tencent: {1}, {2}).
    params: tuple[str, ...]
    text: str


KINDS: dict[str, Kind] = {
    "code": Kind(("code", "minutes"), "验证码 {code}，{minutes} 分钟内有效。如非本人操作请忽略。"),
    "reminder": Kind(
        ("account", "amount", "link"),
        "您的户号 {account} 尚有水电费 {amount} 元未缴，请尽快缴纳：{link}",
    ),
    "low_balance": Kind(
        ("account", "balance", "link"),
        "您的户号 {account} 预存余额仅剩 {balance} 元，请及时充值：{link}",
    ),
}

# What the resident reads when the gateway refuses; the gateway's own code goes to the log.
RATE_LIMITED = "发送过于频繁，请稍后再试"
TEMPLATE_UNAPPROVED = "短信模板未审核或不可用，请联系服务中心"
SIGNATURE_UNAPPROVED = "短信签名未审核或不可用，请联系服务中心"
BAD_PHONE = "手机号码有误，请检查后重试"
FAILED = "短信发送失败，请稍后再试或联系服务中心"
UNREACHABLE = "短信服务暂时无法连接，请稍后再试"

ALIYUN_ERRORS = {
    "isv.BUSINESS_LIMIT_CONTROL": RATE_LIMITED,
    "isv.DAY_LIMIT_CONTROL": RATE_LIMITED,
    "isv.SMS_TEMPLATE_ILLEGAL": TEMPLATE_UNAPPROVED,
    "isv.SMS_SIGNATURE_ILLEGAL": SIGNATURE_UNAPPROVED,
    "isv.MOBILE_NUMBER_ILLEGAL": BAD_PHONE,
}
TENCENT_ERRORS = {
    "LimitExceeded.PhoneNumberDailyLimit": RATE_LIMITED,
    "LimitExceeded.PhoneNumberThirtySecondLimit": RATE_LIMITED,
    "LimitExceeded.PhoneNumberOneHourLimit": RATE_LIMITED,
    "LimitExceeded.PhoneNumberSameContentDailyLimit": RATE_LIMITED,
    "FailedOperation.TemplateIncorrectOrUnapproved": TEMPLATE_UNAPPROVED,
    "FailedOperation.SignatureIncorrectOrUnapproved": SIGNATURE_UNAPPROVED,
    "InvalidParameterValue.IncorrectPhoneNumber": BAD_PHONE,
}


class SmsError(DomainError):
    """The gateway did not send the message; the text is for the resident, in Chinese."""


@dataclass(frozen=True)
class SmsSettings:
    provider: str = "console"
    access_key_id: str = ""
    access_key_secret: str = ""
    sign_name: str = DEFAULT_SIGN_NAME
    templates: dict[str, str] = field(default_factory=dict)
    endpoint: str = ""
    region: str = ""
    sdk_app_id: str = ""
    timeout: float = 10.0

    @classmethod
    def from_settings(cls, settings: Settings) -> SmsSettings:
        def get(key: str) -> str:
            return settings.get("sms", key).strip()

        try:
            timeout = float(get("timeout") or "10")
        except ValueError:
            raise DomainError(f"sms.timeout 应为秒数，收到「{get('timeout')}」") from None
        return cls(
            provider=get("provider") or "console",
            access_key_id=get("access_key_id"),
            access_key_secret=get("access_key_secret"),
            sign_name=get("sign_name") or DEFAULT_SIGN_NAME,
            templates={kind: get(f"template_{kind}") for kind in KINDS},
            endpoint=get("endpoint").rstrip("/"),
            region=get("region"),
            sdk_app_id=get("sdk_app_id"),
            timeout=timeout,
        )

    def missing(self) -> list[str]:
        """The settings this provider cannot send without (`sms.…` names)."""
        if self.provider == "console":
            return []
        needed = ["access_key_id", "access_key_secret", "sign_name"]
        if self.provider == "tencent":
            needed.append("sdk_app_id")
        values = {**self.__dict__, **{f"template_{k}": v for k, v in self.templates.items()}}
        needed += [f"template_{kind}" for kind in KINDS]
        return [f"sms.{key}" for key in needed if not values.get(key)]


class SmsSender(Protocol):
    def send(self, phone: str, kind: str, params: Mapping[str, str]) -> str:
        """Send message `kind` to `phone` (11 digits); returns the gateway's message id."""
        ...


def _ordered(kind: str, params: Mapping[str, str]) -> list[tuple[str, str]]:
    try:
        names = KINDS[kind].params
    except KeyError:
        raise DomainError(f"未知的短信类型「{kind}」，可用：{', '.join(KINDS)}") from None
    missing = [name for name in names if name not in params]
    if missing:
        raise DomainError(f"短信「{kind}」缺少参数 {', '.join(missing)}")
    return [(name, str(params[name])) for name in names]


def _refused(provider: str, phone: str, code: str, message: str, request_id: str) -> SmsError:
    table = ALIYUN_ERRORS if provider == "aliyun" else TENCENT_ERRORS
    log.error(
        "SMS via %s to %s refused: %s %s (request %s)", provider, phone, code, message, request_id
    )
    return SmsError(table.get(code, FAILED))


def _utc_now() -> datetime:
    return datetime.now(UTC)


def _nonce() -> str:
    return secrets.token_hex(16)


class ConsoleSender:
    """Logs each message instead of sending it, and keeps the last few for a developer."""

    def __init__(self, sign_name: str = DEFAULT_SIGN_NAME) -> None:
        self.sign_name = sign_name
        self.sent: list[tuple[str, str]] = []

    def send(self, phone: str, kind: str, params: Mapping[str, str]) -> str:
        text = f"【{self.sign_name}】" + KINDS[kind].text.format(**dict(_ordered(kind, params)))
        log.warning("SMS (console sender, not sent) to %s: %s", phone, text)
        self.sent.append((phone, text))
        del self.sent[:-100]
        return f"console-{len(self.sent)}"


def aliyun_percent(text: str) -> str:
    """Alibaba's POP encoding: RFC 3986 unreserved characters kept, everything else %XX."""
    return quote(text, safe="-_.~")


def aliyun_signature(params: Mapping[str, str], secret: str, method: str = "GET") -> str:
    canonical = "&".join(
        f"{aliyun_percent(k)}={aliyun_percent(v)}" for k, v in sorted(params.items())
    )
    to_sign = f"{method}&{aliyun_percent('/')}&{aliyun_percent(canonical)}"
    digest = hmac.new(f"{secret}&".encode(), to_sign.encode(), hashlib.sha1).digest()
    return base64.b64encode(digest).decode()


class AliyunSender:
    """Dysmsapi SendSms (2017-05-25), RPC style: a GET signed with HMAC-SHA1."""

    ENDPOINT = "https://dysmsapi.aliyuncs.com"

    def __init__(
        self,
        settings: SmsSettings,
        clock: Callable[[], datetime] = _utc_now,
        nonce: Callable[[], str] = _nonce,
    ) -> None:
        self.settings, self.clock, self.nonce = settings, clock, nonce

    def send(self, phone: str, kind: str, params: Mapping[str, str]) -> str:
        s = self.settings
        query = {
            "AccessKeyId": s.access_key_id,
            "Action": "SendSms",
            "Format": "JSON",
            "RegionId": s.region or "cn-hangzhou",
            "SignatureMethod": "HMAC-SHA1",
            "SignatureNonce": self.nonce(),
            "SignatureVersion": "1.0",
            "Timestamp": self.clock().astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "Version": "2017-05-25",
            "PhoneNumbers": phone,
            "SignName": s.sign_name,
            "TemplateCode": s.templates.get(kind, ""),
            "TemplateParam": json.dumps(dict(_ordered(kind, params)), ensure_ascii=False),
        }
        query["Signature"] = aliyun_signature(query, s.access_key_secret)
        try:
            answer = requests.get(
                (s.endpoint or self.ENDPOINT) + "/", params=query, timeout=s.timeout
            )
            body = answer.json()
        except (requests.RequestException, ValueError) as exc:
            log.error("SMS via aliyun to %s: gateway unreachable: %s", phone, exc)
            raise SmsError(UNREACHABLE) from exc
        if body.get("Code") != "OK":
            raise _refused(
                "aliyun",
                phone,
                body.get("Code", ""),
                body.get("Message", ""),
                body.get("RequestId", ""),
            )
        return str(body.get("BizId", ""))


def _sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _hmac256(key: bytes, text: str) -> bytes:
    return hmac.new(key, text.encode(), hashlib.sha256).digest()


def tencent_authorization(
    secret_id: str, secret_key: str, host: str, payload: bytes, timestamp: int
) -> str:
    """TC3-HMAC-SHA256 over a JSON POST to `/` naming content-type, host and the action."""
    date = datetime.fromtimestamp(timestamp, UTC).strftime("%Y-%m-%d")
    signed_headers = "content-type;host;x-tc-action"
    canonical_request = (
        "POST\n/\n\n"
        f"content-type:application/json; charset=utf-8\nhost:{host}\nx-tc-action:sendsms\n\n"
        f"{signed_headers}\n{_sha256_hex(payload)}"
    )
    scope = f"{date}/sms/tc3_request"
    to_sign = f"TC3-HMAC-SHA256\n{timestamp}\n{scope}\n{_sha256_hex(canonical_request.encode())}"
    key = _hmac256(_hmac256(_hmac256(f"TC3{secret_key}".encode(), date), "sms"), "tc3_request")
    signature = hmac.new(key, to_sign.encode(), hashlib.sha256).hexdigest()
    return (
        f"TC3-HMAC-SHA256 Credential={secret_id}/{scope}, "
        f"SignedHeaders={signed_headers}, Signature={signature}"
    )


class TencentSender:
    """SMS SendSms (2021-01-11): a JSON POST signed with TC3-HMAC-SHA256."""

    ENDPOINT = "https://sms.tencentcloudapi.com"

    def __init__(self, settings: SmsSettings, clock: Callable[[], datetime] = _utc_now) -> None:
        self.settings, self.clock = settings, clock

    def send(self, phone: str, kind: str, params: Mapping[str, str]) -> str:
        s = self.settings
        payload = json.dumps(
            {
                "PhoneNumberSet": [phone if phone.startswith("+") else f"+86{phone}"],
                "SmsSdkAppId": s.sdk_app_id,
                "SignName": s.sign_name,
                "TemplateId": s.templates.get(kind, ""),
                "TemplateParamSet": [value for _, value in _ordered(kind, params)],
            },
            ensure_ascii=False,
        ).encode()
        url = s.endpoint or self.ENDPOINT
        host = url.split("://", 1)[1].split("/", 1)[0]
        timestamp = int(self.clock().timestamp())
        headers = {
            "Authorization": tencent_authorization(
                s.access_key_id, s.access_key_secret, host, payload, timestamp
            ),
            "Content-Type": "application/json; charset=utf-8",
            "Host": host,
            "X-TC-Action": "SendSms",
            "X-TC-Version": "2021-01-11",
            "X-TC-Timestamp": str(timestamp),
            "X-TC-Region": s.region or "ap-guangzhou",
        }
        try:
            answer = requests.post(url + "/", data=payload, headers=headers, timeout=s.timeout)
            body = answer.json()["Response"]
        except (requests.RequestException, ValueError, KeyError) as exc:
            log.error("SMS via tencent to %s: gateway unreachable: %s", phone, exc)
            raise SmsError(UNREACHABLE) from exc
        request_id = body.get("RequestId", "")
        error = body.get("Error")
        if error:
            raise _refused(
                "tencent", phone, error.get("Code", ""), error.get("Message", ""), request_id
            )
        status = (body.get("SendStatusSet") or [{}])[0]
        if status.get("Code") != "Ok":
            raise _refused(
                "tencent", phone, status.get("Code", ""), status.get("Message", ""), request_id
            )
        return str(status.get("SerialNo", ""))


def sender_for(settings: SmsSettings) -> SmsSender:
    if settings.provider == "console":
        return ConsoleSender(settings.sign_name)
    if settings.provider == "aliyun":
        return AliyunSender(settings)
    if settings.provider == "tencent":
        return TencentSender(settings)
    raise DomainError(
        f"未知的短信通道「{settings.provider}」（sms.provider），可用：{', '.join(PROVIDERS)}"
    )


def send_sms(settings: Settings, phone: str, kind: str, params: Mapping[str, str]) -> str:
    """Send message `kind` (a key of KINDS) with its `params` to `phone` through the
    configured gateway; returns the gateway's message id, raises SmsError (Chinese text
    for the resident, the gateway's code logged) when it is not sent."""
    return sender_for(SmsSettings.from_settings(settings)).send(phone, kind, params)


def console_warning(settings: Settings) -> str:
    """Why residents cannot register here ("" when they can): outside development
    (companion.dev_login off) the console sender sends nothing, and a gateway needs its keys."""
    sms = SmsSettings.from_settings(settings)
    if sms.provider not in PROVIDERS:
        return f"未知的短信通道「{sms.provider}」（sms.provider），可用：{', '.join(PROVIDERS)}"
    if settings.flag("companion", "dev_login"):
        return ""
    if sms.provider == "console":
        return "短信通道为 console（只写日志，不发送）：居民收不到验证码，无法注册"
    missing = sms.missing()
    if missing:
        return f"短信通道 {sms.provider} 缺少 {'、'.join(missing)}：居民收不到验证码，无法注册"
    return ""
