"""The demo's history happens over the days before it is loaded: people train, label and
review at a human pace, so that no demo label is made faster than its rules allow and every
time in the trail follows the one before."""

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from unittest import mock

from django.utils import timezone

_real_now = timezone.now


class DemoClock:
    """A clock that runs behind the real one and catches up as the demo's people work."""

    def __init__(self, *, behind: timedelta) -> None:
        self.behind = behind

    def now(self) -> datetime:
        return _real_now() - self.behind

    def spend(self, seconds: float) -> None:
        """Let ``seconds`` pass on the demo's clock (never past the real time)."""
        self.behind = max(self.behind - timedelta(seconds=seconds), timedelta(0))

    @contextmanager
    def running(self) -> Iterator["DemoClock"]:
        with mock.patch("django.utils.timezone.now", self.now):
            yield self


@contextmanager
def as_of(moment: datetime) -> Iterator[None]:
    """Run the services as if it were ``moment``: an earlier part of one person's history."""
    with mock.patch("django.utils.timezone.now", return_value=moment):
        yield


# The demo starts three days back; its labelling and review take a few hours of it.
CLOCK = DemoClock(behind=timedelta(days=3))
