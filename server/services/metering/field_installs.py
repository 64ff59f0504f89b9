"""新装换装: field staff report a new installation or a replacement on site; the desk
confirms it, which registers or replaces the meter through the metering service (so its
rules hold), or rejects it with a reason.

A report keeps what was seen on site (numbers, readings, photos) and is never edited; only
its decision changes. A confirmation the metering rules refuse leaves the report pending
with the refusal shown at the desk, so it can be rejected or confirmed once resolved.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.orm import Session, aliased

from server.db.models import Account, Building, Campus, Meter, Staff
from server.db.models.field_installs import (
    INSTALL_CONFIRMED,
    INSTALL_NEW,
    INSTALL_PENDING,
    INSTALL_REJECTED,
    INSTALL_REPLACE,
    FieldInstall,
)
from server.db.models.metering import KINDS, METER_ACTIVE
from server.services.accounts.accounts import account_by_no
from server.services.core import audit, permissions
from server.services.core.audit import Actor
from server.services.core.calendar import BUSINESS_TZ, now
from server.services.core.errors import Conflict, DomainError, InvalidInput, NotFound
from server.services.core.photos import store_photo
from server.services.metering import readings
from server.services.metering.ingest import (
    check_reading_value,
    judge_reading,
    latest_accepted_before,
)
from server.services.metering.meter_picker import KIND_LABELS
from server.services.metering.readings import METER_STATUS_LABELS, MeterSpec, as_decimal
from server.services.metering.usage_rules import HOLDING_FLAGS, describe_flags

INSTALL_KIND_LABELS = {INSTALL_NEW: "新装", INSTALL_REPLACE: "换表"}
INSTALL_STATUS_LABELS = {
    INSTALL_PENDING: "待确认",
    INSTALL_CONFIRMED: "已确认",
    INSTALL_REJECTED: "已驳回",
}
_TEXT_MAX = 200


@dataclass(frozen=True)
class InstallSpec:
    """What the field form gives, as typed; photos as uploaded (re-encoded when stored).

    A replacement's new meter takes the old one's kind when `new_kind` is empty, and its
    account and place on confirmation; a new installation names an account or a building.
    """

    kind: str
    new_meter_no: str
    digits: int | str
    new_initial: Decimal | str
    new_photo: bytes
    new_kind: str = ""
    multiplier: Decimal | str = "1"
    old_meter_no: str = ""
    old_final: Decimal | str = ""
    old_photo: bytes = b""
    account_no: str = ""
    building_id: int | None = None
    location: str = ""
    note: str = ""


@dataclass(frozen=True)
class ReportResult:
    install_id: int
    kind: str
    new_meter_no: str
    # The anomaly rules' remark on the old meter's final reading ("" when normal).
    warning: str


@dataclass(frozen=True)
class PendingInstall:
    install_id: int
    kind: str
    reported_at: datetime
    reported_by: str
    old_meter_no: str
    old_last_value: Decimal | None
    old_final: Decimal | None
    old_photo_id: int | None
    new_meter_no: str
    new_kind: str
    digits: int
    multiplier: Decimal
    new_initial: Decimal
    new_photo_id: int
    account_no: str
    holder_name: str
    place: str
    note: str
    refusal: str

    @property
    def kind_label(self) -> str:
        return INSTALL_KIND_LABELS[self.kind]

    @property
    def new_kind_label(self) -> str:
        return KIND_LABELS.get(self.new_kind, self.new_kind)


@dataclass(frozen=True)
class ConfirmOutcome:
    """`confirmed` False: the metering rules refused, and `message` says why."""

    install_id: int
    confirmed: bool
    message: str
    meter_id: int | None = None
    replacement_id: int | None = None


def _reading_figure(value: Decimal | str, what: str, digits: int) -> Decimal:
    if not str(value).strip():
        raise InvalidInput(f"请填写{what}")
    return check_reading_value(as_decimal(value, what), digits, what)


def _digits(value: int | str) -> int:
    try:
        digits = int(str(value).strip())
    except ValueError as exc:
        raise InvalidInput(f"新表位数应为 1–12 的整数，收到「{value}」") from exc
    if not 1 <= digits <= 12:
        raise DomainError(f"新表位数应在 1–12 之间，收到 {digits}")
    return digits


def _check_new_number_free(session: Session, meter_no: str) -> None:
    if not meter_no:
        raise InvalidInput("请填写新表表号")
    if len(meter_no) > 32:
        raise DomainError(f"新表表号 {meter_no} 超过 32 个字符")
    if session.scalar(select(Meter.id).where(Meter.meter_no == meter_no)):
        raise Conflict(f"新表表号 {meter_no} 已登记在册")
    if session.scalar(
        select(FieldInstall.id).where(
            FieldInstall.new_meter_no == meter_no, FieldInstall.status == INSTALL_PENDING
        )
    ):
        raise Conflict(f"新表表号 {meter_no} 已有待确认的上报")


def report_install(session: Session, actor: Actor, spec: InstallSpec) -> ReportResult:
    """Record a 新装 or 换表 seen on site; nothing in the registry changes until confirmed."""
    permissions.require(session, actor, "readings")
    if spec.kind not in INSTALL_KIND_LABELS:
        raise InvalidInput(f"上报类型应为新装或换表，收到「{spec.kind}」")
    for text, what in ((spec.location, "位置"), (spec.note, "备注")):
        if len(text.strip()) > _TEXT_MAX:
            raise DomainError(f"{what}最多 {_TEXT_MAX} 字")
    new_no = spec.new_meter_no.strip()
    old: Meter | None = None
    old_final: Decimal | None = None
    warning = ""
    if spec.kind == INSTALL_REPLACE:
        if not spec.old_meter_no.strip():
            raise InvalidInput("请填写旧表表号")
        # Locked so two reports of one meter's replacement cannot both pass the check below.
        old = readings.meter_by_no(session, spec.old_meter_no, lock=True)
        if old.status != METER_ACTIVE:
            raise DomainError(f"旧表 {old.meter_no} {METER_STATUS_LABELS[old.status]}，不能换表")
        if session.scalar(
            select(FieldInstall.id).where(
                FieldInstall.old_meter_id == old.id, FieldInstall.status == INSTALL_PENDING
            )
        ):
            raise Conflict(f"旧表 {old.meter_no} 已有待确认的换表上报")
        old_final = _reading_figure(spec.old_final, f"旧表 {old.meter_no} 止码", old.digits)
        if not spec.old_photo:
            raise DomainError("请拍摄旧表表盘照片")
    new_kind = spec.new_kind or (old.kind if old else "")
    if new_kind not in KINDS:
        raise InvalidInput(f"新表类型应为水表或电表，收到「{new_kind}」")
    if old is not None and new_kind != old.kind:
        raise DomainError(
            f"新表类型（{KIND_LABELS[new_kind]}）与旧表 {old.meter_no}"
            f"（{KIND_LABELS[old.kind]}）不同"
        )
    _check_new_number_free(session, new_no)
    digits = _digits(spec.digits)
    multiplier = as_decimal(spec.multiplier, "新表倍率")
    if multiplier <= 0:
        raise DomainError(f"新表倍率必须大于 0，收到 {multiplier}")
    new_initial = _reading_figure(spec.new_initial, "新表起码", digits)
    if not spec.new_photo:
        raise DomainError("请拍摄新表表盘照片")
    account_id = None
    if spec.kind == INSTALL_NEW:
        if spec.account_no.strip():
            account_id = account_by_no(session, spec.account_no).id
        if spec.building_id is not None and session.get(Building, spec.building_id) is None:
            raise NotFound(f"楼宇 {spec.building_id} 不存在")
        if account_id is None and spec.building_id is None:
            raise InvalidInput("新装须填写户号或选择楼宇")
    moment = now()
    if old is not None and old_final is not None:
        # The same judgement the confirmation's closing reading gets, told on site now.
        judged = judge_reading(session, old.id, old.digits, old.multiplier, old_final, moment)
        previous = judged.previous
        if previous is not None and HOLDING_FLAGS & set(judged.assessment.flags):
            raise DomainError(
                f"旧表 {old.meter_no} 止码 {old_final} 低于上次读数 {previous.value}，请核对"
            )
        warning = describe_flags(judged.assessment.flags)
    old_photo_id = store_photo(session, spec.old_photo, "旧表照片").photo_id if old else None
    new_photo_id = store_photo(session, spec.new_photo, "新表照片").photo_id
    report = FieldInstall(
        kind=spec.kind,
        old_meter_id=old.id if old else None,
        old_final=old_final,
        old_photo_id=old_photo_id,
        new_meter_no=new_no,
        new_kind=new_kind,
        digits=digits,
        multiplier=multiplier,
        new_initial=new_initial,
        new_photo_id=new_photo_id,
        building_id=spec.building_id if spec.kind == INSTALL_NEW else None,
        location=spec.location.strip(),
        account_id=account_id,
        note=spec.note.strip(),
        reported_by_id=actor.staff_id,
        reported_actor=actor.label,
        reported_at=moment,
        status=INSTALL_PENDING,
        refusal="",
        reason="",
    )
    session.add(report)
    session.flush()
    audit.record(
        session, actor, "field_install.report", "field_install", report.id,
        {"kind": spec.kind, "old": old.meter_no if old else None, "new": new_no,
         "old_final": None if old_final is None else str(old_final),
         "new_initial": str(new_initial)},
    )  # fmt: skip
    return ReportResult(report.id, spec.kind, new_no, warning)


def pending_installs(session: Session) -> list[PendingInstall]:
    """Reports waiting for the desk, oldest first, with what confirming them needs."""
    old = aliased(Meter)
    rows = session.execute(
        select(FieldInstall, old.meter_no, old.location, Staff.name, Account.account_no,
               Account.holder_name, Campus.name, Building.name)
        .outerjoin(old, old.id == FieldInstall.old_meter_id)
        .outerjoin(Staff, Staff.id == FieldInstall.reported_by_id)
        # A replacement's new meter takes over the old one's account and place.
        .outerjoin(
            Account, Account.id == func.coalesce(FieldInstall.account_id, old.account_id)
        )
        .outerjoin(
            Building, Building.id == func.coalesce(FieldInstall.building_id, old.building_id)
        )
        .outerjoin(Campus, Campus.id == Building.campus_id)
        .where(FieldInstall.status == INSTALL_PENDING)
        .order_by(FieldInstall.reported_at, FieldInstall.id)
    ).all()  # fmt: skip
    result = []
    for report, old_no, old_place, staff_name, account_no, holder, campus, building in rows:
        last = (
            latest_accepted_before(session, report.old_meter_id, report.reported_at)
            if report.old_meter_id
            else None
        )
        spot = report.location or old_place or ""
        place = " ".join(p for p in (campus, building, spot) if p)
        result.append(
            PendingInstall(
                install_id=report.id,
                kind=report.kind,
                reported_at=report.reported_at,
                reported_by=staff_name or report.reported_actor,
                old_meter_no=old_no or "",
                old_last_value=last.value if last else None,
                old_final=report.old_final,
                old_photo_id=report.old_photo_id,
                new_meter_no=report.new_meter_no,
                new_kind=report.new_kind,
                digits=report.digits,
                multiplier=report.multiplier,
                new_initial=report.new_initial,
                new_photo_id=report.new_photo_id,
                account_no=account_no or "",
                holder_name=holder or "",
                place=place,
                note=report.note,
                refusal=report.refusal,
            )
        )
    return result


def _pending(session: Session, install_id: int) -> FieldInstall:
    report = session.get(FieldInstall, install_id, with_for_update=True)
    if report is None:
        raise NotFound(f"新装换装上报 {install_id} 不存在")
    if report.status != INSTALL_PENDING:
        raise DomainError(
            f"新装换装上报 {install_id} {INSTALL_STATUS_LABELS[report.status]}，不能再处理"
        )
    return report


def _apply(session: Session, actor: Actor, report: FieldInstall) -> tuple[int, int | None]:
    """Register or replace the meter as reported; (new meter id, replacement id)."""
    spec = MeterSpec(
        meter_no=report.new_meter_no,
        kind=report.new_kind,
        digits=report.digits,
        multiplier=report.multiplier,
        location=report.location,
        account_id=report.account_id,
        building_id=report.building_id,
        installed_on=report.reported_at.astimezone(BUSINESS_TZ).date(),
    )
    if report.kind == INSTALL_REPLACE:
        old = session.get(Meter, report.old_meter_id)
        assert old is not None and report.old_final is not None
        replaced = readings.replace_meter(
            session, actor, old.meter_no, report.old_final, spec, report.new_initial,
            report.reported_at, note=f"现场换表上报 {report.id}",
        )  # fmt: skip
        new_id = session.scalar(select(Meter.id).where(Meter.meter_no == replaced.new_meter_no))
        assert new_id is not None
        return new_id, replaced.replacement_id
    meter = readings.register_meter(session, actor, spec)
    # The opening figure goes through the reading rules like any other, with its photo.
    readings.record_reading(
        session, actor, meter.meter_no, report.new_initial, report.reported_at, "initial",
        photo_id=report.new_photo_id, note="新装起码",
    )  # fmt: skip
    return meter.id, None


def confirm_install(session: Session, actor: Actor, install_id: int) -> ConfirmOutcome:
    """Confirm a report: the meter is registered or replaced in this transaction. When the
    metering rules refuse, their message is kept on the still-pending report instead."""
    permissions.require(session, actor, "meters")
    report = _pending(session, install_id)
    savepoint = session.begin_nested()
    try:
        meter_id, replacement_id = _apply(session, actor, report)
    except DomainError as exc:
        savepoint.rollback()
        message = str(exc)
        report.refusal = message[:300]
        audit.record(
            session, actor, "field_install.refused", "field_install", install_id,
            {"message": message},
        )  # fmt: skip
        return ConfirmOutcome(install_id, False, message)
    savepoint.commit()
    report.status = INSTALL_CONFIRMED
    report.refusal = ""
    report.decided_by_id = actor.staff_id
    report.decided_at = func.now()
    report.new_meter_id = meter_id
    report.replacement_id = replacement_id
    session.flush()
    audit.record(
        session, actor, "field_install.confirm", "field_install", install_id,
        {"meter_id": meter_id, "replacement_id": replacement_id},
    )  # fmt: skip
    done = "换表" if replacement_id else "新装"
    return ConfirmOutcome(
        install_id, True, f"已确认{done}：{report.new_meter_no}", meter_id, replacement_id
    )


def reject_install(session: Session, actor: Actor, install_id: int, reason: str) -> None:
    permissions.require(session, actor, "meters")
    if not reason.strip():
        raise InvalidInput("驳回新装换装上报须填写原因")
    if len(reason.strip()) > _TEXT_MAX:
        raise DomainError(f"驳回原因最多 {_TEXT_MAX} 字")
    report = _pending(session, install_id)
    report.status = INSTALL_REJECTED
    report.reason = reason.strip()
    report.decided_by_id = actor.staff_id
    report.decided_at = func.now()
    session.flush()
    audit.record(
        session, actor, "field_install.reject", "field_install", install_id,
        {"reason": reason.strip()},
    )  # fmt: skip
