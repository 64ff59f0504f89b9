"""A PostgreSQL primary and a streaming hot standby, started from pgserver's bundle for a test.

What an administrator sets up by hand (installer/postgresql-*.conf, the README's operations
section), done in a temporary folder on free loopback ports: initdb with `wal_level=replica`,
a replication role allowed by pg_hba, then `pg_basebackup -R` (the standby's
`primary_conninfo` and `standby.signal`) with a replication slot so the primary keeps the WAL
the standby has not yet received.

Synchronous standbys are named in `synchronous_standby_names` with `synchronous_commit=on`:
a commit returns once the standby has flushed its WAL to disk, so a payment a client saw
committed survives the loss of the primary. `remote_apply` would also wait until the standby
has replayed it, which only matters to a reader of the standby that must see its own writes;
reports read a replica within a staleness bound instead, so `on` is what the money needs.

Every wait is bounded (`TIMEOUT`); as root the servers run as pgserver's system user, as
pgserver itself does.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import psycopg

TIMEOUT = 30.0
SUPERUSER = "postgres"
REPLICATION_ROLE = "replicator"


def _bin_dir() -> Path:
    import pgserver._commands

    return pgserver._commands.POSTGRES_BIN_PATH


BIN = _bin_dir()


def _system_user() -> str | None:
    """PostgreSQL refuses to run as root: as root, run it as pgserver's own user."""
    if os.geteuid() != 0:
        return None
    from pgserver.utils import ensure_prefix_permissions, ensure_user_exists

    ensure_user_exists("pgserver")
    ensure_prefix_permissions(BIN)
    return "pgserver"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _run(args: list[str], user: str | None, timeout: float = TIMEOUT) -> str:
    done = subprocess.run(
        args, user=user, capture_output=True, text=True, timeout=timeout, check=False
    )
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(args)} failed ({done.returncode}):\n{done.stderr}")
    return done.stdout


@dataclass
class Node:
    """One PostgreSQL server of the cluster."""

    name: str
    pgdata: Path
    port: int
    user: str | None

    @property
    def dsn(self) -> str:
        return f"host=127.0.0.1 port={self.port} user={SUPERUSER} dbname=postgres"

    def url(self, database: str = "postgres", user: str = SUPERUSER) -> str:
        return f"postgresql+psycopg://{user}@127.0.0.1:{self.port}/{database}"

    def pg_ctl(self, *args: str, timeout: float = TIMEOUT) -> str:
        return _run([str(BIN / "pg_ctl"), "-D", str(self.pgdata), *args], self.user, timeout)

    def start(self) -> None:
        log = self.pgdata.parent / f"{self.name}.log"
        self.pg_ctl("start", "-w", "-t", str(int(TIMEOUT)), "-l", str(log))

    def stop(self, mode: str = "fast") -> None:
        """`immediate` is a crash: no checkpoint, clients cut off mid-transaction."""
        self.pg_ctl("stop", "-m", mode, "-w", "-t", str(int(TIMEOUT)))

    def running(self) -> bool:
        done = subprocess.run(
            [str(BIN / "pg_ctl"), "-D", str(self.pgdata), "status"],
            user=self.user,
            capture_output=True,
            timeout=TIMEOUT,
            check=False,
        )
        return done.returncode == 0

    def query(self, sql: str, params: tuple[object, ...] = ()) -> list[tuple[object, ...]]:
        with psycopg.connect(self.dsn, autocommit=True, connect_timeout=5) as conn:
            return list(conn.execute(sql, params).fetchall())

    def execute(self, sql: str) -> None:
        with psycopg.connect(self.dsn, autocommit=True, connect_timeout=5) as conn:
            conn.execute(sql)

    def in_recovery(self) -> bool:
        return bool(self.query("select pg_is_in_recovery()")[0][0])

    def promote(self) -> None:
        """Make this standby the primary and wait until it takes writes."""
        self.pg_ctl("promote", "-w", "-t", str(int(TIMEOUT)))
        wait_until(lambda: not self.in_recovery(), f"{self.name} to take writes")


def wait_until(condition: object, what: str, timeout: float = TIMEOUT) -> None:
    deadline = time.monotonic() + timeout
    while True:
        try:
            if condition():  # type: ignore[operator]
                return
        except psycopg.OperationalError:
            pass
        if time.monotonic() > deadline:
            raise TimeoutError(f"gave up waiting for {what} after {timeout:.0f} s")
        time.sleep(0.05)


# The standby's replay position is the end of the last record it applied; when the
# primary's last record ended short of a page's end (less than a record header left), the
# primary's position is already the next page's start, and stays there until the next
# record: those few padding bytes count as replayed.
REPLAYED = """
select pg_last_wal_replay_lsn() >= %(target)s::pg_lsn
    or (pg_wal_lsn_diff(%(target)s::pg_lsn, '0/0') %% 8192 = 0
        and pg_wal_lsn_diff(%(target)s::pg_lsn, pg_last_wal_replay_lsn()) between 0 and 23)
"""


@dataclass
class Cluster:
    """A primary and its standbys; `multi_host_url` is what every client is given."""

    base: Path
    primary: Node
    standbys: list[Node] = field(default_factory=list)
    synchronous_names: list[str] = field(default_factory=list)

    @property
    def nodes(self) -> list[Node]:
        return [self.primary, *self.standbys]

    def multi_host_url(self, database: str = "postgres", user: str = SUPERUSER) -> str:
        """The libpq multi-host URL, in SQLAlchemy's spelling (one `host=` per server):
        libpq tries them in turn and keeps the one that takes writes."""
        hosts = "&".join(f"host=127.0.0.1:{node.port}" for node in self.nodes)
        return (
            f"postgresql+psycopg://{user}@/{database}?{hosts}"
            "&target_session_attrs=read-write&connect_timeout=3"
        )

    def libpq_url(self, database: str = "postgres", user: str = SUPERUSER) -> str:
        """The same in libpq's own spelling (host:port,host:port), as the README gives it."""
        hosts = ",".join(f"127.0.0.1:{node.port}" for node in self.nodes)
        return f"postgresql://{user}@{hosts}/{database}?target_session_attrs=read-write"

    def add_standby(self, name: str, *, synchronous: bool = True) -> Node:
        """Clone the primary with `pg_basebackup -R` and start it streaming; a synchronous
        standby is named in the primary's `synchronous_standby_names`."""
        node = Node(name, self.base / name, free_port(), self.primary.user)
        _run(
            [
                str(BIN / "pg_basebackup"),
                "-D",
                str(node.pgdata),
                "-d",
                f"host=127.0.0.1 port={self.primary.port} user={REPLICATION_ROLE}",
                "-R",
                "-X",
                "stream",
                "-C",
                "-S",
                name,
                "-c",
                "fast",
            ],
            node.user,
        )
        _write_conf(node, {"port": str(node.port), "cluster_name": f"'{name}'"})
        # The primary's ALTER SYSTEM settings came along in postgresql.auto.conf: once
        # promoted, this node must not wait for synchronous standbys it does not have.
        with (node.pgdata / "postgresql.auto.conf").open("a") as auto:
            auto.write("synchronous_standby_names = ''\n")
        node.start()
        self.standbys.append(node)
        if synchronous:
            self.synchronous_names.append(name)
            names = ", ".join(self.synchronous_names)
            self.primary.execute(
                f"alter system set synchronous_standby_names = 'FIRST 1 ({names})'"
            )
            self.primary.execute("select pg_reload_conf()")
        self._wait_streaming(name)
        return node

    def create_database(self, name: str, *, migrate: bool = True) -> str:
        """Create database `name` on the primary (migrated to the newest schema unless told
        otherwise) and return its multi-host URL as the owner."""
        self.primary.execute(f'create database "{name}"')
        if migrate:
            from server.db.migrate import upgrade

            upgrade(self.primary.url(name))
        return self.multi_host_url(name)

    def wait_replayed(self, standby: Node | None = None) -> None:
        """Wait until `standby` (each one) has replayed everything the primary has written:
        what a test reading a replica waits for before asserting."""
        target = str(self.primary.query("select pg_current_wal_lsn()")[0][0])
        for node in [standby] if standby else self.standbys:
            wait_until(
                lambda node=node: node.query(REPLAYED, {"target": target})[0][0],
                f"{node.name} to replay {target}",
            )

    def fail_over(self, standby: Node | None = None) -> Node:
        """Crash the primary (immediate shutdown) and promote `standby` (the first one)."""
        new_primary = standby or self.standbys[0]
        self.primary.stop("immediate")
        new_primary.promote()
        # The old primary stays in `nodes` (down) until `rejoin` makes it a standby.
        self.standbys = [self.primary, *[n for n in self.standbys if n is not new_primary]]
        self.primary = new_primary
        return new_primary

    def rejoin(self, old: Node, *, synchronous: bool = True) -> None:
        """The README's re-attachment: `old` (a primary that crashed and was failed over
        from) rewound with pg_rewind to the current primary's timeline and started as its
        standby on a new slot, synchronous again if asked."""
        name = old.name
        self.primary.execute(f"select pg_create_physical_replication_slot('{name}')")
        source = f"host=127.0.0.1 port={self.primary.port} user={SUPERUSER} dbname=postgres"
        # After an immediate stop pg_rewind first runs crash recovery on `old` itself.
        _run(
            [str(BIN / "pg_rewind"), "-D", str(old.pgdata), "--source-server", source, "-R"],
            old.user,
            timeout=60,
        )
        # pg_rewind copied the configuration files in the data folder from the source: this
        # node's own settings again (its slot where -R wrote primary_conninfo).
        _write_conf(old, {"port": str(old.port), "cluster_name": f"'{name}'"})
        with (old.pgdata / "postgresql.auto.conf").open("a") as auto:
            auto.write(f"primary_slot_name = '{name}'\n")
        old.start()
        self.standbys = [old, *[node for node in self.standbys if node is not old]]
        if synchronous:
            self.synchronous_names = [name]
            self.primary.execute(f"alter system set synchronous_standby_names = 'FIRST 1 ({name})'")
            self.primary.execute("select pg_reload_conf()")
        self._wait_streaming(name)

    def _wait_streaming(self, name: str) -> None:
        wait_until(
            lambda: self.primary.query(
                "select 1 from pg_stat_replication where application_name = %s "
                "and state = 'streaming'",
                (name,),
            ),
            f"{name} to stream",
        )

    def stop(self) -> None:
        for node in reversed(self.nodes):
            with contextlib.suppress(RuntimeError, subprocess.TimeoutExpired):
                if node.running():
                    node.stop("fast")


def _write_conf(node: Node, settings: Mapping[str, str]) -> None:
    lines = "".join(f"{key} = {value}\n" for key, value in settings.items())
    with (node.pgdata / "postgresql.conf").open("a") as conf:
        conf.write(f"\n# tests/ha/cluster.py\n{lines}")


def start_primary(base: Path, *, settings: Mapping[str, str] | None = None) -> Cluster:
    """initdb and start a primary ready for streaming replication; `settings` are extra
    postgresql.conf lines (archive_command for point-in-time recovery, say)."""
    user = _system_user()
    base.mkdir(parents=True, exist_ok=True)
    if user:
        shutil.chown(base, user, user)
    node = Node("primary", base / "primary", free_port(), user)
    _run(
        [
            str(BIN / "initdb"),
            "-D",
            str(node.pgdata),
            "-U",
            SUPERUSER,
            "--auth=trust",
            "--encoding=utf8",
            "--no-sync",
        ],
        user,
        timeout=60,
    )
    _write_conf(
        node,
        {
            "listen_addresses": "'127.0.0.1'",
            "port": str(node.port),
            "unix_socket_directories": "''",
            "cluster_name": "'primary'",
            "wal_level": "replica",
            "max_wal_senders": "10",
            "max_replication_slots": "10",
            "hot_standby": "on",
            "wal_log_hints": "on",  # pg_rewind, to re-attach a failed primary
            "synchronous_commit": "on",
            "wal_sender_timeout": "5s",
            "wal_receiver_status_interval": "1s",
            "fsync": "off",  # a test's throwaway cluster; the sample config keeps fsync on
            "shared_buffers": "32MB",
            "max_connections": "60",
            **(settings or {}),
        },
    )
    with (node.pgdata / "pg_hba.conf").open("a") as hba:
        hba.write(f"host replication {REPLICATION_ROLE} 127.0.0.1/32 trust\n")
    node.start()
    node.execute(f"create role {REPLICATION_ROLE} login replication")
    return Cluster(base, node)


@contextlib.contextmanager
def running_cluster(
    standbys: int = 1, *, synchronous: bool = True, settings: Mapping[str, str] | None = None
) -> Iterator[Cluster]:
    """A primary and `standbys` streaming standbys (standby1, standby2…), stopped and
    removed afterwards."""
    base = Path(tempfile.mkdtemp(prefix="md_ha_"))
    cluster = start_primary(base, settings=settings)
    try:
        for number in range(1, standbys + 1):
            cluster.add_standby(f"standby{number}", synchronous=synchronous)
        yield cluster
    finally:
        cluster.stop()
        shutil.rmtree(base, ignore_errors=True)
