"""Staff sign-ins on the web pages (/staff/), kept server-side so that they can end.

The signed cookie carries only a random token; its row says whose it is. A session ends at
logout, when the password it was started under changes (on the web, at the desktop or by an
administrator's reset), when the login is disabled, after IDLE without a page, and a working
day (LIFETIME) after sign-in whatever happens.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from server.db.models.org import Staff, StaffWebSession
from server.services.core.calendar import now
from server.services.core.errors import DomainError
from server.services.staff import sign_in
from server.services.staff.sign_in import StaffIdentity

IDLE = timedelta(hours=12)
LIFETIME = timedelta(hours=14)
# seen_at is written at most this often: a page view is not worth a write each time.
TOUCH_EVERY = timedelta(minutes=5)


def _digest(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


def start(
    session: Session, identity: StaffIdentity, remote: str = "", moment: datetime | None = None
) -> str:
    """A new session for someone just signed in; the token for their cookie."""
    at = moment or now()
    password_hash = session.scalar(select(Staff.password_hash).where(Staff.id == identity.staff_id))
    token = secrets.token_urlsafe(32)
    session.add(
        StaffWebSession(
            token_sha256=_digest(token),
            staff_id=identity.staff_id,
            password_mark=_digest(password_hash or ""),
            started_at=at,
            seen_at=at,
            remote_addr=remote[:64],
        )
    )
    session.flush()
    return token


def _end(session: Session, row: StaffWebSession, why: str, at: datetime) -> None:
    row.ended_at = at
    row.ended_why = why
    session.flush()


def identity(session: Session, token: str, moment: datetime | None = None) -> StaffIdentity | None:
    """Who the token signs in, or None once its session has ended (ending it now if it has
    just run out, so the reason is kept)."""
    if not token:
        return None
    at = moment or now()
    found = session.execute(
        select(StaffWebSession, Staff.login, Staff.password_hash)
        .join(Staff, Staff.id == StaffWebSession.staff_id)
        .where(StaffWebSession.token_sha256 == _digest(token))
        .where(StaffWebSession.ended_at.is_(None))
    ).first()
    if found is None:
        return None
    row, login, password_hash = found
    why = ""
    if row.password_mark != _digest(password_hash):
        why = "password"
    elif at - row.started_at > LIFETIME:
        why = "expired"
    elif at - row.seen_at > IDLE:
        why = "idle"
    if why:
        _end(session, row, why, at)
        return None
    try:
        who = sign_in.staff_identity(session, login)
    except DomainError:
        _end(session, row, "disabled", at)
        return None
    if at - row.seen_at > TOUCH_EVERY:
        row.seen_at = at
        session.flush()
    return who


def end(session: Session, token: str, why: str = "logout", moment: datetime | None = None) -> None:
    """End the token's session (logout); an unknown or ended token is left as it is."""
    session.execute(
        update(StaffWebSession)
        .where(StaffWebSession.token_sha256 == _digest(token), StaffWebSession.ended_at.is_(None))
        .values(ended_at=moment or now(), ended_why=why)
    )
