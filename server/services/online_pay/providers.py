"""What every provider gives the order service: a checkout to hand the resident's browser,
a verified callback, a query answer. The order service knows nothing of signatures and
the providers nothing of bills, so a third provider is one more module of this shape."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any, Protocol

from server.services.core.errors import DomainError


class NotifyRejected(DomainError):
    """A callback that failed verification (unsigned, forged, stale, garbled): it changes
    nothing and is answered as the provider expects a failure."""


class ProviderUnavailable(DomainError):
    """The provider did not answer in time or answered with an error: try again later."""


@dataclass(frozen=True)
class OrderRef:
    """What a provider needs to know of our order."""

    order_no: str
    amount_fen: int
    description: str
    created_at: datetime
    expires_at: datetime
    txn_time: str = ""
    openid: str = ""


@dataclass(frozen=True)
class Checkout:
    """What the resident's page needs to pay: WeChat's JSAPI parameters (`params`) or
    UnionPay's auto-submitted form (`action` and `params`)."""

    provider: str
    params: dict[str, str]
    action: str = ""
    # Provider-side id worth keeping on the order (WeChat's prepay_id).
    prepay_id: str = ""
    # UnionPay's txnTime, needed to query the order later.
    txn_time: str = ""


@dataclass(frozen=True)
class TradeState:
    """A provider's word on one of our orders, from a verified callback or query answer."""

    provider: str
    merchant_id: str
    order_no: str
    # The provider's trade number (WeChat transaction_id, UnionPay queryId); "" if none yet.
    trade_no: str
    amount_fen: int
    paid: bool
    # The provider's own state word (SUCCESS, NOTPAY, 00, 03 …), for the log.
    state: str
    paid_at: datetime | None = None
    app_id: str = ""
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def amount(self) -> Decimal:
        return (Decimal(self.amount_fen) / 100).quantize(Decimal("0.01"))


@dataclass(frozen=True)
class Answer:
    """The HTTP answer a provider expects to a callback."""

    status: int
    body: bytes = b""
    content_type: str = "text/plain"


class Provider(Protocol):
    name: str
    merchant_id: str

    def checkout(self, order: OrderRef) -> Checkout: ...

    def verify_notify(self, headers: Mapping[str, str], body: bytes) -> TradeState: ...

    def query(self, order: OrderRef) -> TradeState | None: ...

    def accepted(self) -> Answer: ...

    def refused(self, message: str) -> Answer: ...


def header(headers: Mapping[str, str], name: str) -> str:
    """A request header's value, stripped ("" if absent)."""
    # Starlette and requests both give case-insensitive mappings; a plain dict may not.
    value = headers.get(name)
    if value is None:
        value = next((v for k, v in headers.items() if k.lower() == name.lower()), "")
    return value.strip()


def fen_of(amount: Decimal) -> int:
    """Yuan with 2 places → integer fen, exactly."""
    fen = amount * 100
    if fen != fen.to_integral_value():
        raise DomainError(f"金额 {amount} 不是整分")
    return int(fen)
