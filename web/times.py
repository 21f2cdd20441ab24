"""Times for reading: Almaty time with UTC at hand, and the times a reader types into a filter."""

from __future__ import annotations

from datetime import UTC, datetime

from storage.clock import almaty
from views.text import local, moment, parse_moment, utc

__all__ = ["local", "moment", "parse_when", "start_of_today", "utc"]

ALMATY = almaty()


def start_of_today(now: datetime | None = None) -> datetime:
    """Midnight of today in Almaty."""
    now = (now or datetime.now(UTC)).astimezone(ALMATY)
    return now.replace(hour=0, minute=0, second=0, microsecond=0)


def parse_when(text: str, now: datetime | None = None) -> datetime:
    """A time typed into a filter: `today`, an age (`12h`, `7d`, `2w`), a day `YYYY-MM-DD` or
    `YYYY-MM-DDTHH:MM`, in Almaty time unless it carries an offset or `Z` (as the CLI reads it).

    Raises ValueError with a message that says what is accepted.
    """
    return parse_moment(text, now, ALMATY)
