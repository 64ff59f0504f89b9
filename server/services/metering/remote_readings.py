"""Remote readings (远传): pull them from an energy platform (二级能耗平台, 校园能耗监测系统)
over HTTP, or import the platform's CSV / Excel export.

The platform answers a GET with JSON: a list of records, or an object holding the list
under `remote.records`; each record names a hardware number, a value and a time under the
fields the `remote` settings map. Lines go through the handheld import's judging
(`handheld_import.import_lines`): the same hardware-number → meter mapping, the same rules
as `readings.record_reading`, the same per-line outcomes (imported, anomaly, duplicate,
conflict, unknown meter…), and the same idempotence — a reading already stored for that
meter and time with that value is a duplicate, so pulling twice adds nothing.

A timeout, an HTTP error or a body that is not the expected JSON refuses the whole pull
before anything is judged, so nothing is half-written; the caller may simply retry.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

import requests
from sqlalchemy.orm import Session

from devices.handheld import HARDWARE, READING, TIME, ColumnProfile, HandheldError, RawLine
from devices.handheld import read_export as read_table
from server.config import Settings
from server.services.core import audit, permissions
from server.services.core.audit import Actor
from server.services.core.errors import DomainError, InvalidInput
from server.services.metering.handheld_import import HandheldImportResult, import_lines

# The schema allows 'remote' among the reading sources: remote readings are told apart
# from a reader's in the history and the reports.
SOURCE = "remote"
LABEL = "远传"
FILE_FORMATS = {".csv": "csv", ".txt": "csv", ".xlsx": "xlsx", ".xls": "xls"}


@dataclass(frozen=True)
class RemoteSettings:
    """The `remote` settings section (env MD_REMOTE_<KEY>)."""

    url: str
    token: str = ""
    records: str = "data"
    field_hardware: str = "hardware_no"
    field_value: str = "value"
    field_time: str = "read_at"
    since_param: str = "since"
    timeout: float = 10.0
    file_encoding: str = "utf-8-sig"

    @classmethod
    def from_settings(cls, settings: Settings) -> RemoteSettings:
        def get(key: str) -> str:
            return settings.get("remote", key).strip()

        try:
            timeout = float(get("timeout") or "10")
        except ValueError:
            raise InvalidInput(f"设置 remote.timeout 应为秒数，收到「{get('timeout')}」") from None
        if timeout <= 0:
            raise DomainError(f"设置 remote.timeout 应大于 0，收到「{get('timeout')}」")
        return cls(
            url=get("url"),
            token=get("token"),
            records=get("records"),
            field_hardware=get("field_hardware") or "hardware_no",
            field_value=get("field_value") or "value",
            field_time=get("field_time") or "read_at",
            since_param=get("since_param"),
            timeout=timeout,
            file_encoding=get("file_encoding") or "utf-8-sig",
        )

    def columns(self, file_format: str = "csv") -> ColumnProfile:
        """The mapping as a column profile, so files and JSON are read by one judge."""
        return ColumnProfile(
            name="远传平台",
            file_format=file_format,
            hardware_column=self.field_hardware,
            reading_column=self.field_value,
            time_column=self.field_time,
            encoding=self.file_encoding,
        )


def fetch_records(remote: RemoteSettings, since: date | None = None) -> list[RawLine]:
    """The platform's records as lines (numbered from 1 in the order it sent them).

    Raises DomainError, saying what went wrong, when the platform cannot be reached, is
    too slow, answers with an HTTP error or with something other than the expected JSON.
    """
    if not remote.url:
        raise DomainError("未设置远传平台地址（remote.url，或环境变量 MD_REMOTE_URL）")
    headers = {"Accept": "application/json"}
    if remote.token:
        headers["Authorization"] = f"Bearer {remote.token}"
    params = {remote.since_param: since.isoformat()} if since and remote.since_param else {}
    nothing = "未写入任何读数，可稍后重试"
    try:
        response = requests.get(remote.url, params=params, headers=headers,
                                timeout=remote.timeout)  # fmt: skip
    except requests.Timeout:
        raise DomainError(
            f"远传平台 {remote.url} 在 {remote.timeout:g} 秒内没有应答，{nothing}"
        ) from None
    except requests.RequestException as exc:
        raise DomainError(f"无法连接远传平台 {remote.url}：{exc}；{nothing}") from None
    if response.status_code >= 400:
        raise DomainError(
            f"远传平台返回 HTTP {response.status_code}"
            f"（{response.reason or ''}）：{response.text[:200]}；{nothing}"
        )
    try:
        body = response.json()
    except ValueError:
        raise DomainError(
            f"远传平台的应答不是 JSON：「{response.text[:200]}」；{nothing}"
        ) from None
    records = body
    if isinstance(body, dict):
        if remote.records not in body:
            raise DomainError(
                f"远传平台的应答中没有记录列表「{remote.records}」（设置 remote.records）；"
                f"应答的字段：{'、'.join(map(str, body)) or '无'}"
            )
        records = body[remote.records]
    if not isinstance(records, list):
        raise DomainError(f"远传平台的记录「{remote.records}」不是列表；{nothing}")
    return [_line(number, record, remote) for number, record in enumerate(records, start=1)]


def _line(number: int, record: Any, remote: RemoteSettings) -> RawLine:
    if not isinstance(record, dict):
        return RawLine(number, {}, f"第 {number} 条记录不是对象：{str(record)[:60]}")
    missing = [
        name
        for name in (remote.field_hardware, remote.field_value, remote.field_time)
        if name not in record
    ]
    if missing:
        return RawLine(number, {}, f"第 {number} 条记录缺少字段 {'、'.join(missing)}")
    cells = {
        HARDWARE: record[remote.field_hardware],
        READING: record[remote.field_value],
        TIME: record[remote.field_time],
    }
    # JSON numbers arrive as float; text keeps the platform's decimals exactly.
    if isinstance(cells[READING], float):
        cells[READING] = repr(cells[READING])
    return RawLine(number, cells)


def pull_remote(
    session: Session,
    actor: Actor,
    remote: RemoteSettings,
    *,
    since: date | None = None,
    dry_run: bool = False,
    now: datetime | None = None,
) -> HandheldImportResult:
    """Fetch the platform's readings (from `since` on, when given) and record them."""
    if not dry_run:
        permissions.require(session, actor, "readings")
    lines = fetch_records(remote, since)
    results = import_lines(
        session, actor, lines, remote.columns(), source=SOURCE, label=LABEL,
        dry_run=dry_run, now=now,
    )  # fmt: skip
    result = HandheldImportResult(remote.url, LABEL, results, dry_run)
    if not dry_run:
        _audit(session, actor, "remote.pull", result, {"since": since and since.isoformat()})
    return result


def import_remote_file(
    session: Session,
    actor: Actor,
    path: str | Path,
    remote: RemoteSettings,
    *,
    dry_run: bool = False,
    now: datetime | None = None,
) -> HandheldImportResult:
    """Import the platform's CSV / Excel export, its columns named as the settings map."""
    if not dry_run:
        permissions.require(session, actor, "readings")
    path = Path(path)
    file_format = FILE_FORMATS.get(path.suffix.lower())
    if file_format is None:
        raise InvalidInput(f"{path.name}：远传导出文件应为 CSV 或 Excel（.csv/.xlsx/.xls）")
    try:
        lines = read_table(path, remote.columns(file_format))
    except HandheldError as exc:
        raise DomainError(str(exc)) from exc
    results = import_lines(
        session, actor, lines, remote.columns(file_format), source=SOURCE, label=LABEL,
        dry_run=dry_run, now=now,
    )  # fmt: skip
    result = HandheldImportResult(path.name, LABEL, results, dry_run)
    if not dry_run:
        _audit(session, actor, "remote.import", result, {"file": path.name})
    return result


def _audit(
    session: Session, actor: Actor, action: str, result: HandheldImportResult, extra: dict[str, Any]
) -> None:
    audit.record(
        session,
        actor,
        action,
        "reading",
        None,
        {
            "source": result.file_name,
            **extra,
            "lines": len(result.lines),
            "counts": result.counts,
        },
    )
