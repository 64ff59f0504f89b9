"""对账: a WeChat trade bill and a UnionPay statement against our payments, with one
missing on each side, one amount mismatch and one kept exception; the Excel report; the
payments export with online payments; the CLI commands."""

from __future__ import annotations

import io
from datetime import datetime
from decimal import Decimal as D
from typing import TYPE_CHECKING

import openpyxl
import pytest
from click.testing import CliRunner
from sqlalchemy import select

from server.cli import cli
from server.db.engine import unit_of_work
from server.db.models import PaymentOrder
from server.services.collection.online_receipts import issue_online_receipt
from server.services.collection.payment_export import payment_rows
from server.services.core import calendar
from server.services.core.audit import Actor
from server.services.core.errors import DomainError
from server.services.online_pay import callbacks, reconcile, statement_files
from tests.payfakes import (
    MCH_ID,
    MER_ID,
    unionpay_fields,
    unionpay_notify,
    wechat_notify,
    wechat_transaction,
)

if TYPE_CHECKING:
    from tests.online_pay_fixtures import PayWorld

pytest_plugins = ["tests.online_pay_fixtures"]
STAFF = Actor(label="财务 韩梅梅")
HEADER = (
    "交易时间,公众账号ID,商户号,特约商户号,设备号,微信订单号,商户订单号,用户标识,交易类型,"
    "交易状态,付款银行,货币种类,应结订单金额,代金券金额,微信退款单号,商户退款单号,退款金额,"
    "充值券退款金额,退款类型,退款状态,商品名称,商户数据包,手续费,费率,订单金额,申请退款金额,费率备注"
)


def wechat_paid(world: PayWorld, account_no: str, topup: str) -> tuple[str, str]:
    order = world.order("wechat", account_no=account_no, topup=D(topup))
    transaction = wechat_transaction(order.order_no, int(D(topup) * 100))
    headers, body = wechat_notify(world.keys, transaction)
    answer, _ = callbacks.handle_notify(
        world.sessions, world.runtime.providers["wechat"], headers, body
    )
    assert answer.status == 204
    return order.order_no, transaction["transaction_id"]


def bill_row(
    moment: str, trade_no: str, order_no: str, state: str, amount: str, refund: str = "0.00"
) -> str:
    cells = [moment, "wx8888888888888888", MCH_ID, "0", "", trade_no, order_no, "oUpF8u",
             "JSAPI", state, "CMC", "CNY", amount, "0.00", "", "", refund, "0.00", "", "",
             "水电费", "", "0.00000", "0.60%", amount, "0.00", ""]  # fmt: skip
    return ",".join(f"`{c}" for c in cells)


def test_wechat_bill_reconciles_with_one_missing_each_side_and_a_mismatch(
    pay_world: PayWorld, tmp_path
) -> None:
    day = calendar.now().strftime("%Y-%m-%d")
    matched = wechat_paid(pay_world, "A002", "100.00")
    mismatched = wechat_paid(pay_world, "A002", "20.00")
    ours_only = wechat_paid(pay_world, "A002", "30.00")
    # Money kept for staff: on the statement, explained by the exceptions list.
    stray = wechat_transaction("MD2026STRAY", 500)
    callbacks.handle_notify(
        pay_world.sessions,
        pay_world.runtime.providers["wechat"],
        *wechat_notify(pay_world.keys, stray),
    )
    lines = [
        HEADER,
        bill_row(f"{day} 09:00:00", matched[1], matched[0], "SUCCESS", "100.00"),
        bill_row(f"{day} 09:05:00", mismatched[1], mismatched[0], "SUCCESS", "21.00"),
        bill_row(f"{day} 09:10:00", "4200000999202611239999", "MD2026GHOST", "SUCCESS", "7.00"),
        bill_row(f"{day} 09:20:00", stray["transaction_id"], "MD2026STRAY", "SUCCESS", "5.00"),
        bill_row(f"{day} 10:00:00", matched[1], matched[0], "REFUND", "0.00", refund="1.00"),
        "总交易单数,应结订单总金额,退款总金额,充值券退款总金额,手续费总金额,订单总金额,申请退款总金额",
        "`5,`133.00,`1.00,`0.00,`0.80000,`133.00,`1.00",
    ]
    path = tmp_path / f"wechat_{day}.csv"
    path.write_bytes(("\ufeff" + "\r\n".join(lines) + "\r\n").encode())
    with unit_of_work(pay_world.sessions) as session:
        statement_id = reconcile.import_statement(
            session, STAFF, "wechat", path.name, path.read_bytes()
        )
        result = reconcile.reconcile(session, statement_id)
    by_status = {s: [line.trade_no for line in result.of(s)] for s in reconcile.STATUS_LABELS}
    assert by_status["matched"] == [matched[1]]
    assert by_status["mismatch"] == [mismatched[1]]
    assert by_status["missing_ours"] == ["4200000999202611239999"]
    assert by_status["missing_statement"] == [ours_only[1]]
    assert by_status["explained"] == [stray["transaction_id"]]
    assert by_status["refund"] == [matched[1]]
    assert result.unexplained == 3
    assert result.of("mismatch")[0].note == "对账单 21.00 元，我方 20.00 元"
    assert (result.statement_total, result.our_total) == (D("132.00"), D("150.00"))
    with unit_of_work(pay_world.sessions) as session, pytest.raises(DomainError, match="已导入"):
        reconcile.import_statement(session, STAFF, "wechat", path.name, path.read_bytes())
    name, mimetype, content = reconcile.reconciliation_xlsx(result, datetime(2026, 11, 23, 18))
    assert name.startswith("微信支付对账") and mimetype.endswith("sheet")
    sheet = openpyxl.load_workbook(io.BytesIO(content)).active
    values = [[c for c in row] for row in sheet.iter_rows(values_only=True)]
    assert ["待查明", 3] in [row[:2] for row in values]
    header_at = next(i for i, row in enumerate(values) if row[0] == "状态")
    assert [row[0] for row in values[header_at + 1 : header_at + 4]] == [
        "金额不符",
        "我方无记录",
        "对账单无记录",
    ]


def test_unionpay_statement_and_the_cli(pay_world: PayWorld, tmp_path, md_env_for) -> None:
    order = pay_world.order("unionpay")
    fields = unionpay_fields(order.order_no, 6500, pay_world.txn_time(order.order_no))
    answer, _ = callbacks.handle_notify(
        pay_world.sessions,
        pay_world.runtime.providers["unionpay"],
        *unionpay_notify(pay_world.keys, fields),
    )
    assert answer.status == 200
    path = tmp_path / "unionpay.csv"
    path.write_text(
        "txnTime,merId,orderId,queryId,txnAmt,respCode\n"
        f"{fields['txnTime']},{MER_ID},{order.order_no},{fields['queryId']},6500,00\n"
        f"{fields['txnTime']},{MER_ID},MDFAILED,771100000000000001,100,61\n",
        encoding="utf-8",
    )
    output = tmp_path / "对账.xlsx"
    runner = CliRunner()
    result = runner.invoke(
        cli, ["reconcile", str(path), "--provider", "unionpay", "-o", str(output)]
    )
    assert result.exit_code == 0, result.output
    assert "一致 1" in result.output and "待查明 0" in result.output
    assert output.exists()
    # The day's payments export carries the online payment, with its receipt once issued.
    today = calendar.now().date()
    with unit_of_work(pay_world.sessions) as session:
        rows = [r for r in payment_rows(session, today, today) if r.channel == "在线支付"]
        assert [(r.period, r.amount, r.receipt_no, r.branch) for r in rows] == [
            ("2026-09", D("40.00"), "", "银联在线"),
            ("2026-10", D("25.00"), "", "银联在线"),
        ]
        issued = issue_online_receipt(session, STAFF, order.order_no, "D")
    with unit_of_work(pay_world.sessions) as session:
        rows = [r for r in payment_rows(session, today, today) if r.channel == "在线支付"]
    assert {r.receipt_no for r in rows} == {issued.receipt_no}
    assert len(rows) == 2


def test_pay_orders_query_cli(pay_world: PayWorld, md_env_for) -> None:
    order = pay_world.order("wechat")
    pay_world.standin.state.wechat_orders[order.order_no] = wechat_transaction(order.order_no, 6500)
    result = CliRunner().invoke(cli, ["pay-orders", "query", "--after", "0"])
    assert result.exit_code == 0, result.output
    assert "入账 1" in result.output
    with unit_of_work(pay_world.sessions) as session:
        assert session.scalar(select(PaymentOrder.status)) == "paid"
    result = CliRunner().invoke(cli, ["pay-orders", "exceptions"])
    assert result.exit_code == 0 and "没有待处理" in result.output


def test_statement_list_for_the_page(pay_world: PayWorld) -> None:
    data = "txnTime,merId,orderId,queryId,txnAmt,respCode\n20261123100000,1,MDX,7711,100,00\n"
    with unit_of_work(pay_world.sessions) as session:
        statement_id = reconcile.import_statement(
            session, STAFF, "unionpay", "up.csv", data.encode()
        )
        [row] = reconcile.statements(session)
        with pytest.raises(statement_files.StatementError, match="txnAmt"):
            reconcile.import_statement(
                session, STAFF, "unionpay", "bad.csv", data.replace(",100,", ",1.00,").encode()
            )
    assert (row.statement_id, row.provider_label, row.line_count) == (statement_id, "银联在线", 1)
    assert str(row.first_day) == "2026-11-23"
