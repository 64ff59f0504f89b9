"""Permissions (权限管理): which modules a staff member may use.

A module is granted to a post — in one department, or in every department when the grant
names none — and a staff member holds the modules of their post in their department. The
post `admin` (系统管理员) holds every module, so nobody can lock the system out of itself.
The services check a module themselves (`require`); the desktop only hides what the
staff member cannot use. Actors without a staff id (scripts, the companion service, the
billing run started by the operator) are the operator's own decision and are not checked.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import delete, or_, select
from sqlalchemy.orm import Session

from server.db.models import Department, PermissionGrant, Post, Staff
from server.services.core import audit
from server.services.core.audit import Actor
from server.services.core.errors import InvalidInput, NotFound, PermissionDenied

MODULES: dict[str, str] = {
    "counter": "收费台",
    "accounts": "用户信息管理",
    "meters": "表计管理",
    "readings": "抄表",
    "tariffs": "价格管理",
    "billing": "账务管理",
    "reports": "报表",
    "service": "用户服务",
    "admin": "系统管理",
}
ALL_MODULES_POST = "admin"
# The managers' posts: they void any receipt at any time (退票 included), set late-fee rules
# and waive fees. See server.services.staff.org.ROLES.
MANAGER_POSTS = ("manager", "admin")
_CACHE = "md_permissions"
# What the standard posts (server.services.staff.org.ROLES) start with; migration 0008 holds the
# same table for databases that had staff before permissions existed.
DEFAULT_MODULES: dict[str, tuple[str, ...]] = {
    "clerk": ("counter", "accounts"),
    "reader": ("readings", "meters", "accounts"),
    "manager": tuple(MODULES),
}


@dataclass(frozen=True)
class Grant:
    department: str  # "" means every department
    post_code: str
    post: str
    module: str
    module_label: str


def modules_of(session: Session, staff_id: int) -> frozenset[str]:
    """The modules a staff member holds (none for an inactive one).

    Kept for the unit of work (session.info): an import that records 10,000 readings asks
    10,000 times, and grants change only through `grant`/`revoke`, which forget it.
    """
    cache: dict[int, frozenset[str]] = session.info.setdefault(_CACHE, {})
    if staff_id not in cache:
        cache[staff_id] = _modules_of(session, staff_id)
    return cache[staff_id]


def _modules_of(session: Session, staff_id: int) -> frozenset[str]:
    row = session.execute(
        select(Staff.department_id, Staff.post_id, Post.code, Staff.active)
        .join(Post, Post.id == Staff.post_id)
        .where(Staff.id == staff_id)
    ).first()
    if row is None or not row.active:
        return frozenset()
    department_id, post_id, post_code, _ = row
    if post_code == ALL_MODULES_POST:
        return frozenset(MODULES)
    granted = session.scalars(
        select(PermissionGrant.module).where(
            PermissionGrant.post_id == post_id,
            or_(
                PermissionGrant.department_id.is_(None),
                PermissionGrant.department_id == department_id,
            ),
        )
    )
    return frozenset(granted) & frozenset(MODULES)


def post_code(session: Session, staff_id: int) -> str:
    return (
        session.scalar(
            select(Post.code).join(Staff, Staff.post_id == Post.id).where(Staff.id == staff_id)
        )
        or ""
    )


def is_manager(session: Session, staff_id: int) -> bool:
    return post_code(session, staff_id) in MANAGER_POSTS


def require_manager(session: Session, actor: Actor, what: str) -> None:
    """Refuse unless the actor holds a manager's post; `what` names the act, e.g. 更正账单.

    Unlike `require`, an actor without a staff id is refused too: money given back is
    always a named manager's decision."""
    if actor.staff_id is None or not is_manager(session, actor.staff_id):
        raise PermissionDenied(f"{what}须由管理人员办理")


def require(session: Session, actor: Actor, module: str) -> None:
    """Refuse unless the actor holds `module` (actors without a staff id pass)."""
    if actor.staff_id is None:
        return
    if module not in modules_of(session, actor.staff_id):
        raise PermissionDenied(f"{actor.label} 没有“{MODULES[module]}”权限")


def _module(module: str) -> str:
    if module not in MODULES:
        raise InvalidInput(f"权限模块应为 {' / '.join(MODULES)}，收到「{module}」")
    return module


def _post_and_department(
    session: Session, post_code: str, department_code: str | None
) -> tuple[Post, Department | None]:
    post = session.scalar(select(Post).where(Post.code == post_code.strip()))
    if post is None:
        raise NotFound(f"岗位 {post_code} 不存在")
    department = None
    if department_code:
        department = session.scalar(
            select(Department).where(Department.code == department_code.strip())
        )
        if department is None:
            raise NotFound(f"部门 {department_code} 不存在")
    return post, department


def _grant_filter(post: Post, department: Department | None, module: str) -> list:
    return [
        PermissionGrant.post_id == post.id,
        PermissionGrant.module == module,
        PermissionGrant.department_id.is_(None)
        if department is None
        else PermissionGrant.department_id == department.id,
    ]


def grant(
    session: Session, actor: Actor, module: str, post_code: str, department_code: str | None = None
) -> bool:
    """Grant a module to a post (in one department or all); False if it already was."""
    require(session, actor, "admin")
    module = _module(module)
    post, department = _post_and_department(session, post_code, department_code)
    if session.scalar(select(PermissionGrant.id).where(*_grant_filter(post, department, module))):
        return False
    row = PermissionGrant(
        post_id=post.id, department_id=department.id if department else None, module=module
    )
    session.add(row)
    session.flush()
    session.info.pop(_CACHE, None)
    audit.record(
        session, actor, "permission.grant", "permission_grant", row.id,
        {"module": module, "post": post.code, "department": department.code if department else ""},
    )  # fmt: skip
    return True


def revoke(
    session: Session, actor: Actor, module: str, post_code: str, department_code: str | None = None
) -> bool:
    """Take a module away from a post; False if it was not granted."""
    require(session, actor, "admin")
    module = _module(module)
    post, department = _post_and_department(session, post_code, department_code)
    removed = session.execute(
        delete(PermissionGrant)
        .where(*_grant_filter(post, department, module))
        .returning(PermissionGrant.id)
    ).scalar()
    if removed is None:
        return False
    session.info.pop(_CACHE, None)
    audit.record(
        session, actor, "permission.revoke", "permission_grant", removed,
        {"module": module, "post": post.code, "department": department.code if department else ""},
    )  # fmt: skip
    return True


def grants(session: Session) -> tuple[Grant, ...]:
    """Every grant, by post then department then module, for the administration page."""
    rows = session.execute(
        select(Department.name, Post.code, Post.name, PermissionGrant.module)
        .join(Post, Post.id == PermissionGrant.post_id)
        .outerjoin(Department, Department.id == PermissionGrant.department_id)
        .order_by(Post.code, Department.name.nulls_first(), PermissionGrant.module)
    ).all()
    return tuple(
        Grant(department or "", code, name, module, MODULES.get(module, module))
        for department, code, name, module in rows
    )


def grant_defaults(session: Session, post: Post) -> None:
    """A standard post created now starts with its default modules (in every department)."""
    for module in DEFAULT_MODULES.get(post.code, ()):
        session.add(PermissionGrant(post_id=post.id, department_id=None, module=module))
    session.flush()
