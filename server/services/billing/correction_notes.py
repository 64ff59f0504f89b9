"""Credit notes (红字冲销) and adjustments (调账) read back: an account's correction documents,
for the desktop's account page and whoever lists them beside bills and payments."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from server.db.models import Account, Staff
from server.db.models.corrections import Adjustment, CreditNote


@dataclass(frozen=True)
class CreditNoteView:
    note_no: str
    kind: str
    period: str
    bill_id: int
    replacement_bill_id: int | None
    total: Decimal
    paid_moved: Decimal
    reason: str
    actor: str
    approved_by: str
    created_at: datetime


def credit_notes_of(session: Session, account_no: str) -> tuple[CreditNoteView, ...]:
    """An account's credit notes, oldest first."""
    approver = Staff.__table__.alias("approver")
    rows = session.execute(
        select(CreditNote.note_no, CreditNote.kind, CreditNote.period, CreditNote.bill_id,
               CreditNote.replacement_bill_id, CreditNote.total, CreditNote.paid_moved,
               CreditNote.reason, CreditNote.actor, approver.c.name, CreditNote.created_at)
        .join(Account, Account.id == CreditNote.account_id)
        .outerjoin(approver, approver.c.id == CreditNote.approved_by_id)
        .where(Account.account_no == account_no.strip())
        .order_by(CreditNote.created_at, CreditNote.id)
    ).all()  # fmt: skip
    return tuple(
        CreditNoteView(
            row.note_no,
            row.kind,
            row.period,
            row.bill_id,
            row.replacement_bill_id,
            row.total,
            row.paid_moved,
            row.reason,
            row.actor,
            row.name or "",
            row.created_at,
        )
        for row in rows
    )


@dataclass(frozen=True)
class AdjustmentView:
    note_no: str
    amount: Decimal
    bill_id: int | None
    reason: str
    actor: str
    approved_by: str
    created_at: datetime


def adjustments_of(session: Session, account_no: str) -> tuple[AdjustmentView, ...]:
    """An account's adjustments, oldest first."""
    approver = Staff.__table__.alias("approver")
    rows = session.execute(
        select(Adjustment.note_no, Adjustment.amount, Adjustment.bill_id, Adjustment.reason,
               Adjustment.actor, approver.c.name, Adjustment.created_at)
        .join(Account, Account.id == Adjustment.account_id)
        .outerjoin(approver, approver.c.id == Adjustment.approved_by_id)
        .where(Account.account_no == account_no.strip())
        .order_by(Adjustment.created_at, Adjustment.id)
    ).all()  # fmt: skip
    return tuple(
        AdjustmentView(note_no, amount, bill_id, reason, actor, approved_by or "", created_at)
        for note_no, amount, bill_id, reason, actor, approved_by, created_at in rows
    )
