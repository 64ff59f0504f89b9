"""Who is signed in, as FastAPI dependencies: a page declares the person it needs
(`Depends(resident_required)`, `Depends(staff_required)`, …) and one exception handler in
the app sends whoever is not signed in to the sign-in page, with where to come back to."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import quote

from fastapi import Depends, Request

from server.companion.web import uow
from server.services.core.errors import DomainError
from server.services.residents import wechat_users
from server.services.residents.wechat_users import Resident
from server.services.staff import web_sessions
from server.services.staff.sign_in import StaffIdentity

STAFF_HOME = "/staff/"
PAY_PAGE = "/h5/pay"


class SignInFirst(Exception):
    """Nobody (or nobody still known) is signed in: answered with a redirect to `target`."""

    def __init__(self, target: str) -> None:
        super().__init__(target)
        self.target = target


def resident_id(request: Request) -> int | None:
    """The signed cookie's user: enough for pages whose queries are all by user id."""
    user_id = request.session.get("uid")
    return user_id if isinstance(user_id, int) else None


def resident(request: Request) -> Resident | None:
    user_id = resident_id(request)
    if user_id is None:
        return None
    with uow(request) as session:
        try:
            return wechat_users.resident(session, user_id)
        except DomainError:
            return None


def _resident_login(request: Request) -> SignInFirst:
    # Back to the very page, query and all, once WeChat has said who this is.
    here = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    return SignInFirst(f"/h5/login?next={quote(here)}")


def resident_required(request: Request) -> Resident:
    found = resident(request)
    if found is None:
        raise _resident_login(request)
    return found


def resident_id_required(request: Request) -> int:
    found = resident_id(request)
    if found is None:
        raise _resident_login(request)
    return found


def payer_required(request: Request) -> int:
    """The pay pages' resident; signing in leads back to the pay page: the very one when
    opened by its address (a notice's QR code names the account), else its start."""
    found = resident_id(request)
    if found is None:
        if request.method == "GET" and request.url.path == PAY_PAGE:
            raise _resident_login(request)
        raise SignInFirst(f"/h5/login?next={PAY_PAGE}")
    return found


STAFF_SESSION_KEY = "staff_session"


def staff(request: Request) -> StaffIdentity | None:
    """The staff member whose live server-side session the cookie names (web_sessions)."""
    token = request.session.get(STAFF_SESSION_KEY)
    if not isinstance(token, str):
        return None
    with uow(request) as session:
        return web_sessions.identity(session, token)


def staff_required(request: Request) -> StaffIdentity:
    found = staff(request)
    if found is None:
        # A page opened by its address comes back to it; a form sent with the session
        # gone (and the home page, the default anyway) goes to the plain sign-in.
        path = request.url.path
        plain = request.method != "GET" or path == STAFF_HOME
        raise SignInFirst("/staff/login" if plain else f"/staff/login?next={path}")
    return found


SignedResident = Annotated[Resident, Depends(resident_required)]
SignedResidentId = Annotated[int, Depends(resident_id_required)]
Payer = Annotated[int, Depends(payer_required)]
SignedStaff = Annotated[StaffIdentity, Depends(staff_required)]
