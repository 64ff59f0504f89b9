"""The job runner against real PostgreSQL, driven by a test clock: each job runs once per
due time, a runner that holds a job keeps every other runner (its own connection) out,
outcomes and failures are recorded, and the desk's states say what ran and what is next."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine, select, text

from server.config import load_settings
from server.db.engine import make_engine, make_sessionmaker, unit_of_work
from server.db.models.jobs import JobRun
from server.jobs.schedule import (
    INTERRUPTED,
    JOB_TITLES,
    Job,
    JobContext,
    Runner,
    RunResult,
    due_time,
    job_states,
    parse_every,
)
from server.services.core.calendar import BUSINESS_TZ
from server.services.core.errors import InvalidInput
from tests.jobs.support import SteppedClock


def at(hour: int, minute: int, second: int = 0) -> datetime:
    return datetime(2026, 12, 7, hour, minute, second, tzinfo=BUSINESS_TZ)


def settings_with(home: Path, jobs: str):
    (home / "meterdesk.toml").write_text(f"[jobs]\n{jobs}\n", encoding="utf-8")
    return load_settings(home)


@pytest.fixture
def engine(fresh_database_url) -> Iterator[Engine]:
    engine = make_engine(fresh_database_url)
    yield engine
    engine.dispose()


@pytest.fixture
def settings(tmp_path):
    return settings_with(
        tmp_path,
        'outbox_every = "1m"\npay_query_every = "5m"\npay_query_enabled = "false"',
    )


def runs(engine: Engine) -> list[tuple[str, datetime, str, str]]:
    with engine.connect() as connection:
        rows = connection.execute(
            select(JobRun.job, JobRun.due_at, JobRun.outcome, JobRun.message).order_by(JobRun.id)
        )
        return [(job, due.astimezone(BUSINESS_TZ), outcome, msg) for job, due, outcome, msg in rows]


def counting(name: str, calls: list[datetime]) -> Job:
    def run(context: JobContext) -> str:
        calls.append(context.now)
        return f"第 {len(calls)} 次"

    return Job(name, run)


def test_intervals_and_due_times_count_from_business_midnight():
    assert parse_every("30s", "jobs.x_every") == timedelta(seconds=30)
    assert parse_every(" 5m ", "jobs.x_every") == timedelta(minutes=5)
    assert parse_every("1d", "jobs.x_every") == timedelta(days=1)
    with pytest.raises(InvalidInput, match=r"jobs\.x_every 应为间隔.*收到「0m」"):
        parse_every("0m", "jobs.x_every")
    with pytest.raises(InvalidInput, match="收到「5 minutes」"):
        parse_every("5 minutes", "jobs.x_every")
    assert due_time(at(10, 7, 59), timedelta(minutes=5)) == at(10, 5)
    assert due_time(at(10, 5), timedelta(minutes=5)) == at(10, 5)
    # A day starts at 00:00 in Shanghai (16:00 UTC the day before).
    assert due_time(at(7, 30), timedelta(days=1)) == at(0, 0)
    assert due_time(at(23, 59), timedelta(hours=1)) == at(23, 0)


def test_each_job_runs_once_per_due_time(engine, settings):
    clock = SteppedClock(at(10, 0, 5))
    calls: list[datetime] = []
    queried: list[datetime] = []
    runner = Runner(
        engine, settings, [counting("outbox", calls), counting("pay_query", queried)], clock, "a"
    )

    assert runner.tick() == [RunResult("outbox", at(10, 0), "ok", "第 1 次")]
    clock.moment = at(10, 0, 59)
    assert runner.tick() == []
    clock.moment = at(10, 1, 0)
    assert runner.tick() == [RunResult("outbox", at(10, 1), "ok", "第 2 次")]
    # Asleep for four due times: it runs once, for the latest.
    clock.moment = at(10, 5, 30)
    assert runner.tick() == [RunResult("outbox", at(10, 5), "ok", "第 3 次")]
    assert runner.tick() == []

    assert calls == [at(10, 0, 5), at(10, 1, 0), at(10, 5, 30)]
    assert queried == []  # pay_query_enabled = false
    assert runs(engine) == [
        ("outbox", at(10, 0), "ok", "第 1 次"),
        ("outbox", at(10, 1), "ok", "第 2 次"),
        ("outbox", at(10, 5), "ok", "第 3 次"),
    ]
    # Another runner (another server) at the same due time finds it done.
    other = Runner(engine, settings, [counting("outbox", calls)], clock, "b")
    assert other.tick() == []
    assert len(calls) == 3
    assert runner.next_wake() == at(10, 6)


def test_a_failure_is_recorded_with_its_message_and_the_next_due_time_runs_again(engine, settings):
    clock = SteppedClock(at(9, 0))
    attempts: list[datetime] = []

    def pull(context: JobContext) -> str:
        attempts.append(context.now)
        if len(attempts) == 1:
            raise ConnectionError("远传平台无响应：连接超时")
        return "写入 3 条"

    runner = Runner(engine, settings, [Job("outbox", pull)], clock, "a")
    assert runner.tick() == [RunResult("outbox", at(9, 0), "failed", "远传平台无响应：连接超时")]
    assert runner.tick() == []  # not retried within its due time
    clock.moment = at(9, 1)
    assert runner.tick() == [RunResult("outbox", at(9, 1), "ok", "写入 3 条")]
    assert [r[2:] for r in runs(engine)] == [
        ("failed", "远传平台无响应：连接超时"),
        ("ok", "写入 3 条"),
    ]


def test_the_lock_keeps_a_second_runner_out_while_the_first_runs(
    engine, settings, fresh_database_url
):
    """Two runners, each with its own engine (its own connections), as on two servers."""
    inside, release = threading.Event(), threading.Event()
    calls: list[str] = []

    def slow(context: JobContext) -> str:
        calls.append("a")
        inside.set()
        assert release.wait(10)
        return "慢"

    first = Runner(engine, settings, [Job("outbox", slow)], SteppedClock(at(8, 0)), "server-a")
    second_engine = make_engine(fresh_database_url)
    try:
        second_clock = SteppedClock(at(8, 1))
        second = Runner(second_engine, settings, [counting("outbox", [])], second_clock, "server-b")
        results: list[list[RunResult]] = []
        thread = threading.Thread(target=lambda: results.append(first.tick()))
        thread.start()
        assert inside.wait(10)
        # A later due time than the one running: only the lock keeps the second out.
        assert second.tick() == []
        release.set()
        thread.join(10)
        assert results == [[RunResult("outbox", at(8, 0), "ok", "慢")]]
        # The first let go: the second runs its due time now.
        assert second.tick() == [RunResult("outbox", at(8, 1), "ok", "第 1 次")]
        assert calls == ["a"]
        assert [(r[1], r[2]) for r in runs(engine)] == [(at(8, 0), "ok"), (at(8, 1), "ok")]
        with engine.connect() as connection:
            hosts = connection.execute(text("select host from job_run order by id")).scalars()
            assert list(hosts) == ["server-a", "server-b"]
    finally:
        second_engine.dispose()


def test_a_run_left_running_by_a_dead_runner_is_marked_interrupted(engine, settings):
    with unit_of_work(make_sessionmaker(engine)) as session:
        session.add(
            JobRun(job="outbox", due_at=at(7, 0), started_at=at(7, 0), next_due_at=at(7, 1),
                   outcome="running", message="", host="gone")
        )  # fmt: skip
    runner = Runner(engine, settings, [counting("outbox", [])], SteppedClock(at(7, 3)), "a")
    assert runner.tick() == [RunResult("outbox", at(7, 3), "ok", "第 1 次")]
    assert [r[1:] for r in runs(engine)] == [
        (at(7, 0), "failed", INTERRUPTED),
        (at(7, 3), "ok", "第 1 次"),
    ]


def test_states_say_last_run_outcome_and_next_run_as_the_runner_recorded_them(engine, settings):
    clock = SteppedClock(at(10, 0, 20))
    runner = Runner(
        engine, settings, [counting("outbox", []), counting("remote_pull", [])], clock, "a"
    )
    with make_sessionmaker(engine)() as session:
        before = job_states(session, clock())
    assert [(s.name, s.outcome, s.next_due, s.late) for s in before] == [
        (name, None, None, False) for name in JOB_TITLES
    ]
    runner.tick()
    clock.moment = at(10, 0, 40)
    with make_sessionmaker(engine)() as session:
        states = {s.name: s for s in job_states(session, clock())}
    assert list(states) == list(JOB_TITLES)
    outbox = states["outbox"]
    assert (outbox.title, outbox.last_due, outbox.outcome, outbox.message, outbox.host) == (
        "发送模板消息", at(10, 0), "ok", "第 1 次", "a",
    )  # fmt: skip
    assert (outbox.last_started, outbox.last_finished) == (at(10, 0, 20), at(10, 0, 20))
    assert (outbox.next_due, outbox.late) == (at(10, 1), False)
    # The default hourly schedule of remote_pull, recorded by the runner that ran it.
    assert states["remote_pull"].next_due == at(11, 0)
    assert states["pay_query"].outcome is None
    # Nobody ran outbox since: ten minutes past its next due time it is late.
    with make_sessionmaker(engine)() as session:
        assert {s.name: s.late for s in job_states(session, at(10, 11))}["outbox"] is False
        assert {s.name: s.late for s in job_states(session, at(10, 11, 1))}["outbox"] is True
