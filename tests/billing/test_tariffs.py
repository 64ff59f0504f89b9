from datetime import date
from decimal import Decimal as D

import pytest

from server.services.billing.tariffs import (
    ComponentSpec,
    TariffSpec,
    Tier,
    create_tariff,
    load_tariff_book,
    price_tiers,
)
from server.services.core.errors import DomainError
from tests import factories as f

STEPS = (Tier(D(0), D("0.5483")), Tier(D(230), D("0.5983")), Tier(D(400), D("0.8483")))


@pytest.mark.parametrize(
    ("usage", "amount"),
    [
        # 200 × 0.5483 = 109.66
        ("200", D("109.66")),
        # 230 × 0.5483 + 70 × 0.5983 = 126.109 + 41.881 = 167.990
        ("300", D("167.99")),
        # 126.109 + 170 × 0.5983 + 100 × 0.8483 = 126.109 + 101.711 + 84.83 = 312.650
        ("500", D("312.65")),
        ("0", D("0.00")),
    ],
)
def test_tiers_price_each_part_of_the_usage(usage, amount):
    assert price_tiers(STEPS, D(usage))[0] == amount


def test_rounding_is_half_up_once_per_component():
    # 1 × 0.0050 = 0.005 rounds up to 0.01 (banker's rounding would give 0.00)
    assert price_tiers([Tier(D(0), D("0.0050"))], D(1))[0] == D("0.01")
    # 10 × 0.3333 + 5 × 0.4444 = 3.333 + 2.222 = 5.555 → 5.56 (per tier it would be 5.55)
    tiers = [Tier(D(0), D("0.3333")), Tier(D(10), D("0.4444"))]
    amount, charges = price_tiers(tiers, D(15))
    assert amount == D("5.56")
    assert [(c.start, c.usage) for c in charges] == [(D(0), D(10)), (D(10), D(5))]


def test_tariff_in_force_by_effective_date(session):
    f.tariff(session, effective_from="2020-01-01", components={"电费": [("0", "0.5")]})
    f.tariff(session, effective_from="2026-10-01", components={"电费": [("0", "0.6")]})
    resident = 1
    book = load_tariff_book(session)
    old = book.in_force("electricity", resident, date(2026, 9, 1))
    new = book.in_force("electricity", resident, date(2026, 10, 1))
    assert old.components[0].tiers[0].unit_price == D("0.5")
    assert new.components[0].tiers[0].unit_price == D("0.6")
    assert book.in_force("electricity", resident, date(2019, 12, 1)) is None
    assert book.in_force("water", resident, date(2026, 10, 1)) is None


@pytest.mark.parametrize(
    ("components", "message"),
    [
        ((ComponentSpec("电费", (Tier(D(10), D(1)),)),), "须有从 0 起的第一档"),
        ((ComponentSpec("电费", (Tier(D(0), D(1)), Tier(D(0), D(2)))),), "阶梯起点重复"),
        ((ComponentSpec("电费", (Tier(D(0), D(-1)),)),), "单价不能为负"),
        ((), "至少要有一个收费项目"),
    ],
)
def test_bad_tariffs_are_refused(session, components, message):
    spec = TariffSpec("electricity", "居民", date(2026, 1, 1), components)
    with pytest.raises(DomainError, match=message):
        create_tariff(session, f.ACTOR, spec)


def test_unknown_customer_class(session):
    spec = TariffSpec(
        "water", "学生", date(2026, 1, 1), (ComponentSpec("水费", (Tier(D(0), D(1)),)),)
    )
    with pytest.raises(DomainError, match="未知的用户类别「学生」"):
        create_tariff(session, f.ACTOR, spec)
