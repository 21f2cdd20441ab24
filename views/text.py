"""Small pieces of terminal text: times, durations, shortened titles, aligned tables."""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta

from storage.clock import almaty, parse_stamp

TITLE_WIDTH = 72
RELATIVE = re.compile(r"^(\d+)\s*([mhdw])$")
UNITS = {"m": "minutes", "h": "hours", "d": "days", "w": "weeks"}
BOLD, YELLOW, RED, GREEN, RESET = "\x1b[1m", "\x1b[1;33m", "\x1b[31m", "\x1b[32m", "\x1b[0m"


# Terminal text shows times in Almaty, where the outlet is, unless the reader asks for UTC
# (`--utc`); JSON always keeps the archive's UTC timestamps, offset included.
_CLOCK = {"utc": False}


def show_utc(utc: bool) -> None:
    """Whether terminal text shows (and typed times mean) UTC rather than Almaty time."""
    _CLOCK["utc"] = utc


def zone_name() -> str:
    """The name of the time zone terminal text shows times in."""
    return "UTC" if _CLOCK["utc"] else "Almaty"


def _zone():
    return UTC if _CLOCK["utc"] else almaty()


def parse_moment(text: str, now: datetime | None = None, zone=None) -> datetime:
    """A point in time from `2024-05-01`, `2024-05-01T10:00`, `today`, or `30m`/`12h`/`7d`/`2w` ago.

    Times without an offset, and `today`, are read in `zone`, by default the zone terminal text
    shows (Almaty, or UTC with `--utc`). Raises ValueError with a message the user can act on.
    """
    now = now or datetime.now(UTC)
    zone = zone or _zone()
    value = text.strip().lower()
    if value == "today":
        return now.astimezone(zone).replace(hour=0, minute=0, second=0, microsecond=0)
    relative = RELATIVE.match(value)
    if relative:
        try:
            return now - timedelta(**{UNITS[relative.group(2)]: int(relative.group(1))})
        except OverflowError:
            raise ValueError(f"{text!r} reaches back before the year 1") from None
    try:
        moment = datetime.fromisoformat(text.strip())
    except ValueError:
        raise ValueError(f"{text!r} is not a time: use YYYY-MM-DD, YYYY-MM-DDTHH:MM, today, "
                         "or an age such as 12h, 7d or 2w") from None
    return moment if moment.tzinfo else moment.replace(tzinfo=zone)


def moment(stamp: str | None) -> datetime | None:
    """A stored timestamp (UTC `...Z`, or with an offset) as an aware datetime; a bare date or
    nothing gives None."""
    return parse_stamp(stamp) if stamp and len(stamp) > 10 else None


def in_zone(stamp: str | None, zone) -> datetime | None:
    """A stored timestamp in a zone (as stored, at the edge of time); None for a bare date or
    nothing."""
    value = moment(stamp)
    if value is None:
        return None
    try:
        return value.astimezone(zone)
    except OverflowError:  # the edge of time (year 1 or 9999)
        return value


def _shown(value: datetime, timespec: str) -> str:
    return value.replace(tzinfo=None).isoformat(sep=" ", timespec=timespec)


def when(stamp: str | None) -> str:
    """A stored timestamp for the terminal, in Almaty time (or UTC): `2024-05-01 15:00:00`."""
    value = in_zone(stamp, _zone())
    return stamp or "-" if value is None else _shown(value, "seconds")


def local(stamp: str | None) -> str:
    """`2026-11-28 12:32` in Almaty time, whatever the terminal shows (pages, messages); a bare
    date as it is; `-` for nothing."""
    value = in_zone(stamp, almaty())
    return stamp or "-" if value is None else _shown(value, "minutes")


def utc(stamp: str | None) -> str:
    """`2026-11-28 07:32:08 UTC`; a bare date as it is."""
    value = in_zone(stamp, UTC)
    return stamp or "-" if value is None else _shown(value, "seconds") + " UTC"


def shorten(text: str | None, width: int = TITLE_WIDTH) -> str:
    text = " ".join((text or "").split())
    return text if len(text) <= width else text[: width - 1] + "…"


def table(headers: list[str], rows: Iterable[list], right: tuple[int, ...] = ()) -> str:
    """Plain aligned columns; `right` holds the indexes of right-aligned (numeric) columns."""
    cells = [headers] + [["" if c is None else str(c) for c in row] for row in rows]
    widths = [max(len(row[i]) for row in cells) for i in range(len(headers))]
    lines = []
    for row in cells:
        parts = [c.rjust(w) if i in right else c.ljust(w)
                 for i, (c, w) in enumerate(zip(row, widths, strict=True))]
        lines.append("  ".join(parts).rstrip())
    return "\n".join(lines)


