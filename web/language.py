"""The reading room's languages: which one a request is answered in, its catalogue, and the
dates, numbers and names of changes as a reader of that language writes them."""

from __future__ import annotations

import gettext
import io
from datetime import date, timedelta
from functools import cache
from pathlib import Path

from babel.dates import format_date, format_datetime, format_timedelta
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.numbers import format_decimal, format_percent
from starlette.requests import Request
from starlette.responses import Response

from web.times import ALMATY, moment, utc

LANGUAGES = ("ru", "kk", "en")  # the order of the switch
DEFAULT = "en"  # when the browser asks for none of them
NAMES = {"ru": "Русский", "kk": "Қазақша", "en": "English"}  # each in its own words
PARAM = "ui"  # ?ui=kk chooses the language (`lang` and `edition` name an edition of the outlet)
COOKIE = "mediawatch_ui"
COOKIE_AGE = 365 * 24 * 3600
LOCALES = Path(__file__).resolve().parent / "locales"
DOMAIN = "messages"

# Almaty time as each language writes it (Babel patterns). English keeps the terminal's form.
DATETIME_PATTERNS = {"ru": "d MMMM y 'г'., HH:mm", "kk": "y 'ж'. d MMMM, HH:mm",
                     "en": "yyyy-MM-dd HH:mm"}
DATE_PATTERNS = {"ru": "d MMMM y 'г'.", "kk": "y 'ж'. d MMMM", "en": "yyyy-MM-dd"}


def N_(message: str) -> str:
    """Marks a message for the catalogues; it is translated where it is shown."""
    return message


# What the archive calls a change, in the words a reader uses (docs/changes.md says what each is).
KIND_LABELS = {
    "new": N_("new article"), "removed": N_("removed"), "restored": N_("restored"),
    "headline": N_("headline changed"), "byline": N_("authors changed"),
    "moved": N_("address changed"), "lead": N_("lead changed"), "typo": N_("typo fixed"),
    "rewrite": N_("text edited"), "paragraph_added": N_("paragraph added"),
    "paragraph_removed": N_("paragraph removed"), "tags": N_("tags changed"),
    "cover": N_("cover photo changed"), "dates": N_("date changed"),
    "stealth": N_("edited without notice"), "degraded": N_("crawl degraded"),
    "divergence": N_("editions diverge"),
    "revision": N_("any revision"),
}
# What one edition of a story says and another does not (docs/changes.md, editions of a story).
DIVERGENCE_KINDS = {
    "figure": N_("figures differ"), "paragraph": N_("a paragraph only in one edition"),
    "quote": N_("a quotation only in one edition"), "edit": N_("an edit not carried"),
}
DIVERGENCE_CLOSINGS = {
    "resolved": N_("resolved"), "carried": N_("carried"), "withdrawn": N_("withdrawn"),
    "reread": N_("misread"), "open": N_("waiting"),
}
# Fields of an article: those a diff compares and those a run's coverage counts.
FIELD_LABELS = {
    "title": N_("headline"), "authors": N_("authors"), "photo_credits": N_("photo credits"),
    "published": N_("published"), "modified": N_("modified"), "tags": N_("tags"),
    "url": N_("address"), "section": N_("section"), "slug": N_("address name"),
    "lead": N_("lead"), "cover_image": N_("cover photo"), "cover_caption": N_("cover caption"),
    "body": N_("text"),
}
EDITION_NAMES = {"ru": N_("Russian"), "kk": N_("Kazakh"), "en": N_("English")}
RUN_STATUSES = {
    "ok": N_("ok"), "running": N_("running"), "failed": N_("failed"), "killed": N_("killed"),
    "timeout": N_("timed out"), "stopped": N_("stopped"), "degraded": N_("degraded"),
    "died": N_("died"),
}
RUN_MODES = {"new": N_("new articles"), "revisit": N_("revisit"), "backfill": N_("backfill"),
             "sweep": N_("sweep")}
LINK_METHODS = {"link": N_("linked on the page"), "inferred": N_("matched by content")}
ARTICLE_STATUSES = {"active": N_("online"), "removed": N_("removed")}


# ---- which language ---------------------------------------------------------------------------

def accepted(header: str | None) -> list[str]:
    """The languages of an Accept-Language header, most wanted first (`q=0` is a refusal)."""
    ranked = []
    for position, part in enumerate((header or "").split(",")):
        tag, _, params = part.strip().partition(";")
        quality = 1.0
        for param in params.split(";"):
            name, _, value = param.strip().partition("=")
            if name.strip() == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        if tag.strip() and quality > 0:
            ranked.append((-quality, position, tag.strip().lower()))
    return [tag for _, _, tag in sorted(ranked)]


def choose(request: Request) -> str:
    """The language of the answer: `?ui=` if it names one, else the reader's earlier choice (the
    cookie), else the first of the browser's languages the room speaks, else English."""
    for asked in (request.query_params.get(PARAM), request.cookies.get(COOKIE)):
        if asked in LANGUAGES:
            return asked
    for tag in accepted(request.headers.get("accept-language")):
        primary = tag.split("-")[0]
        if primary in LANGUAGES:
            return primary
    return DEFAULT


def answer_in(response: Response, request: Request, language: str) -> Response:
    """Say which language an answer is in; keep a choice made with `?ui=` in a cookie."""
    response.headers["Content-Language"] = language
    response.headers.append("Vary", "Accept-Language, Cookie")
    if request.query_params.get(PARAM) == language:
        response.set_cookie(COOKIE, language, max_age=COOKIE_AGE, path="/", httponly=True,
                            samesite="lax")
    return response


# ---- the catalogue ------------------------------------------------------------------------------

def po_path(language: str) -> Path:
    """The .po source of a language's translations."""
    return LOCALES / f"{language}.po"


@cache
def catalogue(language: str) -> gettext.NullTranslations:
    """The translations of a language, compiled from its .po source once per process (English
    is the source language and needs none)."""
    if language == DEFAULT:
        return gettext.NullTranslations()
    with po_path(language).open("rb") as source:
        messages = read_po(source, locale=language, domain=DOMAIN)
    compiled = io.BytesIO()
    write_mo(compiled, messages)
    compiled.seek(0)
    return gettext.GNUTranslations(compiled)


# ---- dates and numbers --------------------------------------------------------------------------

def local_time(stamp: str | None, language: str = DEFAULT) -> str:
    """A stored time in Almaty time as the language writes it (`28 ноября 2026 г., 12:32`); a
    bare date as a date (`5 марта 2024 г.`); `-` for nothing."""
    value = moment(stamp)
    if value is not None:
        try:
            return format_datetime(value, DATETIME_PATTERNS[language], tzinfo=ALMATY,
                                   locale=language)
        except OverflowError:  # the edge of time (year 1 or 9999): shown in UTC
            return utc(stamp)
    if stamp and len(stamp) == 10:
        try:
            return format_date(date.fromisoformat(stamp), DATE_PATTERNS[language],
                               locale=language)
        except ValueError:
            pass
    return stamp or "-"


def local_day(stamp: str | None, language: str = DEFAULT) -> str:
    """The day of a stored time or date, in Almaty, as the language writes it."""
    value = moment(stamp)
    if value is not None:
        try:
            day = value.astimezone(ALMATY).date()
        except OverflowError:  # the edge of time (year 1 or 9999): its day in UTC
            day = value.date()
        return format_date(day, DATE_PATTERNS[language], locale=language)
    return local_time(stamp, language)


def number(value: int | float | None, language: str = DEFAULT) -> str:
    """`12,345` in English, `12 345` in Russian and Kazakh."""
    return format_decimal(value or 0, locale=language)


def interval(seconds: float, language: str = DEFAULT) -> str:
    """How often, as the language writes it: `15 минут`, `1 сағат`, `3 days`."""
    return format_timedelta(timedelta(seconds=seconds), threshold=1, locale=language)


def percent(part: int, whole: int, language: str = DEFAULT) -> str:
    """A share as a whole percentage (`-` of nothing)."""
    return format_percent(part / whole, locale=language) if whole else "-"
