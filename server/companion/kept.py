"""Photos kept across a refused form: a resident or reader who typed a wrong figure must not
have to take the photo again.

A form that comes back with an error stores its (valid, re-encoded) photo at once and
carries a short-lived token for it; the token is only good within the signed session that
made it, so nobody can attach another person's photo. Sent again without a new file, the
form uses the kept photo; a newly chosen file replaces it.
"""

from __future__ import annotations

import secrets
import time
from dataclasses import dataclass

from fastapi import APIRouter, Request, UploadFile
from fastapi.responses import Response

from server.companion.web import uow
from server.services.core.errors import DomainError
from server.services.core.photos import MAX_UPLOAD_BYTES, photo_bytes, store_photo

routes = APIRouter()

SESSION_KEY = "kept_photos"
KEPT_SECONDS = 3600
# The session is a cookie: a few tokens at most (two photos of a form, a retry or two).
MAX_KEPT = 6


def read_upload(upload: UploadFile | None) -> bytes:
    """The uploaded file's bytes, read no further than the photo limit allows."""
    if upload is None or not upload.filename:
        return b""
    return upload.file.read(MAX_UPLOAD_BYTES + 1)


@dataclass(frozen=True)
class FormPhoto:
    """A form's photo: `data` to hand the service, `kept` the token of the photo kept
    from an earlier try (still valid), `fresh` when `data` is a newly chosen file."""

    data: bytes
    kept: str
    fresh: bool


def _kept(request: Request) -> dict[str, list[int]]:
    """The session's live tokens → [photo id, expiry]."""
    entries = request.session.get(SESSION_KEY)
    if not isinstance(entries, dict):
        return {}
    moment = int(time.time())
    return {token: entry for token, entry in entries.items() if entry[1] > moment}


def form_photo(request: Request, upload: UploadFile | None, kept: str = "") -> FormPhoto:
    entry = _kept(request).get(kept)
    kept = kept if entry else ""
    data = read_upload(upload)
    if data:
        return FormPhoto(data, kept, True)
    if entry is None:
        return FormPhoto(b"", "", False)
    with uow(request) as session:
        return FormPhoto(photo_bytes(session, entry[0]), kept, False)


def keep(request: Request, photo: FormPhoto, name: str) -> str:
    """Keep a refused form's photo; the token to put back in the form ('' for none).

    A new file that is not a usable picture is not kept: the earlier one, if any, stays.
    """
    if not photo.fresh:
        return photo.kept
    try:
        with uow(request) as session:
            photo_id = store_photo(session, photo.data, name).photo_id
    except DomainError:
        return photo.kept
    return remember(request, photo_id)


def remember(request: Request, photo_id: int) -> str:
    """A token for a photo already stored, valid in this session for KEPT_SECONDS."""
    token = secrets.token_urlsafe(12)
    entries = _kept(request)
    entries[token] = [photo_id, int(time.time()) + KEPT_SECONDS]
    request.session[SESSION_KEY] = dict(list(entries.items())[-MAX_KEPT:])
    return token


@routes.get("/kept-photos/{token}")
def kept_photo(request: Request, token: str) -> Response:
    """The thumbnail a form shows beside 已附照片."""
    entry = _kept(request).get(token)
    if entry is None:
        return Response(status_code=404)
    with uow(request) as session:
        data = photo_bytes(session, entry[0])
    return Response(data, media_type="image/jpeg", headers={"Cache-Control": "private"})
