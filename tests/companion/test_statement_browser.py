"""账户明细 on the resident's phone (headless chromium): the last twelve months with the
earlier documents in the opening balance, everything on 全部, reached from the payment
notice; figures hand-computed."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal as D

from sqlalchemy import select

from server.db.engine import unit_of_work
from server.db.models import Account
from server.services.collection.payments import PaymentRequest, take_payment
from server.services.core.calendar import BUSINESS_TZ, Period, now
from tests import factories
from tests.companion.test_h5_browser import sign_in_through_wechat

OPENID = "o-statement"


def cells(phone) -> list[list[str]]:
    rows = phone.locator("#statement tr")
    return [
        [" ".join(c.split()) for c in rows.nth(r).locator("td").all_inner_texts()]
        for r in range(1, rows.count())
    ]


def test_resident_reads_the_statement_of_a_bound_account(phone, live, standin):
    sign_in_through_wechat(phone, live, standin, OPENID)
    last = Period.of(now()).shift(-1)
    with unit_of_work(live.sessions) as session:
        factories.branches(session)
        account_id = factories.account(session, "A001", holder_name="张三")
        # Billed years ago: before the twelve months, so in the opening balance.
        old = datetime(2020, 2, 5, 9, tzinfo=BUSINESS_TZ)
        factories.bill(session, account_id, "2020-01", "100.00", created_at=old)
        factories.bill(session, account_id, str(last), "50.00")
        # 120.00: the 2020-01 bill in full, 20.00 of the last one; 30.00 owed.
        receipt = take_payment(
            session, factories.ACTOR, PaymentRequest("A001", D("120.00"), "cash", "D")
        ).receipt_no
        factories.bound_resident(session, OPENID, account_id)
        assert session.scalar(select(Account.balance).where(Account.id == account_id)) == 0

    phone.goto(f"{live.url}/h5/bills")
    phone.get_by_role("link", name="账户明细").click()
    phone.wait_for_url(f"{live.url}/h5/statement?account={account_id}")
    today = now().astimezone(BUSINESS_TZ).date()
    first = Period.of(today).shift(-11).first_day
    md, year = today.strftime("%m-%d"), str(today.year)
    assert cells(phone) == [
        [first.isoformat(), "期初余额", "", "", "-100.00"],
        [f"{md} {year}", f"账单 {last} {last} 电费", "50.00", "", "-150.00"],
        [f"{md} {year}", f"{receipt} 收款（现金）", "", "120.00", "-30.00"],
        ["", "本期合计 / 期末余额", "50.00", "120.00", "-30.00"],
    ]
    assert phone.locator("#position").inner_text() == (
        "当前账户余额 0.00 元，未缴本金 30.00 元，未缴滞纳金 0.00 元，押金 0.00 元（另行保管）"
    )
    assert "户号 A001 · 张三" in phone.content()

    phone.get_by_role("link", name="全部").click()
    phone.wait_for_url(f"{live.url}/h5/statement?account={account_id}&span=all")
    rows = cells(phone)
    assert rows[0] == ["", "期初余额", "", "", "0.00"]
    assert rows[1] == ["02-05 2020", "账单 2020-01 2020-01 电费", "100.00", "", "-100.00"]
    assert rows[-1] == ["", "本期合计 / 期末余额", "150.00", "120.00", "-30.00"]
    # The table fits a phone's width: no figure pushed off the screen.
    width = phone.evaluate("document.querySelector('#statement').getBoundingClientRect().right")
    assert width <= phone.viewport_size["width"]


def test_only_a_bound_account_is_shown(phone, live, standin):
    sign_in_through_wechat(phone, live, standin, "o-nobody")
    with unit_of_work(live.sessions) as session:
        someone_else = factories.account(session, "A002", holder_name="李四")
        factories.bill(session, someone_else, "2026-01", "66.00")
    # Another household's account id in the address shows nothing of it.
    phone.goto(f"{live.url}/h5/statement?account={someone_else}&span=all")
    assert phone.locator("h2").first.inner_text() == "账户明细"
    assert "您还没有已审核通过的户号" in phone.content()
    assert "66.00" not in phone.content() and "李四" not in phone.content()
