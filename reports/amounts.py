"""Amounts of money written in Chinese capitals (人民币大写), as on receipts and invoices.

The rules are those of the accounting norms (《会计基础工作规范》 and the bank's bill rules):

- Digits are 零壹贰叁肆伍陆柒捌玖, units 拾佰仟 within a group of four, 万 and 亿 between
  groups. A leading ten keeps its 壹 (10 → 壹拾元整), so nothing can be written in front of it.
- A run of zeros inside the yuan part is written as one 零 (1004 → 壹仟零肆元,
  10010 → 壹万零壹拾元); zeros at the end of a group or of the number are not written
  (300 → 叁佰元, 100000000 → 壹亿元). Between groups a 零 is written when the lower group
  does not fill its thousands place (100010000 → 壹亿零壹万元, 1000010 → 壹佰万零壹拾元) and
  not otherwise (1001000 → 壹佰万壹仟元).
- The 元 digit being zero is not marked when 角 follows (10.50 → 壹拾元伍角), since the norm
  allows either and most printed receipts omit it. A zero 角 between 元 and a non-zero 分 is
  always written (100.05 → 壹佰元零伍分), as the norm requires.
- 整 closes an amount that ends at 元 or at 角, i.e. has no 分 (300 → 叁佰元整,
  12.30 → 壹拾贰元叁角整), as our receipts' rule says ("整 after 元 or 角"); the norm allows
  it after 角 ("在角之后可以写整字，也可以不写") and requires it after 元. An amount ending
  in 分 takes none (100.05 → 壹佰元零伍分).
- Below one yuan the 元 is left out (0.05 → 伍分, 0.50 → 伍角); zero is 零元整.
- A negative amount (a reversal) is prefixed 负; minus zero is zero.

The amount must already be in yuan with at most two decimal places: rounding is the
caller's business (once per bill line), so a third decimal is refused instead of rounded.
"""

from __future__ import annotations

from decimal import Decimal

_DIGITS = "零壹贰叁肆伍陆柒捌玖"
_SMALL_UNITS = ("", "拾", "佰", "仟")
_FEN = Decimal("0.01")
# A receipt never comes near this; past it the 万亿/亿亿 wording is not settled practice.
_LIMIT = Decimal(10) ** 16


def rmb_capitals(amount: Decimal) -> str:
    """`amount` yuan in Chinese capitals, e.g. Decimal("1004.50") → 壹仟零肆元伍角.

    Raises ValueError for more than two (non-zero) decimal places, for NaN or infinity and
    for amounts of 10^16 or more; TypeError for a float, whose binary value is not the
    amount anyone typed.
    """
    if isinstance(amount, float) or not isinstance(amount, Decimal | int):
        raise TypeError(f"金额须为 Decimal，得到 {type(amount).__name__}")
    value = Decimal(amount)
    if not value.is_finite():
        raise ValueError(f"金额无效：{amount}")
    # 1.230 is exactly 1.23 and is accepted; 1.235 would need rounding and is not.
    if value != value.quantize(_FEN):
        raise ValueError(f"金额最多两位小数：{amount}")
    if abs(value) >= _LIMIT:
        raise ValueError(f"金额过大：{amount}")

    fen_total = int(abs(value) * 100)
    if fen_total == 0:
        return "零元整"
    yuan, cents = divmod(fen_total, 100)
    jiao, fen = divmod(cents, 10)

    text = ""
    if yuan:
        text = _integer_capitals(yuan) + "元"
    if jiao:
        text += _DIGITS[jiao] + "角"
    elif fen and yuan:
        # 100.05: the empty 角 between 元 and 分 must be marked, or 伍分 could be read as 伍角.
        text += "零"
    if fen:
        text += _DIGITS[fen] + "分"
    if not fen:
        text += "整"
    return ("负" if value < 0 else "") + text


def _integer_capitals(number: int) -> str:
    """A positive whole number of yuan, without the 元."""
    if number >= 10**8:
        high, low = divmod(number, 10**8)
        return _join_lower(_integer_capitals(high) + "亿", low, 10**8)
    if number >= 10**4:
        high, low = divmod(number, 10**4)
        return _join_lower(_group_capitals(high) + "万", low, 10**4)
    return _group_capitals(number)


def _join_lower(upper: str, low: int, scale: int) -> str:
    """`upper` (ending in 万 or 亿) followed by the part below it, with 零 for a gap."""
    if low == 0:
        return upper
    # The lower part does not reach the place just below the unit: 1,0001,0000 → 壹亿零壹万.
    gap = low < scale // 10
    return upper + ("零" if gap else "") + _integer_capitals(low)


def _group_capitals(number: int) -> str:
    """1..9999 with 拾佰仟; inner zeros collapse to one 零, trailing zeros are dropped."""
    digits = f"{number:04d}".lstrip("0")
    out: list[str] = []
    pending_zero = False
    for position, char in enumerate(digits):
        digit = int(char)
        unit = _SMALL_UNITS[len(digits) - 1 - position]
        if digit == 0:
            pending_zero = True
            continue
        if pending_zero:
            out.append("零")
            pending_zero = False
        out.append(_DIGITS[digit] + unit)
    return "".join(out)
