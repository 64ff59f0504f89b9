"""Amounts of money: parsing what people type, and rounding to the fen.

One place for both, so a payment, a float, a hand-over and a bill line read and round
yuan the same way.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from server.services.core.errors import DomainError, InvalidInput

FEN = Decimal("0.01")
ZERO = Decimal("0.00")
MAX_AMOUNT = Decimal("1000000000")  # well inside NUMERIC(14, 2); a typo guard, not a limit


def round_fen(amount: Decimal) -> Decimal:
    return amount.quantize(FEN, rounding=ROUND_HALF_UP)


def money_of(value: object, what: str, *, allow_zero: bool = False) -> Decimal:
    """A positive amount in yuan with at most 2 decimals (zero too with `allow_zero`, e.g.
    an empty drawer), or a DomainError naming `what` and the bad value."""
    try:
        amount = value if isinstance(value, Decimal) else Decimal(str(value).strip())
    except InvalidOperation:
        raise InvalidInput(f"{what}应为数字，收到「{value}」") from None
    if not amount.is_finite():
        raise InvalidInput(f"{what}应为数字，收到「{value}」")
    if amount == 0 and allow_zero:
        return ZERO
    if amount <= 0:
        raise DomainError(f"{what}必须大于 0，收到 {value}")
    if amount >= MAX_AMOUNT:
        raise DomainError(f"{what}过大，收到 {value}")
    if amount != amount.quantize(FEN):
        raise InvalidInput(f"{what}最多两位小数，收到 {value}")
    return amount.quantize(FEN)
