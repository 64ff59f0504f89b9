"""`meterdesk doctor` on a primary reports its standby (streaming, synchronous, how far
behind), warns when the synchronous standby it waits for is missing or not synchronous,
and on a standby says it is one."""

from __future__ import annotations

from server.ops import doctor
from tests.ha.cluster import Node, running_cluster, wait_until

WAIT_FIX = doctor.NOT_SYNCHRONOUS_FIX


def caught_up(primary: Node) -> None:
    """Until the primary has heard the standby replayed all it was sent (its reports come
    each second), so the doctor's figure is 0 kB."""
    wait_until(
        lambda: primary.query(
            "select bool_and(pg_wal_lsn_diff(sent_lsn, replay_lsn) < 1024) from pg_stat_replication"
        )[0][0],
        "the standby to report it caught up",
    )


def replication_lines(url: str) -> list[str]:
    # The first four checks are reachability, TLS, schema and role.
    return [check.line() for check in doctor.database_checks(url, embedded=False)[4:]]


def test_doctor_reports_the_replication_state() -> None:
    with running_cluster() as cluster:
        cluster.create_database("meterdesk")
        primary, standby = cluster.primary, cluster.standbys[0]
        caught_up(primary)
        assert replication_lines(cluster.multi_host_url("meterdesk")) == [
            "✓ 备用服务器 standby1（127.0.0.1）streaming，同步，重放落后 0 kB"
        ]
        assert replication_lines(standby.url("meterdesk")) == [
            f"✓ 这是备用服务器（只读热备），从主服务器 127.0.0.1:{primary.port} 流复制中"
            "（程序应以列出主备两台、target_session_attrs=read-write 的地址连接主服务器）"
        ]

        # Configured to wait for a standby that is not the one connected.
        primary.execute("alter system set synchronous_standby_names = 'FIRST 1 (standby9)'")
        primary.execute("select pg_reload_conf()")
        wait_until(
            lambda: primary.query("select sync_state from pg_stat_replication") == [("async",)],
            "standby1 to turn asynchronous",
        )
        caught_up(primary)
        assert replication_lines(primary.url("meterdesk")) == [
            "✓ 备用服务器 standby1（127.0.0.1）streaming，异步，重放落后 0 kB",
            "✗ 配置为同步复制（synchronous_standby_names = FIRST 1 (standby9)），但已连接的 "
            f"standby1（异步）不是同步备用服务器：收款的提交会一直等待 — {WAIT_FIX}",
        ]

        standby.stop()
        wait_until(lambda: not primary.query("select 1 from pg_stat_replication"), "no standby")
        assert replication_lines(primary.url("meterdesk")) == [
            "✗ 配置为同步复制（synchronous_standby_names = FIRST 1 (standby9)），但没有备用服务器"
            f"连接：收款的提交会一直等待 — {WAIT_FIX}",
            "✗ 复制槽 standby1 没有备用服务器连接：主服务器为它保留的 WAL 会越积越多 — "
            "启动该备用服务器；不再需要时 SELECT pg_drop_replication_slot('standby1');",
        ]
