"""Jobs that run themselves: `worker` runs them, `jobs` shows their state."""

from __future__ import annotations

import signal
import threading

import click

from server.cli.core import Context, cli, dump, local_time, pass_context
from server.jobs.catalogue import JOBS, start_runner
from server.jobs.schedule import job_states
from server.services.core.calendar import now
from server.services.core.errors import DomainError

OUTCOMES = {"ok": "成功", "failed": "失败", "running": "运行中"}


@cli.command("worker")
@pass_context
def worker(ctx: Context) -> None:
    """Run the scheduled jobs ([jobs] settings) until stopped."""
    stop = threading.Event()
    for which in (signal.SIGINT, signal.SIGTERM):
        signal.signal(which, lambda *_: stop.set())
    enabled = [job.name for job in JOBS if ctx.settings.flag("jobs", f"{job.name}_enabled")]
    click.echo(f"定时任务运行中：{'、'.join(enabled) or '（全部停用）'}")
    try:
        thread = start_runner(ctx.ready_url(), ctx.settings, stop)
    except DomainError as exc:
        raise click.ClickException(str(exc)) from exc
    thread.join()


@cli.command("jobs")
@click.option("--json", "as_json", is_flag=True)
@pass_context
def jobs_cmd(ctx: Context, as_json: bool) -> None:
    """Each scheduled job: enabled, interval, last run and outcome, next run."""
    with ctx.session() as session:
        try:
            states = job_states(session, ctx.settings, now())
        except DomainError as exc:
            raise click.ClickException(str(exc)) from exc
    if as_json:
        dump(
            [
                {
                    "job": s.name,
                    "title": s.title,
                    "enabled": s.enabled,
                    "every_seconds": int(s.every.total_seconds()),
                    "last_due": s.last_due and s.last_due.isoformat(),
                    "last_finished": s.last_finished and s.last_finished.isoformat(),
                    "outcome": s.outcome,
                    "message": s.message,
                    "host": s.host,
                    "next_due": s.next_due and s.next_due.isoformat(),
                }
                for s in states
            ]
        )
        return
    for s in states:
        last = (
            f"上次 {local_time(s.last_started)} {OUTCOMES[s.outcome]}：{s.message}"
            if s.outcome
            else "尚未运行"
        )
        upcoming = f"下次 {local_time(s.next_due)}" if s.next_due else "已停用"
        click.echo(f"{s.name:<13} {s.title}  {last}  {upcoming}")
