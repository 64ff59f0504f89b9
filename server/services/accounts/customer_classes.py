"""Customer classes (用户类别) as the desk keeps them: 居民, 集体宿舍, 单位 to begin with, and
any it adds (商户, 教职工…) with their binding limit and deposit. A class is never removed
or renamed: accounts and tariffs point at it.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from server.db.models import CustomerClass
from server.services.core import audit, permissions
from server.services.core.audit import Actor
from server.services.core.errors import Conflict, InvalidInput
from server.services.core.money import money_of

_CODE_LENGTH = 32
_NAME_LENGTH = 120
_MAX_BINDINGS = 100


@dataclass(frozen=True)
class CustomerClassView:
    class_id: int
    code: str
    name: str
    max_bindings: int  # WeChat users who may bind one account of the class
    deposit: Decimal  # charged at move-in; 0: none

    def as_json(self) -> dict[str, object]:
        return {
            "code": self.code,
            "name": self.name,
            "max_bindings": self.max_bindings,
            "deposit": str(self.deposit),
        }


def list_customer_classes(session: Session) -> tuple[CustomerClassView, ...]:
    rows = session.scalars(select(CustomerClass).order_by(CustomerClass.id))
    return tuple(CustomerClassView(c.id, c.code, c.name, c.max_bindings, c.deposit) for c in rows)


def add_customer_class(
    session: Session,
    actor: Actor,
    code: str,
    name: str,
    max_bindings: int,
    deposit: Decimal | str = Decimal(0),
) -> CustomerClassView:
    """A new class; its tariffs are added like any other's (tariffs.create_tariff)."""
    permissions.require(session, actor, "tariffs")
    code, name = code.strip(), name.strip()
    if not code or len(code) > _CODE_LENGTH or not code.isascii() or " " in code:
        raise InvalidInput(f"类别代码应为 1–{_CODE_LENGTH} 个英文字母、数字或符号，收到「{code}」")
    if not name or len(name) > _NAME_LENGTH:
        raise InvalidInput(f"类别名称应为 1–{_NAME_LENGTH} 个字，收到「{name}」")
    if not 1 <= max_bindings <= _MAX_BINDINGS:
        raise InvalidInput(f"可绑定人数应为 1–{_MAX_BINDINGS}，收到 {max_bindings}")
    held = money_of(deposit, "押金", allow_zero=True)
    for column, value, what in (
        (CustomerClass.code, code, "代码"),
        (CustomerClass.name, name, "名称"),
    ):
        if session.scalar(select(CustomerClass.id).where(column == value)):
            raise Conflict(f"用户类别{what}「{value}」已存在")
    row = CustomerClass(code=code, name=name, max_bindings=max_bindings, deposit=held)
    session.add(row)
    session.flush()
    audit.record(
        session,
        actor,
        "customer_class.create",
        "customer_class",
        row.id,
        {"code": code, "name": name, "max_bindings": max_bindings, "deposit": str(held)},
    )
    return CustomerClassView(row.id, code, name, max_bindings, held)
