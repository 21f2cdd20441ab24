"""Turn one fetched article page into an ArticleRecord: the outlet's markup first, generic metadata after.

Decoding is in crawler/decoding.py, meta tags and JSON-LD in crawler/page.py, the body text in
crawler/body.py and the language in crawler/language.py. This module reads every other field by
its ordered strategies, all of them here (some 460 lines) so that their precedence reads in one place.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date, datetime
from functools import lru_cache
from urllib.parse import urljoin, urlsplit

from lxml import etree

from crawler.body import generic_body, read_body
from crawler.bylines import Byline, split_byline
from crawler.canonical import (
    article_id_from_url,
    canonical_url,
    is_article_url,
    language_for_section,
    plain_url,
    same_site,
    section_and_slug,
    url_rules,
)
from crawler.dates import (
    has_time_of_day,
    parse_iso,
    to_local_iso,
    visible_date_parts,
)
from crawler.decoding import ExtractionError, decode_html, parse_html
from crawler.language import page_language, text_language
from crawler.markup import markup_for
from crawler.page import (
    LEAD,
    LINE,
    NOT_BOILERPLATE,
    Page,
    compile_xpath,
    has_class,
    ld_id,
    ld_names,
    ld_url,
    take,
    text_of,
    unique,
)
from outlets import Outlet, default_outlet
from storage.records import ArticleRecord

__all__ = ["EXTRACTOR_VERSION", "ExtractionError", "decode_html", "doubtful_reading", "extract",
           "extract_generic", "page_language", "parse_html", "text_language"]

# Recorded with every version it reads; raised whenever extraction reads pages differently.
EXTRACTOR_VERSION = "3"

OUTSIDE_SITE_HEADER = (f"not(ancestor::header[{has_class('site-header')} or @role='banner'])"
                       f" and {NOT_BOILERPLATE}")

# The outlet's own markup is its module's, layout by layout (outlets/layouts/, crawler/markup.py).

# Generic markup: OpenGraph, JSON-LD, HTML5 elements.
CANONICAL = compile_xpath("//link[contains(concat(' ', @rel, ' '), ' canonical ')]/@href")
ALTERNATES = compile_xpath("//link[contains(concat(' ', @rel, ' '), ' alternate ')][@hreflang]/@href")
HTML_TITLE = compile_xpath("//head/title")
HEADLINE = compile_xpath(f"//h1[{NOT_BOILERPLATE}]")
TIMES = compile_xpath(f"//time[{NOT_BOILERPLATE}]")
AUTHOR_LINKS = compile_xpath(
    "//a[@rel='author' or contains(@href, '/author/') or contains(@href, '/authors/')"
    f" or contains(@href, '/avtory/')][{OUTSIDE_SITE_HEADER}]"
)
TAG_LINKS = compile_xpath(
    f"//a[contains(@href, '/tags/') or contains(@href, '/tag/')][{OUTSIDE_SITE_HEADER}]")
ITEMPROP_PUBLISHED = compile_xpath("//*[@itemprop='datePublished']")
# A subheading set right under the title: the lead on some layouts (and where the outlet's
# markup sets one).
SUBHEADING = f"//h1[{NOT_BOILERPLATE}]/following-sibling::*[1][self::h2 or self::h3 or self::p]"
# Short lines that may carry the byline anywhere on the page. (`//body/descendant::*`, not
# `//body//*`: the same elements, but libxml2 takes quadratic time over the latter on a page of
# tens of thousands of paragraphs followed by more markup.)
BYLINE_CANDIDATES = compile_xpath(
    f"//body/descendant::*[self::p or self::div or self::span or self::strong or self::em or self::address]"
    f"[not(ancestor::p)][not(descendant::p or descendant::div)][{NOT_BOILERPLATE}]"
)
BYLINE_START = re.compile(r"^(?:текст|мәтін|text)\s*:\s*\S|^by\s+\w", re.IGNORECASE)
BYLINE_LENGTH = 160


@lru_cache(maxsize=64)
def _title_suffix(name: str) -> re.Pattern:
    """The site's name after the headline in <title>: ` | Name`, ` — Name`."""
    return re.compile(r"\s+[|—–-]\s+" + re.escape(name) + r"\s*$", re.IGNORECASE)


# The default outlet's, as its definition gives it.
SITE_SUFFIX = _title_suffix(default_outlet().extraction.title_suffix)

# ---------------------------------------------------------------- fields
#
# Every field is read by an ordered list of strategies: the outlet's markup of each layout it
# has had first, then what any page may carry (OpenGraph, JSON-LD, microdata, HTML5 elements).


def _first(page: Page, strategies) -> object:
    """The first non-empty value given by the strategies, in order."""
    return next((value for strategy in strategies if (value := strategy(page))), None)


def _canonical(page: Page) -> str:
    """The page's canonical article URL: `<link rel=canonical>`, og:url, JSON-LD, the fetched URL."""
    for candidate in [*_url_candidates(page), page.url]:
        try:
            absolute = urljoin(page.base, candidate.strip())
            if same_site(absolute, page.url) and is_article_url(absolute, page.outlet):
                return canonical_url(absolute, base_url=page.url, outlet=page.outlet)
        except ValueError:
            continue  # a malformed URL, e.g. `https://[example.kz/`: try the next one
    raise ExtractionError(f"not an article URL: {page.url}")


def _url_candidates(page: Page) -> list[str]:
    """The URLs the page states as its own, most reliable first."""
    ld_url = ld_id(page.ld.get("mainEntityOfPage")) or ld_id(page.ld.get("url"))
    return list(filter(None, CANONICAL(page.doc) + page.meta.get("og:url", [])[:1] + [ld_url]))


def _generic_url(page: Page) -> str:
    """Any site's page URL: its canonical link on the same host, else the fetched URL."""
    for candidate in _url_candidates(page):
        try:
            absolute = urljoin(page.base, candidate.strip())
            if urlsplit(absolute).scheme in ("http", "https") and same_site(absolute, page.url):
                return plain_url(absolute)
        except ValueError:
            continue
    return plain_url(page.url)


def _html_title(page: Page) -> str | None:
    title = page.first_text(HTML_TITLE) or ""
    site_name = page.meta_value("og:site_name")
    if site_name:
        title = re.sub(r"\s+[|—–-]\s+" + re.escape(site_name) + r"\s*$", "", title)
    suffix = page.outlet.extraction.title_suffix if page.outlet else ""
    return (_title_suffix(suffix).sub("", title) if suffix else title) or None


TITLE_STRATEGIES = (
    lambda page: page.site_text("title"),
    lambda page: page.meta_value("og:title", "twitter:title"),
    lambda page: page.ld_text("headline"),
    lambda page: page.first_text(HEADLINE),
    _html_title,
    lambda page: page.trafilatura.title,
)


def _title(page: Page) -> str:
    title = _first(page, TITLE_STRATEGIES)
    if not title:
        raise ExtractionError(f"no title on {page.url}")
    return title


def _subheading(page: Page) -> str | None:
    """A subheading right under the title, or a paragraph classed as a lead or subtitle."""
    for element in _subheadings(page.site.subheading)(page.doc):
        text = text_of(element)
        is_lead = element.tag != "p" or any(LEAD_CLASS.search(name) for name in element.classes)
        if is_lead and len(text) >= SUBHEADING_CHARS:
            take(element, LEAD)
            return text
    return None


@lru_cache(maxsize=64)
def _subheadings(site_own: tuple[str, ...]) -> etree.XPath:
    return compile_xpath(" | ".join((SUBHEADING, *site_own)))


LEAD_CLASS = re.compile(r"lead|sub-?title|standfirst|summary|intro|description", re.IGNORECASE)
SUBHEADING_CHARS = 30

LEAD_STRATEGIES = (
    # the outlet's lead boxes leave its body by their markup (crawler/body.py)
    lambda page: page.site_text("lead"),
    _subheading,
    lambda page: page.meta_value("og:description", "description", "twitter:description"),
    lambda page: page.ld_text("description"),
)


def _lead(page: Page) -> str:
    return _first(page, LEAD_STRATEGIES) or ""


def _site_author_line(page: Page) -> Byline | None:
    line = page.site_text("author_line")
    return split_byline(line) if line else None


def _looks_like_names(byline: Byline) -> bool:
    """Authors written as names (photo credits may name a press service)."""
    return bool(byline.authors) and all(
        name[:1].isupper() and len(name.split()) <= 5 for name in byline.authors)


def _byline_line(page: Page) -> Byline | None:
    """A short line anywhere on the page that starts `Текст:`, `Мәтін:`, `Text:` or `By`."""
    for element in BYLINE_CANDIDATES(page.doc):
        text = text_of(element)
        if len(text) > BYLINE_LENGTH or not BYLINE_START.match(text):
            continue
        byline = split_byline(text)
        if _looks_like_names(byline):
            take(element, LINE)
            return byline
    return None


def _authors_only(names: list[str]) -> Byline | None:
    names = unique(names)
    return Byline(names, []) if names else None


def _meta_authors(page: Page, name: str) -> Byline | None:
    values = [value for value in page.meta.get(name, []) if not value.startswith(("http", "/"))]
    return _authors_only([n for value in values for n in split_byline(value).authors])


def _linked_authors(page: Page) -> Byline | None:
    names = [text_of(link) for link in AUTHOR_LINKS(page.doc)]
    return _authors_only([name for name in names if len(name) <= AUTHOR_NAME_CHARS])


AUTHOR_NAME_CHARS = 60  # a longer link text is a sentence, not a name


BYLINE_STRATEGIES = (
    _site_author_line,
    _byline_line,
    lambda page: _authors_only(ld_names(page.ld.get("author"))),
    lambda page: _meta_authors(page, "author"),
    lambda page: _meta_authors(page, "article:author"),
    _linked_authors,
)


def _byline(page: Page) -> Byline:
    return _first(page, BYLINE_STRATEGIES) or Byline([], [])


def _stamp(page: Page, moment: datetime) -> str:
    """ISO 8601 of a moment: the outlet's in its zone (as its definition gives it), any other
    site's as stated."""
    zone = page.outlet.extraction.timezone if page.outlet else ""
    return to_local_iso(moment, zone) if zone else moment.isoformat(timespec="seconds")


def _machine_moment(page: Page, value: str | None) -> tuple[date, str | None] | None:
    """The day of a machine-readable timestamp, and its ISO form when it has a time of day."""
    moment = parse_iso(value)
    if moment is None:
        return None
    if not has_time_of_day(value):
        return moment.date(), None
    stamp = _stamp(page, moment)
    return date.fromisoformat(stamp[:10]), stamp


def _visible_moment(page: Page, text: str | None) -> tuple[date, str | None] | None:
    day, clock = visible_date_parts(text)
    if day is None:
        return None
    return day, _stamp(page, datetime.combine(day, clock)) if clock else None


def _take_datelines(elements: list) -> None:
    """A short line that only states the date (`Posted April 3, 2023`) is not body text."""
    for element in elements:
        line = element.getparent()
        if line is not None and line.tag in ("p", "div") and (
                len(text_of(line)) <= len(text_of(element)) + DATELINE_EXTRA_CHARS):
            take(line, LINE)


DATELINE_EXTRA_CHARS = 15


def _date_candidates(page: Page) -> Iterator[tuple[date, str | None]]:
    """Publication moments the page states, most reliable first."""
    itemprops = ITEMPROP_PUBLISHED(page.doc)
    lines = page.site.find("date_line", page.doc)
    site_times = page.site.find("dates", page.doc) + [
        time for line in lines for time in line.iterfind(".//time")]
    times = TIMES(page.doc)
    machine = [
        page.meta_value("article:published_time", "og:published_time", "datepublished"),
        page.ld_text("datePublished"),
        *(item.get("content") or item.get("datetime") for item in itemprops),
        *(time.get("datetime") for time in site_times + times),
    ]
    visible = [text_of(element) for element in site_times + itemprops]
    visible += [text_of(line) for line in lines] + [text_of(t) for t in times]
    _take_datelines(itemprops + times)
    for value in machine:
        if found := _machine_moment(page, value):
            yield found
    for text in visible:
        if found := _visible_moment(page, text):
            yield found


def _published(page: Page) -> str | None:
    """The publication time; a date alone when no source on the page gives that day's time."""
    candidates = list(_date_candidates(page))
    if not candidates:  # trafilatura's own reading (a day, no time), costly: only when needed
        moment = parse_iso(page.trafilatura.date)
        return moment.date().isoformat() if moment else None
    day = candidates[0][0]
    return next((stamp for other, stamp in candidates if stamp and other == day), day.isoformat())


def _modified(page: Page) -> str | None:
    value = (
        page.meta_value("article:modified_time", "og:updated_time", "datemodified")
        or page.ld_text("dateModified")
    )
    found = _machine_moment(page, value)
    return (found[1] or found[0].isoformat()) if found else None


def _ld_keywords(page: Page) -> list[str]:
    keywords = page.ld.get("keywords") or []
    return keywords.split(",") if isinstance(keywords, str) else keywords


TAG_STRATEGIES = (
    lambda page: [text_of(link) for link in page.site.find("tags", page.doc)],
    lambda page: [text_of(link).lstrip("#") for link in TAG_LINKS(page.doc)],
    lambda page: page.meta.get("article:tag", []),
    _ld_keywords,
)


def _tags(page: Page) -> list[str]:
    tags = _first(page, TAG_STRATEGIES) or []
    return unique(" ".join(str(tag).split()) for tag in tags)


def _site_cover(page: Page) -> tuple[str, str | None] | None:
    for box in page.site.find("cover", page.doc):
        image = box.find(".//img")
        if image is not None and image.get("src"):
            caption = next((text for element in CAPTIONS(box) if (text := text_of(element))), None)
            return urljoin(page.base, image.get("src").strip()), caption
    return None


def _meta_cover(page: Page) -> tuple[str, str | None] | None:
    src = page.meta_value("og:image", "twitter:image") or ld_url(page.ld.get("image"))
    if not src:
        return None
    src = urljoin(page.base, src)
    return src, _image_caption(page, src)


CAPTIONS = compile_xpath(f".//figcaption | .//*[{has_class('img-caption')}]")
COVER_STRATEGIES = (_site_cover, _meta_cover)


def _cover(page: Page) -> tuple[str | None, str | None]:
    """Absolute cover image URL and its caption."""
    return _first(page, COVER_STRATEGIES) or (None, None)


def _image_caption(page: Page, src: str) -> str | None:
    """The caption of the figure, or the captioned box, on the page that shows the given image."""
    for image in IMAGES(page.doc):
        if urljoin(page.base, image.get("src").strip()) != src:
            continue
        for box in (image.getparent(), image.getparent().getparent()):
            if box is not None and (captions := CAPTIONS(box)):
                return text_of(captions[0]) or None
    return None


IMAGES = compile_xpath("//img[@src]")



def _translations(page: Page, body_links: list[str], own_url: str) -> list[str]:
    hrefs = page.site.find("edition_links", page.doc) + body_links + ALTERNATES(page.doc)
    urls = (canonical_url(urljoin(page.base, href), base_url=page.url, outlet=page.outlet)
            for href in hrefs)
    return unique(url for url in urls if url != own_url and is_article_url(url, page.outlet))


# A reading with fewer body words than this, or in another language than its edition, is
# doubtful: the page may have been caught in a layout change.
DOUBTFUL_WORDS = 30


def doubtful_reading(record: ArticleRecord) -> bool:
    """True when a record looks like a failed reading rather than the article."""
    text = " ".join(record.body)
    return record.word_count < DOUBTFUL_WORDS or text_language(text) != record.language


# ---------------------------------------------------------------- entry point


def extract(html: str | bytes, url: str, fetched_at: str | None = None,
            outlet: Outlet | None = None) -> ArticleRecord:
    """Read one article page of the outlet (by default the default outlet) fetched from url:
    its URL rules, its layouts' markup first; ExtractionError when it is not a usable article."""
    return _guarded(_read_article, html, url, fetched_at, outlet or default_outlet())


def extract_generic(html: str | bytes, url: str, fetched_at: str | None = None,
                    outlet: Outlet | None = None) -> ArticleRecord:
    """Read an article page of any site: no outlet URL rules, no edition, the language from the
    page itself. The record has no article id, section or slug. Given an outlet whose
    definition names a module, its layouts' markup is read first (its times kept as stated)."""
    return _guarded(_read_any_article, html, url, fetched_at, outlet)


def _guarded(reader, html: str | bytes, url: str, fetched_at: str | None,
             outlet: Outlet | None) -> ArticleRecord:
    try:
        return reader(html, url, fetched_at, outlet)
    except ExtractionError:
        raise
    except ValueError as error:  # a URL or a character on the page that cannot be parsed
        raise ExtractionError(f"unreadable page {url}: {error}") from error


def _read_article(html: str | bytes, url: str, fetched_at: str | None,
                  outlet: Outlet) -> ArticleRecord:
    page = Page(parse_html(html), url, outlet=outlet, site=markup_for(outlet, fetched_at))
    own_url = _canonical(page)
    section, slug = section_and_slug(own_url, outlet)
    language = language_for_section(section, outlet)
    fields = _read_fields(page, _title(page))  # first: the parts taken as fields leave the body
    body, body_links = read_body(page, language)
    if not body:
        raise ExtractionError(f"no body text on {url}")
    if section.lower() not in url_rules(outlet).section_languages:
        # An unknown section: the text itself says which edition the article belongs to.
        language = text_language(" ".join(body))
    return ArticleRecord(
        article_id=article_id_from_url(own_url, outlet), language=language, url=own_url,
        section=section, slug=slug, body=body,
        translations=_translations(page, body_links, own_url), fetched_at=fetched_at, **fields)


def _read_any_article(html: str | bytes, url: str, fetched_at: str | None,
                      outlet: Outlet | None) -> ArticleRecord:
    page = Page(parse_html(html), url, site=markup_for(outlet, fetched_at))
    fields = _read_fields(page, _first(page, TITLE_STRATEGIES) or "")
    body = generic_body(page, fields["title"])
    if not body:
        raise ExtractionError(f"no body text on {url}")
    return ArticleRecord(
        article_id=None, language=page_language(page.doc, " ".join(body)),
        url=_generic_url(page), section="", slug="", body=body, fetched_at=fetched_at, **fields)


def _read_fields(page: Page, title: str) -> dict:
    byline = _byline(page)
    cover_image, cover_caption = _cover(page)
    return {
        "title": title, "lead": _lead(page), "authors": byline.authors,
        "photo_credits": byline.photo_credits, "published": _published(page),
        "modified": _modified(page), "tags": _tags(page), "cover_image": cover_image,
        "cover_caption": cover_caption,
    }
