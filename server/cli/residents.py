"""The residents' side at the desk: `outbox`, `binding`, `request`, `bulletin`."""

from __future__ import annotations

import time
from datetime import timedelta
from typing import Any

import click
from sqlalchemy import select

from server.cli.core import (
    Context,
    clerk_actor,
    cli,
    dump,
    local_time,
    parse_period,
    pass_context,
    run,
)
from server.companion.outbox_sender import send_due
from server.companion.settings import CompanionSettings, SettingsError
from server.db.engine import make_engine, make_sessionmaker, unit_of_work
from server.db.models import Building
from server.services.core.calendar import now
from server.services.core.errors import InvalidInput, NotFound
from server.services.residents import outbox as outbox_service
from server.services.residents.bindings import approve_binding, pending_bindings, reject_binding
from server.services.residents.bulletins import publish_notice
from server.services.residents.service_requests import answer_request, assign_request, request_queue
from server.services.residents.template_messages import queue_bill_notices, queue_payment_notices
from server.services.staff.org import campus_by_name


@cli.group()
def outbox() -> None:
    """Template messages to residents (模板消息发件箱)."""


@outbox.command("send")
@click.option("--loop", is_flag=True, help="持续运行，每隔 --interval 秒发送到期消息")
@click.option("--interval", default=5.0, show_default=True, type=float)
@pass_context
def outbox_send(ctx: Context, loop: bool, interval: float) -> None:
    """Send due messages through WeChat's API (retries with backoff, never twice)."""
    try:
        companion = CompanionSettings.from_settings(ctx.settings)
    except SettingsError as exc:
        raise click.ClickException(str(exc)) from exc

    engine = make_engine(ctx.ready_url())
    sessions = make_sessionmaker(engine)
    try:
        while True:
            # Payments are taken at the counters without knowing about WeChat: each cycle
            # queues 缴费成功 for the last day's payments (once each, by dedupe key).
            with unit_of_work(sessions) as session:
                queue_payment_notices(session, now() - timedelta(days=1))
            report = send_due(sessions, companion)
            if report != type(report)() or not loop:
                click.echo(
                    f"已发送 {report.sent}，待重试 {report.retrying}，失败 {report.failed}"
                    + (f"，中断待核对 {report.stale}" if report.stale else "")
                )
            if not loop:
                break
            time.sleep(interval)
    finally:
        engine.dispose()


@outbox.command("bills")
@click.option("--period", required=True, help="账期 YYYY-MM")
@pass_context
def outbox_bills(ctx: Context, period: str) -> None:
    """Queue 账单通知 for the period's bills (after the billing run; running it again adds
    nothing)."""
    with ctx.session() as session:
        queued = queue_bill_notices(session, parse_period(period))
    click.echo(f"已加入发送队列 {queued} 条账单通知")


@outbox.command("list")
@click.option("--status", type=click.Choice(["pending", "sending", "sent", "failed"]))
@click.option("--json", "as_json", is_flag=True)
@pass_context
def outbox_list(ctx: Context, status: str | None, as_json: bool) -> None:
    """Messages newest first; `--status failed` lists those a person must look at."""
    with ctx.session() as session:
        rows = outbox_service.messages(session, status)
    if as_json:
        dump(
            [
                {
                    "id": r.message_id,
                    "kind": r.kind,
                    "status": r.status,
                    "attempts": r.attempts,
                    "error": r.last_error,
                }
                for r in rows
            ]
        )
        return
    for r in rows:
        click.echo(f"{r.message_id}\t{r.kind}\t{r.status_label}\t{r.attempts}\t{r.last_error}")


@cli.group()
def binding() -> None:
    """户号绑定审核: the desk's review queue of WeChat binding requests."""


@binding.command("list")
@click.option("--json", "as_json", is_flag=True)
@pass_context
def binding_list(ctx: Context, as_json: bool) -> None:
    """Pending requests, nearest deadline first; 户号 unknown or not matching are marked."""
    with ctx.session() as session:
        rows = pending_bindings(session)
    moment = now()
    if as_json:
        dump(
            [
                {
                    "id": r.binding_id,
                    "account_no": r.account_no,
                    "claim": r.claim,
                    "found": r.found,
                    "matched": r.matched,
                    "holder_name": r.holder_name,
                    "phone": r.phone,
                    "due_at": r.due_at.isoformat(),
                    "overdue": r.overdue(moment),
                }
                for r in rows
            ]
        )
        return
    for r in rows:
        check = "相符" if r.matched else ("不符" if r.found else "户号不存在")
        late = "  已超时" if r.overdue(moment) else ""
        click.echo(
            f"{r.binding_id}\t{r.account_no}\t{r.claim}（{check}）\t{r.phone}"
            f"\t截止 {local_time(r.due_at)}{late}"
        )


@binding.command("approve")
@click.argument("binding_id", type=int)
@click.option("--by", "login", required=True, help="审核人登录名")
@click.option("--note", default="", help="核实说明（核对不一致的申请必填）")
@pass_context
def binding_approve(ctx: Context, binding_id: int, login: str, note: str) -> None:

    def action() -> None:
        with ctx.session() as session:
            approve_binding(session, clerk_actor(session, login), binding_id, note)

    run(action)
    click.echo(f"已通过绑定申请 {binding_id}，已通知用户")


@binding.command("reject")
@click.argument("binding_id", type=int)
@click.option("--reason", required=True, help="驳回原因（会告知用户）")
@click.option("--by", "login", required=True, help="审核人登录名")
@pass_context
def binding_reject(ctx: Context, binding_id: int, reason: str, login: str) -> None:

    def action() -> None:
        with ctx.session() as session:
            reject_binding(session, clerk_actor(session, login), binding_id, reason)

    run(action)
    click.echo(f"已驳回绑定申请 {binding_id}，已通知用户")


@cli.group("request")
def service_request() -> None:
    """服务诉求: the desk's queue of requests, their SLA, assignment and answers."""


@service_request.command("list")
@click.option("--all", "include_answered", is_flag=True, help="包括已答复的")
@pass_context
def request_list(ctx: Context, include_answered: bool) -> None:

    with ctx.session() as session:
        rows = request_queue(session, include_answered=include_answered)
    marks = {"overdue": "已超时", "due_soon": "即将到期", "ok": "", "done": ""}
    moment = now()
    for r in rows:
        click.echo(
            f"{r.request_id}\t{r.kind_label}·{r.topic}\t{r.status_label}"
            f"\t截止 {local_time(r.due_at)} {marks[r.sla(moment)]}\t{r.description[:40]}"
        )


@service_request.command("assign")
@click.argument("request_id", type=int)
@click.argument("staff_login")
@click.option("--by", "login", required=True)
@pass_context
def request_assign(ctx: Context, request_id: int, staff_login: str, login: str) -> None:

    def action() -> None:
        with ctx.session() as session:
            assign_request(session, clerk_actor(session, login), request_id, staff_login)

    run(action)
    click.echo(f"诉求 {request_id} 已指派给 {staff_login}")


@service_request.command("answer")
@click.argument("request_id", type=int)
@click.argument("answer")
@click.option("--by", "login", required=True)
@pass_context
def request_answer(ctx: Context, request_id: int, answer: str, login: str) -> None:

    def action() -> None:
        with ctx.session() as session:
            answer_request(session, clerk_actor(session, login), request_id, answer)

    run(action)
    click.echo(f"诉求 {request_id} 已答复")


@cli.group()
def bulletin() -> None:
    """通知公告 for residents: 停水停电通知 (sent to buildings), 便民信息, 常见问题…"""


@bulletin.command("publish")
@click.option(
    "--kind",
    required=True,
    type=click.Choice(["outage", "info", "faq", "contact", "tips"]),
    help="outage 停水停电 / info 便民信息 / faq 常见问题 / contact 联系我们 / tips 生活常识",
)
@click.option("--title", required=True)
@click.option("--body", required=True)
@click.option("--campus", help="楼栋所在校区（--building 时必填）")
@click.option("--building", "buildings", multiple=True, help="受影响的楼栋，可重复")
@click.option("--by", "login", required=True)
@pass_context
def bulletin_publish(
    ctx: Context,
    kind: str,
    title: str,
    body: str,
    campus: str | None,
    buildings: tuple[str, ...],
    login: str,
) -> None:
    """Publish; an outage notice is queued as a template message to the buildings' residents."""

    def action() -> Any:
        with ctx.session() as session:
            ids: list[int] = []
            if buildings:
                if not campus:
                    raise InvalidInput("指定楼栋时须同时指定 --campus")
                campus_id = campus_by_name(session, campus).id
                for name in buildings:
                    found = session.scalar(
                        select(Building.id).where(
                            Building.campus_id == campus_id, Building.name == name
                        )
                    )
                    if found is None:
                        raise NotFound(f"{campus} 没有楼栋 {name}")
                    ids.append(found)
            return publish_notice(
                session, clerk_actor(session, login), kind, title, body, building_ids=tuple(ids)
            )

    published = run(action)
    click.echo(f"已发布通知 {published.notice_id}，待发送模板消息 {published.messages_queued} 条")
