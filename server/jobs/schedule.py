"""The periodic runner: when a job is due, who runs it, and what the desk sees of it.

A job runs every `jobs.<name>_every` (30s, 5m, 1h, 1d), at due times counted from midnight
in business time, so "1d" means each midnight and "1h" each whole hour. A runner that wakes
late runs a job once for the latest due time it missed, not once per missed time. Several
runners (serve on each server, a worker) may tick at once: a session-level advisory lock
per job lets one of them in, and the job_run row's unique (job, due_at) makes the due time
run once even if the lock were lost between the check and the insert.
"""

from __future__ import annotations

import logging
import re
import socket
import threading
import zlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Engine, func, select, update
from sqlalchemy.dialects.postgresql import distinct_on, insert
from sqlalchemy.orm import Session, sessionmaker

from server.config import Settings
from server.db.engine import make_sessionmaker, unit_of_work
from server.db.models import JobRun
from server.db.models.jobs import JOB_FAILED, JOB_OK, JOB_RUNNING
from server.services.core.calendar import BUSINESS_TZ
from server.services.core.errors import InvalidInput

log = logging.getLogger(__name__)

Clock = Callable[[], datetime]

# The advisory-lock namespace of scheduled jobs (the billing run's is 645_2007).
JOB_LOCK = 1_700_017
# Due times are counted from a business-time midnight, so days start at 00:00 Shanghai.
ANCHOR = datetime(2000, 1, 1, tzinfo=BUSINESS_TZ)
INTERRUPTED = "运行中断（进程退出），未完成"
# Jobs run one after another in a tick, so a long one delays the rest by minutes at most.
LATE_AFTER = timedelta(minutes=10)
_EVERY = re.compile(r"^\s*(\d+)\s*([smhd])\s*$")
_UNITS = {"s": "seconds", "m": "minutes", "h": "hours", "d": "days"}

# Every job by its settings name, with its title on the desk (`catalogue` gives each its
# work; the desk reads this without loading the web stack the outbox sender needs).
JOB_TITLES: dict[str, str] = {
    "outbox": "发送模板消息",
    "pay_query": "在线支付主动查询",
    "remote_pull": "远传读数拉取",
    "bill_notices": "出账后账单通知",
    "reminders": "催缴与余额提醒",
    "control_send": "费控指令发送",
    "control_policy": "费控预警",
}


@dataclass(frozen=True)
class JobContext:
    """What a job gets: the database, the settings, and the moment it runs at."""

    sessions: sessionmaker[Session]
    settings: Settings
    now: datetime


@dataclass(frozen=True)
class Job:
    """A scheduled job: its name in JOB_TITLES and [jobs], and what it does (the returned
    line is its outcome's message)."""

    name: str
    run: Callable[[JobContext], str]


@dataclass(frozen=True)
class JobSchedule:
    name: str
    enabled: bool
    every: timedelta


@dataclass(frozen=True)
class JobState:
    """One job as `meterdesk jobs` and the desk show it."""

    name: str
    title: str
    last_due: datetime | None
    last_started: datetime | None
    last_finished: datetime | None
    outcome: str | None
    message: str
    host: str
    next_due: datetime | None
    # Past its next due time by more than LATE_AFTER: no runner is running it (stopped, or
    # the job was disabled since).
    late: bool


def parse_every(text: str, where: str) -> timedelta:
    """`30s`, `5m`, `1h`, `1d` as a timedelta; bad text is refused naming the setting."""
    found = _EVERY.match(text)
    if not found or int(found.group(1)) == 0:
        raise InvalidInput(f"设置 {where} 应为间隔，如 30s、5m、1h、1d，收到「{text}」")
    return timedelta(**{_UNITS[found.group(2)]: int(found.group(1))})


def schedule_of(settings: Settings, name: str) -> JobSchedule:
    return JobSchedule(
        name,
        settings.flag("jobs", f"{name}_enabled"),
        parse_every(settings.get("jobs", f"{name}_every"), f"jobs.{name}_every"),
    )


def due_time(moment: datetime, every: timedelta) -> datetime:
    """The latest due time at or before `moment`."""
    return ANCHOR + ((moment - ANCHOR) // every) * every


def lock_key(name: str) -> int:
    """The job's advisory-lock key: stable across processes and versions (not hash())."""
    return zlib.crc32(name.encode()) & 0x7FFFFFFF


@dataclass(frozen=True)
class RunResult:
    name: str
    due_at: datetime
    outcome: str
    message: str


class Runner:
    """Runs the due jobs on each `tick`; the clock is passed in so tests drive it."""

    def __init__(
        self,
        engine: Engine,
        settings: Settings,
        jobs: Sequence[Job],
        clock: Clock,
        host: str | None = None,
    ) -> None:
        self.engine = engine
        self.sessions = make_sessionmaker(engine)
        self.settings = settings
        self.jobs = tuple(jobs)
        self.clock = clock
        self.host = host or socket.gethostname()
        # Checked at start, so a bad interval stops the worker rather than one job.
        self.schedules = {job.name: schedule_of(settings, job.name) for job in self.jobs}

    def tick(self) -> list[RunResult]:
        """Run every enabled job that is due and not yet run for its due time."""
        results = []
        for job in self.jobs:
            schedule = self.schedules[job.name]
            if schedule.enabled:
                result = self.run_if_due(job, due_time(self.clock(), schedule.every))
                if result is not None:
                    results.append(result)
        return results

    def run_if_due(self, job: Job, due: datetime) -> RunResult | None:
        """Run `job` for `due` unless another runner holds it or it already ran for `due`."""
        with self.engine.connect() as lock:
            held = lock.execute(select(func.pg_try_advisory_lock(JOB_LOCK, lock_key(job.name))))
            if not held.scalar_one():
                return None
            lock.commit()
            try:
                return self._run_locked(job, due)
            finally:
                lock.execute(select(func.pg_advisory_unlock(JOB_LOCK, lock_key(job.name))))
                lock.commit()

    def _run_locked(self, job: Job, due: datetime) -> RunResult | None:
        started = self.clock()
        with unit_of_work(self.sessions) as session:
            # Holding the lock, any row still running is a runner that died mid-job.
            session.execute(
                update(JobRun)
                .where(JobRun.job == job.name, JobRun.outcome == JOB_RUNNING)
                .values(outcome=JOB_FAILED, message=INTERRUPTED)
            )
            run_id = session.execute(
                insert(JobRun)
                .values(
                    job=job.name,
                    due_at=due,
                    started_at=started,
                    next_due_at=due + self.schedules[job.name].every,
                    outcome=JOB_RUNNING,
                    message="",
                    host=self.host,
                )
                .on_conflict_do_nothing(index_elements=["job", "due_at"])
                .returning(JobRun.id)
            ).scalar_one_or_none()
        if run_id is None:
            return None
        try:
            message = job.run(JobContext(self.sessions, self.settings, started))
            outcome = JOB_OK
        except Exception as exc:  # a job's failure is its outcome; the runner goes on
            log.exception("job %s failed", job.name)
            message = str(exc) or type(exc).__name__
            outcome = JOB_FAILED
        with unit_of_work(self.sessions) as session:
            session.execute(
                update(JobRun)
                .where(JobRun.id == run_id)
                .values(outcome=outcome, message=message, finished_at=self.clock())
            )
        log.info("job %s (%s): %s %s", job.name, due.isoformat(), outcome, message)
        return RunResult(job.name, due, outcome, message)

    def next_wake(self) -> datetime:
        """The earliest next due time of the enabled jobs (a day ahead when none is)."""
        moment = self.clock()
        upcoming = [
            due_time(moment, s.every) + s.every for s in self.schedules.values() if s.enabled
        ]
        return min(upcoming, default=moment + timedelta(days=1))

    def run_forever(self, stop: threading.Event, real_now: Clock) -> None:
        """Tick until `stop` is set, sleeping until the next due time in between."""
        while not stop.is_set():
            try:
                self.tick()
            except Exception:  # the database was away: try again at the next due time
                log.exception("job runner tick failed")
            wait = (self.next_wake() - real_now()).total_seconds()
            stop.wait(max(wait, 1.0))


def job_states(session: Session, now: datetime) -> tuple[JobState, ...]:
    """Each job's last run (outcome, message, where) and next due time, as the runner that
    ran it recorded them: a desk PC's own settings do not know the server's schedule."""
    latest = (
        select(JobRun)
        .ext(distinct_on(JobRun.job))
        .where(JobRun.job.in_(list(JOB_TITLES)))
        .order_by(JobRun.job, JobRun.due_at.desc())
    )
    last = {run.job: run for run in session.scalars(latest)}
    states = []
    for name, title in JOB_TITLES.items():
        run = last.get(name)
        if run is None:
            states.append(JobState(name, title, None, None, None, None, "", "", None, False))
            continue
        late = run.outcome != JOB_RUNNING and now > run.next_due_at + LATE_AFTER
        states.append(
            JobState(
                name,
                title,
                run.due_at,
                run.started_at,
                run.finished_at,
                run.outcome,
                run.message,
                run.host,
                run.next_due_at,
                late,
            )
        )
    return tuple(states)
