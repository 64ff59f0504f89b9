"""总分表 editing: set_parent (same kind, no cycle, audited, permission-checked) and the
legacy workbook's optional 上级表号 column in 表计."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, aliased

from server.db.models import AuditEvent, Meter
from server.services.core.errors import DomainError, NotFound, PermissionDenied
from server.services.legacy.workbook import LegacyImportError, import_legacy
from server.services.metering.meter_registry import list_meters, meter_row, set_parent
from server.services.staff import org
from server.services.staff.sign_in import staff_identity
from tests import factories as f
from tests.desktop.test_desktop_meters import WAIT_MS, page, world  # noqa: F401 (fixtures)
from tests.legacy.test_legacy_import import (
    ACCOUNT_HEADER,
    READING_HEADER,
    TARIFF_HEADER,
    write_book,
)


def parents(session: Session) -> dict[str, str | None]:
    parent = aliased(Meter)
    rows = session.execute(
        select(Meter.meter_no, parent.meter_no)
        .outerjoin(parent, parent.id == Meter.parent_id)
        .order_by(Meter.meter_no)
    )
    return {meter_no: parent_no for meter_no, parent_no in rows}


@pytest.fixture
def meters(session: Session) -> None:
    """Master M0 (electricity, no account), subs E1, E2 on A001, water W1."""
    a = f.account(session, "A001")
    f.meter(session, "M0", None)
    f.meter(session, "M00", None)
    f.meter(session, "E1", a)
    f.meter(session, "E2", a)
    f.meter(session, "W1", a, kind="water", digits=5)


def test_set_clear_and_audit(session, meters):
    row = set_parent(session, f.ACTOR, "E1", "M0")
    assert row.parent_no == "M0"
    set_parent(session, f.ACTOR, "E2", " M0 ")
    set_parent(session, f.ACTOR, "M0", "M00")  # a floor master under the building's
    assert parents(session) == {"E1": "M0", "E2": "M0", "M0": "M00", "M00": None, "W1": None}
    assert meter_row(session, "M0").parent_no == "M00"
    assert {r.meter_no: r.parent_no for r in list_meters(session).rows}["E2"] == "M0"
    # Setting the same parent again writes no audit event.
    set_parent(session, f.ACTOR, "E1", "M0")
    assert set_parent(session, f.ACTOR, "E1", "").parent_no == ""
    events = session.scalars(
        select(AuditEvent).where(AuditEvent.action == "meter.parent").order_by(AuditEvent.id)
    ).all()
    assert [(e.data["meter_no"], e.data["before"], e.data["after"]) for e in events] == [
        ("E1", {"parent_no": ""}, {"parent_no": "M0"}),
        ("E2", {"parent_no": ""}, {"parent_no": "M0"}),
        ("M0", {"parent_no": ""}, {"parent_no": "M00"}),
        ("E1", {"parent_no": "M0"}, {"parent_no": ""}),
    ]


def test_refusals(session, meters):
    set_parent(session, f.ACTOR, "E1", "M0")
    set_parent(session, f.ACTOR, "M0", "M00")
    with pytest.raises(DomainError, match=r"^上级表 W1 是水表，表计 E2 是电表：总分表须同类$"):
        set_parent(session, f.ACTOR, "E2", "W1")
    with pytest.raises(DomainError, match=r"^上级表号 E1 会形成循环：M00 → E1 → M0 → M00$"):
        set_parent(session, f.ACTOR, "M00", "E1")
    with pytest.raises(DomainError, match=r"^表计 E1 不能做自己的上级表$"):
        set_parent(session, f.ACTOR, "E1", "E1")
    with pytest.raises(NotFound, match=r"^表号 Z9 不存在$"):
        set_parent(session, f.ACTOR, "E1", "Z9")
    assert parents(session)["M00"] is None and parents(session)["E2"] is None


def test_a_clerk_may_not(session, meters):
    campus = org.ensure_campus(session, "东校区")
    org.create_staff(
        session, f.ACTOR, login="clerk1", name="张三", password="Dianfei-2026",
        department=org.ensure_department(session, "SF", "收费科"),
        post=org.ensure_post(session, "clerk", "收费员"),
        branch=org.ensure_branch(session, campus, "E01", "东区分中心"),
    )  # fmt: skip
    clerk = staff_identity(session, "clerk1").actor
    with pytest.raises(PermissionDenied, match="表计管理"):
        set_parent(session, clerk, "E1", "M0")
    assert parents(session)["E1"] is None


METER_HEADER = ["表号", "户号", "类型", "位数", "上级表号"]


def book(tmp_path, meters: list[list[object]]):
    return write_book(
        tmp_path / "old.xlsx",
        {
            "户号": [
                ACCOUNT_HEADER,
                ["A001", "张三", "居民", "东校区", "1号楼", "2", "301", None, "后收费", None],
            ],
            "表计": [METER_HEADER, *meters],
            "价格": [TARIFF_HEADER],
            "读数": [READING_HEADER],
        },
    )


def test_legacy_sheet_parents_in_the_sheet_and_the_database(session, tmp_path):
    f.meter(session, "DB0", None)
    path = book(
        tmp_path,
        [
            ["S1", "A001", "电", 6, "BM"],  # its master is further down the sheet
            ["S2", "A001", "电", 6, "BM"],
            ["BM", None, "电", 6, "DB0"],  # under a meter already in the database
            ["S3", "A001", "水", 5, None],
        ],
    )
    report = import_legacy(session, f.ACTOR, path)
    assert report.meters.added == 4
    assert parents(session) == {"BM": "DB0", "DB0": None, "S1": "BM", "S2": "BM", "S3": None}
    # Again: nothing added, parents unchanged.
    assert import_legacy(session, f.ACTOR, path).meters.added == 0
    assert parents(session)["S1"] == "BM"


def test_legacy_sheet_parent_problems(session, tmp_path):
    f.meter(session, "DBW", None, kind="water", digits=5)
    path = book(
        tmp_path,
        [
            ["S1", "A001", "电", 6, "S1"],
            ["S2", "A001", "电", 6, "NOPE"],
            ["S3", "A001", "电", 6, "DBW"],
            ["C1", None, "电", 6, "C2"],
            ["C2", None, "电", 6, "C1"],
        ],
    )
    with pytest.raises(LegacyImportError) as caught:
        import_legacy(session, f.ACTOR, path)
    assert caught.value.problems == [
        "表计!2: 上级表号 S1 不能是本表",
        "表计!3: 上级表号 NOPE 不存在",
        "表计!4: 上级表号 DBW 是水表，本表是电表：总分表须同类",
        "表计!5: 上级表号 C2 形成循环：C1 → C2 → C1",
        "表计!6: 上级表号 C1 形成循环：C2 → C1 → C2",
    ]
    assert session.scalar(select(Meter.id).where(Meter.meter_no == "C1")) is None


def test_the_meters_page_edits_the_master_meter(qtbot, page, monkeypatch):  # noqa: F811
    """M-2 (西校区 2号楼) becomes M-1's master through the dialog; W-1 under M-1 is refused."""
    from PySide6.QtWidgets import QDialogButtonBox, QMessageBox

    assert page.table.text_at(0, 14) == ""
    assert page.select_meter("M-1")
    page.ask_parent()
    dialog = page.dialog
    ok = dialog.buttons.button(QDialogButtonBox.StandardButton.Ok)
    qtbot.keyClicks(dialog.edit, "M-1")
    assert "not the meter itself" in dialog.hint.text() and not ok.isEnabled()
    dialog.edit.setText("M-2")
    assert ok.isEnabled()
    with qtbot.waitSignal(page.saved, timeout=WAIT_MS) as saved:
        ok.click()
    assert saved.args[0].parent_no == "M-2"
    qtbot.waitUntil(lambda: page.table.text_at(0, 14) == "M-2", timeout=WAIT_MS)

    warnings: list[str] = []
    monkeypatch.setattr(QMessageBox, "warning", lambda *args: warnings.append(args[2]))
    with qtbot.waitSignal(page.refused, timeout=WAIT_MS) as refused:
        page.set_parent("W-1", "M-1")
    assert refused.args[0] == "上级表 M-1 是电表，表计 W-1 是水表：总分表须同类"
    assert warnings == [refused.args[0]]
