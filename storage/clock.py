"""Time values, defined once: the archive's UTC stamps, Almaty's zone, and delays in words."""

from __future__ import annotations

from datetime import UTC, datetime
from functools import lru_cache
from importlib import resources
from zoneinfo import ZoneInfo


@lru_cache(maxsize=1)
def almaty() -> ZoneInfo:
    """Asia/Almaty (UTC+6 until 1 March 2024, UTC+5 since).

    The tzdata package (a declared dependency) is read rather than the system's copy, which may
    predate that change.
    """
    with resources.files("tzdata.zoneinfo").joinpath("Asia", "Almaty").open("rb") as data:
        return ZoneInfo.from_file(data, key="Asia/Almaty")


def utc_iso(value: str | datetime | None = None) -> str:
    """A time as the archive stores it: UTC ISO 8601 in whole seconds (`2024-01-02T03:04:05Z`).

    Now when no value is given; a naive value counts as UTC; a time at the edge of the calendar
    (hours from year 1 or 9999 in another zone) is held at that edge.
    """
    if value is None:
        moment = datetime.now(UTC)
    elif isinstance(value, datetime):
        moment = value
    else:
        moment = datetime.fromisoformat(value.strip())
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    try:
        moment = moment.astimezone(UTC)
    except OverflowError:
        moment = (datetime.min if moment.year == 1 else datetime.max).replace(tzinfo=UTC)
    return moment.replace(tzinfo=None).isoformat(timespec="seconds") + "Z"


def parse_stamp(text: str | None) -> datetime | None:
    """A stored or published time (`…Z`, with an offset, naive as UTC, or a bare date taken as
    midnight UTC) as an aware datetime; None for nothing or text that is no time."""
    try:
        moment = datetime.fromisoformat((text or "").strip().replace("z", "Z"))
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


UNITS = ((86400, "day", "days"), (3600, "h", "h"), (60, "min", "min"))


def duration(seconds: float) -> str:
    """A delay or an age for reading, in its largest unit, to one decimal at most: `4 s`,
    `15 min`, `1.5 h`, `1 day`, `6.8 days`."""
    for size, one, many in UNITS:
        if seconds >= size:
            count = round(seconds / size, 1)
            count = int(count) if count == int(count) else count
            return f"{count} {one if count == 1 else many}"
    return f"{round(seconds)} s"
