"""Photos of meters and faults: checked, re-encoded to a bounded JPEG, stored by hash.

Re-encoding drops whatever an upload carried besides the picture (scripts, huge EXIF,
other formats) and bounds what every client later downloads.
"""

from __future__ import annotations

import hashlib
import io
from dataclasses import dataclass

from PIL import Image, ImageOps, UnidentifiedImageError
from sqlalchemy import select
from sqlalchemy.orm import Session

from server.db.models import Photo
from server.services.core.errors import DomainError, InvalidInput

MAX_UPLOAD_BYTES = 10 * 1024 * 1024
MAX_SIDE = 1600
JPEG_QUALITY = 82
ACCEPTED_FORMATS = {"JPEG", "PNG", "WEBP", "HEIF", "MPO"}


@dataclass(frozen=True)
class StoredPhoto:
    photo_id: int
    sha256: str
    width: int
    height: int
    size: int


def normalise_photo(data: bytes, name: str = "照片") -> tuple[bytes, int, int]:
    """Return JPEG bytes no larger than MAX_SIDE on either side, upright per its EXIF."""
    if len(data) > MAX_UPLOAD_BYTES:
        raise DomainError(
            f"{name} 过大：{len(data) // 1024} KB，上限 {MAX_UPLOAD_BYTES // 1048576} MB"
        )
    try:
        with Image.open(io.BytesIO(data)) as image:
            if image.format not in ACCEPTED_FORMATS:
                raise InvalidInput(f"{name} 格式 {image.format} 不支持，请上传 JPEG 或 PNG")
            upright = ImageOps.exif_transpose(image).convert("RGB")
            upright.thumbnail((MAX_SIDE, MAX_SIDE))
            out = io.BytesIO()
            upright.save(out, "JPEG", quality=JPEG_QUALITY, optimize=True)
            return out.getvalue(), upright.width, upright.height
    except (UnidentifiedImageError, OSError) as exc:
        raise DomainError(f"{name} 不是可识别的图片") from exc


def store_photo(session: Session, data: bytes, name: str = "照片") -> StoredPhoto:
    # A photo a page kept from an earlier, refused submission comes back as the JPEG
    # stored then: the same row, not a second re-encoding of it.
    same = session.scalar(select(Photo).where(Photo.sha256 == hashlib.sha256(data).hexdigest()))
    if same is not None:
        return StoredPhoto(same.id, same.sha256, same.width, same.height, len(data))
    jpeg, width, height = normalise_photo(data, name)
    digest = hashlib.sha256(jpeg).hexdigest()
    existing = session.scalar(select(Photo).where(Photo.sha256 == digest))
    if existing is None:
        existing = Photo(sha256=digest, mime="image/jpeg", width=width, height=height, content=jpeg)
        session.add(existing)
        session.flush()
    return StoredPhoto(existing.id, digest, width, height, len(jpeg))


def photo_bytes(session: Session, photo_id: int) -> bytes:
    photo = session.get(Photo, photo_id)
    if photo is None:
        raise DomainError(f"照片 {photo_id} 不存在")
    return photo.content
