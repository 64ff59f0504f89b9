import io
from datetime import UTC, datetime

import pytest
from PIL import Image

from server.services.core.calendar import BUSINESS_TZ
from server.services.core.errors import DomainError
from server.services.core.photos import photo_bytes, photo_view, store_photo


def png(width: int, height: int) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (width, height), (200, 30, 30)).save(out, "PNG")
    return out.getvalue()


def test_photo_is_reencoded_bounded_and_stored_once(session):
    first = store_photo(session, png(3200, 2400))
    assert (first.width, first.height) == (1600, 1200)
    content = photo_bytes(session, first.photo_id)
    assert content[:3] == b"\xff\xd8\xff"  # JPEG
    with Image.open(io.BytesIO(content)) as image:
        assert image.format == "JPEG" and image.size == (1600, 1200)
    again = store_photo(session, png(3200, 2400))
    assert again.photo_id == first.photo_id


def test_small_photo_keeps_its_size(session):
    stored = store_photo(session, png(640, 480))
    assert (stored.width, stored.height) == (640, 480)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"<script>alert(1)</script>", "表盘照片 不是可识别的图片"),
        (b"\x00" * (11 * 1024 * 1024), "表盘照片 过大：11264 KB，上限 10 MB"),
    ],
)
def test_bad_photos_are_refused(session, data, message):
    with pytest.raises(DomainError, match=message):
        store_photo(session, data, "表盘照片")


def test_gif_is_refused(session):
    out = io.BytesIO()
    Image.new("P", (10, 10)).save(out, "GIF")
    with pytest.raises(DomainError, match="格式 GIF 不支持"):
        store_photo(session, out.getvalue(), "表盘照片")


def jpeg_taken(
    stamp: str | None, offset: str | None = None, orientation: int | None = None
) -> bytes:
    """A camera's JPEG: 40×20 with DateTimeOriginal (and OffsetTimeOriginal) in its Exif IFD."""
    exif = Image.Exif()
    if orientation is not None:
        exif[0x0112] = orientation
    if stamp is not None:
        exif.get_ifd(0x8769)[0x9003] = stamp
    if offset is not None:
        exif.get_ifd(0x8769)[0x9011] = offset
    out = io.BytesIO()
    Image.new("RGB", (40, 20), (10, 120, 200)).save(out, "JPEG", exif=exif)
    return out.getvalue()


UPLOADED = datetime(2026, 12, 6, 9, 10, tzinfo=BUSINESS_TZ)


def test_capture_time_is_kept_from_exif_and_dropped_from_the_jpeg(session):
    data = jpeg_taken("2026:11:02 14:05:00", orientation=6)
    stored = store_photo(session, data, uploaded_at=UPLOADED)
    # No offset written: the camera's clock is taken as China time.
    assert stored.captured_at == datetime(2026, 11, 2, 14, 5, tzinfo=BUSINESS_TZ)
    # Orientation 6 turned the 40×20 picture upright: 20×40.
    assert (stored.width, stored.height) == (20, 40)
    view = photo_view(session, stored.photo_id)
    assert view.captured_at == datetime(2026, 11, 2, 6, 5, tzinfo=UTC)
    assert view.uploaded_at == datetime(2026, 12, 6, 1, 10, tzinfo=UTC)
    assert view.capture_warning == "拍摄于 2026-11-02 14:05，上传于 2026-12-06 09:10"
    with Image.open(io.BytesIO(view.content)) as image:
        assert dict(image.getexif()) == {}


def test_capture_offset_is_honoured(session):
    # 2026-12-05 03:00 at UTC-05:00 is 2026-12-05 16:00 in Shanghai: 17 h 10 min before upload.
    stored = store_photo(session, jpeg_taken("2026:12:05 03:00:00", "-05:00"), uploaded_at=UPLOADED)
    assert stored.captured_at == datetime(2026, 12, 5, 16, 0, tzinfo=BUSINESS_TZ)
    assert photo_view(session, stored.photo_id).capture_warning == ""


@pytest.mark.parametrize(
    ("stamp", "captured", "warning"),
    [
        # 1 day and 1 minute before: shown.
        ("2026:12:05 09:09:00", datetime(2026, 12, 5, 9, 9, tzinfo=BUSINESS_TZ),
         "拍摄于 2026-12-05 09:09，上传于 2026-12-06 09:10"),
        # Exactly a day: not more than a day, not shown.
        ("2026:12:05 09:10:00", datetime(2026, 12, 5, 9, 10, tzinfo=BUSINESS_TZ), ""),
        # A camera's unset clock: no capture time at all.
        ("0000:00:00 00:00:00", None, ""),
        (None, None, ""),
    ],
)  # fmt: skip
def test_capture_warning_only_past_a_day(session, stamp, captured, warning):
    stored = store_photo(session, jpeg_taken(stamp), uploaded_at=UPLOADED)
    assert stored.captured_at == captured
    assert photo_view(session, stored.photo_id).capture_warning == warning
