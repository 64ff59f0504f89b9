"""Closing an account (销户): refused while anything remains, named all at once; a closed
account takes no payment and no bill."""

from __future__ import annotations

from decimal import Decimal as D

import pytest
from sqlalchemy import select

from server.db.models import AuditEvent, Payment
from server.services.accounts.accounts import account_view, close_account
from server.services.billing.billing_run import run_billing
from server.services.collection.payments import PaymentRequest, take_payment
from server.services.core.calendar import Period
from server.services.core.errors import DomainError
from tests import factories as f


def test_close_names_every_bill_and_the_balance_that_remain(session):
    f.branches(session)
    a = f.account(session, "A001", balance="20.00")
    f.bill(session, a, "2026-10", "100.00")
    f.bill(session, a, "2026-11", "35.50")
    with pytest.raises(DomainError) as refused:
        close_account(session, f.ACTOR, "A001", "搬离")
    assert str(refused.value) == (
        "户号 A001 不能销户：2 张账单未缴清（2026-10、2026-11）；余额 20.00 元未结清或退款"
    )
    assert account_view(session, "A001").active


def test_a_closed_account_takes_no_payment_and_no_bill(session):
    f.branches(session)
    f.tariff(session)
    a = f.account(session, "A002")
    f.meter(session, "E2", a)
    f.read(session, "E2", "2026-09-20", "100")
    f.read(session, "E2", "2026-10-20", "160")
    view = close_account(session, f.ACTOR, "A002", "搬离")
    assert view.active is False
    [event] = session.scalars(select(AuditEvent).where(AuditEvent.action == "account.close"))
    assert event.data["reason"] == "搬离"

    with pytest.raises(DomainError) as refused:
        take_payment(session, f.ACTOR, PaymentRequest("A002", D("50.00"), "cash", "D"))
    assert str(refused.value) == "户号 A002 已销户，不能收款"
    assert session.scalar(select(Payment.id)) is None
    # 60 kWh read in 2026-10 would bill 30.00; a closed account is not billed.
    assert run_billing(session, f.ACTOR, Period(2026, 10)).created == 0
    # Closing again changes nothing.
    assert close_account(session, f.ACTOR, "A002", "再次").active is False
