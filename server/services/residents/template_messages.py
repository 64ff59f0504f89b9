"""Template messages about money: a bill issued (账单通知) and a payment received (缴费成功),
queued for every resident with an approved binding to the account.

Both are set-based and idempotent (the outbox's dedupe key is per bill or payment and
resident), so they can run after each billing run and on every cycle of the sender
without knowing what was queued before.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import text
from sqlalchemy.orm import Session

from server.services.billing.late_fees import due_date
from server.services.core.calendar import Period

# {"first", "keyword1", "keyword2", "keyword3", "remark"}: the fields of the 账单 template.
_BILLS = """
    insert into outbox_message (kind, wechat_user_id, openid, template_id, url, payload,
                                dedupe_key, status, attempts, last_error)
    select 'bill', u.id, u.openid, '', '/h5/pay?account=' || b.account_id,
           jsonb_build_object(
               'first', '您的' || cast(:month as text) || '水电费账单已出',
               'keyword1', b.account_no || ' ' || b.holder_name,
               'keyword2', to_char(b.total, 'FM999,999,990.00') || ' 元',
               'keyword3', cast(:due as text),
               'remark', '点击在线缴费，也可到任一校区分中心缴费。'),
           'bill:' || b.id || ':' || u.id, 'pending', 0, ''
    from bill b
    join binding g on g.account_id = b.account_id and g.status = 'approved'
    join wechat_user u on u.id = g.wechat_user_id
    where b.period = :period and b.status <> 'void' and b.total > 0
    on conflict (dedupe_key) do nothing
"""

_PAYMENTS = """
    insert into outbox_message (kind, wechat_user_id, openid, template_id, url, payload,
                                dedupe_key, status, attempts, last_error)
    select 'payment', u.id, u.openid, '', '/h5/usage?account=' || p.account_id,
           jsonb_build_object(
               'first', '您已成功缴费',
               'keyword1', a.account_no || ' ' || a.holder_name,
               'keyword2', to_char(p.amount, 'FM999,999,990.00') || ' 元',
               'keyword3', to_char(p.created_at at time zone 'Asia/Shanghai',
                                   'YYYY-MM-DD HH24:MI'),
               'remark', coalesce('收据号 ' || r.receipt_no, '')),
           'payment:' || p.id || ':' || u.id, 'pending', 0, ''
    from payment p
    join account a on a.id = p.account_id
    left join receipt r on r.payment_id = p.id
    join binding g on g.account_id = p.account_id and g.status = 'approved'
    join wechat_user u on u.id = g.wechat_user_id
    where p.created_at >= :since
      and not exists (select 1 from receipt_void v where v.receipt_id = r.id)
    on conflict (dedupe_key) do nothing
"""


def queue_bill_notices(session: Session, period: Period) -> int:
    """账单通知 for the period's bills; returns how many messages were newly queued."""
    due = due_date(str(period))
    result = session.connection().execute(
        text(_BILLS),
        {
            "period": str(period),
            "month": f"{period.year} 年 {period.month} 月",
            "due": f"请于 {due:%Y-%m-%d} 前缴纳",
        },
    )
    return result.rowcount or 0


def queue_payment_notices(session: Session, since: datetime) -> int:
    """缴费成功 for payments made since `since` (voided ones excluded)."""
    result = session.connection().execute(text(_PAYMENTS), {"since": since})
    return result.rowcount or 0
