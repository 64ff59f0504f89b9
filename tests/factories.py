"""Small builders for test data, going through the same services the product uses."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import text
from sqlalchemy.orm import Session

from server.db.models import Account, Bill, BillLine
from server.services.accounts.accounts import AccountSpec, create_account
from server.services.billing.tariffs import ComponentSpec, TariffSpec, Tier, create_tariff
from server.services.core.audit import Actor
from server.services.core.calendar import BUSINESS_TZ
from server.services.metering import readings
from server.services.metering.readings import MeterSpec, ReadingResult
from server.services.staff.org import ensure_branch, ensure_campus

ACTOR = Actor(label="test")


def at(day: str, hour: int = 10) -> datetime:
    """A business-time moment from 'YYYY-MM-DD'."""
    d = date.fromisoformat(day)
    return datetime(d.year, d.month, d.day, hour, tzinfo=BUSINESS_TZ)


def account(
    session: Session,
    account_no: str = "A001",
    *,
    customer_class: str = "居民",
    billing_mode: str = "postpaid",
    balance: str = "0",
    campus: str = "东校区",
    holder_name: str = "张三",
) -> int:
    ensure_campus(session, campus)
    return create_account(
        session,
        ACTOR,
        AccountSpec(
            account_no=account_no,
            holder_name=holder_name,
            customer_class=customer_class,
            campus=campus,
            building="1号楼",
            unit="2",
            room="301",
            billing_mode=billing_mode,
            opening_balance=Decimal(balance),
        ),
    ).id


def meter(
    session: Session,
    meter_no: str,
    account_id: int | None,
    *,
    kind: str = "electricity",
    digits: int = 6,
    multiplier: str = "1",
) -> int:
    return readings.register_meter(
        session,
        ACTOR,
        MeterSpec(
            meter_no=meter_no,
            kind=kind,
            digits=digits,
            multiplier=Decimal(multiplier),
            account_id=account_id,
        ),
    ).id


def read(
    session: Session, meter_no: str, day: str, value: str, source: str = "field"
) -> ReadingResult:
    return readings.record_reading(session, ACTOR, meter_no, Decimal(value), at(day), source)


def tariff(
    session: Session,
    kind: str = "electricity",
    customer_class: str = "居民",
    effective_from: str = "2020-01-01",
    components: dict[str, list[tuple[str, str]]] | None = None,
) -> int:
    components = components or {"电费": [("0", "0.5")]}
    return create_tariff(
        session,
        ACTOR,
        TariffSpec(
            kind=kind,
            customer_class=customer_class,
            effective_from=date.fromisoformat(effective_from),
            components=tuple(
                ComponentSpec(name, tuple(Tier(Decimal(s), Decimal(p)) for s, p in tiers))
                for name, tiers in components.items()
            ),
        ),
    ).id


def bill(session: Session, account_id: int, period: str, total: str, **columns: Any) -> int:
    """An open electricity bill of `total`, as a billing run would leave it.

    Written directly rather than by a billing run so payment tests can pick exact totals.
    `columns` set what a bill row (append-only) takes only as it is written: its kind, the
    bill it replaces, its moment (created_at).
    """
    account = session.get(Account, account_id)
    assert account is not None
    tariff_id = session.scalar(text("select id from tariff order by id limit 1"))
    if tariff_id is None:
        tariff_id = tariff(session)
    row = Bill(
        account_id=account_id,
        period=period,
        account_no=account.account_no,
        holder_name=account.holder_name,
        address="东校区 1号楼 2单元 301",
        billing_mode=account.billing_mode,
        total=Decimal(total),
        status="open",
        **columns,
    )
    session.add(row)
    session.flush()
    session.add(
        BillLine(
            bill_id=row.id,
            kind="electricity",
            component="电费",
            usage=Decimal("0"),
            amount=Decimal(total),
            tariff_id=tariff_id,
        )
    )
    session.flush()
    return row.id


def branches(session: Session) -> None:
    """Counter branches D and E on 东校区."""
    campus = ensure_campus(session, "东校区")
    ensure_branch(session, campus, "D", "东区收费点")
    ensure_branch(session, campus, "E", "东二收费点")


def bound_resident(session: Session, openid: str, account_id: int) -> int:
    """A WeChat user (as first seen by the service) whose binding to the account has been
    approved; returns the user's id."""
    from server.services.residents.wechat_users import follower

    user_id = follower(session, openid).user_id
    session.execute(
        text(
            "insert into binding (wechat_user_id, account_no, claim, account_id, matched,"
            " status, due_at, reason) select :u, account_no, holder_name, id, true,"
            " 'approved', now(), '' from account where id = :a"
        ),
        {"u": user_id, "a": account_id},
    )
    return user_id


def staff(session: Session, login: str, role: str = "clerk", branch_code: str = "D") -> Actor:
    """A staff member of a standard role (clerk / manager / reader…) at a branch (see
    `branches`), as the services see them once signed in."""
    from server.services.staff.org import add_staff_with_role
    from server.services.staff.sign_in import staff_identity

    add_staff_with_role(
        session, ACTOR, login=login, name=login.upper(), password="Counter2026", role=role,
        branch_code=branch_code,
    )  # fmt: skip
    return staff_identity(session, login).actor


def water_account_with_deposit(session: Session, account_no: str = "A001") -> int:
    """A move-out's starting point: `account_no` (居民, postpaid, deposit 300.00 paid at
    move-in) with water meter W1 read 80 → 100 → 130 on 2026-09/10/11-20; water 0–20 m³ at
    3.00, above 20 at 4.00; bills 2026-10 usage 20 → 60.00 and 2026-11 usage 30 →
    20×3 + 10×4 = 100.00; 460.00 paid in cash at branch D settles both bills and the deposit.
    Returns the account's id."""
    from server.services.billing.billing_run import run_billing
    from server.services.collection.deposits import open_account
    from server.services.collection.payments import PaymentRequest, take_payment
    from server.services.core.calendar import Period

    branches(session)
    session.execute(text("update customer_class set deposit = 300 where name = '居民'"))
    tariff(session, "water", components={"水费": [("0", "3.00"), ("20", "4.00")]})
    spec = AccountSpec(account_no, "张三", "居民", "东校区", "1号楼", "2", "301")
    account_id = open_account(session, ACTOR, spec).id
    meter(session, "W1", account_id, kind="water", digits=5)
    for day, value in (("2026-09-20", "80"), ("2026-10-20", "100"), ("2026-11-20", "130")):
        read(session, "W1", day, value)
    run_billing(session, ACTOR, Period(2026, 10))
    run_billing(session, ACTOR, Period(2026, 11))
    take_payment(session, ACTOR, PaymentRequest(account_no, Decimal("460.00"), "cash", "D"))
    return account_id


def mis_keyed_water_bill(session: Session) -> int:
    """The issue's correction scenario before payment: A001 (居民, postpaid) with water meter W1
    at 3.00 元/m³ flat, read 1000 on 2026-10-28 and, keyed wrong, 1500 on 2026-11-28 (the
    meter showed 1050): the 2026-11 bill is 500 m³ = 1500.00. Branches D and E exist.
    Returns the account's id."""
    from server.services.billing.billing_run import run_billing
    from server.services.core.calendar import Period

    branches(session)
    account_id = account(session)
    meter(session, "W1", account_id, kind="water")
    tariff(session, kind="water", components={"水费": [("0", "3.00")]})
    read(session, "W1", "2026-10-28", "1000")
    read(session, "W1", "2026-11-28", "1500")
    run_billing(session, ACTOR, Period(2026, 11))
    return account_id
