"""Calls to WeChat's servers: OAuth (code → openid), the API access token, template
messages. The base URLs come from settings, so tests and staging point them at a stand-in.
"""

from __future__ import annotations

import hashlib
import json
import logging
from dataclasses import dataclass
from datetime import timedelta
from urllib.parse import urlencode

import requests
from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from server.companion.settings import CompanionSettings
from server.db.models import WechatAccessToken

log = logging.getLogger(__name__)

TIMEOUT = 5
# Refresh a little before WeChat's expiry so a token never dies mid-batch.
TOKEN_MARGIN = timedelta(minutes=5)
# errcodes after which the same message will never succeed (unfollowed, bad openid/template).
PERMANENT_ERRORS = {40003, 40037, 43004, 43101, 47003}
TOKEN_ERRORS = {40001, 40014, 42001}


class WechatApiError(Exception):
    def __init__(self, message: str, *, retry: bool, errcode: int | None = None) -> None:
        super().__init__(message)
        self.retry = retry
        self.errcode = errcode


def authorize_url(settings: CompanionSettings, redirect_uri: str, state: str) -> str:
    """WeChat's OAuth page (snsapi_base: no prompt, the openid only)."""
    query = urlencode(
        {
            "appid": settings.app_id,
            "redirect_uri": redirect_uri,
            "response_type": "code",
            "scope": "snsapi_base",
            "state": state,
        }
    )
    return f"{settings.oauth_url}/connect/oauth2/authorize?{query}#wechat_redirect"


def _get_json(url: str, **params: str) -> dict:
    try:
        response = requests.get(url, params=params, timeout=TIMEOUT)
        response.raise_for_status()
        return response.json()
    except (requests.RequestException, ValueError) as exc:
        raise WechatApiError(f"微信接口不可用：{type(exc).__name__}", retry=True) from exc


def openid_for_code(settings: CompanionSettings, code: str) -> str:
    data = _get_json(
        f"{settings.api_url}/sns/oauth2/access_token",
        appid=settings.app_id,
        secret=settings.app_secret,
        code=code,
        grant_type="authorization_code",
    )
    if data.get("errcode") or not data.get("openid"):
        raise WechatApiError(
            f"微信授权失败：{data.get('errcode')} {data.get('errmsg', '')}", retry=False
        )
    return str(data["openid"])


def access_token(session: Session, settings: CompanionSettings, *, renew: bool = False) -> str:
    """The account's API token, fetched once for every copy of the service: the row lock
    makes the others wait for the one that refreshes instead of invalidating its token."""
    # The row exists before anyone locks it, so two first-time fetchers queue on the lock
    # instead of both inserting.
    session.execute(
        text(
            "insert into wechat_access_token (app_id, token, expires_at)"
            " values (:a, '', 'epoch') on conflict (app_id) do nothing"
        ),
        {"a": settings.app_id},
    )
    row = session.get(WechatAccessToken, settings.app_id, with_for_update=True)
    assert row is not None
    fresh = session.scalar(select(func.now() + TOKEN_MARGIN))
    if not renew and fresh is not None and row.expires_at > fresh:
        return row.token
    data = _get_json(
        f"{settings.api_url}/cgi-bin/token",
        grant_type="client_credential",
        appid=settings.app_id,
        secret=settings.app_secret,
    )
    if not data.get("access_token"):
        raise WechatApiError(
            f"获取 access_token 失败：{data.get('errcode')} {data.get('errmsg', '')}", retry=True
        )
    lifetime = timedelta(seconds=int(data["expires_in"]))
    expires = session.execute(select(func.now() + lifetime)).scalar_one()
    row.token, row.expires_at = data["access_token"], expires
    session.flush()
    return str(data["access_token"])


def jsapi_ticket(session: Session, settings: CompanionSettings) -> str:
    """The JS-SDK ticket (jsapi_ticket), kept like the access token: one row for every copy
    of the service, under the key "<app_id>:jsapi"."""
    key = f"{settings.app_id}:jsapi"
    session.execute(
        text(
            "insert into wechat_access_token (app_id, token, expires_at)"
            " values (:a, '', 'epoch') on conflict (app_id) do nothing"
        ),
        {"a": key},
    )
    row = session.get(WechatAccessToken, key, with_for_update=True)
    assert row is not None
    fresh = session.scalar(select(func.now() + TOKEN_MARGIN))
    if fresh is not None and row.expires_at > fresh:
        return row.token
    data = _get_json(
        f"{settings.api_url}/cgi-bin/ticket/getticket",
        access_token=access_token(session, settings),
        type="jsapi",
    )
    if data.get("errcode") or not data.get("ticket"):
        raise WechatApiError(
            f"获取 jsapi_ticket 失败：{data.get('errcode')} {data.get('errmsg', '')}", retry=True
        )
    row.token = str(data["ticket"])
    lifetime = timedelta(seconds=int(data["expires_in"]))
    row.expires_at = session.execute(select(func.now() + lifetime)).scalar_one()
    session.flush()
    return row.token


def jssdk_signature(ticket: str, nonce: str, timestamp: str, url: str) -> str:
    """wx.config's signature: sha1 over the four fields in this order, the URL without
    its fragment."""
    plain = f"jsapi_ticket={ticket}&noncestr={nonce}&timestamp={timestamp}&url={url}"
    return hashlib.sha1(plain.encode()).hexdigest()


@dataclass(frozen=True)
class TemplateMessage:
    openid: str
    template_id: str
    url: str
    data: dict[str, str]


def send_template(token: str, settings: CompanionSettings, message: TemplateMessage) -> None:
    body = {
        "touser": message.openid,
        "template_id": message.template_id,
        "url": message.url,
        "data": {key: {"value": value} for key, value in message.data.items()},
    }
    try:
        response = requests.post(
            f"{settings.api_url}/cgi-bin/message/template/send",
            params={"access_token": token},
            json=body,
            timeout=TIMEOUT,
        )
        response.raise_for_status()
        result = response.json()
    except (requests.RequestException, ValueError) as exc:
        raise WechatApiError(f"发送失败：{type(exc).__name__}", retry=True) from exc
    errcode = int(result.get("errcode", 0))
    if errcode:
        raise WechatApiError(
            f"微信返回 {errcode} {result.get('errmsg', '')}",
            retry=errcode not in PERMANENT_ERRORS,
            errcode=errcode,
        )


def create_menu(token: str, settings: CompanionSettings, menu: dict) -> None:
    """Replace the official account's custom menu (it shows within minutes in WeChat)."""
    try:
        response = requests.post(
            f"{settings.api_url}/cgi-bin/menu/create",
            params={"access_token": token},
            # WeChat wants the Chinese as is, not \u escapes.
            data=json.dumps(menu, ensure_ascii=False).encode(),
            headers={"Content-Type": "application/json; charset=utf-8"},
            timeout=TIMEOUT,
        )
        response.raise_for_status()
        result = response.json()
    except (requests.RequestException, ValueError) as exc:
        raise WechatApiError(f"菜单设置失败：{type(exc).__name__}", retry=True) from exc
    if int(result.get("errcode", 0)):
        raise WechatApiError(
            f"菜单设置失败：{result.get('errcode')} {result.get('errmsg', '')}", retry=False
        )
