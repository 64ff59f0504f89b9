"""What each scheduled job does: the same service calls as its one-off command."""

from __future__ import annotations

import threading
from datetime import timedelta

from sqlalchemy import select

from server.companion.outbox_sender import send_due
from server.companion.settings import CompanionSettings
from server.config import Settings
from server.db.engine import make_engine, unit_of_work
from server.db.models import BillingRun
from server.jobs.schedule import Job, JobContext, Runner
from server.services.control import sender
from server.services.control.policy import run_control_policy
from server.services.control.protection import release_lapsed
from server.services.control.restore import restore_due
from server.services.control.settings import ControlSettings
from server.services.core.audit import Actor
from server.services.core.calendar import Period, now
from server.services.core.errors import DomainError
from server.services.metering.remote_readings import RemoteSettings, pull_remote
from server.services.online_pay import callbacks, providers_of
from server.services.online_pay.config import pay_config
from server.services.residents.control_warnings import notify_warning
from server.services.residents.reminders import may_send_at, send_due_reminders
from server.services.residents.template_messages import queue_bill_notices, queue_payment_notices

# A round of the sender claims a batch; this many rounds empty a month's bill notices for a
# large campus in one run while a message that keeps failing at once cannot spin forever.
SEND_ROUNDS = 200
# Billing runs this recent get their 账单通知 queued (again: queueing is once per bill).
NOTIFY_RUNS_WITHIN = timedelta(days=7)
SYSTEM = Actor.system("定时任务")


def send_outbox(context: JobContext) -> str:
    companion = CompanionSettings.from_settings(context.settings)
    with unit_of_work(context.sessions) as session:
        # Payments are taken at the counters without knowing about WeChat: 缴费成功 for the
        # last day's payments is queued here (once each, by dedupe key).
        queue_payment_notices(session, context.now - timedelta(days=1))
    sent = retrying = failed = stale = 0
    for _ in range(SEND_ROUNDS):
        report = send_due(context.sessions, companion)
        sent, retrying = sent + report.sent, retrying + report.retrying
        failed, stale = failed + report.failed, stale + report.stale
        if report == type(report)():
            break
    return f"已发送 {sent}，待重试 {retrying}，失败 {failed}" + (
        f"，中断待核对 {stale}" if stale else ""
    )


def query_payments(context: JobContext) -> str:
    config = pay_config(context.settings)
    providers = providers_of(config)
    if not providers:
        return "未配置在线支付，跳过"
    report = callbacks.query_waiting(context.sessions, providers, config.query_after, context.now)
    return (
        f"查询 {report.asked} 笔：入账 {report.applied}，异常 {report.exceptions}，"
        f"关闭 {report.closed}，等待 {report.still_waiting}，查询失败 {report.unavailable}"
    )


def pull_readings(context: JobContext) -> str:
    remote = RemoteSettings.from_settings(context.settings)
    if not remote.url:
        return "未配置远传平台（remote.url），跳过"
    # From yesterday on: a reading the platform posts late is still taken, one already
    # taken is not taken twice by the ingest engine.
    since = (context.now - timedelta(days=1)).date()
    with unit_of_work(context.sessions) as session:
        result = pull_remote(session, SYSTEM, remote, since=since, now=context.now)
    return result.summary()


def notify_bills(context: JobContext) -> str:
    with unit_of_work(context.sessions) as session:
        periods = session.scalars(
            select(BillingRun.period)
            .where(BillingRun.created_at >= context.now - NOTIFY_RUNS_WITHIN)
            .distinct()
            .order_by(BillingRun.period)
        ).all()
        queued = sum(queue_bill_notices(session, Period.parse(p)) for p in periods)
    if not periods:
        return "近 7 天没有出账"
    return f"账期 {'、'.join(periods)}：新加入 {queued} 条账单通知"


def send_reminders(context: JobContext) -> str:
    with unit_of_work(context.sessions) as session:
        result = send_due_reminders(session, context.now)
    if result.quiet:
        return "非工作日或不在 08:00–21:00 之间：不发送"
    return (
        f"催缴 {result.overdue} 户，余额提醒 {result.low_balance} 户；"
        f"模板消息 {result.wechat}，短信 {result.sms}，"
        f"无法送达 {result.unreachable}，已暂停 {result.paused}"
    )


def send_control(context: JobContext) -> str:
    """The backstop's switch-ons and the lapsed 保电 marks' 保电解除 queued, then what is
    due sent."""
    with unit_of_work(context.sessions) as session:
        restored = restore_due(session, SYSTEM, context.now)
        lapsed = release_lapsed(session, context.now)
    report = sender.send_due(
        context.sessions, ControlSettings.from_settings(context.settings), context.now
    )
    return (
        report.summary()
        + (f"；补发复电 {len(restored)} 条" if restored else "")
        + (f"；保电到期 {lapsed} 处" if lapsed else "")
    )


def warn_prepaid(context: JobContext) -> str:
    """The policy run on its own: it warns; switching off waits for a manager's approval on
    the desk (`meterdesk control policy --apply --approved-by`)."""
    with unit_of_work(context.sessions) as session:
        if not may_send_at(session, context.now):
            return "非工作日或不在 08:00–21:00 之间：不预警"
        preview = run_control_policy(
            session,
            context.now,
            actor=SYSTEM,
            settings=ControlSettings.from_settings(context.settings),
            apply=True,
            notify=notify_warning,
        )
    return preview.summary()


JOBS: tuple[Job, ...] = (
    Job("outbox", send_outbox),
    Job("pay_query", query_payments),
    Job("remote_pull", pull_readings),
    Job("bill_notices", notify_bills),
    Job("reminders", send_reminders),
    Job("control_send", send_control),
    Job("control_policy", warn_prepaid),
)


def start_runner(url: str, settings: Settings, stop: threading.Event) -> threading.Thread:
    """The runner on the real clock in a thread of this process until `stop` is set;
    a bad [jobs] interval is refused here, before anything runs."""
    engine = make_engine(url)
    try:
        runner = Runner(engine, settings, JOBS, now)
        # A payment's switch-on (at any counter or online) is sent the moment it commits,
        # announced by NOTIFY, not at the sender job's next round.
        stop_dispatcher = sender.start_dispatcher(engine, ControlSettings.from_settings(settings))
    except DomainError:
        engine.dispose()
        raise

    def work() -> None:
        try:
            runner.run_forever(stop, now)
        finally:
            stop_dispatcher()
            engine.dispose()

    thread = threading.Thread(target=work, name="meterdesk-jobs", daemon=True)
    thread.start()
    return thread
