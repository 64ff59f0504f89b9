"""Permissions (权限管理): modules per department and post, checked in the services."""

from __future__ import annotations

from decimal import Decimal as D

import pytest
from sqlalchemy import select

from server.db.models import AuditEvent, Staff
from server.services.collection.payments import PaymentRequest, take_payment
from server.services.collection.till import open_till
from server.services.core import permissions
from server.services.core.errors import DomainError, NotFound, PermissionDenied
from server.services.staff.org import (
    add_staff_with_role,
    create_staff,
    ensure_department,
    ensure_post,
)
from server.services.staff.sign_in import staff_identity
from tests import factories as f


def person(session, login: str, role: str):
    add_staff_with_role(
        session, f.ACTOR, login=login, name=login.upper(), password="Counter2026",
        role=role, branch_code="D",
    )  # fmt: skip
    return staff_identity(session, login)


def test_standard_posts_start_with_their_modules(session):
    f.branches(session)
    assert person(session, "wang", "clerk").modules == {"counter", "accounts"}
    assert person(session, "sun", "reader").modules == {"readings", "meters", "accounts"}
    assert person(session, "zhao", "manager").modules == set(permissions.MODULES)
    assert person(session, "root", "admin").modules == set(permissions.MODULES)


def test_a_grant_for_one_department_does_not_reach_another(session):
    f.branches(session)
    cashier = person(session, "wang", "clerk")
    other_department = ensure_department(session, "north", "北区收费科")
    colleague = create_staff(
        session, f.ACTOR, login="qian", name="钱", password="Counter2026",
        department=other_department, post=ensure_post(session, "clerk", "收费员"),
    )  # fmt: skip
    root = person(session, "root", "admin").actor
    assert permissions.grant(session, root, "reports", "clerk", "north")
    assert not permissions.grant(session, root, "reports", "clerk", "north")  # already
    assert "reports" in permissions.modules_of(session, colleague.id)
    assert "reports" not in permissions.modules_of(session, cashier.staff_id)
    assert permissions.revoke(session, root, "reports", "clerk", "north")
    assert "reports" not in permissions.modules_of(session, colleague.id)
    assert not permissions.revoke(session, root, "reports", "clerk", "north")
    events = session.scalars(
        select(AuditEvent.action).where(AuditEvent.action.like("permission.%"))
    ).all()
    assert events == ["permission.grant", "permission.revoke"]


def test_the_services_refuse_what_the_post_does_not_hold(session):
    f.branches(session)
    f.bill(session, f.account(session), "2026-09", "40.00")
    reader = person(session, "sun", "reader")
    with pytest.raises(PermissionDenied, match="sun SUN 没有“收费台”权限"):
        open_till(session, reader.actor)
    clerk = person(session, "wang", "clerk")
    root = person(session, "root", "admin").actor
    open_till(session, clerk.actor)
    request = PaymentRequest("A001", D("40.00"), "cash", "D")
    permissions.revoke(session, root, "counter", "clerk")
    with pytest.raises(PermissionDenied, match="wang WANG 没有“收费台”权限"):
        take_payment(session, clerk.actor, request)
    permissions.grant(session, root, "counter", "clerk")
    assert take_payment(session, clerk.actor, request).allocations == (("2026-09", D("40.00")),)


def test_only_administration_grants_and_bad_names_are_named(session):
    f.branches(session)
    clerk = person(session, "wang", "clerk").actor
    root = person(session, "root", "admin").actor
    with pytest.raises(PermissionDenied, match="没有“系统管理”权限"):
        permissions.grant(session, clerk, "reports", "clerk")
    with pytest.raises(DomainError, match=r"权限模块应为 .*收到「cashbox」"):
        permissions.grant(session, root, "cashbox", "clerk")
    with pytest.raises(NotFound, match="岗位 boss 不存在"):
        permissions.grant(session, root, "reports", "boss")
    with pytest.raises(NotFound, match="部门 nowhere 不存在"):
        permissions.grant(session, root, "reports", "clerk", "nowhere")


def test_an_inactive_staff_member_holds_nothing_and_admin_cannot_be_locked_out(session):
    f.branches(session)
    clerk = person(session, "wang", "clerk")
    root = person(session, "root", "admin")
    session.get_one(Staff, clerk.staff_id).active = False
    session.info.pop("md_permissions", None)
    assert permissions.modules_of(session, clerk.staff_id) == frozenset()
    # Revoking the admin post's grants changes nothing: it holds every module by itself.
    permissions.revoke(session, root.actor, "admin", "admin")
    assert permissions.modules_of(session, root.staff_id) == set(permissions.MODULES)
    listed = {(g.post_code, g.module, g.department) for g in permissions.grants(session)}
    assert listed == {("clerk", "accounts", ""), ("clerk", "counter", "")}
