"""Billing accounts (户号): create, find, and the balance ledger of prepaid accounts."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from server.db.models import Account, AccountLedgerEntry
from server.db.models.accounts import POSTPAID, PREPAID
from server.services import audit
from server.services.audit import Actor
from server.services.errors import DomainError, NotFound
from server.services.org import campus_by_name, ensure_building
from server.services.tariffs import class_by_name

BILLING_MODE_NAMES = {"预收费": PREPAID, "后收费": POSTPAID, PREPAID: PREPAID, POSTPAID: POSTPAID}


@dataclass(frozen=True)
class AccountSpec:
    account_no: str
    holder_name: str
    customer_class: str
    campus: str
    building: str = ""
    unit: str = ""
    room: str = ""
    mobile: str = ""
    billing_mode: str = POSTPAID
    opening_balance: Decimal = Decimal("0.00")


def billing_mode_of(text: str) -> str:
    mode = BILLING_MODE_NAMES.get(text.strip())
    if mode is None:
        raise DomainError(f"收费方式应为 预收费 或 后收费，收到 {text!r}")
    return mode


def address_of(campus: str, building: str, unit: str, room: str) -> str:
    parts = [campus, building, f"{unit}单元" if unit else "", room]
    return " ".join(p for p in parts if p)


def create_account(session: Session, actor: Actor, spec: AccountSpec) -> Account:
    if not spec.account_no.strip():
        raise DomainError("户号不能为空")
    if session.scalar(select(Account.id).where(Account.account_no == spec.account_no)):
        raise DomainError(f"户号 {spec.account_no} 已存在")
    campus = campus_by_name(session, spec.campus)
    building = ensure_building(session, campus, spec.building) if spec.building else None
    account = Account(
        account_no=spec.account_no.strip(),
        holder_name=spec.holder_name,
        customer_class_id=class_by_name(session, spec.customer_class).id,
        campus_id=campus.id,
        building_id=building.id if building else None,
        unit=spec.unit,
        room=spec.room,
        mobile=spec.mobile,
        billing_mode=billing_mode_of(spec.billing_mode),
        balance=spec.opening_balance,
        active=True,
    )
    session.add(account)
    session.flush()
    if spec.opening_balance:
        session.add(
            AccountLedgerEntry(
                account_id=account.id,
                kind="opening",
                amount=spec.opening_balance,
                balance_after=spec.opening_balance,
                note="期初余额",
            )
        )
    audit.record(
        session, actor, "account.create", "account", account.id, {"account_no": account.account_no}
    )
    return account


def account_by_no(session: Session, account_no: str, *, lock: bool = False) -> Account:
    query = select(Account).where(Account.account_no == account_no.strip())
    if lock:
        query = query.with_for_update()
    account = session.scalar(query)
    if account is None:
        raise NotFound(f"户号 {account_no} 不存在")
    return account
