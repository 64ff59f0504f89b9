"""Two counters refunding by transfer with the same bank serial at the same moment, on real
PostgreSQL sessions: the second waits for the first and is refused in Chinese, naming the
first's refund; nothing of it stays."""

from __future__ import annotations

from decimal import Decimal as D

from sqlalchemy import create_engine, select

from server.db.engine import make_sessionmaker, unit_of_work
from server.db.models import Account, AccountLedgerEntry, Refund
from server.services.collection.refunds import refund_balance
from server.services.core.errors import Conflict
from tests import factories as f
from tests.collection.racing import second_waits_for_first


def test_a_bank_serial_refunded_by_two_counters_at_once_is_refunded_once(fresh_database_url):
    """A001 and A002 (prepaid) each hold 100.00 of credit; zhao (manager, branch D) refunds
    60.00 of A001 through wang with serial BK7 and has not committed when qian (manager,
    branch E) refunds 40.00 of A002 through li with the same serial."""
    engine = create_engine(fresh_database_url, pool_size=2)
    factory = make_sessionmaker(engine)
    with unit_of_work(factory) as session:
        f.branches(session)
        f.account(session, "A001", billing_mode="prepaid", balance="100")
        f.account(session, "A002", billing_mode="prepaid", balance="100")
        wang, zhao = f.staff(session, "wang"), f.staff(session, "zhao", "manager")
        li, qian = f.staff(session, "li", branch_code="E"), f.staff(session, "qian", "manager", "E")
    first = factory()
    done = refund_balance(
        first, zhao, "A001", D("60.00"), "transfer", clerk=wang, reference="BK7", bank="工商银行"
    )
    refused = second_waits_for_first(
        factory,
        first,
        lambda session: (
            refund_balance(
                session, qian, "A002", D("40.00"), "transfer", clerk=li, reference="BK7"
            ).refund_no
        ),
        "the second counter should wait on the first's serial",
    )
    with unit_of_work(factory) as session:
        refunds = session.execute(select(Refund.refund_no, Refund.account_no)).all()
        balances = dict(session.execute(select(Account.account_no, Account.balance)).all())
        refund_entries = session.scalars(
            select(AccountLedgerEntry.amount).where(AccountLedgerEntry.kind == "refund")
        ).all()
    engine.dispose()
    assert isinstance(refused, Conflict)
    assert str(refused) == f"转账流水号 BK7 已用于退款单 {done.refund_no}，不能重复退款"
    assert done.refund_no.startswith("TKD")
    assert [tuple(r) for r in refunds] == [(done.refund_no, "A001")]
    # 100.00 − 60.00 = 40.00 for A001; A002 untouched (its ledger move rolled back).
    assert balances == {"A001": D("40.00"), "A002": D("100.00")}
    assert refund_entries == [D("-60.00")]
