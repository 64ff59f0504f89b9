"""How a payment came (收款方式) and its cheque number or bank serial (票据号/流水号): a
reference is registered once per channel and bank, so the same cheque or transfer cannot be
booked twice."""

from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.sql.dml import ReturningInsert

from server.db.base import Base, table_of
from server.db.models.payments import CHANNEL_LABELS, CHANNELS, CHEQUE, ONLINE, TRANSFER
from server.services.core.errors import DomainError, InvalidInput

_CHANNEL_NAMES = {
    **{code: code for code in CHANNELS},
    **{label: code for code, label in CHANNEL_LABELS.items()},
    "转账": TRANSFER,
    "银行转账": TRANSFER,
    "网上支付": ONLINE,
}


def channel_of(name: str) -> str:
    channel = _CHANNEL_NAMES.get(name.strip())
    if channel is None:
        raise InvalidInput(f"收款方式应为 现金、支票、网银转账 或 在线支付，收到「{name}」")
    return channel


def insert_once(model: type[Base], *keys: str) -> ReturningInsert[int]:
    """INSERT … RETURNING id, ON CONFLICT on the reference's partial unique index (`keys`,
    where reference <> ''): a reference registered before, or by a counter racing this one
    (the insert waits for that transaction and sees its commit), inserts nothing and returns
    no id, and the caller names the earlier document instead of failing on the index."""
    table = table_of(model)
    return (
        pg_insert(table)
        .on_conflict_do_nothing(index_elements=list(keys), index_where=text("reference <> ''"))
        .returning(table.c.id)
    )


def duplicate_message(channel: str, bank: str, reference: str, receipt_no: str | None) -> str:
    where = f"，收据 {receipt_no}" if receipt_no else ""
    if channel == CHEQUE:
        return f"支票号 {reference}（{bank}）已登记{where}"
    if channel == ONLINE:
        return f"支付流水号 {reference} 已登记{where}"
    return f"银行流水号 {reference}{f'（{bank}）' if bank else ' '}已登记{where}"


def check_reference(channel: str, reference: str, bank: str) -> None:
    if channel == CHEQUE and not reference:
        raise InvalidInput("支票收款须填写支票号")
    if channel == CHEQUE and not bank:
        raise InvalidInput(f"支票 {reference} 须填写出票银行")
    if channel == TRANSFER and not reference:
        raise InvalidInput("网银转账须填写银行流水号")
    if channel == ONLINE and not reference:
        raise InvalidInput("在线支付须填写支付流水号")
    if len(reference) > 64 or len(bank) > 60:
        raise DomainError(f"票据号或银行名称过长：「{reference}」「{bank}」")
