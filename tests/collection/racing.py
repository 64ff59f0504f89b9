"""Two counters at the same moment on real PostgreSQL sessions: the second starts its work
while the first has not yet committed."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import TypeVar

from sqlalchemy.orm import Session, sessionmaker

from server.db.engine import unit_of_work

T = TypeVar("T")


def second_waits_for_first(
    factory: sessionmaker[Session], first: Session, work: Callable[[Session], T], waiting: str
) -> T | BaseException:
    """Run `work` in its own unit of work on another thread while `first` holds its
    uncommitted changes; check that it waits (else fail saying `waiting`), commit and close
    `first`, and return what `work` gave, or what it raised."""
    outcome: list[T | BaseException] = []

    def second() -> None:
        try:
            with unit_of_work(factory) as session:
                outcome.append(work(session))
        except BaseException as exc:  # reported in the test's thread
            outcome.append(exc)

    thread = threading.Thread(target=second)
    thread.start()
    thread.join(1.0)
    assert thread.is_alive(), waiting
    first.commit()
    first.close()
    thread.join(30)
    [result] = outcome
    return result
