"""The pricing rules (billing.pricing), pure: spans, shares, scaled and annual tiers,
true-up credits, with figures worked by hand."""

from datetime import date
from decimal import Decimal as D
from fractions import Fraction

from server.services.billing.pricing import Span, price_kind, shares
from server.services.billing.tariffs import ComponentSpec, TariffBook, TariffView, Tier
from server.services.core.calendar import Period

NOV = Span.of(Period(2026, 11))  # 30 days


def tariff(tariff_id, since, tiers, basis="monthly", component="电费"):
    return TariffView(
        tariff_id,
        "electricity",
        1,
        since,
        (ComponentSpec(component, tuple(Tier(D(s), D(p)) for s, p in tiers)),),
        basis,
    )


def priced(lines):
    return [(x.component, x.usage, x.amount, x.tariff_id, x.note) for x in lines]


def test_spans_factor_and_note():
    assert (NOV.days, NOV.factor, NOV.note) == (30, Fraction(1), "")
    half = Span(date(2026, 12, 1), date(2026, 12, 15))
    assert (half.days, half.factor, half.note) == (15, Fraction(15, 31), "按日折算 15/31 天")
    # A whole November and half of December: 1 + 15/31 months' thresholds.
    longer = Span(date(2026, 11, 1), date(2026, 12, 15))
    assert (longer.days, longer.factor, longer.note) == (
        45, Fraction(46, 31), "按日折算 1 个月+15/31 天"
    )  # fmt: skip


def test_shares_round_to_the_thousandth_and_the_last_takes_the_rest():
    assert shares(D("100"), [9, 21]) == [D("30.000"), D("70.000")]
    # 10 × 10/31 = 3.2258… → 3.226; 10 − 3.226 = 6.774
    assert shares(D("10"), [10, 21]) == [D("3.226"), D("6.774")]
    assert shares(D("10"), [31]) == [D("10")]


def test_book_segments_by_the_days_each_tariff_is_in_force():
    a = tariff(1, date(2020, 1, 1), [("0", "3.00")])
    b = tariff(2, date(2026, 11, 10), [("0", "3.60")])
    book = TariffBook([b, a])
    assert book.segments("electricity", 1, date(2026, 11, 1), date(2026, 11, 30)) == [
        (a, 9), (b, 21)
    ]  # fmt: skip
    assert book.segments("electricity", 1, date(2026, 12, 1), date(2026, 12, 31)) == [(b, 31)]
    # No tariff on the first days: nothing prices the span.
    assert book.segments("electricity", 2, date(2026, 11, 1), date(2026, 11, 30)) == []
    assert TariffBook([b]).segments("electricity", 1, date(2026, 11, 1), date(2026, 11, 30)) == []


def test_mid_month_tariff_change_prices_each_days_share():
    a = tariff(1, date(2020, 1, 1), [("0", "3.00")])
    b = tariff(2, date(2026, 11, 10), [("0", "3.60")])
    # 9 days of 30 on A, 21 on B: 100 × 9/30 = 30.000 → 30 × 3.00 = 90.00;
    # the rest 70.000 × 3.60 = 252.00.
    assert priced(price_kind("electricity", D("100"), [(a, 9), (b, 21)], NOV)) == [
        ("电费", D("30.000"), D("90.00"), 1, "11-01 起"),
        ("电费", D("70.000"), D("252.00"), 2, "11-10 起"),
    ]


def test_tiers_of_a_split_month_scale_by_each_tariffs_days():
    a = tariff(1, date(2020, 1, 1), [("0", "3.00"), ("20", "4.00")])
    b = tariff(2, date(2026, 11, 10), [("0", "3.60"), ("20", "4.80")])
    lines = price_kind("electricity", D("100"), [(a, 9), (b, 21)], NOV)
    # A: threshold 20 × 9/30 = 6 → 6 × 3.00 + 24 × 4.00 = 18 + 96 = 114.00
    # B: threshold 20 × 21/30 = 14 → 14 × 3.60 + 56 × 4.80 = 50.40 + 268.80 = 319.20
    assert [(x.usage, x.amount) for x in lines] == [
        (D("30.000"), D("114.00")),
        (D("70.000"), D("319.20")),
    ]


def test_part_month_scales_monthly_tiers():
    steps = tariff(1, date(2020, 1, 1), [("0", "3"), ("20", "4")])
    half = Span(date(2026, 12, 1), date(2026, 12, 15))
    # Threshold 20 × 15/31 = 9.677419…: 9.677419 × 3 + (25 − 9.677419) × 4
    # = 25 × 4 − 9.677419 × 1 = 100 − 9.677419 = 90.322581 → 90.32
    assert priced(price_kind("electricity", D("25"), [(steps, 15)], half)) == [
        ("电费", D("25"), D("90.32"), 1, "按日折算 15/31 天")
    ]
    # The same usage over the whole month: 20 × 3 + 5 × 4 = 80.00, no note.
    assert priced(price_kind("electricity", D("25"), [(steps, 31)], Span.of(Period(2026, 12)))) == [
        ("电费", D("25"), D("80.00"), 1, "")
    ]


def test_annual_tiers_price_where_the_year_has_got_to_unscaled():
    annual = tariff(1, date(2020, 1, 1), [("0", "0.50"), ("2400", "0.80")], "annual")
    half = Span(date(2026, 12, 1), date(2026, 12, 15))
    # Year to date 2300: 100 more at 0.50, then 200 at 0.80 = 50 + 160 = 210.00; a part
    # month does not scale annual thresholds (and says nothing of it).
    assert priced(
        price_kind("electricity", D("300"), [(annual, 15)], half, year_to_date=D("2300"))
    ) == [("电费", D("300"), D("210.00"), 1, "")]
    assert price_kind("electricity", D("300"), [(annual, 30)], NOV)[0].amount == D("150.00")


def test_negative_usage_is_a_credit_on_the_tiers_from_zero():
    steps = tariff(1, date(2020, 1, 1), [("0", "3"), ("10", "4")])
    # |−20| from 0: 10 × 3 + 10 × 4 = 70 → −70.00
    assert priced(price_kind("electricity", D("-20"), [(steps, 30)], NOV, note="估")) == [
        ("电费", D("-20"), D("-70.00"), 1, "估抄冲回")
    ]


def test_every_line_carries_the_estimate_mark():
    flat = tariff(1, date(2020, 1, 1), [("0", "0.5")])
    assert priced(price_kind("electricity", D("40"), [(flat, 30)], NOV, note="估")) == [
        ("电费", D("40"), D("20.00"), 1, "估")
    ]
