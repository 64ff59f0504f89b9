"""演示支付, the sandbox provider of `meterdesk demo`: a newcomer pays a bill from the phone
page and exchanges its receipt at the counter with no merchant account and no money.

It is a provider like the others, so the demo shows the real path: the order is made the
same way; the sandbox's "cashier" is the companion's own page (its 确认支付 stands for the
resident paying), which sends the payment's callback to /pay/demo/notify, where it is
verified, logged and settled exactly as WeChat's or UnionPay's.

- The callback: a JSON body (mchid, out_trade_no, transaction_id, amount_fen, trade_state,
  success_time) with headers Demopay-Timestamp and Demopay-Signature, the lowercase hex
  HMAC-SHA256 of "timestamp\\nbody" under this install's key (config.demo_key); a
  timestamp 5 minutes or more off is refused, as WeChat's.
- One order is one trade: the trade number is derived from the order number under the key,
  so confirming twice is a repeat of the same trade, never a second payment.
- No query: the sandbox keeps no record of its own, so an order never confirmed waits and
  is closed after its expiry like any unpaid order.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from collections.abc import Callable, Mapping
from datetime import datetime

from sqlalchemy import exists, select
from sqlalchemy.orm import Session

from server.db.models import Account, Bill, Binding, WechatUser
from server.db.models.billing import BILL_OPEN, BILL_PARTIAL
from server.db.models.companion import BINDING_APPROVED
from server.db.models.online_pay import DEMO
from server.services.core.calendar import BUSINESS_TZ
from server.services.online_pay.config import DemoPayConfig
from server.services.online_pay.providers import (
    Answer,
    Checkout,
    NotifyRejected,
    OrderRef,
    TradeState,
    header,
)

MERCHANT_ID = "MD-DEMO"
TIMESTAMP_HEADER = "Demopay-Timestamp"
SIGNATURE_HEADER = "Demopay-Signature"
MAX_SKEW_SECONDS = 300
# Where the resident's browser is sent to "pay" (server.companion.pay).
CASHIER_PATH = "/h5/pay/demo/confirm"


def sign(key: bytes, timestamp: str, body: bytes) -> str:
    return hmac.new(key, timestamp.encode() + b"\n" + body, hashlib.sha256).hexdigest()


class DemoPay:
    name = DEMO
    merchant_id = MERCHANT_ID

    def __init__(self, config: DemoPayConfig, clock: Callable[[], float] = time.time) -> None:
        self.config = config
        self.clock = clock

    def checkout(self, order: OrderRef) -> Checkout:
        return Checkout(DEMO, {"order_no": order.order_no}, action=CASHIER_PATH)

    def trade_no(self, order_no: str) -> str:
        digest = hmac.new(self.config.key, order_no.encode(), hashlib.sha256).hexdigest()
        return f"DEMO{digest[:24].upper()}"

    def notify(self, order: OrderRef) -> tuple[dict[str, str], bytes]:
        """The callback the sandbox sends when the resident confirms: (headers, body)."""
        moment = self.clock()
        body = json.dumps(
            {
                "mchid": MERCHANT_ID,
                "out_trade_no": order.order_no,
                "transaction_id": self.trade_no(order.order_no),
                "amount_fen": order.amount_fen,
                "trade_state": "SUCCESS",
                "success_time": datetime.fromtimestamp(moment, BUSINESS_TZ).isoformat(),
            }
        ).encode()
        timestamp = str(int(moment))
        return {
            "Content-Type": "application/json",
            TIMESTAMP_HEADER: timestamp,
            SIGNATURE_HEADER: sign(self.config.key, timestamp, body),
        }, body

    def verify_notify(self, headers: Mapping[str, str], body: bytes) -> TradeState:
        timestamp = header(headers, TIMESTAMP_HEADER)
        signature = header(headers, SIGNATURE_HEADER)
        if not (timestamp and signature):
            raise NotifyRejected("缺少演示支付签名头")
        if not timestamp.isdigit():
            raise NotifyRejected(f"时间戳「{timestamp}」无效")
        if abs(self.clock() - int(timestamp)) >= MAX_SKEW_SECONDS:
            raise NotifyRejected(f"时间戳 {timestamp} 与本机时间相差 5 分钟以上")
        if not hmac.compare_digest(sign(self.config.key, timestamp, body), signature):
            raise NotifyRejected("演示支付签名验证失败")
        try:
            data = json.loads(body)
            state = str(data["trade_state"])
            paid_at = datetime.fromisoformat(str(data["success_time"]))
            if paid_at.tzinfo is None:
                raise ValueError("naive time")
            return TradeState(
                provider=DEMO,
                merchant_id=str(data["mchid"]),
                order_no=str(data["out_trade_no"]),
                trade_no=str(data["transaction_id"]),
                amount_fen=int(data["amount_fen"]),
                paid=state == "SUCCESS",
                state=state,
                paid_at=paid_at,
            )
        except (ValueError, KeyError, TypeError):
            raise NotifyRejected("演示支付通知缺少订单号、金额或时间") from None

    def query(self, order: OrderRef) -> TradeState | None:
        return None

    def accepted(self) -> Answer:
        return Answer(200, b"ok")

    def refused(self, message: str) -> Answer:
        return Answer(400, message.encode())


def resident_to_try(session: Session) -> tuple[str, str] | None:
    """A resident with an approved binding, one whose account has a bill to pay if any, as
    (openid, account number): whom `meterdesk demo` suggests signing in as on the phone."""
    owes = exists().where(Bill.account_id == Account.id, Bill.status.in_((BILL_OPEN, BILL_PARTIAL)))
    row = session.execute(
        select(WechatUser.openid, Account.account_no)
        .join(Binding, Binding.wechat_user_id == WechatUser.id)
        .join(Account, Account.id == Binding.account_id)
        .where(Binding.status == BINDING_APPROVED)
        .order_by(owes.desc(), WechatUser.id, Account.account_no)
        .limit(1)
    ).first()
    return (row[0], row[1]) if row else None
