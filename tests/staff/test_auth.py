from datetime import timedelta

from sqlalchemy import select

from server.db.models import AuditEvent, Staff
from server.services.core.calendar import now
from server.services.staff.org import (
    create_staff,
    ensure_branch,
    ensure_campus,
    ensure_department,
    ensure_post,
)
from server.services.staff.sign_in import hash_password, sign_in, verify_password
from tests import factories as f


def make_staff(session):
    campus = ensure_campus(session, "东校区")
    return create_staff(
        session,
        f.ACTOR,
        login="clerk1",
        name="李收费",
        password="Counter#2026",
        department=ensure_department(session, "fee", "收费科"),
        post=ensure_post(session, "clerk", "收费员"),
        branch=ensure_branch(session, campus, "D", "东校区分中心"),
    )


def test_password_hash_is_argon2_and_verifies():
    hashed = hash_password("Counter#2026")
    assert hashed.startswith("$argon2id$")
    assert verify_password(hashed, "Counter#2026")
    assert not verify_password(hashed, "counter#2026")
    assert not verify_password("not-a-hash", "x")


def test_sign_in_gives_the_identity(session):
    make_staff(session)
    result = sign_in(session, " clerk1 ", "Counter#2026")
    assert result.error == ""
    who = result.identity
    assert (who.login, who.name, who.department, who.post, who.branch_name) == (
        "clerk1",
        "李收费",
        "收费科",
        "收费员",
        "东校区分中心",
    )
    assert who.actor.label == "clerk1 李收费"


def test_five_failures_lock_for_fifteen_minutes(session):
    staff = make_staff(session)
    for attempt in range(1, 5):
        assert sign_in(session, "clerk1", "wrong").error == "用户名或密码错误"
        assert staff.failed_logins == attempt
    assert sign_in(session, "clerk1", "wrong").error == "密码错误次数过多，账号已锁定 15 分钟"
    remaining = staff.locked_until - now()
    assert timedelta(minutes=14) < remaining <= timedelta(minutes=15)
    # Even the right password is refused while locked.
    assert sign_in(session, "clerk1", "Counter#2026").error == "账号已锁定，请 15 分钟后再试"
    actions = session.scalars(
        select(AuditEvent.action).where(AuditEvent.action.like("auth.%")).order_by(AuditEvent.id)
    ).all()
    assert actions == ["auth.login_failed"] * 5 + ["auth.login_locked"]


def test_lock_expires(session):
    staff = make_staff(session)
    staff.locked_until = now() - timedelta(seconds=1)
    assert sign_in(session, "clerk1", "Counter#2026").identity is not None
    assert session.get(Staff, staff.id).locked_until is None


def test_unknown_login_gives_the_same_answer(session):
    make_staff(session)
    assert sign_in(session, "nobody", "x").error == "用户名或密码错误"


def test_password_strength():
    import pytest

    from server.services.core.errors import DomainError
    from server.services.staff.sign_in import check_password_strength

    check_password_strength("Counter2026")
    for weak, message in [("abc123", "至少 8 位"), ("abcdefgh", "字母和数字"),
                          ("12345678", "字母和数字")]:  # fmt: skip
        with pytest.raises(DomainError, match=message):
            check_password_strength(weak)
