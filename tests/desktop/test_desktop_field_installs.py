"""新装换装 at the desk, driven for real: two replacements reported from the field with
their photos; one confirmed (the DB holds the MeterReplacement with its readings), one
refused by the metering rules then rejected with a reason."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal as D

import pytest
from sqlalchemy import create_engine, select

from desktop.app import ensure_application
from desktop.service_page import ServicePage
from desktop.tasks import TaskRunner
from server.db.engine import make_engine, make_sessionmaker, unit_of_work
from server.db.models import FieldInstall, Meter, MeterReplacement, Reading
from server.services.metering import readings as metering
from server.services.metering.field_installs import report_install
from server.services.metering.readings import MeterSpec
from server.services.staff.org import add_staff_with_role
from server.services.staff.sign_in import staff_identity
from tests import factories as f
from tests.desktop.test_desktop_service import WAIT_MS, rows
from tests.metering.test_field_installs import replacement


@pytest.fixture
def desk(fresh_database_url: str):
    """A manager; E1 (read 1000) reported replaced by E2 at 5 (final 1080), and W1 (read
    40) reported replaced by W2 (final 52), W2 then registered at the desk directly."""
    engine = create_engine(fresh_database_url)
    with unit_of_work(make_sessionmaker(engine)) as session:
        f.branches(session)
        add_staff_with_role(
            session, f.ACTOR, login="zhao", name="赵经理", password="Manager-2026",
            role="manager", branch_code="D",
        )  # fmt: skip
        account_id = f.account(session)
        f.meter(session, "E1", account_id)
        f.read(session, "E1", "2026-09-28", "1000")
        f.meter(session, "W1", account_id, kind="water", digits=5)
        f.read(session, "W1", "2026-09-28", "40")
        report_install(session, f.ACTOR, replacement())
        report_install(
            session, f.ACTOR,
            replacement(old_meter_no="W1", old_final="52", new_meter_no="W2", digits=5,
                        new_initial="0", multiplier="1"),
        )  # fmt: skip
        metering.register_meter(session, f.ACTOR, MeterSpec("W2", "water", 5))
        manager = staff_identity(session, "zhao")
    engine.dispose()
    return manager


@pytest.fixture
def page(qtbot, desk, fresh_database_url: str) -> Iterator[ServicePage]:
    ensure_application("zh_CN")
    engine = make_engine(fresh_database_url)
    runner = TaskRunner(make_sessionmaker(engine))
    service = ServicePage(desk, runner)
    qtbot.addWidget(service)
    qtbot.waitUntil(lambda: service.queues is not None, timeout=WAIT_MS)
    yield service
    runner.shutdown()
    engine.dispose()


def test_replacements_are_confirmed_or_rejected_at_the_desk(qtbot, page, fresh_database_url):
    table = page.installs_table
    assert page.tabs.tabText(3) == "新装换装 (2)"
    assert table.row_count() == 2
    by_old = {table.text_at(r, 3): r for r in range(2)}
    e1 = by_old["E1"]
    assert [table.text_at(e1, c) for c in (1, 4, 5, 6, 7, 10)] == [
        "换表", "1000", "1080", "E2", "电表", "5",
    ]  # fmt: skip
    # Both dials of the selected report are shown.
    table.selectRow(e1)
    qtbot.waitUntil(
        lambda: not page.old_photo.pixmap().isNull() and not page.new_photo.pixmap().isNull(),
        timeout=WAIT_MS,
    )
    with qtbot.waitSignal(page.loaded, timeout=WAIT_MS):
        page.confirm_selected()
    assert page.installs_table.row_count() == 1
    [(old_final, new_initial, closing_id, opening_id)] = rows(
        fresh_database_url,
        select(
            MeterReplacement.old_final, MeterReplacement.new_initial,
            MeterReplacement.old_final_reading_id, MeterReplacement.new_initial_reading_id,
        ),
    )  # fmt: skip
    assert (old_final, new_initial) == (D("1080"), D("5"))
    readings = dict(
        rows(fresh_database_url, select(Reading.id, Reading.usage).where(
            Reading.id.in_([closing_id, opening_id])
        ))
    )  # fmt: skip
    # 1080 − 1000 on the old meter's last bill; the new meter starts from 5.
    assert readings == {closing_id: D("80"), opening_id: None}
    statuses = dict(rows(fresh_database_url, select(Meter.meter_no, Meter.status)))
    assert (statuses["E1"], statuses["E2"]) == ("replaced", "active")

    # W2 is already registered: the rules refuse, the report stays with their message.
    w1 = page.queues.installs[0].install_id
    with qtbot.waitSignal(page.refused, timeout=WAIT_MS) as refused:
        page.confirm(w1)
    assert refused.args == ["表号 W2 已存在"]
    qtbot.waitUntil(lambda: page.installs_table.text_at(0, 14) == "表号 W2 已存在", timeout=WAIT_MS)
    with qtbot.waitSignal(page.loaded, timeout=WAIT_MS):
        page.reject_install(w1, "W2 已在册，请现场核对表号")
    assert page.installs_table.row_count() == 0
    assert page.tabs.tabText(3) == "新装换装 (0)"
    decided = dict(rows(fresh_database_url, select(FieldInstall.new_meter_no, FieldInstall.status)))
    assert decided == {"E2": "confirmed", "W2": "rejected"}
    assert statuses["W1"] == "active"
