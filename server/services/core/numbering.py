"""Gap-free document numbers per series, branch and year (cf. Tryton's strict sequence).

The counter row is bumped with UPDATE … RETURNING in the caller's transaction: the row lock
makes a second counter wait until the first commits or rolls back, so two documents never
share a number, and a rollback takes its number back (no gap). The price is that issuing
documents of one series at one branch is serial; call this as late in the transaction as
possible so the lock is held briefly.
"""

from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.orm import Session

from server.services.core.errors import DomainError

RECEIPT = "receipt"
SEQUENCE_DIGITS = 6
SERIES_LABELS = {RECEIPT: "收据"}

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


def next_number(session: Session, series: str, branch_id: int, branch_code: str, year: int) -> str:
    """`<branch code><year><6-digit sequence>`, e.g. D2026000001, the next of its series."""
    params = {"series": series, "branch_id": branch_id, "year": year}
    value = session.execute(_BUMP, params).scalar()
    if value is None:  # the first number of its series, branch and year
        session.execute(_ENSURE, params)
        value = session.execute(_BUMP, params).scalar_one()
    if value >= 10**SEQUENCE_DIGITS:
        raise DomainError(
            f"网点 {branch_code} {year} 年的{SERIES_LABELS.get(series, series)}编号已用完"
            f"（最多 {10**SEQUENCE_DIGITS - 1} 号）"
        )
    return f"{branch_code}{year}{value:0{SEQUENCE_DIGITS}d}"
