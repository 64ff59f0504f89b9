"""个人信息: every staff member keeps their own contact details and password."""

from __future__ import annotations

import re
from dataclasses import dataclass

from sqlalchemy import select, text
from sqlalchemy.orm import Session, joinedload

from server.db.models import Staff
from server.services.core import audit
from server.services.core.audit import Actor
from server.services.core.errors import DomainError, InvalidInput, NotFound
from server.services.staff.sign_in import check_password_strength, hash_password, verify_password

_MOBILE = re.compile(r"^1\d{10}$")
_PHONE = re.compile(r"^[0-9\-+() ]{0,40}$")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_WECHAT = re.compile(r"^[A-Za-z][-_A-Za-z0-9]{5,19}$")


@dataclass(frozen=True)
class Profile:
    login: str
    name: str
    department: str
    post: str
    branch: str
    mobile: str
    office_phone: str
    email: str
    wechat: str
    # Bound on the field pages' 个人信息: assigned tasks are told by template message.
    wechat_bound: bool = False


@dataclass(frozen=True)
class ProfileChanges:
    mobile: str
    office_phone: str
    email: str
    wechat: str


def _own(session: Session, actor: Actor, *, lock: bool = False) -> Staff:
    if actor.staff_id is None:
        raise DomainError(f"{actor.label} 不是工作人员，没有个人信息")
    query = select(Staff).where(Staff.id == actor.staff_id)
    if lock:
        query = query.with_for_update(of=Staff)
    staff = session.scalar(
        query.options(
            joinedload(Staff.department), joinedload(Staff.post), joinedload(Staff.branch)
        )
    )
    if staff is None:
        raise NotFound(f"工作人员 {actor.label} 不存在")
    return staff


def my_profile(session: Session, actor: Actor) -> Profile:
    staff = _own(session, actor)
    return Profile(
        login=staff.login,
        name=staff.name,
        department=staff.department.name,
        post=staff.post.name,
        branch=staff.branch.name if staff.branch else "",
        mobile=staff.mobile,
        office_phone=staff.office_phone,
        email=staff.email,
        wechat=staff.wechat,
        wechat_bound=staff.wechat_user_id is not None,
    )


def check_changes(changes: ProfileChanges) -> ProfileChanges:
    """The changes trimmed, or DomainError naming the first bad field."""
    clean = ProfileChanges(*(value.strip() for value in (
        changes.mobile, changes.office_phone, changes.email, changes.wechat)))  # fmt: skip
    if clean.mobile and not _MOBILE.match(clean.mobile):
        raise InvalidInput(f"手机号应为 11 位数字，以 1 开头，收到「{clean.mobile}」")
    if not _PHONE.match(clean.office_phone):
        raise DomainError(f"办公电话只能含数字、空格和 - + ( )，收到「{clean.office_phone}」")
    if clean.email and (len(clean.email) > 120 or not _EMAIL.match(clean.email)):
        raise InvalidInput(f"电子邮箱格式不对：「{clean.email}」")
    if clean.wechat and not _WECHAT.match(clean.wechat):
        raise InvalidInput(f"微信号应为 6–20 位，以字母开头，收到「{clean.wechat}」")
    return clean


def update_profile(session: Session, actor: Actor, changes: ProfileChanges) -> Profile:
    """Save one's own contact details; the audit event keeps what they were before."""
    clean = check_changes(changes)
    staff = _own(session, actor, lock=True)
    fields = ("mobile", "office_phone", "email", "wechat")
    before = {name: getattr(staff, name) for name in fields}
    after = {name: getattr(clean, name) for name in fields}
    if before != after:
        for name, value in after.items():
            setattr(staff, name, value)
        session.flush()
        audit.record(
            session, actor, "staff.profile", "staff", staff.id, {"before": before, "after": after}
        )
    return my_profile(session, actor)


def change_password(session: Session, actor: Actor, old: str, new: str) -> None:
    """The old password is required; the new one must be strong and different."""
    staff = _own(session, actor, lock=True)
    if not verify_password(staff.password_hash, old):
        raise DomainError("原密码不正确")
    if new == old:
        raise DomainError("新密码不能与原密码相同")
    check_password_strength(new)
    # The application role cannot write password_hash: the database swaps it only for the
    # caller who presents the current one (migration 0020).
    session.execute(
        text("select md_change_password(:id, :old, :new)"),
        {"id": staff.id, "old": staff.password_hash, "new": hash_password(new)},
    )
    session.refresh(staff, ["password_hash"])
    audit.record(session, actor, "staff.password", "staff", staff.id)


def bind_wechat(session: Session, actor: Actor, wechat_user_id: int) -> None:
    """Bind the WeChat one signed in with (OAuth on /staff/) to one's own staff record."""
    staff = _own(session, actor, lock=True)
    other = session.scalar(
        select(Staff).where(Staff.wechat_user_id == wechat_user_id, Staff.id != staff.id)
    )
    if other is not None:
        raise DomainError(f"该微信已绑定工作人员 {other.name}")
    if staff.wechat_user_id != wechat_user_id:
        staff.wechat_user_id = wechat_user_id
        session.flush()
        audit.record(
            session, actor, "staff.wechat", "staff", staff.id, {"wechat_user_id": wechat_user_id}
        )
