"""Reports on a real streaming replica (server.db.replica): a payment committed on the primary
shows in the arrears and collection reports read from the replica once replayed; with the
replica's replay paused they keep reading it, showing the data's time, until it is further
behind than the bound, and then read the primary; an unreachable replica is never waited
for."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta
from decimal import Decimal as D

import pytest
from PySide6.QtCore import Qt
from sqlalchemy import create_engine, text

from desktop.app import ensure_application
from desktop.reports_page import ReportsPage
from desktop.tasks import TaskRunner
from reports.clock import moment_text
from server.companion.settings import CompanionSettings
from server.db.engine import make_engine, make_sessionmaker, unit_of_work
from server.db.replica import ReadRouting, data_time
from server.services.collection.payments import PaymentRequest, take_payment
from server.services.core.calendar import Period
from server.services.reports.arrears import arrears_report
from server.services.reports.collection import collection_report
from server.services.reports.common import DATA_TIME_FORMAT
from server.services.staff.sign_in import staff_identity
from tests import factories as f
from tests.companion.support import signed_in, start_live
from tests.ha.cluster import Cluster, free_port, running_cluster, wait_until


@pytest.fixture(scope="module")
def cluster() -> Iterator[Cluster]:
    with running_cluster(standbys=1, synchronous=False) as running:
        running.create_database("md")
        yield running


def pay_on(url: str, account_no: str, amount: str) -> datetime:
    """A committed cash payment; its time (the transaction's clock)."""
    engine = create_engine(url)
    try:
        with unit_of_work(make_sessionmaker(engine)) as session:
            take_payment(session, f.ACTOR, PaymentRequest(account_no, D(amount), "cash", "D"))
            return session.scalar(text("select now()"))  # type: ignore[no-any-return]
    finally:
        engine.dispose()


def pay(url: str, amount: str) -> datetime:
    return pay_on(url, "A001", amount)


def figures(routing: ReadRouting) -> tuple[bool, datetime | None, D, D, tuple[str, ...]]:
    """(read on the replica, the data's time, owed on the arrears list, collected for
    2026-11, the arrears report's notes), all in one read-only unit of work."""
    with unit_of_work(routing.sessions()) as session:
        on_replica = session.scalar(text("select pg_is_in_recovery()"))
        arrears = arrears_report(session, f.ACTOR)
        collection = collection_report(session, f.ACTOR, Period.parse("2026-11"))
        owed = arrears.totals.values[arrears.column("欠费本金合计")]  # type: ignore[union-attr]
        collected = collection.totals.values[collection.column("实收")]  # type: ignore[union-attr]
        return on_replica, data_time(session), owed, collected, arrears.notes


def test_reports_read_the_replica_within_the_bound_and_the_primary_beyond(
    cluster: Cluster,
) -> None:
    primary_url, standby = cluster.primary.url("md"), cluster.standbys[0]
    with unit_of_work(make_sessionmaker(create_engine(primary_url))) as session:
        f.branches(session)
        account = f.account(session)
        f.bill(session, account, "2026-11", "200.00")  # due at the end of December
    primary = make_sessionmaker(make_engine(primary_url))
    replica = make_engine(standby.url("md"))
    paid_at = pay(primary_url, "80.00")
    cluster.wait_replayed()

    routing = ReadRouting(primary, replica, max_lag=timedelta(seconds=1))
    on_replica, shown, owed, collected, notes = figures(routing)
    assert (on_replica, owed, collected) == (True, D("120.00"), D("80.00"))
    assert shown is not None
    assert notes[0] == f"数据截至 {moment_text(shown, DATA_TIME_FORMAT)}（只读副本）"

    # Replay paused; a second payment on the primary the replica has not applied.
    standby.execute("select pg_wal_replay_pause()")
    try:
        second_at = pay(primary_url, "30.00")
        lenient = ReadRouting(primary, replica, max_lag=timedelta(hours=1))
        on_replica, shown, owed, collected, _ = figures(lenient)
        # Within its bound the replica is read, stale, and says as of when: the first
        # payment's commit (after its transaction began), before the second began.
        assert (on_replica, owed, collected) == (True, D("120.00"), D("80.00"))
        assert shown is not None and paid_at <= shown < second_at

        wait_until(lambda: routing.state().reason.startswith("只读副本落后"), "lag past 1 s")
        on_replica, shown, owed, collected, notes = figures(routing)
        assert (on_replica, shown, owed, collected) == (False, None, D("90.00"), D("110.00"))
        assert not any("只读副本" in note for note in notes)
    finally:
        standby.execute("select pg_wal_replay_resume()")

    cluster.wait_replayed()
    wait_until(lambda: routing.state().reason == "", "the replica back within its bound")
    on_replica, _, owed, collected, _ = figures(routing)
    assert (on_replica, owed, collected) == (True, D("90.00"), D("110.00"))
    replica.dispose()


def test_no_replica_or_an_unreachable_one_reads_the_primary(cluster: Cluster) -> None:
    primary = make_sessionmaker(make_engine(cluster.primary.url("md")))
    assert ReadRouting(primary).sessions() is primary
    assert ReadRouting(primary).state().reason == "未配置只读副本"
    gone = make_engine(
        f"postgresql+psycopg://postgres@127.0.0.1:{free_port()}/md",
        connect_args={"connect_timeout": 3},
    )
    routing = ReadRouting(primary, gone)
    assert routing.state().reason == "只读副本无法连接"
    assert routing.sessions() is primary
    # One look at the replica serves the reads of the next second (a test clock here).
    clock = [0.0]
    standby = make_engine(cluster.standbys[0].url("md"))
    cached = ReadRouting(primary, standby, timedelta(hours=1), monotonic=lambda: clock[0])
    assert cached.sessions() is not primary
    cached.replica = gone
    clock[0] = 0.9
    assert cached.sessions() is not primary
    clock[0] = 1.0
    assert cached.sessions() is primary
    standby.dispose()
    # A promoted standby is no copy of the primary any more: its own primary's sessions.
    itself = ReadRouting(primary, make_engine(cluster.primary.url("md")))
    assert itself.state().reason == "只读副本已不是备库"


def test_the_reports_page_reads_the_replica_and_says_as_of_when(qtbot, cluster: Cluster) -> None:
    """The desktop's report task runs read-only on the replica (replay paused, within the
    bound): it shows the figures as the replica has them and the data's time beside the
    filters."""
    ensure_application("zh_CN")
    primary_url, standby = cluster.primary.url("md"), cluster.standbys[0]
    with unit_of_work(make_sessionmaker(create_engine(primary_url))) as session:
        f.branches(session)
        f.bill(session, f.account(session, "B001", campus="西校区"), "2026-11", "50.00")
        f.staff(session, "zhao", "manager")
        identity = staff_identity(session, "zhao")
    cluster.wait_replayed()
    primary = make_sessionmaker(make_engine(primary_url))
    replica = make_engine(standby.url("md"))
    runner = TaskRunner(primary, reads=ReadRouting(primary, replica, timedelta(hours=1)))
    standby.execute("select pg_wal_replay_pause()")
    try:
        pay_on(primary_url, "B001", "20.00")
        page = ReportsPage(identity, runner)
        qtbot.addWidget(page)
        qtbot.waitUntil(lambda: page.campus_combo.count() >= 2, timeout=15_000)
        page.select("arrears")
        page.campus_combo.setCurrentIndex(page.campus_combo.findData("西校区"))
        with qtbot.waitSignal(page.shown, timeout=15_000) as shown:
            qtbot.mouseClick(page.run_button, Qt.MouseButton.LeftButton)
        report = shown.args[0]
        assert report.totals.values[report.column("欠费本金合计")] == D("50.00")
        label = page.filters_label.text()
        assert "校区 西校区" in label
        assert label.endswith("（只读副本）") and "数据截至 " in label
    finally:
        standby.execute("select pg_wal_replay_resume()")
        runner.shutdown()
        replica.dispose()


def test_residents_statement_reads_the_replica_and_their_bills_the_primary(
    cluster: Cluster,
) -> None:
    """账户明细 (read-only) comes from the replica with its data's time at the foot; the
    payment notice, which a resident pays from and comes back to, from the primary."""
    primary_url, standby = cluster.primary.url("md"), cluster.standbys[0]
    settings = CompanionSettings(secret_key="test-secret-key-0123456789abcdef", dev_login=True)
    live = start_live(
        settings, primary_url, replica_url=standby.url("md"), replica_max_lag=timedelta(hours=1)
    )
    try:
        with unit_of_work(live.sessions) as session:
            f.branches(session)
            f.bill(session, f.account(session, "C001"), "2026-11", "100.00")
        pay_on(primary_url, "C001", "60.00")
        browser, _ = signed_in(live.url, live.sessions, "o-replica", "C001")
        cluster.wait_replayed()
        standby.execute("select pg_wal_replay_pause()")
        try:
            pay_on(primary_url, "C001", "15.00")
            statement = browser.get(f"{live.url}/h5/statement", timeout=10).text
            assert "60.00" in statement and "15.00" not in statement
            assert "数据截至 " in statement
            bills = browser.get(f"{live.url}/h5/bills", timeout=10).text
            assert "25.00" in bills and "数据截至" not in bills
        finally:
            standby.execute("select pg_wal_replay_resume()")
    finally:
        live.stop()
