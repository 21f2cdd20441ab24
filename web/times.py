"""Times for reading: Almaty time with UTC at hand, and the times a reader types into a filter."""

from __future__ import annotations

from datetime import UTC, datetime

from storage.clock import almaty, parse_stamp
from views.text import parse_moment

ALMATY = almaty()


def moment(stamp: str | None) -> datetime | None:
    """A stored timestamp (UTC `...Z`, or with an offset) as an aware datetime; a bare date or
    nothing gives None."""
    return parse_stamp(stamp) if stamp and len(stamp) > 10 else None


def local(stamp: str | None) -> str:
    """`2026-11-28 12:32` in Almaty time; a bare date as it is; `-` for nothing."""
    value = moment(stamp)
    if value is None:
        return stamp or "-"
    return value.astimezone(ALMATY).strftime("%Y-%m-%d %H:%M")


def utc(stamp: str | None) -> str:
    """`2026-11-28 07:32:08 UTC`; a bare date as it is."""
    value = moment(stamp)
    if value is None:
        return stamp or "-"
    return value.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S UTC")


def start_of_today(now: datetime | None = None) -> datetime:
    """Midnight of today in Almaty."""
    now = (now or datetime.now(UTC)).astimezone(ALMATY)
    return now.replace(hour=0, minute=0, second=0, microsecond=0)


def parse_when(text: str, now: datetime | None = None) -> datetime:
    """A time typed into a filter: `today`, an age (`12h`, `7d`, `2w`), a day `YYYY-MM-DD` or
    `YYYY-MM-DDTHH:MM`, in Almaty time unless it carries an offset or `Z` (as the CLI reads it).

    Raises ValueError with a message that says what is accepted.
    """
    return parse_moment(text, now)
