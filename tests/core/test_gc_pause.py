"""gc_paused: the collector stays off while any holder runs, and comes back as it was."""

import gc
import threading

import pytest

from server.services.core.gc_pause import gc_paused


@pytest.fixture(autouse=True)
def collector_restored():
    before = gc.isenabled()
    yield
    gc.enable() if before else gc.disable()


def test_paused_inside_and_back_after_an_error():
    gc.enable()
    with pytest.raises(ValueError), gc_paused():
        assert not gc.isenabled()
        raise ValueError("a failed run")
    assert gc.isenabled()


def test_overlapping_holders_keep_it_paused_until_the_last_ends():
    gc.enable()
    first_in, second_out = threading.Event(), threading.Event()
    seen: list[bool] = []

    def other_job() -> None:
        with gc_paused():
            first_in.set()
            second_out.wait(5)
        seen.append(gc.isenabled())  # the main thread's hold is still on

    worker = threading.Thread(target=other_job)
    with gc_paused():
        worker.start()
        assert first_in.wait(5)
        second_out.set()
        worker.join(5)
        assert not gc.isenabled()
    assert seen == [False]
    assert gc.isenabled()


def test_a_collector_switched_off_before_stays_off():
    gc.disable()
    with gc_paused():
        pass
    assert not gc.isenabled()
