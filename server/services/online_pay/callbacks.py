"""Callbacks and the active query: verify, log, settle, answer.

Every callback is logged in payment_notification with its headers; a verified one with its
raw body, an unverified one with a bounded prefix and the SHA-256 of the whole, so nobody can
fill the disk through the log. A forged or stale one changes nothing else and gets the
provider's failure answer; past a few a minute from one address they are refused without
being logged at all (verified ones never are).
A verified one is settled and logged in one transaction, so the log never says "applied"
for money that is not on the books. When settling fails unexpectedly (the database went
away, the process is stopped) the transaction is rolled back and the provider is told to
try again; its retry is applied then, once.

The active query asks the provider about orders still waiting after `query_after`:
a paid one is settled exactly as its callback would have been, an unpaid one past its
expiry is closed (a payment after that is kept as an exception), and a provider that
does not answer leaves the order for the next run.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Mapping
from dataclasses import asdict, dataclass, replace
from datetime import datetime, timedelta

from sqlalchemy import func, insert, select, text, update
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from server.db.base import table_of
from server.db.engine import unit_of_work
from server.db.models import PaymentNotification, PaymentOrder
from server.db.models.online_pay import ORDER_CLOSED, ORDER_CREATED
from server.db.reach import unreachable_reason
from server.services.core import audit, ratelimit
from server.services.core.calendar import transaction_time
from server.services.core.ratelimit import Limit, RateLimited
from server.services.online_pay.orders import (
    APPLIED,
    DUPLICATE,
    ERROR,
    NOT_PAID,
    REJECTED,
    WRONG_MERCHANT,
    Settled,
    ref_of,
    settle,
    system_actor,
)
from server.services.online_pay.providers import (
    Answer,
    NotifyRejected,
    Provider,
    ProviderUnavailable,
    TradeState,
)

log = logging.getLogger(__name__)

# Headers worth keeping with a callback (never cookies or proxies' internals).
_KEPT_HEADERS = ("content-type", "user-agent", "wechatpay-timestamp", "wechatpay-nonce",
                 "wechatpay-signature", "wechatpay-serial", "wechatpay-signature-type",
                 "demopay-timestamp", "demopay-signature",
                 "x-forwarded-for", "x-real-ip", "request-id")  # fmt: skip
# Past its expiry an unpaid order is closed after this much more, so a payment made in
# the last second and reported slowly is still found by the query first.
CLOSE_GRACE = timedelta(minutes=5)
QUERY_BATCH = 200
# The answer while the database is away; the companion adds Retry-After.
UNAVAILABLE = 503
# What is kept of a body that did not verify: enough to see what it was.
UNVERIFIED_KEPT = 2048
# A provider's real callbacks verify; a misconfigured key (a rotated certificate) fails them
# all, so this leaves room for diagnosis and no more.
UNVERIFIED_PER_ADDRESS = Limit(
    "notify-unverified:ip", 60, timedelta(minutes=10), "未验证的通知过多，请稍后再试"
)


_INSERT_LOG = insert(table_of(PaymentNotification))


def _log(
    session: Session,
    provider: str,
    source: str,
    headers: Mapping[str, str],
    body: str,
    remote: str,
    verified: bool,
    outcome: str,
    detail: str,
    state: TradeState | None = None,
) -> None:
    # A plain INSERT of the table (no ORM object, no ORM bulk insert): most callbacks are
    # repeats, and this row is all they write, so the ORM's machinery would be most of
    # their CPU.
    session.execute(
        _INSERT_LOG,
        {
            "provider": provider,
            "source": source,
            "headers": {k: v for k, v in headers.items() if k.lower() in _KEPT_HEADERS},
            "body": body,
            "remote_addr": remote[:64],
            "verified": verified,
            "order_no": (state.order_no if state else "")[:40],
            "trade_no": (state.trade_no if state else "")[:64],
            "outcome": outcome,
            "detail": detail[:300],
        },
    )


def unverified_body(body: bytes) -> str:
    """What the log keeps of an unverified body: its first UNVERIFIED_KEPT bytes and the
    size and SHA-256 of the whole, so a copy found elsewhere can still be matched."""
    prefix = body[:UNVERIFIED_KEPT].decode("utf-8", errors="replace")
    digest = hashlib.sha256(body).hexdigest()
    return f"{prefix}\n[未验证：共 {len(body)} 字节，SHA-256 {digest}]"


def _merchant_problem(provider: Provider, state: TradeState) -> str:
    if state.merchant_id != provider.merchant_id:
        return f"商户号 {state.merchant_id} 不是本单位的 {provider.merchant_id}"
    app_id = getattr(getattr(provider, "config", None), "app_id", "")
    if state.app_id and app_id and state.app_id != app_id:
        return f"应用号 {state.app_id} 不是本单位的 {app_id}"
    return ""


def handle_notify(
    sessions: sessionmaker[Session],
    provider: Provider,
    headers: Mapping[str, str],
    body: bytes,
    remote: str = "",
) -> tuple[Answer, Settled]:
    """One provider callback, from raw request to the answer the provider expects."""
    plain_headers = {k.lower(): v for k, v in headers.items()}
    try:
        state = provider.verify_notify(headers, body)
    except NotifyRejected as exc:
        log.warning("%s notify rejected from %s: %s", provider.name, remote, exc)
        try:
            with unit_of_work(sessions) as session:
                ratelimit.hit(session, UNVERIFIED_PER_ADDRESS, remote or "?")
                _no_flush_wait(session)
                _log(session, provider.name, "notify", plain_headers, unverified_body(body),
                     remote, False, REJECTED, str(exc))  # fmt: skip
        except RateLimited as limited:
            return replace(provider.refused(str(limited)), status=429), Settled(
                REJECTED, str(limited)
            )
        except SQLAlchemyError:
            log.exception("%s notify from %s not logged", provider.name, remote)
        return provider.refused(str(exc)), Settled(REJECTED, str(exc))
    raw = body.decode("utf-8", errors="replace")
    problem = _merchant_problem(provider, state)
    if problem:
        try:
            with unit_of_work(sessions) as session:
                _log(session, provider.name, "notify", plain_headers, raw, remote, True,
                     WRONG_MERCHANT, problem, state)  # fmt: skip
        except SQLAlchemyError:
            log.exception("%s notify for %s not logged", provider.name, state.order_no)
        return provider.refused(problem), Settled(WRONG_MERCHANT, problem)
    try:
        with unit_of_work(sessions) as session:
            outcome = settle(session, state, "notify")
            if outcome.outcome in (DUPLICATE, NOT_PAID):
                _no_flush_wait(session)
            _log(session, provider.name, "notify", plain_headers, raw, remote, True,
                 outcome.outcome, outcome.detail, state)  # fmt: skip
    except Exception as exc:
        # Rolled back: nothing applied. The provider retries a failed answer, and the
        # retry is settled then.
        log.exception("%s notify for %s not settled", provider.name, state.order_no)
        reason = unreachable_reason(exc)
        if reason is not None:
            # No database to write to (the primary lost, its standby not yet promoted):
            # nowhere to log it either. 503 in the provider's failure form: it sends again.
            answer = replace(provider.refused("服务暂时不可用，请稍后重发"), status=UNAVAILABLE)
            return answer, Settled(ERROR, f"数据库不可用：{reason}")
        detail = f"处理失败，等待重发：{type(exc).__name__}"
        try:
            with unit_of_work(sessions) as session:
                _log(session, provider.name, "notify", plain_headers, raw, remote, True,
                     ERROR, detail, state)  # fmt: skip
        except SQLAlchemyError:
            # The database is away: the provider's retry is all the record there can be.
            log.exception("%s notify for %s not logged", provider.name, state.order_no)
        return provider.refused("处理失败，请稍后重发"), Settled(ERROR, detail)
    return provider.accepted(), outcome


def _no_flush_wait(session: Session) -> None:
    """Commit a transaction that changed no money without waiting for its WAL flush.

    Only for callbacks that wrote nothing but their log row (a repeat, a forgery, a "not
    paid"): most of a provider's callbacks are such repeats, and the flush wait is most of
    their cost. A crash can lose the last fraction of a second of such log rows, never a
    payment or an exception (those commit synchronously).
    """
    session.execute(text("set local synchronous_commit to off"))


@dataclass(frozen=True)
class QueryReport:
    asked: int
    applied: int
    exceptions: int
    closed: int
    still_waiting: int
    unavailable: int
    # (order no, what happened) for the operator's log
    lines: tuple[tuple[str, str], ...]


def query_waiting(
    sessions: sessionmaker[Session],
    providers: Mapping[str, Provider],
    query_after: timedelta,
    now: datetime | None = None,
) -> QueryReport:
    """Ask the providers about orders without an answer `query_after` after they were made."""
    with unit_of_work(sessions) as session:
        moment = now or transaction_time(session)
        waiting = session.scalars(
            select(PaymentOrder)
            .where(
                PaymentOrder.status == ORDER_CREATED,
                PaymentOrder.created_at <= moment - query_after,
                PaymentOrder.provider.in_(list(providers)),
            )
            .order_by(PaymentOrder.created_at)
            .limit(QUERY_BATCH)
        ).all()
        orders = [(o.id, o.provider, o.expires_at, ref_of(o)) for o in waiting]
    counts = {"applied": 0, "exception": 0, "closed": 0, "waiting": 0, "unavailable": 0}
    lines: list[tuple[str, str]] = []
    for order_id, name, expires_at, ref in orders:
        provider = providers[name]
        try:
            state = provider.query(ref)
        except ProviderUnavailable as exc:
            counts["unavailable"] += 1
            lines.append((ref.order_no, f"查询失败：{exc}"))
            with unit_of_work(sessions) as session:
                _touch(session, order_id)
                _log(session, name, "query", {}, "", "", False, "unavailable", str(exc))
            continue
        try:
            bucket, outcome = _after_query(sessions, provider, order_id, expires_at, state, moment)
        except Exception as exc:
            # One order's failure (a lost database connection) must not stop the others.
            log.exception("query of %s not settled", ref.order_no)
            bucket, outcome = "unavailable", Settled(ERROR, f"处理失败：{type(exc).__name__}")
        counts[bucket] += 1
        if bucket != "waiting":
            lines.append((ref.order_no, outcome.detail))
    return QueryReport(
        asked=len(orders),
        applied=counts["applied"],
        exceptions=counts["exception"],
        closed=counts["closed"],
        still_waiting=counts["waiting"],
        unavailable=counts["unavailable"],
        lines=tuple(lines),
    )


def _after_query(
    sessions: sessionmaker[Session],
    provider: Provider,
    order_id: int,
    expires_at: datetime,
    state: TradeState | None,
    moment: datetime,
) -> tuple[str, Settled]:
    """Act on one query answer in its own transaction: (report bucket, what happened)."""
    with unit_of_work(sessions) as session:
        if state is not None and state.paid:
            problem = _merchant_problem(provider, state)
            outcome = (
                Settled(WRONG_MERCHANT, problem) if problem else settle(session, state, "query")
            )
            # A callback may have settled it since the order was picked: settled all the same.
            bucket = "applied" if outcome.outcome in (APPLIED, DUPLICATE) else "exception"
        elif moment > expires_at + CLOSE_GRACE:
            outcome = _close(session, order_id, provider.name)
            bucket = "closed"
        else:
            outcome = Settled("waiting", "尚未付款")
            bucket = "waiting"
            _touch(session, order_id)
        body = json.dumps(asdict(state), default=str, ensure_ascii=False) if state else ""
        _log(session, provider.name, "query", {}, body, "", True, outcome.outcome,
             outcome.detail, state)  # fmt: skip
    return bucket, outcome


def _touch(session: Session, order_id: int) -> None:
    session.execute(
        update(PaymentOrder)
        .where(PaymentOrder.id == order_id)
        .values(last_queried_at=func.now(), query_count=PaymentOrder.query_count + 1)
    )


def _close(session: Session, order_id: int, provider: str) -> Settled:
    """Close an unpaid expired order, under its lock so a callback in flight wins."""
    order = session.scalar(
        select(PaymentOrder)
        .where(PaymentOrder.id == order_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    if order is None or order.status != ORDER_CREATED:
        return Settled("unchanged", "订单状态已变化")
    session.execute(
        update(PaymentOrder)
        .where(PaymentOrder.id == order_id)
        .values(
            status=ORDER_CLOSED,
            last_queried_at=func.now(),
            query_count=PaymentOrder.query_count + 1,
        )
    )
    audit.record(
        session,
        system_actor(provider),
        "payment_order.close",
        "payment_order",
        order_id,
        {"order_no": order.order_no, "reason": "过期未付款"},
    )
    return Settled("closed", f"订单 {order.order_no} 过期未付款，已关闭")
