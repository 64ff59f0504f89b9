"""The cyclic garbage collector paused while a bulk job makes millions of short-lived rows.

Tuples, Decimals and slotted drafts form no reference cycles: reference counting frees them.
The collector still counts their allocations and, with a large live heap, runs full
collections over and over: at a million accounts it took 20 of the billing run's 50 s of
Python (53.2 s paused, 74 s not). The collector is the process's, so several jobs at once
keep it paused until the last ends, and it runs again only if it ran before the first began.
"""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator
from contextlib import contextmanager

_lock = threading.Lock()
_holders = 0
_was_enabled = False


@contextmanager
def gc_paused() -> Iterator[None]:
    global _holders, _was_enabled
    with _lock:
        if _holders == 0:
            _was_enabled = gc.isenabled()
            gc.disable()
        _holders += 1
    try:
        yield
    finally:
        with _lock:
            _holders -= 1
            if _holders == 0 and _was_enabled:
                gc.enable()
