"""Online payment (在线支付): WeChat Pay (JSAPI, API v3) and the UnionPay gateway (5.1.0),
and 演示支付, the sandbox of `meterdesk demo`.

- `orders`: the payment order and `settle`, the one way a provider's money reaches the
  books (through payments.take_payment, exactly once);
- `wechat`, `unionpay`, `demo`: signing and verifying as each provider does, behind
  `providers`;
- `callbacks`: a callback from raw request to answer, and the active query;
- `desk`: what the desktop pages call (exceptions and their decisions, orders, online
  payments awaiting their receipt);
- `reconcile`: the providers' daily statements against our payments (对账).
"""

from __future__ import annotations

from server.services.online_pay.config import PayConfig
from server.services.online_pay.demo import DemoPay
from server.services.online_pay.providers import Provider
from server.services.online_pay.unionpay import UnionPay
from server.services.online_pay.wechat import WechatPay


def providers_of(config: PayConfig) -> dict[str, Provider]:
    """The configured providers by name ('wechat', 'unionpay', or 'demo' alone)."""
    found: dict[str, Provider] = {}
    if config.wechat is not None:
        found["wechat"] = WechatPay(config.wechat)
    if config.unionpay is not None:
        found["unionpay"] = UnionPay(config.unionpay)
    # The sandbox never stands beside a merchant that takes real money.
    if config.demo is not None and not found:
        found["demo"] = DemoPay(config.demo)
    return found
