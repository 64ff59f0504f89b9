"""Statement files (对账单) as the providers give them, read into lines to reconcile
(server.services.online_pay.reconcile).

Formats read:
- WeChat Pay trade bill (交易账单, tradebill "ALL"), as downloaded from the merchant
  platform or the download API: CSV, a header row, then one row per transaction with
  every field prefixed by a backtick (`) so Excel keeps long numbers as text, then a
  summary block starting 总交易单数. Amounts are yuan. Successful payments are
  交易状态 SUCCESS; REFUND / REVOKED rows are listed as refunds, not payments.
- UnionPay: the gateway's own statement files are fixed-width INN files in a zip; we read
  the flat CSV the merchant service portal (商户服务平台 交易查询 → 导出) gives, with the
  5.1.0 field names as header: txnTime,merId,orderId,queryId,txnAmt,respCode — txnTime
  yyyyMMddHHmmss, txnAmt in fen as on the wire, respCode 00 for a payment that succeeded.
  A file in that shape is what `meterdesk reconcile --provider unionpay` expects.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal, InvalidOperation

from server.db.models.online_pay import UNIONPAY, WECHAT
from server.services.core.calendar import BUSINESS_TZ
from server.services.core.errors import DomainError

PAYMENT = "payment"
REFUND = "refund"


class StatementError(DomainError):
    """The file is not a statement of the named provider; the message says where."""


@dataclass(frozen=True)
class ParsedLine:
    line_no: int
    trade_time: datetime
    trade_no: str
    order_no: str
    merchant_id: str
    amount: Decimal
    state: str
    kind: str  # PAYMENT or REFUND
    raw: dict[str, str]


def _text(data: bytes) -> str:
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise StatementError("对账文件编码无法识别（应为 UTF-8 或 GBK）")


def _yuan(text: str, where: str) -> Decimal:
    try:
        value = Decimal(text.replace(",", "").strip() or "0")
    except InvalidOperation:
        raise StatementError(f"{where}：金额「{text}」不是数字") from None
    if value != value.quantize(Decimal("0.01")):
        raise StatementError(f"{where}：金额「{text}」超过两位小数")
    return value.quantize(Decimal("0.01"))


def parse_wechat(data: bytes) -> list[ParsedLine]:
    rows = list(csv.reader(io.StringIO(_text(data))))
    if not rows or "微信订单号" not in [c.strip() for c in rows[0]]:
        raise StatementError("不是微信支付交易账单：第 1 行应为表头（含 微信订单号）")
    header = [c.strip().lstrip("\ufeff") for c in rows[0]]
    found: list[ParsedLine] = []
    for number, row in enumerate(rows[1:], start=2):
        if not row or not any(c.strip() for c in row):
            continue
        if row[0].strip().startswith("总交易单数"):
            break
        # Every value carries a leading backtick in WeChat's file.
        cells = dict(zip(header, (c.strip().removeprefix("`") for c in row), strict=False))
        where = f"第 {number} 行"
        try:
            moment = datetime.strptime(cells["交易时间"], "%Y-%m-%d %H:%M:%S")
        except (KeyError, ValueError):
            raise StatementError(f"{where}：交易时间「{cells.get('交易时间')}」无效") from None
        state = cells.get("交易状态", "")
        refund = state in ("REFUND", "REVOKED")
        amount_text = cells.get("退款金额" if refund else "订单金额") or cells.get(
            "应结订单金额", ""
        )
        found.append(
            ParsedLine(
                line_no=number,
                trade_time=moment.replace(tzinfo=BUSINESS_TZ),
                trade_no=cells.get("微信订单号", ""),
                order_no=cells.get("商户订单号", ""),
                merchant_id=cells.get("商户号", ""),
                amount=_yuan(amount_text, where),
                state=state,
                kind=REFUND if refund else PAYMENT,
                raw=cells,
            )
        )
    return found


UNIONPAY_COLUMNS = ("txnTime", "merId", "orderId", "queryId", "txnAmt", "respCode")


def parse_unionpay(data: bytes) -> list[ParsedLine]:
    reader = csv.DictReader(io.StringIO(_text(data)))
    missing = [c for c in UNIONPAY_COLUMNS if c not in (reader.fieldnames or [])]
    if missing:
        raise StatementError(f"不是银联对账文件：表头缺少 {'、'.join(missing)}")
    found: list[ParsedLine] = []
    for number, cells in enumerate(reader, start=2):
        where = f"第 {number} 行"
        cells = {k: (v or "").strip() for k, v in cells.items() if k}
        try:
            moment = datetime.strptime(cells["txnTime"], "%Y%m%d%H%M%S")
        except ValueError:
            raise StatementError(f"{where}：txnTime「{cells['txnTime']}」无效") from None
        if not cells["txnAmt"].isdigit():
            raise StatementError(f"{where}：txnAmt「{cells['txnAmt']}」应为以分为单位的整数")
        found.append(
            ParsedLine(
                line_no=number,
                trade_time=moment.replace(tzinfo=BUSINESS_TZ),
                trade_no=cells["queryId"],
                order_no=cells["orderId"],
                merchant_id=cells["merId"],
                amount=(Decimal(cells["txnAmt"]) / 100).quantize(Decimal("0.01")),
                state=cells["respCode"],
                kind=PAYMENT if cells["respCode"] == "00" else "failed",
                raw=cells,
            )
        )
    return found


PARSERS = {WECHAT: parse_wechat, UNIONPAY: parse_unionpay}
