from decimal import Decimal

from server.services.billing import list_bills, run_billing
from server.services.calendar import Period
from tests import factories as f


def test_simple_bill(session):
    a = f.account(session)
    f.meter(session, "E1", a)
    f.tariff(session)
    f.read(session, "E1", "2026-09-28", "100")
    f.read(session, "E1", "2026-10-28", "150")
    result = run_billing(session, f.ACTOR, Period.parse("2026-10"))
    assert result.created == 1
    [bill] = list_bills(session, Period.parse("2026-10"))
    assert bill.total == Decimal("25.00")
