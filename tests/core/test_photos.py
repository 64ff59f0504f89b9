import io

import pytest
from PIL import Image

from server.services.core.errors import DomainError
from server.services.core.photos import photo_bytes, store_photo


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
