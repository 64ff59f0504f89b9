"""Photos of meters and faults: checked, re-encoded to a bounded JPEG, stored by hash.

Re-encoding drops whatever an upload carried besides the picture (scripts, huge EXIF,
other formats) and bounds what every client later downloads.
"""

from __future__ import annotations

import hashlib
import io
import warnings
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from PIL import Image, ImageOps, UnidentifiedImageError
from sqlalchemy import select
from sqlalchemy.orm import Session

from server.db.models import Photo
from server.services.core.calendar import BUSINESS_TZ, now
from server.services.core.errors import DomainError, InvalidInput

MAX_UPLOAD_BYTES = 10 * 1024 * 1024
MAX_SIDE = 1600
JPEG_QUALITY = 82
ACCEPTED_FORMATS = {"JPEG", "PNG", "WEBP", "HEIF", "MPO"}
# EXIF tags: the Exif sub-IFD, the moment the shutter fired and its UTC offsets.
EXIF_IFD = 0x8769
DATETIME_ORIGINAL = 0x9003
OFFSET_TIME = 0x9010
OFFSET_TIME_ORIGINAL = 0x9011
# A capture this far from its upload is shown as a warning: the photo may not be today's.
CAPTURE_GAP = timedelta(days=1)
# A phone's largest photo mode (50 MP) and no more: a small file can declare 13000 × 13000
# pixels of one colour, and decoding that takes a gigabyte. The header says how large the
# picture is before anything is decoded, so larger ones are refused unread.
MAX_PIXELS = 50_000_000
Image.MAX_IMAGE_PIXELS = MAX_PIXELS
# Pillow only warns between MAX_IMAGE_PIXELS and twice that; here it is a refusal, set once
# for the process (catch_warnings per call would not be thread-safe).
warnings.simplefilter("error", Image.DecompressionBombWarning)


@dataclass(frozen=True)
class StoredPhoto:
    photo_id: int
    sha256: str
    width: int
    height: int
    size: int
    captured_at: datetime | None = None


@dataclass(frozen=True)
class NormalisedPhoto:
    jpeg: bytes
    width: int
    height: int
    captured_at: datetime | None


def _offset(text: object) -> timezone | None:
    """'+08:00' / '-05:30' as a timezone; anything else is no offset."""
    if not isinstance(text, str) or len(text.strip("\x00 ")) != 6:
        return None
    value = text.strip("\x00 ")
    sign = {"+": 1, "-": -1}.get(value[0])
    if sign is None or value[3] != ":" or not (value[1:3] + value[4:]).isdigit():
        return None
    return timezone(sign * timedelta(hours=int(value[1:3]), minutes=int(value[4:])))


def capture_time(image: Image.Image) -> datetime | None:
    """The EXIF DateTimeOriginal, in its OffsetTimeOriginal (or OffsetTime) when the camera
    wrote one, else in business time: phones here run on China time and most omit it."""
    exif = image.getexif().get_ifd(EXIF_IFD)
    stamp = exif.get(DATETIME_ORIGINAL)
    if not isinstance(stamp, str):
        return None
    try:
        naive = datetime.strptime(stamp.strip("\x00 "), "%Y:%m:%d %H:%M:%S")
    except ValueError:
        return None  # cameras with an unset clock write '0000:00:00 00:00:00'
    zone = _offset(exif.get(OFFSET_TIME_ORIGINAL)) or _offset(exif.get(OFFSET_TIME))
    return naive.replace(tzinfo=zone or BUSINESS_TZ)


def capture_differs(captured_at: datetime | None, uploaded_at: datetime) -> bool:
    """Whether the capture is worth a warning beside the upload time."""
    return captured_at is not None and abs(uploaded_at - captured_at) > CAPTURE_GAP


def normalise_photo(data: bytes, name: str = "照片") -> NormalisedPhoto:
    """JPEG bytes no larger than MAX_SIDE on either side, upright per its EXIF, and the
    capture time read from that EXIF before re-encoding drops it."""
    if len(data) > MAX_UPLOAD_BYTES:
        raise DomainError(
            f"{name} 过大：{len(data) // 1024} KB，上限 {MAX_UPLOAD_BYTES // 1048576} MB"
        )
    too_large = f"{name} 尺寸过大：超过 {MAX_PIXELS // 10_000} 万像素，请上传手机正常拍摄的照片"
    try:
        # Image.open reads the header only; the pixels are decoded by the first use below.
        with Image.open(io.BytesIO(data)) as image:
            if image.format not in ACCEPTED_FORMATS:
                raise InvalidInput(f"{name} 格式 {image.format} 不支持，请上传 JPEG 或 PNG")
            width, height = image.size
            if width * height > MAX_PIXELS:
                raise InvalidInput(too_large)
            upright = ImageOps.exif_transpose(image).convert("RGB")
            upright.thumbnail((MAX_SIDE, MAX_SIDE))
            out = io.BytesIO()
            upright.save(out, "JPEG", quality=JPEG_QUALITY, optimize=True)
            return NormalisedPhoto(
                out.getvalue(), upright.width, upright.height, capture_time(image)
            )
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise InvalidInput(too_large) from exc
    except (UnidentifiedImageError, OSError) as exc:
        raise DomainError(f"{name} 不是可识别的图片") from exc


def store_photo(
    session: Session, data: bytes, name: str = "照片", uploaded_at: datetime | None = None
) -> StoredPhoto:
    """Store the upload once by its JPEG's hash; `uploaded_at` defaults to calendar.now()."""
    # A photo a page kept from an earlier, refused submission comes back as the JPEG
    # stored then: the same row, not a second re-encoding of it.
    same = session.scalar(select(Photo).where(Photo.sha256 == hashlib.sha256(data).hexdigest()))
    if same is not None:
        return StoredPhoto(
            same.id, same.sha256, same.width, same.height, len(data), same.captured_at
        )
    photo = normalise_photo(data, name)
    digest = hashlib.sha256(photo.jpeg).hexdigest()
    existing = session.scalar(select(Photo).where(Photo.sha256 == digest))
    if existing is None:
        existing = Photo(
            sha256=digest,
            mime="image/jpeg",
            width=photo.width,
            height=photo.height,
            content=photo.jpeg,
            created_at=uploaded_at or now(),
            captured_at=photo.captured_at,
        )
        session.add(existing)
        session.flush()
    return StoredPhoto(
        existing.id, digest, photo.width, photo.height, len(photo.jpeg), existing.captured_at
    )


def _photo(session: Session, photo_id: int) -> Photo:
    photo = session.get(Photo, photo_id)
    if photo is None:
        raise DomainError(f"照片 {photo_id} 不存在")
    return photo


def photo_bytes(session: Session, photo_id: int) -> bytes:
    return _photo(session, photo_id).content


@dataclass(frozen=True)
class PhotoView:
    """A photo as a desk shows it: the picture and, when it matters, when it was taken."""

    photo_id: int
    content: bytes
    uploaded_at: datetime
    captured_at: datetime | None

    @property
    def capture_warning(self) -> str:
        """'拍摄于 …，上传于 …' when the two are more than a day apart, else ''."""
        if self.captured_at is None or not capture_differs(self.captured_at, self.uploaded_at):
            return ""
        shot = self.captured_at.astimezone(BUSINESS_TZ).strftime("%Y-%m-%d %H:%M")
        sent = self.uploaded_at.astimezone(BUSINESS_TZ).strftime("%Y-%m-%d %H:%M")
        return f"拍摄于 {shot}，上传于 {sent}"


def photo_view(session: Session, photo_id: int) -> PhotoView:
    photo = _photo(session, photo_id)
    return PhotoView(photo.id, photo.content, photo.created_at, photo.captured_at)
