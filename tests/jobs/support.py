"""The scheduled jobs' test clock."""

from __future__ import annotations

from datetime import datetime


class SteppedClock:
    """A runner's clock that stays where the test sets `moment`."""

    def __init__(self, moment: datetime) -> None:
        self.moment = moment

    def __call__(self) -> datetime:
        return self.moment
