"""The readings page's 未抄表计清单 with meters billed on estimates (pytest-qt, offscreen,
real PostgreSQL): the meter at the estimate limit first, its 估抄 cell drawn as an alert, and
the status line counting the visits. The bills are tests.reports.test_unread_estimates'."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from sqlalchemy import create_engine

from desktop.app import ensure_application
from desktop.readings_page import ReadingsPage
from desktop.widgets import ALERT
from server.db.engine import make_sessionmaker, unit_of_work
from server.services.staff.sign_in import staff_identity
from tests.desktop_support import CLERK_LOGIN, page_runner, seed_staff
from tests.reports.test_unread_estimates import estimating_world

WAIT_MS = 10_000


def test_meters_to_visit_come_first_and_stand_out(
    qtbot, fresh_database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    # No settings file: billing.estimate_limit is its default, 2.
    monkeypatch.setenv("MD_HOME", str(tmp_path / "md_home"))
    seed_staff(fresh_database_url)
    engine = create_engine(fresh_database_url)
    try:
        with unit_of_work(make_sessionmaker(engine)) as session:
            estimating_world(session)
            clerk = staff_identity(session, CLERK_LOGIN)
    finally:
        engine.dispose()
    ensure_application("en")
    with page_runner(fresh_database_url, tmp_path) as (runner, preferences):
        page = ReadingsPage(clerk, runner, preferences=preferences)
        qtbot.addWidget(page)
        with qtbot.waitSignal(page.loaded, timeout=WAIT_MS):
            page.show()
        with qtbot.waitSignal(page.unread_loaded, timeout=WAIT_MS):
            page.unread_tab.set_unread_scope("2026-05")
        table = page.unread_tab.unread_table
        model = table.model()
        assert model.headerData(8, Qt.Orientation.Horizontal) == "Estimated"
        # W9 estimated twice (the limit) first; W4 never estimated; W5 once.
        assert [(table.text_at(r, 0), table.text_at(r, 8)) for r in range(3)] == [
            ("W9", "估抄 2 个月，需上门抄表"),
            ("W4", ""),
            ("W5", "估抄 1 个月"),
        ]
        visit = model.index(0, 8)
        assert model.data(visit, Qt.ItemDataRole.ForegroundRole) == ALERT
        assert model.data(visit, Qt.ItemDataRole.FontRole).bold()
        assert model.data(model.index(2, 8), Qt.ItemDataRole.ForegroundRole) is None
        assert page.unread_tab.unread_status.text() == (
            "2026-05: 3 of 4 meters not read; 1 estimated as long as allowed: visit first"
        )
