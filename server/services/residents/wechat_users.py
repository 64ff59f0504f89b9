"""Residents on WeChat: followers known by openid, and registration by phone with an SMS
code (用户注册)."""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from server.db.models import SmsCode, WechatUser
from server.services.core import audit, ratelimit
from server.services.core.audit import Actor
from server.services.core.calendar import now
from server.services.core.errors import DomainError, InvalidInput, NotFound
from server.services.core.ratelimit import Limit
from server.services.residents.sms import SmsSender

CODE_LIFETIME = timedelta(minutes=5)
MAX_CODE_ATTEMPTS = 5
SMS_PER_PHONE = Limit(
    "sms:phone", 5, timedelta(hours=1), "该手机号获取验证码过于频繁，请 1 小时后再试"
)
SMS_PER_PHONE_MINUTE = Limit("sms:phone1", 1, timedelta(minutes=1), "验证码已发送，请 1 分钟后再试")
# Per address, to stop one client spraying codes at many phones; campus NAT shares it.
SMS_PER_IP = Limit("sms:ip", 60, timedelta(hours=1), "获取验证码过于频繁，请稍后再试")
_PHONE = re.compile(r"^1[3-9]\d{9}$")


@dataclass(frozen=True)
class Resident:
    user_id: int
    openid: str
    phone: str
    registered: bool

    @property
    def actor(self) -> Actor:
        return actor_of(self.openid)


def actor_of(openid: str) -> Actor:
    """How a WeChat user is named in the audit trail."""
    return Actor(label=f"wechat {openid}"[:120])


def _view(user: WechatUser) -> Resident:
    return Resident(user.id, user.openid, user.phone, user.phone_verified_at is not None)


def normalise_phone(phone: str) -> str:
    digits = re.sub(r"[\s-]", "", phone.strip())
    digits = digits.removeprefix("+86")
    if not _PHONE.match(digits):
        raise InvalidInput(f"手机号格式不正确：「{phone.strip()}」（应为 11 位大陆手机号）")
    return digits


def follower(session: Session, openid: str) -> Resident:
    """The user of an openid, created on first sight (a page visit or a follow)."""
    openid = openid.strip()
    if not openid or len(openid) > 64:
        raise InvalidInput("无效的 openid")
    created = session.execute(
        text(
            "insert into wechat_user (openid, phone, subscribed) values (:o, '', false)"
            " on conflict (openid) do nothing returning id"
        ),
        {"o": openid},
    ).scalar()
    if created is not None:
        audit.record(session, actor_of(openid), "wechat_user.create", "wechat_user", created)
    user = session.scalar(select(WechatUser).where(WechatUser.openid == openid))
    assert user is not None
    return _view(user)


def set_subscribed(session: Session, openid: str, subscribed: bool) -> None:
    """关注 / 取消关注 as WeChat reports it."""
    user_id = follower(session, openid).user_id
    session.execute(
        text("update wechat_user set subscribed = :s where id = :i"),
        {"s": subscribed, "i": user_id},
    )
    action = "wechat_user.subscribe" if subscribed else "wechat_user.unsubscribe"
    audit.record(session, actor_of(openid), action, "wechat_user", user_id)


def resident(session: Session, user_id: int) -> Resident:
    user = session.get(WechatUser, user_id)
    if user is None:
        raise NotFound(f"微信用户 {user_id} 不存在")
    return _view(user)


def _digest(salt: str, phone: str, code: str) -> str:
    return hmac.new(salt.encode(), f"{phone}:{code}".encode(), hashlib.sha256).hexdigest()


def send_code(
    session: Session, user_id: int, phone: str, sender: SmsSender, client_ip: str
) -> None:
    """Send a 6-digit code to `phone` for `user_id`, within the per-phone and per-IP limits."""
    phone = normalise_phone(phone)
    user = resident(session, user_id)
    ratelimit.hit(session, SMS_PER_PHONE_MINUTE, phone)
    ratelimit.hit(session, SMS_PER_PHONE, phone)
    ratelimit.hit(session, SMS_PER_IP, client_ip)
    code = f"{secrets.randbelow(10**6):06d}"
    salt = secrets.token_hex(16)
    row = SmsCode(
        phone=phone,
        wechat_user_id=user_id,
        code_hash=_digest(salt, phone, code),
        salt=salt,
        expires_at=now() + CODE_LIFETIME,
        attempts=0,
    )
    session.add(row)
    session.flush()
    audit.record(session, user.actor, "sms_code.send", "sms_code", row.id, {"phone": phone})
    minutes = int(CODE_LIFETIME.total_seconds() // 60)
    sender.send(phone, "code", {"code": code, "minutes": str(minutes)})


def register_phone(session: Session, user_id: int, phone: str, code: str) -> str:
    """Check the code and register the phone; returns "" on success, else the reason.

    A refusal is returned, not raised, so the caller's unit of work commits the attempt
    count: a code allows MAX_CODE_ATTEMPTS tries, then a new one must be sent.
    """
    try:
        phone = normalise_phone(phone)
    except DomainError as exc:
        return str(exc)
    user = session.get(WechatUser, user_id, with_for_update=True)
    if user is None:
        return "请重新进入页面"
    latest = session.scalar(
        select(SmsCode)
        .where(
            SmsCode.phone == phone,
            SmsCode.wechat_user_id == user_id,
            SmsCode.used_at.is_(None),
            SmsCode.expires_at > func.now(),
        )
        .order_by(SmsCode.id.desc())
        .limit(1)
        .with_for_update()
    )
    actor = actor_of(user.openid)
    if latest is None:
        return "验证码已过期或未发送，请重新获取"
    if latest.attempts >= MAX_CODE_ATTEMPTS:
        return "验证码错误次数过多，请重新获取"
    if not hmac.compare_digest(latest.code_hash, _digest(latest.salt, phone, code.strip())):
        latest.attempts += 1
        audit.record(session, actor, "sms_code.failed", "sms_code", latest.id)
        left = MAX_CODE_ATTEMPTS - latest.attempts
        return f"验证码错误，还可尝试 {left} 次" if left else "验证码错误次数过多，请重新获取"
    latest.used_at = now()
    user.phone = phone
    user.phone_verified_at = latest.used_at
    audit.record(session, actor, "wechat_user.register", "wechat_user", user.id, {"phone": phone})
    return ""
