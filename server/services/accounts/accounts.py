"""Billing accounts (户号): create, find, and the balance ledger of prepaid accounts."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any, Literal

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from server.db.models import (
    Account,
    AccountLedgerEntry,
    Bill,
    Building,
    Campus,
    CustomerClass,
)
from server.db.models.accounts import POSTPAID, PREPAID
from server.services.core import audit, permissions
from server.services.core.audit import Actor
from server.services.core.errors import Conflict, DomainError, InvalidInput, NotFound
from server.services.staff.org import campus_by_name, ensure_building

BILLING_MODE_NAMES = {"预收费": PREPAID, "后收费": POSTPAID, PREPAID: PREPAID, POSTPAID: POSTPAID}


def class_by_name(session: Session, name: str) -> CustomerClass:
    found = session.scalar(
        select(CustomerClass).where(
            (CustomerClass.name == name.strip()) | (CustomerClass.code == name.strip())
        )
    )
    if found is None:
        known = " / ".join(customer_class_names(session))
        raise InvalidInput(f"未知的用户类别「{name}」（应为 {known}）")
    return found


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
        raise InvalidInput(f"收费方式应为 预收费 或 后收费，收到「{text}」")
    return mode


def address_of(campus: str, building: str, unit: str, room: str) -> str:
    parts = [campus, building, f"{unit}单元" if unit else "", room]
    return " ".join(p for p in parts if p)


def create_account(session: Session, actor: Actor, spec: AccountSpec) -> Account:
    permissions.require(session, actor, "accounts")
    if not spec.account_no.strip():
        raise InvalidInput("户号不能为空")
    if len(spec.account_no.strip()) > 32:
        raise DomainError(f"户号 {spec.account_no} 超过 32 个字符")
    check_account_fields(
        spec.account_no,
        {
            "holder_name": spec.holder_name,
            "building": spec.building,
            "unit": spec.unit,
            "room": spec.room,
            "mobile": spec.mobile,
        },
    )
    if session.scalar(select(Account.id).where(Account.account_no == spec.account_no)):
        raise Conflict(f"户号 {spec.account_no} 已存在")
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
        # Re-read the row once locked: an object already in the session may be stale.
        query = query.with_for_update().execution_options(populate_existing=True)
    account = session.scalar(query)
    if account is None:
        raise NotFound(f"户号 {account_no} 不存在")
    return account


@dataclass(frozen=True)
class AccountHit:
    account_id: int
    account_no: str
    holder_name: str
    address: str
    customer_class: str
    billing_mode: str
    balance: Decimal
    # The meter whose number or hardware number was typed or scanned, if that found it.
    meter_no: str = ""


_HIT_COLUMNS = """
    select a.id, a.account_no, a.holder_name, c.name, coalesce(b.name, ''), a.unit, a.room,
           k.name, a.billing_mode, a.balance, {meter_no}
    from account a
    join campus c on c.id = a.campus_id
    join customer_class k on k.id = a.customer_class_id
    left join building b on b.id = a.building_id
"""
# A scanner types a meter's barcode (or a handheld's hardware number) and Enter; a clerk
# often types the whole account number: both are index lookups, answered before any scan.
_EXACT = (
    """
    with found as (
        select id as account_id, '' as meter_no from account where account_no = :q
        union all
        select account_id, meter_no from meter where meter_no = :q and account_id is not null
        union all
        select account_id, meter_no from meter where hardware_no = :q and account_id is not null
    )
"""
    + _HIT_COLUMNS.format(meter_no="f.meter_no")
    + """
    join found f on f.account_id = a.id
    order by a.account_no
    limit :limit
"""
)
# Otherwise every word typed must appear in one of the account's fields ("3号楼 502",
# "张 1381"): in its searched text (migration 0024: the fields joined by spaces, which no
# word holds) or in its building's name. The text's grams (md_grams) find the candidates
# in the GIN index ix_account_search_grams; LIKE keeps those that hold the word.
_TEXT = "md_account_text(a.account_no, a.holder_name, a.unit, a.room, a.mobile)"
_IN_BUILDING = "a.building_id = any(array(select id from building where name like :{p}))"
_HOLDS = f"({_TEXT} like :{{p}} or {_IN_BUILDING})"
# (grams or building) and (like or building) is (grams and like) or building, written so
# that its first half is exactly the index's bitmap (a BitmapOr with the building index):
# the rows it finds are not tested again, where md_grams of each would cost more than the
# index saved. `building_id in (select …)` would not use the building index at all.
_HOLDS_GRAMS = f"(md_grams({_TEXT}) @> md_grams(:{{w}}) or {_IN_BUILDING}) and {_HOLDS}"
# How many match is counted up to here: counting every account that holds "1" costs more
# than the search; the counter says "more than 1000".
SEARCH_COUNT_CAP = 1000
# The matches up to the cap, in any order (the index's); their first ones by number.
_CAPPED = """
    with m as materialized (select a.id, a.account_no from account a where {terms} limit :cap)
    select (select count(*) from m), array(select id from m order by account_no limit :limit)
"""
_BY_ID = (
    _HIT_COLUMNS.format(meter_no="''")
    + """
    where a.id = any(:ids)
    order by a.account_no
"""
)
# Beyond the cap the word is common: reading accounts in number order finds the first
# ones soon.
_FIRST = (
    _HIT_COLUMNS.format(meter_no="''")
    + """
    where {terms}
    order by a.account_no
    limit :limit
"""
)


def like_escape(term: str) -> str:
    return term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


@dataclass(frozen=True)
class AccountSearch:
    hits: tuple[AccountHit, ...]
    # How many accounts match in all: more than len(hits) when the list stops at the limit;
    # at most SEARCH_COUNT_CAP, with `capped` when more match.
    total: int
    capped: bool = False


def search_accounts(session: Session, query: str, limit: int = 50) -> list[AccountHit]:
    """Accounts for what a clerk types or scans: a scanned meter barcode or the exact
    account number first, then accounts in account-number order."""
    return list(find_accounts(session, query, limit).hits)


def _word_terms(words: list[str], params: dict[str, object]) -> str:
    terms = []
    for index, word in enumerate(words[:5]):
        params[f"w{index}"] = word
        params[f"p{index}"] = f"%{like_escape(word)}%"
        # One ASCII character has no gram in the index (md_grams gives none), and an empty
        # array is contained in every row's: that word is left to LIKE alone.
        grams = len(word) > 1 or ord(word) > 126
        terms.append((_HOLDS_GRAMS if grams else _HOLDS).format(w=f"w{index}", p=f"p{index}"))
    return " and ".join(terms)


def find_accounts(session: Session, query: str, limit: int = 50) -> AccountSearch:
    """`search_accounts` with the number of matches beyond the limit (the counter says
    it shows the first 50 of 300, or of more than SEARCH_COUNT_CAP)."""
    words = query.split()
    if not words:
        return AccountSearch((), 0)
    params: dict[str, object] = {"q": query.strip(), "limit": limit}
    rows = session.execute(text(_EXACT), params).all()
    if rows:
        return AccountSearch(_hits(rows), len(rows))
    terms = _word_terms(words, params)
    # psycopg prepares a statement run five times on a connection, and PostgreSQL may then
    # plan it once for any word: that plan reads a million accounts for a rare one. Plan
    # each search for its own words (for this transaction).
    session.execute(text("set local plan_cache_mode = force_custom_plan"))
    params["cap"] = SEARCH_COUNT_CAP + 1
    total, ids = session.execute(text(_CAPPED.format(terms=terms)), params).one()
    if total > SEARCH_COUNT_CAP:
        rows = session.execute(text(_FIRST.format(terms=terms)), params).all()
        return AccountSearch(_hits(rows), SEARCH_COUNT_CAP, capped=True)
    rows = session.execute(text(_BY_ID), {"ids": ids}).all() if ids else []
    return AccountSearch(_hits(rows), total)


def _hits(rows: Sequence[Sequence[Any]]) -> tuple[AccountHit, ...]:
    return tuple(
        AccountHit(
            account_id=row[0],
            account_no=row[1],
            holder_name=row[2],
            address=address_of(row[3], row[4], row[5], row[6]),
            customer_class=row[7],
            billing_mode=row[8],
            balance=row[9],
            meter_no=row[10],
        )
        for row in rows
    )


# ---- viewing and editing an account (the managers' 用户信息管理) ----------------------------

# What a manager may change, with the name the history shows. The account number is not
# here: bills, receipts and WeChat bindings quote it, so it never changes.
ACCOUNT_FIELDS: dict[str, str] = {
    "holder_name": "户主",
    "customer_class": "用户类别",
    "campus": "校区",
    "building": "楼宇",
    "unit": "单元",
    "room": "房号",
    "mobile": "手机",
    "billing_mode": "收费方式",
}
BILLING_MODE_TEXT = {PREPAID: "预收费", POSTPAID: "后收费"}
# The widths of the columns these go into (server.db.models.accounts).
FIELD_LIMITS = {"holder_name": 120, "building": 120, "unit": 20, "room": 20, "mobile": 20}
_PHONE = re.compile(r"^\+?[0-9][0-9 \-]*$")


@dataclass(frozen=True)
class AccountView:
    account_no: str
    holder_name: str
    customer_class: str
    campus: str
    building: str
    unit: str
    room: str
    mobile: str
    billing_mode: str
    balance: Decimal
    active: bool
    # The day of its move-out (退房结算): billed no more, closed once settled.
    moved_out_on: date | None = None

    @property
    def address(self) -> str:
        return address_of(self.campus, self.building, self.unit, self.room)

    def fields(self) -> dict[str, str]:
        """The editable fields as text, keyed as ACCOUNT_FIELDS."""
        return {name: str(getattr(self, name)) for name in ACCOUNT_FIELDS}


FieldProblem = Literal["", "required", "too_long", "format"]


def field_problem(name: str, value: str) -> FieldProblem:
    """What is wrong with one field's text (keyed as ACCOUNT_FIELDS), "" when nothing: the
    holder is required, text must fit its column (FIELD_LIMITS), a mobile number holds
    digits, spaces and dashes. The account form asks as it is typed, in its own words."""
    if name == "holder_name" and not value.strip():
        return "required"
    if len(value) > FIELD_LIMITS.get(name, len(value)):
        return "too_long"
    if name == "mobile" and value.strip() and not _PHONE.match(value.strip()):
        return "format"
    return ""


def check_account_fields(account_no: str, values: Mapping[str, str]) -> None:
    """Refuse what the database would (too long) or what is plainly wrong, naming it."""
    for name in FIELD_LIMITS:
        value = values.get(name, "")
        problem = field_problem(name, value)
        if problem == "required":
            raise InvalidInput(f"户号 {account_no}：户主不能为空")
        if problem == "too_long":
            limit = FIELD_LIMITS[name]
            raise DomainError(f"户号 {account_no}：{ACCOUNT_FIELDS[name]}最多 {limit} 个字")
        if problem == "format":
            raise DomainError(f"户号 {account_no}：手机号「{value.strip()}」只能含数字、空格和 -")


def account_view(session: Session, account_no: str) -> AccountView:
    account = account_by_no(session, account_no)
    return _view(session, account)


def _view(session: Session, account: Account) -> AccountView:
    campus, building, class_name = session.execute(
        select(Campus.name, Building.name, CustomerClass.name)
        .select_from(Account)
        .join(Campus, Campus.id == Account.campus_id)
        .join(CustomerClass, CustomerClass.id == Account.customer_class_id)
        .outerjoin(Building, Building.id == Account.building_id)
        .where(Account.id == account.id)
    ).one()
    return AccountView(
        account_no=account.account_no,
        holder_name=account.holder_name,
        customer_class=class_name,
        campus=campus,
        building=building or "",
        unit=account.unit,
        room=account.room,
        mobile=account.mobile,
        billing_mode=account.billing_mode,
        balance=account.balance,
        active=account.active,
        moved_out_on=account.moved_out_on,
    )


def update_account(
    session: Session, actor: Actor, account_no: str, changes: Mapping[str, str]
) -> AccountView:
    """Change an account's holder, class, place, mobile or billing mode; the audit event
    keeps the values before and after, which is the account's history (account_history)."""
    permissions.require(session, actor, "accounts")
    unknown = sorted(set(changes) - set(ACCOUNT_FIELDS))
    if unknown:
        raise DomainError(f"户号 {account_no}：不能修改 {'、'.join(unknown)}")
    account = account_by_no(session, account_no, lock=True)
    before = _view(session, account).fields()
    wanted = {**before, **{name: value.strip() for name, value in changes.items()}}
    check_account_fields(account.account_no, wanted)
    changed = [name for name in ACCOUNT_FIELDS if wanted[name] != before[name]]
    if not changed:
        return _view(session, account)
    campus = campus_by_name(session, wanted["campus"])
    account.holder_name = wanted["holder_name"]
    account.customer_class_id = class_by_name(session, wanted["customer_class"]).id
    account.campus_id = campus.id
    building = wanted["building"]
    account.building_id = ensure_building(session, campus, building).id if building else None
    account.unit = wanted["unit"]
    account.room = wanted["room"]
    account.mobile = wanted["mobile"]
    account.billing_mode = billing_mode_of(wanted["billing_mode"])
    session.flush()
    view = _view(session, account)
    after = view.fields()
    audit.record(
        session,
        actor,
        "account.update",
        "account",
        account.id,
        {
            "account_no": account.account_no,
            "before": {name: before[name] for name in changed},
            "after": {name: after[name] for name in changed},
        },
    )
    return view


def close_account(session: Session, actor: Actor, account_no: str, reason: str) -> AccountView:
    """销户: the account stays (bills, receipts and bindings quote it) but is no longer
    billed, paid or bound. Refused while bills are unpaid, a balance or a deposit remains:
    those are settled, refunded or released (退房结算) first, so closing never loses money;
    the refusal names everything that remains at once."""
    permissions.require(session, actor, "accounts")
    account = account_by_no(session, account_no, lock=True)
    if not account.active:
        return _view(session, account)
    unpaid = session.scalars(
        select(Bill.period)
        .where(Bill.account_id == account.id, Bill.status.in_(("open", "partial")))
        .order_by(Bill.period, Bill.id)
    ).all()
    remains = []
    if unpaid:
        remains.append(f"{len(unpaid)} 张账单未缴清（{'、'.join(dict.fromkeys(unpaid))}）")
    if account.balance:
        remains.append(f"余额 {account.balance} 元未结清或退款")
    if account.deposit:
        remains.append(f"押金 {account.deposit} 元未退还（请先退房结算）")
    if remains:
        raise DomainError(f"户号 {account.account_no} 不能销户：{'；'.join(remains)}")
    account.active = False
    session.flush()
    audit.record(
        session, actor, "account.close", "account", account.id,
        {"account_no": account.account_no, "before": {"active": True},
         "after": {"active": False}, "reason": reason},
    )  # fmt: skip
    return _view(session, account)


def first_accounts(session: Session, limit: int = 50) -> list[AccountHit]:
    """Accounts in account-number order, for a list that is not empty before a search."""
    rows = session.execute(text(_FIRST.format(terms="a.active")), {"limit": limit}).all()
    return list(_hits(rows))


def customer_class_names(session: Session) -> tuple[str, ...]:
    """居民, 集体宿舍, 单位… for the class box of the account form."""
    return tuple(session.scalars(select(CustomerClass.name).order_by(CustomerClass.id)))
