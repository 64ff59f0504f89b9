"""Who did it: the actor of every write, and the audit trail it leaves."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from server.db.models import AuditEvent


@dataclass(frozen=True)
class Actor:
    """A staff member, a WeChat user or the system itself (scheduled jobs, imports)."""

    label: str
    staff_id: int | None = None
    branch_id: int | None = None

    @classmethod
    def system(cls, what: str = "system") -> Actor:
        return cls(label=what)


def record(
    session: Session,
    actor: Actor,
    action: str,
    entity: str,
    entity_id: object = None,
    data: dict[str, Any] | None = None,
) -> None:
    session.add(
        AuditEvent(
            staff_id=actor.staff_id,
            actor=actor.label,
            branch_id=actor.branch_id,
            action=action,
            entity=entity,
            entity_id=None if entity_id is None else str(entity_id),
            data=data or {},
        )
    )
