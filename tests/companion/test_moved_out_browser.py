"""A household that moved out, on the old holder's phone (headless chromium): the account
shows 已退房 with its final bill on the statement until it is closed; then it is gone."""

from __future__ import annotations

from datetime import date
from decimal import Decimal as D

from server.db.engine import unit_of_work
from server.services.collection.move_out import move_out
from server.services.collection.refunds import refund_balance
from server.services.residents.bindings import close_and_unbind
from tests import factories
from tests.companion.test_bindings import registered
from tests.companion.test_h5_browser import sign_in_through_wechat

OPENID = "o-moved-out"


def test_moved_out_account_is_readable_until_closed(phone, live, standin):
    sign_in_through_wechat(phone, live, standin, OPENID)
    with unit_of_work(live.sessions) as session:
        account_id = factories.water_account_with_deposit(session)
        registered(session, OPENID, "13800000001")
        factories.bound_resident(session, OPENID, account_id)
        # 25 m³ over 1–15 December: 90.32 (tests/collection/test_move_out.py), paid by the
        # 300.00 deposit; 209.68 to refund.
        move_out(session, factories.ACTOR, "A001", date(2026, 12, 15), {"W1": D("155")},
                 on=date(2026, 12, 15))  # fmt: skip

    phone.goto(f"{live.url}/h5/")
    assert phone.locator(".card").first.inner_text().split("\n")[1] == (
        "A001 · 张三 东校区 1号楼 2单元 301 已退房"
    )
    phone.goto(f"{live.url}/h5/statement?account={account_id}&span=all")
    assert phone.locator("#moved-out").inner_text() == "已退房"
    rows = phone.locator("#statement tr").all_inner_texts()
    assert any("2026-12" in r and "90.32" in r for r in rows)

    with unit_of_work(live.sessions) as session:
        manager = factories.staff(session, "wang", role="manager", branch_code="D")
        refund_balance(session, manager, "A001", D("209.68"), "transfer", clerk=manager,
                       reference="TR-1", bank="工商银行", reason="退房退押金")  # fmt: skip
        close_and_unbind(session, factories.ACTOR, "A001", "退房")
    phone.goto(f"{live.url}/h5/statement?account={account_id}&span=all")
    assert "您还没有已审核通过的户号" in phone.content()
    phone.goto(f"{live.url}/h5/bindings")
    assert "已解绑" in phone.locator("table").inner_text()
