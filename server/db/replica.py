"""Read-only work on a streaming replica, within a bound on how stale it may be.

Reports, the dashboard and the residents' read-only pages ask `ReadRouting.sessions()` for
their unit of work: the replica's sessions while it is at most `max_lag` behind the
primary, else (no replica configured, unreachable, too far behind, promoted) the
primary's. Everything that writes, or must read what it just wrote, keeps using the
primary's sessionmaker directly; on the replica a write fails (a hot standby is read
only), so a mistake shows at once.

How far behind: the primary's WAL position is asked first; a replica that has replayed up
to it is current (its data's time is now), one that has not is as old as the last commit
it replayed (`pg_last_xact_replay_timestamp()`). Asking the replica alone
(receive = replay position) would call a replica cut off from its primary current, and
pg_stat_wal_receiver, which tells, is hidden from the application's role.

A session on the replica carries the data's time in `session.info` (`data_time`), which
the dashboard and reports show; a session on the primary carries none (its data is now).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Engine, text
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from server.config import ConfigError, Settings
from server.db.credentials import with_stored_password
from server.db.engine import make_engine, normalise_url

log = logging.getLogger(__name__)

DATA_TIME = "data_time"
_PRIMARY_POSITION = text("select pg_current_wal_lsn()::text")
_REPLICA_STATE = text(
    "select pg_is_in_recovery(), pg_last_wal_replay_lsn() >= cast(:target as pg_lsn),"
    " pg_last_xact_replay_timestamp(), clock_timestamp()"
)


@dataclass(frozen=True)
class ReplicaState:
    """What one look at the replica found: its data's time, or why it is not used."""

    data_time: datetime | None
    lag: timedelta | None
    reason: str = ""  # why the primary is used instead ("" when the replica is)


class ReadRouting:
    """Chooses, for each read-only unit of work, between the replica and the primary."""

    def __init__(
        self,
        primary: sessionmaker[Session],
        replica: Engine | None = None,
        max_lag: timedelta = timedelta(seconds=30),
        *,
        probe_every: float = 1.0,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self.primary = primary
        self.replica = replica
        self.max_lag = max_lag
        # The busiest residents' page would otherwise ask both servers on every request:
        # one look serves the reads starting within `probe_every` seconds of it (the
        # data's time they show is then that much early, never late).
        self._probe_every = probe_every
        self._monotonic = monotonic
        self._last: tuple[float, ReplicaState] | None = None

    def state(self) -> ReplicaState:
        """The replica's lag now (bounded: a probe that cannot tell says why)."""
        state = self._probe()
        self._last = (self._monotonic(), state)
        return state

    def _probe(self) -> ReplicaState:
        if self.replica is None:
            return ReplicaState(None, None, "未配置只读副本")
        try:
            with self.primary() as session:
                target = session.scalar(_PRIMARY_POSITION)
            with self.replica.connect() as conn:
                recovering, caught_up, replayed, clock = conn.execute(
                    _REPLICA_STATE, {"target": target}
                ).one()
        except SQLAlchemyError as exc:
            log.warning("read replica not used: %s", str(exc).splitlines()[0])
            return ReplicaState(None, None, "只读副本无法连接")
        if not recovering:
            # Promoted (a failover) or misconfigured: not a copy of the primary any more.
            return ReplicaState(None, None, "只读副本已不是备库")
        data_time = clock if caught_up else replayed
        if data_time is None:
            return ReplicaState(None, None, "只读副本尚未回放任何事务")
        lag = max(clock - data_time, timedelta(0))
        if lag > self.max_lag:
            return ReplicaState(data_time, lag, f"只读副本落后 {lag.total_seconds():.0f} 秒")
        return ReplicaState(data_time, lag)

    def sessions(self) -> sessionmaker[Session]:
        """The sessionmaker for one read-only unit of work starting now."""
        last = self._last
        if last is not None and self._monotonic() - last[0] < self._probe_every:
            state = last[1]
        else:
            state = self.state()
        if state.reason or self.replica is None:
            return self.primary
        return sessionmaker(self.replica, expire_on_commit=False, info={DATA_TIME: state.data_time})


def data_time(session: Session) -> datetime | None:
    """The time the session's data is as of when it reads a replica; None on the primary."""
    value = session.info.get(DATA_TIME)
    return value if isinstance(value, datetime) else None


def replica_settings(settings: Settings) -> tuple[str, timedelta]:
    """database.replica_url and database.replica_max_lag (seconds)."""
    max_lag = settings.get("database", "replica_max_lag").strip() or "30"
    try:
        seconds = float(max_lag)
    except ValueError as exc:
        raise ConfigError(f"database.replica_max_lag 应为秒数，收到「{max_lag}」") from exc
    return settings.get("database", "replica_url").strip(), timedelta(seconds=seconds)


def read_routing(
    primary: sessionmaker[Session], replica_url: str, max_lag: timedelta, **options: object
) -> ReadRouting:
    """The routing to the replica at `replica_url` ("": none); `options` go to its engine
    (pool sizes)."""
    if not replica_url:
        return ReadRouting(primary, None, max_lag)
    # Unreachable at once rather than after libpq's default wait: the primary answers.
    engine = make_engine(
        with_stored_password(normalise_url(replica_url)),
        connect_args={"connect_timeout": 3},
        **options,
    )
    return ReadRouting(primary, engine, max_lag)
