"""The metering rules as pure functions, pinned with hand-computed figures."""

from decimal import Decimal as D

import pytest

from server.services.metering.usage_rules import (
    LOWER_THAN_PREVIOUS,
    ROLLOVER,
    SURGE,
    assess,
    is_surge,
    usage_between,
)


@pytest.mark.parametrize(
    ("prev", "curr", "digits", "multiplier", "expected", "wrapped"),
    [
        ("100", "150", 6, "1", D("50"), False),
        ("100.5", "102", 6, "30", D("45.0"), False),
        ("100", "100", 6, "1", D("0"), False),
        # 4-digit register: 9990 → 15 wrapped through 9999: 10000 − 9990 + 15 = 25
        ("9990", "15", 4, "1", D("25"), True),
        ("9990", "15", 4, "30", D("750"), True),
        # 10000 − 9990 + 4989 = 4999 < 5000: still a wrap
        ("9990", "4989", 4, "1", D("4999"), True),
    ],
)
def test_usage_and_rollover(prev, curr, digits, multiplier, expected, wrapped):
    result = usage_between(D(prev), D(curr), digits, D(multiplier))
    assert result.usage == expected
    assert result.wrapped is wrapped


@pytest.mark.parametrize(
    ("prev", "curr", "digits"),
    [
        # 10000 − 9990 + 4990 = 5000, not under half the range: lower than previous
        ("9990", "4990", 4),
        ("500", "400", 6),
        ("1000.5", "1000.4", 6),
    ],
)
def test_lower_than_previous_is_an_anomaly(prev, curr, digits):
    result = usage_between(D(prev), D(curr), digits, D(1))
    assert result.usage is None
    assert result.flags == (LOWER_THAN_PREVIOUS,)
    assessment = assess(D(prev), D(curr), digits, D(1))
    assert assessment.held
    assert assessment.usage is None


def test_surge_needs_three_times_the_mean_and_more_than_ten_units():
    history = [D(10), D(12), D(14)]  # mean 12, three times is 36
    assert is_surge(D(37), history)
    assert not is_surge(D(36), history)
    small = [D(2), D(3), D(4)]  # mean 3: 10 is over 9 but not over 10 units
    assert not is_surge(D(10), small)
    assert is_surge(D("10.5"), small)


def test_surge_needs_three_months_of_history():
    assert not is_surge(D(1000), [D(10), D(10)])
    assert is_surge(D(1000), [D(10), D(10), D(10)])


def test_surge_uses_at_most_twelve_months():
    # With the 13th month counted the mean would be (1000 + 120) / 13 ≈ 86.
    history = [D(1000)] + [D(10)] * 12
    assert is_surge(D(31), history)


def test_assess_flags_surge_as_warning_not_hold():
    a = assess(D(100), D(200), 6, D(1), [D(20), D(25), D(30)])  # mean 25, 100 > 75
    assert a.usage == D(100)
    assert a.flags == (SURGE,)
    assert not a.held


def test_assess_rollover_is_informational():
    a = assess(D(9990), D(15), 4, D(1))
    assert a.flags == (ROLLOVER,)
    assert a.usage == D(25)
    assert not a.held


def test_first_reading_has_no_usage():
    a = assess(None, D(15), 4, D(1))
    assert a.usage is None and a.flags == ()


@pytest.mark.parametrize(
    ("value", "text"),
    [("1300.000", "1300"), ("112.500", "112.5"), ("0.000", "0"), ("100", "100")],
)
def test_quantity_text(value, text):
    from server.services.metering.usage_rules import quantity_text

    assert quantity_text(D(value)) == text
