"""read_ahead: a generator run on a second thread, a few items ahead of its reader."""

import threading

import pytest

from server.db.bulk import read_ahead


def test_items_come_in_order_and_on_another_thread():
    threads = set()

    def numbers():
        for n in range(10):
            threads.add(threading.current_thread().name)
            yield n

    with read_ahead(numbers(), "numbers") as items:
        assert list(items) == list(range(10))
    assert threads == {"numbers"}


def test_an_error_in_the_source_reaches_the_reader_after_the_items_before_it():
    def failing():
        yield 1
        yield 2
        raise ValueError("第 3 行读不出")

    seen = []
    with pytest.raises(ValueError, match="第 3 行读不出"), read_ahead(failing(), "rows") as items:
        for item in items:
            seen.append(item)
    assert seen == [1, 2]


def test_leaving_early_stops_the_source_and_runs_its_cleanup():
    produced = []
    closed = threading.Event()

    def endless():
        try:
            n = 0
            while True:
                produced.append(n)
                yield n
                n += 1
        finally:
            closed.set()

    with read_ahead(endless(), "endless", depth=2) as items:
        assert next(items) == 0
    assert closed.is_set()
    # At most the depth of the queue and the one in hand were read ahead of the reader.
    assert len(produced) <= 5
