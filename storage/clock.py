"""Kazakhstan's time zone, Asia/Almaty, read from the tzdata package."""

from __future__ import annotations

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
