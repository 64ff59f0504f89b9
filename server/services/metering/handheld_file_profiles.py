"""Column profiles of handheld terminals' export files (掌上机导入方案): list, create, edit.

Profiles are rows in the database so every counter and office PC reads a terminal's file
the same way. The built-in ones (migration 0006) are not edited: a person copies one under
a new name and changes the copy, so the documented layouts always stay at hand.
"""

from __future__ import annotations

import codecs
from dataclasses import dataclass, fields
from datetime import datetime

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from devices.handheld import FILE_FORMATS, ColumnProfile
from server.db.models.handheld import HandheldProfile
from server.services.core import audit, permissions
from server.services.core.audit import Actor
from server.services.core.errors import Conflict, DomainError, NotFound

FILE_FORMAT_LABELS = {
    "dbf": "DBF（dBase / FoxPro）",
    "csv": "CSV（逗号分隔）",
    "txt": "TXT（分隔符文本）",
    "xls": "XLS（Excel 97–2003）",
    "xlsx": "XLSX（Excel）",
}


@dataclass(frozen=True)
class ProfileSpec(ColumnProfile):
    """What a person edits in the profile editor: the column profile and a note."""

    note: str = ""

    def column_profile(self) -> ColumnProfile:
        values = {f.name: getattr(self, f.name) for f in fields(ColumnProfile)}
        return ColumnProfile(**values)


@dataclass(frozen=True)
class ProfileInfo:
    """A stored profile: its id, whether it is built in or retired, and its spec."""

    id: int
    builtin: bool
    active: bool
    updated_at: datetime
    spec: ProfileSpec

    @property
    def name(self) -> str:
        return self.spec.name

    @property
    def column_profile(self) -> ColumnProfile:
        return self.spec.column_profile()


_SPEC_FIELDS = tuple(f.name for f in fields(ProfileSpec))
_LIST_FIELDS = ("status_ok", "status_unread", "status_failed")
_OPTIONAL_COLUMNS = ("status_column", "meter_no_column", "location_column", "previous_column")


def _info(row: HandheldProfile) -> ProfileInfo:
    values = {name: getattr(row, name) for name in _SPEC_FIELDS}
    for name in _LIST_FIELDS:
        values[name] = tuple(values[name])
    return ProfileInfo(row.id, row.builtin, row.active, row.updated_at, ProfileSpec(**values))


def _clean(spec: ProfileSpec) -> ProfileSpec:
    values = {name: getattr(spec, name) for name in _SPEC_FIELDS}
    for name, value in values.items():
        if isinstance(value, str) and name != "delimiter":
            values[name] = value.strip()
    for name in _OPTIONAL_COLUMNS:
        values[name] = values[name] or None
    for name in _LIST_FIELDS:
        values[name] = tuple(dict.fromkeys(v.strip() for v in values[name] if v.strip()))
    values["file_format"] = values["file_format"].lower()
    return ProfileSpec(**values)


def validate_profile(spec: ProfileSpec) -> ProfileSpec:
    """The spec cleaned (spaces, empty optional columns), or DomainError saying what is wrong."""
    spec = _clean(spec)
    problems: list[str] = []
    if not spec.name or len(spec.name) > 60:
        problems.append("方案名称应为 1–60 个字")
    if spec.file_format not in FILE_FORMATS:
        problems.append(f"文件格式应为 {'、'.join(FILE_FORMATS)} 之一，收到「{spec.file_format}」")
    try:
        codecs.lookup(spec.encoding)
    except LookupError:
        problems.append(f"编码「{spec.encoding}」无效（常用：gbk、utf-8、utf-8-sig）")
    if spec.file_format in ("csv", "txt") and not spec.delimiter:
        problems.append("CSV/TXT 须指定分隔符")
    if len(spec.delimiter) > 4:
        problems.append("分隔符最长 4 个字符")
    if spec.header_row < 1:
        problems.append("列名行应从 1 开始")
    columns = {
        "表号列": spec.hardware_column,
        "读数列": spec.reading_column,
        "抄表时间列": spec.time_column,
        "状态列": spec.status_column,
        "户表号列": spec.meter_no_column,
        "位置列": spec.location_column,
        "上次读数列": spec.previous_column,
    }
    for label, column in columns.items():
        if column is None:
            continue
        if not column and label in ("表号列", "读数列", "抄表时间列"):
            problems.append(f"{label}不能为空")
        elif len(column) > 40:
            problems.append(f"{label}「{column}」超过 40 个字")
        elif spec.file_format == "dbf" and (
            not column.isascii() or len(column.encode()) > 10 or " " in column
        ):
            problems.append(f"DBF 字段名最多 10 个英文字母或数字：{label}「{column}」")
    named = [c.upper() for c in columns.values() if c]
    repeated = sorted({c for c in named if named.count(c) > 1})
    if repeated:
        problems.append(f"同一列不能有两种用途：{'、'.join(repeated)}")
    if spec.status_column and not spec.status_ok:
        problems.append("有状态列时须填写“正常”状态的取值")
    seen: dict[str, str] = {}
    for label, values in (
        ("正常", spec.status_ok),
        ("未抄", spec.status_unread),
        ("失败", spec.status_failed),
    ):
        for value in values:
            if value in seen:
                problems.append(f"状态取值「{value}」同时属于“{seen[value]}”和“{label}”")
            seen[value] = label
    if spec.time_format:
        try:
            datetime(2026, 1, 2, 3, 4, 5).strftime(spec.time_format)
        except ValueError:
            problems.append(f"时间格式「{spec.time_format}」无效（例：%Y-%m-%d %H:%M:%S）")
        if "%" not in spec.time_format:
            problems.append(f"时间格式「{spec.time_format}」无效（例：%Y-%m-%d %H:%M:%S）")
    if len(spec.note) > 200:
        problems.append("备注最多 200 个字")
    if problems:
        raise DomainError(f"导入方案「{spec.name}」：" + "；".join(problems))
    return spec


def list_profiles(session: Session, *, include_inactive: bool = False) -> list[ProfileInfo]:
    """Profiles for a picker: built-in first, then by name."""
    query = select(HandheldProfile).order_by(HandheldProfile.builtin.desc(), HandheldProfile.name)
    if not include_inactive:
        query = query.where(HandheldProfile.active)
    return [_info(row) for row in session.scalars(query)]


def _row(session: Session, key: str | int, *, lock: bool = False) -> HandheldProfile:
    if isinstance(key, int) or (isinstance(key, str) and key.strip().isdigit()):
        condition = or_(HandheldProfile.id == int(key), HandheldProfile.name == str(key))
    else:
        condition = func.lower(HandheldProfile.name) == key.strip().lower()
    query = select(HandheldProfile).where(condition)
    if lock:
        query = query.with_for_update()
    row = session.scalar(query)
    if row is None:
        names = "、".join(p.name for p in list_profiles(session)) or "无"
        raise NotFound(f"导入方案 {key} 不存在；现有方案：{names}")
    return row


def get_profile(session: Session, key: str | int) -> ProfileInfo:
    """A profile by id or by name (case-insensitive)."""
    return _info(_row(session, key))


def _name_taken(session: Session, name: str, other_than: int | None = None) -> bool:
    query = select(HandheldProfile.id).where(func.lower(HandheldProfile.name) == name.lower())
    if other_than is not None:
        query = query.where(HandheldProfile.id != other_than)
    return session.scalar(query) is not None


def create_profile(session: Session, actor: Actor, spec: ProfileSpec) -> ProfileInfo:
    # Profiles decide how readings are read in, so they belong to 抄表 (readings).
    permissions.require(session, actor, "readings")
    spec = validate_profile(spec)
    if _name_taken(session, spec.name):
        raise Conflict(f"导入方案「{spec.name}」已存在")
    row = HandheldProfile(
        **{
            name: list(getattr(spec, name)) if name in _LIST_FIELDS else getattr(spec, name)
            for name in _SPEC_FIELDS
        },
        builtin=False,
        active=True,
        staff_id=actor.staff_id,
    )
    session.add(row)
    session.flush()
    audit.record(
        session, actor, "handheld_profile.create", "handheld_profile", row.id, {"name": spec.name}
    )
    session.refresh(row)
    return _info(row)


def update_profile(
    session: Session, actor: Actor, key: str | int, spec: ProfileSpec, *, active: bool = True
) -> ProfileInfo:
    """Replace a profile's settings (and retire it with active=False); built-ins refuse."""
    permissions.require(session, actor, "readings")
    row = _row(session, key, lock=True)
    if row.builtin:
        raise DomainError(f"内置方案「{row.name}」不能修改，请另存为新方案后修改")
    spec = validate_profile(spec)
    if _name_taken(session, spec.name, other_than=row.id):
        raise Conflict(f"导入方案「{spec.name}」已存在")
    before = _info(row).spec
    for name in _SPEC_FIELDS:
        value = getattr(spec, name)
        setattr(row, name, list(value) if name in _LIST_FIELDS else value)
    row.active = active
    row.updated_at = func.now()
    session.flush()
    changed = {
        n: str(getattr(spec, n)) for n in _SPEC_FIELDS if getattr(before, n) != getattr(spec, n)
    }
    audit.record(
        session,
        actor,
        "handheld_profile.update",
        "handheld_profile",
        row.id,
        {"name": spec.name, "active": active, "changed": changed},
    )
    session.refresh(row)
    return _info(row)


def copy_profile(session: Session, actor: Actor, key: str | int, new_name: str) -> ProfileInfo:
    """A new, editable profile with the settings of `key` (how a built-in is changed)."""
    source = get_profile(session, key).spec
    values = {name: getattr(source, name) for name in _SPEC_FIELDS}
    return create_profile(session, actor, ProfileSpec(**{**values, "name": new_name}))
