"""SMS to residents: verification codes, reminders and alerts, through Alibaba Cloud SMS
(Dysmsapi SendSms) or Tencent Cloud SMS (SendSms 2021-01-11), or the console for development.

Both gateways are called through their documented signed HTTP APIs with `requests` rather
than their SDKs: each call is one signed request (about forty lines per provider), the
signature is checked in tests against a hand computation, and the endpoint is a setting a
test or a staging setup points at a stand-in. The SDKs would bring their own HTTP stacks
and credential chains for a single call.

A message is a kind ("code", "reminder", "low_balance", "task") with named parameters; the
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
    # To field staff without a bound WeChat (or with the WeChat template unset).
    "task": Kind(
        ("task", "time", "place"),
        "您有新的任务：{task}，时间 {time}，地点 {place}，请在“我的任务”中查看。",
    ),
}


@dataclass(frozen=True)
class Refusal:
    """What the resident (and the desk) reads when the gateway refuses, and whether the
    outbox tries again: only what can pass by itself (flow control, a busy gateway, the
    network) is retried; a bad number, an unapproved template or signature, wrong keys, an
    empty account or a blacklisted number fail at once for a person to fix."""

    text: str
    retry: bool


RATE_LIMITED = Refusal("发送过于频繁，请稍后再试", True)
BUSY = Refusal("短信服务繁忙，请稍后再试", True)
UNREACHABLE = Refusal("短信服务暂时无法连接，请稍后再试", True)
FAILED = Refusal("短信发送失败，请稍后再试或联系服务中心", True)
# A daily cap (the number's or the account's) lasts until midnight: the outbox's backoff
# (30 s doubling, six tries, about a quarter of an hour) would spend every try on the same
# refusal, so it fails at once and the desk resends it the next day.
DAY_LIMIT = Refusal("今日发送已达上限，请明天再试", False)
BAD_PHONE = Refusal("手机号码有误，请检查后重试", False)
BLACKLISTED = Refusal("该号码拒收短信（已退订或在免打扰名单中）", False)
TEMPLATE_UNAPPROVED = Refusal("短信模板未审核或不可用，请联系服务中心", False)
CONTENT_REFUSED = Refusal("短信内容与审核通过的模板不符，请联系服务中心", False)
SIGNATURE_UNAPPROVED = Refusal("短信签名未审核或不可用，请联系服务中心", False)
BAD_CREDENTIALS = Refusal("短信服务密钥或应用设置有误，请联系服务中心", False)
ACCOUNT_UNUSABLE = Refusal("短信账户余额不足或已停用，请联系服务中心", False)

# Dysmsapi SendSms's codes (help.aliyun.com, 短信服务 API 错误码). A blacklisted number is
# not refused here: Alibaba accepts it and reports it in the delivery receipt.
ALIYUN_ERRORS = {
    "isv.BUSINESS_LIMIT_CONTROL": RATE_LIMITED,
    "Throttling": RATE_LIMITED,
    "Throttling.User": RATE_LIMITED,
    "isp.SYSTEM_ERROR": BUSY,
    "InternalError": BUSY,
    "ServiceUnavailable": BUSY,
    "isv.DAY_LIMIT_CONTROL": DAY_LIMIT,
    "isv.MOBILE_NUMBER_ILLEGAL": BAD_PHONE,
    "isv.SMS_TEMPLATE_ILLEGAL": TEMPLATE_UNAPPROVED,
    "isv.DOMESTIC_NUMBER_NOT_SUPPORTED": TEMPLATE_UNAPPROVED,
    "isv.TEMPLATE_MISSING_PARAMETERS": CONTENT_REFUSED,
    "isv.TEMPLATE_PARAMS_ILLEGAL": CONTENT_REFUSED,
    "isv.INVALID_JSON_PARAM": CONTENT_REFUSED,
    "isv.PARAM_LENGTH_LIMIT": CONTENT_REFUSED,
    "isv.PARAM_NOT_SUPPORT_URL": CONTENT_REFUSED,
    "isv.BLACK_KEY_CONTROL_LIMIT": CONTENT_REFUSED,
    "isv.SMS_CONTENT_ILLEGAL": CONTENT_REFUSED,
    "isv.SMS_SIGNATURE_ILLEGAL": SIGNATURE_UNAPPROVED,
    "isv.SMS_SIGN_ILLEGAL": SIGNATURE_UNAPPROVED,
    "isv.SMS_SIGNATURE_SCENE_ILLEGAL": SIGNATURE_UNAPPROVED,
    "InvalidAccessKeyId.NotFound": BAD_CREDENTIALS,
    "InvalidAccessKeyId.Inactive": BAD_CREDENTIALS,
    "SignatureDoesNotMatch": BAD_CREDENTIALS,
    "isp.RAM_PERMISSION_DENY": BAD_CREDENTIALS,
    "Forbidden.RAM": BAD_CREDENTIALS,
    "isv.AMOUNT_NOT_ENOUGH": ACCOUNT_UNUSABLE,
    "isv.OUT_OF_SERVICE": ACCOUNT_UNUSABLE,
    "isv.PRODUCT_UN_SUBSCRIPT": ACCOUNT_UNUSABLE,
    "isv.PRODUCT_UNSUBSCRIBE": ACCOUNT_UNUSABLE,
    "isv.ACCOUNT_NOT_EXISTS": ACCOUNT_UNUSABLE,
    "isv.ACCOUNT_ABNORMAL": ACCOUNT_UNUSABLE,
}
# SendSms 2021-01-11's codes, as the request's Error or a number's SendStatusSet entry
# (cloud.tencent.com/document/api/382/55981); InternalError.* and RequestLimitExceeded.*
# are matched by prefix below.
TENCENT_ERRORS = {
    "LimitExceeded.PhoneNumberThirtySecondLimit": RATE_LIMITED,
    "LimitExceeded.PhoneNumberOneHourLimit": RATE_LIMITED,
    "LimitExceeded.DeliveryFrequencyLimit": RATE_LIMITED,
    "RequestLimitExceeded": RATE_LIMITED,
    "InternalError": BUSY,
    "ResourceUnavailable": BUSY,
    "LimitExceeded.PhoneNumberDailyLimit": DAY_LIMIT,
    "LimitExceeded.PhoneNumberSameContentDailyLimit": DAY_LIMIT,
    "LimitExceeded.AppDailyLimit": DAY_LIMIT,
    "LimitExceeded.AppMainlandChinaDailyLimit": DAY_LIMIT,
    "LimitExceeded.DailyLimit": DAY_LIMIT,
    "InvalidParameterValue.IncorrectPhoneNumber": BAD_PHONE,
    "FailedOperation.PhoneNumberParseFail": BAD_PHONE,
    "MissingParameter.EmptyPhoneNumberSet": BAD_PHONE,
    "FailedOperation.PhoneNumberInBlacklist": BLACKLISTED,
    "FailedOperation.TemplateIncorrectOrUnapproved": TEMPLATE_UNAPPROVED,
    "FailedOperation.TemplateUnapprovedOrNotExist": TEMPLATE_UNAPPROVED,
    "UnsupportedOperation.ChineseMainlandTemplateToGlobalPhone": TEMPLATE_UNAPPROVED,
    "FailedOperation.TemplateParamSetNotMatchApprovedTemplate": CONTENT_REFUSED,
    "FailedOperation.ContainSensitiveWord": CONTENT_REFUSED,
    "InvalidParameterValue.TemplateParameterFormatError": CONTENT_REFUSED,
    "InvalidParameterValue.TemplateParameterLengthLimit": CONTENT_REFUSED,
    "InvalidParameterValue.ProhibitedUseUrlInTemplateParameter": CONTENT_REFUSED,
    "InvalidParameterValue.ContentLengthLimit": CONTENT_REFUSED,
    "FailedOperation.SignatureIncorrectOrUnapproved": SIGNATURE_UNAPPROVED,
    "AuthFailure.SignatureFailure": BAD_CREDENTIALS,
    "AuthFailure.SecretIdNotFound": BAD_CREDENTIALS,
    "AuthFailure.InvalidSecretId": BAD_CREDENTIALS,
    "AuthFailure.UnauthorizedOperation": BAD_CREDENTIALS,
    "UnauthorizedOperation.SmsSdkAppIdVerifyFail": BAD_CREDENTIALS,
    "UnauthorizedOperation.SdkAppIdIsDisabled": BAD_CREDENTIALS,
    "UnauthorizedOperation.RequestIpNotInWhitelist": BAD_CREDENTIALS,
    "UnauthorizedOperation.RequestPermissionDeny": BAD_CREDENTIALS,
    "InvalidParameterValue.SdkAppIdNotExist": BAD_CREDENTIALS,
    "FailedOperation.InsufficientBalanceInSmsPackage": ACCOUNT_UNUSABLE,
    "UnauthorizedOperation.ServiceSuspendDueToArrears": ACCOUNT_UNUSABLE,
}


def refusal(provider: str, code: str, message: str = "", http_status: int = 200) -> Refusal:
    """How a gateway's refusal reads and whether it is retried. A code not listed is retried
    (the outbox gives up after a few tries) but shown as a plain failure."""
    if provider == "aliyun":
        found = ALIYUN_ERRORS.get(code)
        # Alibaba's default per-number flow control answers BUSINESS_LIMIT_CONTROL for the
        # minute, the hour and the day alike; only the message tells the day (天级流控).
        if found is RATE_LIMITED and "天级" in message:
            found = DAY_LIMIT
    else:
        found = TENCENT_ERRORS.get(code) or TENCENT_ERRORS.get(code.split(".", 1)[0])
    if found is None and http_status >= 500:
        found = BUSY
    return found or FAILED


class SmsError(DomainError):
    """The gateway did not send the message; the text is for the resident, in Chinese,
    `code` the gateway's own and `retry` whether trying again later can succeed."""

    def __init__(self, text: str, *, retry: bool = True, code: str = "") -> None:
        super().__init__(text)
        self.retry = retry
        self.code = code

    @classmethod
    def of(cls, refused: Refusal, code: str = "") -> SmsError:
        return cls(refused.text, retry=refused.retry, code=code)


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


def _refused(
    provider: str, phone: str, code: str, message: str, request_id: str, http_status: int = 200
) -> SmsError:
    log.error(
        "SMS via %s to %s refused: %s %s (request %s)", provider, phone, code, message, request_id
    )
    return SmsError.of(refusal(provider, code, message, http_status), code)


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
            raise SmsError.of(UNREACHABLE) from exc
        if body.get("Code") != "OK":
            raise _refused(
                "aliyun",
                phone,
                body.get("Code", ""),
                body.get("Message", ""),
                body.get("RequestId", ""),
                answer.status_code,
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
            raise SmsError.of(UNREACHABLE) from exc
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
