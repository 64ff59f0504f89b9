"""Server settings for part of a transaction (work_mem for a query that sorts a million rows):
set with set_config(…, true), so they end with the transaction at the latest, and set back
when the part is done, since the session may go on."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager

from sqlalchemy import Connection, text
from sqlalchemy.orm import Session

# A session, or a connection of its own (the billing run's second reader).
Executor = Session | Connection


def set_for_transaction(session: Executor, settings: Mapping[str, str]) -> Callable[[], None]:
    """Set `settings` for the rest of this transaction; the function returned sets them back."""
    before = {name: _set(session, name, value) for name, value in settings.items()}

    def restore() -> None:
        for name, value in before.items():
            _set(session, name, value)

    return restore


@contextmanager
def transaction_settings(session: Executor, settings: Mapping[str, str]) -> Iterator[None]:
    """`settings` inside the block. A block that fails leaves them: its transaction is rolled
    back, and a statement in it now would only fail again."""
    restore = set_for_transaction(session, settings)
    yield
    restore()


def _set(session: Executor, name: str, value: str) -> str:
    """Set one setting for this transaction; its value before."""
    return session.execute(
        text("select current_setting(:name), set_config(:name, :value, true)"),
        {"name": name, "value": value},
    ).one()[0]
