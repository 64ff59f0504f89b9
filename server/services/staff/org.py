"""Campuses, branches, buildings, departments, posts and staff."""

from __future__ import annotations

from typing import TypeVar

from sqlalchemy import select
from sqlalchemy.orm import Session

from server.db.models import Branch, Building, Campus, Department, Post, Staff
from server.services.core import audit, permissions
from server.services.core.audit import Actor
from server.services.core.errors import Conflict, InvalidInput, NotFound
from server.services.staff.sign_in import check_password_strength, hash_password

_Coded = TypeVar("_Coded", Department, Post)


def ensure_campus(session: Session, name: str, code: str | None = None) -> Campus:
    campus = session.scalar(select(Campus).where(Campus.name == name))
    if campus is None:
        campus = Campus(name=name, code=code or name)
        session.add(campus)
        session.flush()
    return campus


def campus_by_name(session: Session, name: str) -> Campus:
    campus = session.scalar(select(Campus).where((Campus.name == name) | (Campus.code == name)))
    if campus is None:
        raise NotFound(f"校区 {name} 不存在")
    return campus


def ensure_building(session: Session, campus: Campus, name: str) -> Building:
    building = session.scalar(
        select(Building).where(Building.campus_id == campus.id, Building.name == name)
    )
    if building is None:
        building = Building(campus_id=campus.id, name=name)
        session.add(building)
        session.flush()
    return building


def ensure_branch(session: Session, campus: Campus, code: str, name: str) -> Branch:
    branch = session.scalar(select(Branch).where(Branch.code == code))
    if branch is None:
        branch = Branch(code=code, name=name, campus_id=campus.id)
        session.add(branch)
        session.flush()
    return branch


def _ensure_coded(session: Session, model: type[_Coded], code: str, name: str) -> _Coded:
    row = session.scalar(select(model).where(model.code == code))
    if row is None:
        row = model(code=code, name=name)
        session.add(row)
        session.flush()
    return row


def ensure_department(session: Session, code: str, name: str) -> Department:
    return _ensure_coded(session, Department, code, name)


def ensure_post(session: Session, code: str, name: str) -> Post:
    """The post of `code`; a standard post created here gets its default modules."""
    existed = session.scalar(select(Post.id).where(Post.code == code))
    post = _ensure_coded(session, Post, code, name)
    if existed is None:
        permissions.grant_defaults(session, post)
    return post


def create_staff(
    session: Session,
    actor: Actor,
    *,
    login: str,
    name: str,
    password: str,
    department: Department,
    post: Post,
    branch: Branch | None = None,
    mobile: str = "",
) -> Staff:
    permissions.require(session, actor, "admin")
    if not login.strip():
        raise InvalidInput("登录名不能为空")
    if session.scalar(select(Staff.id).where(Staff.login == login)):
        raise Conflict(f"登录名 {login} 已存在")
    staff = Staff(
        login=login,
        name=name,
        password_hash=hash_password(password),
        department_id=department.id,
        post_id=post.id,
        branch_id=branch.id if branch else None,
        mobile=mobile,
        active=True,
        failed_logins=0,
    )
    session.add(staff)
    session.flush()
    audit.record(session, actor, "staff.create", "staff", staff.id, {"login": login})
    return staff


# role → (department code, department, post code, post): what `staff add --role` means.
ROLES: dict[str, tuple[str, str, str, str]] = {
    "clerk": ("charge", "收费科", "clerk", "收费员"),
    "manager": ("office", "综合办公室", "manager", "管理人员"),
    "reader": ("reading", "抄表班", "reader", "抄表员"),
    "admin": ("it", "信息中心", "admin", "系统管理员"),
}


def branch_by_code(session: Session, code: str) -> Branch:
    branch = session.scalar(select(Branch).where(Branch.code == code.strip()))
    if branch is None:
        raise NotFound(f"分中心 {code} 不存在")
    return branch


def add_branch(session: Session, actor: Actor, code: str, name: str, campus: str) -> Branch:
    """A new counter branch on a campus (created if new); its code prefixes receipt numbers."""
    permissions.require(session, actor, "admin")
    code = code.strip().upper()
    if not code.isalnum() or len(code) > 4:
        raise InvalidInput(f"分中心代码应为 1–4 位字母或数字，收到「{code}」")
    if session.scalar(select(Branch.id).where(Branch.code == code)):
        raise Conflict(f"分中心代码 {code} 已存在")
    branch = ensure_branch(session, ensure_campus(session, campus.strip()), code, name.strip())
    audit.record(session, actor, "branch.create", "branch", branch.id, {"code": code})
    return branch


def add_staff_with_role(
    session: Session,
    actor: Actor,
    *,
    login: str,
    name: str,
    password: str,
    role: str,
    branch_code: str | None,
) -> Staff:
    if role not in ROLES:
        raise InvalidInput(f"角色应为 {' / '.join(ROLES)}，收到「{role}」")
    check_password_strength(password)
    department_code, department, post_code, post = ROLES[role]
    return create_staff(
        session,
        actor,
        login=login.strip(),
        name=name.strip(),
        password=password,
        department=ensure_department(session, department_code, department),
        post=ensure_post(session, post_code, post),
        branch=branch_by_code(session, branch_code) if branch_code else None,
    )
