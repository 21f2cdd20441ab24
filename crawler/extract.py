"""Turn one fetched article page into an ArticleRecord: site selectors first, generic metadata after."""

from __future__ import annotations

import codecs
import json
import re
from collections.abc import Iterator
from copy import deepcopy
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import cached_property
from urllib.parse import urljoin, urlsplit

import lxml.html
from lxml import etree
from trafilatura import bare_extraction
from trafilatura.metadata import Document, extract_metadata
from trafilatura.settings import DEFAULT_CONFIG, Extractor

from crawler.bylines import Byline, split_byline
from crawler.canonical import (
    SECTION_LANGUAGES,
    article_id_from_url,
    canonical_url,
    is_article_url,
    language_for_section,
    plain_url,
    same_site,
    section_and_slug,
)
from crawler.dates import (
    has_time_of_day,
    normalise_timestamp,
    parse_iso,
    to_local_iso,
    visible_date_parts,
)
from storage.records import ArticleRecord

# Recorded with every version it reads; raised whenever extraction reads pages differently.
EXTRACTOR_VERSION = "2"


class ExtractionError(ValueError):
    """The page is not an article of the outlet, or its title or body text cannot be read."""


def _has_class(name: str) -> str:
    return f"contains(concat(' ', normalize-space(@class), ' '), ' {name} ')"


def _xpath(expression: str) -> etree.XPath:
    return etree.XPath(expression, smart_strings=False)


NOT_BOILERPLATE = "not(ancestor::aside or ancestor::footer or ancestor::nav)"
OUTSIDE_SITE_HEADER = (f"not(ancestor::header[{_has_class('site-header')} or @role='banner'])"
                       f" and {NOT_BOILERPLATE}")

# The outlet's own markup (docs/design.md).
SITE_TITLE = _xpath(f"//li[{_has_class('has-title')}]//h1")
SITE_LEAD = _xpath(f"//*[{_has_class('item-lead')}]")
SITE_DESC = _xpath(f"//div[{_has_class('default-item-desc')}]")
SITE_AUTHOR_LINE = _xpath(f"//*[{_has_class('author-line')}]")
SITE_DATE_LINE = _xpath(f"//ul[{_has_class('item-expand-meta')}]")
SITE_DATE = _xpath(f"//time[{_has_class('news-date')}]")
SITE_TAGS = _xpath(f"//*[{_has_class('item-tags')}]//a")
SITE_COVER = _xpath(f"//*[{_has_class('item-cover')}]")
SITE_BODY = _xpath(f"//div[{_has_class('default-item-in')} or {_has_class('js-mediator-article')}]")
SITE_EDITION_LINKS = _xpath(f"//p[{_has_class('other-edition')}]//a/@href")

# Generic markup: OpenGraph, JSON-LD, HTML5 elements.
META = _xpath("//meta[@content]")
JSON_LD = _xpath("//script[@type='application/ld+json']/text()")
CANONICAL = _xpath("//link[contains(concat(' ', @rel, ' '), ' canonical ')]/@href")
ALTERNATES = _xpath("//link[contains(concat(' ', @rel, ' '), ' alternate ')][@hreflang]/@href")
BASE_HREF = _xpath("//base/@href")
HTML_TITLE = _xpath("//head/title")
HEADLINE = _xpath(f"//h1[{NOT_BOILERPLATE}]")
TIMES = _xpath(f"//time[{NOT_BOILERPLATE}]")
AUTHOR_LINKS = _xpath(
    "//a[@rel='author' or contains(@href, '/author/') or contains(@href, '/authors/')"
    f" or contains(@href, '/avtory/')][{OUTSIDE_SITE_HEADER}]"
)
TAG_LINKS = _xpath(f"//a[contains(@href, '/tags/') or contains(@href, '/tag/')][{OUTSIDE_SITE_HEADER}]")
ITEMPROP_PUBLISHED = _xpath("//*[@itemprop='datePublished']")
# A subheading set right under the title: the lead on some layouts.
SUBHEADING = _xpath(
    f"//h1[{NOT_BOILERPLATE}]/following-sibling::*[1][self::h2 or self::h3 or self::p]"
    f" | //li[{_has_class('has-title')}]/parent::*/following-sibling::*[1][self::h2 or self::h3]"
)
# Short lines that may carry the byline anywhere on the page.
BYLINE_CANDIDATES = _xpath(
    f"//body//*[self::p or self::div or self::span or self::strong or self::em or self::address]"
    f"[not(ancestor::p)][not(descendant::p or descendant::div)][{NOT_BOILERPLATE}]"
)
BYLINE_START = re.compile(r"^(?:текст|мәтін|text)\s*:\s*\S|^by\s+\w", re.IGNORECASE)
BYLINE_LENGTH = 160
GENERIC_BODY = (
    _xpath("//*[@itemprop='articleBody']"),
    _xpath(f"//article[{NOT_BOILERPLATE}]"),
    _xpath("//main"),
    _xpath("//body"),
)
# A container with less text than this, and less than NEARLY_EMPTY_SHARE of the page's text,
# is a photo box or a sidebar card: the next, wider container is read instead.
NEARLY_EMPTY_CHARS = 200
NEARLY_EMPTY_SHARE = 0.2
# Elements marked while reading the page so that the body leaves them out: byline and date
# lines everywhere, the lead on the outlet's pages (other sites' standfirsts often open the text).
TAKEN = "data-mw-taken"
LEAD_TAKEN = "data-mw-lead"

# Parts of the body scope that are not body text.
IMAGE_ONLY_P = "self::p[.//img][not(normalize-space())]"
PRUNED = _xpath(
    " | ".join(
        [
            f".//*[{_has_class('img-caption')}]",
            ".//figure",
            ".//figcaption",
            f".//p[{_has_class('other-edition')}]",
            f".//*[@{TAKEN}]",
            f".//*[@{LEAD_TAKEN}]",
            f".//p[em or i][count(*) = 1][not(text()[normalize-space()])]"
            f"[preceding-sibling::*[1][{IMAGE_ONLY_P}]]",
            ".//aside",
            ".//nav",
            ".//footer",
            ".//h1",
            ".//script",
            ".//style",
            ".//noscript",
        ]
        + [
            f".//*[{_has_class(name)}]"
            for name in ("popular", "item-tags", "author-line", "item-lead", "item-cover",
                         "item-expand-meta", "default-item-desc", "caption", "photo-caption",
                         "wp-caption-text", "breadcrumb")
        ]
    )
)
PARAGRAPHS = _xpath(".//p[not(ancestor::p)]")

ARTICLE_TYPES = re.compile(r"Article$|^BlogPosting$|^Report$")
SITE_SUFFIX = re.compile(r"\s+[|—–-]\s+Vlast\.kz\s*$", re.IGNORECASE)
DECLARED_CHARSET = re.compile(rb"<meta[^>]+charset\s*=\s*[\"']?\s*([\w.:-]+)", re.IGNORECASE)
XML_DECLARATION = re.compile(r"^\s*<\?xml[^>]*\?>")
CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
# Character references to control characters (`&#1;`, `&#x1b`): the parser would decode them.
CONTROL_REFERENCES = re.compile(
    r"&#(?:0*(?:[0-8]|1[1-24-9]|2[0-9]|3[01]|127)(?![0-9])"
    r"|[xX]0*(?:[0-8bBcCeEfF]|1[0-9a-fA-F]|7[fF])(?![0-9a-fA-F]));?"
)


def _trafilatura_options(fast: bool = True) -> Extractor:
    """Extraction with no minimum length: a short article must not go to the baseline rescue,
    which merges all paragraphs into one. Reader comments are not the article."""
    config = deepcopy(DEFAULT_CONFIG)
    config["DEFAULT"]["MIN_EXTRACTED_SIZE"] = "1"
    config["DEFAULT"]["MIN_OUTPUT_SIZE"] = "1"
    return Extractor(config=config, fast=fast, comments=False, tables=True)


TRAFILATURA_OPTIONS = _trafilatura_options()
# Other sites: trafilatura's fallback algorithms too, for pages of markup nobody has checked.
GENERIC_OPTIONS = _trafilatura_options(fast=False)


def _text(element) -> str:
    return " ".join("".join(element.itertext()).split())


def _unique(values) -> list[str]:
    return list(dict.fromkeys(value for value in values if value))


# ---------------------------------------------------------------- decoding and parsing


def _candidate_encodings(data: bytes) -> list[str]:
    """UTF-8 first (valid UTF-8 with Cyrillic is never cp1251 text), then the declared charset,
    then cp1251, the outlet's legacy encoding."""
    if data.startswith(codecs.BOM_UTF8):
        return ["utf-8-sig"]
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return ["utf-16"]
    declared = DECLARED_CHARSET.search(data[:4096])
    names = ["utf-8", declared[1].decode("ascii", "ignore") if declared else "", "cp1251"]
    return [name for name in names if name]


def decode_html(data: bytes) -> str:
    """Text of an HTML page given as bytes, whatever charset it declares or fails to declare."""
    for encoding in _candidate_encodings(data):
        try:
            return data.decode(encoding)
        except (UnicodeDecodeError, LookupError):
            continue
    return data.decode("utf-8", errors="replace")


def parse_html(html: str | bytes) -> lxml.html.HtmlElement:
    """The document tree of a page, or ExtractionError when there is no HTML to read."""
    text = decode_html(html) if isinstance(html, bytes) else html
    text = CONTROL_REFERENCES.sub("", CONTROL_CHARACTERS.sub("", XML_DECLARATION.sub("", text)))
    if not text.strip():
        raise ExtractionError("empty page")
    try:
        doc = lxml.html.document_fromstring(text)
    except (etree.ParserError, ValueError) as error:
        raise ExtractionError(f"unreadable HTML: {error}") from error
    # A comment inside a paragraph must not cut it: drop comments, keep the text after them.
    etree.strip_elements(doc, etree.Comment, with_tail=False)
    return doc


# ---------------------------------------------------------------- page metadata


def _read_meta(doc) -> dict[str, list[str]]:
    """Meta tag contents by lower-cased property, name or itemprop, in document order."""
    meta: dict[str, list[str]] = {}
    for element in META(doc):
        key = element.get("property") or element.get("name") or element.get("itemprop")
        content = " ".join(element.get("content", "").split())
        if key and content:
            meta.setdefault(key.lower(), []).append(content)
    return meta


def _json_ld_objects(data) -> list[dict]:
    if isinstance(data, list):
        return [obj for item in data for obj in _json_ld_objects(item)]
    if not isinstance(data, dict):
        return []
    return [data] + _json_ld_objects(data.get("@graph", []))


def _is_article_type(obj: dict) -> bool:
    types = obj.get("@type")
    types = types if isinstance(types, list) else [types]
    return any(isinstance(kind, str) and ARTICLE_TYPES.search(kind) for kind in types)


def _read_json_ld(doc) -> dict:
    """The first JSON-LD object of an article type (NewsArticle, Article, ...), else {}."""
    for script in JSON_LD(doc):
        try:
            data = json.loads(script)
        except ValueError:
            continue
        for obj in _json_ld_objects(data):
            if _is_article_type(obj):
                return obj
    return {}


def _ld_names(value) -> list[str]:
    """Person names from a JSON-LD author value: text, object or list; organisations skipped."""
    if isinstance(value, list):
        return [name for item in value for name in _ld_names(item)]
    if isinstance(value, dict):
        is_person = value.get("@type", "Person") != "Organization"
        return _ld_names(value.get("name")) if is_person else []
    if isinstance(value, str):
        return split_byline(value).authors
    return []


def _ld_url(value) -> str | None:
    if isinstance(value, list):
        return _ld_url(value[0]) if value else None
    if isinstance(value, dict):
        return value.get("url") or value.get("contentUrl")
    return value if isinstance(value, str) else None


def _ld_id(value) -> str | None:
    if isinstance(value, dict):
        value = value.get("@id") or value.get("url")
    return value if isinstance(value, str) else None


@dataclass
class _Page:
    """One parsed page with its metadata read once."""

    doc: lxml.html.HtmlElement
    url: str
    outlet: bool = True  # times in Kazakhstan's offset; else as the page states them
    meta: dict[str, list[str]] = field(init=False)
    ld: dict = field(init=False)

    def __post_init__(self) -> None:
        self.meta = _read_meta(self.doc)
        self.ld = _read_json_ld(self.doc)

    def meta_value(self, *names: str) -> str | None:
        return next((self.meta[name][0] for name in names if name in self.meta), None)

    def ld_text(self, name: str) -> str | None:
        value = self.ld.get(name)
        return " ".join(value.split()) if isinstance(value, str) and value.strip() else None

    def first_text(self, xpath: etree.XPath) -> str | None:
        return next((text for element in xpath(self.doc) if (text := _text(element))), None)

    @cached_property
    def base(self) -> str:
        hrefs = BASE_HREF(self.doc)
        return urljoin(self.url, hrefs[0].strip()) if hrefs else self.url

    @cached_property
    def trafilatura(self) -> Document:
        """trafilatura's own metadata, read only when ours lacks the title or the date."""
        return extract_metadata(self.doc, self.url) or Document()


# ---------------------------------------------------------------- fields
#
# Every field is read by an ordered list of strategies: the outlet's markup of each layout it
# has had first, then what any page may carry (OpenGraph, JSON-LD, microdata, HTML5 elements).


def _first(page: _Page, strategies) -> object:
    """The first non-empty value given by the strategies, in order."""
    return next((value for strategy in strategies if (value := strategy(page))), None)


def _canonical(page: _Page) -> str:
    """The page's canonical article URL: `<link rel=canonical>`, og:url, JSON-LD, the fetched URL."""
    for candidate in _url_candidates(page):
        try:
            absolute = urljoin(page.base, candidate.strip())
            if same_site(absolute, page.url) and is_article_url(absolute):
                return canonical_url(absolute, base_url=page.url)
        except ValueError:
            continue  # a malformed URL, e.g. `https://[vlast.kz/`: try the next one
    raise ExtractionError(f"not an article URL: {page.url}")


def _url_candidates(page: _Page) -> list[str]:
    ld_url = _ld_id(page.ld.get("mainEntityOfPage")) or _ld_id(page.ld.get("url"))
    return list(filter(None, CANONICAL(page.doc) + page.meta.get("og:url", [])[:1]
                       + [ld_url, page.url]))


def _generic_url(page: _Page) -> str:
    """Any site's page URL: its canonical link on the same host, else the fetched URL."""
    for candidate in _url_candidates(page):
        try:
            absolute = urljoin(page.base, candidate.strip())
            if urlsplit(absolute).scheme in ("http", "https") and same_site(absolute, page.url):
                return plain_url(absolute)
        except ValueError:
            continue
    return plain_url(page.url)


def _html_title(page: _Page) -> str | None:
    title = page.first_text(HTML_TITLE) or ""
    site_name = page.meta_value("og:site_name")
    if site_name:
        title = re.sub(r"\s+[|—–-]\s+" + re.escape(site_name) + r"\s*$", "", title)
    return SITE_SUFFIX.sub("", title) or None


TITLE_STRATEGIES = (
    lambda page: page.first_text(SITE_TITLE),
    lambda page: page.meta_value("og:title", "twitter:title"),
    lambda page: page.ld_text("headline"),
    lambda page: page.first_text(HEADLINE),
    _html_title,
    lambda page: page.trafilatura.title,
)


def _title(page: _Page) -> str:
    title = _first(page, TITLE_STRATEGIES)
    if not title:
        raise ExtractionError(f"no title on {page.url}")
    return title


def _taken_text(page: _Page, xpath: etree.XPath) -> str | None:
    """The text of the first element found, which is then kept out of the body."""
    for element in xpath(page.doc):
        if text := _text(element):
            element.set(LEAD_TAKEN, "1")
            return text
    return None


def _subheading(page: _Page) -> str | None:
    """A subheading right under the title, or a paragraph classed as a lead or subtitle."""
    for element in SUBHEADING(page.doc):
        text = _text(element)
        is_lead = element.tag != "p" or LEAD_CLASS.search(element.get("class") or "")
        if is_lead and len(text) >= SUBHEADING_CHARS:
            element.set(LEAD_TAKEN, "1")
            return text
    return None


LEAD_CLASS = re.compile(r"lead|sub-?title|standfirst|summary|intro|description", re.IGNORECASE)
SUBHEADING_CHARS = 30

LEAD_STRATEGIES = (
    lambda page: _taken_text(page, SITE_LEAD),
    lambda page: _taken_text(page, SITE_DESC),
    _subheading,
    lambda page: page.meta_value("og:description", "description", "twitter:description"),
    lambda page: page.ld_text("description"),
)


def _lead(page: _Page) -> str:
    return _first(page, LEAD_STRATEGIES) or ""


def _site_author_line(page: _Page) -> Byline | None:
    line = page.first_text(SITE_AUTHOR_LINE)
    return split_byline(line) if line else None


def _looks_like_names(byline: Byline) -> bool:
    """Authors written as names (photo credits may name a press service)."""
    return bool(byline.authors) and all(
        name[:1].isupper() and len(name.split()) <= 5 for name in byline.authors)


def _byline_line(page: _Page) -> Byline | None:
    """A short line anywhere on the page that starts `Текст:`, `Мәтін:`, `Text:` or `By`."""
    for element in BYLINE_CANDIDATES(page.doc):
        text = _text(element)
        if len(text) > BYLINE_LENGTH or not BYLINE_START.match(text):
            continue
        byline = split_byline(text)
        if _looks_like_names(byline):
            element.set(TAKEN, "1")
            return byline
    return None


def _authors_only(names: list[str]) -> Byline | None:
    names = _unique(names)
    return Byline(names, []) if names else None


def _meta_authors(page: _Page, name: str) -> Byline | None:
    values = [value for value in page.meta.get(name, []) if not value.startswith(("http", "/"))]
    return _authors_only([n for value in values for n in split_byline(value).authors])


def _linked_authors(page: _Page) -> Byline | None:
    names = [_text(link) for link in AUTHOR_LINKS(page.doc)]
    return _authors_only([name for name in names if 0 < len(name) <= 60])


BYLINE_STRATEGIES = (
    _site_author_line,
    _byline_line,
    lambda page: _authors_only(_ld_names(page.ld.get("author"))),
    lambda page: _meta_authors(page, "author"),
    lambda page: _meta_authors(page, "article:author"),
    _linked_authors,
)


def _byline(page: _Page) -> Byline:
    return _first(page, BYLINE_STRATEGIES) or Byline([], [])


def _stamp(page: _Page, moment: datetime) -> str:
    """ISO 8601 of a moment: the outlet's in Kazakhstan time, any other site's as stated."""
    return to_local_iso(moment) if page.outlet else moment.isoformat(timespec="seconds")


def _machine_moment(page: _Page, value: str | None) -> tuple[date, str | None] | None:
    """The day of a machine-readable timestamp, and its ISO form when it has a time of day."""
    moment = parse_iso(value)
    if moment is None:
        return None
    if not has_time_of_day(value):
        return moment.date(), None
    stamp = normalise_timestamp(value) if page.outlet else _stamp(page, moment)
    return date.fromisoformat(stamp[:10]), stamp


def _visible_moment(page: _Page, text: str | None) -> tuple[date, str | None] | None:
    day, clock = visible_date_parts(text)
    if day is None:
        return None
    return day, _stamp(page, datetime.combine(day, clock)) if clock else None


def _take_datelines(elements: list) -> None:
    """A short line that only states the date (`Posted April 3, 2023`) is not body text."""
    for element in elements:
        line = element.getparent()
        if line is not None and line.tag in ("p", "div") and (
                len(_text(line)) <= len(_text(element)) + DATELINE_EXTRA_CHARS):
            line.set(TAKEN, "1")


DATELINE_EXTRA_CHARS = 15


def _date_candidates(page: _Page) -> Iterator[tuple[date, str | None]]:
    """Publication moments the page states, most reliable first."""
    itemprops = ITEMPROP_PUBLISHED(page.doc)
    site_times = SITE_DATE(page.doc) + [
        time for line in SITE_DATE_LINE(page.doc) for time in line.iterfind(".//time")]
    times = TIMES(page.doc)
    machine = [
        page.meta_value("article:published_time", "og:published_time", "datepublished"),
        page.ld_text("datePublished"),
        *(item.get("content") or item.get("datetime") for item in itemprops),
        *(time.get("datetime") for time in site_times + times),
    ]
    visible = [_text(element) for element in site_times + itemprops]
    visible += [_text(line) for line in SITE_DATE_LINE(page.doc)] + [_text(t) for t in times]
    _take_datelines(itemprops + times)
    for value in machine:
        if found := _machine_moment(page, value):
            yield found
    for text in visible:
        if found := _visible_moment(page, text):
            yield found


def _published(page: _Page) -> str | None:
    """The publication time; a date alone when no source on the page gives that day's time."""
    candidates = list(_date_candidates(page))
    if not candidates:  # trafilatura's own reading, costly, only when the page gives none
        found = _machine_moment(page, page.trafilatura.date)
        return (found[1] or found[0].isoformat()) if found else None
    day = candidates[0][0]
    return next((stamp for other, stamp in candidates if stamp and other == day), day.isoformat())


def _modified(page: _Page) -> str | None:
    value = (
        page.meta_value("article:modified_time", "og:updated_time", "datemodified")
        or page.ld_text("dateModified")
    )
    found = _machine_moment(page, value)
    return (found[1] or found[0].isoformat()) if found else None


def _ld_keywords(page: _Page) -> list[str]:
    keywords = page.ld.get("keywords") or []
    return keywords.split(",") if isinstance(keywords, str) else keywords


TAG_STRATEGIES = (
    lambda page: [_text(link) for link in SITE_TAGS(page.doc)],
    lambda page: [_text(link).lstrip("#") for link in TAG_LINKS(page.doc)],
    lambda page: page.meta.get("article:tag", []),
    _ld_keywords,
)


def _tags(page: _Page) -> list[str]:
    tags = _first(page, TAG_STRATEGIES) or []
    return _unique(" ".join(str(tag).split()) for tag in tags)


def _site_cover(page: _Page) -> tuple[str, str | None] | None:
    for box in SITE_COVER(page.doc):
        image = box.find(".//img")
        if image is not None and image.get("src"):
            caption = next((text for element in CAPTIONS(box) if (text := _text(element))), None)
            return urljoin(page.base, image.get("src").strip()), caption
    return None


def _meta_cover(page: _Page) -> tuple[str, str | None] | None:
    src = page.meta_value("og:image", "twitter:image") or _ld_url(page.ld.get("image"))
    if not src:
        return None
    src = urljoin(page.base, src)
    return src, _image_caption(page, src)


CAPTIONS = _xpath(f".//figcaption | .//*[{_has_class('img-caption')}]")
COVER_STRATEGIES = (_site_cover, _meta_cover)


def _cover(page: _Page) -> tuple[str | None, str | None]:
    """Absolute cover image URL and its caption."""
    return _first(page, COVER_STRATEGIES) or (None, None)


def _image_caption(page: _Page, src: str) -> str | None:
    """The caption of the figure, or the captioned box, on the page that shows the given image."""
    for image in IMAGES(page.doc):
        if urljoin(page.base, (image.get("src") or "").strip()) != src:
            continue
        for box in (image.getparent(), image.getparent().getparent()):
            if box is not None and (captions := CAPTIONS(box)):
                return _text(captions[0]) or None
    return None


IMAGES = _xpath("//img[@src]")


# ---------------------------------------------------------------- body


VISIBLE_TEXT = _xpath(".//text()[not(ancestor::script or ancestor::style or ancestor::noscript)]")


def _visible_chars(element) -> int:
    return len(" ".join("".join(VISIBLE_TEXT(element)).split()))


def _containers(page: _Page) -> Iterator[tuple[lxml.html.HtmlElement, bool]]:
    """Where the body text may stand, best first, each flagged when it is the site's own.

    A container that is nearly empty next to the whole page (a photo box, a sidebar card)
    is passed over for the next, wider one.
    """
    candidates = []
    if site := SITE_BODY(page.doc):
        candidates.append((_fullest(site), True))
    for xpath in GENERIC_BODY:
        found = xpath(page.doc)
        if found and all(_fullest(found) is not seen for seen, _ in candidates):
            candidates.append((_fullest(found), False))
    page_chars = _visible_chars(page.doc)
    for position, (container, site_own) in enumerate(candidates):
        chars = _visible_chars(container)
        last = position == len(candidates) - 1
        if last or chars >= NEARLY_EMPTY_CHARS or chars >= NEARLY_EMPTY_SHARE * page_chars:
            yield container, site_own
def _fullest(elements: list) -> lxml.html.HtmlElement:
    return max(elements, key=lambda element: len(PARAGRAPHS(element)))


def _scope(container: lxml.html.HtmlElement) -> lxml.html.HtmlElement:
    """A copy of the container's content inside a bare document, for pruning and trafilatura."""
    scope = lxml.html.Element("html")
    article = etree.SubElement(etree.SubElement(scope, "body"), "article")
    article.text = container.text
    article.extend(deepcopy(child) for child in container)
    for line_break in article.iter("br"):
        line_break.tail = "\n" + (line_break.tail or "")  # a line break separates words
    return scope


def _edition_paragraphs(scope, page: _Page, language: str) -> list[tuple[etree._Element, str]]:
    """Paragraphs that are one link to an article of another edition, with their hrefs."""
    found = []
    for paragraph in PARAGRAPHS(scope):
        links = paragraph.findall(".//a[@href]")
        if len(links) != 1 or _text(links[0]) != _text(paragraph):
            continue
        href = urljoin(page.base, links[0].get("href").strip())
        parts = section_and_slug(href) if same_site(href, page.url) else None
        if parts and language_for_section(parts[0]) != language:
            found.append((paragraph, href))
    return found


def _trafilatura_paragraphs(scope, options: Extractor) -> list[str]:
    document = bare_extraction(scope, options=options)
    if document is None or document.body is None:
        return []
    texts = []
    for block in document.body:
        parts = [child for child in block if child.tag in ("p", "item")] if block.tag in (
            "list", "quote") else []
        texts.extend(_text(part) for part in parts or [block])
    return [text for text in texts if text]


def _generic_body(page: _Page, title: str) -> list[str]:
    """The body of a page of any site: trafilatura over the whole page, less the title, the
    byline and date lines and the captions. Narrowing to a container first read worse on real
    pages of many sites (bench/bench_extraction.py)."""
    scope = deepcopy(page.doc)
    titles = [h1 for h1 in scope.iter("h1") if _text(h1) == title]
    for element in GENERIC_PRUNED(scope) + titles:
        if element.getparent() is not None:
            element.drop_tree()
    paragraphs = _trafilatura_paragraphs(scope, GENERIC_OPTIONS)
    return [text for text in paragraphs if text]


GENERIC_PRUNED = _xpath(
    f"//*[@{TAKEN}] | //figcaption | //*[{_has_class('img-caption')}] | //script | //style"
    " | //noscript"
)


def _body(page: _Page, language: str | None, title: str = "") -> tuple[list[str], list[str]]:
    """Body paragraphs, and the other-edition links found among them."""
    if not page.outlet:
        return _generic_body(page, title), []
    for container, site in _containers(page):
        scope = _scope(container)
        editions = _edition_paragraphs(scope, page, language)
        for element in [paragraph for paragraph, _ in editions] + PRUNED(scope):
            if element.getparent() is not None:
                element.drop_tree()
        if site:
            # links in the site's own paragraphs are text: trafilatura drops short linked ones
            etree.strip_tags(scope, "a")
        paragraphs = (_trafilatura_paragraphs(scope, TRAFILATURA_OPTIONS)
                      or [_text(p) for p in PARAGRAPHS(scope)])
        if any(paragraphs):
            return [text for text in paragraphs if text], [href for _, href in editions]
    return [], []


def _translations(page: _Page, body_links: list[str], own_url: str) -> list[str]:
    hrefs = SITE_EDITION_LINKS(page.doc) + body_links + ALTERNATES(page.doc)
    urls = (canonical_url(urljoin(page.base, href), base_url=page.url) for href in hrefs)
    return _unique(url for url in urls if url != own_url and is_article_url(url))


KAZAKH_LETTERS = frozenset("әғқңөұүһі")


def text_language(text: str) -> str:
    """The edition a text reads as: Latin script is English, Kazakh letters make it Kazakh."""
    letters = [char for char in text.lower() if char.isalpha()]
    cyrillic = [char for char in letters if "а" <= char <= "я" or char in "ё" or char in KAZAKH_LETTERS]
    if len(cyrillic) * 2 < len(letters):
        return "en"
    kazakh = sum(char in KAZAKH_LETTERS for char in cyrillic)
    # Kazakh text has about one letter in ten of its own; Kazakh names in Russian text far fewer.
    return "kk" if kazakh >= 0.05 * len(cyrillic) else "ru"


DECLARED_LANGUAGE = _xpath(
    "/html/@lang | /html/@xml:lang | //meta[@http-equiv='content-language']/@content"
    " | //meta[@property='og:locale']/@content"
)
ENGLISH_WORDS = frozenset("the and of to in is that for on with was as by it".split())


def page_language(doc: lxml.html.HtmlElement, text: str) -> str | None:
    """The language of a page of any site: Cyrillic text tells Russian from Kazakh, Latin text
    is English when common English words fill it, else the page's declared language."""
    words = text.lower().split()
    guess = text_language(text) if words else None
    if guess in ("ru", "kk"):
        return guess
    english = sum(word.strip(".,;:!?\"'()") in ENGLISH_WORDS for word in words)
    if words and english >= 0.05 * len(words):
        return "en"
    declared = next((value for value in DECLARED_LANGUAGE(doc) if value.strip()), None)
    return re.split(r"[-_]", declared.strip().lower())[0] if declared else None


# A reading with fewer body words than this, or in another language than its edition, is
# doubtful: the page may have been caught in a layout change.
DOUBTFUL_WORDS = 30


def doubtful_reading(record: ArticleRecord) -> bool:
    """True when a record looks like a failed reading rather than the article."""
    text = " ".join(record.body)
    return record.word_count < DOUBTFUL_WORDS or text_language(text) != record.language


# ---------------------------------------------------------------- entry point


def extract(html: str | bytes, url: str, fetched_at: str | None = None) -> ArticleRecord:
    """Read one article page of the outlet fetched from url; ExtractionError when it is not a
    usable article."""
    return _guarded(_read_article, html, url, fetched_at)


def extract_generic(html: str | bytes, url: str, fetched_at: str | None = None) -> ArticleRecord:
    """Read an article page of any site: no outlet URL rules, no edition, the language from the
    page itself. The record has no article id, section or slug."""
    return _guarded(_read_any_article, html, url, fetched_at)


def _guarded(reader, html: str | bytes, url: str, fetched_at: str | None) -> ArticleRecord:
    try:
        return reader(html, url, fetched_at)
    except ExtractionError:
        raise
    except ValueError as error:  # a URL or a character on the page that cannot be parsed
        raise ExtractionError(f"unreadable page {url}: {error}") from error


def _read_article(html: str | bytes, url: str, fetched_at: str | None) -> ArticleRecord:
    page = _Page(parse_html(html), url)
    own_url = _canonical(page)
    section, slug = section_and_slug(own_url)
    language = language_for_section(section)
    fields = _read_fields(page)  # before the body: the parts taken as fields leave the body
    body, body_links = _body(page, language)
    if not body:
        raise ExtractionError(f"no body text on {url}")
    if section.lower() not in SECTION_LANGUAGES:
        # An unknown section: the text itself says which edition the article belongs to.
        language = text_language(" ".join(body))
    return ArticleRecord(
        article_id=article_id_from_url(own_url), language=language, url=own_url,
        section=section, slug=slug, body=body,
        translations=_translations(page, body_links, own_url), fetched_at=fetched_at, **fields)


def _read_any_article(html: str | bytes, url: str, fetched_at: str | None) -> ArticleRecord:
    page = _Page(parse_html(html), url, outlet=False)
    fields = _read_fields(page, title_required=False)
    body, _ = _body(page, None, fields["title"])
    if not body:
        raise ExtractionError(f"no body text on {url}")
    return ArticleRecord(
        article_id=None, language=page_language(page.doc, " ".join(body)),
        url=_generic_url(page), section="", slug="", body=body, fetched_at=fetched_at, **fields)


def _read_fields(page: _Page, title_required: bool = True) -> dict:
    byline = _byline(page)
    cover_image, cover_caption = _cover(page)
    title = _title(page) if title_required else _first(page, TITLE_STRATEGIES) or ""
    return {
        "title": title, "lead": _lead(page), "authors": byline.authors,
        "photo_credits": byline.photo_credits, "published": _published(page),
        "modified": _modified(page), "tags": _tags(page), "cover_image": cover_image,
        "cover_caption": cover_caption,
    }
