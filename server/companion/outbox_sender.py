"""The outbox sender: claims due template messages, sends them through WeChat's API and
records each outcome in its own unit of work (see server.services.residents.outbox)."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from server.companion import wechat_api
from server.companion.settings import CompanionSettings
from server.companion.wechat_api import TemplateMessage, WechatApiError
from server.db.engine import unit_of_work
from server.services.core.errors import DomainError
from server.services.residents import outbox, sms

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class SendReport:
    sent: int = 0
    retrying: int = 0
    failed: int = 0
    stale: int = 0


def send_due(
    sessions: sessionmaker[Session], settings: CompanionSettings, batch: int = 20
) -> SendReport:
    with unit_of_work(sessions) as session:
        stale = outbox.fail_stale(session)
        claimed = outbox.claim_due(session, batch)
    if not claimed:
        return SendReport(stale=stale)
    counts = {"sent": 0, "pending": 0, "failed": 0}
    token = ""
    for message in claimed:
        if message.channel == "sms":
            counts[_send_sms(sessions, settings, message)] += 1
            continue
        template_id = settings.templates.get(message.kind, "")
        fallback = message.data.get(outbox.SMS_FALLBACK)
        if not template_id and message.phone and fallback:
            counts[_send_sms(sessions, settings, message, fallback)] += 1
            continue
        data = {k: str(v) for k, v in message.data.items() if k != outbox.SMS_FALLBACK}
        error: WechatApiError | None = None
        if not template_id:
            error = WechatApiError(f"未配置模板 wechat.template_{message.kind}", retry=False)
        else:
            try:
                token = token or _token(sessions, settings)
                template = TemplateMessage(
                    message.openid,
                    template_id,
                    # A page link needs the public address; without one, no link.
                    settings.base_url + message.url if settings.base_url else "",
                    data,
                )
                try:
                    wechat_api.send_template(token, settings, template)
                except WechatApiError as exc:
                    if exc.errcode not in wechat_api.TOKEN_ERRORS:
                        raise
                    # Another copy renewed the token (or WeChat revoked it): renew, once.
                    token = _token(sessions, settings, renew=True)
                    wechat_api.send_template(token, settings, template)
            except WechatApiError as exc:
                error = exc
        with unit_of_work(sessions) as session:
            if error is None:
                outbox.mark_sent(session, message.message_id, template_id)
                counts["sent"] += 1
            else:
                log.warning("outbox: message %s: %s", message.message_id, error)
                status = outbox.mark_failed(
                    session, message.message_id, str(error), retry=error.retry
                )
                counts[status] += 1
    return SendReport(counts["sent"], counts["pending"], counts["failed"], stale)


def _send_sms(
    sessions: sessionmaker[Session],
    settings: CompanionSettings,
    message: outbox.Claimed,
    data: dict[str, Any] | None = None,
) -> str:
    """Send an SMS row (a resident who never followed, staff without WeChat), or a WeChat
    row's SMS fallback `data`, through the configured gateway.
    A refusal that can pass by itself (flow control, a busy or unreachable gateway) is
    retried with the outbox's backoff; a permanent one (bad number, template or signature
    not approved, wrong keys, daily cap) fails at once. Either way the Chinese reason and
    the gateway's code are kept for the desk. Returns the row's new status."""
    params = {key: str(value) for key, value in (data or message.data).items()}
    if "link" in params:
        params["link"] = settings.base_url + params["link"]
    try:
        request_id = sms.sender_for(settings.sms).send(message.phone, message.kind, params)
    except sms.SmsError as exc:
        reason = f"{exc}（{exc.code}）" if exc.code else str(exc)
        return _sms_failed(sessions, message, reason, retry=exc.retry)
    except DomainError as exc:
        # Our own mistake (a kind without a template, a parameter missing): no retry mends it.
        return _sms_failed(sessions, message, str(exc), retry=False)
    with unit_of_work(sessions) as session:
        outbox.mark_sent(session, message.message_id, f"sms:{request_id}"[:64])
    return "sent"


def _sms_failed(
    sessions: sessionmaker[Session], message: outbox.Claimed, reason: str, *, retry: bool
) -> str:
    log.warning("outbox: SMS message %s: %s", message.message_id, reason)
    with unit_of_work(sessions) as session:
        return outbox.mark_failed(session, message.message_id, reason, retry=retry)


def _token(
    sessions: sessionmaker[Session], settings: CompanionSettings, renew: bool = False
) -> str:
    with unit_of_work(sessions) as session:
        return wechat_api.access_token(session, settings, renew=renew)
