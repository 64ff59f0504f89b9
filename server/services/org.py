"""Campuses, branches, buildings, departments, posts and staff."""

from __future__ import annotations

from typing import TypeVar

from sqlalchemy import select
from sqlalchemy.orm import Session

from server.db.models import Branch, Building, Campus, Department, Post, Staff
from server.services import audit
from server.services.audit import Actor
from server.services.auth import hash_password
from server.services.errors import DomainError, NotFound

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
    return _ensure_coded(session, Post, code, name)


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
    if not login.strip():
        raise DomainError("登录名不能为空")
    if session.scalar(select(Staff.id).where(Staff.login == login)):
        raise DomainError(f"登录名 {login} 已存在")
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
