"""通知用户 on the billing page: after a run, one click queues the period's 账单通知 to the
residents bound to its accounts, once each however often it is clicked."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox
from sqlalchemy import create_engine, select

from server.db.engine import make_sessionmaker, unit_of_work
from server.db.models import Account, OutboxMessage
from tests import factories as f
from tests.desktop.test_desktop_billing import WAIT_MS, page, world  # noqa: F401
from tests.desktop_support import read_db


def test_notify_residents_after_a_run(qtbot, page, fresh_database_url):  # noqa: F811
    assert not page.notify_button.isEnabled()
    engine = create_engine(fresh_database_url)
    with unit_of_work(make_sessionmaker(engine)) as session:
        ids = dict(session.execute(select(Account.account_no, Account.id)).all())
        f.bound_resident(session, "o-zhang", ids["A001"])
        f.bound_resident(session, "o-wang", ids["A002"])
    engine.dispose()
    qtbot.keyClick(page.period_combo, Qt.Key.Key_R, Qt.KeyboardModifier.ControlModifier)
    with qtbot.waitSignal(page.run_finished, timeout=WAIT_MS):
        qtbot.mouseClick(
            page.run_question.button(QMessageBox.StandardButton.Yes), Qt.MouseButton.LeftButton
        )
    assert page.notify_button.isEnabled()
    # A001 (25.00) and A002 (58.40) have a bound resident; A006 (10.00) has none.
    with qtbot.waitSignal(page.notify_finished, timeout=WAIT_MS) as done:
        qtbot.mouseClick(page.notify_button, Qt.MouseButton.LeftButton)
    assert done.args == [2]
    assert page.summary_label.text() == "2 bill notices queued for residents."
    with qtbot.waitSignal(page.notify_finished, timeout=WAIT_MS) as again:
        qtbot.mouseClick(page.notify_button, Qt.MouseButton.LeftButton)
    assert again.args == [0]
    queued = read_db(
        fresh_database_url,
        select(OutboxMessage.openid, OutboxMessage.kind).order_by(OutboxMessage.openid),
    )
    assert queued == [("o-wang", "bill"), ("o-zhang", "bill")]
