"""The 费控 tables as migration 0018 makes them: the models match, and what must stay
append-only does."""

from __future__ import annotations

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from server.db.base import Base
from tests import factories as f


def test_the_migration_matches_the_models(session):
    context = MigrationContext.configure(session.connection())
    diff = [
        d
        for d in compare_metadata(context, Base.metadata)
        if any(
            name in repr(d)
            for name in ("control_", "meter_switch_state", "cutoff_below", "warn_below", "grace")
        )
    ]
    assert diff == []


def test_protection_marks_are_append_only(session):
    account_id = f.account(session, "P001", billing_mode="prepaid")
    session.execute(
        text(
            "insert into control_protection (account_id, protected, reason, actor)"
            " values (:a, true, '实验室', 'test')"
        ),
        {"a": account_id},
    )
    with pytest.raises(DBAPIError, match="append-only"), session.begin_nested():
        session.execute(text("update control_protection set reason = '改'"))
