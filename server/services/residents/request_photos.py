"""The photo a resident or a worker raised a request with (故障上报 require one; 节能先锋 and
complaints may carry one), as the desk's queue shows it."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from server.db.models import ServiceRequest
from server.services.core.errors import NotFound
from server.services.core.photos import PhotoView, photo_view


def request_photo(session: Session, request_id: int) -> PhotoView | None:
    """The request's photo with its capture and upload times; None when it has none."""
    found = session.execute(
        select(ServiceRequest.id, ServiceRequest.photo_id).where(ServiceRequest.id == request_id)
    ).one_or_none()
    if found is None:
        raise NotFound(f"诉求 {request_id} 不存在")
    return None if found.photo_id is None else photo_view(session, found.photo_id)
