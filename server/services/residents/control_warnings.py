"""The 费控 policy's warnings told to residents (`notify_warning` is the policy's notify):
a template message to every bound follower, else an SMS to the account's mobile (the
low-balance alert's templates, which carry the balance and the pay link)."""

from __future__ import annotations

from sqlalchemy.orm import Session

from server.db.models import Account
from server.db.models.control import CUTOFF
from server.services.control.policy import WarningNotice
from server.services.core.calendar import local_minute
from server.services.residents import outbox
from server.services.residents.reminders import reach

_KIND = "low_balance"


def notify_warning(session: Session, notice: WarningNotice) -> str:
    """Queue the warning's messages; returns the channel: wechat, sms or none."""
    account = session.get(Account, notice.account_id)
    assert account is not None
    followers, mobile = reach(session, account)
    url = f"/h5/pay?account={account.id}"
    if notice.kind == CUTOFF:
        first = "您的预存余额已低于停电金额，请尽快充值"
        after = local_minute(notice.switch_after)
        third = f"低于停电金额 {notice.threshold:,.2f} 元，{after} 后将停电（停水）"
    else:
        first = "您的预存余额不足，请及时充值"
        third = f"低于提醒金额 {notice.threshold:,.2f} 元"
    data = {
        "first": first,
        "keyword1": f"{account.account_no} {account.holder_name}",
        "keyword2": f"{notice.balance:,.2f} 元",
        "keyword3": third,
        "remark": "充值到账后自动恢复供电（供水）。点击在线充值，也可到任一校区分中心缴费。",
    }
    for user_id, _ in followers:
        # Once per top-up cycle: the policy records the warning in the same savepoint.
        outbox.enqueue(session, _KIND, user_id, data, url=url)
    if followers:
        return "wechat"
    if mobile:
        params = {"account": account.account_no, "balance": f"{notice.balance:.2f}", "link": url}
        outbox.enqueue_sms(session, _KIND, mobile, params, url=url)
        return "sms"
    return "none"
