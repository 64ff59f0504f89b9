"""Amounts in Chinese capitals (人民币大写), pinned case by case against the accounting rules."""

from decimal import Decimal

import pytest

from reports.amounts import rmb_capitals

CASES = [
    # The amounts named in the issue and the brief.
    ("0.05", "伍分"),
    ("0.50", "伍角整"),
    ("10.00", "壹拾元整"),
    ("100.05", "壹佰元零伍分"),
    ("1004.50", "壹仟零肆元伍角整"),
    ("10010.00", "壹万零壹拾元整"),
    ("100000.01", "壹拾万元零壹分"),
    ("300", "叁佰元整"),
    ("1004.56", "壹仟零肆元伍角陆分"),
    ("0", "零元整"),
    ("100000000", "壹亿元整"),
    ("1010", "壹仟零壹拾元整"),
    ("10.50", "壹拾元伍角整"),
    # 整 only after 元: nothing after 角.
    ("12.30", "壹拾贰元叁角整"),
    ("0.10", "壹角整"),
    # Below one yuan there is no 元 and no 零 in front.
    ("0.01", "壹分"),
    ("0.99", "玖角玖分"),
    # A zero 角 between 元 and 分 is always written.
    ("1.01", "壹元零壹分"),
    ("10.05", "壹拾元零伍分"),
    ("1000.09", "壹仟元零玖分"),
    # A zero 元 digit before a 角 is not.
    ("1680.32", "壹仟陆佰捌拾元叁角贰分"),
    ("20.70", "贰拾元柒角整"),
    # Ones and tens.
    ("1", "壹元整"),
    ("9.99", "玖元玖角玖分"),
    ("11", "壹拾壹元整"),
    ("19.80", "壹拾玖元捌角整"),
    ("110", "壹佰壹拾元整"),
    # Inner runs of zeros collapse to one 零; trailing zeros are not written.
    ("101", "壹佰零壹元整"),
    ("1001", "壹仟零壹元整"),
    ("1100", "壹仟壹佰元整"),
    ("2000.00", "贰仟元整"),
    ("10000", "壹万元整"),
    ("10001", "壹万零壹元整"),
    ("10100", "壹万零壹佰元整"),
    ("11000", "壹万壹仟元整"),
    ("100100", "壹拾万零壹佰元整"),
    ("105000", "壹拾万伍仟元整"),
    ("1001000", "壹佰万壹仟元整"),
    ("1010000", "壹佰零壹万元整"),
    ("1000010", "壹佰万零壹拾元整"),
    ("10000100", "壹仟万零壹佰元整"),
    ("12345678.90", "壹仟贰佰叁拾肆万伍仟陆佰柒拾捌元玖角整"),
    # Across 亿: a 万 group that is all zeros still needs its 零 (cn2an omits it; an
    # 壹亿贰仟元 could be misread as 1.2 亿).
    ("100000001", "壹亿零壹元整"),
    ("100002000", "壹亿零贰仟元整"),
    ("100010000", "壹亿零壹万元整"),
    ("101000000", "壹亿零壹佰万元整"),
    ("110000000", "壹亿壹仟万元整"),
    ("10000000000", "壹佰亿元整"),
    ("123456789012.34", "壹仟贰佰叁拾肆亿伍仟陆佰柒拾捌万玖仟零壹拾贰元叁角肆分"),
    ("1000000000000", "壹万亿元整"),
    ("1000100000000", "壹万零壹亿元整"),
    # Reversals are negative.
    ("-5.50", "负伍元伍角整"),
    ("-0.05", "负伍分"),
    ("-100.05", "负壹佰元零伍分"),
    ("-0.00", "零元整"),
    # Trailing zeros past the fen do not change the value.
    ("3.000", "叁元整"),
    ("1E+2", "壹佰元整"),
]


@pytest.mark.parametrize(("amount", "expected"), CASES)
def test_capitals(amount: str, expected: str) -> None:
    assert rmb_capitals(Decimal(amount)) == expected


def test_an_int_is_taken_as_yuan() -> None:
    assert rmb_capitals(1004) == "壹仟零肆元整"  # type: ignore[arg-type]


@pytest.mark.parametrize("amount", ["0.001", "1004.505", "-1.239", "12.3456"])
def test_more_than_two_decimals_is_refused(amount: str) -> None:
    with pytest.raises(ValueError, match="两位小数"):
        rmb_capitals(Decimal(amount))


@pytest.mark.parametrize("amount", ["NaN", "Infinity", "-Infinity", "1E+16"])
def test_non_amounts_are_refused(amount: str) -> None:
    with pytest.raises(ValueError):
        rmb_capitals(Decimal(amount))


def test_a_float_is_refused() -> None:
    with pytest.raises(TypeError):
        rmb_capitals(0.1)  # type: ignore[arg-type]
