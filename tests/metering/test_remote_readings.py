"""Remote readings (远传) against a local stand-in of the energy platform: good, duplicate,
unknown meter, anomaly, timeout, HTTP error; the CSV export; the CLI."""

from __future__ import annotations

import datetime as dt
import json
import threading
import time
from collections.abc import Iterator
from decimal import Decimal
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlparse

import pytest
from click.testing import CliRunner
from sqlalchemy import create_engine, func, select

from server.cli import cli
from server.db.engine import make_sessionmaker, unit_of_work
from server.db.models import AuditEvent, Meter, Reading
from server.services.core.calendar import BUSINESS_TZ
from server.services.core.errors import DomainError
from server.services.metering.remote_readings import RemoteSettings, import_remote_file, pull_remote
from tests.factories import ACTOR, account, meter, read

NOW = dt.datetime(2026, 11, 23, 9, 0, tzinfo=BUSINESS_TZ)


class Platform:
    """The stand-in: serves `body` (JSON) with `status`, after `delay` seconds."""

    def __init__(self) -> None:
        self.body: Any = {"data": []}
        self.status = 200
        self.delay = 0.0
        self.requests: list[tuple[str, dict[str, list[str]], str | None]] = []
        platform = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                url = urlparse(self.path)
                auth = self.headers.get("Authorization")
                platform.requests.append((url.path, parse_qs(url.query), auth))
                time.sleep(platform.delay)
                payload = json.dumps(platform.body, ensure_ascii=False).encode()
                try:
                    self.send_response(platform.status)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(payload)))
                    self.end_headers()
                    self.wfile.write(payload)
                except OSError:  # the client gave up (the timeout test)
                    pass

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_port}/api/readings"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def platform() -> Iterator[Platform]:
    stand_in = Platform()
    yield stand_in
    stand_in.close()


def settings(url: str, **changes: Any) -> RemoteSettings:
    values: dict[str, Any] = {
        "token": "T0KEN",
        "records": "rows",
        "field_hardware": "addr",
        "field_value": "reading",
        "field_time": "time",
        "timeout": 2.0,
    }
    return RemoteSettings(url=url, **{**values, **changes})


@pytest.fixture
def meters(session):
    """E1 (hw 000011112222) last 1000 on 10-20, W1 (hw 20260001) last 50 on 10-20."""
    acc = account(session, "A001")
    for no, hw, kind, digits in (
        ("E1", "000011112222", "electricity", 6),
        ("W1", "20260001", "water", 5),
    ):
        meter(session, no, acc, kind=kind, digits=digits)
        session.execute(Meter.__table__.update().where(Meter.meter_no == no).values(hardware_no=hw))
    read(session, "E1", "2026-10-20", "1000")
    read(session, "W1", "2026-10-20", "50")
    return acc


GOOD = [
    {"addr": "000011112222", "reading": 1120.5, "time": "2026-11-20T09:30:00+08:00"},
    {"addr": "20260001", "reading": "62.25", "time": "2026-11-20 09:40:00"},
    {"addr": "99999999", "reading": "10", "time": "2026-11-20 09:45:00"},
]


def remote_readings(session) -> list[tuple[str, Decimal, Decimal | None, str, str]]:
    rows = session.execute(
        select(Meter.meter_no, Reading.value, Reading.usage, Reading.status, Reading.note)
        .join(Meter, Meter.id == Reading.meter_id)
        .where(Reading.source == "remote")
        .order_by(Meter.meter_no)
    )
    return [tuple(r) for r in rows]


def test_pull_good_unknown_then_duplicate(session, meters, platform):
    platform.body = {"rows": GOOD}
    result = pull_remote(
        session, ACTOR, settings(platform.url), since=dt.date(2026, 11, 1), now=NOW
    )
    assert [(r.line, r.outcome, r.meter_no) for r in result.lines] == [
        (1, "imported", "E1"),
        (2, "imported", "W1"),
        (3, "unknown", None),
    ]
    # 1120.5 − 1000 and 62.25 − 50.
    assert result.lines[0].message == "用量 120.5"
    assert result.lines[1].message == "用量 12.25"
    assert result.lines[2].message == "硬件号/表号 99999999 没有对应的表计"
    assert remote_readings(session) == [
        ("E1", Decimal("1120.500"), Decimal("120.500"), "accepted", "远传 第 1 行"),
        ("W1", Decimal("62.250"), Decimal("12.250"), "accepted", "远传 第 2 行"),
    ]
    path, query, auth = platform.requests[0]
    assert (path, query, auth) == ("/api/readings", {"since": ["2026-11-01"]}, "Bearer T0KEN")

    # The platform sends the same readings again: nothing is added.
    again = pull_remote(session, ACTOR, settings(platform.url), now=NOW)
    assert [r.outcome for r in again.lines] == ["duplicate", "duplicate", "unknown"]
    assert again.lines[0].message == "已导入过：2026-11-20 09:30 读数相同"
    assert len(remote_readings(session)) == 2
    assert again.summary() == f"导入 {platform.url}：共 3 行，重复 2，未知表计 1"
    audits = session.scalars(
        select(AuditEvent.action).where(AuditEvent.action == "remote.pull")
    ).all()
    assert audits == ["remote.pull", "remote.pull"]


def test_lower_value_is_an_anomaly_held(session, meters, platform):
    platform.body = [{"addr": "20260001", "reading": "40", "time": "2026-11-20 09:40:00"}]
    result = pull_remote(session, ACTOR, settings(platform.url, records=""), now=NOW)
    assert [(r.outcome, r.status) for r in result.lines] == [("anomaly", "held")]
    assert remote_readings(session)[0][3] == "held"


def test_bad_records_are_reported_per_line(session, meters, platform):
    platform.body = {
        "rows": [
            "not a record",
            {"addr": "20260001", "time": "2026-11-20 09:40:00"},
            {"addr": "20260001", "reading": "abc", "time": "2026-11-20 09:40:00"},
        ]
    }
    result = pull_remote(session, ACTOR, settings(platform.url), now=NOW)
    assert [(r.outcome, r.message) for r in result.lines] == [
        ("unparsable", "第 1 条记录不是对象：not a record"),
        ("unparsable", "第 2 条记录缺少字段 reading"),
        ("unparsable", "读数「abc」不是数字"),
    ]
    assert remote_readings(session) == []


def test_timeout_writes_nothing(session, meters, platform):
    platform.body = {"rows": GOOD}
    platform.delay = 1.5
    before = session.scalar(select(func.count()).select_from(Reading))
    with pytest.raises(DomainError) as caught:
        pull_remote(session, ACTOR, settings(platform.url, timeout=0.3), now=NOW)
    assert str(caught.value) == (
        f"远传平台 {platform.url} 在 0.3 秒内没有应答，未写入任何读数，可稍后重试"
    )
    assert session.scalar(select(func.count()).select_from(Reading)) == before


def test_http_error_and_missing_list(session, meters, platform):
    platform.status = 503
    platform.body = {"error": "busy"}
    with pytest.raises(DomainError, match=r"^远传平台返回 HTTP 503（Service Unavailable）"):
        pull_remote(session, ACTOR, settings(platform.url), now=NOW)
    platform.status = 200
    with pytest.raises(DomainError, match=r"应答中没有记录列表「rows」.*应答的字段：error"):
        pull_remote(session, ACTOR, settings(platform.url), now=NOW)
    with pytest.raises(DomainError, match="未设置远传平台地址"):
        pull_remote(session, ACTOR, settings(""), now=NOW)
    assert remote_readings(session) == []


def test_csv_export_same_mapping_and_idempotent(session, meters, tmp_path):
    export = tmp_path / "platform.csv"
    export.write_text(
        "addr,reading,time\n000011112222,1100,2026-11-20 09:30\n20260001,55,2026-11-20 09:40\n",
        encoding="utf-8-sig",
    )
    first = import_remote_file(session, ACTOR, export, settings("unused"), now=NOW)
    assert [(r.line, r.outcome, r.message) for r in first.lines] == [
        (2, "imported", "用量 100"),
        (3, "imported", "用量 5"),
    ]
    second = import_remote_file(session, ACTOR, export, settings("unused"), now=NOW)
    assert [r.outcome for r in second.lines] == ["duplicate", "duplicate"]
    with pytest.raises(DomainError, match="应为 CSV 或 Excel"):
        import_remote_file(session, ACTOR, tmp_path / "x.json", settings("unused"))


def test_cli_pull_twice(md_env, platform, monkeypatch):
    engine = create_engine(md_env)
    with unit_of_work(make_sessionmaker(engine)) as session:
        meter(session, "E1", account(session, "A001"))
        session.execute(
            Meter.__table__.update().where(Meter.meter_no == "E1").values(hardware_no="H1")
        )
        read(session, "E1", "2026-10-20", "1000")
    engine.dispose()
    monkeypatch.setenv("MD_REMOTE_URL", platform.url)
    monkeypatch.setenv("MD_REMOTE_FIELD_HARDWARE", "addr")
    monkeypatch.setenv("MD_REMOTE_FIELD_VALUE", "reading")
    monkeypatch.setenv("MD_REMOTE_FIELD_TIME", "time")
    platform.body = {
        "data": [
            {"addr": "H1", "reading": "1010", "time": "2026-11-20 09:30:00"},
            {"addr": "H9", "reading": "1", "time": "2026-11-20 09:30:00"},
        ]
    }
    runner = CliRunner()
    result = runner.invoke(cli, ["remote", "pull", "--since", "2026-11-01"])
    assert result.exit_code == 0, result.output
    assert result.output.splitlines() == [
        "第 2 条\t未知表计\tH9\t硬件号/表号 H9 没有对应的表计",
        f"导入 {platform.url}：共 2 行，已导入 1，未知表计 1",
    ]
    result = runner.invoke(cli, ["remote", "pull"])
    assert result.output.splitlines()[-1] == f"导入 {platform.url}：共 2 行，重复 1，未知表计 1"
    platform.delay = 1.0
    monkeypatch.setenv("MD_REMOTE_TIMEOUT", "0.2")
    result = runner.invoke(cli, ["remote", "pull"])
    assert result.exit_code == 2
    assert "在 0.2 秒内没有应答" in result.output
