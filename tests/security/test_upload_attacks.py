"""Uploads an attacker would send, against the service on loopback (issue 19, item 2 and
what held): a decompression bomb (a small PNG declaring 13000 × 13000 pixels) refused from
its header, fast and without the memory decoding would take, after the form was checked
and counted against the day's limit; a file that only pretends to be a picture; a body over
the upload limit."""

from __future__ import annotations

import resource
import struct
import time
import zlib

import requests
from sqlalchemy import text

from server.db.engine import unit_of_work
from server.services.residents import service_requests
from server.services.staff.sign_in import staff_identity
from tests import factories
from tests.companion.support import LiveServer
from tests.security.web_support import add_staff, csrf_of, registered_resident, staff_browser

pytest_plugins = ["tests.security.live_site"]


def bomb_png(side: int = 13000) -> bytes:
    """A valid one-colour PNG of side × side pixels: 1-bit grey rows of zeros compress to
    almost nothing (about 20 KB here), while decoding it takes a byte or more per pixel."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
        )

    row = b"\x00" * (1 + (side + 7) // 8)  # filter byte 0, then the packed pixels
    packer = zlib.compressobj(9)
    idat = b"".join(packer.compress(row) for _ in range(side)) + packer.flush()
    header = struct.pack(">IIBBBBB", side, side, 1, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", idat) + chunk(b"IEND", b"")
    )


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # the server is in-process


def _request_form(site: LiveServer, browser: requests.Session, photo: bytes, description: str):
    page = browser.get(f"{site.url}/h5/requests/new?kind=service", timeout=10).text
    return browser.post(
        f"{site.url}/h5/requests",
        data={"kind": "service", "topic": "计量疑问", "description": description,
              "csrf_token": csrf_of(page)},
        files={"photo": ("meter.png", photo, "image/png")},
        timeout=30,
    )  # fmt: skip


def _requests_counted(site: LiveServer, user_id: int) -> int:
    with unit_of_work(site.sessions) as session:
        return session.scalar(
            text("select count(*) from rate_event where bucket = :b"),
            {"b": f"request:user:{user_id}"},
        )


def test_a_decompression_bomb_is_refused_from_its_header_and_counted(dev_site: LiveServer) -> None:
    bomb = bomb_png()
    assert len(bomb) < 40_000
    browser, user_id = registered_resident(dev_site, "o-bomb-0001")
    before = _peak_mb()
    started = time.monotonic()
    answer = _request_form(dev_site, browser, bomb, "表计读数异常")
    elapsed = time.monotonic() - started
    assert answer.status_code == 400
    assert "照片 尺寸过大：超过 5000 万像素" in answer.text
    # Decoding would take 169 MB as grey, 500 MB as RGB; the header alone is read.
    assert elapsed < 3, elapsed
    assert _peak_mb() - before < 100
    assert _requests_counted(dev_site, user_id) == 1
    with unit_of_work(dev_site.sessions) as session:
        assert session.scalar(text("select count(*) from service_request")) == 0
        assert session.scalar(text("select count(*) from photo")) == 0


def test_the_form_is_checked_before_the_picture(dev_site: LiveServer) -> None:
    browser, user_id = registered_resident(dev_site, "o-bomb-0002")
    answer = _request_form(dev_site, browser, bomb_png(), "")
    assert answer.status_code == 400 and "请填写问题描述" in answer.text
    assert "尺寸过大" not in answer.text
    # Nothing was judged of the upload, so nothing of the day's allowance is used.
    assert _requests_counted(dev_site, user_id) == 0


def test_a_staff_photo_bomb_names_its_field(site: LiveServer) -> None:
    add_staff(site, "reader1")
    browser = staff_browser(site, "reader1")
    page = browser.get(f"{site.url}/staff/faults/new", timeout=10).text
    answer = browser.post(
        f"{site.url}/staff/faults",
        data={"topic": "表计故障", "place": "东区 3 栋", "description": "表不走",
              "csrf_token": csrf_of(page)},
        files={"photo": ("fault.png", bomb_png(), "image/png")},
        timeout=30,
    )  # fmt: skip
    assert answer.status_code == 400
    assert "故障照片 尺寸过大" in answer.text


def test_disguised_and_oversized_uploads_are_refused(dev_site: LiveServer) -> None:
    browser, _ = registered_resident(dev_site, "o-bomb-0003")
    script = b"<script>alert(1)</script>" + b" " * 2000
    answer = _request_form(dev_site, browser, script, "表计读数异常")
    assert answer.status_code == 400 and "照片 不是可识别的图片" in answer.text
    page = browser.get(f"{dev_site.url}/h5/requests/new?kind=service", timeout=10).text
    huge = browser.post(
        f"{dev_site.url}/h5/requests",
        data={
            "kind": "service",
            "topic": "计量疑问",
            "description": "x",
            "csrf_token": csrf_of(page),
        },
        files={"photo": ("big.jpg", b"\xff" * (13 * 1024 * 1024), "image/jpeg")},
        timeout=30,
    )
    assert huge.status_code == 413 and "上传内容过大" in huge.text


def test_a_bomb_among_a_tasks_site_photos_is_refused_and_the_task_stays_open(
    site: LiveServer,
) -> None:
    add_staff(site, "reader2")
    with unit_of_work(site.sessions) as session:
        factories.staff(session, "desk1", "manager")
        desk = staff_identity(session, "desk1").actor
        spec = service_requests.RequestSpec("fault", "管道漏水", "楼道漏水", "北区 2号楼")
        request_id = service_requests.raise_request(session, desk, spec)
        service_requests.assign_request(session, desk, request_id, "reader2")
    browser = staff_browser(site, "reader2")
    page = browser.get(f"{site.url}/staff/tasks", timeout=10).text
    answer = browser.post(
        f"{site.url}/staff/tasks/{request_id}/complete",
        data={"note": "已关阀", "csrf_token": csrf_of(page)},
        files={"photos": ("site.png", bomb_png(), "image/png")},
        timeout=30,
    )
    assert answer.status_code == 400 and "现场照片 尺寸过大" in answer.text
    with unit_of_work(site.sessions) as session:
        status = session.scalar(
            text("select status from service_request where id = :i"), {"i": request_id}
        )
        assert (status, session.scalar(text("select count(*) from photo"))) == ("open", 0)
