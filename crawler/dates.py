"""Dates on pages: month names in three languages, and a zone's UTC offset of each day (Kazakhstan's
by default)."""

from __future__ import annotations

import re
from datetime import date, datetime, time, timezone, tzinfo
from functools import lru_cache
from zoneinfo import ZoneInfo

from storage.clock import almaty

# Stems that start every form of a month name (Russian nominative and genitive, Kazakh, English).
MONTH_STEMS = {
    1: ("январ", "қаңтар", "jan"),
    2: ("феврал", "ақпан", "feb"),
    3: ("март", "марта", "наурыз", "mar"),
    4: ("апрел", "сәуір", "apr"),
    5: ("май", "мая", "мамыр", "may"),
    6: ("июн", "маусым", "jun"),
    7: ("июл", "шілде", "jul"),
    8: ("август", "тамыз", "aug"),
    9: ("сентябр", "қыркүйек", "sep"),
    10: ("октябр", "қазан", "oct"),
    11: ("ноябр", "қараша", "nov"),
    12: ("декабр", "желтоқсан", "dec"),
}

WORD = re.compile(r"[^\W\d_]+")
YEAR = re.compile(r"(?<!\d)(?:19|20)\d{2}(?!\d)")
DAY = re.compile(r"(?<![\d:.])\d{1,2}(?![\d:])")
CLOCK = re.compile(r"(?<!\d)([01]?\d|2[0-3]):([0-5]\d)(?!\d)")
ISO_TIME = re.compile(r"\d[T ]\d{1,2}:\d{2}")
NUMERIC_DATE = re.compile(r"(?<!\d)(\d{1,2})\.(\d{1,2})\.((?:19|20)\d{2})(?!\d)")


@lru_cache(maxsize=32)
def time_zone(name: str) -> tzinfo:
    """An IANA time zone by name (Asia/Almaty from the tzdata package, as the archive's clock
    reads it); ZoneInfoNotFoundError for an unknown one."""
    return almaty() if name == "Asia/Almaty" else ZoneInfo(name)


def zone_offset(moment: datetime, zone: tzinfo) -> timezone:
    """A zone's UTC offset at a moment, as a fixed offset; a naive moment is read as local time."""
    local = moment.replace(tzinfo=zone) if moment.tzinfo is None else moment.astimezone(zone)
    return timezone(local.utcoffset())


def kazakhstan_offset(moment: datetime) -> timezone:
    """Kazakhstan's UTC offset at a moment (UTC+6 until March 2024, then UTC+5), as a fixed
    offset; a naive moment is read as local time."""
    return zone_offset(moment, almaty())


def to_local_iso(moment: datetime, zone: str = "") -> str:
    """ISO 8601 in a zone's time (by name; Kazakhstan's by default) with the offset of that day;
    naive moments are local already."""
    offset = zone_offset(moment, time_zone(zone)) if zone else kazakhstan_offset(moment)
    local = moment.replace(tzinfo=offset) if moment.tzinfo is None else moment.astimezone(offset)
    return local.isoformat(timespec="seconds")


def parse_iso(value: str | None) -> datetime | None:
    """A datetime from an ISO 8601 string (date only, `Z`, with or without offset), else None."""
    if not value:
        return None
    try:  # fromisoformat reads a capital Z as UTC, not a lower-case one
        return datetime.fromisoformat(value.strip().upper())
    except ValueError:
        return None


def month_number(word: str) -> int | None:
    """The month a Russian, Kazakh or English month name (any case form) stands for."""
    word = word.lower()
    for number, stems in MONTH_STEMS.items():
        if any(word.startswith(stem) for stem in stems):
            return number
    return None


def _day_month_year(text: str) -> date | None:
    numeric = NUMERIC_DATE.search(text)
    if numeric:
        return _safe_date(int(numeric[3]), int(numeric[2]), int(numeric[1]))
    year = YEAR.search(text)
    month = next(filter(None, map(month_number, WORD.findall(text))), None)
    if not (year and month):
        return None
    day = DAY.search(text)  # never in the year: a day has no digit on either side
    return _safe_date(int(year[0]), month, int(day[0])) if day else None


def _safe_date(year: int, month: int, day: int) -> date | None:
    try:
        return date(year, month, day)
    except ValueError:
        return None


def visible_date_parts(text: str | None) -> tuple[date | None, time | None]:
    """The day and, only when one is printed, the time of day of a date as printed."""
    day = _day_month_year(text) if text else None
    if day is None:
        return None, None
    match = CLOCK.search(text)
    return day, time(int(match[1]), int(match[2])) if match else None


def has_time_of_day(value: str | None) -> bool:
    """True when a machine-readable timestamp carries a time of day, not just a date."""
    return bool(value and ISO_TIME.search(value))


def normalise_timestamp(value: str | None) -> str | None:
    """A machine-readable timestamp (meta, JSON-LD, `<time datetime>`) as local ISO 8601; a date
    without a time of day stays a date (`2023-11-27`): no midnight is made up."""
    moment = parse_iso(value)
    if moment is None:
        return None
    return to_local_iso(moment) if has_time_of_day(value) else moment.date().isoformat()
