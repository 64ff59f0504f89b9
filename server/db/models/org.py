"""Organisation: campuses, branches (counter locations), departments, posts and staff."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    Boolean,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from server.db.base import Base, Code, Name, Timestamp


class Campus(Base):
    __tablename__ = "campus"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[Code] = mapped_column(unique=True)
    name: Mapped[Name] = mapped_column(unique=True)


class Branch(Base):
    """A counter location (校区分中心); receipts are numbered per branch."""

    __tablename__ = "branch"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[Code] = mapped_column(unique=True)
    name: Mapped[Name]
    campus_id: Mapped[int] = mapped_column(ForeignKey("campus.id"))
    address: Mapped[str] = mapped_column(String(200), default="")
    phone: Mapped[str] = mapped_column(String(40), default="")

    campus: Mapped[Campus] = relationship(lazy="raise")


class Building(Base):
    __tablename__ = "building"
    __table_args__ = (UniqueConstraint("campus_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    campus_id: Mapped[int] = mapped_column(ForeignKey("campus.id"))
    name: Mapped[Name]

    campus: Mapped[Campus] = relationship(lazy="raise")


class Department(Base):
    __tablename__ = "department"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[Code] = mapped_column(unique=True)
    name: Mapped[Name] = mapped_column(unique=True)


class Post(Base):
    """A job post (岗位); permissions are granted per department and post."""

    __tablename__ = "post"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[Code] = mapped_column(unique=True)
    name: Mapped[Name] = mapped_column(unique=True)


class Staff(Base):
    __tablename__ = "staff"

    id: Mapped[int] = mapped_column(primary_key=True)
    login: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[Name]
    password_hash: Mapped[str] = mapped_column(String(200))
    department_id: Mapped[int] = mapped_column(ForeignKey("department.id"))
    post_id: Mapped[int] = mapped_column(ForeignKey("post.id"))
    branch_id: Mapped[int | None] = mapped_column(ForeignKey("branch.id"))
    mobile: Mapped[str] = mapped_column(String(20), default="")
    office_phone: Mapped[str] = mapped_column(String(40), default="")
    email: Mapped[str] = mapped_column(String(120), default="")
    wechat: Mapped[str] = mapped_column(String(64), default="")
    # The follower they bound on 个人信息: told of tasks assigned to them by template message.
    wechat_user_id: Mapped[int | None] = mapped_column(ForeignKey("wechat_user.id"), unique=True)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    failed_logins: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[Timestamp]

    department: Mapped[Department] = relationship(lazy="raise")
    post: Mapped[Post] = relationship(lazy="raise")
    branch: Mapped[Branch | None] = relationship(lazy="raise")


class StaffWebSession(Base):
    """A staff member's sign-in on the web pages (/staff/), kept here so it can be ended: the
    cookie carries a random token, the row only its hash (server.services.staff.web_sessions)."""

    __tablename__ = "staff_web_session"
    __table_args__ = (
        Index("ix_staff_web_session_live", "staff_id", postgresql_where=text("ended_at is null")),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    token_sha256: Mapped[str] = mapped_column(String(64), unique=True)
    staff_id: Mapped[int] = mapped_column(ForeignKey("staff.id"))
    # SHA-256 of the password hash it was started under: a password changed anywhere (the
    # web, the desktop, an administrator's reset) ends it.
    password_mark: Mapped[str] = mapped_column(String(64))
    started_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    seen_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    ended_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # 'logout', 'password', 'disabled', 'idle', 'expired'
    ended_why: Mapped[str] = mapped_column(String(20), default="")
    remote_addr: Mapped[str] = mapped_column(String(64), default="")


class PermissionGrant(Base):
    """A module (权限) granted to a post, in one department or (department None) in all.

    Revoking deletes the row; both are audited (server.services.core.permissions).
    """

    __tablename__ = "permission_grant"
    __table_args__ = (
        Index(
            "uq_permission_grant",
            text("coalesce(department_id, 0)"),
            "post_id",
            "module",
            unique=True,
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    department_id: Mapped[int | None] = mapped_column(ForeignKey("department.id"))
    post_id: Mapped[int] = mapped_column(ForeignKey("post.id"), index=True)
    module: Mapped[str] = mapped_column(String(20))
    created_at: Mapped[Timestamp]
