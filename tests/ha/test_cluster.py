"""The test cluster itself: a synchronous standby streams, replays, and takes over; the
old primary comes back as its standby."""

from __future__ import annotations

from tests.ha.cluster import running_cluster


def test_synchronous_standby_takes_over_and_the_old_primary_comes_back_as_its_standby() -> None:
    with running_cluster() as cluster:
        primary, standby = cluster.primary, cluster.standbys[0]
        assert primary.query(
            "select application_name, state, sync_state from pg_stat_replication"
        ) == [("standby1", "streaming", "sync")]
        assert standby.in_recovery() is True
        primary.execute("create table t (x int)")
        primary.execute("insert into t values (1), (2)")
        cluster.wait_replayed()
        assert standby.query("select sum(x) from t") == [(3,)]

        assert cluster.fail_over() is standby
        assert primary.running() is False
        standby.execute("insert into t values (4)")
        assert standby.query("select sum(x) from t") == [(7,)]

        # The README's re-attachment: the crashed primary rewound and streaming from the
        # new one, synchronously; what was written meanwhile reaches it.
        cluster.rejoin(primary)
        assert (cluster.primary, cluster.standbys) == (standby, [primary])
        assert primary.in_recovery() is True
        assert standby.query(
            "select application_name, state, sync_state from pg_stat_replication"
        ) == [("primary", "streaming", "sync")]
        standby.execute("insert into t values (8)")
        cluster.wait_replayed()
        assert primary.query("select sum(x) from t") == [(15,)]
