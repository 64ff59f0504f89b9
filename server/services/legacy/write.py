"""Writing a checked legacy import plan: set-based, in the caller's transaction.

Ids are drawn from the sequences first so rows can point at each other (a reading at its
previous one, a replacement at its two readings) and then go in by COPY, which loads
a hundred thousand readings in well under a second.
"""

from __future__ import annotations

from collections import defaultdict

from sqlalchemy import insert, or_, select, update
from sqlalchemy.orm import Session

from server.db.bulk import allocate_ids, copy_rows
from server.db.models import (
    Building,
    Campus,
    Meter,
    MeterReplacement,
    Tariff,
    TariffComponent,
    TariffTier,
)
from server.db.models.metering import METER_REPLACED
from server.services.core.audit import Actor
from server.services.legacy.plan import Plan
from server.services.legacy.sheets import TierIn
from server.services.metering.ingest import among, write_readings
from server.services.staff.org import ensure_campus


def _campus_ids(session: Session, names: set[str]) -> dict[str, int]:
    if not names:
        return {}
    found: dict[str, int] = {}
    for campus in session.scalars(
        select(Campus).where(or_(among(Campus.name, names), among(Campus.code, names)))
    ):
        # As org.campus_by_name: a campus may be named by its name or its code.
        found.setdefault(campus.name, campus.id)
        found.setdefault(campus.code, campus.id)
    return {name: found.get(name) or ensure_campus(session, name).id for name in names}


def _building_ids(session: Session, wanted: set[tuple[int, str]]) -> dict[tuple[int, str], int]:
    if not wanted:
        return {}
    campus_ids = sorted({campus_id for campus_id, _ in wanted})
    ids = {
        (r.campus_id, r.name): r.id
        for r in session.execute(
            select(Building.id, Building.campus_id, Building.name).where(
                Building.campus_id.in_(campus_ids)
            )
        )
    }
    missing = [{"campus_id": c, "name": n} for c, n in sorted(wanted) if (c, n) not in ids]
    if missing:
        for r in session.execute(
            insert(Building).returning(Building.id, Building.campus_id, Building.name), missing
        ):
            ids[(r.campus_id, r.name)] = r.id
    return ids


def _write_accounts(session: Session, plan: Plan) -> dict[str, tuple[int, int | None]]:
    """Insert the new accounts with their opening balances; 户号 → (id, building id)."""
    accounts = dict(plan.known_accounts)
    if not plan.accounts:
        return accounts
    campuses = _campus_ids(session, {a.campus for a in plan.accounts})
    buildings = _building_ids(
        session, {(campuses[a.campus], a.building) for a in plan.accounts if a.building}
    )
    ids = allocate_ids(session, "account", len(plan.accounts))
    rows = []
    for account_id, a in zip(ids, plan.accounts, strict=True):
        campus_id = campuses[a.campus]
        building_id = buildings[(campus_id, a.building)] if a.building else None
        accounts[a.account_no] = (account_id, building_id)
        rows.append(
            (
                account_id,
                a.account_no,
                a.holder_name,
                a.class_id,
                campus_id,
                building_id,
                a.unit,
                a.room,
                a.mobile,
                a.billing_mode,
                a.balance,
                True,
            )
        )
    copy_rows(
        session,
        "account",
        (
            "id",
            "account_no",
            "holder_name",
            "customer_class_id",
            "campus_id",
            "building_id",
            "unit",
            "room",
            "mobile",
            "billing_mode",
            "balance",
            "active",
        ),
        rows,
    )
    # As accounts.create_account: an opening balance is the ledger's first entry.
    copy_rows(
        session,
        "account_ledger",
        ("account_id", "kind", "amount", "balance_after", "note"),
        (
            (accounts[a.account_no][0], "opening", a.balance, a.balance, "期初余额")
            for a in plan.accounts
            if a.balance
        ),
    )
    return accounts


def _write_meters(
    session: Session, plan: Plan, accounts: dict[str, tuple[int, int | None]]
) -> None:
    ids = allocate_ids(session, "meter", len(plan.meters))
    # Every id first: a meter may hang under a master defined further down the sheet.
    for meter_id, info in zip(ids, plan.meters, strict=True):
        info.id = meter_id
    rows = []
    for info in plan.meters:
        meter = info.sheet
        assert meter is not None
        account_id, building_id = accounts.get(info.account_no, (None, None))
        rows.append(
            (
                info.id,
                meter.meter_no,
                meter.hardware_no or None,
                meter.kind,
                meter.model,
                meter.digits,
                meter.multiplier,
                meter.location,
                info.status,
                account_id,
                building_id,
                meter.installed_on,
                info.parent.id if info.parent is not None else None,
            )
        )
    columns = (
        "id",
        "meter_no",
        "hardware_no",
        "kind",
        "model",
        "digits",
        "multiplier",
        "location",
        "status",
        "account_id",
        "building_id",
        "installed_on",
        "parent_id",
    )
    copy_rows(session, "meter", columns, rows)
    if plan.replaced_ids:
        session.execute(
            update(Meter)
            .where(Meter.id.in_(plan.replaced_ids))
            .values(status=METER_REPLACED)
            .execution_options(synchronize_session=False)
        )
    for meter_id, account_no in plan.handed_over:
        session.execute(
            update(Meter)
            .where(Meter.id == meter_id)
            .values(account_id=accounts[account_no][0])
            .execution_options(synchronize_session=False)
        )


def _write_tariffs(session: Session, plan: Plan) -> None:
    for (kind, class_id, effective_from), tiers in plan.tariffs.items():
        tariff = Tariff(kind=kind, customer_class_id=class_id, effective_from=effective_from)
        session.add(tariff)
        session.flush()
        by_component: dict[str, list[TierIn]] = defaultdict(list)
        for tier in tiers:
            by_component[tier.component].append(tier)
        for position, (name, component_tiers) in enumerate(by_component.items()):
            component = TariffComponent(tariff_id=tariff.id, name=name, position=position)
            session.add(component)
            session.flush()
            session.add_all(
                TariffTier(component_id=component.id, start=t.start, unit_price=t.unit_price)
                for t in component_tiers
            )
    session.flush()


def _write_replacements(session: Session, actor: Actor, plan: Plan) -> None:
    if plan.replacements:
        session.execute(
            insert(MeterReplacement),
            [
                {
                    "old_meter_id": p.old.id,
                    "new_meter_id": p.new.id,
                    "old_final": p.row.old_final,
                    "new_initial": p.row.new_initial,
                    "replaced_at": p.final.read_at,
                    "old_final_reading_id": p.final.id,
                    "new_initial_reading_id": p.initial.id,
                    "staff_id": actor.staff_id,
                    "note": "旧系统导入",
                }
                for p in plan.replacements
            ],
        )


def write_plan(session: Session, actor: Actor, plan: Plan) -> None:
    """Write everything `plan` adds; the caller holds the transaction (or savepoint)."""
    # COPY goes straight to the connection: whatever the session holds must be there first.
    session.flush()
    accounts = _write_accounts(session, plan)
    _write_meters(session, plan, accounts)
    _write_tariffs(session, plan)
    write_readings(session, actor, plan.readings)
    _write_replacements(session, actor, plan)
