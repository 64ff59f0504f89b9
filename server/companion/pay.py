"""Online payment in the companion service: the providers' callbacks and the resident's
pay pages (/h5/pay).

The callbacks (/pay/wechat/notify, /pay/unionpay/notify, /pay/demo/notify) are read raw,
since the signatures are over the exact bytes, and handed to online_pay.callbacks on the
thread pool. 演示支付's cashier (/h5/pay/demo/confirm) stands in for a gateway: it sends
the signed callback to /pay/demo/notify over HTTP, as a gateway would. Every demo route
answers 404 unless the sandbox is offered (pay.demo on, no real merchant).

The providers come from the [pay] settings, loaded on first use (a test or a staging setup
puts its own `PayRuntime` on app.state.online_pay instead).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field, replace
from typing import Annotated, Any

import requests
from fastapi import APIRouter, Form, Request
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool

from server.companion.signed_in import Payer, payer_required
from server.companion.web import (
    RETRY_LATER,
    bounded_body,
    check_csrf,
    client_ip,
    md,
    redirect,
    render,
    uow,
)
from server.config import load_settings
from server.db.models.online_pay import DEMO, ORDER_CREATED, UNIONPAY, WECHAT
from server.services.collection import allocation
from server.services.collection.till import business_date
from server.services.core import calendar
from server.services.core.errors import DomainError, InvalidInput
from server.services.online_pay import callbacks, orders, providers_of
from server.services.online_pay.config import PayConfig, pay_config
from server.services.online_pay.demo import CASHIER_PATH, DemoPay
from server.services.online_pay.providers import Provider, ProviderUnavailable
from server.services.residents import bindings, wechat_users

log = logging.getLogger(__name__)
routes = APIRouter()
CHECKOUT_PAGES = {
    WECHAT: "h5/pay_wechat.html",
    UNIONPAY: "h5/pay_unionpay.html",
    DEMO: "h5/pay_demo.html",
}
# A real notify is a few KB (WeChat Pay's ~1 KB JSON, UnionPay's form with its ~2 KB
# certificate): anything near this is not from a provider. The nginx sample says the same.
MAX_NOTIFY_BYTES = 64 * 1024
# The sandbox's callback to ourselves: connect, then settle under load.
DEMO_NOTIFY_TIMEOUT = (3, 30)


@dataclass
class PayRuntime:
    config: PayConfig
    providers: dict[str, Provider] = field(default_factory=dict)

    @classmethod
    def of(cls, config: PayConfig) -> PayRuntime:
        return cls(config, providers_of(config))


def runtime(request: Request) -> PayRuntime:
    found = getattr(request.app.state, "online_pay", None)
    if found is None:
        found = PayRuntime.of(pay_config(load_settings()))
        request.app.state.online_pay = found
    return found


async def _notify(request: Request, name: str) -> Response:
    provider = runtime(request).providers.get(name)
    if provider is None:
        return Response("not configured", status_code=404)
    body = await bounded_body(request, MAX_NOTIFY_BYTES)
    if body is None:
        log.warning("%s notify from %s refused: body over %d bytes", name, client_ip(request),
                    MAX_NOTIFY_BYTES)  # fmt: skip
        answer = replace(provider.refused("报文过大"), status=413)
        return Response(answer.body, status_code=answer.status, media_type=answer.content_type)
    answer, _ = await run_in_threadpool(
        callbacks.handle_notify,
        md(request).sessions,
        provider,
        request.headers,
        body,
        client_ip(request),
    )
    headers = RETRY_LATER if answer.status == callbacks.UNAVAILABLE else None
    return Response(
        answer.body, status_code=answer.status, media_type=answer.content_type, headers=headers
    )


@routes.post("/pay/wechat/notify")
async def wechat_notify(request: Request) -> Response:
    return await _notify(request, WECHAT)


@routes.post("/pay/unionpay/notify")
async def unionpay_notify(request: Request) -> Response:
    return await _notify(request, UNIONPAY)


@routes.post("/pay/demo/notify")
async def demo_notify(request: Request) -> Response:
    return await _notify(request, DEMO)


# --- the resident's pages ------------------------------------------------------------------


def _pick(
    accounts: list[bindings.BoundAccount], account: int | None
) -> bindings.BoundAccount | None:
    return next((a for a in accounts if a.account_id == account), accounts[0] if accounts else None)


@routes.get("/h5/pay")
def pay_page(request: Request, user_id: Payer, account: int | None = None) -> Response:
    with uow(request) as session:
        accounts = bindings.bound_accounts(session, user_id)
        chosen = _pick(accounts, account)
        if chosen is None:
            return render(request, "h5/need_binding.html", title="在线缴费")
        if account is not None and chosen.account_id != account:
            # A notice's QR code of an account this resident has not bound: paying their
            # own first account instead would look like paying the notice.
            return render(request, "h5/need_binding.html", title="在线缴费", unbound=True)
        items = allocation.open_items(session, chosen.account_id, business_date())
        history = orders.orders_of_account(session, chosen.account_id, limit=10)
    return render(
        request,
        "h5/pay.html",
        accounts=accounts,
        chosen=chosen,
        items=items,
        owed=allocation.amount_owed(items),
        history=history,
        providers=[(name, orders.provider_label(name)) for name in runtime(request).providers],
        sandbox=DEMO in runtime(request).providers,
        topup_limits=(runtime(request).config.topup_min, runtime(request).config.topup_max),
    )


@routes.post("/h5/pay")
def start_payment(
    request: Request,
    user_id: Payer,
    account: Annotated[int, Form()],
    provider: Annotated[str, Form()],
    topup: Annotated[str, Form()] = "",
    csrf_token: Annotated[str, Form()] = "",
) -> Response:
    check_csrf(request, csrf_token)
    pay = runtime(request)
    chosen_provider = pay.providers.get(provider)
    if chosen_provider is None:
        raise InvalidInput("该支付方式暂未开通")
    # The order is committed before the provider hears of it, so a callback always
    # finds it; the provider's answer is kept in a second unit of work.
    with uow(request) as session:
        chosen = _pick(bindings.bound_accounts(session, user_id), account)
        if chosen is None or chosen.account_id != account:
            raise DomainError("只能为已绑定的户号缴费")
        resident = wechat_users.resident(session, user_id)
        amount = (
            orders.topup_amount(topup, pay.config.topup_min, pay.config.topup_max)
            if topup.strip()
            else None
        )
        view = orders.create_order(
            session,
            resident.actor,
            chosen.account_no,
            provider,
            pay.config.order_expiry,
            topup=amount,
            wechat_user_id=user_id,
            openid=resident.openid if provider == WECHAT else "",
        )
        with_txn = orders.ref_of_order_no(session, view.order_no)
    try:
        checkout = chosen_provider.checkout(with_txn)
    except ProviderUnavailable as exc:
        return render(request, "error.html", 502, error=f"支付下单失败，请稍后重试（{exc}）")
    with uow(request) as session:
        orders.record_checkout(session, view.order_no, checkout.prepay_id)
    return render(request, CHECKOUT_PAGES[provider], order=view, checkout=checkout)


@routes.get("/h5/pay/result")
def pay_result(request: Request, user_id: Payer, order: str = "") -> Response:
    with uow(request) as session:
        view = orders.order_view(session, order)
        mine = {a.account_no for a in bindings.bound_accounts(session, user_id)}
    if view.account_no not in mine:
        return render(request, "error.html", 404, error="找不到该订单")
    return render(request, "h5/pay_result.html", order=view)


@routes.post(CASHIER_PATH)
def demo_confirm(
    request: Request,
    order: Annotated[str, Form()] = "",
    csrf_token: Annotated[str, Form()] = "",
) -> Response:
    """The resident confirms 演示支付: the sandbox tells us it was paid, signed, through
    the same callback route a gateway uses; the result page then shows what settling did."""
    sandbox = runtime(request).providers.get(DEMO)
    if not isinstance(sandbox, DemoPay):
        return Response(status_code=404)
    # Asked here, not as a dependency: without the sandbox the route is not there at all.
    user_id = payer_required(request)
    check_csrf(request, csrf_token)
    with uow(request) as session:
        view = orders.order_view(session, order)
        mine = {a.account_no for a in bindings.bound_accounts(session, user_id)}
        ref = orders.ref_of_order_no(session, view.order_no)
    if view.account_no not in mine or view.provider != DEMO:
        return render(request, "error.html", 404, error="找不到该订单")
    if view.status == ORDER_CREATED:
        if calendar.now() > view.expires_at:
            return render(request, "error.html", 400, error="订单已过期，请返回在线缴费重新下单")
        headers, body = sandbox.notify(ref)
        try:
            answer = requests.post(
                str(request.url_for("demo_notify")),
                data=body,
                headers=headers,
                timeout=DEMO_NOTIFY_TIMEOUT,
            )
        except requests.RequestException as exc:
            return render(
                request, "error.html", 502, error=f"演示支付通知未送达：{type(exc).__name__}"
            )
        if answer.status_code != 200:
            return render(
                request, "error.html", 502, error=f"演示支付通知未被接受：{answer.text[:200]}"
            )
    return redirect(f"/h5/pay/result?order={view.order_no}")


@routes.post("/h5/pay/unionpay/return")
async def unionpay_return(request: Request) -> Response:
    # The browser comes back from UnionPay's page with a form post from another site: no
    # CSRF token and nothing is written; the back notification is what settles.
    form: Any = await request.form()
    return redirect(f"/h5/pay/result?order={str(form.get('orderId', ''))[:32]}")
