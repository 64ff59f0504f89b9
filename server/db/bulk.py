"""Bulk writes inside the caller's transaction: COPY, id allocation, COPY behind a thread.

Used where thousands of rows go in at once (the billing run, the legacy import, demo data),
so each writes set-based and still commits or rolls back with its unit of work.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable, Generator, Iterable, Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager, suppress
from typing import Any, TypeVar

import psycopg
from sqlalchemy import text
from sqlalchemy.orm import Session

T = TypeVar("T")


def psycopg_connection(session: Session) -> psycopg.Connection[Any]:
    """The psycopg connection under the session's, for COPY and server-side cursors."""
    raw = session.connection().connection.driver_connection
    assert isinstance(raw, psycopg.Connection)
    return raw


def allocate_ids(
    connection: Session | psycopg.Connection[Any], table: str, count: int
) -> list[int]:
    """`count` fresh ids of `table`, taken from its sequence like any insert would. A sequence
    is outside transactions: ids taken on any connection of the database will do."""
    if count == 0:
        return []
    raw = psycopg_connection(connection) if isinstance(connection, Session) else connection
    with raw.cursor() as cursor:
        cursor.execute(
            "select nextval(pg_get_serial_sequence(%s, 'id')) from generate_series(1, %s)",
            (table, count),
        )
        return [row[0] for row in cursor]


def copy_rows(
    session: Session, table: str, columns: Sequence[str], rows: Iterable[Sequence]
) -> None:
    raw = psycopg_connection(session)
    statement = f"copy {table} ({', '.join(columns)}) from stdin"
    with raw.cursor() as cursor, cursor.copy(statement) as copy:
        for row in rows:
            copy.write_row(row)


def reserve_ids(session: Session, table: str, count: int) -> range:
    """`count` consecutive ids for rows of `table`, reserved by moving its sequence once.

    `allocate_ids` calls nextval once per id, some microseconds each in the
    server: seconds for a million readings. The table is locked against other writers
    first (SHARE mode, until commit), so no insert can take an id from the range meanwhile;
    md_reserve_ids (migration 0020) takes that lock as the tables' owner, since the
    application role may not.
    """
    if count == 0:
        return range(0)
    last = session.scalar(
        text("select md_reserve_ids(cast(:table as regclass), :n)"), {"table": table, "n": count}
    )
    assert last is not None
    return range(last - count + 1, last + 1)


@contextmanager
def write_behind(write: Callable[[T], None], name: str) -> Iterator[Callable[[T], None]]:
    """Run `write` on each item put, on a second thread, while the caller makes the next,
    so PostgreSQL stores one chunk while Python prepares another: both cores work.

    The session `write` uses is the writer's alone until the block ends; the caller must
    not use it meanwhile. An error in the writer is raised in the caller's thread.
    """
    items: queue.Queue[tuple[T] | None] = queue.Queue(maxsize=2)
    failed: list[BaseException] = []

    def drain() -> None:
        while (item := items.get()) is not None:
            if not failed:
                try:
                    write(item[0])
                except BaseException as exc:  # handed to the caller's thread below
                    failed.append(exc)

    def put(item: T) -> None:
        if failed:
            raise failed[0]
        items.put((item,))

    writer = threading.Thread(target=drain, name=name, daemon=True)
    writer.start()
    try:
        yield put
    finally:
        items.put(None)
        writer.join()
    if failed:
        raise failed[0]


@contextmanager
def read_ahead(
    source: Generator[T, None, None], name: str, depth: int = 2
) -> Iterator[Iterator[T]]:
    """Iterate `source` on a second thread, up to `depth` items ahead of the caller, so
    PostgreSQL computes the next rows while Python works on the last (see `write_behind`).

    If `source` uses the caller's connection, it must take turns with the caller's uses of it
    (a lock both hold while they use it). Leaving the block early stops and closes `source`;
    an error in it is raised in the caller's thread when its turn comes.
    """
    items: queue.Queue[tuple[bool, Any]] = queue.Queue(maxsize=depth)
    stop = threading.Event()

    def fill() -> None:
        try:
            for item in source:
                if stop.is_set():
                    break
                items.put((True, item))
        except BaseException as exc:  # handed to the caller's thread below
            items.put((False, exc))
        else:
            items.put((False, None))
        finally:
            source.close()

    def read() -> Iterator[T]:
        while True:
            ok, item = items.get()
            if not ok:
                if item is not None:
                    raise item
                return
            yield item

    reader = threading.Thread(target=fill, name=name, daemon=True)
    reader.start()
    try:
        yield read()
    finally:
        stop.set()
        while reader.is_alive():  # a reader blocked on a full queue must see the stop
            with suppress(queue.Empty):
                items.get(timeout=0.05)
        reader.join()


def copy_behind(
    session: Session, table: str, columns: Sequence[str]
) -> AbstractContextManager[Callable[[list[list[Any]]], None]]:
    """COPY chunks of rows into `table` behind the caller (see `write_behind`)."""
    return write_behind(lambda rows: copy_rows(session, table, columns, rows), f"copy {table}")
