"""Gap-free document numbers per series, branch and year (cf. Tryton's strict sequence).

The counter row is bumped with UPDATE … RETURNING in the caller's transaction: the row lock
makes a second counter wait until the first commits or rolls back, so two documents never
share a number, and a rollback takes its number back (no gap). The price is that issuing
documents of one series at one branch is serial; call this as late in the transaction as
possible so the lock is held briefly.
"""

from __future__ import annotations

from sqlalchemy import TextClause, text
from sqlalchemy.orm import Session

from server.services.core.errors import DomainError

RECEIPT = "receipt"
REFUND = "refund"
CREDIT_NOTE = "credit_note"
ADJUSTMENT = "adjustment"
SEQUENCE_DIGITS = 6
SERIES_LABELS = {RECEIPT: "收据", REFUND: "退款单", CREDIT_NOTE: "红字冲销单", ADJUSTMENT: "调账单"}
# Office documents are issued by managers, not at a counter: numbered per year only, with
# a prefix people read the kind from (HZ2026000001 红字, TZ2026000001 调账).
OFFICE_PREFIXES = {CREDIT_NOTE: "HZ", ADJUSTMENT: "TZ"}
# Counter documents other than receipts carry a prefix before the branch code, so a refund
# number is never read as a receipt's (TK + D2026000001).
COUNTER_PREFIXES = {RECEIPT: "", REFUND: "TK"}

# The row is created on first use; ON CONFLICT lets two first users race harmlessly (the
# loser waits for the winner's row and then does nothing).
_ENSURE = text(
    "insert into document_counter (series, branch_id, year, last_value) "
    "values (:series, :branch_id, :year, 0) on conflict do nothing"
)
_BUMP = text(
    "update document_counter set last_value = last_value + 1 "
    "where series = :series and branch_id = :branch_id and year = :year "
    "returning last_value"
)


_ENSURE_OFFICE = text(
    "insert into office_counter (series, year, last_value) values (:series, :year, 0) "
    "on conflict do nothing"
)
_BUMP_OFFICE = text(
    "update office_counter set last_value = last_value + 1 "
    "where series = :series and year = :year returning last_value"
)


def _bump(session: Session, bump: TextClause, ensure: TextClause, params: dict) -> int:
    value = session.execute(bump, params).scalar()
    if value is None:  # the first number of its series (and branch) and year
        session.execute(ensure, params)
        value = session.execute(bump, params).scalar_one()
    return int(value)


def _used_up(where: str, series: str, year: int) -> DomainError:
    return DomainError(
        f"{where}{year} 年的{SERIES_LABELS.get(series, series)}编号已用完"
        f"（最多 {10**SEQUENCE_DIGITS - 1} 号）"
    )


def next_number(session: Session, series: str, branch_id: int, branch_code: str, year: int) -> str:
    """`<prefix><branch code><year><6-digit sequence>`, e.g. D2026000001 (a receipt) or
    TKD2026000001 (a refund), the next of its series at the branch."""
    value = _bump(session, _BUMP, _ENSURE, {"series": series, "branch_id": branch_id, "year": year})
    if value >= 10**SEQUENCE_DIGITS:
        raise _used_up(f"网点 {branch_code} ", series, year)
    return f"{COUNTER_PREFIXES.get(series, '')}{branch_code}{year}{value:0{SEQUENCE_DIGITS}d}"


def next_office_number(session: Session, series: str, year: int) -> str:
    """`<prefix><year><6-digit sequence>`, e.g. HZ2026000001, the next office document."""
    value = _bump(session, _BUMP_OFFICE, _ENSURE_OFFICE, {"series": series, "year": year})
    if value >= 10**SEQUENCE_DIGITS:
        raise _used_up("", series, year)
    return f"{OFFICE_PREFIXES[series]}{year}{value:0{SEQUENCE_DIGITS}d}"
