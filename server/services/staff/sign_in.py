"""Staff sign-in: argon2 password hashes and lockout after repeated failures.

The lockout counts the counter PCs' failures only: the web sign-in (/staff/login) is open to
the internet, where anyone could otherwise lock a clerk out of the counter; it has its own
limits (server.companion.staff). An unknown, disabled or locked login costs one argon2
verification like a real one, so timing does not tell which logins exist.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import timedelta
from functools import cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import Select, select
from sqlalchemy.orm import Session, joinedload

from server.db.models import Staff
from server.services.core import audit, permissions
from server.services.core.audit import Actor
from server.services.core.calendar import now
from server.services.core.errors import DomainError

MAX_FAILED_LOGINS = 5
LOCKOUT = timedelta(minutes=15)

_hasher = PasswordHasher()


def hash_password(password: str) -> str:
    return _hasher.hash(password)


MIN_PASSWORD_LENGTH = 8


def check_password_strength(password: str) -> None:
    """At least 8 characters with both letters and digits: what a counter PC can enforce."""
    if len(password) < MIN_PASSWORD_LENGTH:
        raise DomainError(f"密码至少 {MIN_PASSWORD_LENGTH} 位")
    if not any(c.isalpha() for c in password) or not any(c.isdigit() for c in password):
        raise DomainError("密码须同时包含字母和数字")


def verify_password(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


@cache
def _dummy_hash() -> str:
    # Made on first use with the same parameters as real hashes, so verifying against it
    # takes as long as verifying a real login's.
    return _hasher.hash(secrets.token_urlsafe(16))


def spend_a_verification(password: str) -> None:
    """The time of one password check where there is no hash to check against."""
    verify_password(_dummy_hash(), password)


class LoginFailed(DomainError):
    pass


@dataclass(frozen=True)
class StaffIdentity:
    """The signed-in staff member, as the desktop and the audit trail see them."""

    staff_id: int
    login: str
    name: str
    department: str
    post: str
    branch_id: int | None
    branch_name: str
    # Prefixes the receipts this staff member issues (server.services.core.numbering).
    branch_code: str = ""
    # What they may use (server.services.core.permissions); the services check again.
    modules: frozenset[str] = frozenset()

    @property
    def actor(self) -> Actor:
        return Actor(
            label=staff_label(self.login, self.name),
            staff_id=self.staff_id,
            branch_id=self.branch_id,
        )


def identity_of(session: Session, staff: Staff) -> StaffIdentity:
    return StaffIdentity(
        staff_id=staff.id,
        login=staff.login,
        name=staff.name,
        department=staff.department.name,
        post=staff.post.name,
        branch_id=staff.branch_id,
        branch_name=staff.branch.name if staff.branch else "",
        branch_code=staff.branch.code if staff.branch else "",
        modules=permissions.modules_of(session, staff.id),
    )


def _staff_by_login(login: str) -> Select[Staff]:
    """The staff row of a login with what an identity shows (department, post, branch)."""
    return (
        select(Staff)
        .where(Staff.login == login.strip())
        .options(joinedload(Staff.department), joinedload(Staff.post), joinedload(Staff.branch))
    )


def staff_label(login: str, name: str) -> str:
    """How a staff member is named on documents and in the audit trail."""
    return f"{login} {name}"


def authenticate(
    session: Session, login: str, password: str, *, web: bool = False
) -> StaffIdentity:
    """Check a login; every attempt is audited. At the counter (`web` False) the 5th failure
    locks for 15 minutes; the web's failures are audited but neither counted nor reset."""
    query = _staff_by_login(login)
    staff = session.scalar(query if web else query.with_for_update(of=Staff))
    moment = now()
    attempt = Actor(label=login.strip() or "?")
    channel = {"channel": "web"} if web else {}
    if staff is None or not staff.active:
        spend_a_verification(password)
        audit.record(
            session, attempt, "auth.login_failed", "staff", None, {"login": login, **channel}
        )
        raise LoginFailed("用户名或密码错误")
    if staff.locked_until and staff.locked_until > moment:
        spend_a_verification(password)
        audit.record(session, attempt, "auth.login_locked", "staff", staff.id, channel or None)
        minutes = int((staff.locked_until - moment).total_seconds() // 60) + 1
        raise LoginFailed(f"账号已锁定，请 {minutes} 分钟后再试")
    if not verify_password(staff.password_hash, password):
        data: dict[str, int | str] = dict(channel)
        if not web:
            staff.failed_logins += 1
            data["failed_logins"] = staff.failed_logins
            if staff.failed_logins >= MAX_FAILED_LOGINS:
                staff.locked_until = moment + LOCKOUT
                staff.failed_logins = 0
                data["locked_until"] = staff.locked_until.isoformat()
        audit.record(session, attempt, "auth.login_failed", "staff", staff.id, data)
        if "locked_until" in data:
            raise LoginFailed("密码错误次数过多，账号已锁定 15 分钟")
        raise LoginFailed("用户名或密码错误")
    if not web:
        staff.failed_logins = 0
        staff.locked_until = None
    identity = identity_of(session, staff)
    audit.record(session, identity.actor, "auth.login", "staff", staff.id, channel or None)
    return identity


@dataclass(frozen=True)
class SignInResult:
    identity: StaffIdentity | None
    error: str = ""


def sign_in(session: Session, login: str, password: str, *, web: bool = False) -> SignInResult:
    """`authenticate` as a result, never an exception, for callers' units of work.

    A refused attempt has counted a failure (and audited it) before LoginFailed is raised;
    returning the refusal lets the caller's unit of work commit that count, where raising
    would roll it back and the lockout after repeated failures would never trigger.
    """
    try:
        return SignInResult(authenticate(session, login, password, web=web))
    except LoginFailed as exc:
        return SignInResult(None, str(exc))


def staff_identity(session: Session, login: str) -> StaffIdentity:
    """Who a script acts as (`--clerk LOGIN`); the operator's own sign-in is the OS's."""
    staff = session.scalar(_staff_by_login(login).where(Staff.active))
    if staff is None:
        raise DomainError(f"工作人员 {login} 不存在或已停用")
    return identity_of(session, staff)
