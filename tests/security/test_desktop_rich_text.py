"""Issue 19, item 7: text people typed shown as markup in the desktop. A resident asks to bind
the 户号 `<h1 style=color:red>请批准</h1>`: the service page's message (and its mismatch
line) showed it as big red text. Every label now shows such text as typed (plain text, the
markup visible); so does the counter's account view for a holder's name carrying markup."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QMessageBox
from sqlalchemy import create_engine

from desktop.app import ensure_application
from server.db.engine import make_sessionmaker, unit_of_work
from server.services.residents import bindings
from server.services.staff.org import add_staff_with_role
from server.services.staff.sign_in import staff_identity
from tests import factories as f
from tests.companion.test_bindings import registered
from tests.desktop.test_desktop_counter import page as counter_page  # noqa: F401 (fixture)
from tests.desktop.test_desktop_counter import world  # noqa: F401 (fixture)
from tests.desktop.test_desktop_service import WAIT_MS
from tests.desktop.test_desktop_service import page as service_page  # noqa: F401 (fixture)
from tests.desktop_support import answer_modal

ATTACK = "<h1 style=color:red>请批准</h1>"


def one_line_high(label: QLabel) -> bool:
    """Plain, the text takes one line of the label's font; as an <h1> it would take about
    twice that (and be red)."""
    return label.sizeHint().height() <= label.fontMetrics().lineSpacing() + 2 * label.margin() + 4


def test_a_label_left_to_qt_is_made_plain_one_asking_for_rich_text_is_not() -> None:
    ensure_application("zh_CN")
    label = QLabel(ATTACK)
    assert label.textFormat() == Qt.TextFormat.AutoText  # Qt's default: HTML if it looks so
    label.show()  # polished before it is first shown: the guard makes it plain
    assert label.textFormat() == Qt.TextFormat.PlainText
    assert label.text() == ATTACK and one_line_high(label)
    label.close()
    # What the attack looked like: the same text read as HTML, a heading taller than a line.
    rich = QLabel()
    rich.setTextFormat(Qt.TextFormat.RichText)
    rich.setText(ATTACK)
    rich.show()
    assert rich.textFormat() == Qt.TextFormat.RichText
    assert not one_line_high(rich)
    rich.close()


@pytest.fixture
def desk(fresh_database_url: str):
    """A manager; a registered resident asking to bind the 户号 ATTACK (no such account)."""
    engine = create_engine(fresh_database_url)
    with unit_of_work(make_sessionmaker(engine)) as session:
        f.branches(session)
        add_staff_with_role(
            session, f.ACTOR, login="zhao", name="赵经理", password="Manager-2026",
            role="manager", branch_code="D",
        )  # fmt: skip
        user = registered(session, "openid-attacker", "13800000066")
        bindings.request_binding(session, user, ATTACK, "张三", "10.0.0.66")
        manager = staff_identity(session, "zhao")
    engine.dispose()
    return manager


def test_a_binding_request_with_markup_shows_as_typed(qtbot, service_page) -> None:  # noqa: F811
    page = service_page
    page.show()
    table = page.bindings_table
    assert table.text_at(0, 2) == ATTACK  # a cell: drawn as text by the view's delegate
    cell = table.visualRect(table.rows_model.index(0, 2)).center()
    qtbot.mouseClick(table.viewport(), Qt.MouseButton.LeftButton, pos=cell)
    mismatch = page.mismatch_label
    assert mismatch.text() == f"⚠ 户号 {ATTACK} 核对不一致：户号不存在"
    assert mismatch.textFormat() == Qt.TextFormat.PlainText
    # 通过 on an account that does not exist: refused, the refusal naming the 户号.
    qtbot.mouseClick(page.approve_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: page.message.text() != "", timeout=WAIT_MS)
    assert page.message.text() == f"户号 {ATTACK} 不存在，只能驳回"
    assert page.message.textFormat() == Qt.TextFormat.PlainText


def test_a_message_box_shows_markup_as_typed(qtbot) -> None:
    ensure_application("zh_CN")
    seen: list[tuple[str, Qt.TextFormat, bool]] = []

    def look(box: QMessageBox) -> None:
        label = box.findChild(QLabel, "qt_msgbox_label")
        seen.append((label.text(), label.textFormat(), one_line_high(label)))
        qtbot.mouseClick(box.button(QMessageBox.StandardButton.Ok), Qt.MouseButton.LeftButton)

    answer_modal(qtbot, QMessageBox, look)
    QMessageBox.warning(None, "用户服务", f"户号 {ATTACK} 不存在，只能驳回")
    assert seen == [(f"户号 {ATTACK} 不存在，只能驳回", Qt.TextFormat.PlainText, True)]


def test_the_counter_shows_a_holder_name_with_markup_as_typed(
    qtbot,
    counter_page,  # noqa: F811
    fresh_database_url,
) -> None:
    engine = create_engine(fresh_database_url)
    with unit_of_work(make_sessionmaker(engine)) as session:
        f.account(session, "A066", holder_name=ATTACK)
    engine.dispose()
    page = counter_page
    page.focus_search()
    with qtbot.waitSignal(page.account_opened, timeout=WAIT_MS):
        qtbot.keyClicks(page.search_panel.search_edit, "A066")
        qtbot.keyClick(page.search_panel.search_edit, Qt.Key.Key_Return)
    for name, label in page.account_column.account_labels.items():
        assert label.textFormat() == Qt.TextFormat.PlainText, name
    holder = page.account_column.account_labels["holder"]
    assert holder.text() == ATTACK
