"""个人信息, staff administration and the audit log, on real PostgreSQL."""

from __future__ import annotations

from datetime import timedelta

import pytest

from server.services.core import calendar
from server.services.core.audit_trail import audit_events
from server.services.core.errors import DomainError, PermissionDenied
from server.services.staff.org import add_staff_with_role
from server.services.staff.own_profile import (
    ProfileChanges,
    change_password,
    my_profile,
    update_profile,
)
from server.services.staff.sign_in import authenticate, staff_identity
from server.services.staff.staff_admin import (
    Unit,
    add_department,
    add_post,
    list_staff,
    reset_password,
    set_active,
)
from tests import factories as f


def person(session, login: str, role: str):
    add_staff_with_role(
        session, f.ACTOR, login=login, name=login.upper(), password="Counter2026",
        role=role, branch_code="D",
    )  # fmt: skip
    return staff_identity(session, login).actor


def test_a_staff_member_keeps_their_own_profile(session):
    f.branches(session)
    wang = person(session, "wang", "clerk")
    profile = update_profile(
        session, wang, ProfileChanges(" 13812345678 ", "0571-8888 1234", "wang@uni.edu.cn", "")
    )
    assert (profile.mobile, profile.office_phone, profile.email) == (
        "13812345678", "0571-8888 1234", "wang@uni.edu.cn",
    )  # fmt: skip
    assert (profile.department, profile.post, profile.branch) == ("收费科", "收费员", "东区收费点")
    bad = [
        (ProfileChanges("1381234567", "", "", ""), "手机号应为 11 位数字"),
        (ProfileChanges("", "call me", "", ""), "办公电话只能含数字"),
        (ProfileChanges("", "", "wang@", ""), "电子邮箱格式不对"),
        (ProfileChanges("", "", "", "1abc"), "微信号应为 6–20 位"),
    ]
    for changes, message in bad:
        with pytest.raises(DomainError, match=message):
            update_profile(session, wang, changes)
    assert my_profile(session, wang).mobile == "13812345678"  # nothing half-written
    [event] = audit_events(session, action="staff.profile").rows
    assert '"before": {"email": "", "mobile": ""' in event.details


def test_changing_the_password_needs_the_old_one_and_a_strong_new_one(session):
    f.branches(session)
    wang = person(session, "wang", "clerk")
    with pytest.raises(DomainError, match="原密码不正确"):
        change_password(session, wang, "wrong", "NewPass2027")
    with pytest.raises(DomainError, match="密码须同时包含字母和数字"):
        change_password(session, wang, "Counter2026", "onlyletters")
    with pytest.raises(DomainError, match="不能与原密码相同"):
        change_password(session, wang, "Counter2026", "Counter2026")
    change_password(session, wang, "Counter2026", "NewPass2027")
    assert authenticate(session, "wang", "NewPass2027").login == "wang"


def test_administration_of_staff_departments_and_posts(session):
    f.branches(session)
    root = person(session, "root", "admin")
    wang = person(session, "wang", "clerk")
    with pytest.raises(PermissionDenied, match="没有“系统管理”权限"):
        set_active(session, wang, "root", False)
    with pytest.raises(DomainError, match="不能停用自己的账号"):
        set_active(session, root, "root", False)
    set_active(session, root, "wang", False)
    assert {s.login: s.active for s in list_staff(session)} == {"root": True, "wang": False}
    reset_password(session, root, "wang", "Reset2026x")
    set_active(session, root, "wang", True)
    assert authenticate(session, "wang", "Reset2026x").login == "wang"
    assert add_department(session, root, "north", "北区收费科") == Unit("north", "北区收费科")
    with pytest.raises(DomainError, match="部门 n2 或 北区收费科 已存在"):
        add_department(session, root, "n2", "北区收费科")
    with pytest.raises(DomainError, match="岗位代码应为 1–20 位"):
        add_post(session, root, "head cashier", "主收款员")
    assert add_post(session, root, "head_cashier", "主收款员").name == "主收款员"


def test_the_audit_log_filters_by_who_action_and_day(session):
    f.branches(session)
    root = person(session, "root", "admin")
    set_active(session, root, "root", True)  # no change: nothing recorded
    person(session, "wang", "clerk")
    set_active(session, root, "wang", False)
    today = calendar.now().date()
    page = audit_events(session, who="root", since=today, until=today)
    assert [(r.action, r.action_label) for r in page.rows] == [("staff.active", "启用/停用账号")]
    assert page.total == 1
    assert '"after": false' in page.rows[0].details
    assert audit_events(session, action="staff.", since=today + timedelta(days=1)).total == 0
    everything = audit_events(session, action="staff.", limit=1)
    assert everything.total == 3 and len(everything.rows) == 1  # 2 creates + the switch
