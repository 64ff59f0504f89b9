"""系统管理: staff, departments and posts, for the administration page and the CLI."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from server.db.models import Branch, Department, Post, Staff
from server.services.core import audit, permissions
from server.services.core.audit import Actor
from server.services.core.calendar import now
from server.services.core.errors import Conflict, DomainError, InvalidInput, NotFound
from server.services.staff.org import branch_by_code, create_staff
from server.services.staff.sign_in import check_password_strength, hash_password


@dataclass(frozen=True)
class StaffRow:
    staff_id: int
    login: str
    name: str
    department: str
    post: str
    branch: str
    mobile: str
    active: bool
    locked: bool


@dataclass(frozen=True)
class Unit:
    """A department or a post: its code and name."""

    code: str
    name: str


def list_staff(session: Session) -> tuple[StaffRow, ...]:
    moment = now()
    rows = session.execute(
        select(Staff, Department.name, Post.name, Branch.name)
        .join(Department, Department.id == Staff.department_id)
        .join(Post, Post.id == Staff.post_id)
        .outerjoin(Branch, Branch.id == Staff.branch_id)
        .order_by(Staff.login)
    ).all()
    return tuple(
        StaffRow(
            staff.id,
            staff.login,
            staff.name,
            department,
            post,
            branch or "",
            staff.mobile,
            staff.active,
            bool(staff.locked_until and staff.locked_until > moment),
        )
        for staff, department, post, branch in rows
    )


def _units(session: Session, model: type[Department | Post | Branch]) -> tuple[Unit, ...]:
    rows = session.execute(select(model.code, model.name).order_by(model.code))
    return tuple(Unit(code, name) for code, name in rows)


def departments(session: Session) -> tuple[Unit, ...]:
    return _units(session, Department)


def posts(session: Session) -> tuple[Unit, ...]:
    return _units(session, Post)


def branches(session: Session) -> tuple[Unit, ...]:
    return _units(session, Branch)


def add_staff(
    session: Session,
    actor: Actor,
    *,
    login: str,
    name: str,
    password: str,
    department_code: str,
    post_code: str,
    branch_code: str = "",
) -> StaffRow:
    """A new login in a department and post (and a branch for counter staff)."""
    permissions.require(session, actor, "admin")
    login, name = login.strip(), name.strip()
    if not name:
        raise InvalidInput("姓名不能为空")
    check_password_strength(password)
    department = session.scalar(select(Department).where(Department.code == department_code))
    post = session.scalar(select(Post).where(Post.code == post_code))
    if department is None:
        raise NotFound(f"部门 {department_code} 不存在")
    if post is None:
        raise NotFound(f"岗位 {post_code} 不存在")
    staff = create_staff(
        session, actor, login=login, name=name, password=password, department=department,
        post=post, branch=branch_by_code(session, branch_code) if branch_code else None,
    )  # fmt: skip
    return next(row for row in list_staff(session) if row.staff_id == staff.id)


def _staff(session: Session, login: str) -> Staff:
    staff = session.scalar(select(Staff).where(Staff.login == login.strip()).with_for_update())
    if staff is None:
        raise NotFound(f"工作人员 {login} 不存在")
    return staff


def set_active(session: Session, actor: Actor, login: str, active: bool) -> None:
    """停用 / 启用 a login; nobody switches themselves off."""
    permissions.require(session, actor, "admin")
    staff = _staff(session, login)
    if not active and staff.id == actor.staff_id:
        raise DomainError("不能停用自己的账号")
    if staff.active != active:
        staff.active = active
        session.flush()
        audit.record(session, actor, "staff.active", "staff", staff.id,
                     {"login": staff.login, "before": not active, "after": active})  # fmt: skip


def reset_password(session: Session, actor: Actor, login: str, password: str) -> None:
    """An administrator sets a new password (and lifts a lockout)."""
    permissions.require(session, actor, "admin")
    check_password_strength(password)
    staff = _staff(session, login)
    # Through the database's check that the actor is an active administrator: the
    # application role cannot write password_hash itself (migration 0020).
    session.execute(
        text("select md_reset_password(:id, :hash, :admin)"),
        {"id": staff.id, "hash": hash_password(password), "admin": actor.staff_id},
    )
    session.refresh(staff, ["password_hash"])
    staff.failed_logins = 0
    staff.locked_until = None
    session.flush()
    audit.record(session, actor, "staff.password_reset", "staff", staff.id, {"login": staff.login})


def _check_unit(kind: str, code: str, name: str) -> tuple[str, str]:
    code, name = code.strip(), name.strip()
    if not code or len(code) > 20 or not code.replace("_", "").isalnum():
        raise InvalidInput(f"{kind}代码应为 1–20 位字母、数字或下划线，收到「{code}」")
    if not name or len(name) > 60:
        raise InvalidInput(f"{kind}名称应为 1–60 个字，收到「{name}」")
    return code, name


def add_department(session: Session, actor: Actor, code: str, name: str) -> Unit:
    permissions.require(session, actor, "admin")
    code, name = _check_unit("部门", code, name)
    if session.scalar(
        select(Department.id).where((Department.code == code) | (Department.name == name))
    ):
        raise Conflict(f"部门 {code} 或 {name} 已存在")
    row = Department(code=code, name=name)
    session.add(row)
    session.flush()
    audit.record(
        session, actor, "department.create", "department", row.id, {"code": code, "name": name}
    )
    return Unit(code, name)


def add_post(session: Session, actor: Actor, code: str, name: str) -> Unit:
    permissions.require(session, actor, "admin")
    code, name = _check_unit("岗位", code, name)
    if session.scalar(select(Post.id).where((Post.code == code) | (Post.name == name))):
        raise Conflict(f"岗位 {code} 或 {name} 已存在")
    row = Post(code=code, name=name)
    session.add(row)
    session.flush()
    audit.record(session, actor, "post.create", "post", row.id, {"code": code, "name": name})
    return Unit(code, name)
