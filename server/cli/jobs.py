"""Jobs that run themselves: `worker` runs them, `jobs` shows their state."""

from __future__ import annotations

import signal
import threading

import click

from server.cli.core import Context, cli, dump, local_time, pass_context
from server.jobs.catalogue import JOBS, start_runner
from server.jobs.schedule import JOB_TITLES, job_states, schedule_of
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
    try:
        schedules = {name: schedule_of(ctx.settings, name) for name in JOB_TITLES}
    except DomainError as exc:
        raise click.ClickException(str(exc)) from exc
    with ctx.session() as session:
        states = job_states(session, now())
    if as_json:
        dump(
            [
                {
                    "job": s.name,
                    "title": s.title,
                    "enabled": schedules[s.name].enabled,
                    "every_seconds": int(schedules[s.name].every.total_seconds()),
                    "last_due": s.last_due and s.last_due.isoformat(),
                    "last_finished": s.last_finished and s.last_finished.isoformat(),
                    "outcome": s.outcome,
                    "message": s.message,
                    "host": s.host,
                    "next_due": s.next_due and s.next_due.isoformat(),
                    "late": s.late,
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
        if not schedules[s.name].enabled:
            upcoming = "已停用"
        elif s.next_due:
            upcoming = f"下次 {local_time(s.next_due)}" + (
                "（已逾期，运行器未在运行？）" if s.late else ""
            )
        else:
            upcoming = ""
        click.echo(f"{s.name:<13} {s.title}  {last}  {upcoming}".rstrip())
