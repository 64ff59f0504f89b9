"""新装换装 reported on site and confirmed or rejected at the desk, on real PostgreSQL."""

from __future__ import annotations

import io
from decimal import Decimal as D

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from PIL import Image
from sqlalchemy import select, text
from sqlalchemy.orm import Session

from server.db.base import Base
from server.db.models import AuditEvent, FieldInstall, Meter, MeterReplacement, Reading
from server.services.core.errors import DomainError, PermissionDenied
from server.services.metering import readings
from server.services.metering.field_installs import (
    InstallSpec,
    confirm_install,
    pending_installs,
    reject_install,
    report_install,
)
from server.services.metering.readings import MeterSpec
from server.services.staff.org import add_staff_with_role
from server.services.staff.sign_in import staff_identity
from tests import factories as f


def photo(colour: tuple[int, int, int]) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (64, 48), colour).save(out, "PNG")
    return out.getvalue()


OLD_DIAL, NEW_DIAL = photo((200, 40, 40)), photo((40, 40, 200))


def replacement(**changes: object) -> InstallSpec:
    """E1 (read 1000 on 2026-09-28) replaced by E2 starting at 5."""
    fields: dict[str, object] = dict(
        kind="replace", new_meter_no="E2", digits=6, new_initial="5", new_photo=NEW_DIAL,
        old_meter_no="E1", old_final="1080", old_photo=OLD_DIAL, multiplier="2",
    )  # fmt: skip
    fields.update(changes)
    return InstallSpec(**fields)  # type: ignore[arg-type]


@pytest.fixture
def e1(session: Session) -> int:
    account_id = f.account(session)
    f.meter(session, "E1", account_id)
    f.read(session, "E1", "2026-09-28", "1000")
    return account_id


def test_a_replacement_waits_then_goes_through_replace_meter(session, e1):
    reported = report_install(session, f.ACTOR, replacement())
    assert reported.warning == ""
    # Nothing changes in the registry until the desk confirms.
    assert session.scalar(select(Meter.status).where(Meter.meter_no == "E1")) == "active"
    assert session.scalar(select(Meter.id).where(Meter.meter_no == "E2")) is None
    [pending] = pending_installs(session)
    assert (pending.kind_label, pending.old_meter_no, pending.new_meter_no) == ("换表", "E1", "E2")
    assert (pending.old_last_value, pending.old_final, pending.new_initial) == (
        D("1000"), D("1080"), D("5"),
    )  # fmt: skip
    assert (pending.new_kind_label, pending.digits, pending.multiplier) == ("电表", 6, D(2))
    assert pending.old_photo_id and pending.new_photo_id
    assert pending.old_photo_id != pending.new_photo_id
    assert pending.account_no == "A001" and pending.holder_name == "张三"

    outcome = confirm_install(session, f.ACTOR, reported.install_id)
    assert outcome.confirmed and outcome.replacement_id
    done = session.get(MeterReplacement, outcome.replacement_id)
    assert (done.old_final, done.new_initial) == (D("1080"), D("5"))
    closing = session.get(Reading, done.old_final_reading_id)
    assert (closing.value, closing.usage, closing.status) == (D("1080"), D("80"), "accepted")
    new = session.get(Meter, outcome.meter_id)
    assert (new.meter_no, new.account_id, new.multiplier, new.status) == ("E2", e1, D(2), "active")
    report = session.get(FieldInstall, reported.install_id)
    assert (report.status, report.new_meter_id) == ("confirmed", new.id)
    assert pending_installs(session) == []
    actions = session.scalars(
        select(AuditEvent.action).where(AuditEvent.entity == "field_install")
    ).all()
    assert sorted(actions) == ["field_install.confirm", "field_install.report"]
    with pytest.raises(DomainError, match="已确认，不能再处理"):
        reject_install(session, f.ACTOR, reported.install_id, "重复")


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"old_photo": b""}, "请拍摄旧表表盘照片"),
        ({"new_photo": b""}, "请拍摄新表表盘照片"),
        ({"old_meter_no": ""}, "请填写旧表表号"),
        ({"old_meter_no": "E9"}, "表号 E9 不存在"),
        ({"old_final": ""}, "请填写旧表 E1 止码"),
        ({"old_final": "abc"}, "旧表 E1 止码 不是数字"),
        ({"old_final": "900"}, "旧表 E1 止码 900.000 低于上次读数 1000.000，请核对"),
        ({"old_final": "1000000"}, "旧表 E1 止码 1000000 超出 6 位表的量程"),
        ({"new_meter_no": "E1"}, "新表表号 E1 已登记在册"),
        ({"new_meter_no": " "}, "请填写新表表号"),
        ({"new_kind": "water"}, "新表类型（水表）与旧表 E1（电表）不同"),
        ({"digits": "13"}, "新表位数应在 1–12 之间，收到 13"),
        ({"digits": "六"}, "新表位数应为 1–12 的整数"),
        ({"multiplier": "0"}, "新表倍率必须大于 0"),
        ({"new_initial": "-1"}, "新表起码不能为负"),
        ({"new_initial": "1.2345"}, "新表起码最多 3 位小数"),
        ({"kind": "move"}, "上报类型应为新装或换表"),
    ],
)
def test_a_report_is_checked_on_site(session, e1, changes, message):
    with pytest.raises(DomainError, match=message):
        report_install(session, f.ACTOR, replacement(**changes))
    assert session.scalar(select(FieldInstall.id)) is None


def test_one_pending_report_per_old_meter_and_per_new_number(session, e1):
    report_install(session, f.ACTOR, replacement())
    with pytest.raises(DomainError, match="旧表 E1 已有待确认的换表上报"):
        report_install(session, f.ACTOR, replacement(new_meter_no="E3"))
    f.meter(session, "E5", e1)
    with pytest.raises(DomainError, match="新表表号 E2 已有待确认的上报"):
        report_install(session, f.ACTOR, replacement(old_meter_no="E5", old_final="3"))


def test_a_new_installation_registers_the_meter_with_its_first_reading(session, e1):
    with pytest.raises(DomainError, match="新装须填写户号或选择楼宇"):
        report_install(
            session, f.ACTOR,
            InstallSpec("new", "W9", 5, "0.5", NEW_DIAL, new_kind="water"),
        )  # fmt: skip
    with pytest.raises(DomainError, match="新表类型应为水表或电表"):
        report_install(session, f.ACTOR, InstallSpec("new", "W9", 5, "0", NEW_DIAL))
    reported = report_install(
        session, f.ACTOR,
        InstallSpec("new", "W9", 5, "0.5", NEW_DIAL, new_kind="water", account_no="A001",
                    location="管道井 2 层", note="新住户"),
    )  # fmt: skip
    [pending] = pending_installs(session)
    assert (pending.kind_label, pending.old_meter_no, pending.old_photo_id) == ("新装", "", None)
    assert pending.place == "管道井 2 层" and pending.note == "新住户"
    outcome = confirm_install(session, f.ACTOR, reported.install_id)
    assert outcome.confirmed and outcome.replacement_id is None
    meter = session.get(Meter, outcome.meter_id)
    assert (meter.meter_no, meter.kind, meter.digits, meter.account_id, meter.location) == (
        "W9", "water", 5, e1, "管道井 2 层",
    )  # fmt: skip
    [first] = session.scalars(select(Reading).where(Reading.meter_id == meter.id))
    assert (first.value, first.source, first.status) == (D("0.5"), "initial", "accepted")
    assert first.photo_id == pending.new_photo_id


def test_a_refused_confirmation_stays_pending_with_the_message_then_is_rejected(session, e1):
    reported = report_install(session, f.ACTOR, replacement())
    # Someone registers E2 at the desk meanwhile: register_meter's rule refuses the confirm.
    readings.register_meter(session, f.ACTOR, MeterSpec("E2", "electricity", 6))
    outcome = confirm_install(session, f.ACTOR, reported.install_id)
    assert (outcome.confirmed, outcome.message) == (False, "表号 E2 已存在")
    [pending] = pending_installs(session)
    assert pending.refusal == "表号 E2 已存在"
    # The savepoint undid the closing reading of E1.
    assert session.scalar(select(Meter.status).where(Meter.meter_no == "E1")) == "active"
    assert session.scalar(select(Reading.id).where(Reading.value == D("1080"))) is None
    with pytest.raises(DomainError, match="驳回新装换装上报须填写原因"):
        reject_install(session, f.ACTOR, reported.install_id, " ")
    reject_install(session, f.ACTOR, reported.install_id, "新表号已被占用，请重新核对")
    report = session.get(FieldInstall, reported.install_id)
    assert (report.status, report.reason) == ("rejected", "新表号已被占用，请重新核对")
    assert pending_installs(session) == []
    with pytest.raises(DomainError, match="已驳回，不能再处理"):
        confirm_install(session, f.ACTOR, reported.install_id)


def test_only_meters_staff_decide_and_reports_are_kept_as_made(session, e1):
    f.branches(session)
    add_staff_with_role(
        session, f.ACTOR, login="qian", name="钱收费", password="Clerk-2026-x",
        role="clerk", branch_code="D",
    )  # fmt: skip
    clerk = staff_identity(session, "qian").actor
    with pytest.raises(PermissionDenied):
        report_install(session, clerk, replacement())
    reported = report_install(session, f.ACTOR, replacement())
    with pytest.raises(PermissionDenied):
        confirm_install(session, clerk, reported.install_id)
    with pytest.raises(PermissionDenied):
        reject_install(session, clerk, reported.install_id, "不对")
    with pytest.raises(Exception, match="append-only"), session.begin_nested():
        session.execute(text("update field_install set old_final = 1 "))


def test_the_migration_matches_the_model(session):
    context = MigrationContext.configure(session.connection())
    diff = [
        d for d in compare_metadata(context, Base.metadata)
        if "field_install" in repr(d)
    ]  # fmt: skip
    assert diff == []
